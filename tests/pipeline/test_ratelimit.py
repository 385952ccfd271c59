"""SendLimiter on fake time: Telegram's limits hold and nobody waits forever."""

from __future__ import annotations

import asyncio
import bisect
import datetime as dt
import heapq
import itertools
from collections import defaultdict
from collections.abc import Coroutine
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.pipeline.ratelimit import SendLimiter

PRIVATE_A, PRIVATE_B, GROUP = 1001, 1002, -100_500


class FakeClock:
    """Virtual time: ``sleep`` parks the caller; ``run`` lets every runnable
    task run, then jumps the clock to the earliest sleeper and wakes it."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        assert seconds >= 0, f"negative sleep {seconds}"
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + seconds, next(self._order), future))
        await future

    async def run(self, *coroutines: Coroutine[Any, Any, Any]) -> list[Any]:
        tasks = [asyncio.ensure_future(c) for c in coroutines]
        loop = asyncio.get_running_loop()
        while not all(task.done() for task in tasks):
            # Let every runnable task run until all of them sleep or wait.
            # (_ready is CPython's run queue: public API has no "idle" test.)
            await asyncio.sleep(0)
            while loop._ready:  # type: ignore[attr-defined]
                await asyncio.sleep(0)
            if all(task.done() for task in tasks):
                break
            assert self._sleepers, "deadlock: tasks wait but nobody sleeps"
            when, _, future = heapq.heappop(self._sleepers)
            self.now = max(self.now, when)
            future.set_result(None)
        return [task.result() for task in tasks]


def make_limiter(clock: FakeClock, **kwargs: Any) -> SendLimiter:
    kwargs.setdefault("window_margin", 0.0)  # Telegram's exact windows, so the times below read as its limits
    return SendLimiter(time_source=clock.time, sleep=clock.sleep, **kwargs)


async def test_the_windows_leave_a_margin_for_network_jitter() -> None:
    """By default the 31st message in a row waits 1.05 s, not 1 s: arrivals can bunch up on the way."""
    clock = FakeClock()
    limiter, sends = SendLimiter(time_source=clock.time, sleep=clock.sleep), SendLog(clock)
    times = await clock.run(*(sends.send(limiter, chat_id) for chat_id in range(1, 32)))
    assert sorted(times)[-2:] == [0.0, pytest.approx(1.05)]


class SendLog:
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.times: dict[int, list[float]] = defaultdict(list)
        self.all: list[float] = []

    async def send(self, limiter: SendLimiter, chat_id: int, chat_type: str | None = None) -> float:
        async with limiter.slot(chat_id, chat_type):
            self.times[chat_id].append(self.clock.now)
            self.all.append(self.clock.now)
        return self.clock.now

    async def send_many(self, limiter: SendLimiter, chat_id: int, count: int) -> None:
        for _ in range(count):
            await self.send(limiter, chat_id)


def most_in_any_window(times: list[float], period: float) -> int:
    """The most sends in a half-open window [t, t + period)."""
    ordered = sorted(times)
    return max(
        (bisect.bisect_left(ordered, start + period - 1e-9) - i for i, start in enumerate(ordered)),
        default=0,
    )


async def test_a_hundred_sends_to_one_private_chat_take_97_seconds() -> None:
    clock = FakeClock()
    limiter, log = make_limiter(clock), SendLog(clock)

    await clock.run(log.send_many(limiter, PRIVATE_A, 100))

    assert 97 - 1e-6 <= clock.now <= 98
    assert log.times[PRIVATE_A][:3] == [0.0, 0.0, 0.0]  # the burst
    assert most_in_any_window(log.times[PRIVATE_A], 10) <= 3 + 10


async def test_sixty_sends_to_one_group_take_two_minutes() -> None:
    clock = FakeClock()
    limiter, log = make_limiter(clock), SendLog(clock)

    await clock.run(log.send_many(limiter, GROUP, 60))

    assert 120 <= clock.now <= 121
    assert most_in_any_window(log.times[GROUP], 60) == 20


async def test_three_hundred_private_chats_are_held_to_thirty_a_second() -> None:
    clock = FakeClock()
    limiter, log = make_limiter(clock), SendLog(clock)

    await clock.run(*(log.send(limiter, chat_id, "private") for chat_id in range(1, 301)))

    assert len(log.all) == 300
    assert 9 <= clock.now <= 10
    assert most_in_any_window(log.all, 1.0) == 30


async def test_topics_and_supergroups_share_the_chat_budget() -> None:
    clock = FakeClock()
    limiter, log = make_limiter(clock), SendLog(clock)

    await clock.run(*(log.send(limiter, GROUP, "supergroup") for _ in range(21)))

    assert clock.now == 60


async def test_retry_after_blocks_only_that_chat() -> None:
    clock = FakeClock()
    limiter, log = make_limiter(clock), SendLog(clock)
    limiter.retry_after(PRIVATE_A, 30)

    blocked, free = await clock.run(log.send(limiter, PRIVATE_A), log.send(limiter, PRIVATE_B))

    assert free == 0
    assert blocked == 30


async def test_retry_after_accepts_a_timedelta() -> None:
    clock = FakeClock()
    limiter, log = make_limiter(clock), SendLog(clock)
    limiter.retry_after(GROUP, dt.timedelta(seconds=12))

    assert await clock.run(log.send(limiter, GROUP)) == [12]


async def test_global_retry_after_blocks_everyone() -> None:
    clock = FakeClock()
    limiter, log = make_limiter(clock), SendLog(clock)
    limiter.retry_after(PRIVATE_A, 5, global_=True)

    chats = (PRIVATE_A, PRIVATE_B, GROUP)
    times = await clock.run(*(log.send(limiter, chat_id) for chat_id in chats))

    assert times == [5, 5, 5]


async def test_a_429_arriving_while_waiting_for_an_overall_slot_is_obeyed() -> None:
    clock = FakeClock()
    limiter, log = make_limiter(clock), SendLog(clock)

    async def scenario() -> list[float]:
        flood = [asyncio.ensure_future(log.send(limiter, chat_id)) for chat_id in range(1, 31)]
        late = asyncio.ensure_future(log.send(limiter, PRIVATE_A))  # must wait for the next second
        await asyncio.sleep(0)
        limiter.retry_after(PRIVATE_A, 10)
        return await asyncio.gather(late, *flood)

    late, *_ = (await clock.run(scenario()))[0]

    assert late >= 10


async def test_a_quiet_chat_is_not_overtaken_forever_by_a_flood() -> None:
    clock = FakeClock()
    limiter, log = make_limiter(clock), SendLog(clock)
    flood = [log.send_many(limiter, chat_id, 20) for chat_id in range(1, 101)]  # 2000 sends

    async def quiet_after_a_while() -> float:
        await clock.sleep(5)
        return await log.send(limiter, -1)

    *_, quiet = await clock.run(*flood, quiet_after_a_while())

    # 100 chats were already queued for the overall limit; the quiet one
    # waits its turn (a few seconds), not until the flood is over (~66 s).
    assert quiet <= 5 + 100 / 30 + 1
    assert most_in_any_window(log.all, 1.0) <= 30


async def test_one_chat_serves_callers_in_arrival_order() -> None:
    clock = FakeClock()
    limiter = make_limiter(clock)
    order: list[int] = []

    async def send(n: int) -> None:
        async with limiter.slot(GROUP):
            order.append(n)

    await clock.run(*(send(n) for n in range(45)))

    assert order == list(range(45))
    assert clock.now == 120


async def test_the_private_burst_refills_to_three_and_no_more() -> None:
    clock = FakeClock()
    limiter, log = make_limiter(clock), SendLog(clock)

    async def burst_rest_burst() -> None:
        await asyncio.gather(*(log.send(limiter, PRIVATE_A) for _ in range(3)))
        await clock.sleep(60)
        await asyncio.gather(*(log.send(limiter, PRIVATE_A) for _ in range(5)))

    await clock.run(burst_rest_burst())

    assert log.times[PRIVATE_A] == [0, 0, 0, 60, 60, 60, 61, 62]


async def test_a_chat_kept_waiting_by_the_overall_limit_keeps_its_own_limit() -> None:
    clock = FakeClock()
    limiter, log = make_limiter(clock), SendLog(clock)
    # 600 sends from 60 chats: 20 s of traffic at the overall limit
    flood = [log.send_many(limiter, chat_id, 10) for chat_id in range(1, 61)]
    group = [log.send(limiter, GROUP) for _ in range(30)]

    await clock.run(*flood, *group)

    assert most_in_any_window(log.times[GROUP], 60) == 20
    assert most_in_any_window(log.all, 1.0) <= 30


sends = st.lists(
    st.tuples(
        st.sampled_from([PRIVATE_A, PRIVATE_B, 7, GROUP, -200]),
        st.floats(min_value=0, max_value=20),
    ),
    max_size=120,
)


retries = st.none() | st.tuples(st.sampled_from([PRIVATE_A, GROUP, 0]), st.floats(0, 30))


@settings(max_examples=30, deadline=None)
@given(sends=sends, retry=retries)
def test_limits_hold_for_any_arrivals(sends: list[tuple[int, float]], retry: tuple[int, float] | None) -> None:
    clock = FakeClock()
    limiter, log = make_limiter(clock), SendLog(clock)
    blocked_until: dict[int, float] = {}
    if retry:
        chat_id, seconds = retry
        limiter.retry_after(chat_id, seconds, global_=chat_id == 0)
        blocked_until[chat_id] = seconds

    async def send_later(chat_id: int, delay: float) -> None:
        await clock.sleep(delay)
        await log.send(limiter, chat_id)

    asyncio.run(clock.run(*(send_later(chat_id, delay) for chat_id, delay in sends)))

    assert len(log.all) == len(sends)
    assert most_in_any_window(log.all, 1.0) <= 30
    for chat_id, times in log.times.items():
        if chat_id > 0:  # at most the burst plus one a second, in any stretch
            for period in (1, 3, 10):  # tokens gained in [t, t + period) < period
                assert most_in_any_window(times, period) <= 3 + period - 1
        else:
            assert most_in_any_window(times, 60.0) <= 20
        earliest = max(blocked_until.get(chat_id, 0.0), blocked_until.get(0, 0.0))
        assert min(times) >= earliest - 1e-9


async def test_chats_whose_limits_expired_are_forgotten() -> None:
    clock = FakeClock()
    limiter, log = make_limiter(clock, overall_per_second=10_000), SendLog(clock)

    await clock.run(*(log.send(limiter, chat_id) for chat_id in range(1, 3001)))
    clock.now += 120
    await clock.run(*(log.send(limiter, chat_id) for chat_id in range(5001, 6101)))

    assert limiter.tracked_chats < 3000


@pytest.mark.parametrize(
    ("chat_id", "chat_type"),
    [(1, "secret"), ("1", "private"), (True, None)],
)
async def test_bad_chat_arguments_are_value_errors(chat_id: Any, chat_type: Any) -> None:
    with pytest.raises(ValueError, match="chat"):
        await SendLimiter().acquire(chat_id, chat_type)


@pytest.mark.parametrize("seconds", [-1, "5", None, float("nan"), float("inf")])
def test_bad_retry_after_is_a_value_error(seconds: Any) -> None:
    with pytest.raises(ValueError, match="retry_after"):
        SendLimiter().retry_after(PRIVATE_A, seconds)


@pytest.mark.parametrize("limits", [{"group_per_minute": 0}, {"private_per_second": -1}, {"overall_per_second": 2.5}])
def test_limits_must_be_positive_numbers(limits: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="per_"):
        SendLimiter(**limits)


async def test_real_clock_lets_a_burst_through_at_once() -> None:
    limiter = SendLimiter()
    loop = asyncio.get_running_loop()
    start = loop.time()

    for _ in range(3):
        await limiter.acquire(PRIVATE_A, "private")

    assert loop.time() - start < 0.5


async def test_how_many_a_chat_may_send_at_once_falls_as_it_sends_and_comes_back() -> None:
    clock = FakeClock()
    limiter = make_limiter(clock, private_burst=3, private_per_second=1.0, group_per_minute=20)
    assert (limiter.sendable_now(PRIVATE_A), limiter.sendable_now(GROUP)) == (3, 20)  # nothing sent yet
    await clock.run(*(limiter.acquire(PRIVATE_A) for _ in range(2)), *(limiter.acquire(GROUP) for _ in range(19)))
    assert (limiter.sendable_now(PRIVATE_A), limiter.sendable_now(GROUP)) == (1, 1)
    await clock.run(limiter.acquire(GROUP))
    assert limiter.sendable_now(GROUP) == 0
    clock.now += 60
    assert (limiter.sendable_now(PRIVATE_A), limiter.sendable_now(GROUP)) == (3, 20)
    limiter.retry_after(GROUP, 5)  # Telegram said wait
    assert limiter.sendable_now(GROUP) == 0


async def test_a_send_counts_in_the_window_until_its_answer_came_back() -> None:
    """Telegram may have counted a send any time before its answer came: the window runs from the answer."""
    clock = FakeClock()
    limiter = make_limiter(clock, overall_per_second=2)
    first, second = await limiter.acquire(PRIVATE_A), await limiter.acquire(PRIVATE_B)  # both leave at 0
    clock.now = 0.5
    first.answered()
    second.answered()
    await clock.run(limiter.acquire(1003))
    assert clock.now == pytest.approx(1.5)  # not 1.0: either may have arrived as late as 0.5


async def test_an_answer_back_at_once_leaves_the_window_as_it_was() -> None:
    clock = FakeClock()
    limiter = make_limiter(clock, overall_per_second=2)
    for chat_id in (PRIVATE_A, PRIVATE_B):
        (await limiter.acquire(chat_id)).answered()
    await clock.run(limiter.acquire(1003))
    assert clock.now == pytest.approx(1.0)
