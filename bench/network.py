"""Network as it is: throughput when every Bot API answer is 50 ms late, and latency at a steady offered rate.

    python -m bench.network [--runs 3] [--buyers 200] [--messages 5] [--rate 30] [--seconds 20]

Two bots, each its own process against an in-process sandbox, in the same
run: the bare echo bot (`bench.echo_bot`, python-telegram-bot's sequential
default: the baseline) and our relay bot (`bench.relay_bot`: the project's
Application and pipeline, SQLite, the sender not held to flood limits). Our
buyers each have an open ticket whose forum topic exists (`bench/relay.py`,
an untimed warm-up); the echo bot's buyers are the same people.

Part 1, throughput: the sandbox holds every answer 50 ms (`answer_delay`, as
a network's round trip would), and BUYERS × MESSAGES texts are posted at
once. Messages per second runs from the first post to the last copy in its
topic (our bot) or the last echo in the buyer's chat (the baseline). Each
buyer's messages must arrive in the order sent, in their own topic (chat),
once each: an arrival after a later one of the same buyer is out of order; a
copy elsewhere, a second copy or one never seen is a failure too; all are
counted and reported. Target: ours ≥ 150 messages/s; a sequential bot makes
about 1 / (50 ms + its own time).

Part 2, latency: no delay, RATE messages a second offered, evenly spread over
SECONDS, round-robin over the buyers. Latency runs from `world.post` to the
copy reaching the store's agent (or the echo reaching the buyer), stamped as
the person's event arrives (the subscription bench/chat.py's Inbox reads);
p50 and p99. Target: ours p99 ≤ 150 ms.

Each run measures both parts with one bot process per bot (part 2 after part
1 and a pause), echo first; figures are medians over the runs, ours beside
the echo bot's as a ratio. Prints the tables and writes bench/results/network.json.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import re
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.bot_process import sandboxed_bot
from bench.flows import percentile
from bench.relay import RelayScene
from bench.results import median, table, write
from domain.storage.migrate import upgrade
from sandbox.world.models import Person
from sandbox.world.render import view_chat_id

ANSWER_DELAY = 0.05
TARGET_PER_SECOND = 150
TARGET_P99_MS = 150
SETTLE_SECONDS = 1.0  # between the parts: the bot idle again, nothing of part 1 in flight
NUMBERED = re.compile(r"message (\d+) from (\d+)$")  # what each buyer posts, and what its copy ends with
KINDS = {"echo": "bare python-telegram-bot echo (sequential)", "relay": "Aftersales relay → forum topic"}


@dataclass
class Arrival:
    at: float  # time.perf_counter() when it reached the watcher
    place: tuple[int, int, int | None]  # (the person who saw it, the chat as they see it, the topic)


@dataclass
class Tally:
    """Every bot message that carries a buyer's numbered text, stamped as it reaches the person watching for it."""

    expected: int
    arrivals: dict[tuple[int, int], list[Arrival]] = field(default_factory=lambda: defaultdict(list))
    order: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))  # buyer -> numbers as they came
    complete: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task] = field(default_factory=list)

    def watch(self, person: Person) -> None:
        self._tasks.append(asyncio.create_task(self._pump(person)))

    async def _pump(self, person: Person) -> None:
        queue = person.events.subscribe()
        try:
            while True:
                event = await queue.get()
                at = time.perf_counter()
                view = event.get("message")
                if event["type"] != "message" or not view["from"]["is_bot"]:
                    continue
                found = NUMBERED.search(view["text"] or "")
                if found is None:
                    continue
                number, buyer = int(found.group(1)), int(found.group(2))
                arrivals = self.arrivals[(buyer, number)]
                if not arrivals:  # a second copy is counted as duplicated, not again as out of order
                    self.order[buyer].append(number)
                arrivals.append(Arrival(at, (person.id, event["chat_id"], event["thread_id"])))
                if len(self.arrivals) == self.expected:
                    self.complete.set()
        finally:
            person.events.unsubscribe(queue)

    def close(self) -> None:
        for task in self._tasks:
            task.cancel()


@dataclass
class Run:
    sent: int
    wall_seconds: float  # first post to last arrival
    latencies: list[float]  # seconds from post to first arrival, per message that arrived
    failures: dict[str, int]

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.wall_seconds if self.latencies else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "arrived": len(self.latencies),
            "wall_seconds": self.wall_seconds,
            "per_second": self.per_second,
            "p50_ms": _ms(self.latencies, 0.5),
            "p99_ms": _ms(self.latencies, 0.99),
            "failures": self.failures,
        }


def out_of_order(numbers: list[int]) -> int:
    """Arrivals that came after a later message of the same buyer."""
    late, highest = 0, -1
    for number in numbers:
        if number < highest:
            late += 1
        highest = max(highest, number)
    return late


async def offer(
    scene: RelayScene,
    places: dict[int, tuple[int, int, int | None]],
    tally: Tally,
    plan: list[tuple[int, int]],
    rate: float,
) -> Run:
    """Post `plan` ((buyer index, number) in order) at `rate` a second (0: all at once); wait for every arrival."""
    posted: dict[tuple[int, int], float] = {}
    started = time.perf_counter()
    for sent, (index, number) in enumerate(plan):
        if rate and (ahead := started + sent / rate - time.perf_counter()) > 0:
            await asyncio.sleep(ahead)
        person, chat = scene.people[index], scene.chats[index]
        posted[(person.id, number)] = time.perf_counter()
        scene.world.post(chat, person.id, text=f"message {number} from {person.id}", entities=[])
    try:
        # Generous: a sequential bot at 50 ms a call makes about 18 a second.
        async with asyncio.timeout(60 + len(plan) / 5):
            await tally.complete.wait()
    except TimeoutError:
        pass
    arrived = {key: arrivals for key, arrivals in tally.arrivals.items() if key in posted}
    failures = {
        "missing": len(posted) - len(arrived),
        "out_of_order": sum(out_of_order(numbers) for numbers in tally.order.values()),
        "duplicated": sum(len(arrivals) - 1 for arrivals in arrived.values()),
        "misplaced": sum(1 for (buyer, _), arrivals in arrived.items() if arrivals[0].place != places[buyer]),
    }
    last = max((arrivals[0].at for arrivals in arrived.values()), default=started)
    latencies = [arrivals[0].at - posted[key] for key, arrivals in arrived.items()]
    return Run(len(plan), last - started, latencies, failures)


def burst_plan(buyers: int, messages: int) -> list[tuple[int, int]]:
    """Round by round: every buyer's message 0, then every buyer's message 1, ..."""
    return [(index, number) for number in range(messages) for index in range(buyers)]


def steady_plan(buyers: int, total: int, first_number: int) -> list[tuple[int, int]]:
    """`total` messages round-robin over the buyers, numbered on from `first_number` (part 1's come before)."""
    return [(sent % buyers, first_number + sent // buyers) for sent in range(total)]


async def bot_run(kind: str, buyers: int, messages: int, rate: float, seconds: float, workdir: Path) -> dict[str, Run]:
    """Part 1 (delayed answers, a burst) then part 2 (no delay, `rate` a second) against one `kind` bot process."""
    url = f"sqlite+aiosqlite:///{workdir / f'network-{time.monotonic_ns()}.sqlite3'}" if kind == "relay" else None
    if url is not None:
        await upgrade(url)
    scene: RelayScene | None = None

    async def prepare(world, bot) -> None:
        nonlocal scene
        scene = RelayScene.build(world, bot, buyers)
        if url is not None:
            await scene.seed(url)

    async with sandboxed_bot(kind, url, prepare=prepare) as running:
        if kind == "relay":
            await scene.warm_up()
            group = view_chat_id(scene.group)
            places = {person.id: (scene.agent.id, group, scene.threads[person.id]) for person in scene.people}
        else:
            places = {
                person.id: (person.id, view_chat_id(chat), None) for person, chat in zip(scene.people, scene.chats)
            }
        watchers = [scene.agent] if kind == "relay" else scene.people
        results: dict[str, Run] = {}
        steady = math.ceil(rate * seconds)
        for part, plan, delay, pace in (
            ("throughput", burst_plan(buyers, messages), ANSWER_DELAY, 0.0),
            ("latency", steady_plan(buyers, steady, messages), 0.0, rate),
        ):
            # Set on the running sandbox (it reads it per call), so the untimed warm-up is not slowed too.
            running.server.answer_delay = delay
            await asyncio.sleep(SETTLE_SECONDS)
            tally = Tally(expected=len(plan))
            for person in watchers:
                tally.watch(person)
            try:
                results[part] = await offer(scene, places, tally, plan, pace)
            finally:
                tally.close()
    return results


def _ms(latencies: list[float], share: float) -> float:
    """That percentile of `latencies` in ms; NaN when nothing arrived (the failures say why)."""
    return 1000 * percentile(latencies, share) if latencies else math.nan


async def main(
    runs: int = 3, buyers: int = 200, messages: int = 5, rate: float = 30.0, seconds: float = 20.0
) -> dict[str, Any]:
    measured: dict[str, list[dict[str, Run]]] = {kind: [] for kind in KINDS}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):  # interleaved, so a slower minute of the machine touches both bots
            for kind in KINDS:
                got = await bot_run(kind, buyers, messages, rate, seconds, Path(tmp))
                measured[kind].append(got)
                throughput, latency = got["throughput"], got["latency"]
                print(
                    f"  run {run + 1} {kind}: {throughput.per_second:.1f} messages/s at {1000 * ANSWER_DELAY:.0f} ms "
                    f"({throughput.failures}); at {rate:g}/s p50 {_ms(latency.latencies, 0.5):.1f} ms, "
                    f"p99 {_ms(latency.latencies, 0.99):.1f} ms ({latency.failures})",
                    flush=True,
                )
    figures: dict[str, Any] = {
        "buyers": buyers,
        "runs": runs,
        "throughput": {"answer_delay_ms": 1000 * ANSWER_DELAY, "messages": buyers * messages, "bots": {}},
        "latency": {"answer_delay_ms": 0, "offered_per_second": rate, "seconds": seconds, "bots": {}},
    }
    for kind, kind_runs in measured.items():
        figures["throughput"]["bots"][kind] = {
            "per_second": median(run["throughput"].per_second for run in kind_runs),
            "failures_per_run": [sum(run["throughput"].failures.values()) for run in kind_runs],
            "runs": [run["throughput"].summary() for run in kind_runs],
        }
        figures["latency"]["bots"][kind] = {
            "p50_ms": median(_ms(run["latency"].latencies, 0.5) for run in kind_runs),
            "p99_ms": median(_ms(run["latency"].latencies, 0.99) for run in kind_runs),
            "failures_per_run": [sum(run["latency"].failures.values()) for run in kind_runs],
            "runs": [run["latency"].summary() for run in kind_runs],
        }
    ours, echo = figures["throughput"]["bots"]["relay"], figures["throughput"]["bots"]["echo"]
    figures["throughput"]["ratio"] = ours["per_second"] / echo["per_second"]
    figures["throughput"]["target_per_second"] = TARGET_PER_SECOND
    figures["throughput"]["met"] = ours["per_second"] >= TARGET_PER_SECOND and not any(ours["failures_per_run"])
    ours, echo = figures["latency"]["bots"]["relay"], figures["latency"]["bots"]["echo"]
    figures["latency"]["ratio"] = {"p50": ours["p50_ms"] / echo["p50_ms"], "p99": ours["p99_ms"] / echo["p99_ms"]}
    figures["latency"]["target_p99_ms"] = TARGET_P99_MS
    figures["latency"]["met"] = ours["p99_ms"] <= TARGET_P99_MS and not any(ours["failures_per_run"])
    print_tables(figures)
    print(f"\nwritten to {write('network', figures)}")
    return figures


def print_tables(figures: dict[str, Any]) -> None:
    runs, buyers = figures["runs"], figures["buyers"]
    part = figures["throughput"]
    echo_rate = part["bots"]["echo"]["per_second"]
    print(
        table(
            f"Throughput, every Bot API answer {part['answer_delay_ms']:.0f} ms late: {part['messages']} messages "
            f"from {buyers} buyers at once, median of {runs} runs (target: ours ≥ {part['target_per_second']}/s)",
            ["bot", "messages/s", "× echo", "failures per run"],
            [
                [
                    KINDS[kind],
                    f"{got['per_second']:.1f}",
                    f"{got['per_second'] / echo_rate:.2f}",
                    got["failures_per_run"],
                ]
                for kind, got in part["bots"].items()
            ],
        )
    )
    part = figures["latency"]
    echo = part["bots"]["echo"]
    print(
        table(
            f"Latency, post → copy (echo: → answer), no delay, {part['offered_per_second']:g} messages/s offered for "
            f"{part['seconds']:g} s, median of {runs} runs (target: ours p99 ≤ {part['target_p99_ms']} ms)",
            ["bot", "p50 ms", "p99 ms", "p50 × echo", "p99 × echo", "failures per run"],
            [
                [
                    KINDS[kind],
                    f"{got['p50_ms']:.1f}",
                    f"{got['p99_ms']:.1f}",
                    f"{got['p50_ms'] / echo['p50_ms']:.2f}",
                    f"{got['p99_ms'] / echo['p99_ms']:.2f}",
                    got["failures_per_run"],
                ]
                for kind, got in part["bots"].items()
            ],
        )
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--buyers", type=int, default=200)
    parser.add_argument("--messages", type=int, default=5, help="per buyer, in the throughput part")
    parser.add_argument("--rate", type=float, default=30.0, help="messages a second offered in the latency part")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long the latency part offers them")
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.buyers, args.messages, args.rate, args.seconds))
