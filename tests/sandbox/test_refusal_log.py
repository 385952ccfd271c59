"""What the sandbox keeps of refusals: every Bot API call it answered ok=false, and how often each press was answered."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from sandbox.client import SandboxClient
from sandbox.server import SandboxServer
from sandbox.world import Bot
from tests.conftest import ExpectedRefusals

KEYBOARD = {"inline_keyboard": [[{"text": "Orders", "callback_data": "orders"}]]}
TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


async def test_every_refused_call_is_logged_until_cleared(
    api, http, server: SandboxServer, bot: Bot, sandbox: SandboxClient
) -> None:
    await api.ok("getMe")  # answered ok: not a refusal
    status, _ = await api("sendmessage", chat_id=12345, text="hi")  # method names match case-insensitively
    assert status == 400
    async with http.post(f"{server.bot_api_base_url}{bot.id}:wrong-secret/getMe") as response:
        assert response.status == 401
    async with http.get(f"{server.bot_file_base_url}{bot.token}/photos/none.jpg") as response:
        assert response.status == 404

    refusals = await sandbox.refusals()
    assert [(r["method"], r["error_code"], r["description"], r["bot_id"], r["chat_id"]) for r in refusals] == [
        ("sendMessage", 400, "Bad Request: chat not found", bot.id, 12345),
        ("getMe", 401, "Unauthorized", None, None),
        ("file download", 404, "Not Found", bot.id, None),
    ]
    assert refusals[0]["at"] <= refusals[1]["at"] <= refusals[2]["at"]
    await sandbox.clear_refusals()
    assert await sandbox.refusals() == [] and server.refusals == []


async def test_each_press_counts_its_answers_and_a_second_is_refused(api, bot: Bot, sandbox: SandboxClient) -> None:
    buyer = await sandbox.user("Alice")
    await buyer.send("/start")
    await api.ok("sendMessage", chat_id=buyer.id, text="Menu", reply_markup=KEYBOARD)
    menu = await buyer.expect(contains="Menu")
    assert await menu.press("Orders", wait=0.1) is None  # the bot has not answered yet
    query = await api.next_update("callback_query")
    assert (await sandbox.callback_queries(buyer))[0]["answer_calls"] == 0

    await api.ok("answerCallbackQuery", callback_query_id=query["id"], text="Your orders")
    status, body = await api("answerCallbackQuery", callback_query_id=query["id"], text="Your orders")
    assert (status, body["description"]) == (400, TOO_OLD)  # Telegram takes one answer per press

    assert await sandbox.callback_queries(buyer) == [
        {
            "callback_query_id": query["id"],
            "person_id": buyer.id,
            "chat_id": bot.id,
            "message_id": menu.message_id,
            "data": "orders",
            "answer_calls": 2,
            "answer": {"text": "Your orders", "show_alert": False, "url": None},
        }
    ]
    assert [(r["method"], r["description"]) for r in await sandbox.refusals()] == [("answerCallbackQuery", TOO_OLD)]
    other = await sandbox.user("Bob")
    assert await sandbox.callback_queries(other) == []


async def test_a_test_that_expects_a_refusal_is_held_to_it(api, expect_refusals) -> None:
    expect_refusals("sendMessage", "chat not found")  # also turns the check on here, in the sandbox's own tests
    status, _ = await api("sendMessage", chat_id=1, text="hi")
    assert status == 400


def _server(refusals: list[tuple[str, str]], answer_calls: list[int] = ()) -> SimpleNamespace:
    logged = [{"method": m, "error_code": 400, "description": d} for m, d in refusals]
    callbacks = {str(n): SimpleNamespace(data=f"b:{n}", answer_calls=calls) for n, calls in enumerate(answer_calls)}
    return SimpleNamespace(refusals=logged, world=SimpleNamespace(callbacks=callbacks))


@pytest.mark.parametrize(
    ("expected", "refusals", "answer_calls", "problems"),
    [
        ([], [], [1, 1], []),
        (
            [],
            [("answerCallbackQuery", TOO_OLD)],
            [2],
            [
                f"unexpected refusal: answerCallbackQuery 400 {TOO_OLD!r}",
                "the press of 'b:0' was answered 2 times",
            ],
        ),
        ([], [], [0], ["the press of 'b:0' was answered 0 times"]),
        ([("copyMessage", "blocked", 1)], [("copyMessage", "Forbidden: bot was blocked by the user")], [], []),
        ([("copyMessage", "blocked", 1)], [], [], ["expected 1 refused copyMessage ('blocked'), got 0"]),
        (
            [("copyMessage", "blocked", 1)],
            [("copyMessage", "Forbidden: bot was blocked by the user")] * 2,
            [],
            [
                "expected 1 refused copyMessage ('blocked'), got 2",
            ],
        ),
    ],
)
def test_what_a_checked_test_did_not_expect_is_a_problem(expected, refusals, answer_calls, problems) -> None:
    policy = ExpectedRefusals(checked=True)
    for method, description, times in expected:
        policy(method, description, times)
    assert policy.problems(_server(refusals, answer_calls)) == problems
    assert ExpectedRefusals(checked=False).problems(_server(refusals, answer_calls)) == []
