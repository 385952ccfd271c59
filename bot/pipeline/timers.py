"""Fires due deadlines (the ``deadlines`` table) exactly once, including those that fell due while the bot was down.

Timers live in the database, not in python-telegram-bot's in-memory
JobQueue, so a restart loses none (docs/telegram-notes.md#timers). Each due deadline is claimed
with a conditional UPDATE (``DeadlineRepository.claim``) in the same
transaction as its handler's effects; if two sweepers race, one wins.

The sweeper reads only the kinds it has a handler for, and a sweep goes on
batch after batch until nothing of them is due, so a backlog (after a
restart, or a jump of the clock) fires within one sweep. A handler that
fails is rolled back with its claim; the failure is then counted in a
transaction of its own (attempts, last error, when to try next: a pause that
doubles each time), so the failing deadline steps out of the way of the
others. After ``max_attempts`` it is parked for an operator
(``aftersales deadlines``, ``aftersales deadlines retry``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError

from domain.clock import Clock
from domain.enums import DeadlineKind
from domain.models import Deadline
from domain.storage.conflicts import CONFLICT_RETRIES, is_conflict
from domain.storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

DeadlineHandler = Callable[[UnitOfWork, Deadline], Awaitable[object]]

DEFAULT_MAX_ATTEMPTS = 5
# After the first failure a deadline waits a minute, then 2, 4, 8... at most half an hour:
# with 5 tries, one that always fails is parked about a quarter of an hour after it fell due.
FIRST_RETRY_DELAY = timedelta(minutes=1)
MAX_RETRY_DELAY = timedelta(minutes=30)
# A lost compare-and-set is not the handler's fault: fired again at once (CONFLICT_RETRIES times),
# then counted as a try like any failure, with a short pause (fresh data will likely do).
CONFLICT_RETRY_DELAY = timedelta(seconds=1)


def retry_delay(attempts: int, *, first: timedelta = FIRST_RETRY_DELAY, cap: timedelta = MAX_RETRY_DELAY) -> timedelta:
    """The pause after the `attempts`-th failed try (1 for the first): doubling, capped."""
    return min(first * 2 ** min(attempts - 1, 32), cap)


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
        max_batches: int = 50,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        first_retry_delay: timedelta = FIRST_RETRY_DELAY,
        max_retry_delay: timedelta = MAX_RETRY_DELAY,
    ) -> None:
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {max_attempts}")
        self._uow_factory = uow_factory
        self._clock = clock
        self._handlers = dict(handlers)
        self._poll_interval = poll_interval
        self._on_committed = on_committed
        self._batch = batch
        self._max_batches = max_batches
        self._max_attempts = max_attempts
        self._first_retry_delay = first_retry_delay
        self._max_retry_delay = max_retry_delay
        self._woken = asyncio.Event()
        self._more_due = False  # the last sweep stopped at max_batches with a full batch

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
            if self._more_due:
                await asyncio.sleep(0)  # a backlog beyond max_batches: on at once, letting others run
                continue
            try:
                async with asyncio.timeout(self._poll_interval):
                    await self._woken.wait()
            except TimeoutError:
                pass
            self._woken.clear()

    async def sweep(self) -> int:
        """Fire every deadline of the handled kinds due now; returns how many this sweeper fired.

        Batch after batch until none is due: each deadline of a batch leaves
        the due set (fired, pausing after a failure, parked, or taken by
        another sweeper), so this ends; ``max_batches`` bounds a handler that
        keeps scheduling deadlines due at once, and ``run`` goes on at once
        (other tasks get their turn in between).
        """
        fired = 0
        self._more_due = False
        for _ in range(self._max_batches):
            async with self._uow_factory.reading() as uow:
                due = await uow.deadlines.due(self._clock.now(), kinds=self._handlers.keys(), limit=self._batch)
            if not due:
                break
            fired_now = 0
            for deadline in due:
                fired_now += await self._fire(deadline)
            if fired_now:
                self._on_committed()  # what this batch queued goes out while the next one fires
            fired += fired_now
        else:
            # A full last batch may have left more: `run` sweeps again at once, not at the next poll.
            self._more_due = len(due) == self._batch
            if self._more_due:
                log.info("timer sweep stopped after %d batches; sweeping on", self._max_batches)
        return fired

    async def _fire(self, deadline: Deadline) -> bool:
        handler = self._handlers[deadline.kind]
        for race in range(CONFLICT_RETRIES + 1):
            async with self._uow_factory() as uow:
                if not await uow.deadlines.claim(deadline.id, at=self._clock.now()):
                    return False  # fired, cancelled, parked or pushed back meanwhile
                try:
                    await handler(uow, deadline)
                    await uow.commit()
                    return True
                except Exception as error:  # noqa: BLE001 - any failure: rolled back with its claim, counted below
                    failure = error
            # A lost race is no failed try: again at once on fresh data, a few times (the runner does the same).
            if not is_conflict(failure) or race == CONFLICT_RETRIES:
                break
            log.info("deadline %s (%s) lost a race; firing it again: %s", deadline.id, deadline.kind, failure)
        # Leaving the block rolled the try back; the count must outlive it, so it gets its own transaction.
        await self._record_failure(deadline, failure)
        return False

    async def _record_failure(self, deadline: Deadline, error: Exception) -> None:
        now = self._clock.now()
        attempts = deadline.attempts + 1
        park = attempts >= self._max_attempts
        if is_conflict(error):
            pause = CONFLICT_RETRY_DELAY
        else:
            pause = retry_delay(attempts, first=self._first_retry_delay, cap=self._max_retry_delay)
        description = _describe(error)
        async with self._uow_factory() as uow:
            counted = await uow.deadlines.record_failure(
                deadline.id,
                description,
                attempts_before=deadline.attempts,
                retry_at=now + pause,
                parked_at=now if park else None,
            )
            await uow.commit()
        if not counted:
            return  # another sweeper counted this try, or the deadline was cancelled meanwhile
        if park:
            log.error(
                "deadline %s (%s of %s %s) parked after %d attempts: %s; `aftersales deadlines retry %s` tries again",
                deadline.id,
                deadline.kind,
                deadline.subject_type,
                deadline.subject_id,
                attempts,
                description,
                deadline.id,
                exc_info=error,
            )
        else:
            log.warning(
                "deadline %s (%s) failed (attempt %d of %d), next try in %s: %s",
                deadline.id,
                deadline.kind,
                attempts,
                self._max_attempts,
                pause,
                description,
            )


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]
