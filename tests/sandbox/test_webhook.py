"""Webhook delivery: the secret header, order, and retries while the receiver fails."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from sandbox.client import SandboxClient


class Receiver:
    """A plain aiohttp webhook receiver that answers 500 to its first `failures` requests."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: list[tuple[str | None, dict]] = []
        self.accepted: list[dict] = []

    async def handle(self, request: web.Request) -> web.Response:
        update = await request.json()
        self.calls.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), update))
        if len(self.calls) <= self.failures:
            return web.Response(status=500)
        self.accepted.append(update)
        return web.Response(text="ok")


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    hook = Receiver(failures=2)
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield hook, f"http://127.0.0.1:{port}/hook"
    await runner.cleanup()


async def _until(condition, timeout: float = 5) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_delivery_with_secret_and_retries(api, sandbox: SandboxClient, receiver) -> None:
    hook, url = receiver
    assert await api.ok("setWebhook", url=url, secret_token="s3cret_token") is True
    buyer = await sandbox.user("Alice")
    await buyer.send("first")
    await buyer.send("second")

    await _until(lambda: len(hook.accepted) == 2)
    # Two failures, then both updates in order; the first one was retried until accepted.
    assert [update["message"]["text"] for update in hook.accepted] == ["first", "second"]
    assert [update["message"]["text"] for _, update in hook.calls] == ["first", "first", "first", "second"]
    assert {secret for secret, _ in hook.calls} == {"s3cret_token"}

    info = await api.ok("getWebhookInfo")
    assert info["url"] == url and info["pending_update_count"] == 0
    assert info["last_error_message"] == "Wrong response from the webhook: 500 Internal Server Error"
    assert isinstance(info["last_error_date"], int)


async def test_pending_count_and_drop_pending_updates(api, sandbox: SandboxClient) -> None:
    # Nothing listens on port 9 (discard): every delivery fails and updates pile up.
    await api.ok("setWebhook", url="http://127.0.0.1:9/hook")
    buyer = await sandbox.user("Alice")
    await buyer.send("one")
    await buyer.send("two")
    info = await api.ok("getWebhookInfo")
    assert info["pending_update_count"] == 2
    await api.ok("deleteWebhook", drop_pending_updates=True)
    assert await api.ok("getWebhookInfo") == {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
    assert await api.ok("getUpdates") == []
