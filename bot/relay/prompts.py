"""Prompts an agent answers with Telegram's "reply": which prompt a reply answers, and an answer under the reply.

A prompt is a message the bot sent whose outbox row keeps, under a key of its
module's choosing, what the reply is for (a rejection's note, an amount, a
carrier and tracking number). A reply is durable and unambiguous in a topic
where colleagues talk too.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from telegram import Message
from telegram.ext import MessageHandler, filters

from bot.context import AftersalesContext
from domain.models import OutboxMessage


async def asked_by(context: AftersalesContext, message: Message, key: str) -> dict[str, Any] | None:
    """What the bot's message that `message` replies to asked for (its outbox arguments under `key`), or None."""
    replied = message.reply_to_message
    if replied is None or not replied.from_user or replied.from_user.id != context.bot.id:
        return None
    if replied.forum_topic_created is not None:
        # Every message in a topic "replies" to the topic's creation message, which is never a prompt:
        # answering that without a look-up keeps an agent's ordinary message off the outbox table.
        return None
    row = await context.uow.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.chat_id == message.chat_id, OutboxMessage.telegram_message_id == replied.message_id
        )
    )
    return (row.on_result_args or {}).get(key) if row is not None else None


async def answer_under(context: AftersalesContext, message: Message, text: str) -> None:
    """An answer to the agent's reply, under it, in its topic (a refusal; never a notice for the whole group)."""
    await context.outbox.send_message(
        message.chat_id,
        text,
        message_thread_id=message.message_thread_id if message.is_topic_message else None,
        reply_parameters={"message_id": message.message_id, "allow_sending_without_reply": True},
    )


def reply_handler(callback) -> MessageHandler:
    """A handler for agents' replies (in a support group or a private chat) that `callback` may take as an answer."""
    return MessageHandler(
        filters.REPLY
        & filters.UpdateType.MESSAGE
        & ~filters.COMMAND
        & (filters.ChatType.SUPERGROUP | filters.ChatType.PRIVATE),
        callback,
    )
