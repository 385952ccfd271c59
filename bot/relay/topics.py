"""A ticket's place on the seller side: its forum topic (or private cards to agents).

Telegram gives a new topic's ``message_thread_id`` only in the answer to
``createForumTopic``, and an outbox row's parameters are fixed when recorded.
So the topic is created alone, and the ``topic_created`` result hook (run by
the sender with Telegram's answer) stores the thread id and then records the
header card and any buyer message that waited for the topic. A buyer message
arriving while the topic is still being made is copied by that same hook.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.relay import change_cards, request_cards
from bot.relay.agents import agent_chats
from bot.relay.desk import Desk
from bot.rendering import DEFAULT_LANGUAGE, pick_language
from domain.enums import AuthorRole, CopyRole, DeadlineKind, OpenedBy, TicketStatus
from domain.models import OutboxMessage, Store, StoreSupportGroup, Ticket, TicketMessage
from domain.services.requests import RequestView
from domain.services.ticket_deadlines import SUBJECT

MAX_TOPIC_NAME = 128  # Telegram's limit for a forum topic's name
CLOSE_PREFIX = "tkt"  # callback data: tkt:close:<ticket id>


async def agents_language(desk: Desk, store_id: int) -> str:
    """The language for store-side texts nobody in particular reads (a shared topic): the first agent's."""
    return pick_language(await desk.uow.stores.first_agent_language(store_id))


async def next_deadline(desk: Desk, ticket: Ticket) -> datetime | None:
    """What the topic title counts down to: the first response, else the buyer-silence close."""
    if ticket.status == TicketStatus.CLOSED:
        return None
    if ticket.first_responded_at is None:
        return ticket.first_response_due_at
    if ticket.status == TicketStatus.WAITING_BUYER:
        live = await desk.uow.deadlines.live(DeadlineKind.AUTO_CLOSE, SUBJECT, ticket.id)
        return live.due_at if live else None
    return None


def local_time(at: datetime | None, where: Store | str) -> datetime | None:
    """`at` on the clock of a store (or of an IANA zone name); as it was when the zone is unknown."""
    if at is None:
        return None
    try:
        return at.astimezone(ZoneInfo(where if isinstance(where, str) else where.timezone))
    except (KeyError, ValueError):
        return at


def topic_link(chat_id: int, thread_id: int) -> str | None:
    """A t.me link that opens the topic, for members of the group; only supergroups (-100...) have them."""
    internal = str(chat_id).removeprefix("-100")
    return f"https://t.me/c/{internal}/{thread_id}" if internal != str(chat_id) else None


async def topic_title(desk: Desk, ticket: Ticket, store: Store, lang: str) -> str:
    due = local_time(await next_deadline(desk, ticket), store)
    title = desk.render(
        "seller/topic_title.txt",
        lang,
        status=str(ticket.status),
        number=ticket.number,
        reason=str(ticket.reason),
        due=due,
    )
    return title[:MAX_TOPIC_NAME]


def card_keyboard(desk: Desk, lang: str, ticket: Ticket) -> InlineKeyboardMarkup | None:
    if ticket.status == TicketStatus.CLOSED:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    desk.render("seller/button_close.txt", lang),
                    callback_data=callbacks.encode(CLOSE_PREFIX, "close", ticket.id),
                )
            ]
        ]
    )


async def ticket_card(desk: Desk, ticket: Ticket, lang: str) -> str:
    order = await desk.uow.orders.get(ticket.order_id) if ticket.order_id is not None else None
    buyer = await desk.uow.users.get(ticket.buyer_id)
    first = None
    for message in await desk.uow.tickets.messages(ticket.id):
        if message.author_role == AuthorRole.BUYER and message.text:
            first = message.text
            break
    return desk.render(
        "seller/ticket_card.html",
        lang,
        number=ticket.number,
        order_number=order.external_number if order else None,
        items=[(item.title, item.quantity) for item in order.items] if order else [],
        status=str(ticket.status),
        reason=str(ticket.reason),
        buyer_language=buyer.language if buyer else DEFAULT_LANGUAGE,
        buyer_name=buyer.display_name if buyer else None,
        buyer_username=buyer.username if buyer else None,
        first_message=first,
    )


async def create_topic(desk: Desk, ticket: Ticket, group: StoreSupportGroup, *, recreated: bool = False) -> None:
    store = await desk.uow.stores.get(ticket.store_id)
    assert store is not None
    lang = await agents_language(desk, ticket.store_id)
    ticket.support_group_id = group.id
    ticket.topic_id = None
    name = await topic_title(desk, ticket, store, lang)
    await desk.outbox.call(
        "createForumTopic",
        {"chat_id": group.chat_id, "name": name},
        on_result="topic_created",
        on_result_args={"ticket_id": ticket.id, "recreated": recreated},
    )
    await desk.uow.flush()


async def on_topic_created(
    desk: Desk, ticket_id: int, thread_id: int, name: str, *, recreated: bool
) -> tuple[Ticket, StoreSupportGroup] | None:
    """Telegram made the topic: remember it, post the header card (and history); the ticket and group, to copy what waited."""
    ticket = await desk.uow.tickets.get(ticket_id)
    if ticket is None or ticket.support_group_id is None:
        return None
    group = await desk.uow.session.get(StoreSupportGroup, ticket.support_group_id)
    if group is None:
        return None
    ticket.topic_id = thread_id
    ticket.topic_title = name
    lang = await agents_language(desk, ticket.store_id)
    card = await desk.outbox.send_message(
        group.chat_id,
        await card_text(desk, ticket, lang),
        parse_mode="HTML",
        message_thread_id=thread_id,
        reply_markup=await card_markup(desk, ticket, lang),
        on_result="card_sent",
        on_result_args={"ticket_id": ticket.id},
    )
    await request_cards.send_evidence(desk, ticket, group.chat_id, thread_id, lang, after=card)
    if recreated or await _store_wrote_first(desk, ticket):
        await desk.outbox.send_message(
            group.chat_id,
            await history_text(desk, ticket, lang, recreated=recreated, chat_id=group.chat_id),
            parse_mode="HTML",
            message_thread_id=thread_id,
        )
    await desk.uow.flush()
    return ticket, group


async def _store_wrote_first(desk: Desk, ticket: Ticket) -> bool:
    """A ticket the store opened with a message (/notify): the topic shows what was sent."""
    return ticket.opened_by == OpenedBy.AGENT and any(
        m.author_role == AuthorRole.AGENT for m in await desk.uow.tickets.messages(ticket.id, include_internal=True)
    )


def waits_for_topic(message: TicketMessage, chat_id: int) -> bool:
    """A buyer message the topic in group `chat_id` gets as a copy of its own (now, or with its album).

    Not yet in this group (an earlier topic's copies are in the history instead),
    and something to copy: a Telegram original, or files. The topic's history
    leaves these out, so each shows once.
    """
    if message.author_role != AuthorRole.BUYER or any(c.chat_id == chat_id for c in message.copies):
        return False
    return bool(message.attachments) or any(c.role == CopyRole.ORIGINAL for c in message.copies)


HISTORY_ENTRY_CHARS = 300  # each earlier message, shortened: the whole history must fit one Telegram message
MAX_MESSAGE = 4096


async def history_text(desk: Desk, ticket: Ticket, lang: str, *, recreated: bool, chat_id: int | None = None) -> str:
    """What the ticket said before its topic in group `chat_id` was made, less what that topic gets copied."""
    entries = []
    for message in await desk.uow.tickets.messages(ticket.id, include_internal=True):
        if not message.text and not message.attachments:
            continue  # a store-opened ticket's marker
        if chat_id is not None and waits_for_topic(message, chat_id):
            continue  # copied into the topic right after the history: shown once, as itself
        text = message.text or ""
        entries.append(
            {
                "by": str(message.author_role),
                "text": text if len(text) <= HISTORY_ENTRY_CHARS else text[: HISTORY_ENTRY_CHARS - 1] + "…",
                "internal": message.internal,
                "files": [str(file.kind) for file in message.attachments],
            }
        )
    entries = entries[-30:]
    while True:
        # Shortened by whole entries, never by cutting the rendered HTML (a cut tag is refused).
        rendered = desk.render("seller/history.html", lang, number=ticket.number, entries=entries, recreated=recreated)
        if len(rendered) <= MAX_MESSAGE or not entries:
            return rendered
        entries = entries[1:]


async def send_private_cards(desk: Desk, ticket: Ticket) -> None:
    """No support group: each active agent gets the ticket's card in their private chat."""
    # The card carries the buyer's first message (or, in a ticket the store opened, its marker),
    # so replying to the card routes to the ticket.
    messages = await desk.uow.tickets.messages(ticket.id, include_internal=True)
    first_message = next((m for m in messages if m.author_role == AuthorRole.BUYER), messages[0] if messages else None)
    for agent in await agent_chats(desk, ticket.store_id):
        card = await desk.outbox.send_message(
            agent.chat_id,
            await card_text(desk, ticket, agent.lang) + "\n\n" + desk.render("seller/reply_hint.html", agent.lang),
            parse_mode="HTML",
            reply_markup=await card_markup(desk, ticket, agent.lang),
            on_result="copy_sent" if first_message is not None else None,
            on_result_args={"ticket_message_id": first_message.id, "role": str(CopyRole.CARD)}
            if first_message
            else None,
        )
        await request_cards.send_evidence(desk, ticket, agent.chat_id, None, agent.lang, after=card)


async def refresh_topic(desk: Desk, ticket: Ticket) -> None:
    """Keep the topic's title current (status, next deadline); no call when nothing changed."""
    if ticket.topic_id is None or ticket.support_group_id is None:
        return
    group = await group_of(desk, ticket)
    store = await desk.uow.stores.get(ticket.store_id)
    if group is None or store is None:
        return
    name = await topic_title(desk, ticket, store, await agents_language(desk, ticket.store_id))
    if name == ticket.topic_title:
        return  # Telegram refuses an unchanged name (TOPIC_NOT_MODIFIED)
    ticket.topic_title = name
    await desk.outbox.call(
        "editForumTopic", {"chat_id": group.chat_id, "message_thread_id": ticket.topic_id, "name": name}
    )


async def close_topic(desk: Desk, ticket: Ticket) -> None:
    """A closed ticket's topic: final title, card without buttons, topic closed; in private mode its cards lose their buttons."""
    for card in await desk.uow.tickets.copies_of_ticket(ticket.id, CopyRole.CARD):
        # Cards in agents' chats keep their text (a reply to one still reaches the ticket's notes).
        await desk.outbox.call(
            "editMessageReplyMarkup", {"chat_id": card.chat_id, "message_id": card.telegram_message_id}
        )
    if ticket.topic_id is None or ticket.support_group_id is None:
        return
    await refresh_topic(desk, ticket)
    group = await desk.uow.session.get(StoreSupportGroup, ticket.support_group_id)
    if group is None:
        return
    if ticket.header_message_id is not None:
        lang = await agents_language(desk, ticket.store_id)
        await desk.outbox.call(
            "editMessageText",
            {
                "chat_id": group.chat_id,
                "message_id": ticket.header_message_id,
                "text": await card_text(desk, ticket, lang),
                "parse_mode": "HTML",
            },
        )
    await desk.outbox.call("closeForumTopic", {"chat_id": group.chat_id, "message_thread_id": ticket.topic_id})


async def group_of(desk: Desk, ticket: Ticket) -> StoreSupportGroup | None:
    return await desk.uow.stores.group_of_ticket(ticket)


# --- the card of a ticket that carries an after-sales request (bot.relay.request_cards) ---


async def card_text(desk: Desk, ticket: Ticket, lang: str, view: RequestView | None = None) -> str:
    text = await ticket_card(desk, ticket, lang)
    view = view or await request_cards.store_view(desk, ticket)
    if view is None:  # a change or a cancellation has its own lines (bot.relay.change_cards)
        change = await change_cards.card_part(desk, ticket, lang)
        return text if change is None else text + "\n\n" + change
    return text + "\n\n" + await request_cards.request_part(desk, ticket, view, lang, local_time)


async def card_markup(
    desk: Desk, ticket: Ticket, lang: str, view: RequestView | None = None, rows: list | None = None
) -> InlineKeyboardMarkup | None:
    """The decision buttons (or `rows` in their place), over the ticket's own."""
    view = view or await request_cards.store_view(desk, ticket)
    closing = card_keyboard(desk, lang, ticket)
    if rows is not None:
        mine = rows
    elif view is not None:
        mine = request_cards.decision_rows(desk, lang, view)
    else:
        mine = await change_cards.decision_rows(desk, ticket, lang)
    everything = [*mine, *(closing.inline_keyboard if closing else ())]
    return InlineKeyboardMarkup(everything) if everything else None


async def refresh_request_cards(desk: Desk, ticket: Ticket) -> None:
    """Every card of the ticket shows the request's status now, with the buttons that remain."""
    view = await request_cards.store_view(desk, ticket)
    if view is None:
        return
    group = await group_of(desk, ticket)
    if group is not None and ticket.header_message_id is not None:
        lang = await agents_language(desk, ticket.store_id)
        await _edit(desk, ticket, group.chat_id, ticket.header_message_id, lang, view)
    for card in await desk.uow.tickets.copies_of_ticket(ticket.id, CopyRole.CARD):
        user = await desk.uow.users.by_telegram_id(card.chat_id)
        lang = pick_language(user.language if user else None)
        await _edit(desk, ticket, card.chat_id, card.telegram_message_id, lang, view, hint=True)


async def _edit(
    desk: Desk, ticket: Ticket, chat_id: int, message_id: int, lang: str, view: RequestView, *, hint: bool = False
) -> OutboxMessage:
    text = await card_text(desk, ticket, lang, view)
    if hint:
        text += "\n\n" + desk.render("seller/reply_hint.html", lang)
    markup = await card_markup(desk, ticket, lang, view)
    return await desk.outbox.call(
        "editMessageText",
        {"chat_id": chat_id, "message_id": message_id, "text": text, "parse_mode": "HTML", "reply_markup": markup},
    )
