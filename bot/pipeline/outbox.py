"""What a handler sends, recorded in its update's transaction: ``context.outbox``.

Handlers never call ``bot.send_message`` for things that matter. They record
the call here; the row commits (or rolls back) with everything else the update
changed, and the sender (``bot.pipeline.sender``) makes the call after the
commit. So a rolled-back update never speaks, and a crash after the commit
still sends.

The runner publishes the update being handled as an ``UpdateAttempt`` in a
context variable; ``AftersalesContext.uow`` and ``.outbox`` read it.

Each row has a priority (``OutboxPriority``): a chat's rows from a person's
update go before automatic ones queued earlier. An outbox is for a person
unless told otherwise; one for an internal update (a timer's, negative id) or
one a timer builds is automatic, and a single call can say otherwise.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram import TelegramObject

from bot.pipeline import leases
from domain.clock import Clock
from domain.models import OutboxMessage
from domain.models.integration import OutboxPriority

_INSERT = OutboxMessage.__table__.insert()

if TYPE_CHECKING:
    from domain.storage.uow import UnitOfWork


class Outbox:
    """Records Telegram calls as outbox rows in ``uow``; nothing is sent before the commit."""

    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        update_id: int | None = None,
        *,
        priority: OutboxPriority | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._update_id = update_id
        if priority is None:  # internal updates (bot.pipeline.internal) have negative ids and come from timers
            internal = update_id is not None and update_id < 0
            priority = OutboxPriority.AUTOMATIC if internal else OutboxPriority.PERSON
        self.priority = priority

    async def call(
        self,
        method: str,
        params: dict[str, Any],
        *,
        after: OutboxMessage | None = None,
        on_result: str | None = None,
        on_result_args: dict[str, Any] | None = None,
        priority: OutboxPriority | None = None,
    ) -> OutboxMessage:
        """Record ``method`` (a Bot API name, e.g. "sendMessage") with its JSON ``params``.

        ``after``: send only once that row was sent. ``on_result``: the name of
        a result hook the sender runs with Telegram's answer (e.g. to remember
        the sent message's id), with ``on_result_args``. ``priority``: this
        row's, when not the outbox's.
        """
        chat_id = params.get("chat_id")
        scope = params.get("scope")
        if chat_id is None and isinstance(scope, dict):
            chat_id = scope.get("chat_id")  # setMyCommands names its chat in the scope (one chat's menu)
        if isinstance(chat_id, bool) or not isinstance(chat_id, int):
            raise ValueError(f"an outbox call needs an integer chat_id, got {chat_id!r}")
        now = self._clock.now()
        values = {
            "chat_id": chat_id,
            "method": method,
            "payload": {name: _jsonable(value) for name, value in params.items() if value is not None},
            "created_at": now,
            "next_attempt_at": now,
            "attempts": 0,
            "after_id": after.id if after is not None else None,
            "on_result": on_result,
            "on_result_args": on_result_args,
            "priority": int(self.priority if priority is None else priority),
            "update_id": self._update_id,
            "lease_owner": leases.recording_owner(),  # this process's sender sends it (bot.pipeline.leases)
            "lease_until": now + leases.LEASE,
        }
        # A Core INSERT, not session.add + flush: no unit-of-work bookkeeping for a row
        # nobody changes afterwards. Its id orders the sends and lets a later row depend on it.
        result = await self._uow.session.execute(_INSERT, values)
        row = OutboxMessage(id=result.inserted_primary_key[0], **values)  # not attached to the session
        self._uow.outbox_rows.append(row)
        return row

    async def send_message(
        self,
        chat_id: int,
        text: str,
        *,
        parse_mode: str | None = None,
        reply_markup: TelegramObject | dict[str, Any] | None = None,
        message_thread_id: int | None = None,
        after: OutboxMessage | None = None,
        on_result: str | None = None,
        on_result_args: dict[str, Any] | None = None,
        priority: OutboxPriority | None = None,
        **params: Any,
    ) -> OutboxMessage:
        return await self.call(
            "sendMessage",
            {
                "chat_id": chat_id,
                "text": text,
                "parse_mode": parse_mode,
                "reply_markup": reply_markup,
                "message_thread_id": message_thread_id,
                **params,
            },
            after=after,
            on_result=on_result,
            on_result_args=on_result_args,
            priority=priority,
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, TelegramObject):
        return value.to_dict()
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


@dataclass(frozen=True)
class CallbackAnswer:
    """An answerCallbackQuery to make once the update's transaction committed (or was given up)."""

    query_id: str
    text: str | None = None
    show_alert: bool = False


@dataclass
class Apology:
    """What the user is told when the runner gives up on their update (the last try failed)."""

    chat_id: int | None  # a private chat to write to; None when only the button press is answered
    text: str
    callback_query_id: str | None = None


@dataclass
class UpdateAttempt:
    """One try at handling one update: its unit of work and outbox, and how it ended.

    Nothing here reaches Telegram during the try: the answer to a button press
    and the apology wait on the attempt until the runner has committed (or
    rolled back), so a decision that rolls back is never announced and a slow
    Bot API never holds the database.
    """

    update_id: int
    uow: UnitOfWork
    outbox: Outbox
    final: bool  # the last try: if it fails, the update is parked and the user is told
    error: BaseException | None = field(default=None)
    committed: bool = False
    # Results of network look-ups made before this try (bot.pipeline.lookups), by key.
    lookups: dict[Any, Any] = field(default_factory=dict)
    callback_answer: CallbackAnswer | None = None
    apology: Apology | None = None

    def answer_callback(self, query_id: str, text: str | None = None, *, show_alert: bool = False) -> bool:
        """Note the press's answer; False (and nothing changes) when it was answered already.

        Telegram takes one answer per press and refuses the rest, so the first wins.
        """
        if self.callback_answer is not None:
            return False
        self.callback_answer = CallbackAnswer(query_id, text, show_alert)
        return True


_current_attempt: ContextVar[UpdateAttempt | None] = ContextVar("aftersales_update_attempt", default=None)


def current_attempt() -> UpdateAttempt | None:
    """The attempt the runner is making in this task, or None outside the runner."""
    return _current_attempt.get()


def enter_attempt(attempt: UpdateAttempt) -> Any:
    return _current_attempt.set(attempt)


def leave_attempt(token: Any) -> None:
    _current_attempt.reset(token)
