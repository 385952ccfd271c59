"""The one ConversationHandler for the reason flows; each flow module gives its `FlowSpec`.

A command typed mid-flow does what it says: /cancel leaves the flow; /start,
/orders, /tickets, /help, /language and /claim leave it and run.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from bot.context import AftersalesContext
from bot.conversations import (
    cancel_order,
    change_address,
    change_size_colour,
    contact_seller,
    remove_product,
    report_problem,
    return_refund,
    steps,
)
from bot.conversations.drafts import all_handlers, make_durable
from bot.conversations.steps import Step
from bot.handlers import buyer_views as views

FLOW_MODULES = (contact_seller, change_address, change_size_colour, remove_product, cancel_order, return_refund, report_problem)
NAME = "ticket_flow"


def specs() -> dict[str, steps.FlowSpec]:
    return {str(spec.reason): spec for spec in (module.build() for module in FLOW_MODULES)}


def leave_and_run(command: Callable[[Update, AftersalesContext], Awaitable[None]]):
    async def run(update: Update, context: AftersalesContext) -> int:
        context.chat_data.pop(steps.DRAFT_KEY, None)
        await command(update, context)
        return ConversationHandler.END

    return run


async def other_command(update: Update, context: AftersalesContext) -> None:
    """An unknown command mid-flow: say how to go on or leave; the step stays."""
    lang = await views.buyer_language(update, context)
    await context.outbox.send_message(update.effective_chat.id, context.render("flows/unknown_command.html", lang), parse_mode="HTML")


def leaving_commands() -> list:
    """Commands that end a flow (shared with the /claim conversation)."""
    from bot.handlers import buyer, tickets

    return [
        CommandHandler("start", leave_and_run(buyer.start)),
        CommandHandler("orders", leave_and_run(buyer.show_orders)),
        CommandHandler("tickets", leave_and_run(tickets.list_tickets)),
        CommandHandler("help", leave_and_run(buyer.help_command)),
        CommandHandler("language", leave_and_run(buyer.choose_language)),
    ]


def build(*, persistent: bool = False) -> ConversationHandler:
    flow_specs = specs()

    def with_specs(step):
        async def run(update: Update, context: AftersalesContext) -> int:
            return await step(update, context, flow_specs)

        return run

    reasons = "|".join(flow_specs)
    words = filters.TEXT & ~filters.COMMAND
    media = filters.PHOTO | filters.VIDEO | filters.Document.ALL
    conversation = ConversationHandler(
        entry_points=[CallbackQueryHandler(with_specs(steps.begin), pattern=rf"^{views.REASON_PREFIX}:({reasons}):")],
        states={
            Step.PICK_CANCEL_REASON: [CallbackQueryHandler(with_specs(steps.pick_cancel_reason), pattern=rf"^{steps.FLOW_PREFIX}:why:")],
            Step.DESCRIBE: [
                MessageHandler(words, with_specs(steps.take_description)),
                MessageHandler(~filters.COMMAND, steps.want_text),
            ],
            Step.MEDIA: [
                MessageHandler(media, steps.take_media),
                CallbackQueryHandler(steps.media_done, pattern=rf"^{steps.FLOW_PREFIX}:done:?"),
                MessageHandler(~filters.COMMAND, steps.want_media),
            ],
            Step.CONFIRM: [
                CallbackQueryHandler(steps.submit, pattern=rf"^{steps.FLOW_PREFIX}:send"),
                MessageHandler(~filters.COMMAND, steps.want_button),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", steps.quit_flow),
            CallbackQueryHandler(steps.quit_flow, pattern=rf"^{steps.FLOW_PREFIX}:quit"),
            *leaving_commands(),
            MessageHandler(filters.COMMAND, other_command),
        ],
        name=NAME,
        allow_reentry=True,  # another reason button starts that flow over this one
        per_chat=True,
        per_user=True,
        persistent=persistent,
    )
    make_durable(NAME, steps.DRAFT_KEY, all_handlers(conversation))
    return conversation
