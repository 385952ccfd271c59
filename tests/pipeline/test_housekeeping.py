"""The housekeeper's sweep: every table, in batches, until nothing is old enough (its rows: tests/domain)."""

from __future__ import annotations

from bot.pipeline.housekeeping import Housekeeper
from domain.services.housekeeping import TABLES
from tests.domain.test_housekeeping import RETENTION, rows_left, seed_every_table


async def test_the_housekeeper_goes_through_every_table_in_small_batches(uow_factory, clock) -> None:
    await seed_every_table(uow_factory, clock.now())
    housekeeper = Housekeeper(uow_factory, clock, retention=RETENTION, batch=1, pause=0)
    assert await housekeeper.sweep() == dict.fromkeys(TABLES, 2)
    assert await housekeeper.sweep() == dict.fromkeys(TABLES, 0)  # nothing more is old enough
    assert await rows_left(uow_factory) == dict.fromkeys(TABLES, 3)
