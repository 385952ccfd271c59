"""Builds one reason flow's ConversationHandler from its `FlowSpec` and its `State` enum (the shared steps it uses).

Every flow is its own ConversationHandler (named ``flow_<reason>``) in one
handler group. A chat is in at most one flow: a flow's first step ends any
other flow the chat was in (its state and its draft row), so two flows never
compete for the buyer's next message. A command typed mid-flow does what it
says: /cancel leaves the flow; /start, /orders, /tickets, /help and
/language leave it and run.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Awaitable, Callable, Mapping
from enum import IntEnum

from sqlalchemy import select
from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters
from telegram.warnings import PTBUserWarning

from bot.context import AftersalesContext
from bot.conversations import steps
from bot.conversations.drafts import DRAFT, all_handlers, durable_conversations, make_durable, set_conversation_state
from bot.conversations.steps import FlowSpec, Step
from bot.handlers import buyer_views as views
from domain.enums import DeadlineKind
from domain.models import ConversationDraft

NAME_PREFIX = "flow_"


def name_of(spec: FlowSpec) -> str:
    return f"{NAME_PREFIX}{spec.reason.value}"


def leave_and_run(command: Command):
    async def run(update: Update, context: AftersalesContext) -> int:
        await steps.drop_buttons(context, context.chat_data.pop(steps.DRAFT_KEY, None))
        await command(update, context)
        return ConversationHandler.END

    return run


async def other_command(update: Update, context: AftersalesContext) -> None:
    """An unknown command mid-flow: say how to go on or leave; the step stays."""
    lang = await views.buyer_language(update, context)
    await context.outbox.send_message(
        update.effective_chat.id, context.render("flows/unknown_command.html", lang), parse_mode="HTML"
    )


Command = Callable[[Update, AftersalesContext], Awaitable[None]]
# The commands that end a flow and then run (/start, /orders, ...): the buyer's handlers pass them in,
# so the flows need not import the handlers that register them.
Leaving = Mapping[str, Command]


def leaving_commands(leaving: Leaving) -> list:
    """Commands that end a flow (shared with the /claim conversation)."""
    return [CommandHandler(name, leave_and_run(command)) for name, command in leaving.items()]


async def end_other_flows(update: Update, context: AftersalesContext, keep: str) -> None:
    """The chat starts flow `keep`: any other flow it was in ends, in memory and in the database.

    A rollback of this update puts them back (``drafts.restore_after_rollback``
    restores every conversation from its committed row).
    """
    key = (update.effective_chat.id, update.effective_user.id)
    query = select(ConversationDraft).where(
        ConversationDraft.chat_id == key[0],
        ConversationDraft.user_id == key[1],
        ConversationDraft.conversation != keep,
        ConversationDraft.conversation.startswith(NAME_PREFIX),
    )
    now = context.deps.clock.now()
    for row in (await context.uow.session.scalars(query)).all():
        await steps.drop_buttons(context, copy.deepcopy((row.data or {}).get("value")))
        await context.uow.deadlines.cancel(DeadlineKind.FLOW_IDLE, DRAFT, row.id, at=now)
        await context.uow.session.delete(row)
    for handler, name, _data_key in durable_conversations(context.application):
        if name != keep and name.startswith(NAME_PREFIX):
            set_conversation_state(handler, key, None)


def _state_handlers(step: Step, with_specs: Callable) -> list[BaseHandler]:
    words = filters.TEXT & ~filters.COMMAND
    media = filters.PHOTO | filters.VIDEO | filters.Document.ALL
    return {
        Step.PICK_CANCEL_REASON: [
            CallbackQueryHandler(with_specs(steps.pick_cancel_reason), pattern=rf"^{steps.FLOW_PREFIX}:why:")
        ],
        Step.DESCRIBE: [
            MessageHandler(words, with_specs(steps.take_description)),
            MessageHandler(~filters.COMMAND, steps.want_text),
        ],
        Step.MEDIA: [
            MessageHandler(media, steps.take_media),
            CallbackQueryHandler(with_specs(steps.media_done), pattern=rf"^{steps.FLOW_PREFIX}:done:?"),
            MessageHandler(~filters.COMMAND, steps.want_media),
        ],
        Step.CONFIRM: [
            CallbackQueryHandler(steps.submit, pattern=rf"^{steps.FLOW_PREFIX}:send"),
            MessageHandler(~filters.COMMAND, with_specs(steps.want_button)),
        ],
    }[step]


def flow_conversation(
    spec: FlowSpec, states: type[IntEnum], *, leaving: Leaving, persistent: bool = False
) -> ConversationHandler:
    """The flow's ConversationHandler: its reason button starts it; `states` names the shared steps it goes through."""
    name = name_of(spec)
    flow_specs = {str(spec.reason): spec}

    def with_specs(step):
        async def run(update: Update, context: AftersalesContext) -> int:
            return await step(update, context, flow_specs)

        return run

    async def begin(update: Update, context: AftersalesContext) -> int:
        state = await steps.begin(update, context, flow_specs)
        if state != ConversationHandler.END:
            await end_other_flows(update, context, keep=name)
        return state

    with warnings.catch_warnings():
        # per_message=False on purpose: a flow follows the buyer's chat, not one message's buttons.
        warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
        conversation = _conversation(name, spec, begin, with_specs, states, leaving, persistent)
    make_durable(name, steps.DRAFT_KEY, all_handlers(conversation))
    return conversation


def _conversation(
    name: str, spec: FlowSpec, begin, with_specs, states: type[IntEnum], leaving: Leaving, persistent: bool
) -> ConversationHandler:
    return ConversationHandler(
        entry_points=[CallbackQueryHandler(begin, pattern=rf"^{views.REASON_PREFIX}:{spec.reason.value}:")],
        states={state: _state_handlers(Step(state.value), with_specs) for state in states},
        fallbacks=[
            CommandHandler("cancel", with_specs(steps.quit_flow)),
            CallbackQueryHandler(with_specs(steps.quit_flow), pattern=rf"^{steps.FLOW_PREFIX}:quit"),
            *leaving_commands(leaving),
            MessageHandler(filters.COMMAND, other_command),
        ],
        name=name,
        allow_reentry=True,  # the same reason button again starts this flow afresh
        per_chat=True,
        per_user=True,
        persistent=persistent,
    )
