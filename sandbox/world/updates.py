"""A bot's queue of updates, read by getUpdates or delivered to its webhook."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from sandbox.errors import ApiError

# Telegram's default when allowed_updates is empty or was never given.
NOT_BY_DEFAULT = {"chat_member", "message_reaction", "message_reaction_count"}

# telegram-bot-api's wordings (Client.cpp) when a waiting getUpdates is cut short.
GET_UPDATES_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)
SET_WEBHOOK_CONFLICT = "Conflict: terminated by setWebhook request"


@dataclass
class WebhookState:
    url: str = ""
    secret_token: str = ""
    max_connections: int = 40
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class UpdateQueue:
    pending: list[dict[str, Any]] = field(default_factory=list)
    allowed_updates: list[str] = field(default_factory=list)
    webhook: WebhookState = field(default_factory=WebhookState)
    # Telegram's update ids start somewhere large, never at 1.
    next_update_id: int = 100_000_001
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _poll_generation: int = 0

    def is_allowed(self, kind: str) -> bool:
        if not self.allowed_updates:
            return kind not in NOT_BY_DEFAULT
        return kind in self.allowed_updates

    def push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        # allowed_updates filters what is queued from now on, as Telegram does.
        if not self.is_allowed(kind):
            return None
        update = {"update_id": self.next_update_id, kind: payload}
        self.next_update_id += 1
        self.pending.append(update)
        self._wake()
        return update

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def confirm(self, offset: int) -> None:
        """Forget updates before `offset`; a negative offset keeps only the last -offset."""
        if offset < 0:
            self.pending = self.pending[offset:]
        elif offset:
            self.pending = [update for update in self.pending if update["update_id"] >= offset]

    def drop_all(self) -> None:
        self.pending.clear()

    async def poll(self, offset: int, limit: int, timeout: float) -> list[dict[str, Any]]:
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake()  # an older long poll still waiting is answered 409, as Telegram does
        self.confirm(offset)
        deadline = time.monotonic() + timeout
        while not self.pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                break
            if generation != self._poll_generation:
                raise ApiError(409, GET_UPDATES_CONFLICT)
            if self.webhook.url:
                raise ApiError(409, SET_WEBHOOK_CONFLICT)
            self.confirm(offset)
        if generation != self._poll_generation:
            raise ApiError(409, GET_UPDATES_CONFLICT)
        return self.pending[:limit]

    async def wait_for_pending(self) -> None:
        while not self.pending:
            await self._changed.wait()

    def nudge(self) -> None:
        """Wake waiting pollers (a newer getUpdates or setWebhook supersedes them)."""
        self._wake()
