"""Wording and sending what order events and the shipment-overdue timers tell (domain.services.order_events).

The buyer gets one message per event, with the choice buttons where the event
asks for one (`oe:<choice>:<event id>`); the store gets a line in the order's
open ticket's topic, or in each agent's private chat when there is none.
"""

from __future__ import annotations

from collections.abc import Iterable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.relay.agents import agent_chats
from bot.relay.desk import Desk
from bot.relay.notices import tell_store
from bot.rendering import pick_language
from domain.results import Notice

PREFIX = "oe"
CODES = {"refund": "rf", "wait": "wt", "confirm": "ok", "correct": "fx"}
CHOICE_OF = {code: choice for choice, code in CODES.items()}
_ORDER = ("refund", "wait", "confirm", "correct")  # buttons left to right


def choice_keyboard(desk: Desk, lang: str, event_id: int, choices: Iterable[str]) -> InlineKeyboardMarkup | None:
    buttons = [
        InlineKeyboardButton(
            desk.render("buyer/order_event_button.txt", lang, choice=choice),
            callback_data=callbacks.encode(PREFIX, CODES[choice], event_id),
        )
        for choice in _ORDER
        if choice in set(choices)
    ]
    return InlineKeyboardMarkup([buttons]) if buttons else None


async def deliver_order_notices(desk: Desk, notices: Iterable[Notice]) -> None:
    for notice in notices:
        store = await desk.uow.stores.get(notice.store_id) if notice.store_id is not None else None
        if store is None:
            continue
        data = dict(notice.data)
        if notice.to == "store":
            await _tell_store(desk, notice, data)
            continue
        if notice.buyer_telegram_id is None:
            continue
        user = await desk.uow.users.by_telegram_id(notice.buyer_telegram_id)
        lang = pick_language(user.language if user else None)
        order = await desk.uow.orders.get(data["order_id"])
        await desk.outbox.send_message(
            notice.buyer_telegram_id,
            desk.render(
                f"buyer/{notice.kind}.html",
                lang,
                store_name=store.name,
                data=data,
                address=order.shipping_address if order else "",
            ),
            parse_mode="HTML",
            reply_markup=choice_keyboard(desk, lang, data["event_id"], data.get("choices") or ()),
        )


async def _tell_store(desk: Desk, notice: Notice, data: dict) -> None:
    """The order's newest open ticket's topic (or its agents' cards), else each agent's private chat."""
    open_tickets = [t for t in await desk.uow.tickets.open_for_store(notice.store_id) if t.order_id == data["order_id"]]
    values = {"kind": notice.kind, "data": data}
    if open_tickets:
        await tell_store(
            desk, max(open_tickets, key=lambda t: (t.updated_at, t.id)), "seller/order_event_store.html", **values
        )
        return
    for agent in await agent_chats(desk, notice.store_id):
        await desk.outbox.send_message(
            agent.chat_id, desk.render("seller/order_event_store.html", agent.lang, **values), parse_mode="HTML"
        )
