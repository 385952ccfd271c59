"""The buyer's answers to order events: the choice buttons, and the address typed after "correct it".

Who may answer and what counts is the domain's to say (`order_events`); a
press that no longer stands gets an alert, the used keyboard closes with the choice.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, CallbackQueryHandler, MessageHandler, filters

from bot import callbacks
from bot.context import AftersalesContext, language_of
from bot.handlers.common import answer_query
from bot.keyboards import close_keyboard
from bot.relay.desk import Desk
from bot.relay.order_notices import CHOICE_OF, PREFIX, deliver_order_notices
from domain.errors import NotFound
from domain.services.order_events import answer_order_event, awaiting_address, start_correction
from domain.services.refusals import Forbidden, Refused

# Before the buyer's free text goes to a ticket (group 0), after the names group.
ADDRESS_GROUP = -14


async def press(update: Update, context: AftersalesContext) -> None:
    query, lang, who = update.callback_query, language_of(update), update.effective_user.id
    decoded = callbacks.decode(query.data)
    choice = CHOICE_OF.get(decoded.action) if decoded else None
    event_id = callbacks.first_id(decoded)
    try:
        if choice is None:
            raise Refused("not_a_choice")
        if choice == "correct":
            await start_correction(context.uow, context.deps.clock, event_id, who)
        else:
            done = await answer_order_event(context.uow, context.deps.clock, event_id, who, choice)
    except (Forbidden, NotFound):
        await answer_query(
            query, context.render("buyer/order_event_refused.txt", lang, why="forbidden"), show_alert=True
        )
        return
    except Refused as refusal:
        await answer_query(
            query, context.render("buyer/order_event_refused.txt", lang, why=refusal.why), show_alert=True
        )
        return
    await close_keyboard(context, query, lang)
    number = await _number(context, event_id)
    answer = "ask" if choice == "correct" else choice
    await context.outbox.send_message(
        who,
        context.render("buyer/order_event_answer.html", lang, choice=answer, order_number=number),
        parse_mode="HTML",
    )
    if choice != "correct":
        await deliver_order_notices(Desk.of(context), done.notices)
    await answer_query(query)


async def _number(context: AftersalesContext, event_id: int) -> str:
    from domain.models import OrderEvent

    event = await context.uow.session.get(OrderEvent, event_id)
    return (await context.uow.orders.number_of(event.order_id)) or "" if event else ""


async def take_address(update: Update, context: AftersalesContext) -> None:
    """A buyer who pressed "correct it" types the address; anyone else's text goes on to its handlers."""
    message, who, lang = update.effective_message, update.effective_user.id, language_of(update)
    event = await awaiting_address(context.uow, who)
    if event is None:
        return
    try:
        done = await answer_order_event(context.uow, context.deps.clock, event.id, who, "correct", address=message.text)
    except Refused as refusal:
        await context.outbox.send_message(
            message.chat_id, context.render("buyer/order_event_refused.txt", lang, why=refusal.why)
        )
        raise ApplicationHandlerStop from None
    number = await context.uow.orders.number_of(event.order_id)
    address = (await context.uow.orders.get(event.order_id)).shipping_address
    await context.outbox.send_message(
        message.chat_id,
        context.render("buyer/order_event_answer.html", lang, choice="correct", order_number=number, address=address),
        parse_mode="HTML",
    )
    await deliver_order_notices(Desk.of(context), done.notices)
    raise ApplicationHandlerStop  # the address, not a message for a ticket


def register(application: Application) -> None:
    application.add_handler(CallbackQueryHandler(press, pattern=callbacks.pattern(PREFIX)))
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, take_address), group=ADDRESS_GROUP
    )
