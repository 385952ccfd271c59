"""A conversation's step and data on its draft row, written in the update's transaction.

`durable(name, data_key, step)` wraps a conversation callback: before it, the
draft's data is brought back into `chat_data` (after a restart chat_data is
empty); after it, the new step is stored, or the row deleted when the
conversation ends. `bot.persistence` reads the rows back at start-up.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified
from telegram import Update
from telegram.ext import Application, ConversationHandler

from bot.context import AftersalesContext
from bot.pipeline.outbox import Outbox
from bot.rendering import Renderer, pick_language
from domain.clock import Clock
from domain.enums import DeadlineKind
from domain.models import ConversationDraft, Deadline

Step = Callable[[Update, AftersalesContext], Awaitable[object]]
DRAFT = "draft"  # the deadlines' subject type for a conversation draft


async def _row(context: AftersalesContext, name: str, chat_id: int, user_id: int) -> ConversationDraft | None:
    query = select(ConversationDraft).where(
        ConversationDraft.conversation == name, ConversationDraft.chat_id == chat_id, ConversationDraft.user_id == user_id
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
            row = ConversationDraft(conversation=name, chat_id=chat_id, user_id=user_id, state=int(state), data=data,
                                    updated_at=now)
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
    return [*conversation.entry_points, *(h for hs in conversation.states.values() for h in hs), *conversation.fallbacks]


def durable_conversations(application: Application) -> list[tuple[ConversationHandler, str, str]]:
    """(handler, draft name, chat_data key) of every conversation whose steps are drafts."""
    found = []
    for handlers in application.handlers.values():
        for handler in handlers:
            if isinstance(handler, ConversationHandler):
                marks = {getattr(h.callback, "durable_draft", None) for h in all_handlers(handler)} - {None}
                found.extend((handler, name, data_key) for name, data_key in marks)
    return found


async def restore_after_rollback(application: Application, uow_factory: Any, update: Update) -> None:
    """Put this chat's conversations back to their committed step and data.

    A ConversationHandler moves its in-memory state as soon as a callback
    returns, and its chat_data changes stay too; when the update's transaction
    is rolled back afterwards, nothing undoes that. So before the retry the
    state is set back from the draft row that did commit (no row: no
    conversation), and the draft data is dropped from chat_data for `durable`
    to reload it.
    """
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return
    async with uow_factory.reading() as uow:
        query = select(ConversationDraft).where(ConversationDraft.chat_id == chat.id, ConversationDraft.user_id == user.id)
        committed = {row.conversation: row.state for row in (await uow.session.scalars(query)).all()}
    key = (chat.id, user.id)
    chat_data = application.chat_data.get(chat.id)
    for handler, name, data_key in durable_conversations(application):
        # python-telegram-bot has no public way to set a conversation's state; _conversations is its store.
        states = handler._conversations  # noqa: SLF001
        if name in committed:
            states[key] = committed[name]
        else:
            states.pop(key, None)
        if chat_data is not None:
            chat_data.pop(data_key, None)


def idle_flow_handler(application: Application, renderer: Renderer, clock: Clock) -> Callable[[Any, Deadline], Awaitable[None]]:
    """The sweeper's handler for FLOW_IDLE: end the flow, say so, and let the next message start afresh."""

    async def end_idle_flow(uow: Any, deadline: Deadline) -> None:
        draft = await uow.session.get(ConversationDraft, deadline.subject_id)
        if draft is None:  # finished meanwhile
            return
        user = await uow.users.by_telegram_id(draft.user_id)
        lang = pick_language(user.language if user is not None else None)
        await uow.session.delete(draft)
        await Outbox(uow, clock).send_message(
            draft.chat_id, renderer.render("flows/idle_ended.html", lang), parse_mode="HTML"
        )
        chat_data = application.chat_data.get(draft.chat_id)
        for handler, name, data_key in durable_conversations(application):
            if name == draft.conversation:
                handler._conversations.pop((draft.chat_id, draft.user_id), None)  # noqa: SLF001 (see above)
                if chat_data is not None:
                    chat_data.pop(data_key, None)

    return end_idle_flow
