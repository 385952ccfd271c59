"""Strict mode: wrong requests are refused or recorded as violations, and shown at /control/violations."""

from __future__ import annotations

from sandbox.server import SandboxServer


async def test_unknown_parameter_is_recorded(api, server: SandboxServer, sandbox) -> None:
    buyer = await sandbox.user("Alice")
    await buyer.send("/start")
    await api.ok("sendMessage", chat_id=buyer.id, text="hi", colour="red")
    assert server.violations == [
        {
            "source": "bot",
            "method": "sendMessage",
            "detail": "sendMessage: unknown parameter 'colour' (Telegram ignores it)",
        }
    ]
    assert await sandbox.violations() == server.violations
    assert await sandbox.call("DELETE", "/violations") == []
    assert server.violations == []


async def test_65_byte_callback_data_is_refused(api, sandbox) -> None:
    buyer = await sandbox.user("Alice")
    await buyer.send("/start")
    markup = {"inline_keyboard": [[{"text": "x", "callback_data": "é" * 32 + "x"}]]}  # 65 bytes
    status, body = await api("sendMessage", chat_id=buyer.id, text="menu", reply_markup=markup)
    assert (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")


async def test_unescaped_angle_bracket_is_refused(api, sandbox) -> None:
    buyer = await sandbox.user("Alice")
    await buyer.send("/start")
    status, body = await api("sendMessage", chat_id=buyer.id, text="price < 5", parse_mode="HTML")
    assert status == 400
    assert body["description"].startswith("Bad Request: can't parse entities: ")


async def test_sandbox_results_are_checked(server: SandboxServer, bot, api, sandbox) -> None:
    """A sandbox bug in a result shape is recorded with source "sandbox" (here: forced by breaking the bot)."""
    buyer = await sandbox.user("Alice")
    await buyer.send("/start")
    bot.first_name = 42  # User.first_name must be a String
    await api("sendMessage", chat_id=buyer.id, text="hi")
    assert [v["source"] for v in server.violations] and {v["source"] for v in server.violations} == {"sandbox"}
    server.violations.clear()
