"""Forum topics in supergroups."""

from __future__ import annotations

from typing import Any

from sandbox.botapi.common import Call
from sandbox.errors import bad_request
from sandbox.world import Chat, Topic
from sandbox.world.models import TOPIC_ICON_COLORS
from sandbox.world.render import forum_topic_for_bot


def _forum(call: Call, creating: bool = False) -> Chat:
    chat = call.world.chat_for_bot(call.bot, call.get("chat_id"))
    if chat.kind != "supergroup" or not chat.is_forum:
        # Telegram's wording, as bot authors report it.
        raise bad_request("the chat is not a forum")
    if not chat.bot_rights.get(call.bot.id, {}).get("can_manage_topics"):
        if creating:
            # Telegram's wording, as bot authors report it.
            raise bad_request("not enough rights to create a topic")
        # Unconfirmed wording for editing, closing or deleting without the right.
        raise bad_request("not enough rights to manage topics")
    return chat


def _topic(call: Call, chat: Chat) -> Topic:
    topic = call.world.topic(chat, call.get("message_thread_id"))
    if topic is None:
        raise bad_request("message thread not found")
    return topic


async def create_forum_topic(call: Call) -> dict[str, Any]:
    chat = _forum(call, creating=True)
    color = call.get("icon_color")
    if color is not None and color not in TOPIC_ICON_COLORS:
        # Unconfirmed wording (Telegram's server error code, passed through upper-case).
        raise bad_request("TOPIC_COLOR_INVALID")
    topic = call.world.create_topic(chat, call.bot.id, call.get("name", ""), color, call.get("icon_custom_emoji_id"))
    return forum_topic_for_bot(topic)


async def edit_forum_topic(call: Call) -> bool:
    chat = _forum(call)
    topic = _topic(call, chat)
    name = call.get("name")
    emoji = call.get("icon_custom_emoji_id")
    if (name is None or name == topic.name) and (emoji is None or emoji == (topic.icon_custom_emoji_id or "")):
        # Telegram's server error code, passed through upper-case.
        raise bad_request("TOPIC_NOT_MODIFIED")
    if name is not None:
        topic.name = name
    if emoji is not None:
        topic.icon_custom_emoji_id = emoji or None
    call.world.topic_changed(chat, topic)
    return True


async def _set_closed(call: Call, closed: bool) -> bool:
    chat = _forum(call)
    topic = _topic(call, chat)
    if topic.is_closed == closed:
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.is_closed = closed
    call.world.topic_changed(chat, topic)
    return True


async def close_forum_topic(call: Call) -> bool:
    return await _set_closed(call, True)


async def reopen_forum_topic(call: Call) -> bool:
    return await _set_closed(call, False)


async def delete_forum_topic(call: Call) -> bool:
    chat = _forum(call)
    call.world.delete_topic(chat, _topic(call, chat))
    return True
