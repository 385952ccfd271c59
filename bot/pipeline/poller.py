"""Our own getUpdates loop: a batch is committed to the inbox before the next call confirms it.

python-telegram-bot's Updater confirms a batch (asks for the next offset)
before any handler ran, so a bot killed in between loses it (NOTES.md). Here
the application is built with ``.updater(None)`` and this loop stores each
batch and commits before it asks for the batch after; Telegram redelivers
anything not confirmed, and the inbox drops the duplicates.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TimedOut

from bot.pipeline.inbox import store_updates
from domain.clock import Clock
from domain.storage.repositories.pipeline import InboxRepository
from domain.storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)


class UpdatePoller:
    def __init__(
        self,
        bot: Bot,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        *,
        on_stored: Callable[[], object] = lambda: None,
        timeout: int = 10,
        limit: int = 100,
        allowed_updates: list[str] | None = None,
        error_delays: tuple[float, ...] = (0.5, 1, 2, 5, 10),
    ) -> None:
        self._bot = bot
        self._uow_factory = uow_factory
        self._clock = clock
        self._on_stored = on_stored
        self._timeout = timeout
        self._limit = limit
        self._allowed_updates = allowed_updates
        self._error_delays = error_delays

    async def run(self) -> None:
        """Poll until cancelled. Raises ``InvalidToken``: no retry fixes a wrong token."""
        offset = await self._first_offset()
        failures = 0
        while True:
            try:
                updates = await self._bot.get_updates(
                    offset=offset,
                    limit=self._limit,
                    timeout=self._timeout,
                    allowed_updates=self._allowed_updates,
                    read_timeout=self._timeout + 10,
                )
            except InvalidToken:
                raise
            except TimedOut:
                continue  # a long poll the network cut short: just ask again
            except NetworkError as error:
                delay = self._error_delays[min(failures, len(self._error_delays) - 1)]
                failures += 1
                log.warning("getUpdates failed (%s); retrying in %.1f s", error, delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            if not updates:
                continue
            # Committed before the next getUpdates, whose offset confirms this batch to Telegram.
            await store_updates(self._uow_factory, self._clock, [update.to_dict() for update in updates])
            offset = updates[-1].update_id + 1
            self._on_stored()

    async def _first_offset(self) -> int | None:
        # Everything up to the newest stored update is safe here; asking from
        # there confirms it. With an empty inbox Telegram starts at the oldest
        # update it still keeps.
        async with self._uow_factory() as uow:
            highest = await InboxRepository(uow.session).highest_update_id()
        return None if highest is None else highest + 1
