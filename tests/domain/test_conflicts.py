"""What counts as a lost race (retry on fresh data) rather than a fault: `domain.storage.conflicts`."""

from __future__ import annotations

import asyncio

import pytest

from domain.enums import DeadlineKind
from domain.errors import ConcurrentChange, DomainError, InvalidInput
from domain.storage.conflicts import is_conflict


def test_a_lost_compare_and_set_is_a_conflict_and_no_business_error():
    assert is_conflict(ConcurrentChange("ticket", 1))
    assert not isinstance(ConcurrentChange("ticket", 1), DomainError)  # `except DomainError` cannot swallow it
    assert not is_conflict(InvalidInput("bad")) and not is_conflict(RuntimeError("bug")) and not is_conflict(None)


async def test_two_transactions_setting_one_live_deadline_is_a_conflict_on_postgresql(uow_factory, clock, database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite lets one writer in at a time: the second sees the first's row and replaces it")
    async with uow_factory() as first, uow_factory() as second:
        await first.deadlines.schedule(DeadlineKind.AUTO_CLOSE, "ticket", 1, due_at=clock.now(), at=clock.now())
        racing = asyncio.ensure_future(
            second.deadlines.schedule(DeadlineKind.AUTO_CLOSE, "ticket", 1, due_at=clock.now(), at=clock.now())
        )
        await asyncio.sleep(0.2)  # the second insert now waits on the first's uncommitted row
        await first.commit()
        with pytest.raises(Exception) as raised:
            await racing
        assert is_conflict(raised.value), raised.value


async def test_a_deadline_another_sweeper_is_firing_is_skipped_not_waited_for_on_postgresql(
    uow_factory, clock, database_url
):
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite lets one writer in at a time: the second sweeper waits for the first's commit")
    async with uow_factory() as uow:
        deadline = await uow.deadlines.schedule(
            DeadlineKind.AUTO_CLOSE, "ticket", 1, due_at=clock.now(), at=clock.now()
        )
        await uow.commit()
    async with uow_factory() as first, uow_factory() as second:
        assert await first.deadlines.claim(deadline.id, at=clock.now())  # firing: its handler still runs
        # The second sweeper moves on at once instead of waiting for the first to finish.
        assert await asyncio.wait_for(second.deadlines.claim(deadline.id, at=clock.now()), timeout=2) is False
        await first.commit()
    async with uow_factory() as uow:
        assert await uow.deadlines.claim(deadline.id, at=clock.now()) is False  # fired once, for good
