"""python-telegram-bot persistence backed by our database, for the buyer's conversations only.

The conversation rows (`ConversationDraft`) are written by the conversations
themselves, in the update's own transaction (`bot.conversations.drafts`), so
a step is durable exactly when the rest of the update is. At start-up
`get_conversations` rebuilds each ConversationHandler's states from them; the
`update_*` hooks have nothing left to do. Nothing else is persisted:
dependencies live on the Application (STYLE.md, habit 8), not in bot_data.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from domain.models import ConversationDraft


class DraftPersistence(BasePersistence[dict, dict, dict]):
    def __init__(self, uow_factory: Any) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, user_data=False, callback_data=False)
        )
        self._uow_factory = uow_factory

    async def get_conversations(self, name: str) -> ConversationDict:
        async with self._uow_factory() as uow:
            rows = (
                (await uow.session.execute(select(ConversationDraft).where(ConversationDraft.conversation == name)))
                .scalars()
                .all()
            )
            return {(row.chat_id, row.user_id): row.state for row in rows}

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        """Already written in the update's transaction."""

    async def get_user_data(self) -> dict[int, dict]:
        return {}

    async def get_chat_data(self) -> dict[int, dict]:
        return {}

    async def get_bot_data(self) -> dict:
        return {}

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def update_user_data(self, user_id: int, data: dict) -> None:
        """Not persisted."""

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        """Not persisted: a conversation's data is on its draft row."""

    async def update_bot_data(self, data: dict) -> None:
        """Not persisted."""

    async def update_callback_data(self, data: CDCData) -> None:
        """Not persisted."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Nothing stored."""

    async def drop_user_data(self, user_id: int) -> None:
        """Nothing stored."""

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        """Nothing stored."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        """Nothing stored."""

    async def refresh_bot_data(self, bot_data: dict) -> None:
        """Nothing stored."""

    async def flush(self) -> None:
        """Every write already happened in its update's transaction."""
