"""Ticket timers that act by themselves: first-response reminders and auto-close after buyer silence.

Each deadline is claimed with a conditional UPDATE before it acts, so it
fires exactly once however many workers call this; one that fell due while
the bot was down fires on the next call. If the buyer writes while an
auto-close fires, `transition` raises ConcurrentChange: the caller rolls the
whole call back (claims included) and the next call decides on fresh data.
"""

from __future__ import annotations

from domain.clock import Clock
from domain.enums import DeadlineKind, OpenedBy, TicketStatus
from domain.models import Deadline, Ticket
from domain.results import Notice
from domain.services.ticket_deadlines import SUBJECT
from domain.services.tickets import close
from domain.storage.uow import UnitOfWork

_KINDS = (DeadlineKind.FIRST_RESPONSE, DeadlineKind.AUTO_CLOSE)


async def fire_due_ticket_timers(uow: UnitOfWork, clock: Clock, *, limit: int = 100) -> tuple[Notice, ...]:
    """Fire every due ticket timer (at most `limit` per call); the notices say whom to tell what."""
    now = clock.now()
    notices: list[Notice] = []
    fired = 0
    while fired < limit:
        # Re-read after each batch: firing a half-time reminder schedules the due one, maybe due already.
        batch = await uow.deadlines.due_of_kinds(now, _KINDS, SUBJECT, limit=limit - fired)
        if not batch:
            break
        for deadline in batch:
            fired += 1
            if not await uow.deadlines.claim(deadline.id, at=now):
                continue  # another worker fired it
            notices.extend(await fire_claimed(uow, deadline, clock))
    await uow.flush()
    return tuple(notices)


def _never_used(ticket: Ticket) -> bool:
    return (
        ticket.opened_by == OpenedBy.AGENT
        and ticket.status == TicketStatus.OPEN
        and ticket.last_agent_message_at is None
        and ticket.last_buyer_message_at is None
    )


async def fire_claimed(uow: UnitOfWork, deadline: Deadline, clock: Clock) -> list[Notice]:
    """Act on one ticket deadline the caller has claimed already (the bot's sweeper claims them)."""
    now = clock.now()
    ticket = await uow.tickets.get(deadline.subject_id)
    if ticket is None or ticket.status == TicketStatus.CLOSED:
        return []
    store = await uow.stores.get(ticket.store_id)
    if store is None:
        return []
    if deadline.kind == DeadlineKind.AUTO_CLOSE:
        if _never_used(ticket):
            # The store opened it and nobody wrote: it goes quietly; the buyer never heard of it.
            notices = await close(uow, ticket, store, actor="system", closed_by="system", reason="never_used", now=now)
            return [notice for notice in notices if notice.to == "store"]
        if ticket.status != TicketStatus.WAITING_BUYER:
            return []  # the buyer wrote meanwhile; that cancels the timer, this guards a stale one
        return list(await close(uow, ticket, store, actor="system", closed_by="system", reason="buyer_silent", now=now))
    # First response.
    if ticket.first_responded_at is not None or ticket.first_response_due_at is None:
        return []
    due_at = ticket.first_response_due_at
    data = {"number": ticket.number, "due_at": due_at}
    if deadline.due_at < due_at and now < due_at:
        await uow.deadlines.schedule(DeadlineKind.FIRST_RESPONSE, SUBJECT, ticket.id, due_at=due_at, at=now)
        return [Notice("first_response_reminder", "store", ticket.id, store.id, data=data)]
    # Due now, or the half-time reminder came so late (bot down) that the due has passed too: one notice.
    uow.audit.record(
        "ticket.first_response_overdue",
        subject_type="ticket",
        subject_id=ticket.id,
        actor="system",
        at=now,
        data={"due_at": due_at.isoformat()},
    )
    return [Notice("first_response_overdue", "store", ticket.id, store.id, data=data)]
