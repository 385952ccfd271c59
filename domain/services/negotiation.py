"""The negotiation card's answers: accept, reject, counter-offer; and the offer's reminder and expiry.

docs/business-rules.md#negotiation. An offer is the store's partial refund
(`side` "store", answered by the buyer) or, where the store allows it, the
buyer's counter-offer to it (`side` "buyer", answered by the store's agents),
once per request. Each answer is decided once, by a compare-and-set that
also requires the offer to be unexpired (`UPDATE … WHERE status = 'pending'
AND respond_by > now`): of a double press, two devices, a press racing the
expiry, the same update twice, one wins; the loser's unit of work gets
`ConcurrentChange`, is rolled back and retried, and meets a truthful
`Refused` ("offer_accepted", "offer_expired" with the time) here.

Accepting resolves the request with the offer's amount and records the money
event for the marketplace in the same transaction. Rejecting, a counter-offer
the store turns down, or no answer in time returns the request to the store,
whose paused answer clock resumes with what was left; the store must then
approve or reject (no second partial refund after the buyer has answered one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.clock import Clock
from domain.enums import OfferStatus, RequestStatus, Resolution
from domain.errors import NotFound
from domain.models import Offer
from domain.results import Notice
from domain.services import request_clock
from domain.services.money import currency_precision
from domain.services.money_events import COUNTER_OFFER_ACCEPTED, PARTIAL_REFUND_ACCEPTED, record_money_event
from domain.services.refusals import Refused
from domain.services.request_access import SYSTEM, RequestCase, agent_actor, buyer_actor, load_case
from domain.services.request_decisions import Decision, end_offer, offer_notices, require_pending
from domain.states import transition
from domain.storage.uow import UnitOfWork

STORE, BUYER = "store", "buyer"  # who made the offer; the other side answers it


@dataclass(frozen=True)
class OfferCase:
    offer: Offer
    case: RequestCase


def answering_side(offer: Offer) -> str:
    """Who answers this offer: the buyer a store's offer, the store a buyer's counter-offer."""
    return BUYER if (offer.side or STORE) == STORE else STORE


async def _load(uow: UnitOfWork, offer_id: int) -> OfferCase:
    offer = await uow.requests.get_offer(offer_id)
    if offer is None:
        raise NotFound(f"no offer with id {offer_id}")
    return OfferCase(offer, await load_case(uow, offer.request_id))


async def _answerer(uow: UnitOfWork, found: OfferCase, telegram_id: int) -> str:
    """The presser's actor if they may answer this offer (Forbidden for anyone else)."""
    if answering_side(found.offer) == BUYER:
        return await buyer_actor(uow, found.case, telegram_id)
    return await agent_actor(uow, found.case, telegram_id)


async def _close(uow: UnitOfWork, offer: Offer, status: OfferStatus, *, actor: str, now: datetime) -> None:
    """The offer answered: moved only while pending and unexpired (the guard), its expiry timer cancelled."""
    await transition(
        uow, offer, status, actor=actor, reason=f"offer_{status.value}", at=now, guard=Offer.respond_by > now
    )
    offer.answered_at = now
    await request_clock.stop_offer_clock(uow, offer, now)


async def accept_offer(uow: UnitOfWork, clock: Clock, offer_id: int, telegram_id: int) -> Decision:
    """The buyer accepts the store's offer, or an agent the buyer's counter-offer: the request is resolved."""
    now = clock.now()
    found = await _load(uow, offer_id)
    offer, case = found.offer, found.case
    actor = await _answerer(uow, found, telegram_id)
    require_pending(offer, now)
    await _close(uow, offer, OfferStatus.ACCEPTED, actor=actor, now=now)
    request = case.request
    await transition(
        uow,
        request,
        RequestStatus.PARTIALLY_REFUNDED,
        actor=actor,
        reason="offer_accepted",
        at=now,
        data={"offer_id": offer.id, "amount_minor": offer.amount_minor, "side": offer.side},
    )
    request.resolution, request.refund_amount_minor = Resolution.PARTIAL_REFUND, offer.amount_minor
    request.decided_by, request.decided_at = actor, now
    await request_clock.stop_seller_clock(uow, request, now)
    record_money_event(
        uow,
        event_type=PARTIAL_REFUND_ACCEPTED if offer.side == STORE else COUNTER_OFFER_ACCEPTED,
        store=case.store,
        order_number=case.order_number,
        subject=("request", request.id),
        actor=actor,
        at=now,
        amount_minor=offer.amount_minor,
        currency=offer.currency,
        details={"resolution": Resolution.PARTIAL_REFUND.value, "offer": offer.id},
    )
    notices = offer_notices(case, "offer_accepted", offer, "buyer", "store", answered_at=now)
    return Decision(request.id, RequestStatus(request.status), tuple(notices), offer.id)


async def reject_offer(uow: UnitOfWork, clock: Clock, offer_id: int, telegram_id: int) -> Decision:
    """The buyer turns the store's offer down, or an agent the buyer's counter-offer: back to the store."""
    now = clock.now()
    found = await _load(uow, offer_id)
    actor = await _answerer(uow, found, telegram_id)
    require_pending(found.offer, now)
    notices = await end_offer(uow, found.case, found.offer, OfferStatus.REJECTED, actor=actor, now=now)
    return Decision(found.case.request.id, RequestStatus(found.case.request.status), tuple(notices), found.offer.id)


def counter_range(offer: Offer, cap_minor: int) -> tuple[int, int]:
    """A counter-offer asks for more than the offer and at most what was paid for the affected items."""
    return offer.amount_minor + 1, cap_minor


def counter_suggestions(offer: Offer, cap_minor: int) -> tuple[int, ...]:
    """A third and two thirds of the way from the offer to the full amount, in whole units where they fit, and
    the full amount; each inside `counter_range`."""
    low, high = counter_range(offer, cap_minor)
    if low > high:
        return ()
    unit = 10 ** currency_precision(offer.currency)
    picks: list[int] = []
    for share in (1, 2):
        raw = offer.amount_minor + (cap_minor - offer.amount_minor) * share // 3
        whole = (raw + unit - 1) // unit * unit  # rounded up to a whole unit: the buyer asks a round sum
        amount = whole if low <= whole < high else raw
        if low <= amount < high and amount not in picks:
            picks.append(amount)
    picks.append(high)
    return tuple(picks)


async def counter_unused(uow: UnitOfWork, offer: Offer) -> bool:
    """The store's offer may still be countered: it is the store's, and the request has had no counter-offer."""
    if offer.side != STORE:
        return False
    return not any(o.side == BUYER for o in await uow.requests.offers(offer.request_id))


async def counter_offer(
    uow: UnitOfWork, clock: Clock, offer_id: int, buyer_telegram_id: int, amount_minor: int
) -> Decision:
    """The buyer answers the store's offer with an amount of their own, for the store to accept or reject.

    Why codes: counter_not_allowed (the store does not take them, or this is not the store's offer),
    counter_used (once per request), counter_too_low (not more than the offer), counter_over_cap.
    """
    now = clock.now()
    found = await _load(uow, offer_id)
    offer, case = found.offer, found.case
    actor = await buyer_actor(uow, case, buyer_telegram_id)
    if offer.side != STORE or not case.store.counter_offers_allowed:
        raise Refused("counter_not_allowed", "this store does not take counter-offers")
    require_pending(offer, now)
    if not await counter_unused(uow, offer):
        raise Refused("counter_used", "a request has one counter-offer")
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool):
        raise Refused("amount_unreadable")
    low, high = counter_range(offer, case.request.affected_amount_minor)
    if amount_minor < low:
        raise Refused("counter_too_low", offer_minor=offer.amount_minor)
    if amount_minor > high:
        raise Refused("counter_over_cap", cap_minor=high)
    await _close(uow, offer, OfferStatus.COUNTERED, actor=actor, now=now)
    counter = uow.requests.add_offer(
        Offer(
            request_id=case.request.id,
            resolution=Resolution.PARTIAL_REFUND,
            amount_minor=amount_minor,
            currency=offer.currency,
            status=OfferStatus.PENDING,
            proposed_by=actor,
            side=BUYER,
            counter_of_id=offer.id,
            created_at=now,
            respond_by=request_clock.offer_respond_by(case.store, now),
        )
    )
    await uow.flush()  # the one-pending-offer index speaks here
    uow.audit.record(
        "offer.countered",
        subject_type="offer",
        subject_id=counter.id,
        actor=actor,
        at=now,
        data={"request_id": case.request.id, "counter_of": offer.id, "amount_minor": amount_minor},
    )
    uow.audit.record(
        "request.offer_countered",  # on the request's timeline (its status stays offer_pending)
        subject_type="request",
        subject_id=case.request.id,
        actor=actor,
        at=now,
        data={"offer_id": counter.id, "counter_of": offer.id, "amount_minor": amount_minor},
    )
    await request_clock.start_offer_clock(uow, counter, now)
    notices = offer_notices(
        case,
        "offer_countered",
        counter,
        "buyer",
        "store",
        counter_of=offer.id,
        offer_minor=offer.amount_minor,
        respond_by=counter.respond_by,
    )
    return Decision(case.request.id, RequestStatus(case.request.status), tuple(notices), counter.id)


async def offer_timer(uow: UnitOfWork, offer_id: int, clock: Clock) -> list[Notice]:
    """The offer's deadline fired: the one reminder 2 hours before, or the expiry (claimed by the caller)."""
    now = clock.now()
    offer = await uow.requests.get_offer(offer_id)
    if offer is None or offer.status != OfferStatus.PENDING:
        return []  # answered meanwhile: that cancelled the deadline; this guards a stale one
    case = await load_case(uow, offer.request_id)
    if now < offer.respond_by:
        if offer.reminded_at is None:
            offer.reminded_at = now
            uow.audit.record("offer.reminded", subject_type="offer", subject_id=offer.id, actor=SYSTEM, at=now, data={})
        await request_clock.schedule_offer_expiry(uow, offer, now)
        return offer_notices(case, "offer_reminder", offer, answering_side(offer), respond_by=offer.respond_by)
    notices = await end_offer(uow, case, offer, OfferStatus.EXPIRED, actor=SYSTEM, now=now)
    return notices
