"""Deadlines kept in the database so they survive restarts and fire exactly once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from domain.enums import DeadlineKind
from domain.models.base import Base, enum_column

# Neither fired nor cancelled: the subject's one deadline of its kind (a parked one included).
LIVE = "fired_at IS NULL AND cancelled_at IS NULL"


class Deadline(Base):
    """`fired_at` is set by `UPDATE ... WHERE fired_at IS NULL`: whoever's update hits the row fires it.

    A handler that fails leaves it live with `attempts`, `last_error` and a
    `next_attempt_at` to try again; after the sweeper's last try it is
    `parked_at` (still live, so rescheduling replaces it) until an operator
    retries it (`aftersales deadlines retry`).
    """

    __tablename__ = "deadlines"
    __table_args__ = (
        # What the sweeper reads: only rows still to fire, so fired history does not grow it.
        Index(
            "ix_deadlines_pending_due",
            "kind",
            "due_at",
            "next_attempt_at",
            sqlite_where=text(f"{LIVE} AND parked_at IS NULL"),
            postgresql_where=text(f"{LIVE} AND parked_at IS NULL"),
        ),
        # One live deadline of a kind per subject; rescheduling cancels the old one first.
        Index(
            "uq_deadlines_one_live",
            "kind",
            "subject_type",
            "subject_id",
            unique=True,
            sqlite_where=text(LIVE),
            postgresql_where=text(LIVE),
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
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]
    parked_at: Mapped[datetime | None]
