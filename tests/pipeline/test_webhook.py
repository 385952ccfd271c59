"""Webhook mode: Telegram delivers to our aiohttp server, which stores before it answers."""

from __future__ import annotations

import socket

import aiohttp
from telegram.ext import ApplicationHandlerStop, MessageHandler, filters

from bot.pipeline.webhook import SECRET_HEADER, WebhookConfig

SECRET = "s3cret_-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def echo_through_outbox(update, context) -> None:
    await context.outbox.send_message(update.effective_chat.id, f"got: {update.message.text}")
    raise ApplicationHandlerStop


def webhook_config() -> WebhookConfig:
    port = free_port()
    # Plain http on loopback: the self-hosted Bot API server's allowance, which the sandbox makes too.
    return WebhookConfig(url=f"http://127.0.0.1:{port}/telegram", secret=SECRET, listen="127.0.0.1", port=port)


async def test_updates_arrive_by_webhook_are_stored_and_answered(bot_factory, client, probe, sandbox, bot_token):
    config = webhook_config()
    bot = bot_factory([MessageHandler(filters.TEXT, echo_through_outbox)], webhook=config)
    await bot.start()
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{sandbox.bot_api_base_url}{bot_token}/getWebhookInfo") as response:
            info = (await response.json())["result"]
    assert info["url"] == config.url

    buyer = await client.user("Wanda")
    for n in range(5):
        await buyer.send(f"hello {n}")
    for n in range(5):
        await buyer.expect(contains=f"got: hello {n}")
    inbox = await probe.inbox()
    assert [row.status for row in inbox] == ["done"] * 5


async def test_a_wrong_or_missing_secret_gets_403_and_nothing_is_stored(bot_factory, probe):
    config = webhook_config()
    bot = bot_factory(webhook=config)
    await bot.start()
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 5, "type": "private"},
            "from": {"id": 5, "is_bot": False, "first_name": "X"},
            "text": "hi",
        },
    }
    async with aiohttp.ClientSession() as http:
        for headers in ({SECRET_HEADER: "guess"}, {}):
            async with http.post(config.url, json=update, headers=headers) as response:
                assert response.status == 403
                assert (await response.json())["ok"] is False
        async with http.post(config.url, data=b"{not json", headers={SECRET_HEADER: SECRET}) as response:
            assert response.status == 400
    assert await probe.inbox() == []


async def test_polling_again_removes_the_webhook(bot_factory, client, sandbox, bot_token):
    webhook_bot = bot_factory(webhook=webhook_config())
    await webhook_bot.start()
    await webhook_bot.stop()
    polling = bot_factory([MessageHandler(filters.TEXT, echo_through_outbox)])
    await polling.start()
    buyer = await client.user("Paula")
    await buyer.send("still there?")
    await buyer.expect(contains="got: still there?")
