"""What every audience gets: the stale-button alert and the polite error answer."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import CallbackQueryHandler, TypeHandler

from bot.context import AftersalesContext, language_of
from bot.pipeline.lookups import LookupNeeded
from bot.pipeline.outbox import Apology, current_attempt
from domain.services.people import note_names
from domain.storage.conflicts import is_conflict

log = logging.getLogger(__name__)


async def answer_query(query: CallbackQuery, text: str | None = None, *, show_alert: bool = False) -> None:
    """Answer a button press once its update's transaction commits (``bot.pipeline.answers``).

    Telegram takes one answer per press: the first one given wins. Outside
    the update runner (no transaction) the press is answered at once.
    """
    attempt = current_attempt()
    if attempt is not None:
        if not attempt.answer_callback(query.id, text, show_alert=show_alert):
            log.warning("button press %s was answered twice by the handlers; the first answer stands", query.id)
        return
    try:
        await query.answer(text, show_alert=show_alert)
    except BadRequest as error:
        if "query is too old" not in str(error).lower():
            raise
        log.info("button press %s was answered already or expired", query.id)


async def answer_unknown_button(update: Update, context: AftersalesContext) -> None:
    """A button we no longer know (an old message, a removed feature): say so."""
    await answer_query(
        update.callback_query, context.render("common/stale_button.txt", language_of(update)), show_alert=True
    )


async def report_error(update: object, context: AftersalesContext) -> None:
    """Log the failure; on the runner's last try, leave the user a polite apology; never a traceback.

    The apology is sent by the runner after the rollback (a private message
    through the outbox, an alert for a button press), never from here.
    """
    error = context.error
    if isinstance(error, LookupNeeded):
        return  # not a failure: the runner makes the look-up and tries again
    attempt = context.attempt
    if is_conflict(error) and attempt is not None and not attempt.final:
        log.info("update lost a race and is retried: %s", error)
        return
    log.error("update failed", exc_info=error)
    if attempt is not None and not attempt.final:
        return  # the runner rolls back and retries; the user hears of it only if it gives up
    if not isinstance(update, Update):
        return
    query, chat = update.callback_query, update.effective_chat
    if query is None and chat is None:
        return
    text = context.render("common/error.txt", language_of(update))
    private = chat is not None and chat.type == "private"
    if attempt is not None:
        attempt.apology = Apology(chat.id if private and query is None else None, text, query.id if query else None)
        return
    try:  # handled outside the runner: nothing to wait for
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif private:
            await context.bot.send_message(update.effective_chat.id, text)
    except TelegramError:
        log.warning("could not tell the user about the failure", exc_info=True)


async def remember_names(update: Update, context: AftersalesContext) -> None:
    """A person writing to the bot: their first name and @username as Telegram shows them now.

    The store's side names buyers by them (the ticket card, the line over each
    copy). Only private chats: that is where buyers talk, one update at a time.
    """
    user, chat = update.effective_user, update.effective_chat
    if user is None or user.is_bot or chat is None or chat.type != "private":
        return
    await note_names(context.uow, user.id, user.first_name, user.username)


NAMES_GROUP = -20  # before every other group: some stop the update (ApplicationHandlerStop)


def name_handlers() -> list:
    return [TypeHandler(Update, remember_names)]


def fallback_handlers() -> list:
    """Last in the handlers' group: only a press that no handler took is an unknown button."""
    return [CallbackQueryHandler(answer_unknown_button)]
