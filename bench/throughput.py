"""CPU per message and throughput: our bot against a bare python-telegram-bot echo bot, in the same run.

    python -m bench.throughput [--scenario relay|synthetic] [--buyers 200] [--messages 10] [--runs 3]
                               [--databases sqlite postgresql] [--bots echo relay ours]

Each bot runs as its own process against an in-process sandbox. A burst of
text messages from many buyers is posted at once; a phase ends when every
message has its answer. We read the bot process's CPU time (user + system,
from /proc) per message and the throughput (messages answered per second of
wall time), and report the median of the runs and each bot's ratio to the
echo bot's.

relay (the default): the real bot (`bench/relay_bot.py`, `bench/relay.py`).
Each buyer has one open ticket whose forum topic exists (made in an untimed
warm-up). Two timed phases: buyers → topics (each message the buyer's free
text, recorded on the ticket and copied into its topic), then agents →
buyers (each topic gets one answer per buyer message, recorded, screened by
moderation and copied to the buyer). On SQLite (the embedded default) and
on PostgreSQL (a database made for the run, `bench/databases.py`).

synthetic: the crash test's bot (`tests/crash/crash_bot.py`): each message
stored, the buyer's step moved and the answer recorded in the outbox, in one
transaction per update, then sent by the outbox sender. SQLite.

For profiling: BENCH_PROFILE=FILE runs our bot under cProfile (the whole
process); BENCH_PY_SPY=PREFIX samples each bot with py-spy during the timed
phases only (``pip install py-spy`` into .venv; collapsed stacks in
PREFIX.<bot>; BENCH_PY_SPY_ARGS overrides ``--rate 100``); BENCH_THREADS=1
prints the main thread's share of the CPU time; BENCH_SQL=FILE counts the
relay bot's statements (`bench/sql_counter.py`); BENCH_PROFILE_PHASES=FILE
profiles the relay bot during the timed phases only (both directions).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.databases import KINDS, database
from bench.relay import RelayScene
from bench.results import median, table, write
from sandbox.server import SandboxServer

ROOT = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PHASE_SECONDS = 300
NAMES = {
    "echo": "bare python-telegram-bot echo",
    "ours": "Aftersales inbox → handler → outbox (synthetic handler)",
    "relay": "Aftersales relay",
}
DIRECTIONS = {"buyers": "buyer → topic", "agents": "agent → buyer (screened)"}


@dataclass
class Phase:
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


def bot_command(kind: str, token: str, api_url: str, database_url: str) -> list[str]:
    if kind == "echo":
        return [sys.executable, "-m", "bench.echo_bot", token, api_url]
    profile = ["-m", "cProfile", "-o", os.environ["BENCH_PROFILE"]] if os.environ.get("BENCH_PROFILE") else []
    if kind == "relay":
        return [sys.executable, *profile, "-m", "bench.relay_bot", token, api_url, database_url]
    return [sys.executable, *profile, str(ROOT / "tests" / "crash" / "crash_bot.py"), token, api_url, database_url]


async def start_py_spy(pid: int, kind: str) -> asyncio.subprocess.Process | None:
    """With BENCH_PY_SPY=PREFIX: py-spy samples the bot into PREFIX.KIND until stopped with SIGINT."""
    prefix = os.environ.get("BENCH_PY_SPY")
    if not prefix:
        return None
    options = os.environ.get("BENCH_PY_SPY_ARGS", "--rate 100").split()
    return await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "py-spy"),
        *("record", "--pid", str(pid), "--threads", "--format", "raw", *options, "--output", f"{prefix}.{kind}"),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def timed(process: asyncio.subprocess.Process, kind: str, messages: int, post, done: Callable[[], int]) -> Phase:
    """Post a burst (`post()`), wait until `done()` counts `messages` answers: the bot's CPU and the wall time."""
    cpu_before = process_cpu_seconds(process.pid)
    main_before = process_cpu_seconds(process.pid, process.pid)
    spy = await start_py_spy(process.pid, kind)
    if os.environ.get("BENCH_PROFILE_PHASES") and kind == "relay":
        process.send_signal(signal.SIGUSR2)  # profiling on (bench/relay_bot.py)
    started = time.perf_counter()
    post()
    async with asyncio.timeout(PHASE_SECONDS):
        while done() < messages:
            await asyncio.sleep(0.01)
    wall = time.perf_counter() - started
    cpu = process_cpu_seconds(process.pid) - cpu_before
    if os.environ.get("BENCH_PROFILE_PHASES") and kind == "relay":
        process.send_signal(signal.SIGUSR2)
    if os.environ.get("BENCH_THREADS"):
        main = process_cpu_seconds(process.pid, process.pid) - main_before
        print(
            f"  {kind}: main thread {1000 * main / messages:.2f} CPU ms/message, other threads "
            f"{1000 * (cpu - main) / messages:.2f}"
        )
    if spy is not None:
        spy.send_signal(signal.SIGINT)
        await spy.wait()
    return Phase(cpu, wall, messages)


def echoed(bot_id: int, chats: list) -> int:
    return sum(1 for chat in chats for message in chat.messages.values() if message.sender_id == bot_id)


async def one_run(kind: str, buyers: int, per_buyer: int, database_kind: str = "sqlite") -> dict[str, Phase]:
    """One bot process, fresh sandbox and database: {direction: Phase}; the echo and synthetic bots have one."""
    server = SandboxServer(host="127.0.0.1", port=0, strict=False)
    await server.start()
    token = f"{7_100_000_000 + secrets.randbelow(10**6)}:{secrets.token_urlsafe(26)}"
    bot = server.world.add_bot(token=token, username="bench_bot", first_name="Bench")
    world = server.world
    scene = RelayScene.build(world, bot, buyers) if kind == "relay" else None
    people = scene.people if scene else [world.add_person(f"Buyer {i}") for i in range(buyers)]
    chats = scene.chats if scene else [world.private_chat(person.id, bot.id, create=True) for person in people]
    total = buyers * per_buyer
    phases: dict[str, Phase] = {}

    def buyers_write() -> None:
        for round_ in range(per_buyer):
            for person, chat in zip(people, chats):
                world.post(chat, person.id, text=f"message {round_} from {person.id}", entities=[])

    def agents_answer() -> None:
        for round_ in range(per_buyer):
            scene.answer_round(f"answer {round_}")

    with tempfile.TemporaryDirectory() as tmp:
        async with database(database_kind, Path(tmp)) as url:
            if scene is not None:
                await scene.seed(url)
            process = await asyncio.create_subprocess_exec(
                *bot_command(kind, token, server.bot_api_base_url, url),
                cwd=ROOT,
                stdout=asyncio.subprocess.PIPE,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
            try:
                async with asyncio.timeout(60):
                    while not (line := await process.stdout.readline()).startswith(b"ready"):
                        if not line:  # at EOF readline never waits, so the timeout could not fire
                            raise RuntimeError(f"the {kind} bot exited before it was ready")
                if scene is None:
                    phases["buyers"] = await timed(process, kind, total, buyers_write, lambda: echoed(bot.id, chats))
                else:
                    await scene.warm_up()  # untimed: every ticket's topic made, as in a shop that has been running
                    phases["buyers"] = await timed(process, kind, total, buyers_write, scene.copied)
                    phases["agents"] = await timed(
                        process, kind, total, agents_answer, lambda: scene.answered("answer ")
                    )
            finally:
                process.terminate()
                async with asyncio.timeout(30):
                    await process.wait()
                await server.stop()
    return phases


def _summary(runs: list[dict[str, Phase]]) -> dict[str, dict[str, float]]:
    return {
        direction: {
            "cpu_ms_per_message": median(run[direction].cpu_ms_per_message for run in runs),
            "messages_per_second": median(run[direction].per_second for run in runs),
        }
        for direction in runs[0]
    }


async def main(
    runs: int = 3,
    buyers: int = 200,
    per_buyer: int = 10,
    scenario: str = "relay",
    databases: tuple[str, ...] = KINDS,
    bots: tuple[str, ...] | None = None,
) -> dict:
    """Echo, then our bot on each database, interleaved run by run; prints the table, writes <scenario>.json."""
    ours = "relay" if scenario == "relay" else "ours"
    columns = [("echo", "sqlite")] + [(ours, kind) for kind in (databases if ours == "relay" else ("sqlite",))]
    if bots:
        columns = [(bot, kind) for bot, kind in columns if bot in bots]
    measured: dict[str, list[dict[str, Phase]]] = {f"{bot}/{kind}": [] for bot, kind in columns}
    for run in range(runs):  # interleaved, so a slower minute of the machine touches every column
        for bot, kind in columns:
            phases = await one_run(bot, buyers, per_buyer, kind)
            measured[f"{bot}/{kind}"].append(phases)
            shown = ", ".join(
                f"{DIRECTIONS[d]} {p.cpu_ms_per_message:.2f} CPU ms/message {p.per_second:.0f}/s"
                for d, p in phases.items()
            )
            print(f"  run {run + 1}: {bot} ({kind if bot != 'echo' else 'no database'}): {shown}", flush=True)
    summary = {column: _summary(column_runs) for column, column_runs in measured.items()}
    echo = summary.get("echo/sqlite", {}).get("buyers")
    rows = []
    for column, directions in summary.items():
        bot, kind = column.split("/")
        for direction, figures in directions.items():
            cpu, rate = figures["cpu_ms_per_message"], figures["messages_per_second"]
            ratio = (
                f"{cpu / echo['cpu_ms_per_message']:.2f}× / {rate / echo['messages_per_second']:.2f}×"
                if echo and bot != "echo"
                else "1× / 1×"
                if bot == "echo"
                else "—"
            )
            label = NAMES[bot] if bot == "echo" else f"{NAMES[bot]}, {DIRECTIONS[direction]}, {kind}"
            rows.append([label, f"{cpu:.2f}", f"{rate:.0f}", ratio])
            figures["ratio_to_echo"] = (
                {"cpu": cpu / echo["cpu_ms_per_message"], "throughput": rate / echo["messages_per_second"]}
                if echo
                else None
            )
    print(
        table(
            f"{scenario}: {buyers} buyers × {per_buyer} messages each way, median of {runs} runs",
            ["bot", "CPU ms/message", "messages/s", "CPU / throughput vs echo"],
            rows,
        )
    )
    targets = {"relay_cpu_ratio_max": 2.0, "relay_throughput_ratio_min": 0.5}
    figures = {"buyers": buyers, "messages_per_buyer": per_buyer, "runs": runs, "targets": targets, "bots": summary}
    print(f"\nwritten to {write(scenario, figures)}")
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=["relay", "synthetic"], default="relay")
    parser.add_argument("--buyers", type=int, default=200)
    parser.add_argument("--messages", type=int, default=10, help="messages per buyer (and answers per topic)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--databases", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--bots", nargs="+", choices=["echo", "relay", "ours"], help="only these bots")
    args = parser.parse_args()
    asyncio.run(
        main(
            args.runs, args.buyers, args.messages, args.scenario, tuple(args.databases), args.bots and tuple(args.bots)
        )
    )
