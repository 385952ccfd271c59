"""The update pipeline's tables: the inbox of Telegram updates and the outbox's sending side.

Rows are claimed and finished with conditional UPDATEs, so two runners (or a
runner and an operator's `aftersales inbox retry`) never both win.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from domain.models import InboxUpdate, OutboxMessage
from domain.storage.repositories.base import Repository

PENDING = "pending"
DONE = "done"
PARKED = "parked"


class InboxRepository(Repository):
    async def store(self, update_id: int, payload: dict[str, Any], conversation_key: str, *, at: datetime,
                    status: str = PENDING, error: str | None = None) -> bool:
        """Store one received update; False when it was stored before (Telegram redelivered it)."""
        return await self.insert_ignoring_duplicates(
            InboxUpdate.__table__,  # type: ignore[arg-type]
            {
                "update_id": update_id,
                "payload": payload,
                "conversation_key": conversation_key,
                "status": status,
                "attempts": 0,
                "last_error": error,
                "received_at": at,
            },
        )

    async def replace_reused_id(self, update_id: int, payload: dict[str, Any], conversation_key: str, *,
                                at: datetime, status: str = PENDING, error: str | None = None) -> bool:
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
            .values(payload=payload, conversation_key=conversation_key, status=status, attempts=0,
                    last_error=error, received_at=at, done_at=None)
            .execution_options(synchronize_session=False)
        )
        await self.session.refresh(existing)
        return True

    async def get(self, update_id: int) -> InboxUpdate | None:
        return await self.session.get(InboxUpdate, update_id)

    async def highest_update_id(self) -> int | None:
        return await self.session.scalar(select(func.max(InboxUpdate.update_id)))

    async def pending(self, *, excluding: Collection[int] = (), limit: int = 100) -> Sequence[InboxUpdate]:
        """Updates still to handle, oldest first, skipping those already being handled."""
        query = select(InboxUpdate).where(InboxUpdate.status == PENDING)
        if excluding:
            query = query.where(InboxUpdate.update_id.not_in(list(excluding)))
        return (await self.session.scalars(query.order_by(InboxUpdate.update_id).limit(limit))).all()

    async def mark_done(self, update_id: int, *, at: datetime) -> bool:
        """Finish a pending update; False if it was not pending (already done or parked)."""
        return await self._move(update_id, {PENDING}, status=DONE, done_at=at)

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


class OutboxSendingRepository(Repository):
    """What the sender needs: rows to send in order, and marking each one's fate."""

    async def unsent(self, *, excluding: Collection[int] = (), limit: int = 100) -> Sequence[OutboxMessage]:
        query = select(OutboxMessage).where(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))
        if excluding:
            query = query.where(OutboxMessage.id.not_in(list(excluding)))
        return (await self.session.scalars(query.order_by(OutboxMessage.id).limit(limit))).all()

    async def get(self, message_id: int) -> OutboxMessage | None:
        return await self.session.get(OutboxMessage, message_id)

    async def mark_sent(self, message_id: int, *, telegram_message_id: int | None, at: datetime) -> bool:
        """Record the send; False when the row was already marked (a second sender lost the race)."""
        result = await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None))
            .values(sent_at=at, telegram_message_id=telegram_message_id, attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]

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
