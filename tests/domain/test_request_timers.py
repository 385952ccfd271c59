"""Request deadlines that act: reminders, the automatic approval, the paused clock, offers that lapse, ship-by."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.enums import DeadlineKind, OfferStatus, RequestStatus, ReshipmentStatus
from domain.models import Deadline
from domain.services.refusals import Refused
from domain.services.request_clock import ship_by
from domain.services.requests import (
    approve_request,
    fire_due_request_timers,
    mark_reshipped,
    propose_partial_refund,
    reject_offer,
    withdraw_offer,
)

AGENT = 2001


async def _fire(act, clock) -> list[tuple[str, str]]:
    return [(n.kind, n.to) for n in await act(fire_due_request_timers, clock)]


async def _fire_notices(act, clock):
    return await act(fire_due_request_timers, clock)


async def _request(uow_factory, request_id):
    async with uow_factory() as uow:
        return await uow.requests.get(request_id)


async def _live(uow_factory, kind, subject_type, subject_id) -> Deadline | None:
    async with uow_factory() as uow:
        return await uow.deadlines.live(kind, subject_type, subject_id)


async def test_reminders_at_half_time_and_two_hours_before_then_approval_on_the_second(
    act, clock, submitted, uow_factory
):
    start = clock.now()
    clock.set(start + timedelta(hours=24) - timedelta(seconds=1))
    assert await _fire(act, clock) == []
    clock.advance(seconds=1)
    notices = await _fire_notices(act, clock)
    assert [(n.kind, n.to, n.data["stage"]) for n in notices] == [("request_reminder", "store", "half_time")]
    assert notices[0].data["due_at"] == start + timedelta(days=2)
    assert await _fire(act, clock) == []  # fired once
    clock.set(start + timedelta(hours=46) - timedelta(seconds=1))
    assert await _fire(act, clock) == []
    clock.advance(seconds=1)
    assert [n.data["stage"] for n in await _fire_notices(act, clock)] == ["two_hours"]
    clock.set(start + timedelta(days=2) - timedelta(seconds=1))
    assert await _fire(act, clock) == []
    assert (await _request(uow_factory, submitted.request_id)).status == RequestStatus.AWAITING_SELLER
    clock.advance(seconds=1)
    notices = await _fire_notices(act, clock)
    assert [(n.kind, n.to) for n in notices] == [("request_approved", "buyer"), ("request_approved", "store")]
    assert (notices[0].data["auto"], notices[0].data["decided_by"], notices[0].data["resolution"]) == (
        True,
        "system",
        "reshipment",
    )
    request = await _request(uow_factory, submitted.request_id)
    assert (request.status, request.decided_by, request.decided_at) == (RequestStatus.APPROVED, "system", clock.now())
    async with uow_factory() as uow:
        assert (await uow.requests.reshipment_for(request.id)).status == ReshipmentStatus.AWAITING_SHIPMENT
        events = [
            (e.actor, e.data.get("reason"))
            for e in await uow.audit.for_subject("request", request.id)
            if e.event_type == "request.status_changed"
        ]
        assert events == [("system", "seller_silent")]
    clock.advance(days=5)
    assert await _fire(act, clock) == [("reshipment_overdue", "store"), ("reshipment_overdue", "moderators")]
    assert await _fire(act, clock) == []


async def test_a_deadline_that_fell_due_while_the_bot_was_down_approves_once_without_reminders(act, clock, submitted):
    clock.advance(days=3)
    assert await _fire(act, clock) == [("request_approved", "buyer"), ("request_approved", "store")]
    assert await _fire(act, clock) == []


async def test_down_through_half_time_only_one_reminder_comes(act, clock, submitted, uow_factory):
    clock.advance(hours=47)
    notices = await _fire_notices(act, clock)
    assert [(n.kind, n.data["stage"]) for n in notices] == [("request_reminder", "two_hours")]
    live = await _live(uow_factory, DeadlineKind.SELLER_ANSWER, "request", submitted.request_id)
    assert live.due_at == clock.now() + timedelta(hours=1)


async def test_a_seller_s_answer_stops_the_clock(act, clock, submitted):
    await act(approve_request, clock, submitted.request_id, AGENT)
    clock.advance(days=2)
    assert await _fire(act, clock) == []  # the ship-by is days away yet


async def test_a_pending_offer_pauses_the_clock_and_an_expired_one_resumes_it_with_what_was_left(
    act, clock, submitted, uow_factory
):
    start = clock.now()
    clock.advance(hours=30)  # 18 hours left; the half-time reminder is past
    assert [k for k, _ in await _fire(act, clock)] == ["request_reminder"]
    offer_id = (await act(propose_partial_refund, clock, submitted.request_id, AGENT, 1750)).offer_id
    # Paused: the old due time passes without anything happening.
    clock.set(start + timedelta(days=2, hours=1))
    assert await _fire(act, clock) == []
    clock.set(start + timedelta(hours=52) - timedelta(seconds=1))
    assert await _fire(act, clock) == []
    clock.advance(seconds=1)  # 2 hours before the buyer's 24 hours end: one reminder, for the buyer only
    assert await _fire(act, clock) == [("offer_reminder", "buyer")]
    clock.set(start + timedelta(hours=54) - timedelta(seconds=1))
    assert await _fire(act, clock) == []
    clock.advance(seconds=1)
    notices = await _fire_notices(act, clock)
    assert [(n.kind, n.to) for n in notices] == [("offer_expired", "buyer"), ("offer_expired", "store")]
    resumed_due = clock.now() + timedelta(hours=18)
    assert notices[0].data["seller_due_at"] == resumed_due
    async with uow_factory() as uow:
        assert (await uow.requests.get_offer(offer_id)).status == OfferStatus.EXPIRED
        request = await uow.requests.get(submitted.request_id)
        assert (request.status, request.seller_due_at) == (RequestStatus.AWAITING_SELLER, resumed_due)
    clock.set(resumed_due - timedelta(hours=2))
    assert [n.data["stage"] for n in await _fire_notices(act, clock)] == ["two_hours"]
    clock.set(resumed_due - timedelta(seconds=1))
    assert await _fire(act, clock) == []
    clock.advance(seconds=1)
    assert await _fire(act, clock) == [("request_approved", "buyer"), ("request_approved", "store")]


async def test_pause_and_resume_before_half_time_keep_the_reminders_ahead(act, clock, submitted, uow_factory):
    clock.advance(hours=10)
    offer_id = (await act(propose_partial_refund, clock, submitted.request_id, AGENT, 1000)).offer_id
    clock.advance(hours=5, seconds=17)
    await act(withdraw_offer, clock, offer_id, AGENT)
    due = clock.now() + timedelta(hours=38)
    assert (await _request(uow_factory, submitted.request_id)).seller_due_at == due
    live = await _live(uow_factory, DeadlineKind.SELLER_ANSWER, "request", submitted.request_id)
    assert live.due_at == due - timedelta(hours=24)  # half of the 2-day window before the due time
    assert await _live(uow_factory, DeadlineKind.OFFER_RESPONSE, "offer", offer_id) is None


async def _approve_at(act, clock, submitted, when: datetime):
    clock.set(when)
    return (await act(approve_request, clock, submitted.request_id, AGENT)).notices[0].data["ship_by"]


async def test_ship_by_skips_the_weekend(act, clock, submitted):
    # Friday 6 March, 15:00 Berlin: Monday and Tuesday, due at Wednesday 00:00 Berlin.
    assert await _approve_at(act, clock, submitted, datetime(2026, 3, 6, 14, 0, tzinfo=UTC)) == datetime(
        2026, 3, 10, 23, 0, tzinfo=UTC
    )


async def test_ship_by_skips_christmas_and_the_weekend_after_it(act, clock, submitted):
    # Thursday 24 December: Friday 25 is Christmas Day in Germany, then the weekend: Monday 28 and Tuesday 29.
    assert await _approve_at(act, clock, submitted, datetime(2026, 12, 24, 10, 0, tzinfo=UTC)) == datetime(
        2026, 12, 29, 23, 0, tzinfo=UTC
    )


def test_ship_by_skips_german_unity_day_and_easter_in_the_store_s_zone():
    class Store:
        timezone, country, reshipment_working_days = "Europe/Berlin", "DE", 2

    # Thursday 2 October 2025 (Friday 3 October is German Unity Day): Monday 6, Tuesday 7.
    assert ship_by(Store, datetime(2025, 10, 2, 12, 0, tzinfo=UTC)) == datetime(2025, 10, 7, 22, 0, tzinfo=UTC)
    # Thursday 2 April 2026: Good Friday, the weekend, Easter Monday; then Tuesday 7 and Wednesday 8 (summer time).
    assert ship_by(Store, datetime(2026, 4, 2, 12, 0, tzinfo=UTC)) == datetime(2026, 4, 8, 22, 0, tzinfo=UTC)
    # 23:30 UTC on Friday is already Saturday in Berlin: the event's day is Saturday, not Friday.
    assert ship_by(Store, datetime(2026, 3, 6, 23, 30, tzinfo=UTC)) == datetime(2026, 3, 10, 23, 0, tzinfo=UTC)
    Store.country = "US"  # no German holidays in an American store
    assert ship_by(Store, datetime(2025, 10, 2, 12, 0, tzinfo=UTC)) == datetime(2025, 10, 6, 22, 0, tzinfo=UTC)


async def test_a_missed_ship_by_escalates_to_the_moderators_and_it_can_still_ship(act, clock, submitted, uow_factory):
    due = await _approve_at(act, clock, submitted, datetime(2026, 3, 6, 14, 0, tzinfo=UTC))
    clock.set(due - timedelta(seconds=1))
    assert await _fire(act, clock) == []
    clock.set(due)
    notices = await _fire_notices(act, clock)
    assert [(n.kind, n.to) for n in notices] == [("reshipment_overdue", "store"), ("reshipment_overdue", "moderators")]
    assert notices[1].data["ship_by"] == due and notices[1].data["request_id"] == submitted.request_id
    async with uow_factory() as uow:
        reshipment = await uow.requests.reshipment_for(submitted.request_id)
        assert (reshipment.status, reshipment.escalated_at) == (ReshipmentStatus.OVERDUE, clock.now())
    clock.advance(hours=3)
    decision = await act(mark_reshipped, clock, submitted.request_id, AGENT, "DHL", "JJD0001")
    assert decision.notices[0].data["late"] is True
    async with uow_factory() as uow:
        assert (await uow.requests.reshipment_for(submitted.request_id)).status == ReshipmentStatus.SHIPPED


async def test_shipped_in_time_nothing_escalates(act, clock, submitted):
    due = await _approve_at(act, clock, submitted, datetime(2026, 3, 6, 14, 0, tzinfo=UTC))
    await act(mark_reshipped, clock, submitted.request_id, AGENT, "DHL", "JJD0001")
    clock.set(due + timedelta(days=1))
    assert await _fire(act, clock) == []


async def test_an_offer_the_buyer_turns_down_resumes_the_clock_and_cannot_lapse_later(
    act, clock, submitted, uow_factory
):
    from domain.services.refusals import Forbidden

    clock.advance(hours=12)
    offer_id = (await act(propose_partial_refund, clock, submitted.request_id, AGENT, 1750)).offer_id
    clock.advance(hours=3)
    for who in (AGENT, 1002):
        with pytest.raises(Forbidden):
            await act(reject_offer, clock, offer_id, who)
    decision = await act(reject_offer, clock, offer_id, 1001)
    assert [(n.kind, n.to) for n in decision.notices] == [("offer_rejected", "buyer"), ("offer_rejected", "store")]
    assert decision.notices[0].data["seller_due_at"] == clock.now() + timedelta(hours=36)
    async with uow_factory() as uow:
        offer = await uow.requests.get_offer(offer_id)
        assert (offer.status, offer.answered_at) == (OfferStatus.REJECTED, clock.now())
    clock.advance(hours=24)  # the offer's own deadline went with it
    assert [n.data.get("stage") for n in await _fire_notices(act, clock)] == ["half_time"]


async def test_a_carrier_line_asking_for_payment_is_refused_and_nothing_ships(act, clock, submitted, uow_factory):
    await _approve_at(act, clock, submitted, datetime(2026, 3, 6, 14, 0, tzinfo=UTC))
    with pytest.raises(Refused) as refused:
        await act(mark_reshipped, clock, submitted.request_id, AGENT, "Pay the fee to my PayPal first", "JJD0001")
    assert refused.value.why == "note_held"
    async with uow_factory() as uow:
        assert (await uow.requests.reshipment_for(submitted.request_id)).status == ReshipmentStatus.AWAITING_SHIPMENT
