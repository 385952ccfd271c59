"""`make bench`: buyer messages through our bot vs a bare echo bot, in two scenarios.

Both bots run as their own processes against the same kind of sandbox in the
same run. For each, a burst of text messages from many buyers is posted into
the sandbox at once; the run ends when every message has its answer. We
measure the bot process's CPU time (user + system, from /proc) per message
and the throughput (messages answered per second of wall time), and report
the median of 3 runs and our bot's ratio to the baseline.

Our bot is the project's application factory plus the crash test's handler
(`tests/crash/crash_bot.py`): each message stored, the buyer's step moved and
the answer recorded in the outbox, all in one transaction per update, then
sent by the outbox sender. SQLite, as the embedded default.

The relay scenario (`bench/relay.py`, `bench/relay_bot.py`) runs the real bot
and nothing else: each buyer has one open ticket whose forum topic already
exists (made in an untimed warm-up), and each message is the buyer's free text
that the bot records on the ticket and copies into that topic. The run ends
when every copy is in its topic. `--scenario synthetic|relay` runs one of the
two (against the same echo baseline); by default both.

The moderation scenario (`bench/moderation.py`) runs no bot: the moderation
screen over the labelled message set, printing precision and recall per rule,
the legitimate messages held and the screen's CPU time per message. It runs
by default after the others, or alone with `--scenario moderation`.

For profiling: BENCH_PROFILE=FILE runs our bot under cProfile (the whole
process); BENCH_PY_SPY=PREFIX samples each bot with py-spy during the burst
only (``pip install py-spy`` into .venv; collapsed stacks in PREFIX.echo and
PREFIX.ours, PREFIX.relay; BENCH_PY_SPY_ARGS overrides ``--rate 100``); BENCH_THREADS=1
prints the main thread's share of the CPU time (SQLite's driver threads do
the rest).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import moderation
from bench.relay import RelayScene
from sandbox.server import SandboxServer

ROOT = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    cpu_seconds: float
    wall_seconds: float
    messages: int

    @property
    def cpu_ms_per_message(self) -> float:
        return 1000 * self.cpu_seconds / self.messages

    @property
    def per_second(self) -> float:
        return self.messages / self.wall_seconds


def process_cpu_seconds(pid: int, thread: int | None = None) -> float:
    # Fields 14 and 15 of /proc/PID/stat: user and system time in clock ticks.
    stat = Path(f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat")
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def database_url(workdir: Path) -> str:
    return f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}"


def bot_command(kind: str, token: str, api_url: str, workdir: Path) -> list[str]:
    if kind == "echo":
        return [sys.executable, "-m", "bench.echo_bot", token, api_url]
    profile = ["-m", "cProfile", "-o", os.environ["BENCH_PROFILE"]] if os.environ.get("BENCH_PROFILE") else []
    if kind == "relay":
        return [sys.executable, *profile, "-m", "bench.relay_bot", token, api_url, database_url(workdir)]
    return [
        sys.executable,
        *profile,
        str(ROOT / "tests" / "crash" / "crash_bot.py"),
        token,
        api_url,
        database_url(workdir),
    ]


async def start_py_spy(pid: int, kind: str) -> asyncio.subprocess.Process | None:
    """With BENCH_PY_SPY=PREFIX: py-spy samples the bot into PREFIX.KIND until stopped with SIGINT."""
    prefix = os.environ.get("BENCH_PY_SPY")
    if not prefix:
        return None
    options = os.environ.get("BENCH_PY_SPY_ARGS", "--rate 100").split()
    return await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "py-spy"),
        "record",
        "--pid",
        str(pid),
        "--threads",
        "--format",
        "raw",
        *options,
        "--output",
        f"{prefix}.{kind}",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def prepare_database(workdir: Path) -> None:
    from domain.storage.migrate import upgrade

    await upgrade(database_url(workdir))


def answered(server: SandboxServer, bot_id: int, chats: list) -> int:
    return sum(1 for chat in chats for message in chat.messages.values() if message.sender_id == bot_id)


async def one_run(kind: str, buyers: int, per_buyer: int) -> Run:
    server = SandboxServer(host="127.0.0.1", port=0, strict=False)
    await server.start()
    token = f"{7_100_000_000 + secrets.randbelow(10**6)}:{secrets.token_urlsafe(26)}"
    bot = server.world.add_bot(token=token, username="bench_bot", first_name="Bench")
    world = server.world
    scene = RelayScene.build(world, bot, buyers) if kind == "relay" else None
    people = scene.people if scene else [world.add_person(f"Buyer {i}") for i in range(buyers)]
    chats = scene.chats if scene else [world.private_chat(person.id, bot.id, create=True) for person in people]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if kind != "echo":
            await prepare_database(workdir)
        if scene is not None:
            await scene.seed(database_url(workdir))
        process = await asyncio.create_subprocess_exec(
            *bot_command(kind, token, server.bot_api_base_url, workdir),
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        try:
            async with asyncio.timeout(60):
                while not (line := await process.stdout.readline()).startswith(b"ready"):
                    if not line:  # at EOF readline never waits, so the timeout could not fire
                        raise RuntimeError(f"the {kind} bot exited before it was ready")
            if scene is not None:
                await scene.warm_up()  # untimed: every ticket's topic made, as in a shop that has been running
            cpu_before = process_cpu_seconds(process.pid)
            main_before = process_cpu_seconds(process.pid, process.pid)
            spy = await start_py_spy(process.pid, kind)
            started = time.perf_counter()
            total = buyers * per_buyer
            for round_ in range(per_buyer):
                for person, chat in zip(people, chats):
                    world.post(chat, person.id, text=f"message {round_} from {person.id}", entities=[])
            async with asyncio.timeout(300):
                while (scene.copied() if scene else answered(server, bot.id, chats)) < total:
                    await asyncio.sleep(0.01)
            wall = time.perf_counter() - started
            cpu = process_cpu_seconds(process.pid) - cpu_before
            if os.environ.get("BENCH_THREADS"):
                main = process_cpu_seconds(process.pid, process.pid) - main_before
                print(
                    f"  {kind}: main thread {1000 * main / total:.2f} CPU ms/message, "
                    f"other threads {1000 * (cpu - main) / total:.2f}"
                )
            if spy is not None:
                spy.send_signal(signal.SIGINT)
                await spy.wait()
        finally:
            process.terminate()
            async with asyncio.timeout(30):
                await process.wait()
            await server.stop()
    return Run(cpu_seconds=cpu, wall_seconds=wall, messages=total)


def median_run(runs: list[Run]) -> tuple[float, float]:
    return (
        statistics.median(run.cpu_ms_per_message for run in runs),
        statistics.median(run.per_second for run in runs),
    )


SCENARIOS = {"synthetic": "ours", "relay": "relay"}  # scenario -> the bot measured against the echo baseline
NAMES = {
    "echo": "bare python-telegram-bot echo",
    "ours": "Aftersales inbox → handler → outbox (synthetic handler)",
    "relay": "Aftersales relay: buyer text → ticket → forum topic copy",
}


def print_table(title: str, results: dict[str, tuple[float, float]], kind: str) -> None:
    print(f"\n{title}")
    print("| bot | CPU ms/message | messages/s |\n|---|---|---|")
    for shown in ("echo", kind):
        if shown in results:
            cpu, rate = results[shown]
            print(f"| {NAMES[shown]} | {cpu:.2f} | {rate:.0f} |")
    if "echo" in results and kind in results:
        (echo_cpu, echo_rate), (our_cpu, our_rate) = results["echo"], results[kind]
        print(f"CPU ratio ({kind} / echo): {our_cpu / echo_cpu:.2f}; throughput ratio: {our_rate / echo_rate:.2f}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=100)
    parser.add_argument("--messages", type=int, default=10, help="messages per buyer")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--scenario",
        choices=["all", *SCENARIOS, "moderation"],
        default="all",
        help="which of our bots to measure against the echo baseline, or the moderation screen (default: all)",
    )
    parser.add_argument(
        "--bots", nargs="+", choices=["echo", *SCENARIOS.values()], help="exactly these bots (overrides --scenario)"
    )
    args = parser.parse_args()
    scenarios = list(SCENARIOS) if args.scenario == "all" else [s for s in [args.scenario] if s in SCENARIOS]
    bots = args.bots or (["echo", *(SCENARIOS[scenario] for scenario in scenarios)] if scenarios else [])
    results: dict[str, tuple[float, float]] = {}
    for kind in bots:
        runs = []
        for _ in range(args.runs):
            runs.append(await one_run(kind, args.buyers, args.messages))
            print(
                f"  {kind}: {runs[-1].cpu_ms_per_message:.2f} CPU ms/message, {runs[-1].per_second:.0f} messages/s",
                flush=True,
            )
        results[kind] = median_run(runs)
    total = args.buyers * args.messages
    measured = [scenario for scenario, kind in SCENARIOS.items() if kind in results] or scenarios[:1]
    for scenario in measured:
        print_table(
            f"{scenario}: {total} messages from {args.buyers} buyers, median of {args.runs} runs",
            results,
            SCENARIOS[scenario],
        )
    if args.scenario == "moderation" or (args.scenario == "all" and not args.bots):
        moderation.report()


if __name__ == "__main__":
    asyncio.run(main())
