"""Screening of seller messages: flags for moderators, and the strikes they give."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from domain.enums import FlagStatus, ModerationRule, Severity
from domain.models.base import Base, enum_column


class ModerationFlag(Base):
    __tablename__ = "moderation_flags"
    __table_args__ = (Index("ix_moderation_flags_status", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("ticket_messages.id", ondelete="CASCADE"), index=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    rule: Mapped[ModerationRule] = mapped_column(enum_column(ModerationRule))
    severity: Mapped[Severity] = mapped_column(enum_column(Severity))
    status: Mapped[FlagStatus] = mapped_column(enum_column(FlagStatus))
    matched_text: Mapped[str | None] = mapped_column(Text)  # what the screen matched, for the card
    reported_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]
    card_chat_id: Mapped[int | None] = mapped_column(BigInteger)  # the moderators' card
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class Strike(Base):
    __tablename__ = "strikes"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("moderation_flags.id", ondelete="SET NULL"))
    given_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
