"""The ordering key of an update: the conversation it belongs to.

The runner never runs two updates of one key at once or out of order, so the
key must be the one python-telegram-bot's ``ConversationHandler`` uses with
its defaults (``per_chat=True, per_user=True``): ``(effective_chat.id,
effective_user.id)`` (see ``ConversationHandler._get_key``).

Updates that carry only a chat (channel posts, boosts, reaction counts) or
only a user (inline queries, payments, callbacks from inline messages) get
``None`` in the missing place; they share a key with every other update of
that chat (or that user) that also lacks the other half.

Updates with neither chat nor user (``poll``, an anonymous ``poll_answer``,
an update type newer than python-telegram-bot 22.8) belong to no
conversation: they get ``(None, None, update_id)``, a key of its own that can
never equal a two-element key or another update's key, so it never blocks
anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias

from telegram import Update

ConversationKey: TypeAlias = tuple[int | None, int | None] | tuple[None, None, int]

# The two tables below mirror Update.effective_chat and Update.effective_user of
# python-telegram-bot 22.8 in the order its if/elif chains test them; raw JSON
# names the sender "from" where the library says from_user. Only update types
# the library knows are listed, so a newer type gets the same key both ways.

# effective_chat: the first path that exists all the way down wins.
_CHAT_PATHS: tuple[tuple[str, ...], ...] = (
    ("message", "chat"),
    ("edited_message", "chat"),
    ("channel_post", "chat"),
    ("edited_channel_post", "chat"),
    ("business_message", "chat"),
    ("edited_business_message", "chat"),
    ("deleted_business_messages", "chat"),
    ("guest_message", "chat"),
    # A callback from an inline message has no message and so no chat.
    ("callback_query", "message", "chat"),
    ("my_chat_member", "chat"),
    ("chat_member", "chat"),
    ("chat_join_request", "chat"),
    ("chat_boost", "chat"),
    ("removed_chat_boost", "chat"),
    ("message_reaction", "chat"),
    ("message_reaction_count", "chat"),
)

# effective_user: the first update field present wins, even when it names no
# user (a channel post without "from", an anonymous reaction or poll answer).
_USER_FIELDS: tuple[tuple[str, str], ...] = (
    ("message", "from"),
    ("edited_message", "from"),
    ("business_message", "from"),
    ("edited_business_message", "from"),
    ("guest_message", "from"),
    ("channel_post", "from"),
    ("edited_channel_post", "from"),
    ("inline_query", "from"),
    ("chosen_inline_result", "from"),
    ("callback_query", "from"),
    ("shipping_query", "from"),
    ("pre_checkout_query", "from"),
    ("poll_answer", "user"),
    ("my_chat_member", "from"),
    ("chat_member", "from"),
    ("chat_join_request", "from"),
    ("message_reaction", "user"),
    ("business_connection", "user"),
    ("purchased_paid_media", "from"),
    ("managed_bot", "user"),
)


def conversation_key(update: Update) -> ConversationKey:
    """The key ConversationHandler (per_chat, per_user) gives ``update``."""
    chat = update.effective_chat
    user = update.effective_user
    if chat is None and user is None:
        return (None, None, update.update_id)
    return (chat.id if chat else None, user.id if user else None)


def key_from_raw(data: Mapping[str, Any]) -> ConversationKey:
    """The same key as :func:`conversation_key`, from the update's raw JSON dict.

    Raises ``ValueError`` when ``data`` is not an update (no integer
    ``update_id``, or a chat or user without an integer ``id``).
    """
    if not isinstance(data, Mapping):
        raise ValueError(f"an update must be a JSON object, not {type(data).__name__}")
    update_id = data.get("update_id")
    if not _is_int(update_id):
        raise ValueError("an update needs an integer 'update_id'")
    chat_id = _raw_chat_id(data)
    user_id = _raw_user_id(data)
    if chat_id is None and user_id is None:
        return (None, None, update_id)
    return (chat_id, user_id)


def _raw_chat_id(data: Mapping[str, Any]) -> int | None:
    for path in _CHAT_PATHS:
        node: Any = data
        for name in path:
            node = node.get(name) if isinstance(node, Mapping) else None
            if node is None:
                break
        else:
            return _object_id(node, ".".join(path))
    return None


def _raw_user_id(data: Mapping[str, Any]) -> int | None:
    for field, user_field in _USER_FIELDS:
        payload = data.get(field)
        if payload is None:
            continue
        if not isinstance(payload, Mapping):
            raise ValueError(f"update field '{field}' must be a JSON object")
        user = payload.get(user_field)
        return None if user is None else _object_id(user, f"{field}.{user_field}")
    return None


def _object_id(node: Any, where: str) -> int:
    object_id = node.get("id") if isinstance(node, Mapping) else None
    if not _is_int(object_id):
        raise ValueError(f"'{where}' needs an integer 'id'")
    return object_id


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
