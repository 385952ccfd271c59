"""The relay scenario's bot process: the project's own Application and update pipeline, nothing added.

    python -m bench.relay_bot TOKEN API_URL DATABASE_URL

Built as bot/launch.py builds it (settings' defaults for concurrency, the
system clock), except that the sender is not held to Telegram's flood limits,
as in the e2e harness: at 20 posts a minute per group the bench would measure
the limiter's waits, not the bot. The database is migrated and seeded by the
bench before this starts. Prints "ready" once polling.

BENCH_LIMITER=telegram holds the sender to Telegram's limits with the real
``SendLimiter`` instead (`bench.limits`, which measures exactly that).

BENCH_TRACEMALLOC=FILE traces allocations (`bench.memory --tracemalloc`):
each SIGUSR1 dumps a snapshot to FILE.1, FILE.2, ...
BENCH_SQL=FILE counts the statements it runs (`bench/sql_counter.py`),
BENCH_CALLS=FILE the Bot API methods it calls (`bench/call_counter.py`).
BENCH_PROFILE_PHASES=FILE profiles only between SIGUSR2s (the timed phases, as
`bench.throughput` sends them), written to FILE at exit: no start-up, no warm-up.
"""

from __future__ import annotations

import asyncio
import cProfile
import itertools
import logging
import os
import signal
import sys
import tracemalloc

from bench import call_counter, sql_counter
from bot.app import build_application
from bot.context import Deps
from bot.pipeline.ratelimit import SendLimiter
from bot.pipeline.service import pipeline_for
from bot.rendering import default_renderer
from bot.settings import load_settings
from domain.clock import SystemClock
from domain.storage.engine import create_engine
from domain.storage.uow import UnitOfWorkFactory


def _dump(path: str) -> None:
    """A tracemalloc snapshot at `path`, which appears only once it is whole."""
    tracemalloc.take_snapshot().dump(f"{path}.part")
    os.replace(f"{path}.part", path)


class _PhaseProfile:
    def __init__(self, path: str | None) -> None:
        self.path, self.profile, self.on = path, cProfile.Profile(), False

    def toggle(self) -> None:
        if self.path:
            self.on = not self.on
            self.profile.enable() if self.on else self.profile.disable()

    def write(self) -> None:
        if self.path:
            self.profile.disable()
            self.profile.dump_stats(self.path)


async def main(token: str, api_url: str, database_url: str) -> None:
    settings = load_settings(
        telegram_bot_token=token, telegram_api_url=api_url, database_url=database_url, _env_file=None
    )
    engine = create_engine(database_url)
    sql_counter.install(engine)
    call_counter.install()
    deps = Deps(
        settings=settings, clock=SystemClock(), renderer=default_renderer(), uow_factory=UnitOfWorkFactory(engine)
    )
    application = build_application(deps)
    limiter = (
        SendLimiter()
        if os.environ.get("BENCH_LIMITER") == "telegram"
        else SendLimiter(
            overall_per_second=10_000, private_per_second=10_000, private_burst=10_000, group_per_minute=1_000_000
        )
    )
    pipeline = pipeline_for(application, poll_timeout=1, poll_interval=0.2, limiter=limiter)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    if trace_file := os.environ.get("BENCH_TRACEMALLOC"):
        dumps = itertools.count(1)
        asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, lambda: _dump(f"{trace_file}.{next(dumps)}"))
    phases = _PhaseProfile(os.environ.get("BENCH_PROFILE_PHASES"))
    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR2, phases.toggle)
    async with application:
        await application.start()
        await pipeline.start()
        print("ready", flush=True)
        await stop.wait()
        phases.write()
        await pipeline.stop()
        await application.stop()
    await engine.dispose()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)  # failures in the pipeline show; per-request noise does not
    if os.environ.get("BENCH_TRACEMALLOC"):
        tracemalloc.start(12)
    asyncio.run(main(*sys.argv[1:4]))
