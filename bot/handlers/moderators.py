"""The moderators' commands: /ticket, a ticket's whole transcript.

It answers in the moderators' group and in a moderator's private chat. A
store's support group (or any other group) is shown nothing, since its
members are no moderators: a moderator asking there is answered in private,
anyone else is ignored. Who is a moderator is the domain's to say, with
Telegram's word on the seat in the moderators' group, asked before the unit
of work.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import CommandHandler, filters

from bot.context import AftersalesContext, language_of
from bot.handlers.welcome import in_moderators_group
from bot.relay.transcripts import transcript_texts
from domain.errors import InvalidInput, NotFound
from domain.services.refusals import Forbidden
from domain.services.transcripts import TicketRef, moderator_transcript


def ticket_ref(args: Sequence[str]) -> TicketRef | None:
    """`ID` (the global id on moderators' cards) or `STORE NUMBER` (a store's name, spaces and all, or id)."""
    if not args:
        return None
    number = args[-1].removeprefix("#")
    if not number.isdigit() or (len(args) == 1 and args[0].startswith("#")):
        return None  # "#3" alone is a store's number without its store
    if len(args) == 1:
        return TicketRef(ticket_id=int(number))
    return TicketRef(store=" ".join(args[:-1]), number=int(number))


async def show_ticket(update: Update, context: AftersalesContext) -> None:
    message, user, lang = update.effective_message, update.effective_user, language_of(update)
    # In a store's support group (or any other) the members are no moderators: a moderator's answer goes to
    # their private chat, as with /flag, and the group sees nothing (not even that a moderator asked).
    elsewhere = message.chat.type != ChatType.PRIVATE and message.chat_id != context.deps.settings.moderators_chat_id
    ref = ticket_ref(context.args or [])
    try:
        transcript = await moderator_transcript(
            context.uow, user.id, ref, in_moderators_group=await in_moderators_group(context, user.id)
        )
    except Forbidden:  # said before any look-up: a buyer learns nothing of which tickets exist
        if not elsewhere:
            await _answer(context, message, elsewhere, lang, "not_moderator")
        return
    except InvalidInput:
        await _answer(context, message, elsewhere, lang, "usage")
        return
    except NotFound as missing:
        if ref is not None and ref.ticket_id is not None:
            await _answer(context, message, elsewhere, lang, "no_ticket", ticket_id=ref.ticket_id)
        elif missing.details.get("store_found"):
            await _answer(context, message, elsewhere, lang, "no_number", store=ref.store, number=ref.number)
        else:
            await _answer(context, message, elsewhere, lang, "no_store", store=ref.store)
        return
    sent = None
    for text in transcript_texts(context.render, lang, transcript):
        sent = await _send(context, message, elsewhere, text, after=sent)  # each part waits for the one before


async def _answer(context: AftersalesContext, message: Message, elsewhere: bool, lang: str, why: str, **values) -> None:
    await _send(context, message, elsewhere, context.render("moderator/ticket_answer.html", lang, why=why, **values))


async def _send(context: AftersalesContext, message: Message, elsewhere: bool, text: str, *, after=None):
    """Where the command was typed (its topic too), or, typed elsewhere, the moderator's private chat."""
    chat_id = message.from_user.id if elsewhere else message.chat_id
    thread = message.message_thread_id if message.is_topic_message and not elsewhere else None
    return await context.outbox.send_message(chat_id, text, parse_mode="HTML", message_thread_id=thread, after=after)


def handlers() -> list:
    # Not an edited /ticket: that would send the whole transcript again.
    return [CommandHandler("ticket", show_ticket, filters=filters.UpdateType.MESSAGE)]
