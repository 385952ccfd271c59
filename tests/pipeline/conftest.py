"""Pipeline test harness: the project's Application against the sandbox, with the durable update path.

``bot_factory`` builds the app with ``build_application`` plus test handlers
(added in group -1, ahead of the project's own) and runs poller, runner and
sender on the test database; ``stop()`` and ``start()`` again is a restart.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import build_application
from bot.context import AftersalesApplication, Deps
from bot.pipeline.ratelimit import SendLimiter
from bot.pipeline.service import UpdatePipeline, pipeline_for
from bot.rendering import default_renderer
from bot.settings import load_settings
from domain.clock import FakeClock
from domain.models import InboxUpdate, OutboxMessage
from domain.storage.uow import UnitOfWorkFactory
from sandbox.client import Person, SandboxClient
from sandbox.server import SandboxServer


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> SandboxServer:
    return sandbox_server


@pytest.fixture
async def client(sandbox: SandboxServer) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox.url) as sandbox_client:
        yield sandbox_client


class RunningBot:
    """One bot process's worth of application + pipeline; start/stop as often as a test likes."""

    def __init__(self, make: Callable[[], tuple[AftersalesApplication, UpdatePipeline]]) -> None:
        self._make = make
        self.application: AftersalesApplication | None = None
        self.pipeline: UpdatePipeline | None = None

    async def start(self) -> None:
        self.application, self.pipeline = self._make()
        await self.application.initialize()
        await self.application.start()
        await self.pipeline.start()

    async def stop(self) -> None:
        if self.application is None or self.pipeline is None:
            return
        await self.pipeline.stop()
        await self.application.stop()
        await self.application.shutdown()
        self.application = self.pipeline = None


@pytest.fixture
async def bot_factory(
    sandbox: SandboxServer, bot_token: str, uow_factory: UnitOfWorkFactory, database_url: str
) -> AsyncIterator[Callable[..., RunningBot]]:
    settings = load_settings(
        telegram_bot_token=bot_token,
        telegram_api_url=sandbox.bot_api_base_url,
        database_url=database_url,
        _env_file=None,
    )
    clock = FakeClock(datetime(2026, 11, 22, 12, tzinfo=UTC))
    bots: list[RunningBot] = []

    def factory(handlers: Sequence[Any] = (), **pipeline_options: Any) -> RunningBot:
        pipeline_options.setdefault("poll_timeout", 1)
        pipeline_options.setdefault("poll_interval", 0.1)
        pipeline_options.setdefault("retry_delays", (0.05, 0.1))
        # Generous limits: these tests are about order and durability, not Telegram's pace.
        pipeline_options.setdefault("limiter", SendLimiter(private_per_second=1000, private_burst=1000))

        def make() -> tuple[AftersalesApplication, UpdatePipeline]:
            application = build_application(
                Deps(settings=settings, clock=clock, renderer=default_renderer(), uow_factory=uow_factory)
            )
            for handler in handlers:
                application.add_handler(handler, group=-1)
            return application, pipeline_for(application, **pipeline_options)

        bot = RunningBot(make)
        bots.append(bot)
        return bot

    try:
        yield factory
    finally:
        for bot in bots:
            await bot.stop()


class Probe:
    """Reads what happened: the bot's messages as a person sees them, and the pipeline's tables."""

    def __init__(self, client: SandboxClient, uow_factory: UnitOfWorkFactory) -> None:
        self.client = client
        self.uow_factory = uow_factory

    async def texts(self, person: Person) -> list[str]:
        """Every message the bot sent in its private chat with ``person``, oldest first."""
        messages = await self.client.call("GET", f"/people/{person.id}/chats/{person.default_chat}/messages")
        return [m["text"] for m in messages if m["from"]["is_bot"]]

    async def inbox(self) -> list[InboxUpdate]:
        async with self.uow_factory() as uow:
            return list((await uow.session.scalars(select(InboxUpdate).order_by(InboxUpdate.update_id))).all())

    async def outbox(self) -> list[OutboxMessage]:
        async with self.uow_factory() as uow:
            return list((await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


@pytest.fixture
def probe(client: SandboxClient, uow_factory: UnitOfWorkFactory) -> Probe:
    return Probe(client, uow_factory)


async def eventually(check: Callable[[], Awaitable[bool]], *, timeout: float = 10, what: str = "condition") -> None:
    """Poll ``check`` until it holds; fail the test after ``timeout`` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)


@pytest.fixture
def wait_until() -> Callable[..., Awaitable[None]]:
    return eventually
