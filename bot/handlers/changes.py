"""The store's decisions on a change request or a cancellation: the buttons of the ticket's card.

Apply, decline, approve and the two interception outcomes are one press;
applying a product's removal or a size or colour change on an order of
several items first turns the card's buttons into the items. Rejecting a
cancellation asks for the reason the buyer reads: the bot posts a prompt and
the agent answers it with Telegram's "reply", as with after-sales requests
(`bot.handlers.requests`). Every press is checked by the domain service
against the database and the presser; a refusal is an alert to the presser.
After a decision every card of the ticket is redrawn, a line goes to the
store and the buyer is told.
"""

from __future__ import annotations

from collections.abc import Iterable

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler

from bot import callbacks
from bot.context import AftersalesContext, language_of
from bot.handlers.common import answer_query
from bot.relay import change_cards, prompts, topics
from bot.relay.desk import Desk
from bot.relay.notices import tell_store
from bot.rendering import pick_language
from domain.enums import CopyRole
from domain.errors import NotFound
from domain.models import Cancellation, ChangeRequest, Ticket
from domain.results import Notice
from domain.services import order_changes
from domain.services.cancellations import decide_cancellation
from domain.services.order_changes import apply_change, change_view, decline_change, needs_item
from domain.services.refusals import Forbidden, Refused

PROMPT = "cancellation_prompt"  # the key of a prompt's outbox arguments: the cancellation its reply rejects
PROMPT_GROUP = -13  # after the request prompts (-15) and the order events' address answers (-14), before EARLY_GROUP
CANCEL_ACTIONS = {code: action for action, code in change_cards.CANCEL_CODES.items()}


async def press(update: Update, context: AftersalesContext) -> None:
    query, lang = update.callback_query, language_of(update)
    decoded = callbacks.decode(query.data or "")
    subject_id = callbacks.first_id(decoded)
    model = Cancellation if decoded and decoded.action in CANCEL_ACTIONS else ChangeRequest
    subject = await context.uow.session.get(model, subject_id) if subject_id else None
    ticket = await context.uow.tickets.get(subject.ticket_id) if subject else None
    if decoded is None or ticket is None:
        await answer_query(query, context.render("common/stale_button.txt", lang), show_alert=True)
        return
    desk = Desk.of(context)
    try:
        notices = await _act(update, context, desk, decoded, subject, ticket, lang)
    except Forbidden:
        await answer_query(query, context.render("seller/not_agent.txt", lang), show_alert=True)
        return
    except Refused as refusal:
        await answer_query(query, context.render("seller/change_refused.txt", lang, why=refusal.why), show_alert=True)
        return
    except NotFound:
        await answer_query(query, context.render("common/stale_button.txt", lang), show_alert=True)
        return
    if notices:
        await deliver(desk, ticket, notices)
    await answer_query(query)


async def _act(update, context, desk: Desk, decoded, subject, ticket: Ticket, lang: str) -> tuple[Notice, ...]:
    """One press: a decision's notices, or () when only the card's buttons changed."""
    clock, who, action, args, message = (
        context.deps.clock,
        update.effective_user.id,
        decoded.action,
        decoded.args,
        update.callback_query.message,
    )
    if action in CANCEL_ACTIONS:
        if CANCEL_ACTIONS[action] == "reject":
            await _ask_reason(context, desk, subject, ticket, who, message, lang)
            return ()
        return (await decide_cancellation(context.uow, clock, subject.id, who, CANCEL_ACTIONS[action])).notices
    if action == "dc":
        return (await decline_change(context.uow, clock, subject.id, who)).notices
    if action == "it" and len(args) > 1 and args[1].isdigit():
        return (await apply_change(context.uow, clock, subject.id, who, order_item_id=int(args[1]))).notices
    if action not in ("ap", "bk"):
        raise Refused("already_decided")
    order = await context.uow.orders.get(subject.order_id)
    if action == "ap" and (order is None or not needs_item(subject, order)):
        return (await apply_change(context.uow, clock, subject.id, who)).notices
    await _require_agent(context, subject, who)  # a button swap is the store's too
    view = await change_view(context.uow, subject.id)
    if "apply" not in view.actions:
        raise Refused("already_shipped" if view.actions else "already_decided")
    if action == "ap":
        rows = change_cards.item_rows(desk, lang, view)
    else:
        rows = (await topics.card_markup(desk, ticket, lang)).inline_keyboard
    await context.outbox.call(
        "editMessageReplyMarkup",
        {"chat_id": message.chat.id, "message_id": message.message_id, "reply_markup": InlineKeyboardMarkup(rows)},
    )
    return ()


async def _require_agent(context: AftersalesContext, subject, who: int) -> None:
    case = await order_changes.load_case(context.uow, subject.id, subject.ticket_id, subject.order_id)
    await order_changes.agent_actor(context.uow, case, who)


async def _ask_reason(context, desk: Desk, cancellation, ticket: Ticket, who: int, message, lang: str) -> None:
    await _require_agent(context, cancellation, who)
    if "reject" not in (await change_cards.views_of(desk, ticket))[1].actions:
        raise Refused("already_decided")
    await context.outbox.send_message(
        message.chat.id,
        context.render("seller/change_prompt.html", lang, number=ticket.number),
        parse_mode="HTML",
        message_thread_id=message.message_thread_id if getattr(message, "is_topic_message", False) else None,
        on_result_args={PROMPT: {"cancellation_id": cancellation.id}},
    )


async def reply_to_prompt(update: Update, context: AftersalesContext) -> None:
    """A reply to a rejection prompt is the reason; any other reply passes on."""
    message, lang = update.effective_message, language_of(update)
    asked = await prompts.asked_by(context, message, PROMPT)
    if asked is None:
        return
    desk, who = Desk.of(context), update.effective_user.id
    text = (message.text if message.text is not None else message.caption) or ""
    try:
        done = await decide_cancellation(context.uow, context.deps.clock, asked["cancellation_id"], who, "reject", text)
    except (Forbidden, Refused) as error:
        why = "not_agent" if isinstance(error, Forbidden) else error.why
        answer = (
            context.render("seller/not_agent.html", lang)
            if why == "not_agent"
            else context.render("seller/change_refused.txt", lang, why=why)
        )
        await prompts.answer_under(context, message, answer)
        raise ApplicationHandlerStop from None
    cancellation = await context.uow.session.get(Cancellation, done.cancellation_id)
    ticket = await context.uow.tickets.get(cancellation.ticket_id) if cancellation else None
    if ticket is not None:
        await deliver(desk, ticket, done.notices)
    raise ApplicationHandlerStop  # answered here: not a message for the buyer


async def refresh_cards(desk: Desk, ticket: Ticket) -> None:
    """Every card of the ticket shows the decision now, with the buttons that remain."""
    group = await topics.group_of(desk, ticket)
    cards: list[tuple[int, int, str, bool]] = []
    if group is not None and ticket.header_message_id is not None:
        cards.append(
            (group.chat_id, ticket.header_message_id, await topics.agents_language(desk, ticket.store_id), False)
        )
    for copy in await desk.uow.tickets.copies_of_ticket(ticket.id, CopyRole.CARD):
        user = await desk.uow.users.by_telegram_id(copy.chat_id)
        cards.append((copy.chat_id, copy.telegram_message_id, pick_language(user.language if user else None), True))
    for chat_id, message_id, lang, hint in cards:
        text = await topics.card_text(desk, ticket, lang)
        if hint:
            text += "\n\n" + desk.render("seller/reply_hint.html", lang)
        await desk.outbox.call(
            "editMessageText",
            {
                "chat_id": chat_id,
                "message_id": message_id,
                "text": text,
                "parse_mode": "HTML",
                "reply_markup": await topics.card_markup(desk, ticket, lang),
            },
        )


async def deliver(desk: Desk, ticket: Ticket, notices: Iterable[Notice]) -> None:
    """The decision's notices: the store's cards redrawn and a line for it; the buyer told."""
    store = await desk.uow.stores.get(ticket.store_id)
    for notice in notices:
        data = dict(notice.data)
        if notice.to == "store":
            await refresh_cards(desk, ticket)
            await tell_store(desk, ticket, "seller/change_line.html", kind=notice.kind, number=ticket.number, data=data)
        elif notice.to == "buyer" and notice.buyer_telegram_id is not None:
            user = await desk.uow.users.by_telegram_id(notice.buyer_telegram_id)
            await desk.outbox.send_message(
                notice.buyer_telegram_id,
                desk.render(
                    "buyer/change_decided.html",
                    pick_language(user.language if user else None),
                    kind=notice.kind,
                    number=ticket.number,
                    store_name=store.name if store else "",
                    data=data,
                ),
                parse_mode="HTML",
            )


def handlers() -> list:
    return [CallbackQueryHandler(press, pattern=callbacks.pattern(change_cards.PREFIX))]


def prompt_handlers() -> list:
    return [prompts.reply_handler(reply_to_prompt)]
