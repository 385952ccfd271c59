"""What a person's Telegram client would redraw, numbered, for long polls and WebSockets."""

from __future__ import annotations

import asyncio
import time
from typing import Any


class EventLog:
    """A person's events with `seq` 1, 2, 3...; waiters and subscribers are woken on each append."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self._changed = asyncio.Event()
        self._subscribers: set[asyncio.Queue[dict[str, Any]]] = set()

    @property
    def last_seq(self) -> int:
        return len(self.events)

    def append(self, event: dict[str, Any]) -> dict[str, Any]:
        event = {"seq": self.last_seq + 1, **event}
        self.events.append(event)
        for queue in self._subscribers:
            queue.put_nowait(event)
        # Wake every waiter at once; later waiters wait on a fresh Event.
        self._changed.set()
        self._changed = asyncio.Event()
        return event

    def after(self, seq: int) -> list[dict[str, Any]]:
        return self.events[max(seq, 0) :]  # seq n is at index n - 1

    async def wait_after(self, seq: int, timeout: float) -> list[dict[str, Any]]:
        """Events after `seq`, waiting up to `timeout` seconds for the first one."""
        deadline = time.monotonic() + timeout
        while self.last_seq <= seq:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                break
        return self.after(seq)

    def subscribe(self) -> asyncio.Queue[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any]]) -> None:
        self._subscribers.discard(queue)
