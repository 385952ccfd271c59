"""Sends committed outbox rows: after the update's commit, and at start-up whatever is left.

Rows go out in id order per chat (a ``KeyedScheduler`` keyed by chat, at most
``max_in_flight`` sends at once), within Telegram's limits (``SendLimiter``,
and a 429's ``retry_after`` is obeyed and the same row tried again). Each row
is marked sent with Telegram's message id in a transaction of its own, with
its result hook if it names one. A crash between a send and its mark sends
that row again after the restart: at most ``max_in_flight`` duplicates per
crash, as ``sendMessage`` has no idempotency key.

What only the sender learns (the buyer blocked the bot, the topic is gone)
is recorded on the row (``failed_at``, ``last_error``) and handed to the
failure hook in the same transaction, so the domain can react.

Rows without a result hook are marked together: each send queues its mark
and waits for it; one task commits whatever marks are queued in one
transaction, then the next lot. A send's job (and so its chat's next row)
still ends only once its mark is committed.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from telegram import (
    Bot,
    InputMedia,
    InputMediaAnimation,
    InputMediaAudio,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
    MessageEntity,
)
from telegram.error import NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.warnings import PTBUserWarning

from bot.pipeline.feeder import TableFeeder
from bot.pipeline.ratelimit import SendLimiter
from domain.clock import Clock
from domain.models import OutboxMessage
from domain.storage.conflicts import CONFLICT_RETRIES, is_conflict
from domain.storage.repositories.pipeline import OutboxSendingRepository
from domain.storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

# Stored rows are raw Bot API calls, so they go through do_api_request, which
# warns "use Bot.send_message instead" for every method the library knows.
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.", category=PTBUserWarning)

ResultHook = Callable[[UnitOfWork, OutboxMessage, Any], Awaitable[object]]
FailureHook = Callable[[UnitOfWork, OutboxMessage, str], Awaitable[object]]

DEFAULT_NETWORK_RETRY_DELAYS = (0.5, 1.0, 2.0, 5.0, 10.0)
# Calls whose loss harms no one (a reaction): once each network retry delay was waited once, they fail
# (logged) rather than hold their chat's queue while the network is down.
BEST_EFFORT_METHODS = frozenset({"setMessageReaction"})


class OutboxSender(TableFeeder):
    def __init__(
        self,
        bot: Bot,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        *,
        max_in_flight: int,
        limiter: SendLimiter | None = None,
        result_hooks: Mapping[str, ResultHook] | None = None,
        on_failure: FailureHook | None = None,
        poll_interval: float = 1.0,
        network_retry_delays: tuple[float, ...] = DEFAULT_NETWORK_RETRY_DELAYS,
    ) -> None:
        self._bot = bot
        self._uow_factory = uow_factory
        self._clock = clock
        self._limiter = limiter or SendLimiter()
        self._result_hooks = dict(result_hooks or {})
        self._on_failure = on_failure
        self._network_retry_delays = network_retry_delays
        self._marks: list[tuple[int, int | None, asyncio.Future[None]]] = []
        self._marker: asyncio.Task[None] | None = None
        super().__init__(max_in_flight, poll_interval)

    async def _submit(self) -> None:
        room = self._room()
        if room <= 0:
            return
        async with self._uow_factory.reading() as uow:
            repository = OutboxSendingRepository(uow.session)
            rows = await repository.unsent(excluding=self._in_flight, limit=room)
            ready: list[OutboxMessage] = []
            held_chats: set[int] = set()  # a chat's later rows wait behind one that waits
            for row in rows:
                if row.chat_id in held_chats or (
                    row.after_id is not None and not await self._dependency_allows(repository, row)
                ):
                    held_chats.add(row.chat_id)
                    continue
                ready.append(row)
            self._left_behind, self._held = len(rows) >= room, bool(held_chats)
        # In flight only once nothing can fail any more: a failed read above leaves no row stranded.
        self._in_flight.update(row.id for row in ready)
        for row in ready:
            self._scheduler.submit(row.chat_id, self._job(row))

    async def _dependency_allows(self, repository: OutboxSendingRepository, row: OutboxMessage) -> bool:
        dependency = await repository.get(row.after_id)  # type: ignore[arg-type]
        if dependency is None or dependency.sent_at is not None:
            return True
        if dependency.failed_at is not None:
            return True  # the job fails this row too, with the reason
        # Same chat, already queued: the per-chat queue sends the dependency first.
        return dependency.chat_id == row.chat_id and dependency.id in self._in_flight

    def _job(self, row: OutboxMessage) -> Callable[[], Awaitable[None]]:
        async def job() -> None:
            try:
                await self._send(row)
            finally:
                self._finished(row.id)

        return job

    async def _send(self, row: OutboxMessage) -> None:
        if row.after_id is not None and await self._dependency_failed(row.after_id):
            await self._fail(row, f"not sent: outbox row {row.after_id} it follows failed")
            return
        network_failures = 0
        while True:
            await self._limiter.acquire(row.chat_id)
            try:
                result = await self._bot.do_api_request(row.method, api_kwargs=_api_kwargs(row.payload))
            except RetryAfter as error:
                log.info("Telegram asks to wait %s before sending to %s", error.retry_after, row.chat_id)
                self._limiter.retry_after(row.chat_id, error.retry_after)
                continue
            except (TimedOut, NetworkError) as error:
                if isinstance(error, TimedOut) or type(error) is NetworkError:
                    if row.method in BEST_EFFORT_METHODS and network_failures >= len(self._network_retry_delays):
                        await self._fail(row, _describe(error))
                        return
                    # Transient: the same row again, keeping the chat's order.
                    delay = self._network_retry_delays[min(network_failures, len(self._network_retry_delays) - 1)]
                    network_failures += 1
                    await self._record_attempt(row, error)
                    await asyncio.sleep(delay)
                    continue
                await self._fail(row, _describe(error))
                return
            except TelegramError as error:
                # Forbidden (blocked), BadRequest (thread not found, chat gone): no retry helps.
                await self._fail(row, _describe(error))
                return
            except Exception as error:  # noqa: BLE001 - our bug, not Telegram's answer: sending again repeats it
                # Left unsent, the row would be picked up and fail again at every poll, for ever.
                log.exception("outbox row %s (%s) could not be sent", row.id, row.method)
                await self._fail(row, f"could not be sent: {_describe(error)}")
                return
            await self._mark_sent(row, result)
            return

    async def _dependency_failed(self, dependency_id: int) -> bool:
        async with self._uow_factory.reading() as uow:
            dependency = await OutboxSendingRepository(uow.session).get(dependency_id)
        return dependency is not None and dependency.failed_at is not None

    async def _mark_sent(self, row: OutboxMessage, result: Any) -> None:
        message_id = result.get("message_id") if isinstance(result, dict) else None
        if row.on_result is None:
            await self._queue_mark(row.id, message_id)
            return
        for _ in range(CONFLICT_RETRIES + 1):
            async with self._uow_factory() as uow:
                if not await OutboxSendingRepository(uow.session).mark_sent(
                    row.id, telegram_message_id=message_id, at=self._clock.now()
                ):
                    return
                hook_error = await self._run_result_hook(uow, row, result)
                if hook_error is None:
                    await uow.commit()
                    self.wake()  # a hook may have queued rows (a new topic's card and waiting copies)
                    return
            if not is_conflict(hook_error):
                break
            log.info("result hook %r of outbox row %s lost a race; running it again", row.on_result, row.id)
        # The message is out: record that even when its hook failed, or it would be sent twice.
        async with self._uow_factory() as uow:
            repository = OutboxSendingRepository(uow.session)
            await repository.mark_sent(row.id, telegram_message_id=message_id, at=self._clock.now())
            await repository.record_attempt(row.id, f"result hook {row.on_result!r} failed: {_describe(hook_error)}")
            await uow.commit()

    async def _queue_mark(self, row_id: int, message_id: int | None) -> None:
        """Mark the row sent along with whatever other marks are waiting; returns once committed."""
        loop = asyncio.get_running_loop()
        committed = loop.create_future()
        self._marks.append((row_id, message_id, committed))
        if self._marker is None or self._marker.done():
            self._marker = loop.create_task(self._write_marks(), name="outbox-marks")
        await committed

    async def _write_marks(self) -> None:
        while self._marks:
            batch, self._marks = self._marks, []
            try:
                async with self._uow_factory() as uow:
                    await OutboxSendingRepository(uow.session).mark_many_sent(
                        [(row_id, message_id) for row_id, message_id, _ in batch], at=self._clock.now()
                    )
                    await uow.commit()
            except BaseException as error:
                # Each waiting send fails as its own mark would have; the rows stay unsent.
                for _, _, committed in batch:
                    if committed.done():
                        continue
                    if isinstance(error, asyncio.CancelledError):
                        committed.cancel()
                    else:
                        committed.set_exception(error)
                if not isinstance(error, Exception):
                    raise
                continue
            for _, _, committed in batch:
                if not committed.done():
                    committed.set_result(None)

    async def _run_result_hook(self, uow: UnitOfWork, row: OutboxMessage, result: Any) -> BaseException | None:
        if row.on_result is None:
            return None
        hook = self._result_hooks.get(row.on_result)
        if hook is None:
            log.error("outbox row %s names an unknown result hook %r", row.id, row.on_result)
            return LookupError(f"unknown result hook {row.on_result!r}")
        try:
            await hook(uow, row, result)
        except Exception as error:  # noqa: BLE001 - logged and recorded on the row; a lost race is run again
            if not is_conflict(error):
                log.exception("result hook %r of outbox row %s failed", row.on_result, row.id)
            await uow.rollback()
            return error
        return None

    async def _fail(self, row: OutboxMessage, error: str) -> None:
        log.warning("outbox row %s (%s to %s) failed: %s", row.id, row.method, row.chat_id, error)
        for tries_left in range(CONFLICT_RETRIES, -1, -1):
            async with self._uow_factory() as uow:
                if not await OutboxSendingRepository(uow.session).mark_failed(row.id, error, at=self._clock.now()):
                    return
                if self._on_failure is not None:
                    try:
                        await self._on_failure(uow, row, error)
                    except Exception as hook_error:  # noqa: BLE001 - a lost race runs again; else the mark stands alone
                        await uow.rollback()
                        if is_conflict(hook_error) and tries_left:
                            continue
                        log.exception("failure hook of outbox row %s failed", row.id)
                        await self._mark_failed_alone(row, error)
                        return
                await uow.commit()
                break
        if self._on_failure is not None:
            self.wake()  # the failure hook may have queued rows (a report to the agent, a new topic)

    async def _mark_failed_alone(self, row: OutboxMessage, error: str) -> None:
        """The send failed and so did what the domain does about it: keep the row failed, not sent again."""
        async with self._uow_factory() as uow:
            await OutboxSendingRepository(uow.session).mark_failed(row.id, error, at=self._clock.now())
            await uow.commit()

    async def _record_attempt(self, row: OutboxMessage, error: BaseException) -> None:
        async with self._uow_factory() as uow:
            await OutboxSendingRepository(uow.session).record_attempt(row.id, _describe(error))
            await uow.commit()


_INPUT_MEDIA: dict[str, type[InputMedia]] = {
    "photo": InputMediaPhoto,
    "video": InputMediaVideo,
    "document": InputMediaDocument,
    "audio": InputMediaAudio,
    "animation": InputMediaAnimation,
}


def _api_kwargs(payload: dict[str, Any]) -> dict[str, Any]:
    """A stored call's parameters as do_api_request takes them.

    python-telegram-bot reads a "media" list (sendMediaGroup) as InputMedia
    objects, whatever the method; stored as JSON, its items are made such again.
    """
    kwargs = dict(payload)
    media = kwargs.get("media")
    if isinstance(media, list):
        kwargs["media"] = [
            _INPUT_MEDIA[item["type"]](
                media=item["media"],
                caption=item.get("caption"),
                caption_entities=[MessageEntity.de_json(entity, None) for entity in item.get("caption_entities") or ()]
                or None,
            )
            for item in media
        ]
    return kwargs


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]
