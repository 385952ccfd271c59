"""Negotiation cards: an offer shown to the buyer and in the store's thread, edited whenever it ends.

Each card is a message the sender records in `offer_cards` once Telegram has
it (result hook `offer_card_sent`); when the offer is accepted, rejected,
countered, withdrawn or expires, every card of it is edited: the outcome and
its time, no buttons. A card whose send was still queued when the offer ended
is edited as soon as it is recorded, so no card keeps buttons for a closed offer.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import callbacks
from bot.relay import topics
from bot.relay.agents import agent_chats
from bot.relay.desk import Desk
from bot.rendering import pick_language
from domain.models import Ticket
from domain.results import Notice, Viewer
from domain.services.offer_views import OfferCardView, offer_card_view
from domain.services.refusals import Forbidden

PREFIX = "of"  # callback data: of:<action>:<offer id>[:<amount in minor units>]
ACCEPT, REJECT, WITHDRAW, COUNTER, COUNTER_AMOUNT = "ac", "rj", "wd", "co", "ca"
CARD_SENT = "offer_card_sent"  # the result hook that records a card
BUYER, STORE = "buyer", "store"
# Notices about offers that this module tells (cards and lines), instead of the request's plain lines.
KINDS = frozenset(
    {
        "offer_proposed",
        "offer_countered",
        "offer_accepted",
        "offer_rejected",
        "offer_expired",
        "offer_withdrawn",
        "offer_reminder",
    }
)


TellStore = Callable[..., Awaitable[None]]


async def ticket_of_offer(uow, offer_id: int) -> Ticket | None:
    """The ticket an offer's request belongs to (None for an offer that is gone)."""
    offer = await uow.requests.get_offer(offer_id)
    request = await uow.requests.get(offer.request_id) if offer else None
    return await uow.tickets.get(request.ticket_id) if request else None


def hours_until(desk: Desk, view: OfferCardView) -> int:
    return max(0, math.ceil((view.respond_by - desk.clock.now()).total_seconds() / 3600))


async def _store_viewer(desk: Desk, store_id: int) -> Viewer | None:
    """The store's view is the same for each of its agents: any active one's."""
    for user in await desk.uow.stores.agent_users(store_id):
        return Viewer("agent", user.telegram_id)
    return None


async def view_for(desk: Desk, offer_id: int, audience: str, ticket: Ticket) -> OfferCardView | None:
    if audience == BUYER:
        buyer = await desk.uow.users.get(ticket.buyer_id)
        viewer = Viewer("buyer", buyer.telegram_id) if buyer else None
    else:
        viewer = await _store_viewer(desk, ticket.store_id)
    if viewer is None:
        return None
    try:
        return await offer_card_view(desk.uow, offer_id, viewer, desk.clock.now())
    except Forbidden:
        return None


def card_text(desk: Desk, view: OfferCardView, audience: str, lang: str) -> str:
    zone = view.buyer_timezone if audience == BUYER else view.store_timezone
    return desk.render(
        f"{'buyer' if audience == BUYER else 'seller'}/offer_card.html",
        lang,
        view=view,
        zone=zone,
        hours=hours_until(desk, view),
    )


def _button(desk: Desk, lang: str, what: str, data: str, **values: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(desk.render("common/offer_button.txt", lang, what=what, **values), callback_data=data)


def keyboard(desk: Desk, view: OfferCardView, lang: str) -> InlineKeyboardMarkup | None:
    """The viewer's buttons while the offer is open (`view.actions`); none once it has ended."""
    oid, actions = view.offer_id, view.actions
    first = [
        _button(desk, lang, what, callbacks.encode(PREFIX, code, oid))
        for what, code in (("accept", ACCEPT), ("reject", REJECT))
        if what in actions
    ]
    rows = [first] if first else []
    if "counter" in actions:
        rows.append([_button(desk, lang, "counter", callbacks.encode(PREFIX, COUNTER, oid))])
    if "withdraw" in actions:
        rows.append([_button(desk, lang, "withdraw", callbacks.encode(PREFIX, WITHDRAW, oid))])
    return InlineKeyboardMarkup(rows) if rows else None


def counter_keyboard(desk: Desk, view: OfferCardView, lang: str) -> InlineKeyboardMarkup:
    """The counter-offer's suggested amounts (the buyer may type another)."""
    return InlineKeyboardMarkup(
        [
            [
                _button(
                    desk,
                    lang,
                    "amount",
                    callbacks.encode(PREFIX, COUNTER_AMOUNT, view.offer_id, amount),
                    amount=amount,
                    currency=view.currency,
                )
                for amount in view.counter_suggestions
            ]
        ]
    )


async def _send_card(desk: Desk, chat_id: int, audience: str, view: OfferCardView, lang: str, **where: Any) -> None:
    await desk.outbox.send_message(
        chat_id,
        card_text(desk, view, audience, lang),
        parse_mode="HTML",
        reply_markup=keyboard(desk, view, lang),
        on_result=CARD_SENT,
        on_result_args={"offer_id": view.offer_id, "audience": audience},
        **where,
    )


async def send_buyer_card(desk: Desk, ticket: Ticket, offer_id: int, buyer_telegram_id: int) -> None:
    view = await view_for(desk, offer_id, BUYER, ticket)
    if view is not None:
        user = await desk.uow.users.by_telegram_id(buyer_telegram_id)
        await _send_card(desk, buyer_telegram_id, BUYER, view, pick_language(user.language if user else None))


async def send_store_cards(desk: Desk, ticket: Ticket, offer_id: int) -> None:
    """In the ticket's topic, or in each agent's private chat when the store has no group."""
    view = await view_for(desk, offer_id, STORE, ticket)
    if view is None:
        return
    group = await topics.group_of(desk, ticket)
    if group is not None and ticket.topic_id is not None:
        lang = await topics.agents_language(desk, ticket.store_id)
        await _send_card(desk, group.chat_id, STORE, view, lang, message_thread_id=ticket.topic_id)
        return
    for agent in await agent_chats(desk, ticket.store_id):
        await _send_card(desk, agent.chat_id, STORE, view, agent.lang)


async def _chat_language(desk: Desk, chat_id: int, audience: str, ticket: Ticket) -> str:
    if audience == STORE and chat_id < 0:
        return await topics.agents_language(desk, ticket.store_id)
    user = await desk.uow.users.by_telegram_id(chat_id)
    return pick_language(user.language if user else None)


def fingerprint(text: str, markup: Any) -> str:
    """What a card shows, as a short digest: its text and its buttons (`markup` as a dict or an object)."""
    if isinstance(markup, InlineKeyboardMarkup):
        markup = markup.to_dict()
    return hashlib.sha256(json.dumps([text, markup], sort_keys=True, ensure_ascii=False).encode()).hexdigest()


async def edit_card(desk: Desk, ticket: Ticket, offer_id: int, audience: str, chat_id: int, message_id: int) -> None:
    """One card drawn again as the offer is now (its outcome, the buttons that remain).

    Not sent when it would show what the card shows already: Telegram refuses an edit that changes
    nothing, and a card can be drawn again by a stale press and then by the offer's end.
    """
    view = await view_for(desk, offer_id, audience, ticket)
    if view is None:
        return
    lang = await _chat_language(desk, chat_id, audience, ticket)
    text, markup = card_text(desk, view, audience, lang), keyboard(desk, view, lang)
    shown = fingerprint(text, markup)
    card = await desk.uow.requests.offer_card_at(chat_id, message_id)
    if card is not None:
        if card.shown == shown:
            return
        card.shown = shown
    await desk.outbox.call(
        "editMessageText",
        {"chat_id": chat_id, "message_id": message_id, "text": text, "parse_mode": "HTML", "reply_markup": markup},
    )


async def refresh_cards(desk: Desk, ticket: Ticket, offer_id: int, audience: str) -> None:
    """Every card of the offer that `audience` holds (each side's notice edits its own, so each card once)."""
    for card in await desk.uow.requests.offer_cards(offer_id):
        if card.audience == audience:
            await edit_card(desk, ticket, offer_id, card.audience, card.chat_id, card.message_id)


async def card_sent(desk: Desk, offer_id: int, audience: str, chat_id: int, message_id: int, shown: str) -> None:
    """The sender's hook: remember the card; if the offer ended while it was queued, show that at once.

    The offer's row is locked first: an answer at the same moment either committed before (its status is
    read here, and the card edited) or waits for this commit (and then finds the card to edit). Unlocked,
    on PostgreSQL each could miss the other's write, and the card would keep its buttons.
    """
    offer = await desk.uow.requests.get_offer(offer_id, for_update=True)
    await desk.uow.requests.add_offer_card(offer_id, audience, chat_id, message_id, shown=shown, at=desk.clock.now())
    await desk.uow.flush()
    if offer is None or (offer.status == "pending" and desk.clock.now() < offer.respond_by):
        return
    ticket = await ticket_of_offer(desk.uow, offer_id)
    if ticket is not None:
        await edit_card(desk, ticket, offer_id, audience, chat_id, message_id)


async def _line(desk: Desk, ticket: Ticket, notice: Notice, tell_store: TellStore) -> None:
    """The words of an offer's outcome for one side (a buyer's line, or the store's in its thread)."""
    data = dict(notice.data)
    number = data.get("number", ticket.number)
    store = await desk.uow.stores.get(ticket.store_id)
    if notice.to == STORE:
        await tell_store(
            desk, ticket, "seller/offer_line.html", kind=notice.kind, number=number, data=data, zone=store.timezone
        )
        return
    if notice.buyer_telegram_id is None:
        return
    user = await desk.uow.users.by_telegram_id(notice.buyer_telegram_id)
    lang = pick_language(user.language if user else None)
    zone = (user.timezone if user and user.timezone else None) or store.timezone
    # A reminder answers the card itself, so the buyer finds the buttons however far up it is.
    card = next(
        (
            c
            for c in await desk.uow.requests.offer_cards(data["offer_id"])
            if c.audience == BUYER and c.chat_id == notice.buyer_telegram_id
        ),
        None,
    )
    await desk.outbox.send_message(
        notice.buyer_telegram_id,
        desk.render(
            "buyer/offer_line.html", lang, kind=notice.kind, number=number, data=data, store_name=store.name, zone=zone
        ),
        parse_mode="HTML",
        reply_parameters={"message_id": card.message_id, "allow_sending_without_reply": True}
        if card is not None and notice.kind == "offer_reminder"
        else None,
    )


# Who hears of an outcome in words, by the side whose offer it was: the one who pressed sees their card change.
_LINES = {
    "offer_accepted": {"store": (STORE,), "buyer": (BUYER,)},  # the buyer accepted: the store is told; and back
    "offer_rejected": {"store": (STORE,), "buyer": (BUYER, STORE)},
    "offer_withdrawn": {"store": (BUYER, STORE)},
    "offer_expired": {"store": (BUYER, STORE), "buyer": (BUYER, STORE)},
    "offer_countered": {"buyer": (BUYER,)},  # the buyer's counter-offer: the store gets its card
    "offer_reminder": {"store": (BUYER,), "buyer": (STORE,)},
}


async def tell(desk: Desk, ticket: Ticket, notice: Notice, tell_store: TellStore) -> None:
    """One offer notice for one side: its cards sent or edited, a line where one is due.

    `tell_store(desk, ticket, template, **values)` puts a line where the store reads (notices.tell_store).
    """
    data = notice.data
    offer_id = data["offer_id"]
    side = data.get("side", STORE)
    if notice.to == STORE:
        await topics.refresh_request_cards(desk, ticket)
    if notice.kind == "offer_proposed":
        if notice.to == BUYER and notice.buyer_telegram_id is not None:
            await send_buyer_card(desk, ticket, offer_id, notice.buyer_telegram_id)
        elif notice.to == STORE:
            await send_store_cards(desk, ticket, offer_id)
        return
    if notice.kind == "offer_countered":
        await refresh_cards(desk, ticket, data["counter_of"], notice.to)  # the store's offer now reads "countered"
        if notice.to == STORE:
            await send_store_cards(desk, ticket, offer_id)
    elif notice.kind != "offer_reminder":
        await refresh_cards(desk, ticket, offer_id, notice.to)
    if notice.to in _LINES.get(notice.kind, {}).get(side, ()):
        await _line(desk, ticket, notice, tell_store)
