"""Memory per conversation: the bot's resident memory with 10,000 buyers each halfway through the request form.

    python -m bench.memory [--buyers 10000] [--runs 1] [--tracemalloc FILE]

The real bot (`bench.relay_bot`) runs as its own process against an
in-process sandbox, on SQLite. Each buyer has one delivered order and goes
as far as the form's second question: /orders, the order, "Report a problem
with the item", "Defective" (the items are asked), so the bot holds a
ConversationHandler state and a draft for each. Buyers come in batches, each
batch all at once; the bot's VmRSS (from /proc) is read idle after start-up,
after a first batch of WARM buyers (every code path and cache of the form
used once), and after each later batch, each time once the bot is idle again.

Per conversation is the growth after the warm batch divided by the buyers
added since: what one more half-finished conversation costs. The growth from
start-up over all buyers is reported beside it. Memory is not noisy the way
CPU time is, and one run drives 40,000 updates, so the default is one run.

`--tracemalloc FILE`: the bot traces its allocations (much slower: use fewer
buyers) and dumps a snapshot after the warm batch and after the last one;
the biggest growths between the two, by line, are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench.bot_process import resident_kb, sandboxed_bot
from bench.chat import Chatter
from bench.request_scene import RequestScene, number
from bench.results import median, table, write
from domain.storage.migrate import upgrade
from tests.e2e.test_request_form import DEFECTIVE

WARM = 100
SETTLE_SECONDS = 2.0  # the bot idle again: sends done, the sweeper's and poller's buffers as they stay


async def halfway(buyer: Chatter, index: int) -> None:
    """/orders, the order, "Report a problem with the item", the type: the items are asked."""
    buyer.say("/orders")
    orders = await buyer.expect("Your orders", timeout=600)
    buyer.press(orders, next(label for label in orders.buttons if number(index) in label))
    menu = await buyer.expect(number(index), timeout=600)
    buyer.press(menu, "Report a problem with the item")
    await buyer.expect("Report a problem with the item for", timeout=600)
    kinds = await buyer.expect("What is wrong?", timeout=600)
    buyer.press(kinds, DEFECTIVE)
    await buyer.expect("Which item is affected?", timeout=600)


def batches(total: int) -> list[int]:
    """Buyer counts after each batch: the warm one, then quarters of the total."""
    marks = [WARM, *(total * quarter // 4 for quarter in range(1, 5))]
    return sorted({mark for mark in marks if WARM <= mark <= total} | {min(WARM, total)})


async def settled_kb(pid: int) -> int:
    await asyncio.sleep(SETTLE_SECONDS)
    return resident_kb(pid)


async def snapshot(process: asyncio.subprocess.Process, path: str) -> None:
    """Ask the bot for a tracemalloc snapshot and wait until it is written."""
    Path(path).unlink(missing_ok=True)
    process.send_signal(signal.SIGUSR1)
    async with asyncio.timeout(300):
        while not Path(path).exists():
            await asyncio.sleep(0.2)


async def one_run(buyers: int, trace_file: str | None) -> dict:
    scene: RequestScene | None = None
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'memory.sqlite3'}"
        await upgrade(url)

        async def prepare(world, bot) -> None:
            nonlocal scene
            scene = RequestScene.build(world, bot, buyers)
            started = time.perf_counter()
            await scene.seed(url)
            print(f"  seeded {buyers} buyers in {time.perf_counter() - started:.0f} s", flush=True)

        env = {"BENCH_TRACEMALLOC": trace_file} if trace_file else {}
        async with sandboxed_bot("relay", url, prepare=prepare, env=env) as running:
            pid = running.process.pid
            idle = await settled_kb(pid)
            print(f"  idle after start-up: {idle / 1024:.1f} MB", flush=True)
            points: list[tuple[int, int, float]] = []  # (buyers halfway, KB, seconds the batch took)
            done = 0
            for mark in batches(buyers):
                started = time.perf_counter()
                outcomes = await asyncio.gather(
                    *(halfway(scene.buyers[i], i) for i in range(done, mark)), return_exceptions=True
                )
                failed = [o for o in outcomes if isinstance(o, BaseException)]
                if failed:
                    raise RuntimeError(f"{len(failed)} of {mark - done} buyers did not get halfway: {failed[0]!r}")
                took = time.perf_counter() - started
                done = mark
                points.append((mark, await settled_kb(pid), took))
                print(
                    f"  {mark} halfway: {points[-1][1] / 1024:.1f} MB ({4 * (mark - (points[-2][0] if len(points) > 1 else 0)) / took:.0f} updates/s)",
                    flush=True,
                )
                if trace_file and mark in (WARM, buyers):
                    await snapshot(running.process, f"{trace_file}.{1 if mark == WARM else 2}")
            scene.close()
    warm_buyers, warm_kb, _ = points[0]
    last_buyers, last_kb, _ = points[-1]
    return {
        "idle_kb": idle,
        "points": [{"buyers": b, "kb": kb, "batch_seconds": s} for b, kb, s in points],
        "kb_per_conversation": (last_kb - warm_kb) / max(last_buyers - warm_buyers, 1),
        "kb_per_conversation_from_start": (last_kb - idle) / last_buyers,
    }


def print_traces(trace_file: str, limit: int = 25) -> None:
    first, last = (tracemalloc.Snapshot.load(f"{trace_file}.{n}") for n in (1, 2))
    print(f"\nAllocation growth in the bot between the warm batch and the last (tracemalloc, top {limit}):")
    for stat in last.compare_to(first, "lineno")[:limit]:
        print(f"  {stat.size_diff / 1024:10.0f} KB {stat.count_diff:8d} blocks  {stat.traceback}")
    print("\nBy call stack (top 8):")
    for stat in last.compare_to(first, "traceback")[:8]:
        print(f"  {stat.size_diff / 1024:.0f} KB in {stat.count_diff} blocks:")
        for line in stat.traceback.format(limit=8):
            print(f"    {line}")


async def main(runs: int = 1, buyers: int = 10_000, trace_file: str | None = None) -> dict:
    measured = [await one_run(buyers, trace_file) for _ in range(runs)]
    figures = {
        "buyers": buyers,
        "runs": runs,
        "steps_per_buyer": ["/orders", "the order", "Report a problem with the item", "Defective"],
        "idle_mb": median(run["idle_kb"] for run in measured) / 1024,
        "halfway_mb": median(run["points"][-1]["kb"] for run in measured) / 1024,
        "kb_per_conversation": median(run["kb_per_conversation"] for run in measured),
        "kb_per_conversation_from_start": median(run["kb_per_conversation_from_start"] for run in measured),
        "runs_detail": measured,
    }
    rows = [["idle after start-up", f"{figures['idle_mb']:.1f}", "—"]]
    for point in measured[len(measured) // 2]["points"]:
        rows.append([f"{point['buyers']:,} halfway", f"{point['kb'] / 1024:.1f}", ""])
    rows.append(["per conversation (growth after the warm batch)", "", f"{figures['kb_per_conversation']:.1f}"])
    rows.append(["per conversation (growth from start-up)", "", f"{figures['kb_per_conversation_from_start']:.1f}"])
    print(
        table(
            f"Bot resident memory (VmRSS), {buyers:,} buyers halfway through the request form, "
            f"{'median of ' if runs > 1 else ''}{runs} run{'s' if runs > 1 else ''}",
            ["", "MB", "KB per conversation"],
            rows,
        )
    )
    if trace_file:
        print_traces(trace_file)
    else:
        print(f"\nwritten to {write('memory', figures)}")
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--buyers", type=int, default=10_000)
    parser.add_argument("--tracemalloc", metavar="FILE", help="trace the bot's allocations (slow; fewer buyers)")
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.buyers, args.tracemalloc and os.path.abspath(args.tracemalloc)))
