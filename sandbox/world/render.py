"""A stored message as the Bot API shows it to a bot, and as a person's client shows it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.world import reactions
from sandbox.world.models import Chat, FileRecord, Message, Topic

if TYPE_CHECKING:
    from sandbox.world.world import World

from sandbox.html_parse import entities_to_html


def chat_for_bot(world: World, chat: Chat) -> dict[str, Any]:
    if chat.kind == "private":
        person = world.people[chat.person_id]
        shown = {"id": person.id}
        for key in ("first_name", "last_name", "username"):
            value = getattr(person, key)
            if value:
                shown[key] = value
        shown["type"] = "private"
        return shown
    shown = {"id": chat.group_id, "title": chat.title, "type": "supergroup"}
    if chat.is_forum:
        shown["is_forum"] = True
    return shown


def photo_sizes(file: FileRecord) -> list[dict[str, Any]]:
    return [
        {
            "file_id": file.file_id,
            "file_unique_id": file.file_unique_id,
            "file_size": file.file_size,
            "width": file.width,
            "height": file.height,
        }
    ]


def document(file: FileRecord) -> dict[str, Any]:
    shown: dict[str, Any] = {"file_id": file.file_id, "file_unique_id": file.file_unique_id}
    if file.file_name:
        shown["file_name"] = file.file_name
    shown["mime_type"] = file.mime_type
    shown["file_size"] = file.file_size
    return shown


def video(file: FileRecord) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "file_id": file.file_id,
        "file_unique_id": file.file_unique_id,
        "width": file.width,
        "height": file.height,
        "duration": file.duration,
    }
    if file.file_name:
        shown["file_name"] = file.file_name
    shown["mime_type"] = file.mime_type
    shown["file_size"] = file.file_size
    return shown


def sticker(file: FileRecord) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "file_id": file.file_id,
        "file_unique_id": file.file_unique_id,
        "type": "regular",  # what people send from a sticker set; custom emoji live inside texts
        "width": file.width,
        "height": file.height,
        "is_animated": file.mime_type == "application/x-tgsticker",
        "is_video": file.mime_type == "video/webm",
    }
    if file.emoji:
        shown["emoji"] = file.emoji
    if file.set_name:
        shown["set_name"] = file.set_name
    shown["file_size"] = file.file_size
    return shown


def voice(file: FileRecord) -> dict[str, Any]:
    return {
        "file_id": file.file_id,
        "file_unique_id": file.file_unique_id,
        "duration": file.duration,
        "mime_type": file.mime_type,
        "file_size": file.file_size,
    }


def audio(file: FileRecord) -> dict[str, Any]:
    shown: dict[str, Any] = {"file_id": file.file_id, "file_unique_id": file.file_unique_id, "duration": file.duration}
    for key in ("performer", "title", "file_name"):
        if getattr(file, key):
            shown[key] = getattr(file, key)
    shown["mime_type"] = file.mime_type
    shown["file_size"] = file.file_size
    return shown


def video_note(file: FileRecord) -> dict[str, Any]:
    return {
        "file_id": file.file_id,
        "file_unique_id": file.file_unique_id,
        "length": file.width,
        "duration": file.duration,
        "file_size": file.file_size,
    }


# The Message field each kind of file is shown in, and how; an Animation has a Video's fields.
_MEDIA_FIELDS = {
    "photo": photo_sizes,
    "video": video,
    "sticker": sticker,
    "voice": voice,
    "audio": audio,
    "animation": video,
    "video_note": video_note,
    "document": document,
}


def file_for_bot(file: FileRecord) -> dict[str, Any]:
    return {
        "file_id": file.file_id,
        "file_unique_id": file.file_unique_id,
        "file_size": file.file_size,
        "file_path": file.file_path,
    }


def message_for_bot(world: World, chat: Chat, message: Message, *, nested: bool = False) -> dict[str, Any]:
    shown: dict[str, Any] = {"message_id": message.message_id}
    if message.thread_id is not None:
        shown["message_thread_id"] = message.thread_id
    shown["from"] = world.user_dict(message.sender_id)
    shown["chat"] = chat_for_bot(world, chat)
    shown["date"] = message.date
    if message.forward_origin:
        shown["forward_origin"] = message.forward_origin
    if message.thread_id is not None:
        shown["is_topic_message"] = True
    # Telegram nests one level of reply only. A topic message that replies to nothing
    # still carries the topic's creation message as its reply (a topic is that message's thread).
    reply_to = message.reply_to_id
    if reply_to is None and message.thread_id is not None and message.thread_id != message.message_id:
        reply_to = message.thread_id
    if not nested and reply_to is not None and reply_to in chat.messages:
        shown["reply_to_message"] = message_for_bot(world, chat, chat.messages[reply_to], nested=True)
    if message.edit_date is not None:
        shown["edit_date"] = message.edit_date
    if message.media_group_id:
        shown["media_group_id"] = message.media_group_id
    if message.text is not None:
        shown["text"] = message.text
        if message.entities:
            shown["entities"] = message.entities
    if message.file is not None:
        kind = message.media_kind if message.media_kind in _MEDIA_FIELDS else "document"
        shown[kind] = _MEDIA_FIELDS[kind](message.file)
        if kind == "animation":
            shown["document"] = document(message.file)  # "for backward compatibility", says the reference
        if message.caption is not None:
            shown["caption"] = message.caption
            if message.entities:
                shown["caption_entities"] = message.entities
    if message.forum_topic_created:
        shown["forum_topic_created"] = message.forum_topic_created
    if message.reply_markup:
        shown["reply_markup"] = message.reply_markup
    return shown


def _file_url(file: FileRecord) -> str:
    return f"/control/files/{file.file_id}"


def _sticker_view(file: FileRecord) -> dict[str, Any]:
    shown = sticker(file)
    return {
        "file_id": file.file_id,
        "url": _file_url(file),
        "emoji": file.emoji,
        "width": file.width,
        "height": file.height,
        "is_animated": shown["is_animated"],
        "is_video": shown["is_video"],
    }


def _view(file: FileRecord, *keys: str) -> dict[str, Any]:
    return {"file_id": file.file_id, "url": _file_url(file), **{key: getattr(file, key) for key in keys}}


def view_chat_id(chat: Chat) -> int:
    """The chat id a person sees: the bot's id for a private chat, the group id otherwise."""
    return chat.bot_id if chat.kind == "private" else chat.group_id


def message_view(world: World, chat: Chat, message: Message) -> dict[str, Any]:
    sender = world.user_dict(message.sender_id)
    body = message.text if message.text is not None else message.caption
    file = message.file
    markup = None
    if message.reply_markup and "inline_keyboard" in message.reply_markup:
        markup = {
            "inline_keyboard": [
                [{key: button[key] for key in ("text", "callback_data", "url") if key in button} for button in row]
                for row in message.reply_markup["inline_keyboard"]
            ]
        }
    return {
        "chat_id": view_chat_id(chat),
        "message_id": message.message_id,
        "thread_id": message.thread_id,
        "from": {key: sender[key] for key in ("id", "first_name", "username", "is_bot") if key in sender},
        "date": message.date,
        "edit_date": message.edit_date,
        "text": message.text,
        "caption": message.caption,
        "entities": message.entities,
        "html": entities_to_html(body, message.entities) if body else "",
        "photo": (
            {"file_id": file.file_id, "url": _file_url(file), "width": file.width, "height": file.height}
            if file and message.media_kind == "photo"
            else None
        ),
        "document": (
            {"file_id": file.file_id, "url": _file_url(file), "file_name": file.file_name, "mime_type": file.mime_type}
            if file and message.media_kind == "document"
            else None
        ),
        "video": (
            {
                "file_id": file.file_id,
                "url": _file_url(file),
                "width": file.width,
                "height": file.height,
                "duration": file.duration,
            }
            if file and message.media_kind == "video"
            else None
        ),
        "sticker": _sticker_view(file) if file and message.media_kind == "sticker" else None,
        "voice": _view(file, "duration", "mime_type") if file and message.media_kind == "voice" else None,
        "audio": (
            _view(file, "duration", "performer", "title", "file_name", "mime_type")
            if file and message.media_kind == "audio"
            else None
        ),
        "animation": _view(file, "width", "height", "duration") if file and message.media_kind == "animation" else None,
        "video_note": (
            {**_view(file, "duration"), "length": file.width} if file and message.media_kind == "video_note" else None
        ),
        "media_group_id": message.media_group_id,
        "reply_to_message_id": message.reply_to_id,
        "reply_markup": markup,
        "is_topic_message": message.thread_id is not None,
        "forum_topic_created": message.forum_topic_created,
        "reactions": reactions.counts(message),
    }


def topic_view(world: World, chat: Chat, topic: Topic) -> dict[str, Any]:
    last = world.last_message(chat, topic.thread_id)
    view = {
        "thread_id": topic.thread_id,
        "name": topic.name,
        "icon_color": topic.icon_color,
        "is_closed": topic.is_closed,
        "last_message": message_view(world, chat, last) if last else None,
    }
    if topic.deleted:
        view["deleted"] = True
    return view


def forum_topic_for_bot(topic: Topic) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "message_thread_id": topic.thread_id,
        "name": topic.name,
        "icon_color": topic.icon_color,
    }
    if topic.icon_custom_emoji_id:
        shown["icon_custom_emoji_id"] = topic.icon_custom_emoji_id
    return shown
