"""Whole flows: buyers file a defect request with photos, the store offers a partial refund, the buyer accepts.

    python -m bench.flows [--buyers 200] [--runs 3] [--databases sqlite postgresql]

The real bot (`bench.relay_bot`) runs as its own process against an
in-process sandbox. All buyers start at once; each goes through the steps of
tests/e2e/test_request_form.py (/orders, the order, "Report a problem with the
item", defective, the lamp, a description, the delivery day, the shipping
screenshot, a fault photo and Done, the barcode photo, a reshipment wanted,
Send), then the store's agent presses "➗ Partial refund" on the request's
card in its topic and an amount (as tests/e2e/test_negotiation.py), and the
buyer presses Accept on the negotiation card. A step's latency runs from the
person's act posted into the sandbox to the bot's answer reaching them.

A flow counts as done only when the buyer's card says "✅ Accepted" and, after
the run, the database holds the request as partially refunded; every other
flow is a failure, counted and reported. Flows per second is done flows over
the run's wall time.

Baseline, same run: the bare echo bot (`bench.echo_bot`), the same number of
buyers each sending texts one after another; its round trip per message is
what every step's latency is divided by. SQLite and PostgreSQL (a database
made for the run on AFTERSALES_BENCH_POSTGRES_URL's server and dropped after)
side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from bench.bot_process import sandboxed_bot
from bench.chat import Chatter, Unexpected
from bench.databases import database
from bench.request_scene import PRICE_MINOR, RequestScene, number
from bench.results import median, table, write
from domain.enums import RequestStatus
from domain.models import AfterSalesRequest
from domain.storage.engine import create_engine
from tests.e2e.test_request_form import DEFECTIVE, DESCRIPTION, DONE, SEND  # the e2e test's own buttons and words

ECHO_MESSAGES = 10  # per buyer, one after another
STEPS = (
    "/orders",
    "order",
    "report a problem",
    "type",
    "item",
    "description",
    "delivery day",
    "screenshot",
    "fault photo",
    "done",
    "barcode",
    "resolution",
    "send",
    "card reaches the store",
    "partial refund",
    "amount → buyer's card",
    "accept",
)


@dataclass
class Run:
    wall_seconds: float
    done: int
    failures: list[str]
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def buyer_flow(scene: RequestScene, index: int, latencies: dict[str, list[float]]) -> None:
    """One buyer's request, the store's offer and the buyer's Accept; raises if any answer is not the one expected."""
    buyer, agent = scene.buyers[index], scene.agent

    def took(step: str, at: float, seen) -> None:
        latencies[step].append(seen.at - at)

    async def choose(message, label: str, step: str, answer: str):
        at, _ = buyer.press(message, label)
        seen = await buyer.expect(answer)
        took(step, at, seen)
        return seen

    at = buyer.say("/orders")
    orders = await buyer.expect("Your orders")
    took("/orders", at, orders)
    menu = await choose(orders, next(b for b in orders.buttons if number(index) in b), "order", number(index))
    await choose(menu, "Report a problem with the item", "report a problem", "Report a problem with the item for")
    kinds = await buyer.expect("What is wrong?")
    items = await choose(kinds, DEFECTIVE, "type", "Which item is affected?")
    await choose(items, "Desk lamp*", "item", "Describe exactly what is wrong")
    at = buyer.say(DESCRIPTION)
    when = await buyer.expect("When was the parcel delivered?")
    took("description", at, when)
    await choose(when, "Yesterday", "delivery day", "screenshot of the shipping status")
    at = buyer.photo()
    took("screenshot", at, await buyer.expect("Send photos or videos that show the problem"))
    at = buyer.photo()
    got = await buyer.expect("Got it (1)")
    took("fault photo", at, got)
    await choose(got, DONE, "done", "Please send a photo of the barcode")
    at = buyer.photo()
    wanted = await buyer.expect("What would you like the seller to do?")
    took("barcode", at, wanted)
    summary = await choose(wanted, "📦 Send a new one", "resolution", "Ready to send")
    sent_at, _ = buyer.press(summary, SEND)
    sent = await buyer.expect("sent")
    took("send", sent_at, sent)
    ticket = int(sent.text.split("#", 1)[1].split()[0])
    thread = await agent.inbox.topic(agent.chat_id, ticket)
    card = await agent.expect(f"#{ticket}", thread=thread)
    took("card reaches the store", sent_at, card)
    at, _ = agent.press(card, "➗ Partial refund")
    amounts = await agent.expect_edit(card, "€")
    took("partial refund", at, amounts)
    at, _ = agent.press(amounts, "€*")
    offer = await buyer.expect("offers a partial refund")
    took("amount → buyer's card", at, offer)
    at, query = buyer.press(offer, "✅ Accept")
    accepted = await buyer.expect_edit(offer, "✅ Accepted")
    took("accept", at, accepted)
    answer = await asyncio.wait_for(asyncio.shield(query.answer), 30)
    if answer.get("text") != "Accepted.":
        raise Unexpected(f"the Accept press was answered {answer!r}")


async def accepted_in_database(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return await connection.scalar(
                select(func.count())
                .select_from(AfterSalesRequest)
                .where(
                    AfterSalesRequest.status == RequestStatus.PARTIALLY_REFUNDED,
                    AfterSalesRequest.refund_amount_minor > 0,
                    AfterSalesRequest.refund_amount_minor < PRICE_MINOR,
                )
            )
    finally:
        await engine.dispose()


async def flows_run(database_url: str, buyers: int) -> Run:
    scene: RequestScene | None = None

    async def prepare(world, bot) -> None:
        nonlocal scene
        scene = RequestScene.build(world, bot, buyers)
        await scene.seed(database_url)

    async with sandboxed_bot("relay", database_url, prepare=prepare):
        latencies: dict[str, list[float]] = defaultdict(list)
        started = time.perf_counter()
        outcomes = await asyncio.gather(
            *(buyer_flow(scene, index, latencies) for index in range(buyers)), return_exceptions=True
        )
        wall = time.perf_counter() - started
        scene.close()
    failures = [f"buyer {i}: {type(o).__name__}: {o}" for i, o in enumerate(outcomes) if isinstance(o, BaseException)]
    confirmed = buyers - len(failures)
    in_database = await accepted_in_database(database_url)
    if in_database != confirmed:
        failures.append(f"{confirmed} buyers saw their offer accepted, the database holds {in_database}")
    return Run(wall, min(confirmed, in_database), failures, latencies)


async def echo_run(buyers: int) -> list[float]:
    """Each buyer sends ECHO_MESSAGES texts, each after the echo of the one before; the round trips."""
    trips: list[float] = []

    async def prepare(world, bot) -> None:
        nonlocal scene
        scene = RequestScene.build(world, bot, buyers)

    async def one(chatter: Chatter) -> None:
        for n in range(ECHO_MESSAGES):
            at = chatter.say(f"hello {n}")
            trips.append((await chatter.expect(f"hello {n}")).at - at)

    scene: RequestScene | None = None
    async with sandboxed_bot("echo", prepare=prepare):
        await asyncio.gather(*(one(chatter) for chatter in scene.buyers))
        scene.close()
    return trips


def _ms(seconds: float) -> str:
    return f"{1000 * seconds:.0f}"


async def main(runs: int = 3, buyers: int = 200, databases: tuple[str, ...] = ("sqlite", "postgresql")) -> dict:
    echo: list[list[float]] = []
    results: dict[str, list[Run]] = {kind: [] for kind in databases}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):  # interleaved, so a slower minute of the machine touches every column
            echo.append(await echo_run(buyers))
            print(f"  run {run + 1}: echo p50 {_ms(percentile(echo[-1], 0.5))} ms", flush=True)
            for kind in databases:
                async with database(kind, Path(tmp)) as url:
                    results[kind].append(await flows_run(url, buyers))
                got = results[kind][-1]
                print(
                    f"  run {run + 1}: {kind} {got.done}/{buyers} flows in {got.wall_seconds:.1f} s, "
                    f"{len(got.failures)} failures",
                    flush=True,
                )
                for failure in got.failures[:5]:
                    print(f"    {failure}", flush=True)
    echo_p50 = median(percentile(trips, 0.5) for trips in echo)
    echo_p99 = median(percentile(trips, 0.99) for trips in echo)
    figures: dict = {
        "buyers": buyers,
        "runs": runs,
        "echo_round_trip_ms": {"p50": 1000 * echo_p50, "p99": 1000 * echo_p99},
        "databases": {},
    }
    for kind, kind_runs in results.items():
        steps = {}
        for step in (*STEPS, "all steps"):
            per_run = [
                [v for values in run.latencies.values() for v in values] if step == "all steps" else run.latencies[step]
                for run in kind_runs
            ]
            per_run = [values for values in per_run if values]
            if per_run:
                steps[step] = {
                    "p50_ms": 1000 * median(percentile(values, 0.5) for values in per_run),
                    "p99_ms": 1000 * median(percentile(values, 0.99) for values in per_run),
                }
        figures["databases"][kind] = {
            "flows_per_second": median(run.done / run.wall_seconds for run in kind_runs),
            "wall_seconds": median(run.wall_seconds for run in kind_runs),
            "done": [run.done for run in kind_runs],
            "failures": [len(run.failures) for run in kind_runs],
            "failure_samples": [failure for run in kind_runs for failure in run.failures[:3]],
            "steps": steps,
        }
    print_tables(figures)
    path = write("flows", figures)
    print(f"\nwritten to {path}")
    return figures


def print_tables(figures: dict) -> None:
    kinds = list(figures["databases"])
    echo_p50, echo_p99 = figures["echo_round_trip_ms"]["p50"], figures["echo_round_trip_ms"]["p99"]
    runs, buyers = figures["runs"], figures["buyers"]
    print(
        table(
            f"Whole flows: {buyers} buyers at once, median of {runs} runs",
            ["", *kinds],
            [
                ["flows/s", *(f"{figures['databases'][k]['flows_per_second']:.2f}" for k in kinds)],
                ["wall s", *(f"{figures['databases'][k]['wall_seconds']:.1f}" for k in kinds)],
                ["done per run", *(str(figures["databases"][k]["done"]) for k in kinds)],
                ["failures per run", *(str(figures["databases"][k]["failures"]) for k in kinds)],
            ],
        )
    )
    rows = [["echo bot: one message (baseline)", *[f"{echo_p50:.0f} / {echo_p99:.0f} (1× / 1×)"] * len(kinds)]]
    for step in (*STEPS, "all steps"):
        cells = []
        for kind in kinds:
            got = figures["databases"][kind]["steps"].get(step)
            cells.append(
                "—"
                if got is None
                else f"{got['p50_ms']:.0f} / {got['p99_ms']:.0f} "
                f"({got['p50_ms'] / echo_p50:.1f}× / {got['p99_ms'] / echo_p99:.1f}×)"
            )
        rows.append([step, *cells])
    print(
        table(
            f"Step latency, ms p50 / p99 (× the echo bot's p50 / p99), {buyers} buyers at once, median of {runs} runs",
            ["step", *kinds],
            rows,
        )
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--buyers", type=int, default=200)
    parser.add_argument("--databases", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.buyers, tuple(args.databases)))
