"""The control API as the web chat and the load generator use it: objects, errors, events."""

from __future__ import annotations

import asyncio
import json

import aiohttp

from sandbox.server import SandboxServer
from sandbox.world import Bot


async def control(
    http: aiohttp.ClientSession, server: SandboxServer, method: str, path: str, **kwargs
) -> tuple[int, dict]:
    async with http.request(method, f"{server.url}/control{path}", **kwargs) as response:
        return response.status, await response.json()


async def test_people_bots_and_groups(http, server: SandboxServer, bot: Bot) -> None:
    status, body = await control(
        http, server, "POST", "/people", json={"first_name": "Alice", "label": "Buyer · Alice"}
    )
    assert status == 200
    alice = body["result"]
    assert alice == {
        "id": alice["id"],
        "first_name": "Alice",
        "language_code": "en",
        "label": "Buyer · Alice",
        "blocked_bot_ids": [],
    }
    assert (await control(http, server, "GET", "/bots"))[1]["result"] == [
        {"id": bot.id, "username": "aftersales_test_bot", "first_name": "Aftersales"}
    ]
    status, body = await control(
        http,
        server,
        "POST",
        "/groups",
        json={"title": "Support", "member_ids": [alice["id"]], "admin_bot_ids": [bot.id]},
    )
    group = body["result"]
    assert group == {
        "id": group["id"],
        "title": "Support",
        "type": "supergroup",
        "is_forum": True,
        "member_ids": [alice["id"]],
        "bot_ids": [bot.id],
    }
    assert str(group["id"]).startswith("-100")


async def test_bad_requests_are_one_line_4xx(http, server: SandboxServer, bot: Bot) -> None:
    assert await control(http, server, "GET", "/people/1/chats") == (400, {"ok": False, "error": "no person with id 1"})
    status, body = await control(http, server, "POST", "/people", json={})
    assert (status, body["error"]) == (400, "missing field 'first_name'")
    status, body = await control(http, server, "POST", "/people", data="not json")
    assert (status, body["error"]) == (400, "the body must be a JSON object")
    _, person = await control(http, server, "POST", "/people", json={"first_name": "A"})
    pid = person["result"]["id"]
    status, body = await control(http, server, "POST", f"/people/{pid}/messages", json={"chat_id": -5, "text": "x"})
    assert (status, body["error"]) == (400, "no chat with id -5")
    status, body = await control(http, server, "POST", f"/people/{pid}/messages", json={"chat_id": bot.id, "text": " "})
    assert status == 400
    assert (await control(http, server, "GET", "/files/nope"))[0] == 404


async def test_messages_chats_and_long_poll(http, server: SandboxServer, bot: Bot, api) -> None:
    _, person = await control(http, server, "POST", "/people", json={"first_name": "A"})
    pid = person["result"]["id"]
    poll = asyncio.create_task(control(http, server, "GET", f"/people/{pid}/events", params={"after": 0, "timeout": 5}))
    await asyncio.sleep(0.1)
    _, sent = await control(http, server, "POST", f"/people/{pid}/messages", json={"chat_id": bot.id, "text": "/start"})
    view = sent["result"]
    assert view["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert view["chat_id"] == bot.id and view["from"]["is_bot"] is False and "/start" in view["html"]
    _, events = await poll
    assert [e["type"] for e in events["result"]["events"]] == ["message"] and events["result"]["last_seq"] == 1

    await api.ok("sendMessage", chat_id=pid, text="<b>Hi</b>", parse_mode="HTML")
    _, listed = await control(http, server, "GET", f"/people/{pid}/chats/{bot.id}/messages", params={"after_id": 1})
    assert [m["html"] for m in listed["result"]] == ["<b>Hi</b>"]
    _, chats = await control(http, server, "GET", f"/people/{pid}/chats")
    assert chats["result"][0]["title"] == "Aftersales" and chats["result"][0]["last_message"]["text"] == "Hi"


async def test_websocket_pushes_events(http, server: SandboxServer, bot: Bot, api) -> None:
    _, person = await control(http, server, "POST", "/people", json={"first_name": "A"})
    pid = person["result"]["id"]
    async with http.ws_connect(f"{server.url}/control/people/{pid}/ws") as socket:
        await control(http, server, "POST", f"/people/{pid}/messages", json={"chat_id": bot.id, "text": "hi"})
        await api.ok("sendMessage", chat_id=pid, text="hello")
        first = json.loads((await socket.receive(timeout=5)).data)
        second = json.loads((await socket.receive(timeout=5)).data)
    assert (first["seq"], first["message"]["text"]) == (1, "hi")
    assert (second["seq"], second["message"]["text"]) == (2, "hello")


async def test_press_by_callback_data_without_answer(http, server: SandboxServer, bot: Bot, api) -> None:
    _, person = await control(http, server, "POST", "/people", json={"first_name": "A"})
    pid = person["result"]["id"]
    await control(http, server, "POST", f"/people/{pid}/messages", json={"chat_id": bot.id, "text": "hi"})
    sent = await api.ok(
        "sendMessage",
        chat_id=pid,
        text="menu",
        reply_markup={"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
    )
    body = {"chat_id": bot.id, "message_id": sent["message_id"], "callback_data": "a", "wait": 0.1}
    status, pressed = await control(http, server, "POST", f"/people/{pid}/press", json=body)
    assert status == 200 and pressed["result"]["answer"] is None
    query = await api.next_update("callback_query")
    assert query["id"] == pressed["result"]["callback_query_id"]
    status, body = await control(http, server, "POST", f"/people/{pid}/press", json={**body, "callback_data": "zz"})
    assert (status, body["error"]) == (400, "no button with callback_data 'zz'")
