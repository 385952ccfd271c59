"""Sending text, copying and forwarding."""

from __future__ import annotations

from typing import Any

from sandbox.botapi.common import Call, formatted, inline_markup, reply_target, target
from sandbox.errors import bad_request
from sandbox.world import Chat, Message
from sandbox.world.files import CAPTIONLESS
from sandbox.world.render import message_for_bot


async def send_message(call: Call) -> dict[str, Any]:
    chat, thread_id = target(call)
    reply_to, thread_id = reply_target(call, chat, thread_id)
    text, entities = formatted(call, "text")
    message = call.world.post(
        chat,
        call.bot.id,
        text=text,
        entities=entities,
        reply_to_id=reply_to,
        thread_id=thread_id,
        reply_markup=inline_markup(call.get("reply_markup")),
    )
    return message_for_bot(call.world, chat, message)


def _source(call: Call) -> Chat:
    return call.world.chat_for_bot(call.bot, call.get("from_chat_id"))


def _copy(call: Call, chat: Chat, thread_id: int | None, original: Message, **overrides: Any) -> Message:
    fields: dict[str, Any] = {
        "text": original.text,
        "caption": original.caption,
        "entities": list(original.entities),
        "media_kind": original.media_kind,
        "file": original.file,
        "thread_id": thread_id,
    }
    fields.update(overrides)
    return call.world.post(chat, call.bot.id, **fields)


def _copyable(message: Message | None, what: str) -> Message:
    if message is None:
        raise bad_request(f"{what} not found")
    if message.forum_topic_created is not None:
        # Unconfirmed wording: service messages cannot be copied.
        raise bad_request("message can't be copied")
    return message


async def copy_message(call: Call) -> dict[str, Any]:
    source = _source(call)
    original = _copyable(source.messages.get(call.get("message_id")), "message to copy")
    chat, thread_id = target(call)
    reply_to, thread_id = reply_target(call, chat, thread_id)
    overrides: dict[str, Any] = {"reply_to_id": reply_to}
    # td's dup_message_content replaces the caption only of kinds that have one (no sticker's, say).
    if call.get("caption") is not None and original.file is not None and original.media_kind not in CAPTIONLESS:
        caption, entities = formatted(call, "caption")
        overrides.update(caption=caption, entities=entities)
    overrides["reply_markup"] = inline_markup(call.get("reply_markup"))
    message = _copy(call, chat, thread_id, original, **overrides)
    return {"message_id": message.message_id}


async def copy_messages(call: Call) -> list[dict[str, Any]]:
    return _pass_on_many(call, forward=False)


async def forward_messages(call: Call) -> list[dict[str, Any]]:
    return _pass_on_many(call, forward=True)


def _pass_on_many(call: Call, forward: bool) -> list[dict[str, Any]]:
    """copyMessages and forwardMessages: albums stay albums, and what cannot be found or passed on is skipped."""
    source = _source(call)
    chat, thread_id = target(call, counts=len(call.get("message_ids") or []) or 1)
    message_ids = list(call.get("message_ids") or [])
    check_increasing(message_ids)
    sent = []
    media_groups: dict[str, str] = {}
    # Missing ids are skipped, as telegram-bot-api's check_messages(allow_empty) does.
    for message_id in message_ids:
        original = source.messages.get(message_id)
        if original is None or original.forum_topic_created is not None:
            continue
        overrides: dict[str, Any] = {}
        if original.media_group_id:
            group_id = media_groups.setdefault(original.media_group_id, call.world.new_media_group_id())
            overrides["media_group_id"] = group_id
        if forward:
            overrides["forward_origin"] = _origin(call, original)
        elif call.get("remove_caption"):
            overrides.update(caption=None, entities=[] if original.file else original.entities)
        sent.append({"message_id": _copy(call, chat, thread_id, original, **overrides).message_id})
    return sent


def check_increasing(message_ids: list) -> None:
    """td's forwardMessages (which copyMessages and forwardMessages use), once both chats are known."""
    if any(not later > earlier for earlier, later in zip(message_ids, message_ids[1:])):
        raise bad_request("message identifiers must be in a strictly increasing order")


async def forward_message(call: Call) -> dict[str, Any]:
    source = _source(call)
    original = _copyable(source.messages.get(call.get("message_id")), "message to forward")
    chat, thread_id = target(call)
    message = _copy(call, chat, thread_id, original, forward_origin=_origin(call, original), media_group_id=None)
    return message_for_bot(call.world, chat, message)


def _origin(call: Call, original: Message) -> dict[str, Any]:
    """Who first sent it: a forward of a forward names the first sender."""
    return original.forward_origin or {
        "type": "user",
        "date": original.date,
        "sender_user": call.world.user_dict(original.sender_id),
    }
