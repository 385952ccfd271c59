"""Two bots on one PostgreSQL (as two processes of a deployment): every buyer answered once, and when the
one polling Telegram stops, the other takes over.

Both run the project's whole update path in this test's event loop against
one sandbox bot: one polls (it holds the polling lock), both handle what is
stored and send what they record (each message leased to one sender).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest
from sqlalchemy import select

from bot.context import AftersalesApplication
from domain.models import OutboxMessage
from domain.storage.engine import create_engine
from tests.e2e.conftest import running_bot


@pytest.fixture
async def deployment(sandbox, bot_token, database_url) -> AsyncIterator[tuple[AsyncExitStack, AsyncExitStack]]:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite serves one process")
    first, second = AsyncExitStack(), AsyncExitStack()
    async with first, second:
        # Each names itself on the messages it sends, as two processes on one host would (AFTERSALES_INSTANCE).
        await first.enter_async_context(running_bot(sandbox, bot_token, database_url, instance="first"))  # leads
        await second.enter_async_context(running_bot(sandbox, bot_token, database_url, instance="second"))
        yield first, second
    assert sandbox.violations == [], sandbox.violations


@pytest.fixture
def bot_app(deployment) -> AftersalesApplication | None:
    return None  # `chat` needs one; both bots are running


async def test_buyers_are_answered_once_and_polling_moves_when_the_leader_stops(deployment, chat, database_url) -> None:
    leader, _follower = deployment
    buyers = [await chat.user(f"Buyer {n}", lang="en") for n in range(6)]
    for buyer in buyers:
        await buyer.send("/start")
    for buyer in buyers:
        await buyer.expect(contains=f"Hello, {buyer.info['first_name']}")
    await leader.aclose()  # the polling process stops; the other asks for the lock every 3 s
    late = await chat.user("Late buyer", lang="en")
    await late.send("/start")
    await late.expect(contains="Hello, Late buyer", timeout=15)
    # (the chat fixture then checks that nobody got anything twice)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            owners = set((await connection.execute(select(OutboxMessage.lease_owner))).scalars())
    finally:
        await engine.dispose()
    assert owners and owners <= {"first", "second"}, owners  # each message was one named process's to send
