"""Timers at scale: the deadline sweeper with 1,000, 10,000 and 100,000 deadlines pending.

    python -m bench.timers [--runs 3] [--sizes 1000 10000 100000] [--due 10000]

Three figures, each beside a baseline measured in the same run (median of
`--runs` runs, each on a fresh SQLite database):

- **A sweep with nothing due** (``TimerSweeper.sweep`` in-process, the real
  ``UnitOfWorkFactory`` and the handlers the bot wires, median of
  ``SWEEPS`` sweeps) at each size; the baseline is the smallest size, and the
  ratios must stay about 1. ``EXPLAIN QUERY PLAN`` of the very statement the
  sweep ran shows which index it searched.
- **`--due` deadlines falling due at once** (default 10,000, target: all
  fired within 10 s, each exactly once), with the largest size pending. They
  are auto-close timers of tickets waiting for the buyer: firing one closes
  the ticket (compare-and-set, audit row), cancels its timers and records the
  buyer's and the store's messages and the topic's closing in the outbox,
  as the bot does. The sweeper's own loop (``run``, the bot's poll interval)
  is running when their due time is set to now, just after its first sweep,
  so they wait almost a whole poll: the conservative case. Timed from the due
  time to the last ``fired_at``; the baseline is a tenth as many falling due
  the same way (the ratio is the cost per deadline, about 1 if it scales
  linearly). Then the database is checked: every one fired, each ticket closed
  with one audit row, each buyer told the same number of times, nothing else
  fired. What the bot would then send is not part of it (no sender runs).
- **The bot's resident memory** (VmRSS of `bench.relay_bot`, the real bot as
  its own process, ``bench/bot_process.py``) idle after a few sweeps, at each
  size; the baseline is the smallest size.

The pending deadlines are auto-close timers a week and more ahead, each on its
own ticket (its own buyer and order, in one store with its agent and forum
group, set up as `bench/request_scene.py` does), written with bulk inserts so
that 100,000 take seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.bot_process import resident_kb, sandboxed_bot
from bench.request_scene import RequestScene
from bench.results import median, table, write
from bot.pipeline.service import UpdatePipeline
from bot.pipeline.timers import TimerSweeper
from bot.relay.hooks import seller_pipeline_options
from bot.rendering import default_renderer
from domain.clock import SystemClock
from domain.enums import DeadlineKind, OpenedBy, OrderStatus, Role, TicketReason, TicketStatus
from domain.models import AuditEvent, Deadline, Order, OrderItem, OutboxMessage, Store, StoreSupportGroup, Ticket, User
from domain.services.ticket_deadlines import SUBJECT
from domain.storage.engine import create_engine
from domain.storage.migrate import upgrade
from domain.storage.uow import UnitOfWorkFactory
from sandbox.world import World

SIZES = (1_000, 10_000, 100_000)
DUE = 10_000
TARGET_SECONDS = 10.0
SWEEPS = 200  # sweeps timed per size and run; each takes well under a millisecond
CHUNK = 10_000  # rows per bulk insert
BUYER_IDS = 6_000_000_000  # Telegram ids of the seeded buyers, far from the sandbox's own
# The bot's sweeper polls this often (UpdatePipeline's default; bench.relay_bot keeps it).
POLL_SECONDS = inspect.signature(UpdatePipeline).parameters["timer_interval"].default
SETTLE_SECONDS = 2 * POLL_SECONDS + 1  # the sweep at start-up and two polls
# A guard against a sweeper that stopped, not a target: generous for a slow, shared machine.
FIRE_TIMEOUT_PER_DEADLINE = 0.1


@dataclass
class Seeded:
    """The store the pending timers belong to, and how many have been written so far."""

    store_id: int
    group_id: int
    count: int = 0


async def seed_store(url: str) -> Seeded:
    """One store with its agent and linked forum group, as the request bench makes it (no buyers yet)."""
    world = World()
    bot = world.add_bot(token="1:timers", username="bench_bot", first_name="Bench")
    scene = RequestScene.build(world, bot, 0)
    await scene.seed(url)
    scene.close()
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            store_id = await connection.scalar(select(Store.id))
            group_id = await connection.scalar(
                select(StoreSupportGroup.id).where(StoreSupportGroup.store_id == store_id)
            )
    finally:
        await engine.dispose()
    return Seeded(store_id, group_id)


def _rows(seeded: Seeded, index: int, now: datetime, first_ids: dict[str, int]) -> dict[str, dict[str, Any]]:
    """Buyer `index`: a user, a delivered order with one item, a ticket waiting for them, its auto-close timer."""
    user_id, order_id, ticket_id = (first_ids[name] + index - seeded.count for name in ("user", "order", "ticket"))
    return {
        "user": {
            "id": user_id,
            "telegram_id": BUYER_IDS + index,
            "display_name": f"Buyer {index}",
            "language": "en",
            "role": Role.BUYER,
            "created_at": now,
        },
        "order": {
            "id": order_id,
            "store_id": seeded.store_id,
            "external_number": f"T-{index}",
            "buyer_name": "Bench Buyer",
            "currency": "EUR",
            "status": OrderStatus.DELIVERED,
            "shipping_address": "Torstraße 12, Berlin",
            "created_at": now,
            "updated_at": now,
        },
        "item": {
            "order_id": order_id,
            "position": 0,
            "sku": "LAMP-1",
            "title": "Desk lamp",
            "quantity": 1,
            "unit_price_minor": 3499,
        },
        "ticket": {
            "id": ticket_id,
            "number": index + 1,
            "store_id": seeded.store_id,
            "buyer_id": user_id,
            "order_id": order_id,
            "reason": TicketReason.CONTACT_SELLER,
            "status": TicketStatus.WAITING_BUYER,
            "opened_by": OpenedBy.BUYER,
            "support_group_id": seeded.group_id,
            "topic_id": 100_000 + index,
            "first_responded_at": now,
            "last_buyer_message_at": now,
            "last_agent_message_at": now,
            "created_at": now,
            "updated_at": now,
        },
        "deadline": {
            "kind": DeadlineKind.AUTO_CLOSE,
            "subject_type": SUBJECT,
            "subject_id": ticket_id,
            # A week ahead and spread over a day, as a store's auto-close timers are.
            "due_at": now + timedelta(days=7, seconds=index % 86_400),
            "created_at": now,
        },
    }


async def grow(engine: AsyncEngine, seeded: Seeded, size: int) -> None:
    """Add buyers with a pending auto-close timer each until `size` are pending."""
    now = SystemClock().now()
    tables = {"user": User, "order": Order, "item": OrderItem, "ticket": Ticket, "deadline": Deadline}
    async with engine.begin() as connection:
        first_ids = {
            name: (await connection.scalar(select(func.coalesce(func.max(tables[name].id), 0)))) + 1
            for name in ("user", "order", "ticket")
        }
        for start in range(seeded.count, size, CHUNK):
            rows = [_rows(seeded, index, now, first_ids) for index in range(start, min(start + CHUNK, size))]
            for name, model in tables.items():
                await connection.execute(insert(model), [row[name] for row in rows])
        # Ticket numbers count per store: the next one the bot hands out must not repeat ours.
        await connection.execute(update(Store).where(Store.id == seeded.store_id).values(ticket_seq=size))
    seeded.count = size


def _handlers(clock: SystemClock) -> dict[DeadlineKind, Any]:
    """The deadline handlers the bot wires (``bot.pipeline.service.pipeline_for``)."""
    return seller_pipeline_options(default_renderer(), clock)["deadline_handlers"]


async def timed_sweeps(engine: AsyncEngine) -> tuple[float, list[str]]:
    """The median seconds of a sweep with nothing due, and the query plan of the statement it ran."""
    clock = SystemClock()
    sweeper = TimerSweeper(UnitOfWorkFactory(engine), clock, _handlers(clock))
    ran: list[tuple[str, Any]] = []

    def _capture(_connection: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().startswith("SELECT") and "FROM deadlines" in statement:
            ran.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", _capture)
    try:
        if await sweeper.sweep():
            raise RuntimeError("a sweep with nothing due fired a deadline")
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", _capture)
    if len(ran) != 1:
        raise RuntimeError(f"a sweep with nothing due read the deadlines {len(ran)} times, not once")
    statement, parameters = ran[0]
    async with engine.connect() as connection:
        plan = [row[-1] for row in await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]
    seconds = []
    for _ in range(SWEEPS):
        started = time.perf_counter()
        await sweeper.sweep()
        seconds.append(time.perf_counter() - started)
    return median(seconds), plan


def searches_index(plan: list[str]) -> bool:
    """The plan looks rows up in the pending index, and scans neither the table nor a whole index."""
    return any("ix_deadlines_pending_due" in step and step.startswith("SEARCH") for step in plan) and not any(
        step.startswith("SCAN") and "deadlines" in step for step in plan
    )


async def idle_bot_kb(url: str) -> int:
    """The real bot's VmRSS on this database, idle after its first few sweeps."""
    async with sandboxed_bot("relay", url) as running:
        await asyncio.sleep(SETTLE_SECONDS)
        return resident_kb(running.process.pid)


async def _pending_among(engine: AsyncEngine, first: int, last: int) -> int:
    async with engine.connect() as connection:
        return await connection.scalar(
            select(func.count()).where(Deadline.id.between(first, last), Deadline.fired_at.is_(None))
        )


async def fire_at_once(engine: AsyncEngine, count: int) -> dict[str, Any]:
    """`count` pending timers fall due together while the sweeper's loop runs; timed and checked in the database."""
    clock = SystemClock()
    sweeper = TimerSweeper(UnitOfWorkFactory(engine), clock, _handlers(clock), poll_interval=POLL_SECONDS)
    async with engine.connect() as connection:
        ids = select(Deadline.id).where(Deadline.kind == DeadlineKind.AUTO_CLOSE, Deadline.fired_at.is_(None))
        first = await connection.scalar(ids.order_by(Deadline.id).limit(1))
        last = await connection.scalar(ids.order_by(Deadline.id).offset(count - 1).limit(1))
        audit_before = await connection.scalar(select(func.count()).select_from(AuditEvent))
        outbox_before = await connection.scalar(select(func.count()).select_from(OutboxMessage))
    task = asyncio.create_task(sweeper.run())
    try:
        await asyncio.sleep(0.5)  # its first sweep is over: what falls due now waits for the next poll
        due_at = clock.now()
        async with engine.begin() as connection:
            await connection.execute(update(Deadline).where(Deadline.id.between(first, last)).values(due_at=due_at))
        started = time.perf_counter()
        async with asyncio.timeout(60 + count * FIRE_TIMEOUT_PER_DEADLINE):
            while await _pending_among(engine, first, last):
                await asyncio.sleep(0.05)
        waited = time.perf_counter() - started
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    return {
        "count": count,
        "seconds_watched": waited,
        **await _check_fired(engine, first, last, due_at, audit_before, outbox_before),
    }


async def _check_fired(
    engine: AsyncEngine, first: int, last: int, due_at: datetime, audit_before: int, outbox_before: int
) -> dict[str, Any]:
    """Each of the deadlines `first`..`last` fired once: its ticket closed once, its buyer told once."""
    async with engine.connect() as connection:
        fired = (
            await connection.execute(
                select(func.count(), func.min(Deadline.fired_at), func.max(Deadline.fired_at)).where(
                    Deadline.id.between(first, last), Deadline.fired_at.is_not(None)
                )
            )
        ).one()
        tickets = select(Deadline.subject_id).where(Deadline.id.between(first, last))
        closed = await connection.scalar(
            select(func.count()).where(Ticket.id.in_(tickets), Ticket.status == TicketStatus.CLOSED)
        )
        audit = select(func.count().label("n")).where(
            AuditEvent.event_type == "ticket.status_changed", AuditEvent.subject_id.in_(tickets)
        )
        audit_per_ticket = (
            await connection.execute(
                select(func.min(text("n")), func.max(text("n")), func.count()).select_from(
                    audit.group_by(AuditEvent.subject_id).subquery()
                )
            )
        ).one()
        buyers = select(User.telegram_id).join(Ticket, Ticket.buyer_id == User.id).where(Ticket.id.in_(tickets))
        told = select(func.count().label("n")).where(OutboxMessage.chat_id.in_(buyers)).group_by(OutboxMessage.chat_id)
        told_per_buyer = (
            await connection.execute(
                select(func.min(text("n")), func.max(text("n")), func.count()).select_from(told.subquery())
            )
        ).one()
        audit_rows = await connection.scalar(select(func.count()).select_from(AuditEvent)) - audit_before
        outbox_rows = await connection.scalar(select(func.count()).select_from(OutboxMessage)) - outbox_before
        fired_elsewhere = await connection.scalar(
            select(func.count()).where(
                Deadline.kind == DeadlineKind.AUTO_CLOSE,
                Deadline.fired_at >= due_at,
                ~Deadline.id.between(first, last),
            )
        )
    count, first_fired, last_fired = fired
    expected = last - first + 1
    once = (
        count == expected
        and closed == expected
        and tuple(audit_per_ticket) == (1, 1, expected)
        and told_per_buyer[0] == told_per_buyer[1]
        and told_per_buyer[2] == expected
        and fired_elsewhere == 0
    )
    return {
        "fired": count,
        "tickets_closed": closed,
        "status_changes_per_ticket": list(audit_per_ticket[:2]),
        "buyer_messages_per_ticket": list(told_per_buyer[:2]),
        "audit_rows": audit_rows,
        "outbox_rows": outbox_rows,
        "fired_outside_the_set": fired_elsewhere,
        "each_exactly_once": once,
        "seconds_until_first_fired": (first_fired - due_at).total_seconds(),
        "seconds_first_to_last": (last_fired - first_fired).total_seconds(),
        "seconds": (last_fired - due_at).total_seconds(),
    }


async def one_run(sizes: list[int], due: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'timers.sqlite3'}"
        await upgrade(url)
        seeded = await seed_store(url)
        engine = create_engine(url)
        per_size: dict[int, dict[str, Any]] = {}
        try:
            for size in sizes:
                started = time.perf_counter()
                await grow(engine, seeded, size)
                seeding = time.perf_counter() - started
                sweep, plan = await timed_sweeps(engine)
                memory = await idle_bot_kb(url)
                per_size[size] = {"seed_seconds": seeding, "sweep_seconds": sweep, "plan": plan, "bot_kb": memory}
                print(
                    f"  {size:,} pending (seeded in {seeding:.1f} s): sweep {sweep * 1e3:.3f} ms, "
                    f"bot {memory / 1024:.1f} MB, plan {plan}",
                    flush=True,
                )
            baseline = await fire_at_once(engine, max(due // 10, 1))
            print(f"  {baseline['count']:,} due at once: all fired after {baseline['seconds']:.2f} s", flush=True)
            at_once = await fire_at_once(engine, due)
            print(f"  {due:,} due at once: all fired after {at_once['seconds']:.2f} s", flush=True)
        finally:
            await engine.dispose()
    return {"sizes": per_size, "fire_baseline": baseline, "fire": at_once}


def _figures(sizes: list[int], due: int, measured: list[dict[str, Any]]) -> dict[str, Any]:
    base = sizes[0]

    def per(size: int, key: str) -> float:
        return median(run["sizes"][size][key] for run in measured)

    def ratio(size: int, key: str) -> float:
        return median(run["sizes"][size][key] / run["sizes"][base][key] for run in measured)

    def fire(which: str, key: str) -> float:
        return median(run[which][key] for run in measured)

    per_deadline = median(
        (run["fire"]["seconds_first_to_last"] / run["fire"]["count"])
        / (run["fire_baseline"]["seconds_first_to_last"] / run["fire_baseline"]["count"])
        for run in measured
    )
    return {
        "runs": len(measured),
        "sweeps_per_size": SWEEPS,
        "poll_seconds": POLL_SECONDS,
        "baseline_size": base,
        "sweep": {
            str(size): {
                "pending": size,
                "sweep_ms": per(size, "sweep_seconds") * 1e3,
                "ratio_to_baseline": ratio(size, "sweep_seconds"),
                "plan": measured[0]["sizes"][size]["plan"],
                "uses_pending_index": all(searches_index(run["sizes"][size]["plan"]) for run in measured),
            }
            for size in sizes
        },
        "memory": {
            str(size): {
                "pending": size,
                "bot_mb": per(size, "bot_kb") / 1024,
                "ratio_to_baseline": ratio(size, "bot_kb"),
            }
            for size in sizes
        },
        "due_at_once": {
            "count": due,
            "pending_besides": sizes[-1] - due - max(due // 10, 1),
            "target_seconds": TARGET_SECONDS,
            "seconds": fire("fire", "seconds"),
            "seconds_until_first_fired": fire("fire", "seconds_until_first_fired"),
            "seconds_first_to_last": fire("fire", "seconds_first_to_last"),
            "within_target": all(run["fire"]["seconds"] <= TARGET_SECONDS for run in measured),
            "each_exactly_once": all(run["fire"]["each_exactly_once"] for run in measured),
            "baseline_count": measured[0]["fire_baseline"]["count"],
            "baseline_seconds": fire("fire_baseline", "seconds"),
            "baseline_seconds_first_to_last": fire("fire_baseline", "seconds_first_to_last"),
            "per_deadline_ratio_to_baseline": per_deadline,
        },
        "runs_detail": measured,
    }


def _print(figures: dict[str, Any]) -> None:
    runs = figures["runs"]
    base = figures["baseline_size"]
    of = f"median of {runs} run{'s' if runs > 1 else ''}"
    rows = [
        [
            f"{sweep['pending']:,}",
            f"{sweep['sweep_ms']:.3f}",
            f"{sweep['ratio_to_baseline']:.2f}",
            "yes" if sweep["uses_pending_index"] else "NO",
            f"{memory['bot_mb']:.1f}",
            f"{memory['ratio_to_baseline']:.2f}",
        ]
        for sweep, memory in zip(figures["sweep"].values(), figures["memory"].values())
    ]
    print(
        table(
            f"Deadlines pending, nothing due ({of}; baseline: {base:,} pending)",
            ["pending", "sweep ms", f"× {base:,}", "index search", "bot VmRSS MB", f"× {base:,}"],
            rows,
        )
    )
    fire = figures["due_at_once"]
    rows = [
        [
            f"{fire['baseline_count']:,} (baseline)",
            f"{fire['baseline_seconds']:.2f}",
            f"{fire['baseline_seconds_first_to_last']:.2f}",
            "—",
            "",
        ],
        [
            f"{fire['count']:,}",
            f"{fire['seconds']:.2f}",
            f"{fire['seconds_first_to_last']:.2f}",
            f"{fire['per_deadline_ratio_to_baseline']:.2f}",
            f"{'yes' if fire['each_exactly_once'] else 'NO'}; ≤ {fire['target_seconds']:.0f} s: "
            f"{'yes' if fire['within_target'] else 'NO'}",
        ],
    ]
    print(
        table(
            f"Auto-close timers falling due at once, {fire['pending_besides']:,} more pending ({of}; "
            f"the sweeper polls every {figures['poll_seconds']:.0f} s)",
            ["due at once", "s until all fired", "s first → last", "per deadline × baseline", "each once"],
            rows,
        )
    )
    plan = next(iter(figures["sweep"].values()))["plan"]
    print("\nThe sweep's query plan (EXPLAIN QUERY PLAN): " + "; ".join(plan))


async def main(runs: int = 3, sizes: list[int] | None = None, due: int = DUE) -> dict[str, Any]:
    sizes = sorted(sizes or SIZES)
    if due + max(due // 10, 1) > sizes[-1]:
        raise ValueError(f"{due:,} due and a tenth as many for the baseline need more than {sizes[-1]:,} pending")
    measured = []
    for run in range(runs):
        print(f"run {run + 1} of {runs}", flush=True)
        measured.append(await one_run(sizes, due))
    figures = _figures(sizes, due, measured)
    _print(figures)
    print(f"\nwritten to {write('timers', figures)}")
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--due", type=int, default=DUE, help="deadlines falling due at once (default 10,000)")
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.sizes, args.due))
