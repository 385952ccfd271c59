"""The unit of work: one session, one transaction, repositories on top.

    async with uow_factory() as uow:
        await some_service(uow, clock, ...)
        await uow.commit()

Leaving the block without `commit()` rolls everything back.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from domain.storage.engine import READ_ONLY
from domain.storage.repositories import (
    AuditRepository,
    DeadlineRepository,
    ModerationRepository,
    OrderRepository,
    OutboxRepository,
    RequestRepository,
    StoreRepository,
    TicketRepository,
    UserRepository,
    WebhookRepository,
)


class WriteGate:
    """One SQLite writer at a time in this process, first come first served.

    SQLite has one write lock and its busy handler is not fair: a waiter
    sleeps and polls, and under steady contention it can lose again and again
    until its busy timeout ("database is locked"; seen in `make bench` with 16
    updates at once). Queueing writers here, in order, before they ask SQLite
    makes the wait fair and the lock always free when asked for. A unit of
    work opened by a task that holds the gate already passes (it would wait
    on itself): it meets SQLite's own lock, as before.
    """

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None

    async def enter(self) -> bool:
        """Wait for the gate; False when this task holds it already (nothing to release)."""
        task = asyncio.current_task()
        if task is not None and task is self._owner:
            return False
        await self._lock.acquire()
        self._owner = task
        return True

    def leave(self) -> None:
        self._owner = None
        self._lock.release()


class UnitOfWork:
    def __init__(self, session: AsyncSession, gate: WriteGate | None = None, *, writes: bool = True) -> None:
        self.session = session
        self.writes = writes  # False for `UnitOfWorkFactory.reading()`: never committed, holds no write lock
        self._gate = gate
        self._holds_gate = False
        self.stores = StoreRepository(session)
        self.users = UserRepository(session)
        self.orders = OrderRepository(session)
        self.tickets = TicketRepository(session)
        self.requests = RequestRepository(session)
        self.deadlines = DeadlineRepository(session)
        self.moderation = ModerationRepository(session)
        self.webhooks = WebhookRepository(session)
        self.outbox = OutboxRepository(session)
        self.audit = AuditRepository(session)
        # Set when a money event is written, so only such a commit wakes the webhook dispatcher.
        self.wrote_money_events = False
        # Outbox rows recorded here (``bot.pipeline.outbox``): once committed, handed to the sender
        # in memory, so it need not read them back.
        self.outbox_rows: list[Any] = []

    async def __aenter__(self) -> UnitOfWork:
        if self._gate is not None:
            self._holds_gate = await self._gate.enter()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # close() ends an uncommitted transaction with a rollback, so nothing half-done
        # survives, yet keeps loaded objects readable (detached) for the caller.
        try:
            await self.session.close()
        finally:
            if self._holds_gate:
                self._holds_gate = False
                self._gate.leave()

    async def flush(self) -> None:
        await self.session.flush()

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()


def _keep(session: Session, instance: object) -> None:
    """Hold every row the unit of work loaded for as long as it lives.

    The session's identity map holds rows weakly: a service that reads a
    ticket and returns a summary lets it go, and the next service's get()
    reads it from the database again. A unit of work is one short update, so
    keeping them costs little and saves those second reads.
    """
    session.info.setdefault("rows", []).append(instance)


class _KeepingSession(Session):
    """A Session that keeps what it loaded (`_keep`)."""


event.listen(_KeepingSession, "loaded_as_persistent", _keep)
event.listen(_KeepingSession, "pending_to_persistent", _keep)


class UnitOfWorkFactory:
    """Built once at start-up from the engine; calling it opens a fresh unit of work."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # expire_on_commit=False: services return ORM objects that are read after the commit.
        self._sessions = async_sessionmaker(
            engine, expire_on_commit=False, autoflush=True, sync_session_class=_KeepingSession
        )
        self._reading_sessions = async_sessionmaker(
            engine.execution_options(**{READ_ONLY: True}),
            expire_on_commit=False,
            autoflush=True,
            sync_session_class=_KeepingSession,
        )
        # PostgreSQL has row locks and a fair queue of its own; only SQLite writers queue here.
        self._gate = WriteGate() if engine.dialect.name == "sqlite" else None

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self._sessions(), self._gate)

    def reading(self) -> UnitOfWork:
        """A unit of work that only reads (and is never committed).

        On SQLite it takes no write lock, so it neither waits for a writer nor
        holds one up; each statement sees what was committed when it ran.
        """
        return UnitOfWork(self._reading_sessions(), writes=False)
