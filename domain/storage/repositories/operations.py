"""The machinery around the business: deadlines, audit, moderation, outbox, update dedupe."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, inspect, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.enums import DeadlineKind, FlagStatus
from domain.models import (
    AuditEvent,
    Deadline,
    ModerationFlag,
    OutboxMessage,
    Strike,
    Ticket,
    TicketMessage,
)
from domain.storage.repositories.base import Repository

# Neither fired nor cancelled: the one definition of a live deadline, `uq_deadlines_one_live`'s too.
# A parked one is live: it keeps the subject's place, so rescheduling or cancelling replaces it.
_LIVE = (Deadline.fired_at.is_(None), Deadline.cancelled_at.is_(None))
_PARKED = (*_LIVE, Deadline.parked_at.is_not(None))
_WAITING = (*_LIVE, Deadline.parked_at.is_(None))
# When a deadline is next up: its due time, or after a failed try the time set for the next.
_EFFECTIVE_DUE = func.coalesce(Deadline.next_attempt_at, Deadline.due_at)


def _live(kind: DeadlineKind, subject_type: str, subject_id: int) -> tuple[Any, ...]:
    """The live deadline of this kind for the subject (parked or not)."""
    return (Deadline.kind == kind, Deadline.subject_type == subject_type, Deadline.subject_id == subject_id, *_LIVE)


def _to_fire(now: datetime) -> tuple[Any, ...]:
    """Live, not parked, due by `now` and not waiting out a failed try's pause: what a sweeper may fire."""
    return (
        *_WAITING,
        Deadline.due_at <= now,
        or_(Deadline.next_attempt_at.is_(None), Deadline.next_attempt_at <= now),
    )


class DeadlineRepository(Repository):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        # Deadlines scheduled in this unit of work, so `live` right after (a topic's title) reads nothing.
        # Any other write to deadlines forgets them all: it may have changed one behind the ORM's back.
        self._scheduled: dict[tuple[DeadlineKind, str, int], Deadline] = {}

    async def schedule(
        self, kind: DeadlineKind, subject_type: str, subject_id: int, *, due_at: datetime, at: datetime
    ) -> Deadline:
        """Set the live deadline of this kind for the subject, replacing an earlier live (or parked) one."""
        await self.cancel(kind, subject_type, subject_id, at=at)
        deadline = Deadline(kind=kind, subject_type=subject_type, subject_id=subject_id, due_at=due_at, created_at=at)
        self.session.add(deadline)
        await self.session.flush()
        self._scheduled[(kind, subject_type, subject_id)] = deadline
        return deadline

    async def cancel(self, kind: DeadlineKind, subject_type: str, subject_id: int, *, at: datetime) -> int:
        self._scheduled.pop((kind, subject_type, subject_id), None)
        result = await self.session.execute(
            update(Deadline).where(*_live(kind, subject_type, subject_id)).values(cancelled_at=at)
        )
        return result.rowcount  # type: ignore[attr-defined,no-any-return]

    async def live(self, kind: DeadlineKind, subject_type: str, subject_id: int) -> Deadline | None:
        known = self._scheduled.get((kind, subject_type, subject_id))
        if known is not None and known in self.session and not inspect(known).expired_attributes:
            return known  # (a rollback expires it: then it is read again)
        return await self.session.scalar(select(Deadline).where(*_live(kind, subject_type, subject_id)))

    async def due(
        self, now: datetime, *, kinds: Collection[DeadlineKind] | None = None, limit: int = 100
    ) -> Sequence[Deadline]:
        """Deadlines to fire by `now`, oldest first: also those that fell due while the bot was down.

        `kinds`: only these (the ones the caller can handle), so a backlog of
        others cannot fill the batch. Parked ones and ones pausing after a
        failed try are left out.
        """
        query = select(Deadline).where(*_to_fire(now))
        if kinds is not None:
            query = query.where(Deadline.kind.in_(list(kinds)))
        return (await self.session.scalars(query.order_by(_EFFECTIVE_DUE, Deadline.id).limit(limit))).all()

    async def due_of_kinds(
        self, now: datetime, kinds: Collection[DeadlineKind], subject_type: str, *, limit: int = 100
    ) -> Sequence[Deadline]:
        """Like `due`, for one service's kinds only, so other services' backlog cannot starve them."""
        query = (
            select(Deadline)
            .where(*_to_fire(now), Deadline.kind.in_(list(kinds)), Deadline.subject_type == subject_type)
            .order_by(_EFFECTIVE_DUE, Deadline.id)
            .limit(limit)
        )
        return (await self.session.scalars(query)).all()

    async def next_due_at(self) -> datetime | None:
        """When the next deadline is up (a parked one never is)."""
        return await self.session.scalar(select(func.min(_EFFECTIVE_DUE)).where(*_WAITING))

    async def push_back(self, kind: DeadlineKind, subject_type: str, subject_id: int, *, due_at: datetime) -> bool:
        """Move the live deadline to `due_at`; False when none is live (fired or cancelled).

        One conditional UPDATE, so it cannot interleave with a `claim`: on
        PostgreSQL it waits for a claiming transaction and then sees it fired.
        A parked deadline stays parked (its new time counts once it is retried).
        """
        self._scheduled.clear()
        result = await self.session.execute(
            update(Deadline)
            .where(*_live(kind, subject_type, subject_id))
            .values(due_at=due_at)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount > 0  # type: ignore[attr-defined,no-any-return]

    async def claim(self, deadline_id: int, *, at: datetime) -> bool:
        """Mark the deadline fired; True for exactly one caller, however many race for it.

        Not before it is due: a deadline pushed back, parked or set to wait
        after a failed try since it was read as due stays as it is.
        On PostgreSQL a row another sweeper is firing right now is skipped
        (FOR UPDATE SKIP LOCKED), not waited for: that one fires it, or its
        failure is counted and the row comes round again. SQLite has one
        writer at a time and renders no lock clause.
        """
        self._scheduled.clear()
        claimable = (
            select(Deadline.id).where(Deadline.id == deadline_id, *_to_fire(at)).with_for_update(skip_locked=True)
        )
        result = await self.session.execute(
            update(Deadline)
            .where(Deadline.id.in_(claimable))
            .values(fired_at=at)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]

    async def record_failure(
        self, deadline_id: int, error: str, *, attempts_before: int, retry_at: datetime, parked_at: datetime | None
    ) -> bool:
        """Count a failed try: the error, when to try next, and `parked_at` after the last one.

        Conditional on `attempts_before` (what the failed try read), so two
        sweepers that failed the same try count it once; False for the loser,
        or when the deadline was fired, cancelled or parked meanwhile.
        """
        self._scheduled.clear()
        result = await self.session.execute(
            update(Deadline)
            .where(Deadline.id == deadline_id, Deadline.attempts == attempts_before, *_WAITING)
            .values(attempts=attempts_before + 1, last_error=error, next_attempt_at=retry_at, parked_at=parked_at)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]

    async def parked(self, *, limit: int = 100) -> Sequence[Deadline]:
        """Deadlines set aside after their last try, for an operator; the longest parked first."""
        query = select(Deadline).where(*_PARKED).order_by(Deadline.parked_at, Deadline.id).limit(limit)
        return (await self.session.scalars(query)).all()

    async def retry(self, deadline_id: int | None = None) -> int:
        """Give the parked deadline (every parked one when None) a fresh set of tries, due again.

        How many were parked. The last error stays until a new try replaces it.
        """
        self._scheduled.clear()
        query = update(Deadline).where(*_PARKED)
        if deadline_id is not None:
            query = query.where(Deadline.id == deadline_id)
        result = await self.session.execute(
            query.values(parked_at=None, attempts=0, next_attempt_at=None).execution_options(synchronize_session=False)
        )
        return result.rowcount  # type: ignore[attr-defined,no-any-return]


class AuditRepository(Repository):
    def record(
        self, event_type: str, *, subject_type: str, subject_id: int, actor: str, at: datetime, data: dict[str, Any]
    ) -> AuditEvent:
        event = AuditEvent(
            event_type=event_type, subject_type=subject_type, subject_id=subject_id, actor=actor, at=at, data=data
        )
        self.session.add(event)
        return event

    async def times_since(
        self, event_type: str, subject_type: str, subject_id: int, *, since: datetime
    ) -> list[datetime]:
        """When this event happened to the subject after `since`, oldest first (e.g. failed claims to rate-limit)."""
        query = (
            select(AuditEvent.at)
            .where(
                AuditEvent.event_type == event_type,
                AuditEvent.subject_type == subject_type,
                AuditEvent.subject_id == subject_id,
                AuditEvent.at > since,
            )
            .order_by(AuditEvent.at, AuditEvent.id)
        )
        return list((await self.session.scalars(query)).all())

    async def for_subject(self, subject_type: str, subject_id: int) -> Sequence[AuditEvent]:
        query = (
            select(AuditEvent)
            .where(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == subject_id)
            .order_by(AuditEvent.id)
        )
        return (await self.session.scalars(query)).all()


class ModerationRepository(Repository):
    def add_flag(self, flag: ModerationFlag) -> ModerationFlag:
        self.session.add(flag)
        return flag

    async def get_flag(self, flag_id: int) -> ModerationFlag | None:
        return await self.session.get(ModerationFlag, flag_id)

    async def awaiting_review(self, *, limit: int = 50) -> Sequence[ModerationFlag]:
        query = (
            select(ModerationFlag)
            .where(ModerationFlag.status.in_([FlagStatus.HELD, FlagStatus.OPEN]))
            .order_by(ModerationFlag.created_at, ModerationFlag.id)
            .limit(limit)
        )
        return (await self.session.scalars(query)).all()

    async def open_screen_case(self, message_id: int) -> ModerationFlag | None:
        """The screen's hold of this message that no moderator has decided yet."""
        query = select(ModerationFlag).where(
            ModerationFlag.message_id == message_id,
            ModerationFlag.source == "screen",
            ModerationFlag.status == FlagStatus.HELD,
        )
        return (await self.session.scalars(query.order_by(ModerationFlag.id.desc()).limit(1))).first()

    async def open_report(self, message_id: int, source: str) -> ModerationFlag | None:
        """A buyer's report or a moderator's flag of this message still waiting for a decision."""
        query = select(ModerationFlag).where(
            ModerationFlag.message_id == message_id,
            ModerationFlag.source == source,
            ModerationFlag.status.in_([FlagStatus.HELD, FlagStatus.OPEN]),
        )
        return (await self.session.scalars(query.limit(1))).first()

    async def recent_messages(self, ticket_id: int, before_id: int, *, limit: int) -> Sequence[TicketMessage]:
        """The ticket's last `limit` messages before `before_id`, oldest first: a case card's context."""
        query = (
            select(TicketMessage)
            .where(TicketMessage.ticket_id == ticket_id, TicketMessage.id < before_id)
            .order_by(TicketMessage.id.desc())
            .limit(limit)
        )
        return list(reversed((await self.session.scalars(query)).all()))

    async def kept_while_suspended(self, store_id: int) -> Sequence[TicketMessage]:
        """The store's messages kept while its messaging was suspended, in the order they were written."""
        query = (
            select(TicketMessage)
            .join(Ticket, Ticket.id == TicketMessage.ticket_id)
            .where(Ticket.store_id == store_id, TicketMessage.delivery == "suspended")
            .order_by(TicketMessage.id)
        )
        return (await self.session.scalars(query)).all()

    def add_strike(self, strike: Strike) -> Strike:
        self.session.add(strike)
        return strike

    async def strike_count(self, store_id: int, *, since: datetime | None = None) -> int:
        """The store's strikes, or those given since `since` (the ones that count toward a suspension)."""
        query = select(func.count(Strike.id)).where(Strike.store_id == store_id)
        if since is not None:
            query = query.where(Strike.created_at >= since)
        return await self.session.scalar(query) or 0


class OutboxRepository(Repository):
    def add(self, message: OutboxMessage) -> OutboxMessage:
        self.session.add(message)
        return message

    async def pending(self, now: datetime, *, limit: int = 100) -> Sequence[OutboxMessage]:
        query = (
            select(OutboxMessage)
            .where(
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.failed_at.is_(None),
                OutboxMessage.next_attempt_at <= now,
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        return (await self.session.scalars(query)).all()
