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

A lost compare-and-set (``domain.errors.Conflict``) is no fault of the
update: the try is rolled back whole and made again on fresh data at once,
a few times, before it counts as a failed attempt. A handler that needs to
ask Telegram something raises ``LookupNeeded`` (``bot.pipeline.lookups``):
the look-up is made with no transaction open and the update handled again.
Nothing reaches Telegram during a try: the button press's answer goes out
after the commit, the apology for a given-up update after its rollback.

Payloads the poller (or webhook) just stored are handed over in memory
(``offer``), so the runner reads only the pending rows' keys and loads a
payload from the table only when it was not handed over (after a restart, a
retry requested by an operator, another process's intake).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop

from bot.pipeline.answers import CallbackAnswers
from bot.pipeline.feeder import TableFeeder
from bot.pipeline.internal import InternalUpdate, from_payload
from bot.pipeline.lookups import LookupNeeded, run_lookup
from bot.pipeline.metrics import Metrics
from bot.pipeline.outbox import (
    Apology,
    CallbackAnswer,
    Outbox,
    UpdateAttempt,
    current_attempt,
    enter_attempt,
    leave_attempt,
)
from domain.clock import Clock
from domain.storage.conflicts import CONFLICT_RETRIES, is_conflict
from domain.storage.repositories.pipeline import InboxRepository
from domain.storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)
# Called after a try was rolled back, before the retry: (application, uow factory, update).
RollbackHook = Callable[[Application, UnitOfWorkFactory, object], Awaitable[None]]

DEFAULT_RETRY_DELAYS = (0.5, 2.0, 8.0)
# More look-ups than this for one update is a handler asking in a loop.
MAX_LOOKUPS = 8
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
        on_committed: Callable[[UnitOfWork], object] = lambda uow: None,
        on_rollback: RollbackHook | None = None,
        answers: CallbackAnswers | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self._application = application
        self._metrics = metrics
        self._answers = answers or CallbackAnswers(application.bot)
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
        lookups: dict[Any, Any] = {}
        conflicts = 0
        started = time.monotonic()
        while True:
            final = attempts + 1 >= self._max_attempts
            attempt = await self._try(update_id, payload, final=final, lookups=lookups)
            error = attempt.error
            if error is None:
                self._answer_press(attempt, payload)
                self._on_committed(attempt.uow)
                self._count(payload, "handled" if attempt.committed else "done_elsewhere", started)
                return
            if isinstance(error, LookupNeeded) and len(lookups) < MAX_LOOKUPS:
                await run_lookup(error, lookups)  # no transaction is open here
                continue
            if is_conflict(error) and conflicts < CONFLICT_RETRIES:
                conflicts += 1
                log.info("update %s lost a race (%s); trying again on fresh data", update_id, error)
                await asyncio.sleep(random.uniform(0, 0.01 * 2**conflicts))  # jitter: racers do not meet again
                continue
            attempts += 1
            park = attempts >= self._max_attempts
            async with self._uow_factory() as uow:
                await InboxRepository(uow.session).record_failure(update_id, _describe(error), park=park)
                if park and attempt.apology is not None and attempt.apology.chat_id is not None:
                    await Outbox(uow, self._clock, update_id).send_message(
                        attempt.apology.chat_id, attempt.apology.text
                    )
                await uow.commit()
            if park:
                log.error("update %s parked after %d attempts: %s", update_id, attempts, _describe(error))
                self._answer_given_up_press(attempt.apology, payload)
                self._on_committed(uow)  # the apology row
                self._count(payload, "parked", started)
                return
            log.warning("update %s failed (attempt %d), retrying: %s", update_id, attempts, _describe(error))
            await asyncio.sleep(self._retry_delays[attempts - 1])

    def _count(self, payload: dict[str, Any], outcome: str, started: float) -> None:
        if self._metrics is not None:
            self._metrics.update_finished(payload, outcome, time.monotonic() - started)

    async def drain(self) -> None:
        await super().drain()
        await self._answers.drain()

    def _answer_given_up_press(self, apology: Apology | None, payload: dict[str, Any]) -> None:
        """A parked update's press: the apology as an alert, or at least an answer (the spinner stops)."""
        if apology is not None and apology.callback_query_id is not None:
            self._answers.answer(CallbackAnswer(apology.callback_query_id, apology.text, show_alert=True))
        elif (query_id := _press_of(payload)) is not None:
            self._answers.answer(CallbackAnswer(query_id))

    def _answer_press(self, attempt: UpdateAttempt, payload: dict[str, Any]) -> None:
        """After the commit: the press's answer, or an empty one (the client's spinner stops) if none was given."""
        if not attempt.committed:
            return  # another runner or an operator finished it: theirs was the answer
        if attempt.callback_answer is not None:
            self._answers.answer(attempt.callback_answer)
        elif (query_id := _press_of(payload)) is not None:
            self._answers.answer(CallbackAnswer(query_id))

    async def _try(
        self, update_id: int, payload: dict[str, Any], *, final: bool, lookups: dict[Any, Any]
    ) -> UpdateAttempt:
        """One try in one transaction; its ``error`` is None once committed."""
        async with self._uow_factory() as uow:
            attempt = UpdateAttempt(update_id, uow, Outbox(uow, self._clock, update_id), final=final, lookups=lookups)
            token = enter_attempt(attempt)
            update: Update | InternalUpdate | None = None
            try:
                update = from_payload(payload) or Update.de_json(payload, self._application.bot)
                await self._application.process_update(update)
                if attempt.error is None:
                    # False when an operator or another runner finished it meanwhile: then roll back.
                    if await InboxRepository(uow.session).mark_done(update_id, at=self._clock.now()):
                        await uow.commit()
                        attempt.committed = True
            except Exception as error:  # noqa: BLE001 - any failure of the try is retried, then parked
                attempt.error = error
            finally:
                leave_attempt(token)
            if not attempt.committed:  # failed, or finished meanwhile by an operator or another runner
                attempt.callback_answer = None  # it spoke of what was just rolled back
                await uow.rollback()
                if update is not None and self._on_rollback is not None:
                    # In-memory conversation state moved with the handler; put it back to what committed.
                    await self._on_rollback(self._application, self._uow_factory, update)
            return attempt


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


def _press_of(payload: dict[str, Any]) -> str | None:
    """The callback query id of a stored update that is a button press."""
    query = payload.get("callback_query")
    return str(query["id"]) if isinstance(query, dict) and "id" in query else None


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]
