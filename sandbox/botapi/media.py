"""Sending files (photos, documents, videos, stickers, voice and video notes, audio, animations), albums, and getFile."""

from __future__ import annotations

from typing import Any

from sandbox.botapi.common import Call, formatted, inline_markup, input_file, reply_target, target
from sandbox.errors import bad_request
from sandbox.world.render import file_for_bot, message_for_bot

MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # cloud Telegram lets bots download files up to 20 MB
# What a send method may say of a new upload (sendAudio's performer, sendSticker's emoji...).
_UPLOAD_DETAILS = ("duration", "width", "height", "length", "performer", "title", "emoji")


async def _send_media(call: Call, kind: str) -> dict[str, Any]:
    """One send<Kind> method; stickers and video notes have no caption parameter, so none is read."""
    chat, thread_id = target(call)
    reply_to, thread_id = reply_target(call, chat, thread_id)
    details = {key: call.get(key) for key in _UPLOAD_DETAILS if call.get(key) not in (None, "")}
    file = input_file(call, call.get(kind), kind, name=kind, **details)
    caption, entities = formatted(call, "caption")
    message = call.world.post(
        chat,
        call.bot.id,
        caption=caption,
        entities=entities,
        # Unconfirmed: an id of another kind of the same class (td lets a video's id pass as a
        # document) is sent as the file it is, since the server resends the stored file.
        media_kind=file.kind,
        file=file,
        reply_to_id=reply_to,
        thread_id=thread_id,
        reply_markup=inline_markup(call.get("reply_markup")),
    )
    return message_for_bot(call.world, chat, message)


async def send_photo(call: Call) -> dict[str, Any]:
    return await _send_media(call, "photo")


async def send_document(call: Call) -> dict[str, Any]:
    return await _send_media(call, "document")


async def send_video(call: Call) -> dict[str, Any]:
    return await _send_media(call, "video")


async def send_sticker(call: Call) -> dict[str, Any]:
    return await _send_media(call, "sticker")


async def send_voice(call: Call) -> dict[str, Any]:
    return await _send_media(call, "voice")


async def send_audio(call: Call) -> dict[str, Any]:
    return await _send_media(call, "audio")


async def send_animation(call: Call) -> dict[str, Any]:
    return await _send_media(call, "animation")


async def send_video_note(call: Call) -> dict[str, Any]:
    return await _send_media(call, "video_note")


async def send_media_group(call: Call) -> list[dict[str, Any]]:
    items = call.get("media")
    chat, thread_id = target(call, counts=len(items))
    reply_to, thread_id = reply_target(call, chat, thread_id)
    if len(items) > 10:
        # Unconfirmed wording (TDLib's "Too many messages to send as an album", lower-cased).
        raise bad_request("too many messages to send as an album")
    kinds = {item["type"] for item in items}
    if not kinds <= {"photo", "video"} and len(kinds) > 1:
        # MEDIA_GROUPED_INVALID, as telegram-bot-api words it.
        raise bad_request("can't use the media of the specified type in the album")
    # Upload everything first so a bad item sends nothing.
    prepared = []
    for index, item in enumerate(items):
        kind = item.get("type")
        if kind not in ("photo", "video", "document"):
            raise bad_request("can't use the media of the specified type in the album")
        file = input_file(call, item.get("media"), kind)
        caption, entities = formatted(call, f"media[{index}].caption")
        prepared.append((file, caption, entities))
    group_id = call.world.new_media_group_id()
    sent = []
    for file, caption, entities in prepared:
        message = call.world.post(
            chat,
            call.bot.id,
            caption=caption,
            entities=entities,
            media_kind=file.kind,
            file=file,
            media_group_id=group_id,
            reply_to_id=reply_to,
            thread_id=thread_id,
        )
        sent.append(message_for_bot(call.world, chat, message))
    return sent


async def get_file(call: Call) -> dict[str, Any]:
    record = call.world.files.get(str(call.get("file_id", "")))
    if record is None:
        # telegram-bot-api answers "invalid file_id" for an id it cannot decode.
        raise bad_request("invalid file_id")
    if record.file_size > MAX_DOWNLOAD_BYTES:
        raise bad_request("file is too big")  # Telegram's wording (aiogram's FileIsTooBig)
    return file_for_bot(record)
