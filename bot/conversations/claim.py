"""/claim: bind an order by its number plus the phone or e-mail on it (when there is no order link)."""

from __future__ import annotations

from enum import IntEnum

from telegram import Update
from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

from bot.context import AftersalesContext
from bot.conversations.drafts import all_handlers, make_durable
from bot.conversations.flow_builder import Leaving, leaving_commands, other_command
from bot.handlers import buyer_views as views
from domain.errors import InvalidInput
from domain.services.binding import claim_order

NAME = "claim"
NUMBER_KEY = "claim_number"
MAX_NUMBER = 64


class ClaimStep(IntEnum):
    ASK_NUMBER = 1
    ASK_CONTACT = 2


async def ask_number(update: Update, context: AftersalesContext) -> int:
    lang = await views.buyer_language(update, context)
    if context.args:  # "/claim W-1001" skips the first question
        return await _keep_number(update, context, context.args[0], lang)
    await context.outbox.send_message(
        update.effective_chat.id, context.render("buyer/claim_ask_number.html", lang), parse_mode="HTML"
    )
    return ClaimStep.ASK_NUMBER


async def take_number(update: Update, context: AftersalesContext) -> int:
    lang = await views.buyer_language(update, context)
    return await _keep_number(update, context, update.effective_message.text, lang)


async def _keep_number(update: Update, context: AftersalesContext, number: str, lang: str) -> int:
    number = number.strip().lstrip("#")
    if not number or len(number) > MAX_NUMBER or any(ch.isspace() for ch in number):
        await context.outbox.send_message(
            update.effective_chat.id, context.render("buyer/claim_bad_number.html", lang), parse_mode="HTML"
        )
        return ClaimStep.ASK_NUMBER
    context.chat_data[NUMBER_KEY] = number
    await context.outbox.send_message(
        update.effective_chat.id, context.render("buyer/claim_ask_contact.html", lang, number=number), parse_mode="HTML"
    )
    return ClaimStep.ASK_CONTACT


async def take_contact(update: Update, context: AftersalesContext) -> int:
    """The answer is checked by the service; a wrong one is recorded (and counted) in this update's transaction."""
    lang = await views.buyer_language(update, context)
    user, chat_id = update.effective_user, update.effective_chat.id
    number = context.chat_data.get(NUMBER_KEY)
    if not number:
        return await ask_number(update, context)
    try:
        result = await claim_order(
            context.uow,
            context.deps.clock,
            user.id,
            number,
            update.effective_message.text,
            name=user.full_name,
            language=lang,
        )
    except InvalidInput:  # not a phone number or e-mail at all: no guess, not counted
        await context.outbox.send_message(
            chat_id, context.render("buyer/claim_bad_contact.html", lang), parse_mode="HTML"
        )
        return ClaimStep.ASK_CONTACT
    if result.outcome == "no_match":
        await context.outbox.send_message(
            chat_id,
            context.render("buyer/claim_no_match.html", lang, attempts_left=result.attempts_left),
            parse_mode="HTML",
        )
        if result.attempts_left > 0:
            return ClaimStep.ASK_NUMBER
    elif result.outcome == "rate_limited":
        await context.outbox.send_message(
            chat_id,
            context.render("buyer/claim_rate_limited.html", lang, retry_after=result.retry_after),
            parse_mode="HTML",
        )
    else:
        await context.outbox.send_message(
            chat_id, context.render("buyer/claim_bound.html", lang, number=number), parse_mode="HTML"
        )
        await views.send_orders(update, context, lang)
    context.chat_data.pop(NUMBER_KEY, None)
    return ConversationHandler.END


async def want_text(update: Update, context: AftersalesContext) -> None:
    lang = await views.buyer_language(update, context)
    await context.outbox.send_message(
        update.effective_chat.id, context.render("flows/want_text.html", lang), parse_mode="HTML"
    )


async def leave(update: Update, context: AftersalesContext) -> int:
    lang = await views.buyer_language(update, context)
    context.chat_data.pop(NUMBER_KEY, None)
    await context.outbox.send_message(
        update.effective_chat.id, context.render("flows/left.html", lang), parse_mode="HTML"
    )
    return ConversationHandler.END


def build(*, leaving: Leaving, persistent: bool = False) -> ConversationHandler:
    words = filters.TEXT & ~filters.COMMAND
    conversation = ConversationHandler(
        entry_points=[CommandHandler("claim", ask_number, filters=filters.ChatType.PRIVATE)],
        states={
            ClaimStep.ASK_NUMBER: [MessageHandler(words, take_number), MessageHandler(~filters.COMMAND, want_text)],
            ClaimStep.ASK_CONTACT: [MessageHandler(words, take_contact), MessageHandler(~filters.COMMAND, want_text)],
        },
        fallbacks=[
            CommandHandler("cancel", leave),
            *leaving_commands(leaving),
            MessageHandler(filters.COMMAND, other_command),
        ],
        name=NAME,
        allow_reentry=True,
        persistent=persistent,
    )
    make_durable(NAME, NUMBER_KEY, all_handlers(conversation))
    return conversation
