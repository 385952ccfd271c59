"""What became of an agent's message, as the bot's reaction on it: ✍ a note kept among agents, 👌 delivered to the buyer.

In a topic a note and a reply look alike; a reaction tells them apart
without a message of its own. Both are in the Bot API's list of reaction
emoji (ReactionTypeEmoji), spelled exactly as listed: "✍" without U+FE0F.

A reaction goes through the outbox like any call, so the sender keeps it
within the chat's limits, after the chat's earlier sends. It never holds up
a delivery: 👌 is recorded only once the buyer's copy was sent (the
``buyer_copy_sent`` result hook), and a reaction that fails is logged by the
sender and not tried again (a lost mark is no lost message).
"""

from __future__ import annotations

from bot.relay.desk import Desk

NOTE = "✍"
DELIVERED = "👌"
# on_result_args key of the row whose sending completes an agent's reply (its last part).
MARK_WHEN_SENT = "mark_delivered"


async def react(desk: Desk, chat_id: int, message_id: int, emoji: str) -> None:
    await desk.outbox.call(
        "setMessageReaction",
        {"chat_id": chat_id, "message_id": message_id, "reaction": [{"type": "emoji", "emoji": emoji}]},
    )


async def mark_note(desk: Desk, chat_id: int, message_id: int) -> None:
    await react(desk, chat_id, message_id, NOTE)


async def mark_delivered(desk: Desk, chat_id: int, message_id: int) -> None:
    await react(desk, chat_id, message_id, DELIVERED)
