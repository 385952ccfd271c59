"""KeyedScheduler: order per key, the concurrency bound, no starvation, errors."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Hashable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.pipeline.scheduler import KeyedScheduler, SchedulerClosed


class Recorder:
    """Jobs that log start and end and count how many run, overall and per key."""

    def __init__(self) -> None:
        self.running = 0
        self.max_running = 0
        self.running_per_key: dict[Hashable, int] = defaultdict(int)
        self.max_running_per_key = 0
        self.finished: list[tuple[Hashable, int]] = []

    def job(self, key: Hashable, seq: int, delay: float = 0.0):
        async def run() -> None:
            self.running += 1
            self.running_per_key[key] += 1
            self.max_running = max(self.max_running, self.running)
            self.max_running_per_key = max(self.max_running_per_key, self.running_per_key[key])
            try:
                await asyncio.sleep(delay)
            finally:
                self.running -= 1
                self.running_per_key[key] -= 1
                self.finished.append((key, seq))

        return run

    def order_of(self, key: Hashable) -> list[int]:
        return [seq for k, seq in self.finished if k == key]


jobs_strategy = st.lists(
    st.tuples(st.integers(min_value=0, max_value=5), st.integers(min_value=0, max_value=2)),
    min_size=1,
    max_size=60,
)


@settings(max_examples=40, deadline=None)
@given(jobs=jobs_strategy, concurrency=st.integers(min_value=1, max_value=4))
def test_random_interleavings_keep_order_and_bounds(jobs: list[tuple[int, int]], concurrency: int) -> None:
    recorder = Recorder()

    async def scenario() -> None:
        scheduler = KeyedScheduler(concurrency)
        for seq, (key, delay_ms) in enumerate(jobs):
            scheduler.submit(key, recorder.job(key, seq, delay_ms / 1000))
            if seq % 7 == 3:  # submit some while others run
                await asyncio.sleep(0.001)
        await scheduler.drain()
        assert scheduler.active_keys == 0

    asyncio.run(scenario())

    assert len(recorder.finished) == len(jobs)
    for key in {key for key, _ in jobs}:
        submitted = [seq for seq, (k, _) in enumerate(jobs) if k == key]
        assert recorder.order_of(key) == submitted
    assert recorder.max_running_per_key == 1
    assert recorder.max_running <= concurrency


async def test_runs_up_to_the_bound_and_never_more() -> None:
    recorder = Recorder()
    scheduler = KeyedScheduler(5)

    for key in range(20):
        scheduler.submit(key, recorder.job(key, 0, 0.002))
    await scheduler.drain()

    assert recorder.max_running == 5
    assert len(recorder.finished) == 20


async def test_one_key_never_runs_two_jobs_at_once() -> None:
    recorder = Recorder()
    scheduler = KeyedScheduler(8)

    for seq in range(30):
        scheduler.submit("chat", recorder.job("chat", seq, 0.001))
    await scheduler.drain()

    assert recorder.max_running_per_key == 1
    assert recorder.order_of("chat") == list(range(30))


@pytest.mark.parametrize("concurrency", [1, 2, 4])
async def test_a_busy_key_does_not_starve_the_others(concurrency: int) -> None:
    recorder = Recorder()
    scheduler = KeyedScheduler(concurrency)

    for seq in range(100):
        scheduler.submit("busy", recorder.job("busy", seq, 0.002))
    for key in range(10):
        scheduler.submit(key, recorder.job(key, 0, 0.002))
    await scheduler.drain()

    last_quick = max(i for i, (key, _) in enumerate(recorder.finished) if key != "busy")
    busy_done_before = sum(1 for key, _ in recorder.finished[:last_quick] if key == "busy")
    # "busy" takes its turn like any key (holding one slot at most), so the
    # ten quick keys are all done while it is about a tenth of the way.
    assert busy_done_before <= 11
    assert recorder.order_of("busy") == list(range(100))


async def test_errors_are_reported_and_later_jobs_of_the_key_still_run() -> None:
    errors: list[tuple[Hashable, BaseException]] = []
    ran: list[str] = []
    scheduler = KeyedScheduler(2, on_error=lambda key, exc: errors.append((key, exc)))

    async def fail() -> None:
        raise LookupError("no such order")

    async def cancel_itself() -> None:
        raise asyncio.CancelledError

    async def record(name: str) -> None:
        ran.append(name)

    scheduler.submit("k", fail)
    scheduler.submit("k", lambda: record("after error"))
    scheduler.submit("k", cancel_itself)
    scheduler.submit("k", lambda: record("after cancel"))
    await scheduler.drain()

    assert [(key, type(exc)) for key, exc in errors] == [
        ("k", LookupError),
        ("k", asyncio.CancelledError),
    ]
    assert ran == ["after error", "after cancel"]


async def test_errors_are_logged_by_default_and_a_failing_callback_stops_nothing(caplog) -> None:
    async def fail() -> None:
        raise ValueError("boom")

    def broken_callback(key: Hashable, exc: BaseException) -> None:
        raise RuntimeError("callback bug")

    ran: list[int] = []

    async def record() -> None:
        ran.append(1)

    caplog.set_level(logging.ERROR)
    logging_scheduler = KeyedScheduler(1)
    logging_scheduler.submit("a", fail)
    broken_scheduler = KeyedScheduler(1, on_error=broken_callback)
    broken_scheduler.submit("b", fail)
    broken_scheduler.submit("b", record)
    await logging_scheduler.drain()
    await broken_scheduler.drain()

    assert "job for key 'a' failed" in caplog.text
    assert "on_error callback failed for key 'b'" in caplog.text
    assert ran == [1]


async def test_drain_waits_for_jobs_submitted_while_draining() -> None:
    recorder = Recorder()
    scheduler = KeyedScheduler(3)

    async def submit_more() -> None:
        scheduler.submit("late", recorder.job("late", 1, 0.002))

    scheduler.submit("early", recorder.job("early", 0, 0.002))
    scheduler.submit("early", submit_more)
    await scheduler.drain()

    assert [key for key, _ in recorder.finished] == ["early", "late"]
    assert scheduler.active_keys == 0


async def test_drain_returns_at_once_when_idle() -> None:
    await asyncio.wait_for(KeyedScheduler(1).drain(), timeout=1)


async def test_close_refuses_new_jobs_but_finishes_queued_ones() -> None:
    recorder = Recorder()
    scheduler = KeyedScheduler(1)
    for seq in range(3):
        scheduler.submit("k", recorder.job("k", seq, 0.001))

    scheduler.close()
    with pytest.raises(SchedulerClosed):
        scheduler.submit("k", recorder.job("k", 99))
    await scheduler.drain()

    assert recorder.order_of("k") == [0, 1, 2]


async def test_jobs_that_never_suspend_do_not_hog_the_loop() -> None:
    scheduler = KeyedScheduler(1)
    ticks = 0
    done = 0

    async def instant() -> None:
        nonlocal done
        done += 1

    async def ticker() -> None:
        nonlocal ticks
        while done < 1000:
            ticks += 1
            await asyncio.sleep(0)

    for i in range(1000):
        scheduler.submit(i, instant)
    await asyncio.gather(scheduler.drain(), ticker())

    assert ticks > 100


async def test_finished_keys_are_forgotten() -> None:
    scheduler = KeyedScheduler(4)

    async def nothing() -> None:
        pass

    for key in range(500):
        scheduler.submit(key, nothing)
    assert scheduler.active_keys == 500
    await scheduler.drain()

    assert scheduler.active_keys == 0


@pytest.mark.parametrize("bad", [0, -1, 1.5, None])
def test_max_concurrency_must_be_a_positive_integer(bad: object) -> None:
    with pytest.raises(ValueError, match="max_concurrency"):
        KeyedScheduler(bad)  # type: ignore[arg-type]
