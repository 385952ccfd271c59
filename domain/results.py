"""Plain results the ticket services return: what happened, and what must be told to whom.

Services never word anything and never call Telegram: a `Notice` names what
to tell (`kind`, the template family) and to whom (`to`); the bot renders and
sends it after the commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from domain.enums import AttachmentKind, AttachmentPurpose, TicketReason, TicketStatus

Audience = Literal["buyer", "store", "moderators"]  # "moderators": the moderators' group (escalations)
ViewerRole = Literal["buyer", "agent", "moderator"]


@dataclass(frozen=True)
class Notice:
    kind: str  # e.g. "ticket_opened", "first_response_reminder": names the template, not the words
    to: Audience
    ticket_id: int | None = None
    store_id: int | None = None
    buyer_telegram_id: int | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """Whether something is possible, and if not a stable reason code the bot can word."""

    allowed: bool
    why: str | None = None


@dataclass(frozen=True)
class IncomingFile:
    """A file the buyer or an agent sent, as Telegram identifies it."""

    kind: AttachmentKind
    file_id: str
    file_unique_id: str | None = None
    caption: str | None = None
    purpose: AttachmentPurpose = AttachmentPurpose.GENERAL


@dataclass(frozen=True)
class Viewer:
    """Who looks at a ticket: its buyer, or an agent of its store (by Telegram user id)."""

    role: ViewerRole
    telegram_id: int


@dataclass(frozen=True)
class TicketTag:
    """Which ticket a store's message belongs to, told to a buyer who has several open."""

    number: int
    order_number: str | None


@dataclass(frozen=True)
class TicketSummary:
    ticket_id: int
    number: int  # unique within its store
    store_id: int
    store_name: str
    order_id: int | None
    order_number: str | None
    reason: TicketReason
    status: TicketStatus
    priority: int
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    rating: int | None
    store_timezone: str = "UTC"  # IANA name: the store's times, as its timeline and deadlines are shown
