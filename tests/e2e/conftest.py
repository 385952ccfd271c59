"""End-to-end harness: the real bot Application against the sandbox over HTTP.

The sandbox runs on a free port in the test's event loop; the bot is built by
the project's own factory and talks to it with python-telegram-bot's own HTTP
client (only ``base_url`` differs from production). Every test ends by
asserting that neither the bot nor the sandbox broke the Bot API reference.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone

import pytest

from bot.app import build_application
from bot.context import AftersalesApplication, Deps
from bot.pipeline.ratelimit import SendLimiter
from bot.pipeline.service import pipeline_for
from bot.rendering import default_renderer
from bot.settings import load_settings
from domain.clock import FakeClock
from domain.storage.engine import create_engine
from domain.storage.migrate import upgrade
from domain.storage.uow import UnitOfWorkFactory
from sandbox.client import SandboxClient
from sandbox.server import SandboxServer


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> SandboxServer:
    return sandbox_server


@asynccontextmanager
async def running_bot(sandbox: SandboxServer, bot_token: str, database_url: str) -> AsyncIterator[AftersalesApplication]:
    """One life of the bot: the project's factory and update pipeline on `database_url`, then stopped."""
    settings = load_settings(
        telegram_bot_token=bot_token,
        telegram_api_url=sandbox.bot_api_base_url,
        database_url=database_url,
        _env_file=None,
    )
    engine = create_engine(settings.database_url)
    clock = FakeClock(start=datetime(2026, 11, 22, 12, tzinfo=timezone.utc))
    deps = Deps(settings=settings, clock=clock, renderer=default_renderer(), uow_factory=UnitOfWorkFactory(engine))
    application = build_application(deps)
    # The production update path: poller → inbox → runner → outbox → sender.
    # The sandbox runs without Telegram's flood limits here, and so does the sender: tests
    # would otherwise wait out the 20-a-minute group limit (the limiter has its own tests).
    unlimited = SendLimiter(overall_per_second=10_000, private_per_second=10_000, private_burst=10_000,
                            group_per_minute=1_000_000)
    pipeline = pipeline_for(application, poll_timeout=1, poll_interval=0.2, retry_delays=(0.05, 0.1), limiter=unlimited)
    try:
        async with application:
            await application.start()
            await pipeline.start()
            try:
                yield application
            finally:
                await pipeline.stop()
                await application.stop()
    finally:
        await engine.dispose()


@pytest.fixture
def start_bot(sandbox: SandboxServer, bot_token: str):
    """`async with start_bot(database_url) as app:` — for tests that restart the bot themselves."""
    return lambda database_url: running_bot(sandbox, bot_token, database_url)


@pytest.fixture
async def bot_app(sandbox: SandboxServer, bot_token: str, tmp_path) -> AsyncIterator[AftersalesApplication]:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'e2e.sqlite3'}"
    await upgrade(database_url)
    async with running_bot(sandbox, bot_token, database_url) as application:
        yield application
    assert sandbox.violations == [], sandbox.violations


@pytest.fixture
async def chat(sandbox: SandboxServer, bot_app: AftersalesApplication) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox.url) as client:
        yield client
