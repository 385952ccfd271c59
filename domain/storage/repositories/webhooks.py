"""Outbound money webhooks: queued in the deciding transaction, claimed under a lease, posted, marked.

The rows are the truth; a dispatcher keeps nothing in memory that a restart
would lose. Claiming sets ``lease_until``: until then no other dispatcher
takes the row, and a dispatcher that died mid-post lets the lease run out,
so the row is claimed again (the marketplace sees the same idempotency key).

One sequence's events (a request's) go out in id order: an event is claimed
only when every earlier event of its ``sequence_key`` was delivered, so a
parked event holds back the later ones until it is replayed. Events of a
store without a ``webhook_url`` (and secret) wait, no try counted, until one is set.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import aliased

from domain.models import OutboundWebhook, Store
from domain.storage.repositories.base import Repository

PENDING = "pending"
DELIVERED = "delivered"
PARKED = "parked"

# After a failed post: 10 s, 20 s, 40 s ... doubling up to an hour, each jittered so that
# a marketplace coming back is not hit by every waiting event at the same instant.
FIRST_RETRY_DELAY = timedelta(seconds=10)
MAX_RETRY_DELAY = timedelta(hours=1)
# A day of failed posts parks an event for an operator (`aftersales webhooks`).
PARK_AFTER = timedelta(days=1)


def retry_delay(attempts: int, jitter: float) -> timedelta:
    """The pause after the `attempts`-th failed post (1 for the first): doubling, capped, then

    between half and all of it (`jitter` in [0, 1), "equal jitter"), so it never drops to nothing.
    """
    base = min(FIRST_RETRY_DELAY * 2 ** min(attempts - 1, 32), MAX_RETRY_DELAY)
    return base * (0.5 + min(max(jitter, 0.0), 1.0) / 2)


@dataclass(frozen=True)
class ClaimedWebhook:
    """An event a dispatcher holds the lease of, with where to post it; marks name it by this lease."""

    id: int
    idempotency_key: str
    event_type: str
    sequence_key: str
    payload: dict[str, Any]
    url: str
    secret: str
    attempts: int
    failing_since: datetime | None
    lease_until: datetime


_earlier = aliased(OutboundWebhook)
# An event of the same sequence, before this one, not yet delivered (pending or parked).
_EARLIER_UNDELIVERED = exists(
    select(_earlier.id).where(
        _earlier.sequence_key == OutboundWebhook.sequence_key,
        _earlier.id < OutboundWebhook.id,
        _earlier.status != DELIVERED,
    )
)


def _claimable(now: datetime) -> tuple[Any, ...]:
    """Pending, due, not leased to anyone, its store has an endpoint and a secret, its sequence's turn (join Store)."""
    return (
        OutboundWebhook.status == PENDING,
        OutboundWebhook.next_attempt_at <= now,
        or_(OutboundWebhook.lease_until.is_(None), OutboundWebhook.lease_until < now),
        Store.webhook_url.is_not(None),
        Store.webhook_url != "",
        Store.webhook_secret.is_not(None),  # never posted unsigned
        ~_EARLIER_UNDELIVERED,
    )


def _held(claim: ClaimedWebhook) -> tuple[Any, ...]:
    """Still pending under this very lease: not re-claimed after it ran out, nor replayed or parked meanwhile."""
    return (
        OutboundWebhook.id == claim.id,
        OutboundWebhook.status == PENDING,
        OutboundWebhook.lease_until == claim.lease_until,
    )


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

    async def get(self, webhook_id: int) -> OutboundWebhook | None:
        return await self.session.get(OutboundWebhook, webhook_id)

    async def by_key(self, idempotency_key: str) -> OutboundWebhook | None:
        return await self.session.scalar(
            select(OutboundWebhook).where(OutboundWebhook.idempotency_key == idempotency_key)
        )

    async def pending(self, now: datetime, *, limit: int = 50) -> Sequence[OutboundWebhook]:
        """Pending events due by `now`, whether or not their store has an endpoint; the earliest due first."""
        query = (
            select(OutboundWebhook)
            .where(OutboundWebhook.status == PENDING, OutboundWebhook.next_attempt_at <= now)
            .order_by(OutboundWebhook.next_attempt_at, OutboundWebhook.id)
            .limit(limit)
        )
        return (await self.session.scalars(query)).all()

    async def any_claimable(self, now: datetime) -> bool:
        """Whether `claim` would find something: a read, so an idle dispatcher takes no write lock."""
        query = select(OutboundWebhook.id).join(Store, Store.id == OutboundWebhook.store_id).where(*_claimable(now))
        return await self.session.scalar(query.limit(1)) is not None

    async def claim(self, now: datetime, *, lease: timedelta, limit: int = 16) -> list[ClaimedWebhook]:
        """Lease up to `limit` claimable events until ``now + lease``; the earliest due first.

        One UPDATE of the rows a sub-select picks: on PostgreSQL the sub-select
        locks them FOR UPDATE SKIP LOCKED, so two dispatchers claiming at once
        take different rows (and a row whose lease another just took is
        re-checked and left out); SQLite runs the statement alone. At most one
        event per sequence is claimable at a time, so a batch may be posted at once.
        """
        candidates = (
            select(OutboundWebhook.id)
            .join(Store, Store.id == OutboundWebhook.store_id)
            .where(*_claimable(now))
            .order_by(OutboundWebhook.next_attempt_at, OutboundWebhook.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=OutboundWebhook)
        )
        lease_until = now + lease
        result = await self.session.execute(
            update(OutboundWebhook)
            .where(OutboundWebhook.id.in_(candidates))
            .values(lease_until=lease_until)
            .returning(OutboundWebhook.id)
            .execution_options(synchronize_session=False)
        )
        ids = list(result.scalars().all())
        if not ids:
            return []
        rows = await self.session.execute(
            select(OutboundWebhook, Store.webhook_url, Store.webhook_secret)
            .join(Store, Store.id == OutboundWebhook.store_id)
            .where(OutboundWebhook.id.in_(ids))
            .order_by(OutboundWebhook.next_attempt_at, OutboundWebhook.id)
            .execution_options(populate_existing=True)
        )
        return [
            ClaimedWebhook(
                id=row.id,
                idempotency_key=row.idempotency_key,
                event_type=row.event_type,
                sequence_key=row.sequence_key,
                payload=row.payload,
                url=url,
                secret=secret,
                attempts=row.attempts,
                failing_since=row.failing_since,
                lease_until=lease_until,
            )
            for row, url, secret in rows
        ]

    async def mark_delivered(self, claim: ClaimedWebhook, *, now: datetime) -> bool:
        """The marketplace acknowledged it: delivered, whoever holds the lease now (a 2xx is the truth).

        False when it was marked delivered already (by a dispatcher that took over an expired lease).
        """
        result = await self.session.execute(
            update(OutboundWebhook)
            .where(OutboundWebhook.id == claim.id, OutboundWebhook.status != DELIVERED)
            .values(
                status=DELIVERED,
                delivered_at=now,
                lease_until=None,
                parked_at=None,
                attempts=OutboundWebhook.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]

    async def mark_failed(self, claim: ClaimedWebhook, error: str, *, now: datetime, jitter: float) -> str | None:
        """Count a failed post: "failed" (tried again after a pause) or "parked" (failing for a day).

        None when the lease was lost meanwhile (another dispatcher took over,
        or it was replayed): that one's outcome counts, not this.
        """
        attempts = claim.attempts + 1
        failing_since = claim.failing_since or now
        park = failing_since + PARK_AFTER <= now
        values: dict[str, Any] = {
            "attempts": attempts,
            "last_error": error[:2000],
            "failing_since": failing_since,
            "lease_until": None,
        }
        if park:
            values.update(status=PARKED, parked_at=now)
        else:
            values["next_attempt_at"] = now + retry_delay(attempts, jitter)
        result = await self.session.execute(
            update(OutboundWebhook).where(*_held(claim)).values(**values).execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return PARKED if park else "failed"

    async def replay(self, webhook_id: int, *, now: datetime) -> bool:
        """Post the event again, with the same key: pending and due now, with a fresh day of tries.

        Works on a parked, a failing and even a delivered event; False for an
        unknown id. A post in flight is left to finish (its lease is kept).
        """
        result = await self.session.execute(
            update(OutboundWebhook)
            .where(OutboundWebhook.id == webhook_id)
            .values(
                status=PENDING,
                next_attempt_at=now,
                attempts=0,
                failing_since=None,
                parked_at=None,
                delivered_at=None,
            )
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]

    async def undelivered(self, *, limit: int = 200) -> Sequence[OutboundWebhook]:
        """Pending (never tried or failing) and parked events, for an operator; oldest first."""
        query = (
            select(OutboundWebhook)
            .where(OutboundWebhook.status.in_([PENDING, PARKED]))
            .order_by(OutboundWebhook.id)
            .limit(limit)
        )
        return (await self.session.scalars(query)).all()


def listed_status(webhook: OutboundWebhook) -> str:
    """How an operator's list names it: "pending", "failed" (pending after a failed post) or "parked"."""
    if webhook.status == PENDING and webhook.attempts > 0:
        return "failed"
    return webhook.status
