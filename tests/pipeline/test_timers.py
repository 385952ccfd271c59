"""The timer sweeper: due deadlines fire exactly once, overdue ones at start-up, failures retry."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.pipeline.outbox import Outbox
from bot.pipeline.timers import TimerSweeper
from domain.enums import DeadlineKind
from domain.models import Deadline, OutboxMessage
from sqlalchemy import func, select


async def schedule(uow_factory, clock, subject_id: int, due_in: timedelta, kind=DeadlineKind.AUTO_CLOSE) -> int:
    async with uow_factory() as uow:
        deadline = await uow.deadlines.schedule(
            kind, "ticket", subject_id, due_at=clock.now() + due_in, at=clock.now()
        )
        await uow.commit()
        return deadline.id


def remind(clock):
    async def handler(uow, deadline: Deadline) -> None:
        await Outbox(uow, clock).send_message(1000 + deadline.subject_id, f"ticket {deadline.subject_id} closed")

    return handler


async def outbox_texts(uow_factory) -> list[str]:
    async with uow_factory() as uow:
        rows = (await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    return [row.payload["text"] for row in rows]


async def test_overdue_deadlines_fire_at_the_first_sweep_and_future_ones_wait(uow_factory, clock):
    await schedule(uow_factory, clock, 1, timedelta(hours=-3))  # fell due while the bot was down
    await schedule(uow_factory, clock, 2, timedelta(hours=1))
    sweeper = TimerSweeper(uow_factory, clock, {DeadlineKind.AUTO_CLOSE: remind(clock)})
    assert await sweeper.sweep() == 1
    assert await outbox_texts(uow_factory) == ["ticket 1 closed"]
    clock.advance(hours=1)
    assert await sweeper.sweep() == 1
    assert await sweeper.sweep() == 0
    assert await outbox_texts(uow_factory) == ["ticket 1 closed", "ticket 2 closed"]


async def test_racing_sweepers_fire_each_deadline_once(uow_factory, clock):
    for subject in range(10):
        await schedule(uow_factory, clock, subject, timedelta(minutes=-1))
    handlers = {DeadlineKind.AUTO_CLOSE: remind(clock)}
    sweepers = [TimerSweeper(uow_factory, clock, handlers) for _ in range(3)]
    fired = await asyncio.gather(*(sweeper.sweep() for sweeper in sweepers))
    assert sum(fired) == 10
    assert sorted(await outbox_texts(uow_factory)) == sorted(f"ticket {n} closed" for n in range(10))


async def test_a_failing_handler_leaves_the_deadline_live_and_nothing_recorded(uow_factory, clock):
    deadline_id = await schedule(uow_factory, clock, 1, timedelta(minutes=-1))
    tries: list[int] = []

    async def flaky(uow, deadline: Deadline) -> None:
        tries.append(deadline.id)
        await Outbox(uow, clock).send_message(1001, "half done")
        if len(tries) == 1:
            raise RuntimeError("the store's calendar is unavailable")

    sweeper = TimerSweeper(uow_factory, clock, {DeadlineKind.AUTO_CLOSE: flaky})
    assert await sweeper.sweep() == 0
    assert await outbox_texts(uow_factory) == []
    async with uow_factory() as uow:
        assert (await uow.session.get(Deadline, deadline_id)).fired_at is None
    assert await sweeper.sweep() == 1
    assert await outbox_texts(uow_factory) == ["half done"]


async def test_kinds_without_a_handler_are_left_for_their_owner(uow_factory, clock):
    await schedule(uow_factory, clock, 1, timedelta(minutes=-1), kind=DeadlineKind.SELLER_ANSWER)
    sweeper = TimerSweeper(uow_factory, clock, {DeadlineKind.AUTO_CLOSE: remind(clock)})
    assert await sweeper.sweep() == 0
    async with uow_factory() as uow:
        assert await uow.session.scalar(select(func.count()).where(Deadline.fired_at.is_(None))) == 1


async def test_a_woken_sweeper_fires_a_near_deadline_long_before_its_next_poll(uow_factory, clock):
    """An album's flush is due in a second; the sweeper must not wait out its poll interval for it."""
    sweeper = TimerSweeper(uow_factory, clock, {DeadlineKind.ALBUM_FLUSH: remind(clock)}, poll_interval=60)
    task = asyncio.create_task(sweeper.run())
    try:
        await asyncio.sleep(0.1)  # the first sweep found nothing; the next poll is a minute away
        await schedule(uow_factory, clock, 7, timedelta(seconds=1), kind=DeadlineKind.ALBUM_FLUSH)
        clock.advance(seconds=1)
        sweeper.wake_in(0.05)
        for _ in range(100):
            if await outbox_texts(uow_factory):
                break
            await asyncio.sleep(0.02)
        assert await outbox_texts(uow_factory) == ["ticket 7 closed"]
    finally:
        task.cancel()


async def test_the_application_wakes_its_pipelines_sweeper(uow_factory, clock, bot_token):
    """A handler that schedules a near deadline (an album's flush) reaches the running sweeper."""
    from bot.app import build_application
    from bot.context import Deps
    from bot.pipeline.service import pipeline_for
    from bot.rendering import default_renderer
    from bot.settings import load_settings

    settings = load_settings(telegram_bot_token=bot_token, _env_file=None)
    application = build_application(Deps(settings=settings, clock=clock, renderer=default_renderer(), uow_factory=uow_factory))
    application.wake_timers_in(0.01)  # no pipeline yet: nothing to wake, no error
    pipeline = pipeline_for(application)
    woken = []
    pipeline.timers._woken.set = lambda: woken.append(True)  # noqa: SLF001 - observe the wake-up only
    application.wake_timers_in(0.01)
    await asyncio.sleep(0.05)
    assert woken == [True]
