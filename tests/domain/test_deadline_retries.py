"""A deadline whose handler fails: counted, paused, parked after the last try, retried by an operator.

Parked is still live (it holds the subject's one place), so rescheduling or
cancelling the subject replaces it; it is never due until retried.
"""

from __future__ import annotations

from datetime import timedelta

from domain.enums import DeadlineKind

KIND = DeadlineKind.SELLER_ANSWER


async def _schedule(uow_factory, clock, subject_id: int = 1, due_in: timedelta = timedelta(hours=-1)) -> int:
    async with uow_factory() as uow:
        deadline = await uow.deadlines.schedule(
            KIND, "request", subject_id, due_at=clock.now() + due_in, at=clock.now()
        )
        await uow.commit()
        return deadline.id


async def _fail(uow_factory, deadline_id: int, *, attempts_before: int, retry_at, parked_at=None) -> bool:
    async with uow_factory() as uow:
        counted = await uow.deadlines.record_failure(
            deadline_id, "RuntimeError: boom", attempts_before=attempts_before, retry_at=retry_at, parked_at=parked_at
        )
        await uow.commit()
        return counted


async def _due_ids(uow_factory, now, **options) -> list[int]:
    async with uow_factory() as uow:
        return [d.id for d in await uow.deadlines.due(now, **options)]


async def test_a_failed_try_waits_until_its_next_attempt_and_is_counted_once(uow_factory, clock) -> None:
    deadline_id = await _schedule(uow_factory, clock)
    retry_at = clock.now() + timedelta(minutes=1)
    assert await _fail(uow_factory, deadline_id, attempts_before=0, retry_at=retry_at)
    assert not await _fail(uow_factory, deadline_id, attempts_before=0, retry_at=retry_at)  # a racing sweeper's count
    assert await _due_ids(uow_factory, clock.now()) == []
    async with uow_factory() as uow:
        assert not await uow.deadlines.claim(deadline_id, at=clock.now())
        assert await uow.deadlines.next_due_at() == retry_at
        deadline = await uow.deadlines.live(KIND, "request", 1)
        assert (deadline.attempts, deadline.last_error) == (1, "RuntimeError: boom")
    assert await _due_ids(uow_factory, clock.advance(minutes=1)) == [deadline_id]


async def test_due_orders_by_when_a_deadline_is_next_up_and_keeps_to_the_kinds_asked_for(uow_factory, clock) -> None:
    retried = await _schedule(uow_factory, clock, 1, timedelta(hours=-3))
    fresh = await _schedule(uow_factory, clock, 2, timedelta(hours=-2))
    await _fail(uow_factory, retried, attempts_before=0, retry_at=clock.now() - timedelta(hours=1))
    assert await _due_ids(uow_factory, clock.now()) == [fresh, retried]
    assert await _due_ids(uow_factory, clock.now(), kinds=[DeadlineKind.AUTO_CLOSE]) == []
    assert await _due_ids(uow_factory, clock.now(), kinds=[KIND, DeadlineKind.AUTO_CLOSE]) == [fresh, retried]


async def test_a_parked_deadline_never_fires_until_retried(uow_factory, clock) -> None:
    deadline_id = await _schedule(uow_factory, clock)
    assert await _fail(uow_factory, deadline_id, attempts_before=0, retry_at=clock.now(), parked_at=clock.now())
    later = clock.advance(days=30)
    assert await _due_ids(uow_factory, later) == []
    async with uow_factory() as uow:
        assert not await uow.deadlines.claim(deadline_id, at=later)
        assert await uow.deadlines.next_due_at() is None
        assert [d.id for d in await uow.deadlines.parked()] == [deadline_id]
        assert await uow.deadlines.retry(deadline_id + 1) == 0  # not parked
        assert await uow.deadlines.retry(deadline_id) == 1
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.deadlines.parked() == []
        deadline = await uow.deadlines.live(KIND, "request", 1)
        assert (deadline.attempts, deadline.next_attempt_at, deadline.last_error) == (0, None, "RuntimeError: boom")
        assert await uow.deadlines.claim(deadline_id, at=later)


async def test_rescheduling_or_cancelling_a_subject_replaces_its_parked_deadline(uow_factory, clock) -> None:
    parked = await _schedule(uow_factory, clock, 1)
    await _fail(uow_factory, parked, attempts_before=0, retry_at=clock.now(), parked_at=clock.now())
    replacement = await _schedule(uow_factory, clock, 1, timedelta(hours=1))  # the unique index lets it in
    async with uow_factory() as uow:
        assert await uow.deadlines.parked() == []
        live = await uow.deadlines.live(KIND, "request", 1)
        assert (live.id, live.attempts, live.parked_at) == (replacement, 0, None)
    other = await _schedule(uow_factory, clock, 2)
    await _fail(uow_factory, other, attempts_before=0, retry_at=clock.now(), parked_at=clock.now())
    async with uow_factory() as uow:
        assert await uow.deadlines.cancel(KIND, "request", 2, at=clock.now()) == 1
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.deadlines.parked() == []
        assert await uow.deadlines.retry() == 0


async def test_retry_without_an_id_gives_every_parked_deadline_new_tries(uow_factory, clock) -> None:
    ids = [await _schedule(uow_factory, clock, subject) for subject in (1, 2, 3)]
    for deadline_id in ids[:2]:
        await _fail(uow_factory, deadline_id, attempts_before=0, retry_at=clock.now(), parked_at=clock.now())
    async with uow_factory() as uow:
        assert await uow.deadlines.retry() == 2
        await uow.commit()
    assert await _due_ids(uow_factory, clock.now()) == ids
