"""What every Bot API method handler needs: the call, and the shared steps of sending."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sandbox.checker import FormattedText, Upload
from sandbox.errors import bad_request
from sandbox.html_parse import auto_entities
from sandbox.world import Bot, Chat, FileRecord, Message, World
from sandbox.world.files import check_usable_as

if TYPE_CHECKING:
    from sandbox.server import SandboxServer


@dataclass
class Call:
    server: SandboxServer
    bot: Bot
    params: dict[str, Any]
    files: dict[str, Upload] = field(default_factory=dict)
    formatted: dict[str, FormattedText] = field(default_factory=dict)

    @property
    def world(self) -> World:
        return self.server.world

    def get(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)


def formatted(call: Call, key: str) -> tuple[str | None, list[dict[str, Any]]]:
    """The text the checker parsed under `key` ("text", "caption", "media[0].caption") as Telegram stores it.

    Without explicit entities, Telegram finds commands, links and mentions itself.
    """
    found = call.formatted.get(key)
    if found is None or not found.text:
        return None, []
    return found.text, found.entities or auto_entities(found.text)


def inline_markup(markup: Any) -> dict[str, Any] | None:
    """Only an inline keyboard is part of a Message; reply keyboards live in the client."""
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        return markup
    return None


def target(call: Call, counts: int = 1) -> tuple[Chat, int | None]:
    """The chat and topic a send goes to, refused as Telegram refuses."""
    chat = call.world.chat_for_bot(call.bot, call.get("chat_id"))
    call.world.check_can_send(call.bot, chat)
    if counts:
        call.server.rate_limiter.check(call.bot.id, chat, counts)
    topic = call.world.topic(chat, call.get("message_thread_id"))
    if topic is not None and topic.is_closed and not chat.bot_rights[call.bot.id].get("can_manage_topics"):
        # Telegram's server error code, passed through upper-case (unconfirmed for the Bot API).
        raise bad_request("TOPIC_CLOSED")
    return chat, topic.thread_id if topic else None


def reply_target(call: Call, chat: Chat, thread_id: int | None) -> tuple[int | None, int | None]:
    """(reply_to message id, thread id): a reply lands in the replied message's topic."""
    reply = call.get("reply_parameters") or {}
    message_id = reply.get("message_id") if isinstance(reply, dict) else None
    allow_missing = bool(reply.get("allow_sending_without_reply")) if isinstance(reply, dict) else False
    if message_id is None and call.get("reply_to_message_id") is not None:
        message_id = call.get("reply_to_message_id")
        allow_missing = bool(call.get("allow_sending_without_reply"))
    if message_id is None:
        return None, thread_id
    replied = chat.messages.get(int(message_id))
    if replied is None or (thread_id is not None and replied.thread_id != thread_id):
        if allow_missing:
            return None, thread_id
        raise bad_request("message to be replied not found")
    return replied.message_id, replied.thread_id if thread_id is None else thread_id


def input_file(call: Call, value: Any, kind: str, name: str | None = None, **details: Any) -> FileRecord:
    """An uploaded part, an attach:// reference, or an existing file_id, as a stored file.

    `details` (emoji, duration, performer...) describe a new upload; a file
    sent again by its id stays as it was stored.
    """
    if value is None and name is not None:
        value = call.files.get(name)
    if isinstance(value, str) and value.startswith("attach://"):
        value = call.files.get(value.removeprefix("attach://"))
        if value is None:
            # telegram-bot-api: get_input_media fails with "media not found".
            raise bad_request("can't parse InputMedia: media not found")
    if isinstance(value, Upload):
        return call.world.files.add(kind, value.data, value.filename, value.content_type, **details)
    if isinstance(value, str):
        record = call.world.files.get(value)
        if record is not None:
            check_usable_as(record, kind)
            return record
    # Telegram's wording (aiogram names it WrongFileIdentifier); the sandbox is offline, so URLs fail too.
    raise bad_request("wrong file identifier/HTTP URL specified")


def own_message(call: Call, chat: Chat, message_id: Any, what: str) -> Message:
    """A message of `chat` the call may act on, or "<what> not found"."""
    message = chat.messages.get(message_id) if isinstance(message_id, int) else None
    if message is None:
        raise bad_request(f"{what} not found")
    return message


@dataclass
class Described:
    """A result Telegram sends with a human "description" beside it (setWebhook's "Webhook was set")."""

    result: Any
    description: str
