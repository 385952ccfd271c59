"""A buyer's conversation in progress (a /claim or a reason flow): its step and what they gave so far.

Written in the same transaction as the update that moved the conversation,
so after a restart the bot continues at the same step (bot/persistence.py
reads these rows back into python-telegram-bot's ConversationHandlers).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base


class ConversationDraft(Base):
    __tablename__ = "conversation_drafts"
    __table_args__ = (UniqueConstraint("conversation", "chat_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation: Mapped[str] = mapped_column(String(64))  # the ConversationHandler's name
    chat_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[int] = mapped_column(Integer)  # the conversation's step (its states enum value)
    data: Mapped[dict[str, Any]]  # what the buyer gave so far: order, reason, text, files
    updated_at: Mapped[datetime]
