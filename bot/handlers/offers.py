"""Presses on negotiation cards: the buyer's Accept and Reject, the store's Withdraw, Accept and Reject of a counter-offer.

The callback data names an offer by id only; the domain checks it against the
database and the presser, and decides once (`domain.services.negotiation`).
The press is answered after the commit (`answer_query`), so no toast announces
a decision that rolled back. A refusal is an alert that says what became of the
offer ("accepted already", "expired at 14:02"), and the pressed card is drawn
again as the offer is now. Counter-offer presses start their own conversation
(`bot.conversations.counter_offer`).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot import callbacks
from bot.context import AftersalesContext, language_of
from bot.handlers.common import answer_query
from bot.relay import offer_cards
from bot.relay.desk import Desk
from bot.relay.notices import deliver_notices
from domain.errors import NotFound
from domain.services.refusals import Forbidden, Refused
from domain.services.requests import accept_offer, reject_offer, withdraw_offer

SERVICES = {
    offer_cards.ACCEPT: (accept_offer, "accepted"),
    offer_cards.REJECT: (reject_offer, "rejected"),
    offer_cards.WITHDRAW: (withdraw_offer, "withdrawn"),
}


async def reader_zone(context: AftersalesContext, offer_id: int, telegram_id: int) -> str | None:
    """The zone to show an offer's times to the presser in: the buyer's own (or the store's), the store's."""
    ticket = await offer_cards.ticket_of_offer(context.uow, offer_id)
    store = await context.uow.stores.get(ticket.store_id) if ticket else None
    if store is None:
        return None
    user = await context.uow.users.by_telegram_id(telegram_id)
    if user is not None and user.id == ticket.buyer_id and user.timezone:
        return user.timezone
    return store.timezone


async def refusal_text(
    context: AftersalesContext, lang: str, why: str, offer_id: int, who: int, details: dict | None = None
) -> str:
    """The alert for a refused press; `details` are the refusal's (`at`, `expired_at`)."""
    details = details or {}
    zone = await reader_zone(context, offer_id, who)
    values = {"at": details.get("at"), "expired_at": details.get("expired_at")}
    return context.render("common/offer_refused.txt", lang, why=why, zone=zone, **values)


async def redraw_pressed(context: AftersalesContext, desk: Desk, query, offer_id: int) -> None:
    """The pressed card as the offer is now (buttons gone once it ended); unchanged cards are left alone."""
    message = query.message
    if message is None:
        return
    ticket = await offer_cards.ticket_of_offer(context.uow, offer_id)
    if ticket is None:
        return
    card = await context.uow.requests.offer_card_at(message.chat.id, message.message_id)
    audience = card.audience if card else (offer_cards.BUYER if message.chat.type == "private" else offer_cards.STORE)
    if card is None and audience == offer_cards.BUYER:
        buyer = await context.uow.users.get(ticket.buyer_id)
        if buyer is None or buyer.telegram_id != message.chat.id:
            audience = offer_cards.STORE  # an agent's private card
    await offer_cards.edit_card(desk, ticket, offer_id, audience, message.chat.id, message.message_id)


async def press(update: Update, context: AftersalesContext) -> None:
    query, lang = update.callback_query, language_of(update)
    decoded = callbacks.decode(query.data or "")
    offer_id = callbacks.first_id(decoded)
    found = SERVICES.get(decoded.action) if decoded else None
    if found is None or not offer_id:
        await answer_query(query, context.render("common/stale_button.txt", lang), show_alert=True)
        return
    service, outcome = found
    desk, who = Desk.of(context), update.effective_user.id
    try:
        done = await service(context.uow, context.deps.clock, offer_id, who)
    except Forbidden:
        await answer_query(query, await refusal_text(context, lang, "forbidden", offer_id, who), show_alert=True)
        return
    except NotFound:
        await answer_query(query, context.render("common/stale_button.txt", lang), show_alert=True)
        return
    except Refused as refusal:
        text = await refusal_text(context, lang, refusal.why, offer_id, who, refusal.details)
        await answer_query(query, text, show_alert=True)
        if refusal.why.startswith("offer_"):
            await redraw_pressed(context, desk, query, offer_id)
        return
    await deliver_notices(desk, done.notices)
    await answer_query(query, context.render("common/offer_done.txt", lang, what=outcome))


def handlers() -> list:
    codes = "|".join(SERVICES)
    return [CallbackQueryHandler(press, pattern=rf"^{offer_cards.PREFIX}:({codes}):")]
