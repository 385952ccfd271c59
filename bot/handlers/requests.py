"""The store's decisions on an after-sales request: the buttons of its card and the prompts they leave.

Approve, refund only and a suggested partial refund are one press. Reject asks
for a reason (the card's buttons turn into the reasons for the request's type),
then for the agent's note and, where the reason needs it, a photo: the bot posts
a prompt and the agent answers it with Telegram's own "reply" (the note as text,
or a photo with the note as its caption). A reply is durable and unambiguous, in
a topic where colleagues talk too; the prompt's outbox row says what it asks.
Typing a partial-refund amount works the same way, and so does the carrier and
tracking number of a shipped replacement (bot.handlers.reshipments). Every press and reply is
checked against the database and the presser by the domain service; a refusal
is an alert to the presser (or an answer under their reply), never a group notice.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler

from bot import callbacks
from bot.amounts import parse_amount
from bot.context import AftersalesContext, language_of
from bot.handlers import escalations, reshipments
from bot.handlers.common import answer_query
from bot.relay import prompts, request_cards, topics
from bot.relay.desk import Desk
from bot.relay.incoming import incoming_files
from bot.relay.notices import deliver_notices
from bot.relay.request_timelines import timeline_text
from domain.enums import AttachmentPurpose
from domain.errors import NotFound
from domain.results import IncomingFile, Viewer
from domain.services.refusals import Forbidden, Refused
from domain.services.request_rules import needs_seller_evidence
from domain.services.requests import (
    approve_request,
    propose_partial_refund,
    propose_refund_only,
    reject_request,
    request_view,
    withdraw_offer,
)

PROMPT = "request_prompt"  # the key of a prompt's outbox arguments: what its reply answers


async def _refuse(query, context: AftersalesContext, lang: str, why: str, **values: object) -> None:
    await answer_query(query, context.render("seller/request_refused.txt", lang, why=why, **values), show_alert=True)


async def press(update: Update, context: AftersalesContext) -> None:
    query, lang = update.callback_query, language_of(update)
    decoded = callbacks.decode(query.data or "")
    request_id = callbacks.first_id(decoded)
    request = await context.uow.requests.get(request_id) if request_id else None
    ticket = await context.uow.tickets.get(request.ticket_id) if request else None
    if decoded is None or ticket is None:
        await answer_query(query, context.render("common/stale_button.txt", lang), show_alert=True)
        return
    desk, who = Desk.of(context), update.effective_user.id
    if decoded.action in escalations.ACTIONS:  # the buyer's escalation, the moderators' decision
        await escalations.press(update, context, desk, decoded, request_id, lang)
        return
    try:
        view = await request_view(context.uow, request_id, Viewer("agent", who), now=context.deps.clock.now())
        done = await _act(update, context, desk, decoded, view, ticket, lang)
    except Forbidden:
        await answer_query(query, context.render("seller/not_agent.txt", lang), show_alert=True)
        return
    except Refused as refusal:
        await _refuse(query, context, lang, refusal.why)
        return
    except NotFound:
        await answer_query(query, context.render("common/stale_button.txt", lang), show_alert=True)
        return
    if done is not None:
        await deliver_notices(desk, done.notices)
    await answer_query(query)


async def _act(update, context, desk: Desk, decoded, view, ticket, lang: str):
    """One press: a decision (its `Decision`), or a change of the card's buttons (None)."""
    clock, who, action, args = context.deps.clock, update.effective_user.id, decoded.action, decoded.args
    if action == request_cards.TIMELINE:
        await _post_timeline(context, desk, update.callback_query.message, view, ticket, lang)
        return None
    if action == "ok":
        return await approve_request(context.uow, clock, view.request_id, who)
    if action == "ro":
        return await propose_refund_only(context.uow, clock, view.request_id, who)
    if action == "pa" and len(args) > 1 and args[1].isdigit():
        return await propose_partial_refund(context.uow, clock, view.request_id, who, int(args[1]))
    if action == "wd" and len(args) > 1 and args[1].isdigit():
        return await withdraw_offer(context.uow, clock, int(args[1]), who)
    if {"rj": "reject", "pr": "partial_refund"}.get(action, "") not in view.actions | {""}:
        raise Refused("already_decided")  # the card's buttons were older than the request's state
    message = update.callback_query.message
    if action == "rj":
        await _swap_buttons(context, message, request_cards.reason_rows(desk, lang, view), lang)
    elif action == "pr":
        await _swap_buttons(context, message, request_cards.amount_rows(desk, lang, view), lang)
    elif action == "bk":
        await _swap_buttons(context, message, request_cards.decision_rows(desk, lang, view), lang, desk, ticket)
    elif action == "rr" and len(args) > 1 and "reject" in view.actions:
        await _prompt(context, message, lang, "reject", view, reason=args[1], evidence=needs_seller_evidence(args[1]))
    elif action == "pt" and "partial_refund" in view.actions:
        await _prompt(context, message, lang, "amount", view)
    elif action == "rs":
        if "mark_reshipped" not in view.actions:
            raise Refused("already_reshipped")
        await _prompt(context, message, lang, "reshipped", view)
    else:
        raise Refused("already_decided")
    return None


async def _post_timeline(context, desk: Desk, message, view, ticket, lang: str) -> None:
    """The store's view of the timeline (agents' names, reminders) in the topic, on the store's clock."""
    store = await context.uow.stores.get(ticket.store_id)
    text = timeline_text(desk.render, lang, view, "store", store.timezone, context.deps.clock.now())
    await context.outbox.send_message(
        message.chat.id,
        text,
        parse_mode="HTML",
        message_thread_id=message.message_thread_id if getattr(message, "is_topic_message", False) else None,
    )


async def _swap_buttons(context, message, rows, lang: str, desk: Desk | None = None, ticket=None) -> None:
    if desk is not None and ticket is not None:  # back to the decisions: the ticket's own button too
        closing = topics.card_keyboard(desk, lang, ticket)
        rows = [*rows, *(closing.inline_keyboard if closing else ())]
    await context.outbox.call(
        "editMessageReplyMarkup",
        {"chat_id": message.chat.id, "message_id": message.message_id, "reply_markup": InlineKeyboardMarkup(rows)},
    )


async def _prompt(context, message, lang: str, asks: str, view, **more: object) -> None:
    """A message the agent answers with a reply: its outbox row keeps what the reply is for."""
    await context.outbox.send_message(
        message.chat.id,
        context.render("seller/request_prompt.html", lang, asks=asks, number=view.ticket_number, view=view, **more),
        parse_mode="HTML",
        message_thread_id=message.message_thread_id if getattr(message, "is_topic_message", False) else None,
        on_result_args={PROMPT: {"asks": asks, "request_id": view.request_id, **more}},
    )


async def reply_to_prompt(update: Update, context: AftersalesContext) -> None:
    """A reply to one of our prompts is the note (and photo) or the amount it asked for; any other reply passes on."""
    message, lang = update.effective_message, language_of(update)
    asked = await prompts.asked_by(context, message, PROMPT)
    if asked is None:
        return
    desk, who, clock = Desk.of(context), update.effective_user.id, context.deps.clock
    text = (message.text if message.text is not None else message.caption) or ""
    try:
        if asked["asks"] == "reject":
            files = [
                IncomingFile(f.kind, f.file_id, f.file_unique_id, f.caption, AttachmentPurpose.SELLER_EVIDENCE)
                for f in incoming_files(message)
            ]
            done = await reject_request(context.uow, clock, asked["request_id"], who, asked["reason"], text, files)
        elif asked["asks"] == "reshipped":
            done = await reshipments.mark_typed(context, asked["request_id"], who, text)
        else:
            done = await _propose_typed(context, asked["request_id"], who, text, lang)
    except Forbidden:
        await prompts.answer_under(context, message, context.render("seller/not_agent.html", lang))
        raise ApplicationHandlerStop from None
    except Refused as refusal:
        await prompts.answer_under(
            context, message, context.render("seller/request_refused.txt", lang, why=refusal.why)
        )
        raise ApplicationHandlerStop from None
    await deliver_notices(desk, done.notices)
    raise ApplicationHandlerStop  # answered here: not a message for the buyer


async def _propose_typed(context, request_id: int, who: int, text: str, lang: str):
    request = await context.uow.requests.get(request_id)
    minor = parse_amount(text, lang, request.currency)
    return await propose_partial_refund(context.uow, context.deps.clock, request_id, who, minor)


PROMPT_GROUP = -15  # after the names (NAMES_GROUP), before the agents' reply routing (EARLY_GROUP) and the topic relay


def handlers() -> list:
    return [CallbackQueryHandler(press, pattern=callbacks.pattern(request_cards.PREFIX))]


def prompt_handlers() -> list:
    return [prompts.reply_handler(reply_to_prompt)]
