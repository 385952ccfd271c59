"""The timers a ticket keeps in the deadlines table: first response and auto-close.

The first-response clock is one live `FIRST_RESPONSE` deadline at a time
(the table allows one live deadline per kind and subject): first due at
half-time for the reminder, then, when that fires, re-scheduled for the due
time itself. `ticket.first_response_due_at` tells the two apart.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.enums import DeadlineKind
from domain.models import Store, Ticket
from domain.storage.uow import UnitOfWork

SUBJECT = "ticket"


async def start_first_response_clock(uow: UnitOfWork, ticket: Ticket, store: Store, now: datetime) -> None:
    window = timedelta(hours=store.first_response_hours or 24)
    ticket.first_response_due_at = now + window
    await uow.deadlines.schedule(DeadlineKind.FIRST_RESPONSE, SUBJECT, ticket.id, due_at=now + window / 2, at=now)


async def stop_first_response_clock(uow: UnitOfWork, ticket: Ticket, now: datetime) -> None:
    await uow.deadlines.cancel(DeadlineKind.FIRST_RESPONSE, SUBJECT, ticket.id, at=now)


async def start_auto_close(uow: UnitOfWork, ticket: Ticket, store: Store, now: datetime) -> datetime:
    """(Re)start the buyer-silence clock; returns when the ticket would close."""
    due_at = now + timedelta(days=store.auto_close_days or 7)
    await uow.deadlines.schedule(DeadlineKind.AUTO_CLOSE, SUBJECT, ticket.id, due_at=due_at, at=now)
    return due_at


async def stop_auto_close(uow: UnitOfWork, ticket: Ticket, now: datetime) -> None:
    await uow.deadlines.cancel(DeadlineKind.AUTO_CLOSE, SUBJECT, ticket.id, at=now)


async def stop_all(uow: UnitOfWork, ticket: Ticket, now: datetime) -> None:
    await stop_first_response_clock(uow, ticket, now)
    await stop_auto_close(uow, ticket, now)
