"""Our own getUpdates loop: a batch is committed to the inbox before the next call confirms it.

python-telegram-bot's Updater confirms a batch (asks for the next offset)
before any handler ran, so a bot killed in between loses it (docs/telegram-notes.md#update-durability). Here
the application is built with ``.updater(None)`` and this loop stores each
batch and commits before it asks for the batch after; Telegram redelivers
anything not confirmed, and the inbox drops the duplicates.

The batch is fetched as raw JSON (``Bot.do_api_request`` without a return
type) and stored as it came: the runner parses each update once, when it
handles it, so nothing is parsed here only to be turned back into a dict.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot
from telegram.error import Conflict, InvalidToken, NetworkError, TimedOut
from telegram.warnings import PTBUserWarning

from bot.pipeline.inbox import OfferHook, store_updates
from domain.clock import Clock
from domain.storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

# do_api_request warns "use Bot.get_updates instead" on every call; we want the raw JSON.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.", category=PTBUserWarning)


class UpdatePoller:
    def __init__(
        self,
        bot: Bot,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        *,
        on_stored: Callable[[], object] = lambda: None,
        offer: OfferHook | None = None,
        timeout: int = 10,
        limit: int = 100,
        allowed_updates: list[str] | None = None,
        error_delays: tuple[float, ...] = (0.5, 1, 2, 5, 10),
    ) -> None:
        self._bot = bot
        self._uow_factory = uow_factory
        self._clock = clock
        self._on_stored = on_stored
        self._offer = offer
        self._timeout = timeout
        self._limit = limit
        self._allowed_updates = allowed_updates
        self._error_delays = error_delays

    async def run(self) -> None:
        """Poll until cancelled. Raises ``InvalidToken``: no retry fixes a wrong token."""
        # Not the newest stored id + 1: Telegram restarts update ids at random
        # after a quiet week (a fresh sandbox at a fixed number), so only
        # Telegram knows what it has not had confirmed; the inbox drops repeats.
        offset: int | None = None
        failures = 0
        while True:
            try:
                updates = await self._bot.do_api_request(
                    "getUpdates",
                    api_kwargs=self._parameters(offset),
                    # Bot.get_updates adds the long poll's timeout to the read timeout likewise.
                    read_timeout=2 * self._timeout + 10,
                )
            except InvalidToken:
                raise
            except TimedOut:
                continue  # a long poll the network cut short: just ask again
            except (NetworkError, Conflict) as error:
                # Conflict: another instance polls (or one just killed still did); back off, ask again.
                delay = self._error_delays[min(failures, len(self._error_delays) - 1)]
                failures += 1
                log.warning("getUpdates failed (%s); retrying in %.1f s", error, delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            if not updates:
                continue
            # Committed before the next getUpdates, whose offset confirms this batch to Telegram.
            try:
                await store_updates(self._uow_factory, self._clock, updates, offer=self._offer)
            except (SQLAlchemyError, OSError):
                # Not confirmed: the same offset asks Telegram for this batch again.
                log.exception("could not store %d updates; asking for them again", len(updates))
                await asyncio.sleep(self._error_delays[0])
                continue
            offset = updates[-1]["update_id"] + 1
            self._on_stored()

    def _parameters(self, offset: int | None) -> dict[str, Any]:
        parameters: dict[str, Any] = {"limit": self._limit, "timeout": self._timeout}
        if offset is not None:
            parameters["offset"] = offset
        if self._allowed_updates is not None:
            parameters["allowed_updates"] = self._allowed_updates
        return parameters
