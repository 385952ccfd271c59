"""Deletes the update path's finished rows past the retention (``domain.services.housekeeping``), a little at a time.

Every ``interval`` seconds it goes table by table, one small batch per
transaction, with a pause between batches: on SQLite each batch holds the
one write lock only briefly, so the relay's transactions get their turns.
Several processes on one database may all run it: deleting a row twice
deletes it once.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError

from domain.clock import Clock
from domain.services.housekeeping import TABLES, prune
from domain.storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)


class Housekeeper:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        *,
        retention: timedelta,
        interval: float = 600.0,
        batch: int = 500,
        pause: float = 0.05,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._retention = retention
        self._interval = interval
        self._batch = batch
        self._pause = pause

    async def run(self) -> None:
        """Sweep every ``interval`` (the first an interval after start: a start is busy enough), until cancelled."""
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.sweep()
            except (SQLAlchemyError, OSError):
                log.exception("housekeeping failed; trying again in %.0f s", self._interval)

    async def sweep(self) -> dict[str, int]:
        """Delete every finished row older than the retention; how many went, per table."""
        cutoff = self._clock.now() - self._retention
        deleted = dict.fromkeys(TABLES, 0)
        for table in TABLES:
            while True:
                async with self._uow_factory() as uow:
                    gone = await prune(uow, table, cutoff, limit=self._batch)
                    await uow.commit()
                deleted[table] += gone
                if gone < self._batch:
                    break
                await asyncio.sleep(self._pause)  # the relay's turn
        if any(deleted.values()):
            log.info("housekeeping deleted %s", ", ".join(f"{n} {table}" for table, n in deleted.items() if n))
        return deleted
