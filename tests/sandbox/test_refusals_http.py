"""Telegram's refusals at the HTTP level: exact status and description."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from sandbox.server import SandboxServer
from sandbox.world import Bot

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


def refusal(status: int, description: str) -> tuple[int, dict]:
    return status, {"ok": False, "error_code": status, "description": description}


@pytest.fixture
async def alice(server: SandboxServer, bot: Bot, sandbox):
    person = await sandbox.user("Alice")
    await person.send("/start")
    return person


async def test_wrong_token_is_unauthorized(http: aiohttp.ClientSession, server: SandboxServer, bot: Bot) -> None:
    async with http.get(f"{server.bot_api_base_url}{bot.id}:wrong/getMe") as response:
        assert (response.status, await response.json()) == refusal(401, "Unauthorized")
    async with http.get(f"{server.bot_api_base_url}not-a-token/getMe") as response:
        assert (response.status, await response.json()) == refusal(401, "Unauthorized: invalid token specified")


async def test_unknown_method_is_not_found(api) -> None:
    assert await api("sendTelepathy", chat_id=1) == refusal(404, "Not Found")


async def test_method_names_are_case_insensitive_and_get_works(http, server, bot) -> None:
    async with http.get(f"{server.bot_api_base_url}{bot.token}/GETME") as response:
        body = await response.json()
    assert body["ok"] and body["result"]["username"] == "aftersales_test_bot"


async def test_form_encoded_body(http, server, bot, alice) -> None:
    url = f"{server.bot_api_base_url}{bot.token}/sendMessage"
    async with http.post(url, data={"chat_id": str(alice.id), "text": "form"}) as response:
        body = await response.json()
    assert body["ok"] and body["result"]["text"] == "form"


async def test_unknown_chat(api) -> None:
    assert await api("sendMessage", chat_id=12345, text="hi") == refusal(400, "Bad Request: chat not found")


async def test_blocked_person(api, alice) -> None:
    await alice.block()
    assert await api("sendMessage", chat_id=alice.id, text="hi") == refusal(
        403, "Forbidden: bot was blocked by the user"
    )


async def test_edit_missing_message(api, alice) -> None:
    assert await api("editMessageText", chat_id=alice.id, message_id=999, text="x") == refusal(
        400, "Bad Request: message to edit not found"
    )


async def test_delete_missing_message(api, alice) -> None:
    assert await api("deleteMessage", chat_id=alice.id, message_id=999) == refusal(
        400, "Bad Request: message to delete not found"
    )


async def test_edit_with_same_content_is_not_modified(api, alice) -> None:
    sent = await api.ok("sendMessage", chat_id=alice.id, text="same")
    assert await api("editMessageText", chat_id=alice.id, message_id=sent["message_id"], text="same") == refusal(
        400, NOT_MODIFIED
    )
    edited = await api.ok("editMessageText", chat_id=alice.id, message_id=sent["message_id"], text="changed")
    assert edited["text"] == "changed" and edited["edit_date"] >= sent["date"]


async def test_callback_query_answered_twice(api, alice) -> None:
    sent = await api.ok(
        "sendMessage",
        chat_id=alice.id,
        text="menu",
        reply_markup={"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]},
    )
    msg = await alice.expect(contains="menu")
    pressing = asyncio.create_task(msg.press("Go", wait=2))
    query = await api.next_update("callback_query")
    assert query["message"]["message_id"] == sent["message_id"]
    assert await api.ok("answerCallbackQuery", callback_query_id=query["id"]) is True
    await pressing
    assert await api("answerCallbackQuery", callback_query_id=query["id"]) == refusal(
        400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )


async def test_callback_query_too_old(api, alice, server) -> None:
    server.world.callback_answer_timeout = 0.05
    await api.ok(
        "sendMessage",
        chat_id=alice.id,
        text="menu",
        reply_markup={"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]},
    )
    msg = await alice.expect(contains="menu")
    await msg.press("Go", wait=0)
    query = await api.next_update("callback_query")
    await asyncio.sleep(0.1)
    assert await api("answerCallbackQuery", callback_query_id=query["id"]) == refusal(
        400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )


async def test_unknown_thread(api, server, bot, alice) -> None:
    group = server.world.add_group("Support", member_ids=[alice.id], admin_bot_ids=[bot.id])
    assert await api("sendMessage", chat_id=group.id, message_thread_id=4242, text="x") == refusal(
        400, "Bad Request: message thread not found"
    )


async def test_bad_webhooks(api) -> None:
    assert await api("setWebhook", url="http://example.com/hook") == refusal(
        400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
    )
    assert await api("setWebhook", url="https://example.com:8080/hook") == refusal(
        400, "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
    )
    assert await api("setWebhook", url="https://example.com/hook", secret_token="not allowed!") == refusal(
        400, "Bad Request: secret token contains unallowed characters"
    )


async def test_get_updates_conflicts_with_webhook(api) -> None:
    assert await api.ok("setWebhook", url="http://127.0.0.1:9/hook") is True
    assert await api("getUpdates") == refusal(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    )
    assert await api.ok("deleteWebhook") is True
    assert await api.ok("getUpdates") == []


async def test_second_long_poll_ends_the_first(api) -> None:
    first = asyncio.create_task(api("getUpdates", timeout=5))
    await asyncio.sleep(0.1)
    second = asyncio.create_task(api("getUpdates", timeout=1))
    assert await first == refusal(
        409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
    )
    assert (await second)[0] == 200


async def test_reply_to_missing_message(api, alice) -> None:
    assert await api("sendMessage", chat_id=alice.id, text="x", reply_parameters={"message_id": 999}) == refusal(
        400, "Bad Request: message to be replied not found"
    )


async def test_file_download_of_unknown_path(http, server, bot) -> None:
    async with http.get(f"{server.bot_file_base_url}{bot.token}/photos/none.jpg") as response:
        assert (response.status, await response.json()) == refusal(404, "Not Found")


async def test_set_webhook_ends_a_long_poll(api) -> None:
    polling = asyncio.create_task(api("getUpdates", timeout=5))
    await asyncio.sleep(0.1)
    await api.ok("setWebhook", url="http://127.0.0.1:9/hook")
    assert await polling == refusal(409, "Conflict: terminated by setWebhook request")
    await api.ok("deleteWebhook")


async def test_bot_cannot_write_first(api, server: SandboxServer) -> None:
    stranger = server.world.add_person("Stranger")
    assert await api("sendMessage", chat_id=stranger.id, text="hi") == refusal(
        403, "Forbidden: bot can't initiate conversation with a user"
    )
    chat = await api.ok("getChat", chat_id=stranger.id)
    assert chat["first_name"] == "Stranger" and chat["type"] == "private"
