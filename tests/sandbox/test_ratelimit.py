"""Rate-limit mode: past Telegram's pace a send is refused with 429 and retry_after."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
import telegram
from telegram.error import RetryAfter

from sandbox.client import SandboxClient
from sandbox.errors import ApiError
from sandbox.ratelimit import GROUP_PER_MINUTE, PRIVATE_BURST, RateLimiter
from sandbox.server import SandboxServer
from sandbox.world import Chat
from tests.sandbox.conftest import TOKEN, RawApi


@pytest.fixture
async def limited() -> AsyncIterator[SandboxServer]:
    server = SandboxServer(port=0, strict=True, rate_limits=True)
    server.world.add_bot(token=TOKEN, username="limited_bot", first_name="Limited")
    await server.start()
    yield server
    await server.stop()
    assert server.violations == []


async def test_private_chat_burst_then_429(limited: SandboxServer, http: aiohttp.ClientSession) -> None:
    api = RawApi(http, limited, TOKEN)
    async with SandboxClient(limited.url) as sandbox:
        buyer = await sandbox.user("Alice")
        await buyer.send("/start")
    for _ in range(PRIVATE_BURST):
        await api.ok("sendMessage", chat_id=buyer.id, text="ok")
    status, body = await api("sendMessage", chat_id=buyer.id, text="too fast")
    assert status == 429
    assert body["description"] == f"Too Many Requests: retry after {body['parameters']['retry_after']}"
    assert body["parameters"]["retry_after"] >= 1


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # retry_after as int
async def test_group_limit_through_ptb(limited: SandboxServer) -> None:
    group = limited.world.add_group("Support", admin_bot_ids=[int(TOKEN.split(":")[0])])
    async with telegram.Bot(TOKEN, base_url=limited.bot_api_base_url) as bot:
        for _ in range(GROUP_PER_MINUTE):
            await bot.send_message(group.id, "relay")
        with pytest.raises(RetryAfter) as refused:
            await bot.send_message(group.id, "one too many")
    assert refused.value.retry_after >= 1


def test_windows_count_albums_and_recover() -> None:
    now = [0.0]
    limiter = RateLimiter(enabled=True, clock=lambda: now[0])
    group = Chat(kind="supergroup", group_id=-100)
    limiter.check(1, group, count=10)
    limiter.check(1, group, count=10)
    with pytest.raises(ApiError) as refused:
        limiter.check(1, group)
    assert refused.value.status == 429 and refused.value.parameters == {"retry_after": 60}
    now[0] = 60.0
    limiter.check(1, group, count=10)  # the first album has left the minute
