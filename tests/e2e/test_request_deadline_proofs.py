"""A request's deadlines fire exactly once, at exactly their time (issue #18's proofs).

- An answer deadline that falls due while the bot is stopped fires once when it
  starts again on the same database, and a further start adds nothing.
- Two timer sweepers racing for one due automatic approval approve once (SQLite
  and PostgreSQL). Two whole pipelines cannot share the sandbox's one bot
  (they would both poll getUpdates), so the racers are two `TimerSweeper`s built
  as bot.pipeline.service builds them, on the bot's database, the bot's own
  sweeper standing aside.
- A ship-by that a public holiday moves: the card shows it, and the miss is
  escalated at exactly that time.

Requests are made by the domain's `submit_request` (test_request_decisions.submit).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.conversations.drafts import queue_idle_end
from bot.pipeline.timers import TimerSweeper
from bot.relay.hooks import seller_pipeline_options
from domain.clock import FakeClock
from domain.enums import DeadlineKind
from domain.storage.migrate import upgrade
from domain.storage.repositories.operations import DeadlineRepository
from sandbox.client import SandboxClient
from tests.e2e.seller_side import Shop, buyer_has_started_the_bot, make_shop
from tests.e2e.test_races import Meeting
from tests.e2e.test_request_deadlines import move_clock, quiet_after_a_sweep, status, submitted
from tests.e2e.test_reshipments import reshipment
from tests.e2e.test_roles import Moderators, moderators  # noqa: F401 - the fixture, used by name

SUBMITTED_AT = datetime(2026, 11, 22, 12, tzinfo=UTC)  # the harness's clock; due 2 days later
DUE_AT = datetime(2026, 11, 24, 12, tzinfo=UTC)


async def told_of_the_automatic_approval(shop: Shop, card) -> None:
    """The buyer, the card and the topic each hear of the system's approval once."""
    told = await shop.buyer.expect(contains="approved your request #1", timeout=8)
    assert "the store did not answer in time, so it was approved automatically" in told.text
    edited = await shop.agent.expect_edit(card, timeout=8)
    assert "📋 Defective item · approved" in edited.text and "Decided: reshipment" in edited.text
    line = await shop.agent.expect(contains="Request #1 approved", chat=shop.group, thread=card.thread_id)
    assert "approved automatically: the store did not answer in time" in line.text


async def answer_deadline(bot_app):
    async with bot_app.deps.uow_factory() as uow:
        request = await uow.requests.by_ticket(1)
        due = await uow.deadlines.due(DUE_AT, kinds=[DeadlineKind.SELLER_ANSWER], limit=10)
    return request, [d for d in due if d.subject_id == request.id]


# --- 1. due while the bot was stopped ---------------------------------------------------------


async def test_an_answer_deadline_due_while_the_bot_was_stopped_fires_once_at_the_next_start(
    sandbox, start_bot, tmp_path
):
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'stopped.sqlite3'}"
    await upgrade(database_url)
    async with SandboxClient(sandbox.url) as chat:
        async with start_bot(database_url, clock=FakeClock(start=SUBMITTED_AT)) as app:
            shop = await make_shop(chat, app, with_group=True)
            await buyer_has_started_the_bot(shop)
            card = await submitted(shop, app)
            assert await status(app) == "awaiting_seller"
        await chat.assert_quiet()

        # The bot is down through both reminders and the due time; it comes back an hour late.
        async with start_bot(database_url, clock=FakeClock(start=DUE_AT.replace(hour=13))) as app:
            await told_of_the_automatic_approval(shop, card)  # no reminder first: they are moot now
            await quiet_after_a_sweep(shop)
            assert await status(app) == "approved"

        # A further start (a little later still) finds nothing left to fire.
        async with start_bot(database_url, clock=FakeClock(start=DUE_AT.replace(hour=13, minute=5))) as app:
            await quiet_after_a_sweep(shop)
            assert await status(app) == "approved"
    assert sandbox.violations == [], sandbox.violations


# --- 2. two sweepers racing -------------------------------------------------------------------


class TestTwoSweepers:
    @pytest.fixture
    def bot_app(self, bot_on_both_databases):
        return bot_on_both_databases

    @pytest.fixture
    async def shop(self, chat, bot_app) -> Shop:
        shop = await make_shop(chat, bot_app, with_group=True)
        await buyer_has_started_the_bot(shop)
        return shop

    async def test_two_sweepers_racing_for_a_due_approval_approve_once(self, shop, bot_app, monkeypatch):
        card = await submitted(shop, bot_app)
        request, (deadline,) = await answer_deadline(bot_app)
        deps = bot_app.deps

        # The bot's own sweeper stands aside (its loop keeps running, sweeping nothing) so the two below are the racers.
        own = bot_app.timer_wake.__self__
        assert isinstance(own, TimerSweeper)

        async def sweeps_nothing() -> int:
            return 0

        monkeypatch.setattr(own, "sweep", sweeps_nothing)
        # As bot.pipeline.service builds the bot's sweeper: the seller side's handlers and the idle flows'.
        handlers = dict(
            seller_pipeline_options(deps.renderer, deps.clock, deps.settings.moderators_chat_id)["deadline_handlers"]
        )
        handlers.setdefault(DeadlineKind.FLOW_IDLE, queue_idle_end(deps.clock))
        racers = [
            TimerSweeper(deps.uow_factory, deps.clock, handlers, on_committed=own._on_committed) for _ in range(2)
        ]

        # Both read the deadline as due and are held at its claim until the other has come too.
        meeting, claims = Meeting(), []
        claim = DeadlineRepository.claim

        async def meet_then_claim(repository, deadline_id, *, at):
            if deadline_id == deadline.id:
                await meeting.meet()
            won = await claim(repository, deadline_id, at=at)
            if deadline_id == deadline.id:
                claims.append(won)
            return won

        monkeypatch.setattr(DeadlineRepository, "claim", meet_then_claim)
        meeting.armed = True
        deps.clock.advance(days=2)  # exactly the due time
        fired = await asyncio.gather(*(racer.sweep() for racer in racers))

        assert meeting.arrived == 2 and sorted(claims) == [False, True], claims  # both tried; one won
        assert sorted(fired) == [0, 1]
        await told_of_the_automatic_approval(shop, card)
        await asyncio.sleep(0.5)  # anything a second firing would have sent
        await shop.agent.client.assert_quiet(within=1.0)
        async with deps.uow_factory() as uow:
            decided = await uow.requests.get(request.id)
            assert str(decided.status) == "approved"
            assert await uow.deadlines.due(deps.clock.now(), kinds=[DeadlineKind.SELLER_ANSWER], limit=10) == []


# --- 3. a ship-by moved by a public holiday ---------------------------------------------------


async def approved(shop: Shop, bot_app, ship_by: str):
    """The reshipment is approved with the card's button; the card shows `ship_by` and can mark it shipped."""
    card = await submitted(shop, bot_app)  # answered once in the topic: only the request's own clocks run
    await card.press("✅ Approve")
    assert ": reshipment." in (await shop.buyer.expect(contains="approved your request #1")).text
    edited = await shop.agent.expect_edit(card)
    assert "Replacement: to be shipped" in edited.text and ship_by in edited.text, edited.text
    assert ["📦 Mark as shipped"] in edited.buttons
    await shop.agent.expect(contains="✅ Request #1 approved: reshipment.", chat=shop.group, thread=card.thread_id)
    await shop.agent.client.assert_quiet()
    return edited


@pytest.fixture
def bot_settings(moderators: Moderators) -> dict[str, object]:  # noqa: F811
    return {"moderators_chat_id": moderators.chat_id}


@pytest.fixture
async def shop(chat, bot_app) -> Shop:
    shop = await make_shop(chat, bot_app, with_group=True)
    await buyer_has_started_the_bot(shop)
    return shop


async def test_a_ship_by_over_christmas_is_missed_at_exactly_its_time(shop, bot_app, moderators):  # noqa: F811
    async with bot_app.deps.uow_factory() as uow:  # a store in Germany, on Berlin's clock
        (await uow.stores.get(1)).timezone = "Europe/Berlin"
        await uow.commit()
    await move_clock(bot_app, days=30, hours=21)  # Wednesday 23 Dec 2026, 10:00 in Berlin
    # Thursday 24 Dec is a working day in Germany; Friday 25 (Christmas Day) is a public holiday and
    # 26-27 a weekend: the second working day is Monday 28 Dec (without the holiday it would be Friday 25).
    card = await approved(shop, bot_app, "Ship by: 28 Dec 23:59 CET (in 134 h)")
    thread = card.thread_id
    ship_by = datetime(2026, 12, 28, 23, tzinfo=UTC)  # the end of Monday in Berlin
    assert (await reshipment(bot_app)).ship_by.replace(tzinfo=UTC) == ship_by
    jo = await shop.agent.client.person(moderators.jo)  # from now on the quiet checks cover the moderator too

    await move_clock(bot_app, days=5, hours=13, minutes=59, seconds=59)  # Monday 23:59:59 in Berlin: nothing yet
    await quiet_after_a_sweep(shop)
    assert str((await reshipment(bot_app)).status) == "awaiting_shipment"

    await move_clock(bot_app, seconds=1)  # the end of Monday
    edited = await shop.agent.expect_edit(card, timeout=8)
    assert "Replacement: not shipped by the ship-by date; the moderators have been told" in edited.text
    line = await shop.agent.expect(contains="⏰ The replacement for #1", chat=shop.group, thread=thread)
    assert "was not shipped in time; the moderators have been told. It can still ship." in line.text
    told = await jo.expect(contains="⏰ Request #1", chat=moderators.chat_id)
    assert "(Berlin Gadgets, order W-1): the replacement was not shipped by 29 Dec 00:00 CET." in told.text
    await quiet_after_a_sweep(shop)
    overdue = await reshipment(bot_app)
    assert str(overdue.status) == "overdue" and overdue.escalated_at.replace(tzinfo=UTC) == ship_by
