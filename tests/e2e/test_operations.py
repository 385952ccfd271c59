"""The operator's endpoints on the running bot: a buyer's update shows in /metrics, Telegram's answer in /readyz."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from bot.pipeline.ops import OpsServer


async def test_a_buyers_start_is_counted_and_the_bot_is_ready(chat, bot_app):
    buyer = await chat.user("Alice", lang="en")
    await buyer.send("/start")
    await buyer.expect(contains="Hello, Alice")
    deps = bot_app.deps
    server = OpsServer(bot_app.bot, deps.uow_factory, deps.clock, bot_app.metrics, listen="127.0.0.1", port=0)
    async with TestClient(TestServer(server.build_app())) as client:
        ready = await client.get("/readyz")
        assert (ready.status, (await ready.json())["ok"]) == (200, True)  # the sandbox answered getMe
        lines = set((await (await client.get("/metrics")).text()).splitlines())
    assert 'aftersales_updates_total{outcome="handled",type="message"} 1.0' in lines
    assert 'aftersales_sends_total{method="sendMessage",result="ok"} 1.0' in lines  # the greeting, once
    assert 'aftersales_backlog{queue="outbox"} 0.0' in lines
    assert 'aftersales_backlog{queue="inbox"} 0.0' in lines
