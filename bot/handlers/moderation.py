"""Moderation in the chat: the moderators' decisions on case cards, buyers' reports, /flag and /unsuspend.

Who is a moderator Telegram says (a member of the moderators' group, asked
with getChatMember before the domain decides); the domain says what a press
may do, once. Effects reach Telegram through the outbox after the commit:
the card redrawn, a released message sent to the buyer, the store told.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot import callbacks
from bot.context import AftersalesContext, language_of
from bot.handlers.common import answer_query
from bot.handlers.welcome import in_moderators_group
from bot.relay import topics
from bot.relay.agents import agent_chats
from bot.relay.desk import Desk, answer_in_place
from bot.relay.moderation_cards import PREFIX, REPORT, post_case_card, refresh_case_card
from bot.relay.notices import tell_store
from bot.relay.outgoing import SellerSource, carry_edit, send_stored_to_buyer
from domain.errors import DomainError
from domain.services.checkpoint import Passage
from domain.services.moderation_cases import (
    DECISIONS,
    CaseDecided,
    Moderator,
    decide_case,
    flag_message,
    report_message,
    unsuspend,
)
from domain.services.refusals import Forbidden, Refused
from domain.services.relay import find_by_copy, released_edit, seller_message


async def _moderator(context: AftersalesContext, update: Update) -> Moderator:
    user = update.effective_user
    return Moderator(user.id, user.full_name[:128], await in_moderators_group(context, user.id))


async def press(update: Update, context: AftersalesContext) -> None:
    query, lang = update.callback_query, language_of(update)
    decoded = callbacks.decode(query.data or "")
    target = callbacks.first_id(decoded)
    if decoded is not None and decoded.action == REPORT:
        await _report(update, context, target, lang, query=query)
        return
    decision = DECISIONS.get(decoded.action) if decoded is not None else None
    if decision is None:
        await answer_query(query, context.render("common/stale_button.txt", lang), show_alert=True)
        return
    try:
        decided = await decide_case(
            context.uow, context.deps.clock, target, decision, await _moderator(context, update)
        )
    except Forbidden:
        await answer_query(
            query, context.render("moderator/case_refused.txt", lang, why="not_moderator"), show_alert=True
        )
        return
    except Refused as refusal:
        text = context.render("moderator/case_refused.txt", lang, why=refusal.why, **refusal.details)
        await answer_query(query, text, show_alert=True)
        return
    desk = Desk.of(context)
    await refresh_case_card(desk, decided.view)
    await _carry_out(desk, decided)
    await answer_query(query, context.render("moderator/case_done.txt", lang, decision=decision))


async def _carry_out(desk: Desk, decided: CaseDecided) -> None:
    """What a decision does beyond the card: the held words reach the buyer, or the store hears why not."""
    view = decided.view
    ticket = await desk.uow.tickets.get(view.ticket_id)
    if decided.released:
        message = await seller_message(desk.uow, decided.ticket_message_id)
        if message is not None and view.for_edit:
            edit = await released_edit(desk.uow, decided.ticket_message_id, view.previous_text)
            if edit is not None and edit.text != view.previous_text:  # edited back as it was: nothing to carry
                await carry_edit(desk, edit, SellerSource.stored(message), message.store_name)
        elif message is not None:
            await send_stored_to_buyer(desk, message)
            if ticket is not None:
                await topics.refresh_topic(desk, ticket)  # the store has answered now: its turn is over
    if ticket is not None and not (decided.was == "open" and decided.decision == "dismiss"):
        # A flag dismissed is nothing to the store; every other decision is told in the ticket.
        await tell_store(
            desk,
            ticket,
            "seller/moderation_outcome.html",
            decision=decided.decision,
            was=decided.was,
            edit=view.for_edit,
            excerpt=_excerpt(view.text),
            strikes=decided.strike_count,
            threshold=view.strike_threshold,
        )
    if decided.suspended_now:
        await tell_store_everywhere(
            desk, view.store_id, "seller/messaging_suspended.html", strikes=decided.strike_count
        )


def _excerpt(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


async def tell_store_everywhere(desk: Desk, store_id: int, template: str, **values: object) -> None:
    """A line for all of the store's agents: in each of its support groups, or to each agent in private."""
    groups = await desk.uow.stores.groups(store_id)
    lang = await topics.agents_language(desk, store_id)
    for group in groups:
        await desk.outbox.send_message(group.chat_id, desk.render(template, lang, **values), parse_mode="HTML")
    if groups:
        return
    for agent in await agent_chats(desk, store_id):
        await desk.outbox.send_message(agent.chat_id, desk.render(template, agent.lang, **values), parse_mode="HTML")


async def _report(
    update: Update, context: AftersalesContext, ticket_message_id: int, lang: str, *, query=None, message=None
) -> None:
    """A buyer reports a store's message (its Report button, or /report in reply to it)."""
    try:
        case_id, already = await report_message(
            context.uow, context.deps.clock, ticket_message_id, update.effective_user.id
        )
    except (Forbidden, DomainError) as refusal:
        why = refusal.why if isinstance(refusal, Refused) else "not_reportable"
        await _answer(context, lang, "buyer/report_answer.txt", query, message, why=why)
        return
    if not already:
        await post_case_card(Desk.of(context), case_id)
    await _answer(context, lang, "buyer/report_answer.txt", query, message, why="already" if already else "reported")


async def _answer(
    context: AftersalesContext, lang: str, template: str, query, message: Message | None, **values
) -> None:
    text = context.render(template, lang, **values)
    if query is not None:
        await answer_query(query, text, show_alert=True)
    elif message is not None:
        await answer_in_place(context, message, text)


async def report_command(update: Update, context: AftersalesContext) -> None:
    """/report in reply to the store's message in the buyer's chat."""
    message, lang = update.effective_message, language_of(update)
    replied = message.reply_to_message
    ref = await find_by_copy(context.uow, message.chat_id, replied.message_id) if replied else None
    if ref is None:
        await answer_in_place(context, message, context.render("buyer/report_answer.txt", lang, why="usage"))
        return
    await _report(update, context, ref.ticket_message_id, lang, message=message)


async def flag_command(update: Update, context: AftersalesContext) -> None:
    """/flag in reply to any copy of a store's message the bot made (a moderator's own flag)."""
    message, lang = update.effective_message, language_of(update)
    moderator = await _moderator(context, update)
    if not moderator.is_moderator:
        return  # not a moderator: /flag means nothing here (a store's agents must not learn of it)
    replied = message.reply_to_message
    ref = await find_by_copy(context.uow, message.chat_id, replied.message_id) if replied else None
    if ref is None:
        await _flag_answer(context, message, lang, why="usage")
        return
    try:
        case_id, already = await flag_message(context.uow, context.deps.clock, ref.ticket_message_id, moderator)
    except Refused as refusal:
        await _flag_answer(context, message, lang, why=refusal.why)
        return
    if not already:
        await post_case_card(Desk.of(context), case_id)
    await _flag_answer(context, message, lang, why="already" if already else "flagged", case_id=case_id)


async def _flag_answer(context: AftersalesContext, message: Message, lang: str, **values: object) -> None:
    """In a store's group the agents must not read it: the moderator hears in private (the card is in their group)."""
    text = context.render("moderator/flag_answer.html", lang, **values)
    if message.chat.type == "private" or message.chat_id == context.deps.settings.moderators_chat_id:
        await answer_in_place(context, message, text)
    else:
        await context.outbox.send_message(message.from_user.id, text, parse_mode="HTML")


async def unsuspend_command(update: Update, context: AftersalesContext) -> None:
    """/unsuspend STORE: the store's agents may write to buyers again; what they wrote meanwhile goes on."""
    message, lang = update.effective_message, language_of(update)
    moderator = await _moderator(context, update)
    if not moderator.is_moderator:
        return
    if not context.args:
        await answer_in_place(context, message, context.render("moderator/unsuspend_answer.html", lang, why="usage"))
        return
    try:
        lifted = await unsuspend(context.uow, context.deps.clock, " ".join(context.args), moderator)
    except Refused as refusal:
        text = context.render("moderator/unsuspend_answer.html", lang, why=refusal.why, store=" ".join(context.args))
        await answer_in_place(context, message, text)
        return
    desk = Desk.of(context)
    await tell_store_everywhere(desk, lifted.store_id, "seller/messaging_restored.html", kept=len(lifted.passages))
    held = await _pass_on_kept(desk, lifted.passages)
    text = context.render(
        "moderator/unsuspend_answer.html",
        lang,
        why="lifted",
        store=lifted.store_name,
        kept=len(lifted.passages),
        held=held,
    )
    await answer_in_place(context, message, text)


async def _pass_on_kept(desk: Desk, passages: tuple[tuple[int, Passage], ...]) -> int:
    """Messages kept while suspended: sent, or held for a moderator as any message; how many are held."""
    held = 0
    for ticket_message_id, passage in passages:
        if passage.case_id is not None and passage.opened:
            await post_case_card(desk, passage.case_id)
        if not passage.reaches_buyer:
            held += 1
            continue
        message = await seller_message(desk.uow, ticket_message_id)
        if message is not None:
            await send_stored_to_buyer(desk, message)
    return held


def handlers() -> list:
    return [
        CallbackQueryHandler(press, pattern=callbacks.pattern(PREFIX)),
        CommandHandler("report", report_command, filters=filters.ChatType.PRIVATE),
        CommandHandler("flag", flag_command),
        CommandHandler("unsuspend", unsuspend_command),
    ]
