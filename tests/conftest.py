"""Shared fixtures: one database per test, on SQLite and (when configured)
PostgreSQL, and a strict sandbox (the local Telegram) per test.

The sandbox fails a test that broke the Bot API reference. Where a test runs
the bot (refusals_checked: on for tests/e2e), it also fails on any call
Telegram would have refused that the test did not declare with
`expect_refusals(method, description)`, and on any button press not answered
exactly once.

`fresh_database_url` is an empty database; `database_url` is the same one
migrated to the newest schema. PostgreSQL runs only when
AFTERSALES_TEST_POSTGRES_URL names a server, e.g.
postgresql+asyncpg://postgres@127.0.0.1:5432/test; each test gets its own
database there, created with a random name and dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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
CLOCK_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


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


BODY_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    if report.when == "call" and report.failed:
        item.stash[BODY_FAILED] = True
    return report


@pytest.fixture
def body_failed(request: pytest.FixtureRequest) -> Callable[[], bool]:
    """Whether the test itself failed: a teardown check then would only repeat the failure."""
    return lambda: request.node.stash.get(BODY_FAILED, False)


@dataclass
class ExpectedRefusals:
    """The refused Bot API calls a test says the bot will meet; checked against the sandbox at the end.

    `expect_refusals("copyMessage", "bot was blocked by the user")` expects one
    such refusal (`times=` for more); a description matches by substring.
    """

    checked: bool
    expected: list[tuple[str, str, int]] = field(default_factory=list)

    def __call__(self, method: str, description: str, times: int = 1) -> None:
        self.checked = True
        self.expected.append((method, description, times))

    def problems(self, server: SandboxServer) -> list[str]:
        if not self.checked:
            return []
        left = list(server.refusals)
        problems = []
        for method, description, times in self.expected:
            matching = [r for r in left if r["method"] == method and description in r["description"]]
            if len(matching) != times:
                problems.append(f"expected {times} refused {method} ({description!r}), got {len(matching)}")
            left = [r for r in left if not any(r is m for m in matching)]
        problems += [f"unexpected refusal: {r['method']} {r['error_code']} {r['description']!r}" for r in left]
        for query in server.world.callbacks.values():
            if query.answer_calls != 1:
                problems.append(f"the press of {query.data!r} was answered {query.answer_calls} times")
        return problems


@pytest.fixture
def refusals_checked() -> bool:
    """Whether any refusal the test did not expect fails it (tests of the sandbox itself provoke them freely)."""
    return False


@pytest.fixture
def expect_refusals(refusals_checked: bool) -> ExpectedRefusals:
    return ExpectedRefusals(checked=refusals_checked)


@pytest.fixture
async def sandbox_server(expect_refusals: ExpectedRefusals) -> AsyncIterator[SandboxServer]:
    """A strict local Bot API on a free port; the test fails if anyone broke the reference."""
    server = SandboxServer(host="127.0.0.1", port=0, strict=True, webhook_retry_delay=0.05)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
    # Tests that provoke violations on purpose clear what they checked.
    assert server.violations == [], server.violations
    # After the stop, so a late second answer or send still counts.
    problems = expect_refusals.problems(server)
    assert not problems, "; ".join(problems)


@pytest.fixture
def bot_token(sandbox_server: SandboxServer) -> str:
    """A bot account in the sandbox; its token is the bot's only credential, as with Telegram."""
    token = f"{secrets.randbelow(10**9) + 10**9}:{secrets.token_urlsafe(24)}"
    sandbox_server.world.add_bot(token=token, username="aftersales_test_bot", first_name="Aftersales")
    return token
