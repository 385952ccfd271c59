"""The durable update path assembled: poller → inbox → runner → outbox → sender (and money webhooks out).

Several processes may run it on one PostgreSQL: one polls (the polling
lock's holder, ``leadership``), all handle the inbox (an update's effects
commit once: marking it done is a compare-and-set), and each sends the
outbox rows it holds (``leases``). Housekeeping runs in each; deleting a row
twice deletes it once.

async with application:            # built with .updater(None)
    await application.start()
    pipeline = UpdatePipeline(application, uow_factory, clock, settings=...)
    await pipeline.start()
    ...
    await pipeline.stop()
    await application.stop()
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram.ext import Application

from bot.context import AftersalesApplication
from bot.pipeline import leases
from bot.pipeline.answers import CallbackAnswers
from bot.pipeline.housekeeping import Housekeeper
from bot.pipeline.leadership import PollingLeadership, lock_key
from bot.pipeline.metrics import Metrics
from bot.pipeline.poller import UpdatePoller
from bot.pipeline.ratelimit import SendLimiter
from bot.pipeline.runner import DEFAULT_RETRY_DELAYS, RollbackHook, UpdateRunner
from bot.pipeline.sender import FailureHook, OutboxSender, ResultHook
from bot.pipeline.timers import DeadlineHandler, TimerSweeper
from bot.pipeline.webhook import WebhookConfig, WebhookReceiver
from bot.pipeline.webhooks import WebhookDispatcher
from domain.clock import Clock
from domain.enums import DeadlineKind
from domain.storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)


class UpdatePipeline:
    def __init__(
        self,
        application: Application,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        *,
        concurrent_updates: int,
        max_in_flight_sends: int,
        limiter: SendLimiter | None = None,
        poll_timeout: int = 10,
        poll_interval: float = 1.0,
        retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS,
        result_hooks: Mapping[str, ResultHook] | None = None,
        on_send_failure: FailureHook | None = None,
        deadline_handlers: Mapping[DeadlineKind, DeadlineHandler] | None = None,
        timer_interval: float = 5.0,
        drain_timeout: float = 30.0,
        webhook: WebhookConfig | None = None,
        on_rollback: RollbackHook | None = None,
        on_start: Callable[[], Awaitable[None]] | None = None,
        money_webhook_interval: float = 5.0,
        retention: timedelta | None = None,
        housekeeping_interval: float = 600.0,
        leader_retry: float = 3.0,
        owner: str | None = None,
    ) -> None:
        self.owner = owner or leases.owner()
        self._engine = uow_factory.engine
        self._leader_retry = leader_retry
        self._drain_timeout = drain_timeout
        self._on_start = on_start
        self._bot = application.bot
        self.metrics = Metrics()
        self.sender = OutboxSender(
            application.bot,
            uow_factory,
            clock,
            max_in_flight=max_in_flight_sends,
            limiter=limiter,
            result_hooks=result_hooks,
            on_failure=on_send_failure,
            poll_interval=poll_interval,
            metrics=self.metrics,
            owner=self.owner,
        )
        # Money decisions go to the marketplace from their table (bot.pipeline.webhooks), woken by commits.
        self.money_webhooks = WebhookDispatcher(uow_factory, clock, poll_interval=money_webhook_interval)
        # Button presses are answered on a lane of their own, after the commit (bot.pipeline.answers).
        self.answers = CallbackAnswers(application.bot)
        self.runner = UpdateRunner(
            application,
            uow_factory,
            clock,
            max_concurrency=concurrent_updates,
            retry_delays=retry_delays,
            poll_interval=poll_interval,
            on_committed=self._update_committed,
            on_rollback=on_rollback,
            answers=self.answers,
            metrics=self.metrics,
        )
        # Updates come either from our own getUpdates loop or from Telegram's webhook deliveries.
        self.poller = (
            UpdatePoller(
                application.bot,
                uow_factory,
                clock,
                on_stored=self.runner.wake,
                offer=self.runner.offer,
                timeout=poll_timeout,
            )
            if webhook is None
            else None
        )
        self.webhook = (
            WebhookReceiver(
                application.bot, uow_factory, clock, webhook, on_stored=self.runner.wake, offer=self.runner.offer
            )
            if webhook is not None
            else None
        )
        # Without handlers no sweeper runs: deadlines of kinds nobody handles stay live.
        self.timers = (
            TimerSweeper(
                uow_factory, clock, deadline_handlers, poll_interval=timer_interval, on_committed=self._timer_committed
            )
            if deadline_handlers
            else None
        )
        # Finished rows older than the retention are deleted, a little at a time (bot.pipeline.housekeeping).
        self.housekeeper = (
            Housekeeper(uow_factory, clock, retention=retention, interval=housekeeping_interval)
            if retention is not None
            else None
        )
        self._tasks: list[asyncio.Task[None]] = []
        self._timer_task: asyncio.Task[None] | None = None
        self._housekeeping_task: asyncio.Task[None] | None = None

    def _update_committed(self, uow: UnitOfWork) -> None:
        """An update's effects committed: its outbox rows to send, and a money event to post if one was written.

        The rows are handed to the sender as they are (no read back); waking the dispatcher
        costs a read, and most updates (a relayed message) move no money.
        """
        self.sender.offer(uow.outbox_rows)
        if uow.wrote_money_events:
            self.money_webhooks.wake()

    def _timer_committed(self) -> None:
        """A deadline's effects committed: outbox rows to send, maybe internal updates to handle, money events."""
        self.sender.wake()
        self.runner.wake()
        self.money_webhooks.wake()

    async def start(self) -> None:
        """Send what is left from before, handle what is stored, then poll for more."""
        loop = asyncio.get_running_loop()
        if self._on_start is not None:
            await self._on_start()
        if self.poller is None:
            await self.webhook.start()  # setWebhook replaces any earlier webhook
            intake = asyncio.sleep(float("inf"))
        else:
            # While a webhook is set Telegram refuses getUpdates (409); pending updates stay queued.
            await self._bot.delete_webhook(drop_pending_updates=False)
            intake = self.poller.run() if self._engine.dialect.name == "sqlite" else self._poll_while_leading()
        # What these tasks record is leased to this pipeline's process (bot.pipeline.leases).
        context = leases.context_of(self.owner)
        self._tasks = [
            loop.create_task(self.sender.run(), name="outbox-sender", context=context),
            loop.create_task(self.runner.run(), name="update-runner", context=context),
            loop.create_task(intake, name="update-intake", context=context),
        ]
        if self.timers is not None:
            self._timer_task = loop.create_task(self.timers.run(), name="timer-sweeper", context=context)
            self._timer_task.add_done_callback(_log_crash)
        if self.housekeeper is not None:
            self._housekeeping_task = loop.create_task(self.housekeeper.run(), name="housekeeping", context=context)
            self._housekeeping_task.add_done_callback(_log_crash)
        for task in self._tasks:
            task.add_done_callback(_log_crash)
        await self.money_webhooks.start()

    async def _poll_while_leading(self) -> None:
        """PostgreSQL: poll while this process holds the polling lock; wait for it otherwise (bot.pipeline.leadership)."""
        leadership = PollingLeadership(self._engine, lock_key(self._bot.id), retry=self._leader_retry)
        while True:
            await leadership.acquire()
            polling = asyncio.create_task(self.poller.run(), name="getUpdates")
            watching = asyncio.create_task(leadership.lost(), name="polling-lock")
            try:
                await asyncio.wait({polling, watching}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (polling, watching):
                    task.cancel()
                await asyncio.gather(polling, watching, return_exceptions=True)
                await leadership.release()
            if not polling.cancelled() and polling.exception() is not None:
                raise polling.exception()  # a wrong token: no other process fixes that

    async def stop(self) -> None:
        """Stop polling, let started updates, sends and webhook posts finish, then stop."""
        await self.money_webhooks.stop(drain_timeout=self._drain_timeout)
        if self._housekeeping_task is not None:
            self._housekeeping_task.cancel()  # a batch cut short rolls back: nothing half-deleted
            await asyncio.wait([self._housekeeping_task])
            self._housekeeping_task = None
        if self._timer_task is not None:
            self._timer_task.cancel()
            await asyncio.wait([self._timer_task])
            self._timer_task = None
        if self.webhook is not None:
            await self.webhook.stop()
        poller, runner, sender = self._tasks or (None, None, None)
        for task, drain in ((poller, None), (runner, self.runner.drain), (sender, self.sender.drain)):
            if task is None:
                continue
            task.cancel()
            await asyncio.wait([task])  # a crash was logged by _log_crash already
            if drain is not None:
                try:
                    async with asyncio.timeout(self._drain_timeout):
                        await drain()
                except TimeoutError:
                    # Nothing is lost: unfinished updates stay pending, unsent rows unsent.
                    log.warning("%s did not finish within %s s; stopping anyway", task.get_name(), self._drain_timeout)
        if sender is not None:
            try:
                await self.sender.release_leases()
            except (SQLAlchemyError, OSError):
                log.warning("could not give up the outbox leases; they run out by themselves", exc_info=True)
        self._tasks = []


def _log_crash(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.critical("%s stopped", task.get_name(), exc_info=task.exception())


def pipeline_for(application: AftersalesApplication, **options: Any) -> UpdatePipeline:
    """The pipeline for an application built by ``bot.app.build_application``, sized by its settings."""
    deps = application.deps
    if deps.uow_factory is None:
        raise ValueError("the update pipeline needs a database: Deps.uow_factory is None")
    options.setdefault("concurrent_updates", deps.settings.concurrent_updates)
    options.setdefault("max_in_flight_sends", deps.settings.max_in_flight_sends)
    options.setdefault("retention", timedelta(days=deps.settings.retention_days))
    if deps.settings.instance:
        options.setdefault("owner", deps.settings.instance)
    # The seller side's result hooks, failure hook and ticket timers (bot.relay.hooks).
    from bot.relay.hooks import seller_pipeline_options

    for name, value in seller_pipeline_options(deps.renderer, deps.clock, deps.settings.moderators_chat_id).items():
        options.setdefault(name, value)
    # The buyer's conversations keep their steps as drafts; a rolled-back step is put back,
    # and a flow left idle is ended in the chat's turn (the sweeper queues it in the inbox).
    from bot.conversations.drafts import queue_idle_end, restore_after_rollback

    options.setdefault("on_rollback", restore_after_rollback)
    handlers = dict(options.get("deadline_handlers") or {})
    handlers.setdefault(DeadlineKind.FLOW_IDLE, queue_idle_end(deps.clock))
    options["deadline_handlers"] = handlers
    # The command menus clients show (bot.commands); a refusal is logged, not fatal.
    from bot.commands import set_command_menus

    options.setdefault(
        "on_start",
        lambda: set_command_menus(application.bot, deps.renderer, moderators_chat_id=deps.settings.moderators_chat_id),
    )
    pipeline = UpdatePipeline(application, deps.uow_factory, deps.clock, **options)
    if pipeline.timers is not None:
        application.timer_wake = pipeline.timers.wake_in
    application.metrics = pipeline.metrics
    return pipeline
