"""A flow's idle end runs in the chat's turn, on SQLite and PostgreSQL.

The timer sweeper runs beside the update runner. When a flow falls idle at
the very moment the buyer answers, ending it from the sweeper's task (as it
once did) cut the answer's conversation from under it while it was being
handled. The end now travels through the inbox under the chat's key, so it
waits for the answer and then finds the flow moved on.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from telegram.ext import MessageHandler, filters

from domain.enums import DeadlineKind
from domain.models import Deadline
from tests.e2e.conftest import bind, make_choice, open_menu


@pytest.fixture
def bot_app(bot_on_both_databases):
    return bot_on_both_databases


def hold_messages_containing(application, word: str) -> tuple[asyncio.Event, asyncio.Event]:
    """A handler ahead of all others that holds the chat's update containing `word` until released."""
    held, release = asyncio.Event(), asyncio.Event()

    async def hold(update, context) -> None:
        held.set()
        await release.wait()

    application.add_handler(MessageHandler(filters.Regex(word), hold), group=-100)
    return held, release


async def test_an_answer_given_as_the_flow_falls_idle_keeps_the_flow(chat, shop, bot_app, database_url):
    buyer = await chat.user("Alice", lang="en")
    await bind(bot_app, shop, buyer, "W-1")
    menu = await open_menu(buyer, "W-1")
    await menu.press("Change the shipping address")
    await buyer.expect(contains="Send the full new address")
    held, release = hold_messages_containing(bot_app, "Allee")

    await buyer.send("Karl-Marx-Allee 1, 10178 Berlin, Germany")
    await asyncio.wait_for(held.wait(), 5)  # the answer is being handled ...
    bot_app.deps.clock.advance(minutes=bot_app.deps.settings.flow_idle_minutes + 1)
    bot_app.wake_timers_in(0)  # ... when the flow's idle deadline fires
    await _idle_deadline_fired(bot_app, database_url)
    release.set()

    confirm = await buyer.expect(contains="Ready to send")  # the answer was taken by the flow, which goes on
    assert "Karl-Marx-Allee 1" in confirm.text
    await make_choice(confirm, "📨 Send to the seller")
    await buyer.expect(contains="Ticket #1 is open")
    await shop.agent.expect(contains="Karl-Marx-Allee 1")


async def _idle_deadline_fired(bot_app, database_url: str, timeout: float = 5) -> None:
    """On PostgreSQL, wait until the sweeper fired the flow's idle deadline.

    SQLite's one write lock is held by the answer being handled, so there the
    sweeper waits for it; a short pause gives it the chance to go wrong.
    """
    if not database_url.startswith("postgresql"):
        await asyncio.sleep(0.5)
        return
    async with asyncio.timeout(timeout):
        while True:
            async with bot_app.deps.uow_factory.reading() as uow:
                fired = select(func.count()).where(
                    Deadline.kind == DeadlineKind.FLOW_IDLE, Deadline.fired_at.is_not(None)
                )
                if await uow.session.scalar(fired):
                    return
            await asyncio.sleep(0.05)
