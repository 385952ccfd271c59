"""The timer sweeper: due deadlines fire exactly once, overdue ones at start-up, failures retry, then park."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select

from bot.pipeline.outbox import Outbox
from bot.pipeline.timers import (
    CONFLICT_RETRY_DELAY,
    FIRST_RETRY_DELAY,
    MAX_RETRY_DELAY,
    TimerSweeper,
    retry_delay,
)
from domain.enums import DeadlineKind
from domain.errors import ConcurrentChange
from domain.models import Deadline, OutboxMessage


async def schedule(uow_factory, clock, subject_id: int, due_in: timedelta, kind=DeadlineKind.AUTO_CLOSE) -> int:
    async with uow_factory() as uow:
        deadline = await uow.deadlines.schedule(kind, "ticket", subject_id, due_at=clock.now() + due_in, at=clock.now())
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


async def test_a_failing_handler_is_rolled_back_and_tried_again_after_a_pause(uow_factory, clock):
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
        deadline = await uow.session.get(Deadline, deadline_id)
        assert (deadline.fired_at, deadline.attempts, deadline.parked_at) == (None, 1, None)
        assert deadline.last_error == "RuntimeError: the store's calendar is unavailable"
        assert deadline.next_attempt_at == clock.now() + FIRST_RETRY_DELAY
    assert await sweeper.sweep() == 0  # still pausing
    clock.advance(FIRST_RETRY_DELAY)
    assert await sweeper.sweep() == 1
    assert await outbox_texts(uow_factory) == ["half done"]


async def schedule_many(uow_factory, clock, kind: DeadlineKind, subjects: range, due_in: timedelta) -> None:
    async with uow_factory() as uow:
        for subject in subjects:
            await uow.deadlines.schedule(kind, "ticket", subject, due_at=clock.now() + due_in, at=clock.now())
        await uow.commit()


async def deadlines_of(uow_factory, kind: DeadlineKind) -> list[Deadline]:
    async with uow_factory() as uow:
        return list((await uow.session.scalars(select(Deadline).where(Deadline.kind == kind))).all())


async def test_a_backlog_of_failing_deadlines_holds_up_no_later_one_and_is_parked_after_its_tries(
    uow_factory, clock, caplog
):
    """Once the 100 oldest due deadlines failing for ever stopped every later one from firing."""
    await schedule_many(uow_factory, clock, DeadlineKind.FIRST_RESPONSE, range(150), timedelta(hours=-2))
    await schedule(uow_factory, clock, 999, timedelta(hours=-1))  # an auto-close due after all of them
    tries: list[int] = []

    async def broken(uow, deadline: Deadline) -> None:
        tries.append(deadline.id)
        raise RuntimeError(f"no calendar for ticket {deadline.subject_id}")

    handlers = {DeadlineKind.FIRST_RESPONSE: broken, DeadlineKind.AUTO_CLOSE: remind(clock)}
    sweeper = TimerSweeper(uow_factory, clock, handlers, max_attempts=3)
    assert await sweeper.sweep() == 1
    assert await outbox_texts(uow_factory) == ["ticket 999 closed"]
    assert len(tries) == 150
    for _ in range(2):
        clock.advance(MAX_RETRY_DELAY)
        assert await sweeper.sweep() == 0
    assert len(tries) == 450
    failing = await deadlines_of(uow_factory, DeadlineKind.FIRST_RESPONSE)
    assert {(d.attempts, d.parked_at, d.fired_at) for d in failing} == {(3, clock.now(), None)}
    assert all(d.last_error == f"RuntimeError: no calendar for ticket {d.subject_id}" for d in failing)
    parked_logs = [r for r in caplog.records if r.levelname == "ERROR" and "parked after 3 attempts" in r.getMessage()]
    assert len(parked_logs) == 150
    # Parked: not tried again, however long the bot runs; the operator lists them and retries one.
    clock.advance(days=1)
    assert await sweeper.sweep() == 0 and len(tries) == 450
    async with uow_factory() as uow:
        assert len(await uow.deadlines.parked(limit=1000)) == 150
        assert await uow.deadlines.retry(failing[0].id) == 1
        await uow.commit()
    assert await sweeper.sweep() == 0 and len(tries) == 451


async def test_deadlines_of_kinds_this_process_does_not_handle_hold_up_no_others(uow_factory, clock):
    await schedule_many(uow_factory, clock, DeadlineKind.SELLER_ANSWER, range(150), timedelta(hours=-2))
    await schedule(uow_factory, clock, 999, timedelta(hours=-1))
    sweeper = TimerSweeper(uow_factory, clock, {DeadlineKind.AUTO_CLOSE: remind(clock)})
    assert await sweeper.sweep() == 1
    assert await outbox_texts(uow_factory) == ["ticket 999 closed"]
    others = await deadlines_of(uow_factory, DeadlineKind.SELLER_ANSWER)
    assert {(d.fired_at, d.attempts, d.parked_at) for d in others} == {(None, 0, None)}  # left for their owner


async def test_a_whole_backlog_fires_within_one_sweep(uow_factory, clock):
    await schedule_many(uow_factory, clock, DeadlineKind.AUTO_CLOSE, range(120), timedelta(minutes=-5))
    sweeper = TimerSweeper(uow_factory, clock, {DeadlineKind.AUTO_CLOSE: remind(clock)}, batch=50)
    assert await sweeper.sweep() == 120


async def test_a_backlog_beyond_one_sweeps_batches_fires_on_at_once_not_at_the_next_poll(uow_factory, clock):
    await schedule_many(uow_factory, clock, DeadlineKind.AUTO_CLOSE, range(25), timedelta(minutes=-5))
    sweeper = TimerSweeper(
        uow_factory, clock, {DeadlineKind.AUTO_CLOSE: remind(clock)}, batch=4, max_batches=2, poll_interval=60
    )
    task = asyncio.create_task(sweeper.run())
    try:
        for _ in range(250):
            if len(await outbox_texts(uow_factory)) == 25:
                break
            await asyncio.sleep(0.02)
        texts = await outbox_texts(uow_factory)
        assert sorted(texts) == sorted(f"ticket {n} closed" for n in range(25))  # each once, within seconds
    finally:
        task.cancel()


async def test_a_lost_compare_and_set_is_fired_again_at_once_and_costs_no_try(uow_factory, clock):
    deadline_id = await schedule(uow_factory, clock, 1, timedelta(minutes=-1))
    tries: list[int] = []

    async def racing(uow, deadline: Deadline) -> None:
        tries.append(deadline.id)
        await Outbox(uow, clock).send_message(1001, f"try {len(tries)}")
        if len(tries) <= 2:
            raise ConcurrentChange("ticket", deadline.subject_id)  # the buyer wrote as it fired
        await Outbox(uow, clock).send_message(1001, "closed on fresh data")

    sweeper = TimerSweeper(uow_factory, clock, {DeadlineKind.AUTO_CLOSE: racing})
    assert await sweeper.sweep() == 1
    assert await outbox_texts(uow_factory) == ["try 3", "closed on fresh data"]  # the lost tries left nothing
    async with uow_factory() as uow:
        deadline = await uow.session.get(Deadline, deadline_id)
        assert deadline.attempts == 0 and deadline.fired_at is not None


async def test_a_race_lost_every_time_counts_as_a_try_and_pauses_briefly(uow_factory, clock):
    deadline_id = await schedule(uow_factory, clock, 1, timedelta(minutes=-1))

    async def always_racing(uow, deadline: Deadline) -> None:
        raise ConcurrentChange("ticket", deadline.subject_id)

    sweeper = TimerSweeper(uow_factory, clock, {DeadlineKind.AUTO_CLOSE: always_racing})
    assert await sweeper.sweep() == 0
    async with uow_factory() as uow:
        deadline = await uow.session.get(Deadline, deadline_id)
        assert deadline.attempts == 1 and deadline.next_attempt_at == clock.now() + CONFLICT_RETRY_DELAY


def test_the_pause_after_a_failure_doubles_up_to_a_cap():
    assert [retry_delay(n) for n in (1, 2, 3)] == [FIRST_RETRY_DELAY, 2 * FIRST_RETRY_DELAY, 4 * FIRST_RETRY_DELAY]
    assert retry_delay(40) == retry_delay(1000) == MAX_RETRY_DELAY


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
    application = build_application(
        Deps(settings=settings, clock=clock, renderer=default_renderer(), uow_factory=uow_factory)
    )
    application.wake_timers_in(0.01)  # no pipeline yet: nothing to wake, no error
    pipeline = pipeline_for(application)
    woken = []
    pipeline.timers._woken.set = lambda: woken.append(True)  # noqa: SLF001 - observe the wake-up only
    application.wake_timers_in(0.01)
    await asyncio.sleep(0.05)
    assert woken == [True]
