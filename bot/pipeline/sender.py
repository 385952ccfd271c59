"""Sends committed outbox rows: after the update's commit, and at start-up whatever is left.

Per chat, the waiting row with the lowest (priority, id) goes next: a
person's words before automatic notices queued earlier (``OutboxPriority``),
and otherwise in id order; a row that follows another (``after_id``) never
goes before it. Order matters per lane: a private chat, or one forum topic
of a group. One row per lane is handed to a ``KeyedScheduler`` keyed by lane
(at most ``max_in_flight`` sends at once) and the lane's next is chosen when
it ends, so a row that arrives meanwhile can still go first. A group's
topics send side by side (a network's round trip per message would hold a
busy group to ~20 a second otherwise) on at most half the senders, and only
while the group's limit would send them at once: a throttled group sends one
row at a time, its lowest (priority, id). The sender hands out a bounded
number of a chat's rows at a time (``_chat_rows``), so a group held to 20 a
minute never fills the window while other chats' rows wait; the chat's
further offered rows wait in memory beside it (``_Spill``, at most
``SPILL_LIMIT`` in all; beyond that they stay in the table). Sends keep
within Telegram's limits (``SendLimiter``, and a 429's ``retry_after`` is
obeyed and the same row tried again). Each row
is marked sent with Telegram's message id in a transaction of its own, with
its result hook if it names one. A crash between a send and its mark sends
that row again after the restart: at most ``max_in_flight`` duplicates per
crash, as ``sendMessage`` has no idempotency key.

What only the sender learns (the buyer blocked the bot, the topic is gone)
is recorded on the row (``failed_at``, ``last_error``) and handed to the
failure hook in the same transaction, so the domain can react.

Marks are written together: each send queues its mark (with its result
hook, if the row names one) and waits for it; one task commits whatever
marks are queued in one transaction, hooks included, then the next lot. A
send's job (and so its chat's next row) still ends only once its mark is
committed. When a hook fails, the lot is rolled back and each of its rows is
marked on its own, as before batching: a hook that lost a race runs again,
one that fails still leaves its row marked sent.

Rows committed in this process are handed over in memory (``offer``): the
runner and the hooks pass what their unit of work recorded, so the sender
reads the table only when it may hold rows it was not told of (start-up, a
``wake()`` from elsewhere, a backlog beyond the window, a row that waits for
another). Per-chat order holds because it takes offered rows only while it
knows every unsent row (``_complete``) but those of chats it knows enough of
(``_capped``, read again once half of them went), and never the same row
twice (``_recent``: an offer can arrive after a read found its row). A read
leaves out the chats with a spill: their rows are in memory, so it cannot
hand them out twice; a spill the sender cannot keep in order (a row waits
for one it does not know) is dropped and its chat read from the table.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
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

from bot.pipeline import leases
from bot.pipeline.feeder import TableFeeder
from bot.pipeline.metrics import Metrics
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
# Ids handed out lately, to drop an offer of a row a read found first; an offer comes right after its commit.
RECENT_LIMIT = 10_000
# Rows of one chat known at once (sending or chosen from): a quarter of the window, at least this.
CHAT_ROWS_KNOWN = 8
# Offered rows held in memory behind chats that have CHAT_ROWS_KNOWN out (a few MB): one busy group's
# backlog is taken from memory, not read back from the table every few sends.
SPILL_LIMIT = 10_000


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
        metrics: Metrics | None = None,
        owner: str | None = None,
    ) -> None:
        self._bot = bot
        self._owner = owner or leases.owner()
        self._count = metrics.sent if metrics is not None else _not_counted
        self._uow_factory = uow_factory
        self._clock = clock
        self._limiter = limiter or SendLimiter()
        self._result_hooks = dict(result_hooks or {})
        self._on_failure = on_failure
        self._network_retry_delays = network_retry_delays
        self._marks: list[_Mark] = []
        self._marker: asyncio.Task[None] | None = None
        self._offered: deque[OutboxMessage] = deque()
        self._complete = False  # every unsent row is in flight or offered: nothing to read
        self._recent: dict[int, int] = {}  # id -> chat of each row handed out lately
        self._spill: dict[int, _Spill] = {}  # per chat: offered rows beyond CHAT_ROWS_KNOWN
        self._spilled = 0
        self._refill: set[int] = set()  # chats whose spill may hand out more rows
        self._waiting: dict[int, list[OutboxMessage]] = {}  # per chat: known rows not handed out yet
        self._known: dict[int, int] = {}  # per chat: rows waiting or sending
        self._sending: dict[int, dict[Lane, int]] = {}  # per chat: its lanes in the scheduler, each's row
        self._capped: set[int] = set()  # chats with unsent rows left unread because enough were known
        super().__init__(max_in_flight, poll_interval)
        # A group's topics send side by side (its lanes), but never on more than half the senders:
        # private chats keep the rest however busy one group is.
        self._lanes_per_chat = max(1, max_in_flight // 2)
        self._chat_rows = max(CHAT_ROWS_KNOWN, self._window // 4)

    def wake(self) -> None:
        """Rows were committed that were not offered: read the table."""
        self._complete = False
        super().wake()

    def offer(self, rows: Iterable[OutboxMessage]) -> None:
        """Rows just committed, in id order: sent as they are, not read back."""
        before = len(self._offered)
        self._offered.extend(rows)
        if len(self._offered) > before:
            self._wake.set()

    async def _submit(self) -> None:
        room = self._refill_from_spills(self._room())
        if room <= 0:
            return
        if self._complete and not self._held:
            self._submit_offered(room)
            return
        # Offered before this read, so committed before it: the read sees them (or leaves them behind),
        # but for the rows of chats with a spill, which the read leaves out: those join the spill.
        for row in self._offered:
            if row.chat_id not in self._spill or row.id in self._recent:
                continue
            if row.after_id is None or self._follows_known(row):
                self._spill_row(row)
            else:
                self._drop_spill(row.chat_id)
        self._offered.clear()
        full = [
            chat_id for chat_id, known in self._known.items() if known >= self._chat_rows and chat_id not in self._spill
        ]
        async with self._uow_factory.reading() as uow:
            repository = OutboxSendingRepository(uow.session)
            rows = await repository.unsent(
                excluding=self._in_flight,
                excluding_chats=[*full, *self._spill],
                limit=room,
                owner=self._owner,
                now=self._clock.now(),
            )
            ready: list[OutboxMessage] = []
            taken: dict[int, int] = {}
            held_chats: set[int] = set()  # a chat's later rows wait behind one that waits...
            awaited: set[int] = set()  # ...but for the rows those wait for (of lower priority, so read later)
            capped: set[int] = set()
            for row in rows:
                if (row.chat_id in held_chats and row.id not in awaited) or (
                    row.after_id is not None and not await self._dependency_allows(repository, row)
                ):
                    held_chats.add(row.chat_id)
                    if row.after_id is not None:
                        awaited.add(row.after_id)
                    continue
                if self._known.get(row.chat_id, 0) + taken.get(row.chat_id, 0) >= self._chat_rows:
                    capped.add(row.chat_id)
                    continue
                taken[row.chat_id] = taken.get(row.chat_id, 0) + 1
                ready.append(row)
            self._left_behind, self._held = len(rows) >= room, bool(held_chats)
        self._complete = not self._left_behind and not self._held
        self._left_behind = self._left_behind or bool(self._refill)
        # Unread rows of theirs, if any, are read once half their known ones went (and their spill is out).
        self._capped.update(full)
        if capped:
            self._capped |= capped
            self._wake.set()  # at once, for the other chats' rows those left unread
        ready = await self._claimed(ready)
        # Known only once nothing can fail any more: a failed read above leaves no row stranded.
        for row in ready:
            self._take(row)
        for chat_id in taken:
            self._dispatch(chat_id)

    async def _claimed(self, rows: list[OutboxMessage]) -> list[OutboxMessage]:
        """Of rows read from the table, those this sender holds, leasing what nobody holds (another process's
        rows whose holder died, rows from before leases); a row another sender claimed first is left to it."""
        foreign = [row.id for row in rows if row.lease_owner != self._owner]
        if not foreign:
            return rows  # what this process recorded: the usual case, no statement
        now = self._clock.now()
        async with self._uow_factory() as uow:
            claimed = await OutboxSendingRepository(uow.session).claim(
                foreign, owner=self._owner, until=now + leases.LEASE, now=now
            )
            await uow.commit()
        lost = set(foreign) - claimed
        return [row for row in rows if row.id not in lost]

    async def run(self) -> None:
        """Send until cancelled, renewing this process's leases meanwhile (bot.pipeline.leases)."""
        renewing = asyncio.get_running_loop().create_task(self._renew_leases(), name="outbox-leases")
        try:
            await super().run()
        finally:
            renewing.cancel()
            await asyncio.gather(renewing, return_exceptions=True)

    async def _renew_leases(self) -> None:
        while True:
            await asyncio.sleep(leases.RENEW_EVERY)
            try:
                async with self._uow_factory() as uow:
                    until = self._clock.now() + leases.LEASE
                    await OutboxSendingRepository(uow.session).renew_leases(owner=self._owner, until=until)
                    await uow.commit()
            except (SQLAlchemyError, OSError):
                log.warning("could not renew the outbox leases; trying again", exc_info=True)

    async def release_leases(self) -> None:
        """Stopped: the rows left unsent are free for the next sender at once (none waits for a lease to run out)."""
        async with self._uow_factory() as uow:
            await OutboxSendingRepository(uow.session).release_leases(owner=self._owner)
            await uow.commit()

    def _submit_offered(self, room: int) -> None:
        """Offered rows into their chats' queues, as far as the window allows; a busy chat's into its spill."""
        while self._offered and room > 0:
            row = self._offered[0]
            if row.after_id is not None and not self._follows_known(row):
                if row.chat_id in self._spill:
                    self._drop_spill(row.chat_id)
                self._complete = False  # whether it may go yet is the table's to say
                self._wake.set()
                return
            self._offered.popleft()
            if row.id in self._in_flight or row.id in self._recent:
                continue  # a read found it first
            if row.chat_id in self._capped:
                continue  # read once the chat's known rows went: the table holds older rows of the chat
            if row.chat_id in self._spill or self._known.get(row.chat_id, 0) >= self._chat_rows:
                if self._spilled < SPILL_LIMIT:
                    self._spill_row(row)
                else:
                    self._capped.add(row.chat_id)
                continue
            self._take(row)
            self._dispatch(row.chat_id)
            room -= 1
        self._left_behind = bool(self._offered) or bool(self._refill)

    def _follows_known(self, row: OutboxMessage) -> bool:
        """Whether the sender alone can keep the row behind the one it follows (no read needed)."""
        after = row.after_id
        if after in self._in_flight:
            return self._recent.get(after) == row.chat_id  # queued in the same chat, which sends it first
        if after in self._recent:
            return True  # sent or failed here; a failed one fails this row too, when it is sent
        spill = self._spill.get(row.chat_id)
        return spill is not None and after in spill.ids

    def _spill_row(self, row: OutboxMessage) -> None:
        spill = self._spill.get(row.chat_id)
        if spill is None:
            spill = self._spill[row.chat_id] = _Spill()
        spill.add(row)
        self._spilled += 1

    def _drop_spill(self, chat_id: int) -> None:
        """The chat's spilled rows left to the table, which gives them in order once the chat is read."""
        spill = self._spill.pop(chat_id)
        self._spilled -= len(spill.ids)
        self._refill.discard(chat_id)
        self._capped.add(chat_id)
        if chat_id not in self._known:
            self._capped.discard(chat_id)
            self._complete = False
            self._wake.set()

    def _refill_from_spills(self, room: int) -> int:
        """Spilled rows of chats that sent half their known ones, as far as the window allows: the room left."""
        while self._refill and room > 0:
            chat_id = self._refill.pop()
            spill = self._spill.get(chat_id)
            if spill is None:
                continue
            taken = 0
            while room > 0 and self._known.get(chat_id, 0) < self._chat_rows and (row := spill.pop()) is not None:
                self._spilled -= 1
                self._take(row)
                taken += 1
                room -= 1
            if not spill.ids:
                del self._spill[chat_id]
            elif self._known.get(chat_id, 0) < self._chat_rows:
                self._refill.add(chat_id)  # the window ran out first
            if taken:
                self._dispatch(chat_id)
        return room  # chats still to refill count as rows left behind (looked at once half the window is free)

    def _take(self, row: OutboxMessage) -> None:
        """A row now known: it goes when its turn in its chat comes."""
        self._in_flight.add(row.id)
        self._recent[row.id] = row.chat_id
        if len(self._recent) > RECENT_LIMIT:
            del self._recent[next(iter(self._recent))]
        self._waiting.setdefault(row.chat_id, []).append(row)
        self._known[row.chat_id] = self._known.get(row.chat_id, 0) + 1

    def _next_of(self, chat_id: int) -> OutboxMessage | None:
        """The chat's waiting row with the lowest (priority, id) in a lane not sending, waiting for no other."""
        waiting = self._waiting.get(chat_id)
        if not waiting:
            return None
        sending = self._sending.get(chat_id, {})
        ids = {row.id for row in waiting}
        ids.update(sending.values())
        free = [row for row in waiting if row.after_id not in ids and _lane(row) not in sending]
        if not free:
            return None
        row = min(free, key=lambda row: (row.priority or 0, row.id))
        waiting.remove(row)
        if not waiting:
            del self._waiting[chat_id]
        return row

    def _dispatch(self, chat_id: int) -> None:
        """Hand the chat's next rows to the scheduler, one per lane, while its limits let them go at once.

        A second lane of a chat starts only when the chat's budget would send it now: a group held to
        its limit sends one row at a time, always the lowest (priority, id), and holds one sender.
        """
        while True:
            sending = self._sending.get(chat_id)
            if sending and (
                len(sending) >= self._lanes_per_chat or len(sending) >= self._limiter.sendable_now(chat_id)
            ):
                return
            row = self._next_of(chat_id)
            if row is None:
                return
            lane = _lane(row)
            self._sending.setdefault(chat_id, {})[lane] = row.id
            self._scheduler.submit(lane, self._job(row))

    def _sent_or_given_up(self, row: OutboxMessage) -> None:
        chat_id = row.chat_id
        sending = self._sending.get(chat_id)
        if sending is not None:
            sending.pop(_lane(row), None)
            if not sending:
                del self._sending[chat_id]
        known = self._known[chat_id] = self._known.get(chat_id, 1) - 1
        if known <= 0:
            del self._known[chat_id]
        if chat_id in self._spill and known <= self._chat_rows // 2:
            self._refill.add(chat_id)
            self._wake.set()
        elif chat_id in self._capped and known <= self._chat_rows // 2:
            self._capped.discard(chat_id)
            self._complete = False  # its unread rows are the table's to give
            self._wake.set()
        self._finished(row.id)

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
            current: OutboxMessage | None = row
            while current is not None:
                try:
                    await self._send(current)
                finally:
                    self._sent_or_given_up(current)
                    if not self._scheduler.closed:
                        self._dispatch(current.chat_id)
                # Stopping: the scheduler takes no more jobs, so what this chat has known still goes here.
                current = self._next_of(current.chat_id) if self._scheduler.closed else None
                if current is not None:
                    self._sending.setdefault(current.chat_id, {})[_lane(current)] = current.id

        return job

    async def _send(self, row: OutboxMessage) -> None:
        if row.after_id is not None and await self._dependency_failed(row.after_id):
            await self._fail(row, f"not sent: outbox row {row.after_id} it follows failed")
            return
        network_failures = 0
        while True:
            reservation = await self._limiter.acquire(row.chat_id)
            try:
                try:
                    result = await self._bot.do_api_request(row.method, api_kwargs=_api_kwargs(row.payload))
                finally:
                    reservation.answered()
            except RetryAfter as error:
                self._count(row.method, "retry_after")
                log.info("Telegram asks to wait %s before sending to %s", error.retry_after, row.chat_id)
                self._limiter.retry_after(row.chat_id, error.retry_after)
                continue
            except (TimedOut, NetworkError) as error:
                self._count(row.method, "network_error")
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
                self._count(row.method, "refused")
                await self._fail(row, _describe(error))
                return
            except Exception as error:  # noqa: BLE001 - our bug, not Telegram's answer: sending again repeats it
                # Left unsent, the row would be picked up and fail again at every poll, for ever.
                self._count(row.method, "error")
                log.exception("outbox row %s (%s) could not be sent", row.id, row.method)
                await self._fail(row, f"could not be sent: {_describe(error)}")
                return
            self._count(row.method, "ok")
            await self._mark_sent(row, result)
            return

    async def _dependency_failed(self, dependency_id: int) -> bool:
        async with self._uow_factory.reading() as uow:
            dependency = await OutboxSendingRepository(uow.session).get(dependency_id)
        return dependency is not None and dependency.failed_at is not None

    async def _mark_sent(self, row: OutboxMessage, result: Any) -> None:
        """Mark the row sent (and run its result hook) along with whatever other marks wait; returns once committed."""
        loop = asyncio.get_running_loop()
        mark = _Mark(row, result, loop.create_future())
        self._marks.append(mark)
        if self._marker is None or self._marker.done():
            self._marker = loop.create_task(self._write_marks(), name="outbox-marks")
        await mark.committed

    async def _write_marks(self) -> None:
        while self._marks:
            batch, self._marks = self._marks, []
            try:
                if await self._write_lot(batch):
                    _settle(batch)
                    continue
                # A hook failed and the lot was rolled back: each row on its own, as before batching.
                await self._write_lot([mark for mark in batch if mark.row.on_result is None], hooks=False)
                _settle(mark for mark in batch if mark.row.on_result is None)
                for mark in batch:
                    if mark.row.on_result is not None:
                        await self._mark_sent_alone(mark.row, mark.result)
                        _settle([mark])
            except BaseException as error:
                # Each waiting send fails as its own mark would have; the rows stay unsent.
                for mark in batch:
                    if mark.committed.done():
                        continue
                    if isinstance(error, asyncio.CancelledError):
                        mark.committed.cancel()
                    else:
                        mark.committed.set_exception(error)
                if not isinstance(error, Exception):
                    raise

    async def _write_lot(self, batch: list[_Mark], *, hooks: bool = True) -> bool:
        """One transaction: the plain rows' marks in one statement, then each hooked row's mark and hook.

        False (rolled back) when a hook failed.
        """
        if not batch:
            return True
        now = self._clock.now()
        async with self._uow_factory() as uow:
            repository = OutboxSendingRepository(uow.session)
            await repository.mark_many_sent(
                [(mark.row.id, mark.message_id) for mark in batch if mark.row.on_result is None], at=now
            )
            for mark in batch:
                if mark.row.on_result is None or not hooks:
                    continue
                if not await repository.mark_sent(mark.row.id, telegram_message_id=mark.message_id, at=now):
                    continue  # another sender marked it: its hook ran there
                hook = self._result_hooks.get(mark.row.on_result)
                if hook is None:
                    return False
                try:
                    await hook(uow, mark.row, mark.result)
                except Exception:  # noqa: BLE001 - each row again on its own, where the failure is handled
                    return False
            await uow.commit()
        self.offer(uow.outbox_rows)  # a hook may have queued rows (a new topic's card and waiting copies)
        return True

    async def _mark_sent_alone(self, row: OutboxMessage, result: Any) -> None:
        """Mark one row sent and run its hook in a transaction of its own; a lost race runs the hook again."""
        message_id = _message_id(result)
        for _ in range(CONFLICT_RETRIES + 1):
            async with self._uow_factory() as uow:
                if not await OutboxSendingRepository(uow.session).mark_sent(
                    row.id, telegram_message_id=message_id, at=self._clock.now()
                ):
                    return
                hook_error = await self._run_result_hook(uow, row, result)
                if hook_error is None:
                    await uow.commit()
                    self.offer(uow.outbox_rows)
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
                self.offer(uow.outbox_rows)  # the failure hook may have queued rows (a report, a new topic)
                break

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


Lane = tuple[int, int | None]


def _not_counted(method: str, result: str) -> None:
    return None


def _lane(row: OutboxMessage) -> Lane:
    """Where order matters: a chat, or one forum topic of it (a topic's messages never interleave with another's)."""
    return row.chat_id, row.payload.get("message_thread_id")


class _Spill:
    """A chat's offered rows waiting in memory: a person's words first, each row after the one it follows."""

    __slots__ = ("queues", "ids", "_offered")

    def __init__(self) -> None:
        self.queues: dict[int, deque[tuple[int, OutboxMessage]]] = {}  # priority -> (offer number, row)
        self.ids: set[int] = set()
        self._offered = 0

    def add(self, row: OutboxMessage) -> None:
        self._offered += 1
        self.queues.setdefault(row.priority or 0, deque()).append((self._offered, row))
        self.ids.add(row.id)

    def pop(self) -> OutboxMessage | None:
        """The first of the most urgent queue, unless it follows a row still here: then the first offered.

        A row is offered after the one it follows, so the first offered of all never waits for another here.
        """
        heads = [(priority, queue[0]) for priority, queue in sorted(self.queues.items()) if queue]
        if not heads:
            return None
        priority, (_, row) = heads[0]
        if row.after_id in self.ids:
            priority, (_, row) = min(heads, key=lambda head: head[1][0])
        self.queues[priority].popleft()
        self.ids.discard(row.id)
        return row


class _Mark:
    """A sent row waiting for its mark to commit."""

    __slots__ = ("row", "result", "message_id", "committed")

    def __init__(self, row: OutboxMessage, result: Any, committed: asyncio.Future[None]) -> None:
        self.row, self.result, self.committed = row, result, committed
        self.message_id = _message_id(result)


def _message_id(result: Any) -> int | None:
    return result.get("message_id") if isinstance(result, dict) else None


def _settle(marks: Iterable[_Mark]) -> None:
    for mark in marks:
        if not mark.committed.done():
            mark.committed.set_result(None)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]
