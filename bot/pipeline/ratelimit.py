"""When the sender may send to a chat without Telegram answering 429.

Telegram asks bots for about 30 messages a second overall, about one a second
per private chat (short bursts tolerated) and 20 a minute per group, topics
included (docs/telegram-notes.md#send-limits). ``SendLimiter`` enforces all three, plus the
``retry_after`` of a 429, for one chat or for everything.

Why two shapes of limit:
- groups and the overall limit are sliding windows (the last N send times):
  they promise "never more than N in any period", which is how Telegram words
  them; a token bucket with a burst of N would let 2N through in one period.
- private chats are a token bucket (3 tokens, one more per second): a burst of
  three after a quiet spell, then a steady one a second, where a window of
  "3 in 3 s" would send bursts of three every three seconds.

Network jitter: Telegram counts a send when it arrives, somewhere between
the moment it left and the moment its answer came back, and two requests can
arrive closer together than they left (a busy event loop writes one late).
So a send counts in the sliding windows from when it left until its answer
comes (``Reservation.answered``), and from then on as sent at its answer:
never earlier than Telegram saw it. Each window is also ``window_margin``
seconds longer than Telegram's (50 ms: 30 in 1.05 s is still 95 % of the
cap) for a send whose answer is still on its way.

Order and fairness: one caller per chat at a time, in arrival order (a FIFO
lock per chat), and overall slots are reserved first come first served, so
no chat waits forever while others keep sending. Limits are keyed by chat id
only, so a group's topics share its budget.

The clock and ``sleep`` are injected so tests run on fake time.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable

TimeSource = Callable[[], float]
Sleep = Callable[[float], Awaitable[object]]

_GROUP_TYPES = frozenset({"group", "supergroup", "channel"})
# Float rounding when the clock lands exactly on a refill time.
_EPSILON = 1e-9
_FIRST_SWEEP_AT = 1024


class _TokenBucket:
    """``capacity`` sends at once, then ``rate`` a second."""

    __slots__ = ("_capacity", "_rate", "_tokens", "_stamp")

    def __init__(self, capacity: float, rate: float, now: float) -> None:
        self._capacity, self._rate = capacity, rate
        self._tokens, self._stamp = capacity, now

    def _refill(self, now: float) -> None:
        if now > self._stamp:
            self._tokens = min(self._capacity, self._tokens + (now - self._stamp) * self._rate)
            self._stamp = now

    def ready_at(self, now: float) -> float:
        self._refill(now)
        if self._tokens >= 1 - _EPSILON:
            return now
        return now + (1 - self._tokens) / self._rate

    def take(self, now: float) -> None:
        self._refill(now)
        self._tokens -= 1
        return None

    def available(self, now: float) -> int:
        self._refill(now)
        return int(self._tokens + _EPSILON)

    def idle(self, now: float) -> bool:
        self._refill(now)
        return self._tokens >= self._capacity - _EPSILON


class _SlidingWindow:
    """At most ``limit`` sends in any ``period`` seconds.

    Each send is a one-item list holding when it counts: when it left, moved
    to its answer's time once that came (``Reservation.answered``), so the
    times are not in order; twice ``limit`` of them are kept, as a send
    answered late may still be in the window when later ones have left it.
    """

    __slots__ = ("_limit", "_period", "_times")

    def __init__(self, limit: int, period: float) -> None:
        self._limit, self._period = limit, period
        self._times: deque[list[float]] = deque(maxlen=2 * limit)  # older ones no longer matter

    def _live(self, now: float) -> list[float]:
        return [at for (at,) in self._times if at + self._period > now]

    def ready_at(self, now: float) -> float:
        live = self._live(now)
        if len(live) < self._limit:
            return now
        live.sort(reverse=True)
        return max(now, live[self._limit - 1] + self._period)  # when the limit-th latest leaves the window

    def take(self, at: float) -> list[float]:
        entry = [at]
        self._times.append(entry)
        return entry

    def available(self, now: float) -> int:
        return max(0, self._limit - len(self._live(now)))

    def idle(self, now: float) -> bool:
        return not self._live(now)


class Reservation:
    """One send's place in the windows; ``answered()`` once its answer came back moves it to that time."""

    __slots__ = ("_time", "_entries")

    def __init__(self, time_source: TimeSource, *entries: list[float] | None) -> None:
        self._time = time_source
        self._entries = [entry for entry in entries if entry is not None]

    def answered(self) -> None:
        now = self._time()
        for entry in self._entries:
            entry[0] = max(entry[0], now)


class _ChatState:
    __slots__ = ("limit", "lock", "callers", "blocked_until")

    def __init__(self, limit: _TokenBucket | _SlidingWindow) -> None:
        self.limit = limit
        self.lock = asyncio.Lock()  # FIFO: waiters are woken in arrival order
        self.callers = 0  # in acquire(), waiting for or holding the lock
        self.blocked_until = 0.0


class SendLimiter:
    """Waits until a message may be sent to a chat.

    ``await limiter.acquire(chat_id, chat_type)`` (or ``async with
    limiter.slot(...)``) returns when sending one message now respects every
    limit; the send counts as made at that moment. ``chat_type`` is
    Telegram's ("private", "group", "supergroup", "channel"); when ``None``,
    positive ids are private chats and negative ids groups. Channels get the
    group limit (Telegram publishes none for them).
    """

    def __init__(
        self,
        *,
        overall_per_second: int = 30,
        private_per_second: float = 1.0,
        private_burst: int = 3,
        group_per_minute: int = 20,
        window_margin: float = 0.05,
        time_source: TimeSource = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        for name, value in (
            ("overall_per_second", overall_per_second),
            ("private_per_second", private_per_second),
            ("private_burst", private_burst),
            ("group_per_minute", group_per_minute),
        ):
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ValueError(f"{name} must be positive, got {value!r}")
        if not all(isinstance(n, int) for n in (overall_per_second, group_per_minute)):
            raise ValueError("overall_per_second and group_per_minute must be whole numbers")
        if isinstance(window_margin, bool) or not isinstance(window_margin, int | float) or not window_margin >= 0:
            raise ValueError(f"window_margin must be zero or more seconds, got {window_margin!r}")
        self._window_margin = float(window_margin)
        self._private_rate = float(private_per_second)
        self._private_burst = private_burst
        self._group_per_minute = group_per_minute
        self._time = time_source
        self._sleep = sleep
        self._overall = _SlidingWindow(overall_per_second, 1.0 + self._window_margin)
        self._blocked_until = 0.0  # a global retry_after
        self._chats: dict[int, _ChatState] = {}
        self._sweep_at = _FIRST_SWEEP_AT

    @contextlib.asynccontextmanager
    async def slot(self, chat_id: int, chat_type: str | None = None) -> AsyncIterator[None]:
        """``async with`` form of :meth:`acquire`; the body is the send, answered when it ends."""
        reservation = await self.acquire(chat_id, chat_type)
        try:
            yield
        finally:
            reservation.answered()

    async def acquire(self, chat_id: int, chat_type: str | None = None) -> Reservation:
        """Wait until one message may be sent to ``chat_id`` now; call ``answered()`` on what it returns
        once Telegram's answer (or an error) came back."""
        is_private = _is_private(chat_id, chat_type)
        state = self._chat(chat_id, is_private)
        state.callers += 1
        try:
            # One caller per chat: its limit is checked and taken as one step.
            async with state.lock:
                return await self._wait_for_turn(state)
        finally:
            state.callers -= 1

    def retry_after(self, chat_id: int, seconds: float | dt.timedelta, *, global_: bool = False) -> None:
        """Telegram answered 429 with ``retry_after=seconds``: send nothing to
        ``chat_id`` (or, with ``global_``, to anyone) until then.

        Accepts a ``timedelta`` too, as python-telegram-bot's ``RetryAfter``
        may give one."""
        if isinstance(seconds, dt.timedelta):
            seconds = seconds.total_seconds()
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds < math.inf:
            raise ValueError(f"retry_after needs a non-negative number of seconds, got {seconds!r}")
        until = self._time() + seconds
        if global_:
            self._blocked_until = max(self._blocked_until, until)
            return
        state = self._chat(chat_id, _is_private(chat_id, None))
        state.blocked_until = max(state.blocked_until, until)

    def sendable_now(self, chat_id: int, chat_type: str | None = None) -> int:
        """How many messages the chat's own limit would let go at once now (ignoring the overall one)."""
        state = self._chats.get(chat_id)
        if state is None:
            return self._private_burst if _is_private(chat_id, chat_type) else self._group_per_minute
        now = self._time()
        if max(state.blocked_until, self._blocked_until) > now:
            return 0
        return max(0, state.limit.available(now) - state.callers)

    @property
    def tracked_chats(self) -> int:
        """Chats whose limits are still in effect (others are forgotten)."""
        return len(self._chats)

    async def _wait_for_turn(self, state: _ChatState) -> Reservation:
        while True:
            now = self._time()
            chat_ready = max(state.limit.ready_at(now), state.blocked_until, self._blocked_until)
            if chat_ready > now:
                await self._sleep(chat_ready - now)
                continue
            # Reserve the next overall slot now, so chats are served in the
            # order they became ready and none can be overtaken forever.
            send_at = max(self._overall.ready_at(now), self._blocked_until)
            overall = self._overall.take(send_at)
            if send_at > now:
                await self._sleep(send_at - now)
                now = self._time()
                if now < max(state.blocked_until, self._blocked_until):
                    continue  # a 429 arrived meanwhile; the reserved slot stays spent
            return Reservation(self._time, overall, state.limit.take(now))

    def _chat(self, chat_id: int, is_private: bool) -> _ChatState:
        state = self._chats.get(chat_id)
        if state is None:
            if len(self._chats) >= self._sweep_at:
                self._forget_idle_chats()
            if is_private:
                limit: _TokenBucket | _SlidingWindow = _TokenBucket(
                    self._private_burst, self._private_rate, self._time()
                )
            else:
                limit = _SlidingWindow(self._group_per_minute, 60.0 + self._window_margin)
            state = self._chats[chat_id] = _ChatState(limit)
        return state

    def _forget_idle_chats(self) -> None:
        # Amortised: sweeping only when the dict has doubled since the last
        # sweep keeps memory bounded by the chats sent to recently.
        now = self._time()
        idle = [
            chat_id
            for chat_id, state in self._chats.items()
            if not state.callers and state.blocked_until <= now and state.limit.idle(now)
        ]
        for chat_id in idle:
            del self._chats[chat_id]
        self._sweep_at = max(_FIRST_SWEEP_AT, 2 * len(self._chats))


def _is_private(chat_id: int, chat_type: str | None) -> bool:
    if isinstance(chat_id, bool) or not isinstance(chat_id, int):
        raise ValueError(f"chat_id must be an integer, got {chat_id!r}")
    if chat_type is None:
        return chat_id > 0
    if chat_type == "private":
        return True
    if chat_type in _GROUP_TYPES:
        return False
    raise ValueError(f"unknown chat type {chat_type!r}")
