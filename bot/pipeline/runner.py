"""Handles stored updates: one transaction per update, in order per conversation.

The runner reads pending updates from the inbox in update_id order and hands
each to ``Application.process_update`` through a ``KeyedScheduler`` keyed by
the update's conversation (stored by the poller), so one conversation's
updates run one at a time and in order while others run alongside.

Each try opens a unit of work, publishes it to the handlers
(``context.uow``, ``context.outbox``), and commits once, together with
marking the update done. ``process_update`` hands a handler's exception to
the error handlers instead of raising it, so the runner registers one that
notes the failure on the current attempt; a failed try is rolled back and
retried after a delay, holding the conversation's turn so later updates of
that conversation wait; after the last try the update is parked for an
operator (``aftersales inbox``) and the conversation moves on.

Payloads the poller (or webhook) just stored are handed over in memory
(``offer``), so the runner reads only the pending rows' keys and loads a
payload from the table only when it was not handed over (after a restart, a
retry requested by an operator, another process's intake).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop

from bot.pipeline.outbox import Outbox, UpdateAttempt, current_attempt, enter_attempt, leave_attempt
from bot.pipeline.feeder import TableFeeder
from domain.clock import Clock
from domain.storage.repositories.pipeline import InboxRepository
from domain.storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)
# Called after a try was rolled back, before the retry: (application, uow factory, update).
RollbackHook = Callable[[Application, UnitOfWorkFactory, Update], Awaitable[None]]

DEFAULT_RETRY_DELAYS = (0.5, 2.0, 8.0)
# Payloads kept from intake for a backlog this long (a burst of 1,000 must fit; ~2 KB each).
FRESH_LIMIT = 5000


class UpdateRunner(TableFeeder):
    def __init__(
        self,
        application: Application,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        *,
        max_concurrency: int,
        retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS,
        poll_interval: float = 1.0,
        on_committed: Callable[[], object] = lambda: None,
        on_rollback: RollbackHook | None = None,
    ) -> None:
        self._application = application
        self._on_rollback = on_rollback
        self._uow_factory = uow_factory
        self._clock = clock
        self._retry_delays = retry_delays
        self._max_attempts = len(retry_delays) + 1
        self._on_committed = on_committed
        self._fresh: dict[int, tuple[datetime, dict[str, Any]]] = {}
        super().__init__(max_concurrency, poll_interval)
        application.add_error_handler(_note_failure)

    def offer(self, fresh: dict[int, tuple[datetime, dict[str, Any]]]) -> None:
        """Updates about to be committed to the inbox (``store_updates``' ``offer``): keep their payloads."""
        if len(self._fresh) + len(fresh) > FRESH_LIMIT:
            self._fresh.clear()  # never taken (a failed commit, another runner): read back if needed
        self._fresh.update(fresh)

    async def _submit(self) -> None:
        room = self._room()
        if room <= 0:
            return
        async with self._uow_factory.reading() as uow:
            inbox = InboxRepository(uow.session)
            rows = await inbox.pending_keys(excluding=self._in_flight, limit=room)
            self._left_behind = len(rows) >= room
            payloads: dict[int, dict[str, Any]] = {}
            for update_id, _, _, received_at in rows:
                offered = self._fresh.pop(update_id, None)
                if offered is not None and offered[0] == received_at:  # not an older update under a reused id
                    payloads[update_id] = offered[1]
            if len(payloads) < len(rows):
                payloads.update(await inbox.payloads([row[0] for row in rows if row[0] not in payloads]))
        for update_id, conversation_key, attempts, _ in rows:
            payload = payloads.get(update_id)
            if payload is None:
                continue  # gone meanwhile (an operator's cleanup): nothing to handle
            self._in_flight.add(update_id)
            self._scheduler.submit(conversation_key, self._job(update_id, payload, attempts))

    def _job(self, update_id: int, payload: dict[str, Any], attempts: int) -> Callable[[], Any]:
        async def job() -> None:
            try:
                await self._handle(update_id, payload, attempts)
            finally:
                self._finished(update_id)

        return job

    async def _handle(self, update_id: int, payload: dict[str, Any], attempts: int) -> None:
        while True:
            final = attempts + 1 >= self._max_attempts
            error = await self._try(update_id, payload, final=final)
            if error is None:
                self._on_committed()
                return
            attempts += 1
            park = attempts >= self._max_attempts
            async with self._uow_factory() as uow:
                await InboxRepository(uow.session).record_failure(update_id, _describe(error), park=park)
                await uow.commit()
            if park:
                log.error("update %s parked after %d attempts: %s", update_id, attempts, _describe(error))
                return
            log.warning("update %s failed (attempt %d), retrying: %s", update_id, attempts, _describe(error))
            await asyncio.sleep(self._retry_delays[attempts - 1])

    async def _try(self, update_id: int, payload: dict[str, Any], *, final: bool) -> BaseException | None:
        """One try in one transaction; the error that failed it, or None once committed."""
        async with self._uow_factory() as uow:
            attempt = UpdateAttempt(update_id, uow, Outbox(uow, self._clock, update_id), final=final)
            token = enter_attempt(attempt)
            update: Update | None = None
            try:
                update = Update.de_json(payload, self._application.bot)
                await self._application.process_update(update)
                if attempt.error is None:
                    # False when an operator or another runner finished it meanwhile: then roll back.
                    if await InboxRepository(uow.session).mark_done(update_id, at=self._clock.now()):
                        await uow.commit()
            except Exception as error:  # noqa: BLE001 - any failure of the try is retried, then parked
                attempt.error = error
            finally:
                leave_attempt(token)
            if attempt.error is not None:
                await uow.rollback()
                if update is not None and self._on_rollback is not None:
                    # In-memory conversation state moved with the handler; put it back to what committed.
                    await self._on_rollback(self._application, self._uow_factory, update)
            return attempt.error


async def _note_failure(update: object, context: Any) -> None:
    """Error handler (registered last): tell the runner's current attempt that a handler failed.

    Raising ApplicationHandlerStop keeps later handler groups from running in
    a transaction that is going to be rolled back anyway.
    """
    attempt = current_attempt()
    if attempt is None or context.error is None:
        return
    if attempt.error is None:
        attempt.error = context.error
    raise ApplicationHandlerStop


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]
