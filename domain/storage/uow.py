"""The unit of work: one session, one transaction, repositories on top.

    async with uow_factory() as uow:
        await some_service(uow, clock, ...)
        await uow.commit()

Leaving the block without `commit()` rolls everything back.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

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


class UnitOfWork:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
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

    async def __aenter__(self) -> UnitOfWork:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # close() ends an uncommitted transaction with a rollback, so nothing half-done
        # survives, yet keeps loaded objects readable (detached) for the caller.
        await self.session.close()

    async def flush(self) -> None:
        await self.session.flush()

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()


class UnitOfWorkFactory:
    """Built once at start-up from the engine; calling it opens a fresh unit of work."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # expire_on_commit=False: services return ORM objects that are read after the commit.
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=True)
        self._reading_sessions = async_sessionmaker(
            engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False, autoflush=True
        )

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self._sessions())

    def reading(self) -> UnitOfWork:
        """A unit of work that only reads (and is never committed).

        On SQLite it takes no write lock, so it neither waits for a writer nor
        holds one up; each statement sees what was committed when it ran.
        """
        return UnitOfWork(self._reading_sessions())
