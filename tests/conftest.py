"""Shared fixtures: one database per test, on SQLite and (when configured)
PostgreSQL, and a strict sandbox (the local Telegram) per test.

`fresh_database_url` is an empty database; `database_url` is the same one
migrated to the newest schema. PostgreSQL runs only when
AFTERSALES_TEST_POSTGRES_URL names a server, e.g.
postgresql+asyncpg://postgres@127.0.0.1:5432/test; each test gets its own
database there, created with a random name and dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.clock import FakeClock
from domain.storage.engine import create_engine
from domain.storage.migrate import upgrade
from domain.storage.uow import UnitOfWorkFactory
from sandbox.server import SandboxServer

POSTGRES_ENV = "AFTERSALES_TEST_POSTGRES_URL"
# A Monday, so working-day arithmetic in tests starts from an ordinary week.
CLOCK_START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["sqlite", "postgresql"])
async def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"
        return
    server_url = os.environ.get(POSTGRES_ENV)
    if not server_url:
        pytest.skip(f"{POSTGRES_ENV} not set")
    name = f"aftersales_test_{secrets.token_hex(6)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as connection:
                await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.dispose()


@pytest.fixture
async def database_url(fresh_database_url: str) -> str:
    await upgrade(fresh_database_url)
    return fresh_database_url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def uow_factory(engine: AsyncEngine) -> UnitOfWorkFactory:
    return UnitOfWorkFactory(engine)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(CLOCK_START)


@pytest.fixture
async def sandbox_server() -> AsyncIterator[SandboxServer]:
    """A strict local Bot API on a free port; the test fails if anyone broke the reference."""
    server = SandboxServer(host="127.0.0.1", port=0, strict=True, webhook_retry_delay=0.05)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
    # Tests that provoke violations on purpose clear what they checked.
    assert server.violations == [], server.violations


@pytest.fixture
def bot_token(sandbox_server: SandboxServer) -> str:
    """A bot account in the sandbox; its token is the bot's only credential, as with Telegram."""
    token = f"{secrets.randbelow(10**9) + 10**9}:{secrets.token_urlsafe(24)}"
    sandbox_server.world.add_bot(token=token, username="aftersales_test_bot", first_name="Aftersales")
    return token
