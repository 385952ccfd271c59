"""The update pipeline's tables: the inbox of Telegram updates and the outbox's sending side.

Rows are claimed and finished with conditional UPDATEs, so two runners (or a
runner and an operator's `aftersales inbox retry`) never both win.

The statements every message runs (store, mark done, mark sent) are Core
statements built once with bind parameters: no ORM flush, no per-call
statement building, and SQLAlchemy's compiled cache always hits.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from domain.models import InboxUpdate, OutboxMessage
from domain.storage.repositories.base import Repository

PENDING = "pending"
DONE = "done"
PARKED = "parked"

_inbox = InboxUpdate.__table__
_outbox = OutboxMessage.__table__
_MARK_DONE = (
    _inbox.update()
    .where(_inbox.c.update_id == bindparam("b_update_id"), _inbox.c.status == PENDING)
    .values(status=DONE, done_at=bindparam("b_done_at", type_=_inbox.c.done_at.type))
)
# A redelivered update is skipped by the database, not by a SELECT first; RETURNING names the new ones.
_STORE_NEW = {
    postgres: (postgresql.insert if postgres else sqlite.insert)(_inbox)
    .on_conflict_do_nothing()
    .returning(_inbox.c.update_id)
    for postgres in (False, True)
}
_PENDING_COLUMNS = (_inbox.c.update_id, _inbox.c.conversation_key, _inbox.c.attempts, _inbox.c.received_at)
_MARK_SENT = (
    _outbox.update()
    .where(_outbox.c.id == bindparam("b_id"), _outbox.c.sent_at.is_(None))
    .values(
        sent_at=bindparam("b_sent_at", type_=_outbox.c.sent_at.type),
        telegram_message_id=bindparam("b_message_id", type_=_outbox.c.telegram_message_id.type),
        attempts=_outbox.c.attempts + 1,
    )
)


class InboxRepository(Repository):
    async def store_many(self, rows: Sequence[dict[str, Any]], *, at: datetime) -> set[int]:
        """Store received updates in one statement; the ids that were new (a repeat is skipped).

        ``rows``: dicts of update_id, payload, conversation_key, status and
        last_error, distinct update ids.
        """
        if not rows:
            return set()
        statement = _STORE_NEW[self.session.get_bind().dialect.name == "postgresql"]
        # Many parameter sets: SQLAlchemy sends them as one multi-row INSERT ("insertmanyvalues").
        result = await self.session.execute(statement, [{**row, "attempts": 0, "received_at": at} for row in rows])
        return set(result.scalars())

    async def replace_reused_id(
        self,
        update_id: int,
        payload: dict[str, Any],
        conversation_key: str,
        *,
        at: datetime,
        status: str = PENDING,
        error: str | None = None,
    ) -> bool:
        """Store ``payload`` over a *done* row of the same id and different content; False otherwise.

        The same content is a redelivery (nothing to do). A pending or parked
        row is kept: its update was never handled, and the newcomer cannot be
        told apart from a corrupted redelivery.
        """
        existing = await self.session.get(InboxUpdate, update_id)
        if existing is None or existing.payload == payload or existing.status != DONE:
            return False
        await self.session.execute(
            update(InboxUpdate)
            .where(InboxUpdate.update_id == update_id, InboxUpdate.status == DONE)
            .values(
                payload=payload,
                conversation_key=conversation_key,
                status=status,
                attempts=0,
                last_error=error,
                received_at=at,
                done_at=None,
            )
            .execution_options(synchronize_session=False)
        )
        await self.session.refresh(existing)
        return True

    async def get(self, update_id: int) -> InboxUpdate | None:
        return await self.session.get(InboxUpdate, update_id)

    async def highest_update_id(self) -> int | None:
        return await self.session.scalar(select(func.max(InboxUpdate.update_id)))

    async def pending_keys(self, *, excluding: Collection[int] = (), limit: int = 100) -> Sequence[Any]:
        """Updates still to handle, oldest first, skipping those being handled.

        Rows of (update_id, conversation_key, attempts, received_at): the
        payloads come from intake in memory, or from ``payloads``.
        """
        query = select(*_PENDING_COLUMNS).where(_inbox.c.status == PENDING)
        if excluding:
            query = query.where(_inbox.c.update_id.not_in(list(excluding)))
        return (await self.session.execute(query.order_by(_inbox.c.update_id).limit(limit))).all()

    async def payloads(self, update_ids: Collection[int]) -> dict[int, dict[str, Any]]:
        if not update_ids:
            return {}
        query = select(_inbox.c.update_id, _inbox.c.payload).where(_inbox.c.update_id.in_(list(update_ids)))
        return {update_id: payload for update_id, payload in (await self.session.execute(query)).all()}

    async def telegram_update_waiting(self, conversation_key: str, *, received_by: datetime) -> bool:
        """Whether a Telegram update of this conversation, received by then, is still to be handled.

        Telegram's update ids are positive; the bot's own (internal) updates are negative.
        """
        query = (
            select(_inbox.c.update_id)
            .where(
                _inbox.c.conversation_key == conversation_key,
                _inbox.c.status == PENDING,
                _inbox.c.update_id > 0,
                _inbox.c.received_at <= received_by,
            )
            .limit(1)
        )
        return (await self.session.scalar(query)) is not None

    async def mark_done(self, update_id: int, *, at: datetime) -> bool:
        """Finish a pending update; False if it was not pending (already done or parked)."""
        result = await self.session.execute(_MARK_DONE, {"b_update_id": update_id, "b_done_at": at})
        return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]

    async def record_failure(self, update_id: int, error: str, *, park: bool) -> None:
        """Count a failed attempt; with ``park`` the update is set aside for an operator."""
        await self.session.execute(
            update(InboxUpdate)
            .where(InboxUpdate.update_id == update_id, InboxUpdate.status == PENDING)
            .values(attempts=InboxUpdate.attempts + 1, last_error=error, status=PARKED if park else PENDING)
            .execution_options(synchronize_session=False)
        )

    async def parked(self, *, limit: int = 100) -> Sequence[InboxUpdate]:
        query = select(InboxUpdate).where(InboxUpdate.status == PARKED).order_by(InboxUpdate.update_id).limit(limit)
        return (await self.session.scalars(query)).all()

    async def requeue(self, update_id: int) -> bool:
        """Give a parked update a fresh set of attempts; False if it is not parked."""
        return await self._move(update_id, {PARKED}, status=PENDING, attempts=0)

    async def _move(self, update_id: int, from_statuses: Iterable[str], **values: Any) -> bool:
        result = await self.session.execute(
            update(InboxUpdate)
            .where(InboxUpdate.update_id == update_id, InboxUpdate.status.in_(list(from_statuses)))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def _free_or_held_by(owner: str, now: datetime):
    """The row is nobody's now or ``owner``'s, and no other sender holds an unsent row of its chat
    (a chat's rows go from one process, in order)."""
    other = aliased(OutboxMessage)
    held_elsewhere = (
        select(other.id)
        .where(
            other.chat_id == OutboxMessage.chat_id,
            other.telegram_message_id.is_(None),  # true of every unsent row: the (chat, message) index finds them
            other.sent_at.is_(None),
            other.failed_at.is_(None),
            other.lease_owner != owner,
            other.lease_until > now,
        )
        .exists()
    )
    mine_or_free = or_(
        OutboxMessage.lease_owner.is_(None), OutboxMessage.lease_owner == owner, OutboxMessage.lease_until <= now
    )
    return and_(mine_or_free, ~held_elsewhere)


class OutboxSendingRepository(Repository):
    """What the sender needs: rows to send in order, and marking each one's fate."""

    async def unsent(
        self,
        *,
        excluding: Collection[int] = (),
        excluding_chats: Collection[int] = (),
        limit: int = 100,
        owner: str | None = None,
        now: datetime | None = None,
    ) -> Sequence[OutboxMessage]:
        """Rows to send, a person's words first (lowest priority, then oldest); none of ``excluding_chats``.

        With ``owner`` and ``now``: only rows that owner holds, or nobody holds now (never leased, or
        the lease ran out).
        """
        query = select(OutboxMessage).where(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))
        if owner is not None and now is not None:
            query = query.where(_free_or_held_by(owner, now))
        if excluding:
            query = query.where(OutboxMessage.id.not_in(list(excluding)))
        if excluding_chats:
            query = query.where(OutboxMessage.chat_id.not_in(list(excluding_chats)))
        order = (OutboxMessage.priority, OutboxMessage.id)
        return (await self.session.scalars(query.order_by(*order).limit(limit))).all()

    async def get(self, message_id: int) -> OutboxMessage | None:
        return await self.session.get(OutboxMessage, message_id)

    async def claim(self, row_ids: Collection[int], *, owner: str, until: datetime, now: datetime) -> set[int]:
        """Lease the rows to ``owner`` unless another holds them now; the ids it holds after (the rest: another's).

        A conditional UPDATE: when two senders claim one row, the second finds it held and does not take it.
        """
        if not row_ids:
            return set()
        result = await self.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(list(row_ids)),
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.failed_at.is_(None),
                _free_or_held_by(owner, now),
            )
            .values(lease_owner=owner, lease_until=until)
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        )
        return set(result.scalars().all())

    async def renew_leases(self, *, owner: str, until: datetime) -> int:
        """Every unsent row ``owner`` holds is held until ``until``."""
        result = await self.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None), OutboxMessage.lease_owner == owner
            )
            .values(lease_until=until)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def release_leases(self, *, owner: str) -> int:
        """``owner`` stops: its unsent rows are free for any sender at once."""
        result = await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def mark_sent(self, message_id: int, *, telegram_message_id: int | None, at: datetime) -> bool:
        """Record the send; False when the row was already marked (a second sender lost the race)."""
        result = await self.session.execute(
            _MARK_SENT, {"b_id": message_id, "b_message_id": telegram_message_id, "b_sent_at": at}
        )
        return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]

    async def mark_many_sent(self, sent: Iterable[tuple[int, int | None]], *, at: datetime) -> None:
        """``mark_sent`` for several (row id, Telegram message id) pairs in one statement."""
        params = [{"b_id": row_id, "b_message_id": message_id, "b_sent_at": at} for row_id, message_id in sent]
        if params:
            await self.session.execute(_MARK_SENT, params)

    async def mark_failed(self, message_id: int, error: str, *, at: datetime) -> bool:
        result = await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))
            .values(failed_at=at, last_error=error, attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]

    async def record_attempt(self, message_id: int, error: str) -> None:
        await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(attempts=OutboxMessage.attempts + 1, last_error=error)
            .execution_options(synchronize_session=False)
        )
