"""On PostgreSQL one process polls: the advisory lock's holder; a follower takes over once it dies."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from bot.pipeline.leadership import PollingLeadership, lock_key
from domain.storage.engine import create_engine


@pytest.fixture
async def postgres_engines(database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("one process uses SQLite: nobody to lead")
    engines = [create_engine(database_url) for _ in range(3)]  # two processes, and a database administrator
    try:
        yield engines
    finally:
        for engine in engines:
            await engine.dispose()


async def test_one_leads_and_the_other_takes_over_when_its_connection_dies(postgres_engines) -> None:
    first_engine, second_engine, admin = postgres_engines
    key = lock_key(7100000001)
    first = PollingLeadership(first_engine, key, retry=0.1, check=0.1)
    second = PollingLeadership(second_engine, key, retry=0.1, check=0.1)
    await first.acquire()
    waiting = asyncio.create_task(second.acquire())
    await asyncio.sleep(0.5)
    assert not waiting.done()  # the lock is held: the second waits
    # The leader's process dies: PostgreSQL ends its session, and the lock with it.
    async with admin.connect() as connection:
        ended = await connection.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_locks"
                " WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        )
    assert ended == 1
    await asyncio.wait_for(waiting, 5)  # the second leads now
    await asyncio.wait_for(first.lost(), 5)  # and the first notices it does not
    await first.release()
    await second.release()


async def test_a_leader_that_stops_hands_over_at_once(postgres_engines) -> None:
    first_engine, second_engine, _ = postgres_engines
    first = PollingLeadership(first_engine, lock_key(1), retry=0.1)
    second = PollingLeadership(second_engine, lock_key(1), retry=0.1)
    other_bot = PollingLeadership(second_engine, lock_key(2), retry=0.1)
    await first.acquire()
    await asyncio.wait_for(other_bot.acquire(), 1)  # another bot's lock is another lock
    waiting = asyncio.create_task(second.acquire())
    await asyncio.sleep(0.3)
    assert not waiting.done()
    await first.release()
    await asyncio.wait_for(waiting, 2)
    await second.release()
    await other_bot.release()
