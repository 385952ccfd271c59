"""Telegram's limits: a notice to many buyers and a busy support group at once, with no 429 and priority kept.

    python -m bench.limits [--runs N] [--buyers 1000] [--group-buyers 50]

The bot is the real one (`bench.relay_bot` with BENCH_LIMITER=telegram: the
sender's own ``SendLimiter``) against a sandbox that answers 429 past
Telegram's limits (``sandbox.ratelimit``: 30/s overall, 1/s per private chat
after a burst of 3, 20/min per group). The scene (`bench.relay.RelayScene`):
one store whose forum group holds a topic for each of ``group_buyers``
tickets (made in the world and the database beforehand, so no warm-up spends
the group's budget), and ``buyers`` more buyers with an order each.

At once: a marketplace order event ("seller unresponsive", recorded as
`aftersales orders event` does) for each of the ``buyers`` orders, and every
group ticket's first-response reminder falls due: the timer sweeper turns
them into one automatic notice per buyer and one reminder per topic. Once
those reminders are queued, each group buyer writes: their words are copied
into their topics, behind the reminders in time but ahead of them in
priority. So ~2 × ``group_buyers`` messages wait for one group at 20 a minute
(about 5 minutes for 50 + 50, hence one run by default; `--runs 3` for a
median).

Measured from the sandbox's side (each send it let through, with its time;
its record of refusals): the 429 answers; messages per second while the
buyers' notices were going out, against the 30/s cap; the highest rate any
chat saw over its limit's own window (1 s against the burst of 3 for a
private chat, 60 s against 20 for the group); and, from the outbox table, how
many of the group's person rows an automatic row overtook although the
person row had been waiting longer than one group slot (3 s).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from sqlalchemy import select, update

from bench.bot_process import sandboxed_bot
from bench.databases import database
from bench.relay import RelayScene
from bench.results import median, table, write
from domain.clock import SystemClock
from domain.enums import DeadlineKind
from domain.models import Deadline, OutboxMessage, Ticket
from domain.models.integration import OutboxPriority
from domain.models.stores import StoreSupportGroup
from domain.services.order_events import record_order_event
from domain.storage.engine import create_engine
from domain.storage.uow import UnitOfWorkFactory
from sandbox.ratelimit import GROUP_PER_MINUTE, OVERALL_PER_SECOND, PRIVATE_BURST

GROUP_SLOT_SECONDS = 60 / GROUP_PER_MINUTE
TEXTS = ("refusal_examples", "group_order")  # per run only, no median
TARGETS = {"refused_429_max": 0, "overall_ratio_min": 0.93, "chat_ratio_max": 1.0, "overtaken_max": 0}


def _most_in_window(times: list[float], span: float) -> int:
    """The most events in any window of `span` seconds (times sorted)."""
    return max((bisect.bisect_left(times, t + span) - i for i, t in enumerate(times)), default=0)


async def _give_topics(scene: RelayScene, database_url: str, count: int) -> None:
    """The first `count` buyers' tickets get a topic in the group, as if the bot had made it."""
    engine = create_engine(database_url)
    try:
        async with UnitOfWorkFactory(engine)() as uow:
            group = await uow.session.scalar(
                select(StoreSupportGroup).where(StoreSupportGroup.chat_id == scene.group.group_id)
            )
            for person in scene.people[:count]:
                topic = scene.world.create_topic(scene.group, scene.bot.id, f"Ticket of {person.id}", None, None)
                scene.threads[person.id] = topic.thread_id
                user = await uow.users.by_telegram_id(person.id)
                await uow.session.execute(
                    update(Ticket)
                    .where(Ticket.buyer_id == user.id)
                    .values(support_group_id=group.id, topic_id=topic.thread_id)
                )
            await uow.commit()
    finally:
        await engine.dispose()


async def _fire(uow_factory: UnitOfWorkFactory, scene: RelayScene, group_buyers: int) -> None:
    """Order events for the notice buyers' orders, and the group tickets' reminders due now, in one commit."""
    clock = SystemClock()
    async with uow_factory() as uow:
        store_id = await uow.session.scalar(select(StoreSupportGroup.store_id))
        for index in range(group_buyers, len(scene.people)):
            await record_order_event(uow, clock, store_id, f"B-{index}", "seller_unresponsive", key=f"bench-{index}")
        group_tickets = select(Ticket.id).where(Ticket.topic_id.is_not(None))
        await uow.session.execute(
            update(Deadline)
            .where(Deadline.kind == DeadlineKind.FIRST_RESPONSE, Deadline.subject_id.in_(group_tickets))
            .where(Deadline.fired_at.is_(None))
            .values(due_at=clock.now())
        )
        await uow.commit()


async def _group_rows(uow_factory: UnitOfWorkFactory, chat_id: int, since_id: int) -> list[OutboxMessage]:
    async with uow_factory.reading() as uow:
        query = select(OutboxMessage).where(OutboxMessage.chat_id == chat_id, OutboxMessage.id > since_id)
        return list((await uow.session.scalars(query.order_by(OutboxMessage.id))).all())


def _overtaken(rows: list[OutboxMessage]) -> int:
    """Person rows sent after an automatic row although they waited more than a group slot before it went."""
    sent = [row for row in rows if row.sent_at is not None]
    automatic = [row.sent_at for row in sent if row.priority == OutboxPriority.AUTOMATIC]
    return sum(
        1
        for person in sent
        if person.priority == OutboxPriority.PERSON
        and any(
            person.created_at.timestamp() + GROUP_SLOT_SECONDS < at.timestamp() < person.sent_at.timestamp()
            for at in automatic
        )
    )


async def one_run(buyers: int, group_buyers: int) -> dict:
    with tempfile.TemporaryDirectory() as workdir:
        async with database("sqlite", Path(workdir)) as url:
            scenes: list[RelayScene] = []

            async def prepare(world, bot) -> None:
                scene = RelayScene.build(world, bot, group_buyers + buyers)
                await scene.seed(url)
                await _give_topics(scene, url, group_buyers)
                scenes.append(scene)

            async with sandboxed_bot("relay", url, prepare=prepare, env={"BENCH_LIMITER": "telegram"}) as running:
                return await _measure(running.server, scenes[0], url, buyers, group_buyers)


async def _measure(server, scene: RelayScene, url: str, buyers: int, group_buyers: int) -> dict:
    sends: dict[tuple[str, int], list[float]] = defaultdict(list)  # what the sandbox let through, per chat
    limiter, check = server.rate_limiter, server.rate_limiter.check

    def counted(bot_id, chat, count=1):
        check(bot_id, chat, count)
        key = ("private", chat.person_id) if chat.kind == "private" else ("group", chat.group_id)
        sends[key].extend([time.monotonic()] * count)

    limiter.check, limiter.enabled = counted, True
    server.refusals.clear()
    engine = create_engine(url)
    uow_factory = UnitOfWorkFactory(engine)
    group_key = ("group", scene.group.group_id)
    try:
        async with uow_factory.reading() as uow:
            since_id = await uow.session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(1))
        since_id = since_id or 0
        await _fire(uow_factory, scene, group_buyers)
        async with asyncio.timeout(120):  # the reminders queued: now the buyers write, behind them
            while len(await _group_rows(uow_factory, scene.group.group_id, since_id)) < group_buyers:
                await asyncio.sleep(0.2)
        for person, chat in zip(scene.people[:group_buyers], scene.chats):
            scene.world.post(chat, person.id, text=f"still waiting, from {person.id}", entities=[])
        expected_group = 2 * group_buyers
        budget = expected_group * GROUP_SLOT_SECONDS + 180
        async with asyncio.timeout(budget):
            while True:
                rows = await _group_rows(uow_factory, scene.group.group_id, since_id)
                notices = sum(1 for key, times in sends.items() if key[0] == "private" for _ in times)
                if (
                    len(rows) >= expected_group
                    and all(row.sent_at or row.failed_at for row in rows)
                    and notices >= buyers
                ):
                    break
                await asyncio.sleep(1)
    finally:
        await engine.dispose()
    private = sorted(t for key, times in sends.items() if key[0] == "private" for t in times)
    everything = sorted(t for times in sends.values() for t in times)
    busy_from, busy_to = everything[0], private[-1]
    busy = [t for t in everything if busy_from <= t <= busy_to]
    overall_rate = (len(busy) - 1) / max(busy_to - busy_from, 1e-9)  # intervals between the sends
    private_peak = max(_most_in_window(times, 1.0) for key, times in sends.items() if key[0] == "private")
    group_peak = _most_in_window(sends[group_key], 60.0)
    return {
        "refused_429": sum(1 for refusal in server.refusals if refusal["error_code"] == 429),
        "refusals_other": sum(1 for refusal in server.refusals if refusal["error_code"] != 429),
        "refusal_examples": [
            f"{refusal['method']} to {refusal['chat_id']}: {refusal['description']}" for refusal in server.refusals[:5]
        ],
        "overall_per_second": overall_rate,
        "overall_ratio": overall_rate / OVERALL_PER_SECOND,
        "overall_peak_1s_ratio": _most_in_window(everything, 1.0) / OVERALL_PER_SECOND,
        "private_peak_1s_ratio": private_peak / PRIVATE_BURST,
        "group_peak_60s_ratio": group_peak / GROUP_PER_MINUTE,
        "group_messages": len(sends[group_key]),
        "private_messages": len(private),
        "busy_seconds": busy_to - busy_from,
        "group_rows_queued": len(rows),
        "person_rows_overtaken": _overtaken(rows),
        # The group's rows as sent: P a person's, A automatic (the reminders were queued first).
        "group_order": "".join(
            "A" if row.priority == OutboxPriority.AUTOMATIC else "P"
            for row in sorted((row for row in rows if row.sent_at), key=lambda row: row.sent_at)
        ),
    }


async def main(runs: int = 1, buyers: int = 1000, group_buyers: int = 50) -> dict:
    """Runs the scene `runs` times; prints the table and writes bench/results/limits.json."""
    measured = []
    for run in range(runs):
        figures = await one_run(buyers, group_buyers)
        measured.append(figures)
        print(f"  run {run + 1}: {figures}", flush=True)
    summary = {name: median(run[name] for run in measured) for name in measured[0] if name not in TEXTS}
    rows = [
        ["429 answers", f"{summary['refused_429']:.0f}", "0", "—", "0"],
        [
            "messages/s while the notices went out",
            f"{summary['overall_per_second']:.1f}",
            f"{OVERALL_PER_SECOND}/s cap",
            f"{summary['overall_ratio']:.2f}×",
            f"≥ {TARGETS['overall_ratio_min']}×",
        ],
        ["most in any 1 s, all chats", "", f"{OVERALL_PER_SECOND}", f"{summary['overall_peak_1s_ratio']:.2f}×", "≤ 1×"],
        [
            "most in any 1 s, one private chat",
            "",
            f"{PRIVATE_BURST} (burst)",
            f"{summary['private_peak_1s_ratio']:.2f}×",
            "≤ 1×",
        ],
        ["most in any 60 s, the group", "", f"{GROUP_PER_MINUTE}", f"{summary['group_peak_60s_ratio']:.2f}×", "≤ 1×"],
        [
            "group: person rows overtaken by automatic ones",
            f"{summary['person_rows_overtaken']:.0f} of {group_buyers}",
            "0",
            "—",
            "0",
        ],
    ]
    print(
        table(
            f"Telegram's limits: a notice to {buyers} buyers and {2 * group_buyers} messages for one group, "
            f"median of {runs} run(s)",
            ["figure", "value", "baseline (the limit)", "ratio", "target"],
            rows,
        )
    )
    result = {"buyers": buyers, "group_buyers": group_buyers, "runs": runs, "targets": TARGETS, **summary}
    result["per_run"] = measured
    print(f"\nwritten to {write('limits', result)}")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="one run takes ~5 minutes (the group's 20/min)")
    parser.add_argument("--buyers", type=int, default=1000, help="buyers the order-event notice goes to")
    parser.add_argument("--group-buyers", type=int, default=50, help="topics in the group, each gets 2 messages")
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.buyers, args.group_buyers))
