"""The append-only audit trail: who did what to which subject, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    event_type: Mapped[str] = mapped_column(String(64))  # e.g. "ticket.status_changed"
    subject_type: Mapped[str] = mapped_column(String(32))  # e.g. "ticket"
    subject_id: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64))  # "buyer:3", "agent:7", "moderator:1", "system", "operator"
    data: Mapped[dict[str, Any]]
