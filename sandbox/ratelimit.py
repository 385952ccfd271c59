"""Telegram's flood limits, in the optional rate-limit mode.

Telegram publishes no exact numbers (see shared NOTES): about 30 messages a
second overall, about one a second per private chat with short bursts
tolerated, and 20 a minute per group. Past them it answers 429 with
`retry_after`.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from sandbox.errors import ApiError
from sandbox.world import Chat

OVERALL_PER_SECOND = 30
PRIVATE_BURST = 3  # messages tolerated at once before the 1/s pace applies
PRIVATE_PER_SECOND = 1.0
GROUP_PER_MINUTE = 20


class _Window:
    """At most `limit` events in any `span` seconds."""

    def __init__(self, limit: int, span: float) -> None:
        self.limit, self.span = limit, span
        self.times: deque[float] = deque()

    def wait_needed(self, now: float, count: int) -> float:
        while self.times and now - self.times[0] >= self.span:
            self.times.popleft()
        excess = len(self.times) + count - self.limit
        if excess <= 0:
            return 0.0
        if excess > len(self.times):
            return self.span  # more at once than the window ever allows
        return self.times[excess - 1] + self.span - now

    def add(self, now: float, count: int) -> None:
        self.times.extend([now] * count)


class _Bucket:
    """A token bucket: `burst` at once, refilled at `rate` per second."""

    def __init__(self, burst: int, rate: float, now: float) -> None:
        self.burst, self.rate = burst, rate
        self.tokens, self.updated = float(burst), now

    def wait_needed(self, now: float, count: int) -> float:
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        needed = min(count, self.burst)  # an album larger than the burst still goes, alone
        return 0.0 if self.tokens >= needed else (needed - self.tokens) / self.rate

    def add(self, now: float, count: int) -> None:
        self.tokens -= count


class RateLimiter:
    def __init__(self, enabled: bool, clock: Callable[[], float] = time.monotonic) -> None:
        self.enabled = enabled
        self._clock = clock
        self._overall: dict[int, _Window] = {}
        self._groups: dict[tuple[int, int], _Window] = {}
        self._private: dict[tuple[int, int], _Bucket] = {}

    def check(self, bot_id: int, chat: Chat, count: int = 1) -> None:
        """Count `count` messages (an album is several) from `bot_id` into `chat`, or refuse them with 429."""
        if not self.enabled:
            return
        now = self._clock()
        limits = [self._overall.setdefault(bot_id, _Window(OVERALL_PER_SECOND, 1.0))]
        if chat.kind == "private":
            key = (bot_id, chat.person_id)
            limits.append(self._private.setdefault(key, _Bucket(PRIVATE_BURST, PRIVATE_PER_SECOND, now)))
        else:
            limits.append(self._groups.setdefault((bot_id, chat.group_id), _Window(GROUP_PER_MINUTE, 60.0)))
        wait = max(limit.wait_needed(now, count) for limit in limits)
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})
        for limit in limits:
            limit.add(now, count)
