"""Submitting an after-sales request, and each decision on it (domain.services.requests)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from domain.enums import (
    AttachmentPurpose,
    DeadlineKind,
    OfferStatus,
    RequestStatus,
    RequestType,
    ReshipmentStatus,
    Resolution,
    Role,
    TicketReason,
)
from domain.errors import NotFound
from domain.models import AfterSalesRequest, Ticket, TicketMessage
from domain.results import Viewer
from domain.services.refusals import Forbidden, Refused
from domain.services.requests import (
    approve_request,
    escalate_rejection,
    mark_reshipped,
    moderator_decide,
    propose_partial_refund,
    propose_refund_only,
    reject_request,
    request_view,
    submit_request,
    withdraw_offer,
)
from domain.services.tickets import open_ticket
from tests.domain.conftest import lamp_item_id, make_draft, photo

AGENT, OTHER_AGENT, BUYER, STRANGER, MODERATOR = 2001, 3001, 1001, 1002, 4001


@contextmanager
def refused(why: str):
    with pytest.raises(Refused) as caught:
        yield
    assert caught.value.why == why


async def _request(uow_factory, request_id: int) -> AfterSalesRequest:
    async with uow_factory() as uow:
        return await uow.requests.get(request_id)


async def _count(uow_factory, model) -> int:
    async with uow_factory() as uow:
        return await uow.session.scalar(select(func.count()).select_from(model))


async def _audit(uow_factory, subject_type: str, subject_id: int) -> list[tuple[str, str, str | None]]:
    async with uow_factory() as uow:
        return [
            (e.event_type, e.actor, e.data.get("reason")) for e in await uow.audit.for_subject(subject_type, subject_id)
        ]


def _kinds(notices) -> list[tuple[str, str]]:
    return [(n.kind, n.to) for n in notices]


# Submitting ----------------------------------------------------------------------------------------


async def test_a_submitted_request_is_an_after_sales_ticket_with_its_items_evidence_and_clock(
    act, clock, shop, uow_factory
):
    order_id = shop.orders["D-1"]
    item_id = await lamp_item_id(uow_factory, order_id)
    result = await act(submit_request, clock, BUYER, order_id, make_draft(item_id, items=((item_id, 2),)))
    assert result.opened.created and result.ticket.reason == TicketReason.AFTER_SALES
    assert result.affected_amount_minor == 2 * 3499 and result.currency == "EUR"
    assert result.seller_due_at == clock.now() + timedelta(days=2)
    assert _kinds(result.notices) == [("request_submitted", "buyer"), ("request_submitted", "store")]
    assert result.notices[1].data["seller_due_at"] == result.seller_due_at
    assert result.notices[1].data["number"] == result.ticket.number
    async with uow_factory() as uow:
        request = await uow.requests.get(result.request_id)
        assert (request.status, request.type, request.resolution_wanted) == (
            RequestStatus.AWAITING_SELLER,
            RequestType.DEFECTIVE,
            Resolution.RESHIPMENT,
        )
        assert (request.delivered_on, request.not_delivered, request.barcode_given) == (date(2026, 2, 27), False, True)
        assert [(i.order_item_id, i.sku, i.quantity, i.unit_price_minor) for i in request.items] == [
            (item_id, "LAMP-1", 2, 3499),
        ]
        assert [(f.side, f.purpose, f.file_id) for f in request.files] == [
            ("buyer", AttachmentPurpose.SHIPPING_STATUS, "file-shipping"),
            ("buyer", AttachmentPurpose.FAULT_EVIDENCE, "file-fault-1"),
            ("buyer", AttachmentPurpose.FAULT_EVIDENCE, "file-fault-2"),
            ("buyer", AttachmentPurpose.BARCODE, "file-barcode"),
        ]
        # The description is the ticket's first message; the half-time reminder is the live deadline.
        messages = await uow.tickets.messages(result.ticket.ticket_id)
        assert [m.text for m in messages] == ["no light after pressing ON"]
        deadline = await uow.deadlines.live(DeadlineKind.SELLER_ANSWER, "request", request.id)
        assert deadline.due_at == clock.now() + timedelta(days=1)
    assert await _audit(uow_factory, "request", result.request_id) == [("request.submitted", "buyer:1", None)]


async def test_an_invalid_form_is_refused_and_leaves_nothing_behind(act, clock, shop, uow_factory):
    order_id = shop.orders["D-1"]
    item_id = await lamp_item_id(uow_factory, order_id)
    with refused("fault_evidence_missing"):
        await act(submit_request, clock, BUYER, order_id, make_draft(item_id, fault_files=()))
    future = make_draft(item_id, delivered_on=clock.now().date() + timedelta(days=1))
    with refused("delivery_date_in_future"):
        await act(submit_request, clock, BUYER, order_id, future)
    assert await _count(uow_factory, Ticket) == 0 and await _count(uow_factory, AfterSalesRequest) == 0


async def test_only_the_order_s_buyer_submits_and_only_after_delivery(act, clock, shop, uow_factory):
    item_id = await lamp_item_id(uow_factory, shop.orders["D-1"])
    with pytest.raises(Forbidden):
        await act(submit_request, clock, STRANGER, shop.orders["D-1"], make_draft(item_id))
    shipped = shop.orders["S-1"]
    with pytest.raises(Refused):
        await act(submit_request, clock, BUYER, shipped, make_draft(await lamp_item_id(uow_factory, shipped)))
    with pytest.raises(NotFound):
        await act(submit_request, clock, BUYER, 999, make_draft(item_id))
    with refused("unknown_item"):  # another order's item
        await act(
            submit_request, clock, BUYER, shop.orders["D-1"], make_draft(await lamp_item_id(uow_factory, shipped))
        )


async def test_the_order_s_open_problem_ticket_is_reused_but_gets_one_request_only(act, clock, shop, uow_factory):
    order_id = shop.orders["D-1"]
    item_id = await lamp_item_id(uow_factory, order_id)
    opened = await act(open_ticket, clock, BUYER, order_id, TicketReason.AFTER_SALES, "the lamp does not light up")
    first = await act(submit_request, clock, BUYER, order_id, make_draft(item_id))
    assert not first.opened.created and first.ticket.ticket_id == opened.ticket.ticket_id
    with pytest.raises(Refused) as caught:
        await act(submit_request, clock, BUYER, order_id, make_draft(item_id, description="The cable is frayed too"))
    assert caught.value.why == "request_exists" and caught.value.details["ticket_id"] == opened.ticket.ticket_id
    assert await _count(uow_factory, TicketMessage) == 2  # the refused one added no message


# The seller's decisions ------------------------------------------------------------------------------


async def test_an_agent_approves_a_reshipment_with_its_ship_by(act, clock, submitted, uow_factory):
    clock.advance(hours=3)
    decision = await act(approve_request, clock, submitted.request_id, AGENT)
    assert decision.status == RequestStatus.APPROVED
    assert _kinds(decision.notices) == [("request_approved", "buyer"), ("request_approved", "store")]
    data = decision.notices[0].data
    assert (data["resolution"], data["decided_by"], data["auto"], data["refund_amount_minor"]) == (
        "reshipment",
        "store",
        False,
        None,
    )
    # Approved Monday 2 March, 12:00 Berlin: Tuesday and Wednesday, so by Thursday 00:00 Berlin (23:00 UTC).
    assert data["ship_by"].isoformat() == "2026-03-04T23:00:00+00:00"
    request = await _request(uow_factory, submitted.request_id)
    assert (request.resolution, request.decided_by, request.decided_at) == (
        Resolution.RESHIPMENT,
        "agent:3",
        clock.now(),
    )
    async with uow_factory() as uow:
        assert await uow.deadlines.live(DeadlineKind.SELLER_ANSWER, "request", request.id) is None
        reshipment = await uow.requests.reshipment_for(request.id)
        assert reshipment.status == ReshipmentStatus.AWAITING_SHIPMENT
        assert (await uow.deadlines.live(DeadlineKind.RESHIPMENT_SHIP_BY, "reshipment", reshipment.id)).due_at == data[
            "ship_by"
        ]
        ticket = await uow.tickets.get(submitted.ticket_id)
        assert ticket.first_responded_at == clock.now()  # a decision answers the buyer
        assert await uow.deadlines.live(DeadlineKind.FIRST_RESPONSE, "ticket", ticket.id) is None
    assert ("request.status_changed", "agent:3", "approved") in await _audit(uow_factory, "request", request.id)
    with refused("already_decided"):
        await act(approve_request, clock, submitted.request_id, AGENT)


async def test_only_an_active_agent_of_the_store_decides(act, clock, submitted, uow_factory):
    for service, args in (
        (approve_request, ()),
        (propose_refund_only, ()),
        (reject_request, ("buyer_damage",)),
        (propose_partial_refund, (1000,)),
    ):
        for who in (OTHER_AGENT, BUYER, 999):
            with pytest.raises(Forbidden):
                await act(service, clock, submitted.request_id, who, *args)
    async with uow_factory() as uow:
        agent = (await uow.stores.agents(submitted.shop.store_id))[0]
        agent.active = False
        await uow.commit()
    with pytest.raises(Forbidden):
        await act(approve_request, clock, submitted.request_id, AGENT)
    assert (await _request(uow_factory, submitted.request_id)).status == RequestStatus.AWAITING_SELLER


async def test_refund_only_in_place_of_a_reshipment_is_approved_at_once(act, clock, submitted, uow_factory):
    decision = await act(propose_refund_only, clock, submitted.request_id, AGENT)
    assert decision.status == RequestStatus.APPROVED
    assert decision.notices[0].data["resolution"] == "refund_only"
    assert decision.notices[0].data["refund_amount_minor"] == 3499
    request = await _request(uow_factory, submitted.request_id)
    assert (request.resolution, request.refund_amount_minor) == (Resolution.REFUND_ONLY, 3499)
    async with uow_factory() as uow:
        assert await uow.requests.reshipment_for(request.id) is None


async def test_refund_only_asked_for_is_simply_approved(act, clock, shop, uow_factory):
    order_id = shop.orders["D-1"]
    item_id = await lamp_item_id(uow_factory, order_id)
    result = await act(submit_request, clock, BUYER, order_id, make_draft(item_id, resolution=Resolution.REFUND_ONLY))
    with refused("refund_only_asked"):
        await act(propose_refund_only, clock, result.request_id, AGENT)
    decision = await act(approve_request, clock, result.request_id, AGENT)
    assert decision.notices[0].data["refund_amount_minor"] == 3499


async def test_a_rejection_carries_its_reason_note_and_the_seller_s_evidence(act, clock, submitted, uow_factory):
    with refused("evidence_missing"):
        await act(reject_request, clock, submitted.request_id, AGENT, "barcode_mismatch")
    with refused("reason_not_offered"):
        await act(reject_request, clock, submitted.request_id, AGENT, "shipped_complete")
    decision = await act(
        reject_request,
        clock,
        submitted.request_id,
        AGENT,
        "barcode_mismatch",
        "  Not one of our lamps  ",
        (photo("our-barcode"),),
    )
    assert decision.status == RequestStatus.REJECTED
    data = decision.notices[0].data
    assert (data["reject_reason"], data["note"], data["evidence"]) == ("barcode_mismatch", "Not one of our lamps", 1)
    assert data["escalate_until"] == clock.now() + timedelta(days=7)
    request = await _request(uow_factory, submitted.request_id)
    assert (request.reject_reason, request.decision_reason, request.decided_by) == (
        "barcode_mismatch",
        "Not one of our lamps",
        "agent:3",
    )
    assert [(f.side, f.purpose, f.file_id) for f in request.files][-1] == (
        "seller",
        AttachmentPurpose.SELLER_EVIDENCE,
        "file-our-barcode",
    )
    with refused("already_decided"):
        await act(approve_request, clock, submitted.request_id, AGENT)


async def test_an_escalated_rejection_upheld_stays_rejected_and_escalates_once(act, clock, submitted, uow_factory):
    await act(reject_request, clock, submitted.request_id, AGENT, "buyer_damage")
    with pytest.raises(Forbidden):
        await act(escalate_rejection, clock, submitted.request_id, STRANGER)
    decision = await act(escalate_rejection, clock, submitted.request_id, BUYER, "It was like that in the box")
    assert decision.status == RequestStatus.ESCALATED
    assert _kinds(decision.notices) == [
        ("request_escalated", "moderators"),
        ("request_escalated", "store"),
        ("request_escalated", "buyer"),
    ]
    with pytest.raises(Forbidden):  # an agent is no moderator
        await act(moderator_decide, clock, submitted.request_id, AGENT, "upheld")
    with refused("escalated"):
        await act(approve_request, clock, submitted.request_id, AGENT)
    decided = await act(
        moderator_decide,
        clock,
        submitted.request_id,
        MODERATOR,
        "upheld",
        "Scratches from use",
        in_moderators_group=True,
    )
    assert decided.status == RequestStatus.REJECTED
    assert _kinds(decided.notices) == [
        ("escalation_decided", "buyer"),
        ("escalation_decided", "store"),
        ("escalation_decided", "moderators"),
    ]
    assert decided.notices[0].data["outcome"] == "upheld"
    request = await _request(uow_factory, submitted.request_id)
    assert (request.escalation_outcome, request.escalation_decided_by) == ("upheld", "moderator:5")
    with refused("already_escalated"):
        await act(escalate_rejection, clock, submitted.request_id, BUYER)
    reasons = [r for _e, _a, r in await _audit(uow_factory, "request", submitted.request_id)]
    assert reasons == [None, "rejected", "escalated", "upheld"]


async def test_an_overturned_rejection_approves_what_the_buyer_asked(act, clock, submitted, uow_factory):
    await act(reject_request, clock, submitted.request_id, AGENT, "photos_do_not_show_fault")
    await act(escalate_rejection, clock, submitted.request_id, BUYER)
    async with uow_factory() as uow:  # a moderator by role, not by the group
        user = await uow.users.get_or_create(MODERATOR, at=clock.now())
        user.role = Role.MODERATOR
        await uow.commit()
    decided = await act(moderator_decide, clock, submitted.request_id, MODERATOR, "overturned")
    assert decided.status == RequestStatus.APPROVED
    data = decided.notices[0].data
    assert (data["outcome"], data["resolution"], data["decided_by"]) == ("overturned", "reshipment", "moderators")
    assert data["ship_by"] is not None
    with refused("not_escalated"):
        await act(moderator_decide, clock, submitted.request_id, MODERATOR, "upheld")


async def test_a_rejection_is_escalated_within_seven_days(act, clock, submitted):
    await act(reject_request, clock, submitted.request_id, AGENT, "buyer_damage")
    clock.advance(days=7)
    with refused("escalation_window_passed"):
        await act(escalate_rejection, clock, submitted.request_id, BUYER)


async def test_a_partial_refund_offer_is_recorded_and_pauses_the_seller_s_clock(act, clock, submitted, uow_factory):
    for amount, why in ((0, "amount_not_positive"), (3500, "amount_over_cap"), (3499, "amount_is_full_refund")):
        with refused(why):
            await act(propose_partial_refund, clock, submitted.request_id, AGENT, amount)
    clock.advance(hours=10)
    decision = await act(propose_partial_refund, clock, submitted.request_id, AGENT, 1750)
    assert decision.status == RequestStatus.OFFER_PENDING and decision.offer_id is not None
    assert _kinds(decision.notices) == [("offer_proposed", "buyer"), ("offer_proposed", "store")]
    assert decision.notices[0].data["respond_by"] == clock.now() + timedelta(hours=24)
    async with uow_factory() as uow:
        offer = await uow.requests.pending_offer(submitted.request_id)
        assert (offer.id, offer.amount_minor, offer.currency, offer.proposed_by) == (
            decision.offer_id,
            1750,
            "EUR",
            "agent:3",
        )
        request = await uow.requests.get(submitted.request_id)
        assert (request.seller_due_at, request.seller_paused_seconds_left) == (None, 38 * 3600)
        assert await uow.deadlines.live(DeadlineKind.SELLER_ANSWER, "request", request.id) is None
        # First the buyer's one reminder, 2 hours before the offer expires.
        live = await uow.deadlines.live(DeadlineKind.OFFER_RESPONSE, "offer", offer.id)
        assert live.due_at == offer.respond_by - timedelta(hours=2)
    for service, args in (
        (approve_request, ()),
        (reject_request, ("buyer_damage",)),
        (propose_partial_refund, (1000,)),
        (propose_refund_only, ()),
    ):
        with refused("offer_pending"):
            await act(service, clock, submitted.request_id, AGENT, *args)


async def test_a_withdrawn_offer_hands_the_request_back_with_the_time_that_was_left(act, clock, submitted, uow_factory):
    clock.advance(hours=30)
    offer_id = (await act(propose_partial_refund, clock, submitted.request_id, AGENT, 1750)).offer_id
    clock.advance(hours=5)
    with pytest.raises(Forbidden):
        await act(withdraw_offer, clock, offer_id, OTHER_AGENT)
    decision = await act(withdraw_offer, clock, offer_id, AGENT)
    assert decision.status == RequestStatus.AWAITING_SELLER
    assert _kinds(decision.notices) == [("offer_withdrawn", "buyer"), ("offer_withdrawn", "store")]
    assert decision.notices[0].data["seller_due_at"] == clock.now() + timedelta(hours=18)
    async with uow_factory() as uow:
        assert (await uow.requests.get_offer(offer_id)).status == OfferStatus.WITHDRAWN
        request = await uow.requests.get(submitted.request_id)
        assert (request.seller_due_at, request.seller_paused_seconds_left) == (clock.now() + timedelta(hours=18), None)
        # Half-time (due - 24 h) is past: the next stage is the reminder 2 hours before.
        live = await uow.deadlines.live(DeadlineKind.SELLER_ANSWER, "request", request.id)
        assert live.due_at == clock.now() + timedelta(hours=16)
    with refused("offer_withdrawn"):
        await act(withdraw_offer, clock, offer_id, AGENT)
    # A new offer may follow; the decisions are open again.
    assert (await act(propose_partial_refund, clock, submitted.request_id, AGENT, 1000)).offer_id != offer_id


async def test_the_replacement_is_marked_shipped_once_with_a_carrier_and_tracking(act, clock, submitted, uow_factory):
    with refused("no_reshipment"):
        await act(mark_reshipped, clock, submitted.request_id, AGENT, "DHL", "JJD0001")
    await act(approve_request, clock, submitted.request_id, AGENT)
    for carrier, number, url, why in (
        ("", "JJD0001", None, "carrier_missing"),
        ("DHL", " ", None, "tracking_number_missing"),
        ("DHL", "JJD0001", "ftp://x", "tracking_url_invalid"),
    ):
        with refused(why):
            await act(mark_reshipped, clock, submitted.request_id, AGENT, carrier, number, url)
    with pytest.raises(Forbidden):
        await act(mark_reshipped, clock, submitted.request_id, OTHER_AGENT, "DHL", "JJD0001")
    decision = await act(
        mark_reshipped, clock, submitted.request_id, AGENT, " DHL ", "JJD0001", "https://dhl.example/JJD0001"
    )
    assert _kinds(decision.notices) == [("reshipment_shipped", "buyer"), ("reshipment_shipped", "store")]
    assert decision.notices[0].data["tracking_url"] == "https://dhl.example/JJD0001"
    async with uow_factory() as uow:
        reshipment = await uow.requests.reshipment_for(submitted.request_id)
        assert (reshipment.status, reshipment.carrier, reshipment.tracking_number, reshipment.shipped_at) == (
            ReshipmentStatus.SHIPPED,
            "DHL",
            "JJD0001",
            clock.now(),
        )
        assert await uow.deadlines.live(DeadlineKind.RESHIPMENT_SHIP_BY, "reshipment", reshipment.id) is None
    with refused("already_reshipped"):
        await act(mark_reshipped, clock, submitted.request_id, AGENT, "DHL", "JJD0002")


async def test_a_replacement_shipped_without_a_link_gets_its_known_carriers_tracking_page(act, clock, submitted):
    await act(approve_request, clock, submitted.request_id, AGENT)
    decision = await act(mark_reshipped, clock, submitted.request_id, AGENT, "DHL Express", "JJD0001")
    assert (
        decision.notices[0].data["tracking_url"]
        == "https://www.dhl.com/global-en/home/tracking.html?tracking-id=JJD0001"
    )


# What each side sees -------------------------------------------------------------------------------


async def test_the_view_shows_each_side_its_timeline_what_is_due_and_what_it_may_do(act, clock, submitted, uow_factory):
    async def view(role, telegram_id, **options):
        async with uow_factory() as uow:
            return await request_view(uow, submitted.request_id, Viewer(role, telegram_id), **options)

    fresh = await view("agent", AGENT)
    assert fresh.actions == {"approve", "reject", "partial_refund", "refund_only"}
    assert fresh.suggested_refunds == (700, 1750, 2799)
    assert [d.kind for d in fresh.due] == ["seller_answer"] and fresh.due[0].due_at == clock.now() + timedelta(days=2)
    assert [(i.sku, i.quantity) for i in fresh.items] == [("LAMP-1", 1)] and len(fresh.evidence) == 4
    assert (await view("buyer", BUYER)).actions == frozenset()
    for role, who in (("buyer", STRANGER), ("agent", OTHER_AGENT), ("moderator", BUYER)):
        with pytest.raises(Forbidden):
            await view(role, who)

    clock.advance(hours=1)
    offer_id = (await act(propose_partial_refund, clock, submitted.request_id, AGENT, 1750)).offer_id
    pending = await view("agent", AGENT)
    assert pending.actions == {"withdraw_offer"} and pending.suggested_refunds == ()
    assert [(d.kind, d.due_at, d.seconds_left) for d in pending.due] == [
        ("offer_response", clock.now() + timedelta(hours=24), None),
        ("seller_answer", None, 47 * 3600),
    ]
    clock.advance(hours=1)
    await act(withdraw_offer, clock, offer_id, AGENT)
    clock.advance(hours=1)
    await act(reject_request, clock, submitted.request_id, AGENT, "buyer_damage", "Dropped, see the dent")

    buyer = await view("buyer", BUYER, now=clock.now())
    assert buyer.status == RequestStatus.REJECTED and buyer.actions == {"escalate"}
    assert [(d.kind, d.due_at) for d in buyer.due] == [("escalation_window", clock.now() + timedelta(days=7))]
    assert [(e.kind, e.by, e.agent_name) for e in buyer.timeline] == [
        ("submitted", "buyer", None),
        ("offer_proposed", "store", None),
        ("offer_withdrawn", "store", None),
        ("rejected", "store", None),
    ]
    assert buyer.timeline[1].data["amount_minor"] == 1750
    assert (buyer.reject_reason, buyer.decision_note) == ("buyer_damage", "Dropped, see the dent")
    agent = await view("agent", AGENT)
    assert [e.agent_name for e in agent.timeline] == [None, "Max Agent", "Max Agent", "Max Agent"]
    assert agent.actions == frozenset()
    assert (await view("buyer", BUYER, now=clock.now() + timedelta(days=7))).actions == frozenset()

    await act(escalate_rejection, clock, submitted.request_id, BUYER)
    moderator = await view("moderator", MODERATOR, in_moderators_group=True)
    assert moderator.actions == {"uphold", "overturn"} and moderator.timeline[-1].kind == "escalated"
