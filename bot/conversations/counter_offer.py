"""The buyer's counter-offer: Counter-offer on the negotiation card, then an amount (a suggestion or typed).

One step: the amount, more than the store's offer and at most what was paid
for the affected items. A wrong amount is asked for again, saying why; the
domain decides (`negotiation.counter_offer`), so an offer that expired or was
withdrawn meanwhile ends the step with the truthful alert. /cancel leaves the
store's offer as it was. The offer's id is the step's durable data.
"""

from __future__ import annotations

import warnings
from enum import IntEnum

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters
from telegram.warnings import PTBUserWarning

from bot import callbacks
from bot.amounts import parse_amount
from bot.context import AftersalesContext
from bot.conversations.drafts import all_handlers, make_durable
from bot.conversations.flow_builder import Leaving, end_other_flows, leaving_commands, other_command
from bot.handlers import buyer_views as views
from bot.handlers.common import answer_query
from bot.handlers.offers import refusal_text
from bot.relay import offer_cards
from bot.relay.desk import Desk
from bot.relay.notices import deliver_notices
from bot.rendering import format_money
from domain.errors import NotFound
from domain.results import Viewer
from domain.services.offer_views import offer_card_view
from domain.services.refusals import Forbidden, Refused
from domain.services.requests import counter_offer

NAME = "counter_offer"
OFFER_KEY = "counter_offer_id"
RE_ASK = frozenset({"counter_too_low", "counter_over_cap", "amount_unreadable"})


class CounterStep(IntEnum):
    AMOUNT = 1


async def _view(context: AftersalesContext, offer_id: int, who: int):
    return await offer_card_view(context.uow, offer_id, Viewer("buyer", who), context.deps.clock.now())


def _example(view, lang: str) -> str:
    middle = (view.amount_minor + view.paid_minor) // 2
    return format_money(middle, view.currency, lang)


async def begin(update: Update, context: AftersalesContext) -> int:
    query, who = update.callback_query, update.effective_user.id
    lang = await views.buyer_language(update, context)
    offer_id = callbacks.first_id(callbacks.decode(query.data or ""))
    try:
        view = await _view(context, offer_id, who)
    except (Forbidden, NotFound):
        await answer_query(query, await refusal_text(context, lang, "forbidden", offer_id, who), show_alert=True)
        return ConversationHandler.END
    if "counter" not in view.actions:
        why = "counter_used" if view.open else ("offer_expired" if view.status == "pending" else f"offer_{view.status}")
        details = {"at": view.answered_at, "expired_at": view.respond_by}
        await answer_query(query, await refusal_text(context, lang, why, offer_id, who, details), show_alert=True)
        return ConversationHandler.END
    await end_other_flows(update, context, keep=NAME)
    context.chat_data[OFFER_KEY] = offer_id
    await context.outbox.send_message(
        update.effective_chat.id,
        context.render("flows/counter_ask.html", lang, view=view, example=_example(view, lang)),
        parse_mode="HTML",
        reply_markup=offer_cards.counter_keyboard(Desk.of(context), view, lang),
    )
    await answer_query(query)
    return CounterStep.AMOUNT


async def _submit(update: Update, context: AftersalesContext, amount_of) -> int:
    """`amount_of(view)` reads the amount (minor units) or raises Refused("amount_unreadable")."""
    who, lang = update.effective_user.id, await views.buyer_language(update, context)
    query = update.callback_query
    offer_id = context.chat_data.get(OFFER_KEY)
    chat_id = update.effective_chat.id
    try:
        view = await _view(context, offer_id, who)
        done = await counter_offer(context.uow, context.deps.clock, offer_id, who, amount_of(view))
    except (Forbidden, NotFound):
        context.chat_data.pop(OFFER_KEY, None)
        if query:
            await answer_query(query)
        return ConversationHandler.END
    except Refused as refusal:
        if refusal.why in RE_ASK:
            if query:
                await answer_query(query)
            await context.outbox.send_message(
                chat_id,
                context.render(
                    "flows/counter_invalid.html", lang, why=refusal.why, view=view, example=_example(view, lang)
                ),
                parse_mode="HTML",
            )
            return CounterStep.AMOUNT
        text = await refusal_text(context, lang, refusal.why, offer_id, who, refusal.details)
        if query:
            await answer_query(query, text, show_alert=True)
        else:
            await context.outbox.send_message(chat_id, text)
        context.chat_data.pop(OFFER_KEY, None)
        return ConversationHandler.END
    context.chat_data.pop(OFFER_KEY, None)
    await deliver_notices(Desk.of(context), done.notices)
    if query:
        await answer_query(query)
        await context.outbox.call(  # the suggestions are spent
            "editMessageReplyMarkup", {"chat_id": chat_id, "message_id": query.message.message_id}
        )
    return ConversationHandler.END


async def take_button(update: Update, context: AftersalesContext) -> int:
    decoded = callbacks.decode(update.callback_query.data or "")
    pressed = decoded.args[1] if decoded and len(decoded.args) > 1 and decoded.args[1].isdigit() else None

    def amount_of(_view) -> int:
        if pressed is None:
            raise Refused("amount_unreadable")
        return int(pressed)

    return await _submit(update, context, amount_of)


async def take_text(update: Update, context: AftersalesContext) -> int:
    """A typed amount; a photo or sticker reads as no amount: asked again, saying why."""
    lang = await views.buyer_language(update, context)
    text = update.effective_message.text
    return await _submit(update, context, lambda view: parse_amount(text, lang, view.currency))


async def leave(update: Update, context: AftersalesContext) -> int:
    lang = await views.buyer_language(update, context)
    offer_id = context.chat_data.pop(OFFER_KEY, None)
    try:
        still_open = bool(offer_id) and (await _view(context, offer_id, update.effective_user.id)).open
    except (Forbidden, NotFound):
        still_open = False
    await context.outbox.send_message(
        update.effective_chat.id, context.render("flows/counter_left.html", lang, open=still_open), parse_mode="HTML"
    )
    return ConversationHandler.END


def build(*, leaving: Leaving, persistent: bool = False) -> ConversationHandler:
    private = filters.ChatType.PRIVATE
    with warnings.catch_warnings():
        # per_message=False on purpose: the amount may be typed, not only pressed.
        warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
        conversation = ConversationHandler(
            entry_points=[
                CallbackQueryHandler(begin, pattern=rf"^{offer_cards.PREFIX}:{offer_cards.COUNTER}:"),
            ],
            states={
                CounterStep.AMOUNT: [
                    CallbackQueryHandler(take_button, pattern=rf"^{offer_cards.PREFIX}:{offer_cards.COUNTER_AMOUNT}:"),
                    MessageHandler(private & ~filters.COMMAND, take_text),
                ],
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
    make_durable(NAME, OFFER_KEY, all_handlers(conversation))
    return conversation
