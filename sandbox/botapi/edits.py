"""Editing and deleting messages."""

from __future__ import annotations

from typing import Any

from sandbox.botapi.common import Call, formatted, inline_markup, input_file, own_message
from sandbox.errors import bad_request
from sandbox.world import Chat, Message
from sandbox.world.render import message_for_bot

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same as a "
    "current content and reply markup of the message"
)


def _editable(call: Call) -> tuple[Chat, Message]:
    if call.get("inline_message_id") is not None:
        # The sandbox has no inline mode, so no inline message exists.
        raise bad_request("message to edit not found")
    chat = call.world.chat_for_bot(call.bot, call.get("chat_id"))
    call.world.check_can_send(call.bot, chat)
    message = own_message(call, chat, call.get("message_id"), "message to edit")
    if message.sender_id != call.bot.id or message.forum_topic_created is not None:
        # Telegram's wording, as bot authors report it (ehForwarderBot#33).
        raise bad_request("message can't be edited")
    return chat, message


def _apply(call: Call, chat: Chat, message: Message, changes: dict[str, Any]) -> dict[str, Any]:
    changes["reply_markup"] = inline_markup(call.get("reply_markup"))
    if all(getattr(message, key) == value for key, value in changes.items()):
        raise bad_request(NOT_MODIFIED)
    for key, value in changes.items():
        setattr(message, key, value)
    call.world.edited(chat, message)
    return message_for_bot(call.world, chat, message)


async def edit_message_text(call: Call) -> dict[str, Any]:
    chat, message = _editable(call)
    if message.text is None:
        # Telegram's wording, as bot authors report it (defstudio/telegraph#267).
        raise bad_request("there is no text in the message to edit")
    text, entities = formatted(call, "text")
    return _apply(call, chat, message, {"text": text, "entities": entities})


async def edit_message_caption(call: Call) -> dict[str, Any]:
    chat, message = _editable(call)
    if message.file is None:
        # Unconfirmed wording.
        raise bad_request("there is no caption in the message to edit")
    caption, entities = formatted(call, "caption")
    return _apply(call, chat, message, {"caption": caption, "entities": entities})


async def edit_message_media(call: Call) -> dict[str, Any]:
    chat, message = _editable(call)
    media = call.get("media")
    if not isinstance(media, dict) or media.get("type") not in ("photo", "video", "document", "animation", "audio"):
        raise bad_request("can't parse InputMedia: media not found")
    kind = media["type"]
    if message.file is None:
        # Unconfirmed wording: a text message cannot become a media message.
        raise bad_request("there is no media in the message to edit")
    file = input_file(call, media.get("media"), kind)
    caption, entities = formatted(call, "media.caption")
    return _apply(
        call, chat, message, {"media_kind": file.kind, "file": file, "caption": caption, "entities": entities}
    )


async def edit_message_reply_markup(call: Call) -> dict[str, Any]:
    chat, message = _editable(call)
    return _apply(call, chat, message, {})


def _deletable(call: Call, chat: Chat, message: Message) -> bool:
    if chat.kind == "private":
        return True  # bots may delete both sides of a private chat
    if message.sender_id == call.bot.id:
        return True
    return chat.bot_rights.get(call.bot.id, {}).get("can_delete_messages", False)


async def delete_message(call: Call) -> bool:
    chat = call.world.chat_for_bot(call.bot, call.get("chat_id"))
    message = own_message(call, chat, call.get("message_id"), "message to delete")
    if message.forum_topic_created is not None or not _deletable(call, chat, message):
        raise bad_request("message can't be deleted")
    call.world.delete(chat, [message.message_id])
    return True


async def delete_messages(call: Call) -> bool:
    chat = call.world.chat_for_bot(call.bot, call.get("chat_id"))
    ids = call.get("message_ids") or []
    if not ids:
        raise bad_request("message identifiers are not specified")
    # Missing ids are skipped (telegram-bot-api's check_messages with allow_empty).
    present = [
        message_id
        for message_id in ids
        if message_id in chat.messages
        and chat.messages[message_id].forum_topic_created is None
        and _deletable(call, chat, chat.messages[message_id])
    ]
    call.world.delete(chat, present)
    return True
