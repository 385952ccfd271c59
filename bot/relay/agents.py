"""The store's agents as the bot writes to them in private: each one's chat and language."""

from __future__ import annotations

from dataclasses import dataclass

from bot.relay.desk import Desk
from bot.rendering import pick_language


@dataclass(frozen=True)
class AgentChat:
    chat_id: int  # the agent's private chat with the bot
    lang: str


async def agent_chats(desk: Desk, store_id: int) -> list[AgentChat]:
    """Every active agent of the store, found in one query: where a private card or line goes, and in what language."""
    return [
        AgentChat(user.telegram_id, pick_language(user.language))
        for user in await desk.uow.stores.agent_users(store_id)
    ]
