"""Each request decision happens once however many press at once, and a deadline firing loses to a decision.

On SQLite writers queue (one at a time), so the second sees the first's
decision and is refused; on PostgreSQL they truly overlap: the second waits
on the row, loses the compare-and-set and its unit of work is a conflict the
runner retries (the `act` fixture does), ending in the same refusal.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from domain.enums import OfferStatus, RequestStatus
from domain.errors import ConcurrentChange
from domain.models import Offer, Reshipment
from domain.services.refusals import Refused
from domain.services.requests import (
    approve_request,
    fire_due_request_timers,
    propose_partial_refund,
    propose_refund_only,
)
from domain.storage.conflicts import is_conflict

AGENT = 2001


async def _status_changes(uow_factory, request_id: int) -> list[tuple[str, str]]:
    async with uow_factory() as uow:
        return [
            (e.actor, e.data["reason"])
            for e in await uow.audit.for_subject("request", request_id)
            if e.event_type == "request.status_changed"
        ]


async def _rows(uow_factory, model) -> int:
    from sqlalchemy import func, select

    async with uow_factory() as uow:
        return await uow.session.scalar(select(func.count()).select_from(model))


async def _settle(*calls):
    return await asyncio.gather(*calls, return_exceptions=True)


async def test_two_agents_approving_at_once_approve_once(act, clock, submitted, uow_factory):
    results = await _settle(*(act(approve_request, clock, submitted.request_id, AGENT) for _ in range(2)))
    refusals = [r for r in results if isinstance(r, Refused)]
    assert len(refusals) == 1 and refusals[0].why == "already_decided", results
    assert await _status_changes(uow_factory, submitted.request_id) == [("agent:3", "approved")]
    assert await _rows(uow_factory, Reshipment) == 1


async def test_approve_and_refund_only_at_once_one_decision_stands(act, clock, submitted, uow_factory):
    results = await _settle(
        act(approve_request, clock, submitted.request_id, AGENT),
        act(propose_refund_only, clock, submitted.request_id, AGENT),
    )
    assert sum(isinstance(r, Refused) for r in results) == 1, results
    assert len(await _status_changes(uow_factory, submitted.request_id)) == 1


async def test_two_sweepers_racing_auto_approve_once(act, clock, submitted, uow_factory):
    clock.advance(days=2)
    results = await _settle(*(act(fire_due_request_timers, clock) for _ in range(3)))
    notices = [n.kind for result in results for n in result]
    assert notices == ["request_approved", "request_approved"], results
    assert await _status_changes(uow_factory, submitted.request_id) == [("system", "seller_silent")]


async def test_two_offers_at_once_leave_one_pending(act, clock, submitted, uow_factory):
    results = await _settle(
        *(act(propose_partial_refund, clock, submitted.request_id, AGENT, amount) for amount in (1000, 2000))
    )
    refusals = [r for r in results if isinstance(r, Refused)]
    assert [r.why for r in refusals] == ["offer_pending"], results
    assert await _rows(uow_factory, Offer) == 1


def _postgres_only(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): two cannot hold the same read")


async def test_the_second_of_two_overlapping_approvals_loses_the_compare_and_set(
    clock, submitted, uow_factory, database_url
):
    _postgres_only(database_url)
    async with uow_factory() as first, uow_factory() as second:
        await approve_request(first, clock, submitted.request_id, AGENT)
        racing = asyncio.ensure_future(approve_request(second, clock, submitted.request_id, AGENT))
        await asyncio.sleep(0.3)
        assert not racing.done()  # it read "awaiting seller" and now waits on the row
        await first.commit()
        with pytest.raises(ConcurrentChange):
            await racing


async def test_an_agent_approving_as_the_deadline_fires_leaves_one_approval(
    clock, submitted, uow_factory, database_url
):
    _postgres_only(database_url)
    clock.advance(days=2)
    async with uow_factory() as sweeper, uow_factory() as agent:
        assert [n.kind for n in await fire_due_request_timers(sweeper, clock)] == ["request_approved"] * 2
        racing = asyncio.ensure_future(approve_request(agent, clock, submitted.request_id, AGENT))
        await asyncio.sleep(0.3)
        await sweeper.commit()
        with pytest.raises(ConcurrentChange):
            await racing
    assert await _status_changes(uow_factory, submitted.request_id) == [("system", "seller_silent")]


async def test_a_deadline_firing_just_after_an_agent_approved_does_nothing(clock, submitted, uow_factory, database_url):
    _postgres_only(database_url)
    clock.advance(days=2)
    async with uow_factory() as agent, uow_factory() as sweeper:
        await approve_request(agent, clock, submitted.request_id, AGENT)  # cancels the live deadline
        # The row the approval cancelled is locked: the sweeper skips it (FOR UPDATE SKIP LOCKED), not waits.
        assert await asyncio.wait_for(fire_due_request_timers(sweeper, clock), timeout=2) == ()
        await agent.commit()
        await sweeper.commit()
    assert await _status_changes(uow_factory, submitted.request_id) == [("agent:3", "approved")]


async def test_two_overlapping_offers_are_a_conflict_for_the_second(clock, submitted, uow_factory, database_url):
    _postgres_only(database_url)
    async with uow_factory() as first, uow_factory() as second:
        await propose_partial_refund(first, clock, submitted.request_id, AGENT, 1000)
        racing = asyncio.ensure_future(propose_partial_refund(second, clock, submitted.request_id, AGENT, 2000))
        await asyncio.sleep(0.3)
        await first.commit()
        with pytest.raises(Exception) as raised:
            await racing
        assert is_conflict(raised.value), raised.value
    async with uow_factory() as uow:
        offers = await uow.requests.offers(submitted.request_id)
        assert [(o.amount_minor, o.status) for o in offers] == [(1000, OfferStatus.PENDING)]
        assert (await uow.requests.get(submitted.request_id)).status == RequestStatus.OFFER_PENDING
        assert (await uow.requests.get(submitted.request_id)).seller_paused_seconds_left == int(
            timedelta(days=2).total_seconds()
        )
