"""A conversation's step and data on its draft row, written in the update's transaction.

`durable(name, data_key, step)` wraps a conversation callback: before it, the
draft's data is brought back into `chat_data` (after a restart chat_data is
empty); after it, the new step is stored, or the row deleted when the
conversation ends. `bot.persistence` reads the rows back at start-up.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified
from telegram import Update
from telegram.ext import ConversationHandler

from bot.context import AftersalesContext
from domain.models import ConversationDraft

Step = Callable[[Update, AftersalesContext], Awaitable[object]]


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
        if state == ConversationHandler.END:
            if row is not None:
                await context.uow.session.delete(row)
            context.chat_data.pop(data_key, None)
            return state
        data = {"value": copy.deepcopy(context.chat_data.get(data_key))}
        if row is None:
            context.uow.session.add(
                ConversationDraft(conversation=name, chat_id=chat_id, user_id=user_id, state=int(state), data=data,
                                  updated_at=context.deps.clock.now())
            )
        else:
            row.state, row.data, row.updated_at = int(state), data, context.deps.clock.now()
            flag_modified(row, "data")  # a JSON column: tell SQLAlchemy the value changed
        return state

    return run


def make_durable(name: str, data_key: str, handlers: Iterable) -> None:
    """Wrap every callback of a ConversationHandler's handlers (entry points, states, fallbacks)."""
    for handler in handlers:
        handler.callback = durable(name, data_key, handler.callback)


def all_handlers(conversation: ConversationHandler) -> list:
    return [*conversation.entry_points, *(h for hs in conversation.states.values() for h in hs), *conversation.fallbacks]
