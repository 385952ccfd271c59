"""Screening of seller messages: moderation cases (a row per held, flagged or reported message), and strikes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from domain.enums import FlagStatus, ModerationRule, Severity
from domain.models.base import Base, enum_column

OPEN_REPORT = text("status IN ('held', 'open') AND source <> 'screen'")


class ModerationFlag(Base):
    """A moderation case: one message held, or delivered and flagged, by the screen, a buyer or a moderator."""

    __tablename__ = "moderation_flags"
    __table_args__ = (
        Index("ix_moderation_flags_status", "status", "created_at"),
        # A buyer's report or a moderator's flag of a message is open once, however often pressed.
        Index(
            "ux_moderation_flags_open_report",
            "message_id",
            "source",
            unique=True,
            sqlite_where=OPEN_REPORT,
            postgresql_where=OPEN_REPORT,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("ticket_messages.id", ondelete="CASCADE"), index=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(
        String(16), default="screen", server_default="screen"
    )  # buyer_report, moderator
    # Every rule hit: {"rule", "evidence", "start", "end"} with offsets into matched_text.
    hits: Mapped[list[Any] | None]
    # An edit of a delivered message is held as an edit: the buyer keeps `previous_text` meanwhile.
    for_edit: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    previous_text: Mapped[str | None] = mapped_column(Text)
    penalty: Mapped[str | None] = mapped_column(String(16))  # "warning" or "strike", once confirmed
    reviewed_by: Mapped[str | None] = mapped_column(String(64))  # "moderator:<telegram id>"
    reviewer_name: Mapped[str | None] = mapped_column(String(128))
    rule: Mapped[ModerationRule] = mapped_column(enum_column(ModerationRule))
    severity: Mapped[Severity] = mapped_column(enum_column(Severity))
    status: Mapped[FlagStatus] = mapped_column(enum_column(FlagStatus))
    matched_text: Mapped[str | None] = mapped_column(Text)  # the text screened (an edit's new text), for the card
    reported_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]
    card_chat_id: Mapped[int | None] = mapped_column(BigInteger)  # the moderators' card
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class Strike(Base):
    __tablename__ = "strikes"
    __table_args__ = (Index("ux_strikes_flag_id", "flag_id", unique=True),)  # a case strikes once

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    flag_id: Mapped[int | None] = mapped_column(ForeignKey("moderation_flags.id", ondelete="SET NULL"))
    given_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
