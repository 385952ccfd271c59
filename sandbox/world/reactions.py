"""Reactions on a message: who chose what, and how a Telegram app counts them.

A message keeps each chooser's reactions (`Message.reactions`); an app shows
every kind once with how many chose it. An album's reactions belong to its
first message that still exists, as the Bot API documents for
setMessageReaction.
"""

from __future__ import annotations

import json
from typing import Any

from sandbox.world.models import Chat, Message


def holder(chat: Chat, message: Message) -> Message:
    """The message that carries `message`'s reactions: itself, or its album's first remaining part."""
    if message.media_group_id is None:
        return message
    parts = [m for m in chat.messages.values() if m.media_group_id == message.media_group_id]
    return min(parts, key=lambda m: m.message_id)


def choose(message: Message, chooser_id: int, reactions: list[dict[str, Any]]) -> bool:
    """`chooser_id`'s reactions on `message` become `reactions` (none: removed); False when nothing changed."""
    before = message.reactions.get(chooser_id, [])
    if before == reactions:
        return False
    message.reactions.pop(chooser_id, None)  # a new choice goes last, as it is the latest
    if reactions:
        message.reactions[chooser_id] = [dict(reaction) for reaction in reactions]
    return True


def counts(message: Message) -> list[dict[str, Any]]:
    """Each kind of reaction once: {"type": ReactionType, "total_count", "user_ids"}, most chosen first."""
    by_kind: dict[str, dict[str, Any]] = {}
    for user_id, chosen in message.reactions.items():
        for reaction in chosen:
            entry = by_kind.setdefault(
                json.dumps(reaction, sort_keys=True), {"type": dict(reaction), "total_count": 0, "user_ids": []}
            )
            entry["total_count"] += 1
            entry["user_ids"].append(user_id)
    return sorted(by_kind.values(), key=lambda entry: -entry["total_count"])  # stable: ties keep the order chosen
