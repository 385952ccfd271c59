"""Deadlines kept in the database so they survive restarts and fire exactly once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from domain.enums import DeadlineKind
from domain.models.base import Base, enum_column


class Deadline(Base):
    """`fired_at` is set by `UPDATE ... WHERE fired_at IS NULL`: whoever's update hits the row fires it."""

    __tablename__ = "deadlines"
    __table_args__ = (
        Index("ix_deadlines_pending_due", "fired_at", "cancelled_at", "due_at"),
        # One live deadline of a kind per subject; rescheduling cancels the old one first.
        Index(
            "uq_deadlines_one_live",
            "kind",
            "subject_type",
            "subject_id",
            unique=True,
            sqlite_where=text("fired_at IS NULL AND cancelled_at IS NULL"),
            postgresql_where=text("fired_at IS NULL AND cancelled_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DeadlineKind] = mapped_column(enum_column(DeadlineKind))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime]
    fired_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
