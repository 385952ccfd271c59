"""A running sandbox per test, a bot in it, and raw and python-telegram-bot clients of its Bot API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import telegram

from sandbox.client import SandboxClient
from sandbox.server import SandboxServer
from sandbox.world import Bot

TOKEN = "7000000001:AAH-sandbox-test-token"


@pytest.fixture
def server(sandbox_server: SandboxServer) -> SandboxServer:
    return sandbox_server


@pytest.fixture
def bot(server: SandboxServer) -> Bot:
    return server.world.add_bot(token=TOKEN, username="aftersales_test_bot", first_name="Aftersales")


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


class RawApi:
    """Calls the Bot API as bare HTTP, returning (status, JSON body)."""

    def __init__(self, session: aiohttp.ClientSession, server: SandboxServer, token: str) -> None:
        self.session, self.server, self.token = session, server, token
        self.offset = 0

    async def __call__(self, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        url = f"{self.server.bot_api_base_url}{self.token}/{method}"
        async with self.session.post(url, json=params) as response:
            return response.status, await response.json()

    async def next_update(self, kind: str, timeout: float = 5) -> dict[str, Any]:
        """The first pending update carrying `kind` ("message", "callback_query"...); confirms all before it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            updates = await self.ok("getUpdates", offset=self.offset, timeout=max(int(deadline - loop.time()), 1))
            for update in updates:
                self.offset = update["update_id"] + 1
                if kind in update:
                    return update[kind]
        raise AssertionError(f"no {kind} update within {timeout}s")

    async def ok(self, method: str, **params: Any) -> Any:
        status, body = await self(method, **params)
        assert status == 200 and body["ok"], body
        return body["result"]


@pytest.fixture
def api(http: aiohttp.ClientSession, server: SandboxServer, bot: Bot) -> RawApi:
    return RawApi(http, server, bot.token)


@pytest.fixture
async def ptb(server: SandboxServer, bot: Bot) -> AsyncIterator[telegram.Bot]:
    client = telegram.Bot(bot.token, base_url=server.bot_api_base_url, base_file_url=server.bot_file_base_url)
    async with client:
        yield client


@pytest.fixture
async def sandbox(server: SandboxServer, bot: Bot) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(server.url) as client:
        yield client
