"""What the buyer sees again and again: their language, their orders, an order's menu.

Shared by the buyer's commands and conversations; keyboards are built here,
next to the rendering (STYLE.md, habit 6), button texts come from templates.
"""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot import callbacks
from bot.context import AftersalesContext, language_of
from bot.handlers.common import answer_query
from bot.relay.announce import announce_ticket  # the seller side: a new ticket's topic or private cards
from bot.relay.card_warning import warn_card_masked
from bot.relay.desk import Desk
from bot.rendering import pick_language
from domain.models import Order
from domain.results import Verdict
from domain.services.binding import buyer_orders
from domain.services.order_menu import order_menu
from domain.services.refusals import Refused
from domain.services.tickets import open_ticket

ORDER_PREFIX = "ord"  # ord:show:<order id>
REASON_PREFIX = "rsn"  # rsn:<reason>:<order id>
ASK_PREFIX = "ask"  # ask:<reason>:<order id> — "Ask the seller" after an automatic answer
HELP_PREFIX = "hlp"  # hlp:<topic>
LANGUAGE_PREFIX = "lng"  # lng:set:<language>
SELF_SERVICE_TOPICS = (
    "defect",
    "no_changes",
    "refund_time",
    "missing_parts",
    "get_help",
    "returns",
    "checkout",
    "case_order",
)


async def buyer_language(update: Update, context: AftersalesContext) -> str:
    """The language the buyer chose with /language, else their Telegram client's."""
    user = update.effective_user
    if user is not None:
        row = await context.uow.users.by_telegram_id(user.id)
        if row is not None and row.language:
            return pick_language(row.language)
    return language_of(update)


def _button(text: str, prefix: str, action: str, *args: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=callbacks.encode(prefix, action, *args))


async def send_orders(update: Update, context: AftersalesContext, lang: str, *, quiet_if_none: bool = False) -> None:
    """The buyer's orders as buttons, or how to link one (unless `quiet_if_none`: the greeting says it)."""
    chat_id = update.effective_chat.id
    orders = await buyer_orders(context.uow, update.effective_user.id)
    if not orders:
        if quiet_if_none:
            return
        await context.outbox.send_message(chat_id, context.render("buyer/no_orders.html", lang), parse_mode="HTML")
        return
    rows = [
        [_button(context.render("buyer/order_button.txt", lang, order=order), ORDER_PREFIX, "show", order.order_id)]
        for order in orders
    ]
    await context.outbox.send_message(
        chat_id,
        context.render("buyer/orders.html", lang, count=len(orders)),
        parse_mode="HTML",
        reply_markup=InlineKeyboardMarkup(rows),
    )


async def bound_order(context: AftersalesContext, telegram_user_id: int, order_id: int) -> Order | None:
    """The order if it exists and is bound to this buyer; the id in a button is never trusted."""
    user = await context.uow.users.by_telegram_id(telegram_user_id)
    order = await context.uow.orders.get(order_id)
    if user is None or order is None or not await context.uow.users.is_bound(user.id, order.id):
        return None
    return order


async def order_of_button(
    context: AftersalesContext, query: CallbackQuery
) -> tuple[callbacks.Callback | None, Order | None]:
    """The pressed button's decoded data and its order, if that order is the presser's."""
    decoded = callbacks.decode(query.data or "")
    return decoded, await bound_order(context, query.from_user.id, callbacks.first_id(decoded))


async def order_card(context: AftersalesContext, order: Order, lang: str) -> tuple[str, InlineKeyboardMarkup]:
    """The order's card: its items, total, address and status, the lines on what no longer applies,
    and a button for each reason that fits the order now (`order_menu` decides which)."""
    store = await context.uow.stores.get(order.store_id)
    menu = order_menu(order.status, international=order.international)
    rows = [
        [
            _button(
                context.render("buyer/reason_button.txt", lang, reason=reason.value),
                REASON_PREFIX,
                reason.value,
                order.id,
            )
        ]
        for reason in menu.offered
    ]
    text = context.render("buyer/order_menu.html", lang, order=order, store_name=store.name if store else "", menu=menu)
    return text, InlineKeyboardMarkup(rows)


async def send_order_menu(context: AftersalesContext, chat_id: int, order: Order, lang: str) -> None:
    text, keyboard = await order_card(context, order, lang)
    await context.outbox.send_message(chat_id, text, parse_mode="HTML", reply_markup=keyboard)


def reason_verdict(order: Order, reason: str) -> Verdict:
    """Whether the pressed reason still fits the order: the card may be older than the order's status."""
    return order_menu(order.status, international=order.international).verdict(reason)


async def refuse_reason(
    context: AftersalesContext,
    query: CallbackQuery,
    order: Order,
    reason: str,
    why: str | None,
    lang: str,
    *,
    on_card: bool,
) -> None:
    """A reason pressed that no longer fits the order: an alert saying why, and (`on_card`, the press came
    from the order's card) the card brought up to date, so its buttons are the ones that still apply."""
    message = query.message
    refresh = on_card and isinstance(message, Message)  # an inaccessible (very old) message cannot be edited
    alert = context.render("buyer/reason_gone.txt", lang, reason=reason, why=why or "", refreshed=refresh)
    await answer_query(query, alert, show_alert=True)
    if not refresh:
        return
    text, keyboard = await order_card(context, order, lang)
    await context.outbox.call(
        "editMessageText",
        {
            "chat_id": message.chat.id,
            "message_id": message.message_id,
            "text": text,
            "parse_mode": "HTML",
            "reply_markup": keyboard,
        },
    )


def ask_seller_keyboard(context: AftersalesContext, lang: str, reason: str, order_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[_button(context.render("buyer/button_ask_seller.txt", lang), ASK_PREFIX, reason, order_id)]]
    )


def help_keyboard(context: AftersalesContext, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(context.render("buyer/help_topic_button.txt", lang, topic=topic), HELP_PREFIX, topic)]
            for topic in SELF_SERVICE_TOPICS
        ]
    )


def language_keyboard(context: AftersalesContext, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button(context.render("buyer/language_button.txt", lang, code=code), LANGUAGE_PREFIX, "set", code)
                for code in ("en", "zh")
            ]
        ]
    )


async def open_and_announce(
    context: AftersalesContext,
    chat_id: int,
    telegram_user_id: int,
    order_id: int,
    reason: str,
    lang: str,
    text: str | None = None,
    attachments: tuple = (),
    *,
    cancel_reason: str | None = None,
) -> bool:
    """Open the ticket, hand it to the seller side, tell the buyer; False (and a polite no) when refused."""
    try:
        opened = await open_ticket(
            context.uow,
            context.deps.clock,
            telegram_user_id,
            order_id,
            reason,
            text,
            attachments,
            cancel_reason=cancel_reason,
        )
    except Refused as refusal:
        await context.outbox.send_message(
            chat_id, context.render("buyer/refused.html", lang, why=refusal.why), parse_mode="HTML"
        )
        return False
    await announce_ticket(context, opened)
    await context.outbox.send_message(
        chat_id,
        context.render("buyer/ticket_opened.html", lang, ticket=opened.ticket, created=opened.created),
        parse_mode="HTML",
    )
    await warn_card_masked(Desk.of(context), chat_id, lang, opened.masked_cards)
    return True
