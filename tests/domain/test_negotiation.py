"""The negotiation card's answers (accept, reject, counter-offer, withdrawal), the offer's own timers, and the
money events that decisions record for the marketplace (domain.services.negotiation, request_decisions).

An offer is the store's partial refund, answered by the buyer, or the buyer's one counter-offer to it,
answered by the store's agents. Each answer happens once: the offer moves by a compare-and-set that also
needs it unexpired, so the loser of any race (a double press, a press and the expiry sweep) meets a
truthful refusal. The races run on both databases; the PostgreSQL-only test shows the overlap itself.
"""

from __future__ import annotations

import asyncio
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select

from domain.clock import FakeClock
from domain.enums import DeadlineKind, OfferStatus, RequestStatus, Resolution, TicketReason
from domain.errors import ConcurrentChange
from domain.models import AfterSalesRequest, Offer, OutboundWebhook
from domain.results import Viewer
from domain.services.cancellations import decide_cancellation
from domain.services.refusals import Forbidden, Refused
from domain.services.requests import (
    Decision,
    accept_offer,
    approve_request,
    counter_offer,
    escalate_rejection,
    fire_due_request_timers,
    moderator_decide,
    propose_partial_refund,
    propose_refund_only,
    reject_offer,
    reject_request,
    request_view,
    submit_request,
    withdraw_offer,
)
from domain.services.tickets import open_ticket
from domain.states import transition
from tests.domain.conftest import lamp_item_id, make_draft

BUYER, STRANGER, AGENT, OTHER_AGENT, MODERATOR = 1001, 1002, 2001, 3001, 4001
LAMP = 3499  # the affected items' value: one lamp, the most any refund pays
OFFER, COUNTER = 1750, 2500
HOUR = timedelta(hours=1)


@contextmanager
def refused(why: str):
    with pytest.raises(Refused) as caught:
        yield caught
    assert caught.value.why == why, (caught.value.why, caught.value.details)


def _details(error: Refused) -> dict:
    return {key: value for key, value in error.details.items() if key != "why"}


def _kinds(notices) -> list[tuple[str, str]]:
    return [(n.kind, n.to) for n in notices]


async def _allow_counters(uow_factory, store_id: int) -> None:
    async with uow_factory() as uow:
        (await uow.stores.get(store_id)).counter_offers_allowed = True
        await uow.commit()


async def _offer(uow_factory, offer_id: int) -> Offer:
    async with uow_factory() as uow:
        return await uow.requests.get_offer(offer_id)


async def _offers(uow_factory, request_id: int) -> list[tuple[str, OfferStatus, int]]:
    async with uow_factory() as uow:
        return [(o.side, o.status, o.amount_minor) for o in await uow.requests.offers(request_id)]


async def _request(uow_factory, request_id: int) -> AfterSalesRequest:
    async with uow_factory() as uow:
        return await uow.requests.get(request_id)


async def _live(uow_factory, kind: DeadlineKind, subject_type: str, subject_id: int):
    async with uow_factory() as uow:
        return await uow.deadlines.live(kind, subject_type, subject_id)


async def _webhooks(uow_factory) -> list[OutboundWebhook]:
    async with uow_factory() as uow:
        return list((await uow.session.scalars(select(OutboundWebhook).order_by(OutboundWebhook.id))).all())


async def _user_id(uow_factory, telegram_id: int) -> int:
    async with uow_factory() as uow:
        return (await uow.users.by_telegram_id(telegram_id)).id


async def _offer_moves(uow_factory, offer_id: int) -> list[tuple[str, str]]:
    async with uow_factory() as uow:
        return [
            (e.data["from"], e.data["to"])
            for e in await uow.audit.for_subject("offer", offer_id)
            if e.event_type == "offer.status_changed"
        ]


async def _view(uow_factory, request_id: int, role: str = "agent", telegram_id: int = AGENT):
    async with uow_factory() as uow:
        return await request_view(uow, request_id, Viewer(role, telegram_id))


async def _agent_actions(uow_factory, request_id: int) -> frozenset[str]:
    return (await _view(uow_factory, request_id)).actions


async def _propose(act, clock, submitted, amount: int = OFFER) -> int:
    return (await act(propose_partial_refund, clock, submitted.request_id, AGENT, amount)).offer_id


async def _fire(act, clock) -> list[tuple[str, str]]:
    return _kinds(await act(fire_due_request_timers, clock))


# Accepting ----------------------------------------------------------------------------------------


async def test_the_buyer_accepting_the_store_s_offer_resolves_the_request_with_that_refund(
    act, clock, submitted, uow_factory
):
    clock.advance(hours=10)
    offer_id = await _propose(act, clock, submitted)
    assert await _webhooks(uow_factory) == []  # an offer moves no money yet
    clock.advance(hours=3)
    for who in (AGENT, STRANGER, OTHER_AGENT):
        with pytest.raises(Forbidden):
            await act(accept_offer, clock, offer_id, who)

    decision = await act(accept_offer, clock, offer_id, BUYER)

    assert (decision.status, decision.offer_id) == (RequestStatus.PARTIALLY_REFUNDED, offer_id)
    assert _kinds(decision.notices) == [("offer_accepted", "buyer"), ("offer_accepted", "store")]
    assert (decision.notices[0].data["amount_minor"], decision.notices[0].data["answered_at"]) == (OFFER, clock.now())
    buyer_id = await _user_id(uow_factory, BUYER)
    request = await _request(uow_factory, submitted.request_id)
    assert (request.status, request.resolution, request.refund_amount_minor) == (
        RequestStatus.PARTIALLY_REFUNDED,
        Resolution.PARTIAL_REFUND,
        OFFER,
    )
    assert (request.decided_by, request.decided_at, request.seller_paused_seconds_left) == (
        f"buyer:{buyer_id}",
        clock.now(),
        None,
    )
    offer = await _offer(uow_factory, offer_id)
    assert (offer.status, offer.answered_at) == (OfferStatus.ACCEPTED, clock.now())
    assert await _live(uow_factory, DeadlineKind.SELLER_ANSWER, "request", submitted.request_id) is None
    assert await _live(uow_factory, DeadlineKind.OFFER_RESPONSE, "offer", offer_id) is None

    (event,) = await _webhooks(uow_factory)
    key = f"partial_refund.accepted:request:{submitted.request_id}"
    assert (event.event_type, event.idempotency_key, event.store_id, event.status) == (
        "partial_refund.accepted",
        key,
        submitted.shop.store_id,
        "pending",
    )
    payload = event.payload
    assert (payload["id"], payload["type"], payload["order"], payload["request"]) == (
        key,
        "partial_refund.accepted",
        "D-1",
        submitted.request_id,
    )
    assert payload["amount"] == {"minor": OFFER, "currency": "EUR"}
    assert payload["decided_by"] == {"role": "buyer", "user_id": buyer_id}
    assert payload["resolution"] == "partial_refund" and payload["offer"] == offer_id

    # Resolved: the seller's old due time and the offer's respond_by pass without anything firing.
    clock.advance(days=3)
    assert await _fire(act, clock) == []
    assert len(await _webhooks(uow_factory)) == 1
    buyer_view = await _view(uow_factory, submitted.request_id, "buyer", BUYER)
    assert [(e.kind, e.by) for e in buyer_view.timeline][-1] == ("offer_accepted", "buyer")
    assert buyer_view.due == () and buyer_view.actions == frozenset()
    assert (await _view(uow_factory, submitted.request_id)).actions == frozenset()


async def test_a_press_one_second_before_respond_by_wins(act, clock, submitted, uow_factory):
    offer_id = await _propose(act, clock, submitted)
    respond_by = clock.now() + timedelta(hours=24)
    clock.set(respond_by - timedelta(seconds=1))
    assert (await act(accept_offer, clock, offer_id, BUYER)).status == RequestStatus.PARTIALLY_REFUNDED
    clock.set(respond_by)
    assert await _fire(act, clock) == []  # the expiry went with the answer
    assert (await _offer(uow_factory, offer_id)).status == OfferStatus.ACCEPTED


@pytest.mark.parametrize("press", ["accept", "reject", "counter", "withdraw"])
async def test_a_press_at_respond_by_is_refused_as_expired_even_before_the_sweep(
    act, clock, submitted, uow_factory, press
):
    await _allow_counters(uow_factory, submitted.shop.store_id)
    offer_id = await _propose(act, clock, submitted)
    respond_by = clock.now() + timedelta(hours=24)
    clock.set(respond_by)
    service, args = {
        "accept": (accept_offer, (BUYER,)),
        "reject": (reject_offer, (BUYER,)),
        "counter": (counter_offer, (BUYER, COUNTER)),
        "withdraw": (withdraw_offer, (AGENT,)),
    }[press]

    with refused("offer_expired") as caught:
        await act(service, clock, offer_id, *args)
    assert caught.value.details["expired_at"] == respond_by
    # Nothing moved: the sweep still finds it pending and expires it.
    assert await _offers(uow_factory, submitted.request_id) == [("store", OfferStatus.PENDING, OFFER)]
    assert await _webhooks(uow_factory) == []
    assert await _fire(act, clock) == [("offer_expired", "buyer"), ("offer_expired", "store")]
    with refused("offer_expired") as caught:
        await act(service, clock, offer_id, *args)
    assert caught.value.details["expired_at"] == respond_by


async def _end_offer(act, clock, offer_id: int, ending: str) -> None:
    """End the store's pending offer the way `ending` names."""
    if ending == "accepted":
        await act(accept_offer, clock, offer_id, BUYER)
    elif ending == "rejected":
        await act(reject_offer, clock, offer_id, BUYER)
    elif ending == "withdrawn":
        await act(withdraw_offer, clock, offer_id, AGENT)
    elif ending == "countered":
        await act(counter_offer, clock, offer_id, BUYER, COUNTER)
    else:
        clock.advance(hours=24)
        await act(fire_due_request_timers, clock)


@pytest.mark.parametrize("ending", ["accepted", "rejected", "withdrawn", "countered", "expired"])
async def test_after_an_offer_ends_every_press_says_truthfully_what_became_of_it(
    act, clock, submitted, uow_factory, ending
):
    await _allow_counters(uow_factory, submitted.shop.store_id)
    offer_id = await _propose(act, clock, submitted)
    clock.advance(hours=1)
    await _end_offer(act, clock, offer_id, ending)
    ended_at, respond_by = clock.now(), (await _offer(uow_factory, offer_id)).respond_by
    assert (await _offer(uow_factory, offer_id)).status == OfferStatus(ending)
    clock.advance(minutes=5)  # a late press, so `at` is when it ended, not when it was refused

    for service, args in (
        (accept_offer, (BUYER,)),
        (reject_offer, (BUYER,)),
        (counter_offer, (BUYER, COUNTER + 1)),
        (withdraw_offer, (AGENT,)),
    ):
        with refused(f"offer_{ending}") as caught:
            await act(service, clock, offer_id, *args)
        expected = {"expired_at": respond_by} if ending == "expired" else {"at": ended_at}
        assert _details(caught.value) == expected, service.__name__
    assert await _offer_moves(uow_factory, offer_id) == [("pending", ending)]


# Turned down, lapsed, withdrawn -----------------------------------------------------------------------


@pytest.mark.parametrize("ending", ["rejected", "expired"])
@pytest.mark.parametrize("side", ["store", "buyer"])
async def test_an_offer_or_counter_turned_down_or_lapsed_hands_the_request_back_with_the_time_left(
    act, clock, submitted, uow_factory, side, ending
):
    await _allow_counters(uow_factory, submitted.shop.store_id)
    clock.advance(hours=10)  # the offer pauses the seller's 48 hours with 38 left
    offer_id = await _propose(act, clock, submitted)
    if side == "buyer":
        clock.advance(hours=1)
        offer_id = (await act(counter_offer, clock, offer_id, BUYER, COUNTER)).offer_id
    answerer, answering_side = (BUYER, "buyer") if side == "store" else (AGENT, "store")
    respond_by = (await _offer(uow_factory, offer_id)).respond_by

    if ending == "rejected":
        clock.advance(hours=3)
        notices = (await act(reject_offer, clock, offer_id, answerer)).notices
    else:
        clock.set(respond_by - 2 * HOUR)
        assert await _fire(act, clock) == [("offer_reminder", answering_side)]  # the answering side only
        assert (await _offer(uow_factory, offer_id)).reminded_at == clock.now()
        clock.set(respond_by - timedelta(seconds=1))
        assert await _fire(act, clock) == []
        clock.set(respond_by)
        notices = await act(fire_due_request_timers, clock)

    assert _kinds(notices) == [(f"offer_{ending}", "buyer"), (f"offer_{ending}", "store")]
    assert (notices[0].data["side"], notices[0].data["offer_id"]) == (side, offer_id)
    resumed_due = clock.now() + timedelta(hours=38)
    assert notices[0].data["seller_due_at"] == resumed_due
    request = await _request(uow_factory, submitted.request_id)
    assert (request.status, request.seller_due_at, request.seller_paused_seconds_left) == (
        RequestStatus.AWAITING_SELLER,
        resumed_due,
        None,
    )
    assert (await _offer(uow_factory, offer_id)).status == OfferStatus(ending)
    assert await _live(uow_factory, DeadlineKind.OFFER_RESPONSE, "offer", offer_id) is None
    assert await _live(uow_factory, DeadlineKind.SELLER_ANSWER, "request", submitted.request_id) is not None
    assert await _webhooks(uow_factory) == []

    # The buyer has answered an offer: the store approves or rejects, no second partial refund.
    with refused("offer_answered"):
        await _propose(act, clock, submitted, 1000)
    view = await _view(uow_factory, submitted.request_id)
    assert view.actions == {"approve", "reject", "refund_only"} and view.suggested_refunds == ()
    assert (await act(approve_request, clock, submitted.request_id, AGENT)).status == RequestStatus.APPROVED


async def test_after_a_withdrawal_the_store_may_offer_again(act, clock, submitted, uow_factory):
    first = await _propose(act, clock, submitted)
    clock.advance(hours=1)
    await act(withdraw_offer, clock, first, AGENT)
    assert "partial_refund" in await _agent_actions(uow_factory, submitted.request_id)
    second = await _propose(act, clock, submitted, 2000)
    assert second != first
    assert await _offers(uow_factory, submitted.request_id) == [
        ("store", OfferStatus.WITHDRAWN, OFFER),
        ("store", OfferStatus.PENDING, 2000),
    ]


# Counter-offers -----------------------------------------------------------------------------------


async def test_a_counter_offer_needs_a_store_that_takes_them(act, clock, submitted, uow_factory):
    offer_id = await _propose(act, clock, submitted)
    with refused("counter_not_allowed"):
        await act(counter_offer, clock, offer_id, BUYER, COUNTER)
    assert await _offers(uow_factory, submitted.request_id) == [("store", OfferStatus.PENDING, OFFER)]


async def test_a_counter_offer_asks_more_than_the_offer_and_at_most_the_items_value(act, clock, submitted, uow_factory):
    await _allow_counters(uow_factory, submitted.shop.store_id)
    offer_id = await _propose(act, clock, submitted)
    for who in (AGENT, STRANGER, OTHER_AGENT):
        with pytest.raises(Forbidden):
            await act(counter_offer, clock, offer_id, who, COUNTER)
    for amount, why, details in (
        (OFFER, "counter_too_low", {"offer_minor": OFFER}),
        (OFFER - 1, "counter_too_low", {"offer_minor": OFFER}),
        (LAMP + 1, "counter_over_cap", {"cap_minor": LAMP}),
        ("2500", "amount_unreadable", {}),
        (True, "amount_unreadable", {}),
    ):
        with refused(why) as caught:
            await act(counter_offer, clock, offer_id, BUYER, amount)
        assert _details(caught.value) == details, amount
    assert await _offers(uow_factory, submitted.request_id) == [("store", OfferStatus.PENDING, OFFER)]
    # The whole value is the most a buyer may ask for.
    await act(counter_offer, clock, offer_id, BUYER, LAMP)
    assert await _offers(uow_factory, submitted.request_id) == [
        ("store", OfferStatus.COUNTERED, OFFER),
        ("buyer", OfferStatus.PENDING, LAMP),
    ]


async def test_a_counter_offer_replaces_the_store_s_offer_with_the_buyer_s_own_for_24_hours(
    act, clock, submitted, uow_factory
):
    await _allow_counters(uow_factory, submitted.shop.store_id)
    clock.advance(hours=10)
    offer_id = await _propose(act, clock, submitted)
    clock.advance(hours=3)

    decision = await act(counter_offer, clock, offer_id, BUYER, COUNTER)

    counter_id = decision.offer_id
    assert counter_id not in (None, offer_id) and decision.status == RequestStatus.OFFER_PENDING
    assert _kinds(decision.notices) == [("offer_countered", "buyer"), ("offer_countered", "store")]
    assert decision.notices[0].data["respond_by"] == clock.now() + timedelta(hours=24)
    original, counter = await _offer(uow_factory, offer_id), await _offer(uow_factory, counter_id)
    assert (original.status, original.answered_at) == (OfferStatus.COUNTERED, clock.now())
    buyer_id = await _user_id(uow_factory, BUYER)
    assert (counter.side, counter.status, counter.amount_minor, counter.counter_of_id, counter.proposed_by) == (
        "buyer",
        OfferStatus.PENDING,
        COUNTER,
        offer_id,
        f"buyer:{buyer_id}",
    )
    assert counter.respond_by == clock.now() + timedelta(hours=24)
    # The store's offer's timer is gone; the counter has its own, first its reminder 2 hours before.
    assert await _live(uow_factory, DeadlineKind.OFFER_RESPONSE, "offer", offer_id) is None
    live = await _live(uow_factory, DeadlineKind.OFFER_RESPONSE, "offer", counter_id)
    assert live.due_at == counter.respond_by - 2 * HOUR
    # The seller's clock stays paused with what was left when the store made its offer.
    request = await _request(uow_factory, submitted.request_id)
    assert (request.status, request.seller_due_at, request.seller_paused_seconds_left) == (
        RequestStatus.OFFER_PENDING,
        None,
        38 * 3600,
    )

    with refused("not_withdrawable"):  # the counter is the buyer's
        await act(withdraw_offer, clock, counter_id, AGENT)
    with refused("counter_not_allowed"):  # a counter is not countered in turn
        await act(counter_offer, clock, counter_id, BUYER, LAMP)
    for service, args in ((propose_partial_refund, (1000,)), (approve_request, ())):
        with refused("offer_pending"):
            await act(service, clock, submitted.request_id, AGENT, *args)
    view = await _view(uow_factory, submitted.request_id)
    assert "withdraw_offer" not in view.actions
    assert [(o.offer_id, o.side, o.status, o.counter_of_id) for o in view.offers] == [
        (offer_id, "store", OfferStatus.COUNTERED, None),
        (counter_id, "buyer", OfferStatus.PENDING, offer_id),
    ]
    assert view.timeline[-1].kind == "offer_countered" and view.timeline[-1].data["amount_minor"] == COUNTER


async def test_the_store_answers_a_counter_offer_and_the_buyer_cannot(act, clock, submitted, uow_factory):
    await _allow_counters(uow_factory, submitted.shop.store_id)
    offer_id = await _propose(act, clock, submitted)
    counter_id = (await act(counter_offer, clock, offer_id, BUYER, COUNTER)).offer_id
    clock.advance(hours=2)
    for service in (accept_offer, reject_offer):
        for who in (BUYER, STRANGER, OTHER_AGENT):
            with pytest.raises(Forbidden):
                await act(service, clock, counter_id, who)
    assert (await _offer(uow_factory, counter_id)).status == OfferStatus.PENDING

    decision = await act(accept_offer, clock, counter_id, AGENT)

    assert decision.status == RequestStatus.PARTIALLY_REFUNDED
    assert _kinds(decision.notices) == [("offer_accepted", "buyer"), ("offer_accepted", "store")]
    agent_id = await _user_id(uow_factory, AGENT)
    request = await _request(uow_factory, submitted.request_id)
    assert (request.resolution, request.refund_amount_minor, request.decided_by) == (
        Resolution.PARTIAL_REFUND,
        COUNTER,
        f"agent:{agent_id}",
    )
    assert await _live(uow_factory, DeadlineKind.SELLER_ANSWER, "request", submitted.request_id) is None
    assert await _live(uow_factory, DeadlineKind.OFFER_RESPONSE, "offer", counter_id) is None
    (event,) = await _webhooks(uow_factory)
    assert event.idempotency_key == event.payload["id"] == f"counter_offer.accepted:request:{submitted.request_id}"
    assert event.payload["amount"] == {"minor": COUNTER, "currency": "EUR"}
    assert event.payload["decided_by"] == {"role": "agent", "user_id": agent_id}
    assert (event.payload["order"], event.payload["request"]) == ("D-1", submitted.request_id)


async def test_a_request_takes_one_counter_offer(act, clock, submitted, uow_factory):
    await _allow_counters(uow_factory, submitted.shop.store_id)
    offer_id = await _propose(act, clock, submitted)
    counter_id = (await act(counter_offer, clock, offer_id, BUYER, COUNTER)).offer_id
    await act(reject_offer, clock, counter_id, AGENT)
    with refused("offer_answered"):  # the services make no store offer after a counter...
        await _propose(act, clock, submitted, 1000)
    # ...so one is planted, as a bypass of that rule would leave it, to see the counter's own guard.
    agent = f"agent:{await _user_id(uow_factory, AGENT)}"
    async with uow_factory() as uow:
        request = await uow.requests.get(submitted.request_id)
        planted = uow.requests.add_offer(
            Offer(
                request_id=request.id,
                resolution=Resolution.PARTIAL_REFUND,
                amount_minor=1000,
                currency="EUR",
                status=OfferStatus.PENDING,
                proposed_by=agent,
                side="store",
                created_at=clock.now(),
                respond_by=clock.now() + timedelta(hours=24),
            )
        )
        await uow.flush()
        await transition(uow, request, RequestStatus.OFFER_PENDING, actor=agent, at=clock.now())
        await uow.commit()
        planted_id = planted.id
    with refused("counter_used"):
        await act(counter_offer, clock, planted_id, BUYER, COUNTER)
    assert (await _offer(uow_factory, planted_id)).status == OfferStatus.PENDING


# Money events ---------------------------------------------------------------------------------------


async def _submit(act, clock, shop, uow_factory, resolution: Resolution) -> int:
    order_id = shop.orders["D-1"]
    item_id = await lamp_item_id(uow_factory, order_id)
    return (await act(submit_request, clock, BUYER, order_id, make_draft(item_id, resolution=resolution))).request_id


async def _overturn(act, clock, request_id: int) -> None:
    await act(reject_request, clock, request_id, AGENT, "buyer_damage", "Dropped, see the dent")
    await act(escalate_rejection, clock, request_id, BUYER)
    await act(moderator_decide, clock, request_id, MODERATOR, "overturned", in_moderators_group=True)


@pytest.mark.parametrize(
    ("wanted", "decide", "event_type", "amount", "role"),
    [
        (Resolution.RESHIPMENT, "approve", "reshipment.approved", None, "agent"),
        (Resolution.EXCHANGE, "approve", "exchange.approved", None, "agent"),
        (Resolution.RETURN_REFUND, "approve", "refund.approved", LAMP, "agent"),
        (Resolution.RESHIPMENT, "refund_only", "refund.approved", LAMP, "agent"),
        (Resolution.RESHIPMENT, "deadline", "request.auto_approved", None, "system"),
        (Resolution.REFUND_ONLY, "deadline", "request.auto_approved", LAMP, "system"),
        (Resolution.RESHIPMENT, "overturn", "reshipment.approved", None, "moderator"),
    ],
)
async def test_each_approval_records_its_one_money_event(
    act, clock, shop, uow_factory, wanted, decide, event_type, amount, role
):
    request_id = await _submit(act, clock, shop, uow_factory, wanted)
    if decide == "approve":
        await act(approve_request, clock, request_id, AGENT)
    elif decide == "refund_only":
        await act(propose_refund_only, clock, request_id, AGENT)
    elif decide == "deadline":
        clock.advance(days=2)  # the seller stayed silent
        await act(fire_due_request_timers, clock)
    else:
        await _overturn(act, clock, request_id)

    assert (await _request(uow_factory, request_id)).status == RequestStatus.APPROVED
    (event,) = await _webhooks(uow_factory)
    key = f"{event_type}:request:{request_id}"
    assert (event.event_type, event.idempotency_key, event.sequence_key) == (event_type, key, f"request:{request_id}")
    assert (event.payload["id"], event.payload["order"], event.payload["request"]) == (key, "D-1", request_id)
    assert event.payload["amount"] == (None if amount is None else {"minor": amount, "currency": "EUR"})
    assert event.payload["decided_by"]["role"] == role
    # Decided once: nothing later adds a second event.
    clock.advance(days=30)
    await act(fire_due_request_timers, clock)
    with refused("already_decided"):
        await act(approve_request, clock, request_id, AGENT)
    assert len(await _webhooks(uow_factory)) == 1


async def test_rejecting_upholding_and_offering_move_no_money(act, clock, submitted, uow_factory):
    offer_id = await _propose(act, clock, submitted)
    await act(reject_offer, clock, offer_id, BUYER)
    await act(reject_request, clock, submitted.request_id, AGENT, "buyer_damage", "Dropped, see the dent")
    await act(escalate_rejection, clock, submitted.request_id, BUYER)
    await act(moderator_decide, clock, submitted.request_id, MODERATOR, "upheld", in_moderators_group=True)
    assert await _webhooks(uow_factory) == []


@pytest.mark.parametrize(
    ("number", "action", "refunded"),
    [
        ("C-1", "approve", True),
        ("C-1", "reject", False),
        ("S-1", "intercepted", True),
        ("S-1", "interception_failed", False),
    ],
)
async def test_a_refunded_cancellation_records_cancellation_approved_with_the_order_total(
    act, clock, shop, uow_factory, number, action, refunded
):
    opened = await act(
        open_ticket,
        clock,
        BUYER,
        shop.orders[number],
        TicketReason.CANCEL_ORDER,
        "Found it cheaper: elsewhere",
        cancel_reason="found_cheaper",
    )
    async with uow_factory() as uow:
        cancellation_id = (await uow.requests.cancellation_by_ticket(opened.ticket.ticket_id)).id
    note = "made to order" if action == "reject" else None
    await act(decide_cancellation, clock, cancellation_id, AGENT, action, note)

    events = await _webhooks(uow_factory)
    if not refunded:
        assert events == []
        return
    (event,) = events
    key = f"cancellation.approved:cancellation:{cancellation_id}"
    assert (event.event_type, event.idempotency_key, event.payload["id"]) == ("cancellation.approved", key, key)
    assert event.payload["amount"] == {"minor": 2 * LAMP, "currency": "EUR"}  # two lamps ordered
    assert (event.payload["order"], event.payload["cancellation"], event.payload["request"]) == (
        number,
        cancellation_id,
        None,
    )
    assert (event.payload["outcome"], event.payload["decided_by"]["role"]) == (
        "approved" if action == "approve" else "intercepted",
        "agent",
    )


# Races (both databases) -------------------------------------------------------------------------------


async def _settle(*calls):
    return await asyncio.gather(*calls, return_exceptions=True)


async def test_two_accepts_at_once_pay_once(act, clock, submitted, uow_factory):
    offer_id = await _propose(act, clock, submitted)
    results = await _settle(*(act(accept_offer, clock, offer_id, BUYER) for _ in range(2)))
    assert sorted(type(r).__name__ for r in results) == ["Decision", "Refused"], results
    assert [r.why for r in results if isinstance(r, Refused)] == ["offer_accepted"]
    assert await _offer_moves(uow_factory, offer_id) == [("pending", "accepted")]
    assert len(await _webhooks(uow_factory)) == 1


@pytest.mark.parametrize("first", ["accept", "reject"])
async def test_accept_and_reject_at_once_one_answer_stands(act, clock, submitted, uow_factory, first):
    offer_id = await _propose(act, clock, submitted)
    presses = {"accept": act(accept_offer, clock, offer_id, BUYER), "reject": act(reject_offer, clock, offer_id, BUYER)}
    order = [first, *(p for p in presses if p != first)]
    results = dict(zip(order, await _settle(*(presses[p] for p in order)), strict=True))

    status = (await _offer(uow_factory, offer_id)).status
    assert status in (OfferStatus.ACCEPTED, OfferStatus.REJECTED)
    winner, loser = ("accept", "reject") if status == OfferStatus.ACCEPTED else ("reject", "accept")
    assert isinstance(results[winner], Decision), results
    assert isinstance(results[loser], Refused) and results[loser].why == f"offer_{status.value}", results
    assert await _offer_moves(uow_factory, offer_id) == [("pending", status.value)]
    request = await _request(uow_factory, submitted.request_id)
    if status == OfferStatus.ACCEPTED:
        assert request.status == RequestStatus.PARTIALLY_REFUNDED and len(await _webhooks(uow_factory)) == 1
    else:
        assert request.status == RequestStatus.AWAITING_SELLER and await _webhooks(uow_factory) == []


@pytest.mark.parametrize("first", ["press", "sweep"])
async def test_an_accept_racing_the_expiry_sweep_has_one_outcome(act, clock, submitted, uow_factory, first):
    offer_id = await _propose(act, clock, submitted)
    respond_by = clock.now() + timedelta(hours=24)
    clock.set(respond_by - 2 * HOUR)
    assert await _fire(act, clock) == [("offer_reminder", "buyer")]
    # The buyer pressed a second before the end; the sweeper runs at the end itself.
    press_clock, sweep_clock = FakeClock(respond_by - timedelta(seconds=1)), FakeClock(respond_by)
    calls = {
        "press": act(accept_offer, press_clock, offer_id, BUYER),
        "sweep": act(fire_due_request_timers, sweep_clock),
    }
    order = [first, *(c for c in calls if c != first)]
    results = dict(zip(order, await _settle(*(calls[c] for c in order)), strict=True))

    status = (await _offer(uow_factory, offer_id)).status
    assert await _offer_moves(uow_factory, offer_id) == [("pending", status.value)]
    request = await _request(uow_factory, submitted.request_id)
    if status == OfferStatus.ACCEPTED:
        assert isinstance(results["press"], Decision) and results["sweep"] == (), results
        assert request.status == RequestStatus.PARTIALLY_REFUNDED and len(await _webhooks(uow_factory)) == 1
    else:
        assert status == OfferStatus.EXPIRED
        assert isinstance(results["press"], Refused) and results["press"].why == "offer_expired", results
        assert _kinds(results["sweep"]) == [("offer_expired", "buyer"), ("offer_expired", "store")]
        assert request.status == RequestStatus.AWAITING_SELLER and await _webhooks(uow_factory) == []


@pytest.mark.parametrize("first", ["counter", "withdraw"])
async def test_a_counter_offer_and_a_withdrawal_at_once_one_stands(act, clock, submitted, uow_factory, first):
    await _allow_counters(uow_factory, submitted.shop.store_id)
    offer_id = await _propose(act, clock, submitted)
    calls = {
        "counter": act(counter_offer, clock, offer_id, BUYER, COUNTER),
        "withdraw": act(withdraw_offer, clock, offer_id, AGENT),
    }
    order = [first, *(c for c in calls if c != first)]
    results = dict(zip(order, await _settle(*(calls[c] for c in order)), strict=True))

    offers = await _offers(uow_factory, submitted.request_id)
    request = await _request(uow_factory, submitted.request_id)
    if offers[0][1] == OfferStatus.COUNTERED:
        assert isinstance(results["counter"], Decision), results
        assert isinstance(results["withdraw"], Refused) and results["withdraw"].why == "offer_countered", results
        assert offers == [("store", OfferStatus.COUNTERED, OFFER), ("buyer", OfferStatus.PENDING, COUNTER)]
        assert request.status == RequestStatus.OFFER_PENDING
    else:
        assert isinstance(results["withdraw"], Decision), results
        assert isinstance(results["counter"], Refused) and results["counter"].why == "offer_withdrawn", results
        assert offers == [("store", OfferStatus.WITHDRAWN, OFFER)]
        assert request.status == RequestStatus.AWAITING_SELLER
    assert len(await _offer_moves(uow_factory, offer_id)) == 1


# The compare-and-set itself ---------------------------------------------------------------------------


async def test_the_guard_keeps_an_offer_past_its_respond_by_from_moving(act, clock, submitted, uow_factory):
    """`transition(guard=...)` is part of the UPDATE: the database compares the instants, to the second."""
    offer_id = await _propose(act, clock, submitted)
    respond_by = clock.now() + timedelta(hours=24)
    async with uow_factory() as uow:
        offer = await uow.requests.get_offer(offer_id)
        with pytest.raises(ConcurrentChange):
            await transition(
                uow, offer, OfferStatus.ACCEPTED, actor="buyer:1", at=respond_by, guard=Offer.respond_by > respond_by
            )
        assert offer.status == OfferStatus.PENDING
    async with uow_factory() as uow:
        offer = await uow.requests.get_offer(offer_id)
        just_before = respond_by - timedelta(seconds=1)
        await transition(
            uow, offer, OfferStatus.ACCEPTED, actor="buyer:1", at=just_before, guard=Offer.respond_by > just_before
        )
        await uow.commit()
    assert (await _offer(uow_factory, offer_id)).status == OfferStatus.ACCEPTED


def _postgres_only(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): two cannot hold the same read")


async def test_the_second_of_two_overlapping_accepts_loses_the_compare_and_set(
    act, clock, submitted, uow_factory, database_url
):
    _postgres_only(database_url)
    offer_id = await _propose(act, clock, submitted)
    async with uow_factory() as first, uow_factory() as second:
        await accept_offer(first, clock, offer_id, BUYER)
        racing = asyncio.ensure_future(accept_offer(second, clock, offer_id, BUYER))
        await asyncio.sleep(0.3)
        assert not racing.done()  # it read "pending" and now waits on the row
        await first.commit()
        with pytest.raises(ConcurrentChange):
            await racing
    assert len(await _webhooks(uow_factory)) == 1
    # Retried on fresh data, as the runner does, it is refused truthfully.
    with refused("offer_accepted"):
        await act(accept_offer, clock, offer_id, BUYER)
