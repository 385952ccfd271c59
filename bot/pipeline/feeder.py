"""The loop the runner and the sender share: feed a KeyedScheduler from a table.

Rows are looked up when someone calls `wake()` after a commit, and every
`poll_interval` anyway (another process, an operator's requeue, a dependency
now sent). `_in_flight` holds the ids handed out and not finished, so a row is
never handed out twice; `_window` keeps a few batches of work ahead.

A finished row looks again only when that can find something a wake would
not announce: rows left behind by a full window (looked for once half the
window is free, so a backlog is read in chunks, not one query per row), or
rows held until another row finishes (``_held``).
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.exc import SQLAlchemyError

from bot.pipeline.scheduler import KeyedScheduler

log = logging.getLogger(__name__)


class TableFeeder:
    def __init__(self, max_concurrency: int, poll_interval: float) -> None:
        self._scheduler = KeyedScheduler(max_concurrency)
        self._poll_interval = poll_interval
        self._in_flight: set[int] = set()
        self._window = max(4 * max_concurrency, 32)
        self._wake = asyncio.Event()
        # Set by _submit: rows beyond the window, and rows waiting for others to finish.
        self._left_behind = True
        self._held = False
        self._submitting = False

    def wake(self) -> None:
        """Rows were committed: look now rather than at the next interval."""
        self._wake.set()

    async def run(self) -> None:
        """Feed the scheduler until cancelled; on cancel, what was handed out still finishes."""
        try:
            while True:
                self._wake.clear()
                self._submitting = True
                try:
                    await self._submit()
                except (SQLAlchemyError, OSError):
                    log.exception("could not read the database; trying again shortly")
                finally:
                    self._submitting = False
                try:
                    # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a
                    # cancel that lands as the event is set, and this loop never ends.
                    async with asyncio.timeout(self._poll_interval):
                        await self._wake.wait()
                except TimeoutError:
                    # The interval's look is a wake like any: what another process, the command line or
                    # an operator committed is told by no one (the sender then reads, not its offers).
                    self.wake()
        finally:
            self._scheduler.close()

    async def drain(self) -> None:
        await self._scheduler.drain()

    def _finished(self, row_id: int) -> None:
        self._in_flight.discard(row_id)
        # During a look the flags are the last look's: a job ending then may be what a held row
        # waits for, so look again at once rather than at the next poll.
        if self._submitting or self._held or (self._left_behind and len(self._in_flight) <= self._window // 2):
            self._wake.set()

    def _room(self) -> int:
        """How many more rows may be handed out now (a full window is noted as rows left behind)."""
        room = self._window - len(self._in_flight)
        self._left_behind = room <= 0
        return room

    async def _submit(self) -> None:
        raise NotImplementedError
