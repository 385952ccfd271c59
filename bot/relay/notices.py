"""Wording and sending the seller-side notices the ticket services return (closing, rating, reminders)."""

from __future__ import annotations

from collections.abc import Iterable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.relay import topics
from bot.relay.agents import agent_chats
from bot.relay.desk import Desk
from bot.rendering import pick_language
from domain.models import Ticket
from domain.results import Notice

RATE_PREFIX = "rate"  # callback data: rate:<stars>:<ticket id>


def rating_keyboard(ticket_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("⭐" * stars, callback_data=callbacks.encode(RATE_PREFIX, str(stars), ticket_id))
                for stars in range(1, 6)
            ]
        ]
    )


async def tell_store(desk: Desk, ticket: Ticket, template: str, **values: object) -> None:
    """A line for the store: in the ticket's topic, or in each agent's private chat."""
    group = await topics.group_of(desk, ticket)
    if group is not None and ticket.topic_id is not None:
        lang = await topics.agents_language(desk, ticket.store_id)
        await desk.outbox.send_message(
            group.chat_id, desk.render(template, lang, **values), parse_mode="HTML", message_thread_id=ticket.topic_id
        )
        return
    for agent in await agent_chats(desk, ticket.store_id):
        await desk.outbox.send_message(agent.chat_id, desk.render(template, agent.lang, **values), parse_mode="HTML")


async def _buyer_lang(desk: Desk, telegram_id: int) -> str:
    user = await desk.uow.users.by_telegram_id(telegram_id)
    return pick_language(user.language if user else None)


async def deliver_notices(desk: Desk, notices: Iterable[Notice], *, to: tuple[str, ...] = ("buyer", "store")) -> None:
    """Word and send each notice for the audiences in `to` (the others are left to their side's code)."""
    for notice in notices:
        if notice.to not in to:
            continue
        ticket = await desk.uow.tickets.get(notice.ticket_id) if notice.ticket_id is not None else None
        if ticket is None:
            continue
        data = dict(notice.data)
        number = data.get("number", ticket.number)
        if notice.to == "store":
            if notice.kind == "ticket_closed":
                await topics.close_topic(desk, ticket)
                await tell_store(
                    desk,
                    ticket,
                    "seller/closed_store.html",
                    number=number,
                    closed_by=data.get("closed_by"),
                    reason=data.get("reason"),
                )
            elif notice.kind in ("first_response_reminder", "first_response_overdue"):
                store = await desk.uow.stores.get(ticket.store_id)
                due = topics.local_time(data.get("due_at"), store) if store else data.get("due_at")
                await tell_store(desk, ticket, f"seller/{notice.kind}.html", number=number, due=due)
                await topics.refresh_topic(desk, ticket)
            elif notice.kind == "ticket_rated":
                await tell_store(desk, ticket, "seller/rated_store.html", number=number, stars=data.get("stars"))
            continue
        if notice.buyer_telegram_id is None:
            continue
        lang = await _buyer_lang(desk, notice.buyer_telegram_id)
        if notice.kind == "ticket_closed":
            store = await desk.uow.stores.get(ticket.store_id)
            await desk.outbox.send_message(
                notice.buyer_telegram_id,
                desk.render(
                    "seller/closed_buyer.html",
                    lang,
                    number=number,
                    store_name=store.name if store else "",
                    closed_by=data.get("closed_by"),
                ),
                parse_mode="HTML",
            )
        elif notice.kind == "rating_request":
            await desk.outbox.send_message(
                notice.buyer_telegram_id,
                desk.render("seller/rate_ask.html", lang, number=number),
                parse_mode="HTML",
                reply_markup=rating_keyboard(ticket.id),
            )
