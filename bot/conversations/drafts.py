"""A conversation's step and data on its draft row, written in the update's transaction.

`durable(name, data_key, step)` wraps a conversation callback: before it, the
draft's data is brought back into `chat_data` (after a restart chat_data is
empty); after it, the new step is stored, or the row deleted when the
conversation ends. `bot.persistence` reads the rows back at start-up.

After a rolled-back update, `restore_after_rollback` puts the in-memory
conversations back to their committed rows. A flow left idle is ended in the
chat's turn: the sweeper's FLOW_IDLE handler (`queue_idle_end`) stores an
internal update (`bot.pipeline.internal`) that `end_idle_flow` handles in order
with the chat's messages. `set_conversation_state` is the one place that
writes python-telegram-bot's private conversation store.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified
from telegram import Update
from telegram.ext import Application, ConversationHandler

from bot.context import AftersalesContext
from bot.keyboards import PENDING_KEYBOARD, remove_keyboard
from bot.pipeline.inbox import key_text
from bot.pipeline.internal import InternalUpdate, InternalUpdateHandler, conversation_of, store_internal
from bot.rendering import pick_language
from domain.clock import Clock
from domain.enums import DeadlineKind
from domain.models import ConversationDraft, Deadline
from domain.storage.repositories.pipeline import InboxRepository

Step = Callable[[Update, AftersalesContext], Awaitable[object]]
DRAFT = "draft"  # the deadlines' subject type for a conversation draft
FLOW_IDLE_KIND = "flow_idle"  # the internal update that ends a flow left idle
IDLE_RECHECK = timedelta(seconds=30)  # an idle end put off for the buyer's waiting message is looked at again


async def _row(context: AftersalesContext, name: str, chat_id: int, user_id: int) -> ConversationDraft | None:
    query = select(ConversationDraft).where(
        ConversationDraft.conversation == name,
        ConversationDraft.chat_id == chat_id,
        ConversationDraft.user_id == user_id,
    )
    return (await context.uow.session.execute(query)).scalar_one_or_none()


def durable(name: str, data_key: str, step: Step) -> Step:
    async def run(update: Update, context: AftersalesContext) -> object:
        chat_id, user_id = update.effective_chat.id, update.effective_user.id
        row = await _row(context, name, chat_id, user_id)
        if row is not None and data_key not in context.chat_data:
            context.chat_data[data_key] = copy.deepcopy(row.data.get("value"))
        state = await step(update, context)
        if state is None:  # the conversation stays where it was
            return state
        now = context.deps.clock.now()
        if state == ConversationHandler.END:
            if row is not None:
                await context.uow.deadlines.cancel(DeadlineKind.FLOW_IDLE, DRAFT, row.id, at=now)
                await context.uow.session.delete(row)
            context.chat_data.pop(data_key, None)
            return state
        data = {"value": copy.deepcopy(context.chat_data.get(data_key))}
        if row is None:
            row = ConversationDraft(
                conversation=name, chat_id=chat_id, user_id=user_id, state=int(state), data=data, updated_at=now
            )
            context.uow.session.add(row)
            await context.uow.flush()  # the idle deadline names the row
        else:
            row.state, row.data, row.updated_at = int(state), data, now
            flag_modified(row, "data")  # a JSON column: tell SQLAlchemy the value changed
        # Every step moves the idle deadline; a timer in the database survives restarts (JobQueue's would not).
        idle = timedelta(minutes=context.deps.settings.flow_idle_minutes)
        await context.uow.deadlines.schedule(DeadlineKind.FLOW_IDLE, DRAFT, row.id, due_at=now + idle, at=now)
        return state

    run.durable_draft = (name, data_key)  # lets restore_after_rollback find what to put back
    return run


def make_durable(name: str, data_key: str, handlers: Iterable) -> None:
    """Wrap every callback of a ConversationHandler's handlers (entry points, states, fallbacks)."""
    for handler in handlers:
        handler.callback = durable(name, data_key, handler.callback)


def all_handlers(conversation: ConversationHandler) -> list:
    return [
        *conversation.entry_points,
        *(h for hs in conversation.states.values() for h in hs),
        *conversation.fallbacks,
    ]


def durable_conversations(application: Application) -> list[tuple[ConversationHandler, str, str]]:
    """(handler, draft name, chat_data key) of every conversation whose steps are drafts."""
    found = []
    for handlers in application.handlers.values():
        for handler in handlers:
            if isinstance(handler, ConversationHandler):
                marks = {getattr(h.callback, "durable_draft", None) for h in all_handlers(handler)} - {None}
                found.extend((handler, name, data_key) for name, data_key in marks)
    return found


def set_conversation_state(handler: ConversationHandler, key: tuple[int, int], state: int | None) -> None:
    """The one place that writes a ConversationHandler's in-memory state (None ends the conversation).

    python-telegram-bot has no public way to set or end a conversation from
    outside its callbacks; ``_conversations`` is its store. Only code running
    in the chat's turn of the update runner calls this (a rollback's restore,
    a flow ending another, the idle end delivered as an internal update).
    """
    states = handler._conversations  # noqa: SLF001
    if state is None:
        states.pop(key, None)
    else:
        states[key] = state


async def restore_after_rollback(application: Application, uow_factory: Any, update: object) -> None:
    """Put this chat's conversations back to their committed step and data.

    A ConversationHandler moves its in-memory state as soon as a callback
    returns, and its chat_data changes stay too; when the update's transaction
    is rolled back afterwards, nothing undoes that. So before the retry the
    state is set back from the draft row that did commit (no row: no
    conversation), and the draft data is dropped from chat_data for `durable`
    to reload it.
    """
    key = conversation_of(update)
    if key is None:
        return
    async with uow_factory.reading() as uow:
        query = select(ConversationDraft).where(
            ConversationDraft.chat_id == key[0], ConversationDraft.user_id == key[1]
        )
        committed = {row.conversation: row.state for row in (await uow.session.scalars(query)).all()}
    chat_data = application.chat_data.get(key[0])
    for handler, name, data_key in durable_conversations(application):
        set_conversation_state(handler, key, committed.get(name))
        if chat_data is not None:
            chat_data.pop(data_key, None)


def queue_idle_end(clock: Clock) -> Callable[[Any, Deadline], Awaitable[None]]:
    """The sweeper's handler for FLOW_IDLE: queue the flow's end for the chat's turn in the runner.

    The sweeper runs beside the runner; ending the conversation from here
    could cross the buyer's next message. Stored in the inbox under the
    chat's key, the end runs in order with the chat's updates.
    """

    async def queue(uow: Any, deadline: Deadline) -> None:
        draft = await uow.session.get(ConversationDraft, deadline.subject_id)
        if draft is None:  # finished meanwhile
            return
        data = {"draft_id": draft.id, "updated_at": draft.updated_at.isoformat(), "due_at": deadline.due_at.isoformat()}
        idle = InternalUpdate(-deadline.id, FLOW_IDLE_KIND, draft.chat_id, draft.user_id, data)
        await store_internal(InboxRepository(uow.session), idle, at=clock.now())

    return queue


async def end_idle_flow(update: InternalUpdate, context: AftersalesContext) -> None:
    """In the chat's turn: end the flow left idle, say so, and let the next message start afresh."""
    uow = context.uow
    draft = await uow.session.get(ConversationDraft, update.data["draft_id"])
    if draft is None or draft.updated_at.isoformat() != update.data["updated_at"]:
        return  # finished, or moved on after the timer fired: a newer idle deadline stands
    key, due_at = key_text((update.chat_id, update.user_id)), datetime.fromisoformat(update.data["due_at"])
    if await InboxRepository(uow.session).telegram_update_waiting(key, received_by=due_at):
        # Internal updates have negative ids, so the runner takes them before the chat's pending
        # Telegram updates; one that arrived in time goes first. It may not move the flow on
        # (an unknown command keeps the step), so the flow is looked at again soon.
        now = context.deps.clock.now()
        await uow.deadlines.schedule(DeadlineKind.FLOW_IDLE, DRAFT, draft.id, due_at=now + IDLE_RECHECK, at=now)
        return
    user = await uow.users.by_telegram_id(draft.user_id)
    lang = pick_language(user.language if user is not None else None)
    await uow.session.delete(draft)
    value = (draft.data or {}).get("value")
    if isinstance(value, dict):  # the question it waited on loses its buttons
        await remove_keyboard(context, value.get(PENDING_KEYBOARD))
    await context.outbox.send_message(draft.chat_id, context.render("flows/idle_ended.html", lang), parse_mode="HTML")
    chat_data = context.application.chat_data.get(draft.chat_id)
    for handler, name, data_key in durable_conversations(context.application):
        if name == draft.conversation:
            set_conversation_state(handler, (draft.chat_id, draft.user_id), None)
            if chat_data is not None:
                chat_data.pop(data_key, None)


def idle_handlers() -> list[InternalUpdateHandler]:
    return [InternalUpdateHandler(FLOW_IDLE_KIND, end_idle_flow)]
