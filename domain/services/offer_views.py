"""What a negotiation card shows: the offer, what it is about, until when, and the presser's buttons.

The same offer is a card in the buyer's chat (Accept, Reject, Counter-offer)
and in the store's thread (Withdraw; for the buyer's counter-offer Accept and
Reject). `actions` are for the given viewer and only while the offer is open,
so no rule lives in a keyboard. Times are aware UTC; the bot shows them in
the reader's zone (`buyer_timezone`: the buyer's own if known, else the
store's, since Telegram does not tell a user's zone) and as "in 23 h".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.enums import OfferStatus, RequestType, Resolution
from domain.errors import NotFound
from domain.results import Viewer
from domain.services.negotiation import BUYER, STORE, answering_side, counter_suggestions, counter_unused
from domain.services.request_access import agent_actor, buyer_actor, load_case
from domain.storage.uow import UnitOfWork


@dataclass(frozen=True)
class OfferItem:
    title: str
    quantity: int


@dataclass(frozen=True)
class OfferCardView:
    offer_id: int
    request_id: int
    ticket_id: int
    ticket_number: int
    store_name: str
    order_number: str | None
    side: str  # "store": the store's offer; "buyer": the buyer's counter-offer
    status: OfferStatus
    open: bool  # pending and not yet expired
    amount_minor: int
    currency: str
    paid_minor: int  # what the affected items cost: the most a counter-offer can ask
    countered_minor: int | None  # for a counter-offer: the store's offer it answers
    request_type: RequestType
    resolution_wanted: Resolution
    items: tuple[OfferItem, ...]
    created_at: datetime
    respond_by: datetime
    answered_at: datetime | None
    buyer_timezone: str
    store_timezone: str
    # For this viewer, while open: accept, reject, counter (the buyer, of a store's offer); withdraw (agents).
    actions: frozenset[str]
    counter_suggestions: tuple[int, ...] = ()


async def offer_card_view(uow: UnitOfWork, offer_id: int, viewer: Viewer, now: datetime) -> OfferCardView:
    """The offer as its buyer or an agent of its store sees it (Forbidden for anyone else)."""
    offer = await uow.requests.get_offer(offer_id)
    if offer is None:
        raise NotFound(f"no offer with id {offer_id}")
    case = await load_case(uow, offer.request_id)
    request, store = case.request, case.store
    if viewer.role == "agent":
        await agent_actor(uow, case, viewer.telegram_id)
        who = STORE
    else:
        await buyer_actor(uow, case, viewer.telegram_id)
        who = BUYER
    is_open = offer.status == OfferStatus.PENDING and now < offer.respond_by
    actions: set[str] = set()
    suggestions: tuple[int, ...] = ()
    if is_open and answering_side(offer) == who:
        actions |= {"accept", "reject"}
        if who == BUYER and store.counter_offers_allowed and await counter_unused(uow, offer):
            actions.add("counter")
            suggestions = counter_suggestions(offer, request.affected_amount_minor)
    if is_open and who == STORE and offer.side == STORE:
        actions.add("withdraw")
    countered = await uow.requests.get_offer(offer.counter_of_id) if offer.counter_of_id else None
    buyer = await uow.users.get(case.ticket.buyer_id)
    return OfferCardView(
        offer_id=offer.id,
        request_id=request.id,
        ticket_id=case.ticket.id,
        ticket_number=case.ticket.number,
        store_name=store.name,
        order_number=case.order_number,
        side=offer.side,
        status=OfferStatus(offer.status),
        open=is_open,
        amount_minor=offer.amount_minor,
        currency=offer.currency,
        paid_minor=request.affected_amount_minor,
        countered_minor=countered.amount_minor if countered else None,
        request_type=RequestType(request.type),
        resolution_wanted=Resolution(request.resolution_wanted),
        items=tuple(OfferItem(item.title, item.quantity) for item in request.items),
        created_at=offer.created_at,
        respond_by=offer.respond_by,
        answered_at=offer.answered_at,
        buyer_timezone=(buyer.timezone if buyer and buyer.timezone else None) or store.timezone,
        store_timezone=store.timezone,
        actions=frozenset(actions),
        counter_suggestions=suggestions,
    )
