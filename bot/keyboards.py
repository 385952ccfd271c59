"""Inline keyboards, built next to the rendering; button texts come from templates; a used keyboard closed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot import callbacks
from bot.rendering import Renderer
from domain.models import OutboxMessage

if TYPE_CHECKING:
    from bot.context import AftersalesContext


def welcome_keyboard(renderer: Renderer, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    renderer.render("buyer/button_orders.txt", lang),
                    callback_data=callbacks.encode("hlp", "orders"),
                ),
                InlineKeyboardButton(
                    renderer.render("buyer/button_help.txt", lang),
                    callback_data=callbacks.encode("hlp", "help"),
                ),
            ]
        ]
    )


# --- a keyboard whose choice is made -----------------------------------------------------------

CHOSEN_LINE = "common/chosen_line.txt"
# A conversation's draft keeps, under this key, the outbox row of its question whose buttons still stand.
PENDING_KEYBOARD = "keyboard"
MAX_TEXT = 4096  # Telegram's limit for a message's text, in UTF-16 code units


def pressed_label(query: CallbackQuery) -> str | None:
    """The text of the button that was pressed, read from the message's keyboard."""
    markup = getattr(query.message, "reply_markup", None)
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            if button.callback_data == query.data:
                return button.text
    return None


async def close_keyboard(
    context: AftersalesContext, query: CallbackQuery, lang: str, chosen: str | None = None
) -> None:
    """The pressed message's choice is made: its buttons give way to a line saying what was chosen.

    The line names the pressed button unless `chosen` says otherwise. The text keeps
    its formatting: the line goes after it, so the entities' offsets stand. A message
    too long for the line, or without text, only loses its buttons. Recorded in the
    outbox, so the edit goes out after the commit, after what the press sent before it.
    """
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return  # an inaccessible (old) message, or one already without buttons
    where = {"chat_id": message.chat.id, "message_id": message.message_id}
    chosen = chosen if chosen is not None else pressed_label(query)
    if message.text is not None and chosen:
        text = f"{message.text}\n\n{context.render(CHOSEN_LINE, lang, chosen=chosen)}"
        if len(text.encode("utf-16-le")) // 2 <= MAX_TEXT:
            await context.outbox.call(
                "editMessageText", {**where, "text": text, "entities": list(message.entities) or None}
            )
            return
    await context.outbox.call("editMessageReplyMarkup", where)


async def remove_keyboard(
    context: AftersalesContext, outbox_row_id: int | None, *, unless: Message | None = None
) -> None:
    """Take the buttons off a message we sent (by its outbox row) whose question no longer stands.

    `unless`: the pressed message, which `close_keyboard` closes itself. Only a
    message already sent has an id to edit; one still waiting in the outbox keeps
    its buttons, and a press on them gets the stale-button alert.
    """
    row = await context.uow.session.get(OutboxMessage, outbox_row_id) if outbox_row_id else None
    if row is None or row.telegram_message_id is None:
        return
    if isinstance(unless, Message) and (unless.chat.id, unless.message_id) == (row.chat_id, row.telegram_message_id):
        return
    await context.outbox.call("editMessageReplyMarkup", {"chat_id": row.chat_id, "message_id": row.telegram_message_id})
