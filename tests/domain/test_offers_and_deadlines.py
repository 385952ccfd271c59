"""Database guards: one pending offer per request, and deadlines that fire exactly once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from domain.enums import DeadlineKind, OfferStatus, Resolution
from domain.models import Offer
from domain.states import transition


def _offer(request_id: int, now, amount: int = 1500) -> Offer:
    return Offer(
        request_id=request_id,
        resolution=Resolution.PARTIAL_REFUND,
        amount_minor=amount,
        currency="EUR",
        status=OfferStatus.PENDING,
        proposed_by="agent:1",
        created_at=now,
        respond_by=now + timedelta(hours=24),
    )


async def test_a_second_pending_offer_is_refused_by_the_database(uow_factory, clock, world) -> None:
    async with uow_factory() as uow:
        uow.requests.add_offer(_offer(world.request_id, clock.now()))
        await uow.commit()
    async with uow_factory() as uow:
        uow.requests.add_offer(_offer(world.request_id, clock.now(), amount=2000))
        with pytest.raises(IntegrityError):
            await uow.flush()


async def test_a_new_offer_may_follow_once_the_pending_one_is_answered(uow_factory, clock, world) -> None:
    async with uow_factory() as uow:
        first = uow.requests.add_offer(_offer(world.request_id, clock.now()))
        await uow.flush()
        await transition(uow, first, OfferStatus.WITHDRAWN, actor="agent:1", at=clock.now())
        uow.requests.add_offer(_offer(world.request_id, clock.now(), amount=1000))
        await uow.commit()
    async with uow_factory() as uow:
        offers = await uow.requests.offers(world.request_id)
        assert [(o.status, o.amount_minor) for o in offers] == [
            (OfferStatus.WITHDRAWN, 1500),
            (OfferStatus.PENDING, 1000),
        ]
        assert (await uow.requests.pending_offer(world.request_id)).amount_minor == 1000


async def _schedule(uow_factory, clock, due_in: timedelta) -> int:
    async with uow_factory() as uow:
        deadline = await uow.deadlines.schedule(
            DeadlineKind.SELLER_ANSWER, "request", 1, due_at=clock.now() + due_in, at=clock.now()
        )
        await uow.commit()
        return deadline.id


async def test_deadline_fires_once_when_a_second_claim_waits_on_the_first(uow_factory, clock) -> None:
    deadline_id = await _schedule(uow_factory, clock, timedelta(hours=-1))
    first_claimed = asyncio.Event()

    async def first() -> bool:
        async with uow_factory() as uow:
            won = await uow.deadlines.claim(deadline_id, at=clock.now())
            first_claimed.set()
            await asyncio.sleep(0.3)  # hold the row while the second claim is already waiting on it
            await uow.commit()
            return won

    async def second() -> bool:
        await first_claimed.wait()
        async with uow_factory() as uow:
            won = await uow.deadlines.claim(deadline_id, at=clock.now())
            await uow.commit()
            return won

    assert await asyncio.gather(first(), second()) == [True, False]


async def test_deadline_fires_once_among_many_concurrent_claims(uow_factory, clock) -> None:
    deadline_id = await _schedule(uow_factory, clock, timedelta(minutes=-5))

    async def claim() -> bool:
        async with uow_factory() as uow:
            won = await uow.deadlines.claim(deadline_id, at=clock.now())
            await uow.commit()
            return won

    results = await asyncio.gather(*(claim() for _ in range(5)))
    assert sorted(results) == [False, False, False, False, True]
    async with uow_factory() as uow:
        assert await uow.deadlines.due(clock.advance(hours=1)) == []


async def test_due_lists_overdue_deadlines_and_rescheduling_replaces_the_live_one(uow_factory, clock) -> None:
    await _schedule(uow_factory, clock, timedelta(days=2))
    replacement_id = await _schedule(uow_factory, clock, timedelta(days=3))  # cancels the first
    async with uow_factory() as uow:
        assert await uow.deadlines.due(clock.now()) == []
        assert await uow.deadlines.next_due_at() == clock.now() + timedelta(days=3)
    # As after a restart long after the due time: still due, and only once.
    later = clock.advance(days=10)
    async with uow_factory() as uow:
        assert [d.id for d in await uow.deadlines.due(later)] == [replacement_id]
        assert await uow.deadlines.claim(replacement_id, at=later)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.deadlines.due(later) == []
        assert not await uow.deadlines.claim(replacement_id, at=later)


async def test_two_live_deadlines_of_one_kind_for_one_subject_are_refused(uow_factory, clock) -> None:
    from domain.models import Deadline

    await _schedule(uow_factory, clock, timedelta(days=1))
    async with uow_factory() as uow:
        uow.session.add(
            Deadline(
                kind=DeadlineKind.SELLER_ANSWER,
                subject_type="request",
                subject_id=1,
                due_at=clock.now(),
                created_at=clock.now(),
            )
        )
        with pytest.raises(IntegrityError):
            await uow.flush()
