"""A bot as its own process against an in-process sandbox, for the memory and whole-flow benchmarks.

    async with sandboxed_bot("relay", database_url) as running:
        running.world, running.bot, running.process.pid ...

The bot is `bench.relay_bot` (the project's Application and update pipeline,
the sender not held to Telegram's flood limits) or `bench.echo_bot` (the bare
baseline). It starts once the world is built and seeded (`prepare`), since it
reads the store and its group from the database as it runs.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sandbox.server import SandboxServer
from sandbox.world import World
from sandbox.world.models import Bot

ROOT = Path(__file__).resolve().parent.parent
READY_SECONDS = 60


@dataclass
class RunningBot:
    server: SandboxServer
    bot: Bot
    process: asyncio.subprocess.Process

    @property
    def world(self) -> World:
        return self.server.world


def resident_kb(pid: int) -> int:
    """The process's resident memory (VmRSS) in KB, as /proc reports it."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def _command(kind: str, token: str, api_url: str, database_url: str | None) -> list[str]:
    if kind == "echo":
        return [sys.executable, "-m", "bench.echo_bot", token, api_url]
    return [sys.executable, "-m", "bench.relay_bot", token, api_url, database_url or ""]


@asynccontextmanager
async def sandboxed_bot(
    kind: str,
    database_url: str | None = None,
    *,
    prepare: Callable[[World, Bot], Awaitable[None]] | None = None,
    env: dict[str, str] | None = None,
) -> AsyncIterator[RunningBot]:
    """A sandbox on a free port and `kind` ("relay" or "echo") polling it; `prepare` builds the world first."""
    server = SandboxServer(host="127.0.0.1", port=0, strict=False)
    await server.start()
    token = f"{7_200_000_000 + secrets.randbelow(10**6)}:{secrets.token_urlsafe(26)}"
    bot = server.world.add_bot(token=token, username="bench_bot", first_name="Bench")
    process = None
    try:
        if prepare is not None:
            await prepare(server.world, bot)
        process = await asyncio.create_subprocess_exec(
            *_command(kind, token, server.bot_api_base_url, database_url),
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        )
        async with asyncio.timeout(READY_SECONDS):
            while not (line := await process.stdout.readline()).startswith(b"ready"):
                if not line:  # at EOF readline never waits, so the timeout could not fire
                    raise RuntimeError(f"the {kind} bot exited before it was ready")
        yield RunningBot(server, bot, process)
    finally:
        if process is not None and process.returncode is None:
            process.terminate()
            async with asyncio.timeout(30):
                await process.wait()
        await server.stop()
