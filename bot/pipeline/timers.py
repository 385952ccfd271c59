"""Fires due deadlines (the ``deadlines`` table) exactly once, including those that fell due while the bot was down.

Timers live in the database, not in python-telegram-bot's in-memory
JobQueue, so a restart loses none (NOTES.md). Each due deadline is claimed
with a conditional UPDATE (``DeadlineRepository.claim``) in the same
transaction as its handler's effects: if the handler fails, the claim rolls
back with them and the next sweep tries again; if two sweepers race, one wins.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from sqlalchemy.exc import SQLAlchemyError

from domain.clock import Clock
from domain.enums import DeadlineKind
from domain.models import Deadline
from domain.storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

DeadlineHandler = Callable[[UnitOfWork, Deadline], Awaitable[object]]


class TimerSweeper:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        handlers: Mapping[DeadlineKind, DeadlineHandler],
        *,
        poll_interval: float = 5.0,
        on_committed: Callable[[], object] = lambda: None,
        batch: int = 100,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._handlers = dict(handlers)
        self._poll_interval = poll_interval
        self._on_committed = on_committed
        self._batch = batch
        self._woken = asyncio.Event()

    def wake_in(self, seconds: float) -> None:
        """Sweep again in `seconds` (a deadline that close was just scheduled), not at the next poll."""
        asyncio.get_running_loop().call_later(max(seconds, 0.0), self._woken.set)

    async def run(self) -> None:
        """Sweep now (overdue deadlines first), then every ``poll_interval`` or when woken, until cancelled."""
        while True:
            try:
                await self.sweep()
            except (SQLAlchemyError, OSError):
                log.exception("timer sweep failed; trying again in %.1f s", self._poll_interval)
            try:
                async with asyncio.timeout(self._poll_interval):
                    await self._woken.wait()
            except TimeoutError:
                pass
            self._woken.clear()

    async def sweep(self) -> int:
        """Fire every deadline due now; returns how many this sweeper fired."""
        now = self._clock.now()
        async with self._uow_factory.reading() as uow:
            due = await uow.deadlines.due(now, limit=self._batch)
        fired = 0
        for deadline in due:
            fired += await self._fire(deadline, now)
        if fired:
            self._on_committed()
        return fired

    async def _fire(self, deadline: Deadline, now: object) -> bool:
        handler = self._handlers.get(deadline.kind)
        if handler is None:
            return False  # another part of the bot owns this kind; leave it live
        async with self._uow_factory() as uow:
            if not await uow.deadlines.claim(deadline.id, at=self._clock.now()):
                return False  # fired or cancelled meanwhile
            try:
                await handler(uow, deadline)
            except Exception:  # noqa: BLE001 - rolled back with its claim; the next sweep retries
                log.exception("deadline %s (%s) failed; retrying at the next sweep", deadline.id, deadline.kind)
                return False
            await uow.commit()
        return True
