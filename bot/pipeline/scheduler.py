"""Run jobs concurrently, in order per key: the update runner's scheduler.

``KeyedScheduler`` keeps one FIFO queue per key and a round-robin queue of
keys that have a job waiting and none running. Up to ``max_concurrency``
worker tasks take the next ready key, run that key's oldest job, and put the
key back at the *end* of the ready queue if more are waiting; so a key never
has two jobs running, its jobs run in submission order, and a key with a long
queue holds at most one slot while the others take turns.

Workers are started by ``submit`` and end as soon as nothing is ready, so an
idle scheduler owns no tasks, and a key's entry is deleted when its queue
empties: memory is bounded by what is queued.

Jobs are awaited inside the worker task, not wrapped in a task each (that is
what keeps the overhead low), so a context variable a job sets is seen by
the jobs that worker runs after it; our jobs set none.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable

Job = Callable[[], Awaitable[object]]
ErrorCallback = Callable[[Hashable, BaseException], object]

_LOGGER = logging.getLogger(__name__)


def _log_job_error(key: Hashable, exc: BaseException) -> None:
    _LOGGER.error("job for key %r failed", key, exc_info=exc)


class SchedulerClosed(RuntimeError):
    """Raised by ``submit`` after ``close``."""


class KeyedScheduler:
    """At most ``max_concurrency`` jobs at once, one per key, FIFO per key.

    ``on_error(key, exc)`` receives every exception a job raises (including a
    ``CancelledError`` the job raised itself); the key's later jobs still run,
    and retrying is the caller's business. It defaults to logging the error.
    """

    def __init__(self, max_concurrency: int, on_error: ErrorCallback | None = None) -> None:
        if not isinstance(max_concurrency, int) or max_concurrency < 1:
            raise ValueError(f"max_concurrency must be a positive integer, got {max_concurrency!r}")
        self._max_workers = max_concurrency
        self._on_error = on_error or _log_job_error
        # key -> jobs not yet started; a key is here exactly while it has a job
        # running or is waiting in _ready, never both.
        self._queues: dict[Hashable, deque[Job]] = {}
        self._ready: deque[Hashable] = deque()
        self._workers: set[asyncio.Task[None]] = set()  # strong refs: asyncio keeps weak ones
        self._idle = asyncio.Event()
        self._idle.set()
        self._closed = False

    @property
    def max_concurrency(self) -> int:
        return self._max_workers

    @property
    def active_keys(self) -> int:
        """Keys with a job running or waiting."""
        return len(self._queues)

    @property
    def closed(self) -> bool:
        return self._closed

    def submit(self, key: Hashable, job: Job) -> None:
        """Queue ``job`` (a coroutine function) to run after ``key``'s earlier jobs.

        Never waits. Must be called from the event loop's thread, with a
        running loop.
        """
        if self._closed:
            raise SchedulerClosed("the scheduler is closed and accepts no more jobs")
        queue = self._queues.get(key)
        if queue is not None:  # running or already ready: it will be picked up in turn
            queue.append(job)
            return
        self._queues[key] = deque((job,))
        self._ready.append(key)
        if len(self._workers) < self._max_workers:
            self._idle.clear()
            worker = asyncio.get_running_loop().create_task(self._work())
            self._workers.add(worker)

    def close(self) -> None:
        """Stop accepting jobs. Cancels nothing: jobs running or queued still
        run to the end; await ``drain()`` to wait for them."""
        self._closed = True

    async def drain(self) -> None:
        """Wait until every job submitted so far (and any submitted while
        waiting) has finished."""
        await self._idle.wait()

    async def _work(self) -> None:
        ready, queues = self._ready, self._queues
        try:
            while ready:
                key = ready.popleft()
                queue = queues[key]
                job = queue.popleft()
                try:
                    await job()
                except asyncio.CancelledError as exc:
                    if asyncio.current_task().cancelling():  # type: ignore[union-attr]
                        raise  # the worker itself is cancelled (loop shutdown): stop
                    self._report(key, exc)  # the job cancelled itself: an error of the job
                except Exception as exc:  # noqa: BLE001 - a job's failure is its caller's business
                    self._report(key, exc)
                finally:
                    if queue:
                        ready.append(key)
                    else:
                        del queues[key]
                # A job that finished without suspending would let this loop
                # hog the event loop; one yield per job keeps it fair.
                await asyncio.sleep(0)
        finally:
            self._workers.discard(asyncio.current_task())  # type: ignore[arg-type]
            if not self._workers:
                self._idle.set()

    def _report(self, key: Hashable, exc: BaseException) -> None:
        try:
            self._on_error(key, exc)
        except Exception:  # a broken callback must not stop the scheduler
            _LOGGER.exception("on_error callback failed for key %r", key)
