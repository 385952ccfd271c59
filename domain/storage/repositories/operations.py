"""The machinery around the business: deadlines, audit, moderation, webhooks, outbox, update dedupe."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from domain.enums import DeadlineKind, FlagStatus
from domain.models import (
    AuditEvent,
    Deadline,
    ModerationFlag,
    OutboundWebhook,
    OutboxMessage,
    Strike,
)
from domain.storage.repositories.base import Repository


def _live(kind: DeadlineKind, subject_type: str, subject_id: int) -> tuple[Any, ...]:
    """The live (neither fired nor cancelled) deadline of this kind for the subject."""
    return (
        Deadline.kind == kind,
        Deadline.subject_type == subject_type,
        Deadline.subject_id == subject_id,
        Deadline.fired_at.is_(None),
        Deadline.cancelled_at.is_(None),
    )


class DeadlineRepository(Repository):
    async def schedule(
        self, kind: DeadlineKind, subject_type: str, subject_id: int, *, due_at: datetime, at: datetime
    ) -> Deadline:
        """Set the live deadline of this kind for the subject, replacing an earlier live one."""
        await self.cancel(kind, subject_type, subject_id, at=at)
        deadline = Deadline(kind=kind, subject_type=subject_type, subject_id=subject_id, due_at=due_at, created_at=at)
        self.session.add(deadline)
        await self.session.flush()
        return deadline

    async def cancel(self, kind: DeadlineKind, subject_type: str, subject_id: int, *, at: datetime) -> int:
        result = await self.session.execute(
            update(Deadline)
            .where(*_live(kind, subject_type, subject_id))
            .values(cancelled_at=at)
        )
        return result.rowcount  # type: ignore[attr-defined,no-any-return]

    async def live(self, kind: DeadlineKind, subject_type: str, subject_id: int) -> Deadline | None:
        return await self.session.scalar(
            select(Deadline).where(*_live(kind, subject_type, subject_id))
        )

    async def due(self, now: datetime, *, limit: int = 100) -> Sequence[Deadline]:
        """Live deadlines due by `now`, oldest first: also those that fell due while the bot was down."""
        query = (
            select(Deadline)
            .where(Deadline.fired_at.is_(None), Deadline.cancelled_at.is_(None), Deadline.due_at <= now)
            .order_by(Deadline.due_at, Deadline.id)
            .limit(limit)
        )
        return (await self.session.scalars(query)).all()

    async def due_of_kinds(
        self, now: datetime, kinds: Collection[DeadlineKind], subject_type: str, *, limit: int = 100
    ) -> Sequence[Deadline]:
        """Like `due`, for one service's kinds only, so other services' backlog cannot starve them."""
        query = (
            select(Deadline)
            .where(
                Deadline.fired_at.is_(None),
                Deadline.cancelled_at.is_(None),
                Deadline.due_at <= now,
                Deadline.kind.in_(list(kinds)),
                Deadline.subject_type == subject_type,
            )
            .order_by(Deadline.due_at, Deadline.id)
            .limit(limit)
        )
        return (await self.session.scalars(query)).all()

    async def next_due_at(self) -> datetime | None:
        return await self.session.scalar(
            select(func.min(Deadline.due_at)).where(Deadline.fired_at.is_(None), Deadline.cancelled_at.is_(None))
        )

    async def push_back(self, kind: DeadlineKind, subject_type: str, subject_id: int, *, due_at: datetime) -> bool:
        """Move the live deadline to `due_at`; False when none is live (fired or cancelled).

        One conditional UPDATE, so it cannot interleave with a `claim`: on
        PostgreSQL it waits for a claiming transaction and then sees it fired.
        """
        result = await self.session.execute(
            update(Deadline)
            .where(*_live(kind, subject_type, subject_id))
            .values(due_at=due_at)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount > 0  # type: ignore[attr-defined,no-any-return]

    async def claim(self, deadline_id: int, *, at: datetime) -> bool:
        """Mark the deadline fired; True for exactly one caller, however many race for it.

        Not before it is due: a deadline pushed back after it was read as due stays live.
        """
        result = await self.session.execute(
            update(Deadline)
            .where(
                Deadline.id == deadline_id,
                Deadline.fired_at.is_(None),
                Deadline.cancelled_at.is_(None),
                Deadline.due_at <= at,
            )
            .values(fired_at=at)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


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

    def add_strike(self, strike: Strike) -> Strike:
        self.session.add(strike)
        return strike

    async def strike_count(self, store_id: int) -> int:
        return await self.session.scalar(select(func.count(Strike.id)).where(Strike.store_id == store_id)) or 0


class WebhookRepository(Repository):
    async def enqueue(self, idempotency_key: str, event_type: str, payload: dict[str, Any], *, at: datetime) -> bool:
        """Queue a webhook; False when one with this key exists already (the decision was sent before)."""
        return await self.insert_ignoring_duplicates(
            OutboundWebhook.__table__,  # type: ignore[arg-type]
            {
                "idempotency_key": idempotency_key,
                "event_type": event_type,
                "payload": payload,
                "created_at": at,
                "next_attempt_at": at,
                "attempts": 0,
            },
        )

    async def by_key(self, idempotency_key: str) -> OutboundWebhook | None:
        return await self.session.scalar(
            select(OutboundWebhook).where(OutboundWebhook.idempotency_key == idempotency_key)
        )

    async def pending(self, now: datetime, *, limit: int = 50) -> Sequence[OutboundWebhook]:
        query = (
            select(OutboundWebhook)
            .where(OutboundWebhook.delivered_at.is_(None), OutboundWebhook.next_attempt_at <= now)
            .order_by(OutboundWebhook.next_attempt_at, OutboundWebhook.id)
            .limit(limit)
        )
        return (await self.session.scalars(query)).all()


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
