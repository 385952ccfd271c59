"""End-to-end harness: the real bot Application against the sandbox over HTTP.

The sandbox runs on a free port in the test's event loop; the bot is built by
the project's own factory and talks to it with python-telegram-bot's own HTTP
client (only ``base_url`` differs from production). Every test ends by
asserting that neither the bot nor the sandbox broke the Bot API reference.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import pytest

from bot.app import build_application
from bot.context import AftersalesApplication, Deps
from bot.rendering import default_renderer
from bot.settings import load_settings
from domain.clock import FakeClock
from sandbox.client import SandboxClient
from sandbox.server import SandboxServer


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    server = SandboxServer(host="127.0.0.1", port=0, strict=True)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def bot_token(sandbox: SandboxServer) -> str:
    token = f"{secrets.randbelow(10**9) + 10**9}:{secrets.token_urlsafe(24)}"
    sandbox.world.add_bot(token=token, username="aftersales_test_bot", first_name="Aftersales")
    return token


@pytest.fixture
async def bot_app(sandbox: SandboxServer, bot_token: str, tmp_path) -> AsyncIterator[AftersalesApplication]:
    settings = load_settings(
        telegram_bot_token=bot_token,
        telegram_api_url=sandbox.bot_api_base_url,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'e2e.sqlite3'}",
        _env_file=None,
    )
    clock = FakeClock(start=__import__("datetime").datetime(2026, 11, 22, 12, tzinfo=__import__("datetime").timezone.utc))
    application = build_application(Deps(settings=settings, clock=clock, renderer=default_renderer()))
    async with application:
        await application.start()
        await application.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
    assert sandbox.violations == [], sandbox.violations


@pytest.fixture
async def chat(sandbox: SandboxServer, bot_app: AftersalesApplication) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox.url) as client:
        yield client
