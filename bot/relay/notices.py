"""Wording and sending the seller-side notices the ticket services return (closing, rating, reminders)."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable

from sqlalchemy import select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.relay import offer_cards, request_cards, topics
from bot.relay.agents import agent_chats
from bot.relay.desk import Desk
from bot.rendering import pick_language
from domain.models import OutboxMessage, Ticket
from domain.results import Notice

log = logging.getLogger(__name__)

RATE_PREFIX = "rate"  # callback data: rate:<stars>:<ticket id>
# Request notices worded by request_line/request_decided (the reminder has its own line, the moderators theirs).
REQUEST_DECIDED = frozenset(
    {
        "request_approved",
        "request_rejected",
        "offer_proposed",
        "offer_withdrawn",
        "offer_expired",
        "offer_rejected",
        "reshipment_shipped",
        "request_escalated",
        "escalation_decided",
        "reshipment_overdue",
    }
)
ESCALATE = "es"  # the buyer's button under a rejection: rq:es:<request id>
UPHOLD, OVERTURN = "up", "ov"  # the moderators' card: rq:up|ov:<request id>
MODERATOR_CARD = "moderator_card"  # its outbox arguments: the request it shows, so the decision edits it


def rating_keyboard(ticket_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("⭐" * stars, callback_data=callbacks.encode(RATE_PREFIX, str(stars), ticket_id))
                for stars in range(1, 6)
            ]
        ]
    )


async def tell_store(desk: Desk, ticket: Ticket, template: str, **values: object) -> None:
    """A line for the store: in the ticket's topic, or in each agent's private chat."""
    group = await topics.group_of(desk, ticket)
    if group is not None and ticket.topic_id is not None:
        lang = await topics.agents_language(desk, ticket.store_id)
        await desk.outbox.send_message(
            group.chat_id, desk.render(template, lang, **values), parse_mode="HTML", message_thread_id=ticket.topic_id
        )
        return
    for agent in await agent_chats(desk, ticket.store_id):
        await desk.outbox.send_message(agent.chat_id, desk.render(template, agent.lang, **values), parse_mode="HTML")


async def _buyer_lang(desk: Desk, telegram_id: int) -> str:
    user = await desk.uow.users.by_telegram_id(telegram_id)
    return pick_language(user.language if user else None)


async def _remind_store(desk: Desk, ticket: Ticket, number: object, data: dict) -> None:
    """Half-time or 2 hours before the store's answer is due: a line in the topic, the card's "in N h" refreshed."""
    store = await desk.uow.stores.get(ticket.store_id)
    due_at = data.get("due_at")
    due = topics.local_time(due_at, store) if store else due_at
    hours = max(0, math.ceil((due_at - desk.clock.now()).total_seconds() / 3600)) if due_at else None
    await topics.refresh_request_cards(desk, ticket)
    await tell_store(
        desk, ticket, "seller/request_reminder.html", number=number, stage=data.get("stage"), due=due, hours=hours
    )


async def deliver_notices(desk: Desk, notices: Iterable[Notice], *, to: tuple[str, ...] = ("buyer", "store")) -> None:
    """Word and send each notice for the audiences in `to` (the others are left to their side's code)."""
    for notice in notices:
        if notice.to not in to:
            continue
        ticket = await desk.uow.tickets.get(notice.ticket_id) if notice.ticket_id is not None else None
        if ticket is None:
            continue
        data = dict(notice.data)
        number = data.get("number", ticket.number)
        if notice.kind in offer_cards.KINDS and notice.to in ("buyer", "store"):
            await offer_cards.tell(desk, ticket, notice, tell_store)
            continue
        if notice.to == "store":
            if notice.kind == "ticket_closed":
                await topics.close_topic(desk, ticket)
                await tell_store(
                    desk,
                    ticket,
                    "seller/closed_store.html",
                    number=number,
                    closed_by=data.get("closed_by"),
                    reason=data.get("reason"),
                )
            elif notice.kind in ("first_response_reminder", "first_response_overdue"):
                store = await desk.uow.stores.get(ticket.store_id)
                due = topics.local_time(data.get("due_at"), store) if store else data.get("due_at")
                await tell_store(desk, ticket, f"seller/{notice.kind}.html", number=number, due=due)
                await topics.refresh_topic(desk, ticket)
            elif notice.kind == "ticket_rated":
                await tell_store(desk, ticket, "seller/rated_store.html", number=number, stars=data.get("stars"))
            elif notice.kind in REQUEST_DECIDED:
                await topics.refresh_request_cards(desk, ticket)
                await tell_store(desk, ticket, "seller/request_line.html", kind=notice.kind, number=number, data=data)
            elif notice.kind == "request_reminder":
                await _remind_store(desk, ticket, number, data)
            continue
        if notice.to == "moderators":
            await _tell_moderators(desk, ticket, notice.kind, data)
            continue
        if notice.buyer_telegram_id is None:
            continue
        lang = await _buyer_lang(desk, notice.buyer_telegram_id)
        if notice.kind == "ticket_closed":
            store = await desk.uow.stores.get(ticket.store_id)
            await desk.outbox.send_message(
                notice.buyer_telegram_id,
                desk.render(
                    "seller/closed_buyer.html",
                    lang,
                    number=number,
                    store_name=store.name if store else "",
                    closed_by=data.get("closed_by"),
                ),
                parse_mode="HTML",
            )
        elif notice.kind in REQUEST_DECIDED:
            store = await desk.uow.stores.get(ticket.store_id)
            told = await desk.outbox.send_message(
                notice.buyer_telegram_id,
                desk.render(
                    "buyer/request_decided.html",
                    lang,
                    kind=notice.kind,
                    number=number,
                    store_name=store.name if store else "",
                    data=data,
                ),
                parse_mode="HTML",
                reply_markup=_escalate_keyboard(desk, lang, data) if notice.kind == "request_rejected" else None,
            )
            if notice.kind == "request_rejected" and data.get("evidence"):  # the buyer sees what the store showed
                await request_cards.send_evidence(
                    desk, ticket, notice.buyer_telegram_id, None, lang, after=told, side="seller"
                )
        elif notice.kind == "rating_request":
            await desk.outbox.send_message(
                notice.buyer_telegram_id,
                desk.render("seller/rate_ask.html", lang, number=number),
                parse_mode="HTML",
                reply_markup=rating_keyboard(ticket.id),
            )


def _escalate_keyboard(desk: Desk, lang: str, data: dict) -> InlineKeyboardMarkup | None:
    """Under a rejection the buyer may escalate (until `escalate_until`); the domain checks it again on the press."""
    if not data.get("escalate_until"):
        return None
    label = desk.render("moderator/escalation_button.txt", lang, what="escalate")
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=callbacks.encode("rq", ESCALATE, data["request_id"]))]]
    )


def moderator_keyboard(desk: Desk, request_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    desk.render("moderator/escalation_button.txt", MODERATORS_LANG, what=what),
                    callback_data=callbacks.encode("rq", code, request_id),
                )
                for what, code in (("uphold", UPHOLD), ("overturn", OVERTURN))
            ]
        ]
    )


MODERATORS_LANG = "en"  # the platform's team works in English


async def _moderator_card_text(desk: Desk, ticket: Ticket, data: dict, outcome: str | None) -> str | None:
    view = await request_cards.store_view(desk, ticket)
    if view is None:
        return None
    store = await desk.uow.stores.get(ticket.store_id)
    request = await desk.uow.requests.get(view.request_id)
    return desk.render(
        "moderator/escalation_card.html",
        MODERATORS_LANG,
        view=view,
        number=data.get("number", ticket.number),
        order_number=data.get("order_number"),
        store_name=store.name if store else "",
        buyer_files=sum(1 for f in view.evidence if f.side == "buyer"),
        seller_files=sum(1 for f in view.evidence if f.side == "seller"),
        note=request.escalation_note if request else None,
        outcome=outcome,
    )


async def _moderator_card_id(desk: Desk, chat_id: int, request_id: int) -> int | None:
    rows = await desk.uow.session.execute(
        select(OutboxMessage.on_result_args, OutboxMessage.telegram_message_id).where(
            OutboxMessage.chat_id == chat_id, OutboxMessage.telegram_message_id.is_not(None)
        )
    )
    found = [mid for args, mid in rows if (args or {}).get(MODERATOR_CARD) == request_id]
    return found[-1] if found else None


async def _tell_moderators(desk: Desk, ticket: Ticket, kind: str, data: dict) -> None:
    """The moderators' group: a card for an escalation (edited once decided), a line for an overdue reshipment."""
    chat_id = desk.moderators_chat_id
    if chat_id is None:
        log.warning(
            "no moderators' group set (AFTERSALES_MODERATORS_CHAT_ID): %s of ticket %s not told", kind, ticket.id
        )
        return
    request_id = data["request_id"]
    if kind == "request_escalated":
        text = await _moderator_card_text(desk, ticket, data, None)
        if text is not None:
            card = await desk.outbox.send_message(
                chat_id,
                text,
                parse_mode="HTML",
                reply_markup=moderator_keyboard(desk, request_id),
                on_result_args={MODERATOR_CARD: request_id},
            )
            # Both sides' evidence under the card: the buyer's album, then the store's.
            after = await request_cards.send_evidence(desk, ticket, chat_id, None, MODERATORS_LANG, after=card)
            await request_cards.send_evidence(desk, ticket, chat_id, None, MODERATORS_LANG, after=after, side="seller")
    elif kind == "escalation_decided":
        text = await _moderator_card_text(desk, ticket, data, data.get("outcome"))
        message_id = await _moderator_card_id(desk, chat_id, request_id)
        if text is not None and message_id is not None:
            await desk.outbox.call(
                "editMessageText",
                {"chat_id": chat_id, "message_id": message_id, "text": text, "parse_mode": "HTML"},
            )
    elif kind == "reshipment_overdue":
        store = await desk.uow.stores.get(ticket.store_id)
        ship_by = data.get("ship_by")
        await desk.outbox.send_message(
            chat_id,
            desk.render(
                "moderator/reshipment_overdue.html",
                MODERATORS_LANG,
                number=data.get("number", ticket.number),
                order_number=data.get("order_number"),
                store_name=store.name if store else "",
                ship_by=topics.local_time(ship_by, store) if store else ship_by,
            ),
            parse_mode="HTML",
        )
