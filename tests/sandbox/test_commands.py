"""Command menus: one list per scope and language, Telegram's refusals, and what a client shows."""

from __future__ import annotations

import aiohttp

from sandbox.checker import check_request
from sandbox.errors import ApiError
from sandbox.server import SandboxServer
from sandbox.world import Bot, Chat
from sandbox.world.commands import shown_commands

ORDERS = [{"command": "orders", "description": "Your orders"}]
ORDERS_ZH = [{"command": "orders", "description": "我的订单"}]
QUEUE = [{"command": "queue", "description": "Open tickets"}]


def refusal(method: str, params: dict) -> str:
    try:
        check_request(method, params)
    except ApiError as error:
        return error.description
    raise AssertionError(f"{method} {params} was accepted")


def test_scope_is_read_as_telegram_reads_it():
    ok = check_request("getMyCommands", {"scope": '{"type": "chat_member", "chat_id": -100, "user_id": "7"}'})
    assert ok.params["scope"] == {"type": "chat_member", "chat_id": "-100", "user_id": 7}
    # Telegram reads "7"; the reference says Integer.
    assert ok.violations == ["scope.user_id: expected Integer, got String"]
    assert check_request("deleteMyCommands", {}).params["scope"] == {"type": "default"}
    prefix = "Bad Request: can't parse BotCommandScope: "
    assert refusal("getMyCommands", {"scope": {"type": "chat"}}) == prefix + 'Can\'t find field "chat_id"'
    assert refusal("setMyCommands", {"commands": ORDERS, "scope": {"type": "chat_member", "chat_id": 1}}) == (
        prefix + 'Can\'t find field "user_id"'
    )
    assert refusal("deleteMyCommands", {"scope": {"type": "everyone"}}) == prefix + "Unsupported type specified"
    assert refusal("getMyCommands", {"scope": {}}) == prefix + 'Can\'t find field "type"'
    assert refusal("getMyCommands", {"scope": [1]}) == prefix + "BotCommandScope must be an Object"
    assert refusal("getMyCommands", {"scope": {"type": "chat", "chat_id": ""}}) == prefix + "Empty chat_id specified"
    assert refusal("getMyCommands", {"scope": {"type": "chat_member", "chat_id": 1, "user_id": 0}}) == (
        prefix + "Invalid user_id specified"
    )
    assert refusal("setMyCommands", {"commands": [{"command": "c", "description": "x"}] * 101}) == (
        "Bad Request: BOT_COMMANDS_TOO_MUCH"
    )


async def test_each_scope_and_language_keeps_its_own_list(api, server: SandboxServer, bot: Bot, sandbox):
    alice = await sandbox.user("Alice")
    await api.ok("setMyCommands", commands=ORDERS, scope={"type": "all_private_chats"})
    await api.ok("setMyCommands", commands=ORDERS_ZH, scope={"type": "all_private_chats"}, language_code="zh")
    await api.ok("setMyCommands", commands=QUEUE, scope={"type": "all_group_chats"})
    assert await api.ok("getMyCommands", scope={"type": "all_private_chats"}) == ORDERS
    assert await api.ok("getMyCommands", scope={"type": "all_private_chats"}, language_code="zh") == ORDERS_ZH
    assert await api.ok("getMyCommands", scope={"type": "all_group_chats"}) == QUEUE
    # No fallback: a pair nobody set is empty, even when a wider scope or no language has a list.
    assert await api.ok("getMyCommands") == []
    assert await api.ok("getMyCommands", scope={"type": "all_group_chats"}, language_code="zh") == []
    assert await api.ok("getMyCommands", scope={"type": "chat", "chat_id": alice.id}) == []

    assert await api.ok("deleteMyCommands", scope={"type": "all_private_chats"}, language_code="zh")
    assert await api.ok("getMyCommands", scope={"type": "all_private_chats"}, language_code="zh") == []
    assert await api.ok("getMyCommands", scope={"type": "all_private_chats"}) == ORDERS
    assert await api.ok("setMyCommands", commands=[], scope={"type": "all_group_chats"})  # empty: deleted
    assert await api.ok("getMyCommands", scope={"type": "all_group_chats"}) == []
    assert server.violations == []


async def test_a_scopes_chat_and_language_are_checked(api, bot: Bot, sandbox):
    alice = await sandbox.user("Alice")
    group = await sandbox.group("Support", [alice])

    def bad(description: str) -> tuple[int, dict]:
        return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"}

    assert await api("getMyCommands", scope={"type": "chat", "chat_id": 12345}) == bad("chat not found")
    assert await api("getMyCommands", scope={"type": "chat_administrators", "chat_id": alice.id}) == bad(
        "can't use specified scope in private chats"
    )
    assert await api("setMyCommands", commands=ORDERS, language_code="english") == bad(
        "invalid language code specified"
    )
    await api.ok("setMyCommands", commands=QUEUE, scope={"type": "chat_member", "chat_id": group, "user_id": alice.id})
    assert await api.ok("getMyCommands", scope={"type": "chat_member", "chat_id": str(group), "user_id": alice.id}) == (
        QUEUE
    )


def test_a_client_shows_the_narrowest_scope_in_its_language_first(server: SandboxServer, bot: Bot):
    world = server.world
    alice = world.add_person("Alice", language_code="zh-hans")
    bob = world.add_person("Bob", language_code="en")
    group = world.add_group("Support", member_ids=[alice.id, bob.id], admin_bot_ids=[bot.id])
    private = Chat(kind="private", person_id=alice.id, bot_id=bot.id)
    default = [{"command": "start", "description": "Start"}]

    assert shown_commands(bot, private, alice) == []
    bot.commands[("default", None, None, "")] = default
    assert shown_commands(bot, private, alice) == default
    assert shown_commands(bot, group, alice) == default
    bot.commands[("all_private_chats", None, None, "")] = ORDERS
    assert shown_commands(bot, private, alice) == ORDERS
    bot.commands[("all_private_chats", None, None, "zh")] = ORDERS_ZH
    assert shown_commands(bot, private, alice) == ORDERS_ZH
    assert shown_commands(bot, Chat(kind="private", person_id=bob.id, bot_id=bot.id), bob) == ORDERS
    bot.commands[("chat", alice.id, None, "")] = QUEUE
    assert shown_commands(bot, private, alice) == QUEUE  # a chat scope wins over its language

    assert shown_commands(bot, group, alice) == default
    bot.commands[("all_chat_administrators", None, None, "")] = [{"command": "ban", "description": "Ban"}]
    assert shown_commands(bot, group, alice) == default
    assert shown_commands(bot, group, alice, is_admin=True) == [{"command": "ban", "description": "Ban"}]
    bot.commands[("all_group_chats", None, None, "")] = QUEUE
    assert shown_commands(bot, group, alice) == QUEUE
    bot.commands[("chat_member", group.id, bob.id, "en")] = ORDERS
    assert shown_commands(bot, group, bob) == ORDERS
    assert shown_commands(bot, group, alice) == QUEUE


async def test_the_web_chat_offers_the_menu_for_the_person_and_chat(api, server: SandboxServer, bot: Bot, sandbox):
    alice = await sandbox.user("Alice", lang="zh-hans")
    group = await sandbox.group("Support", [alice])
    await api.ok("setMyCommands", commands=ORDERS, scope={"type": "all_private_chats"})
    await api.ok("setMyCommands", commands=ORDERS_ZH, scope={"type": "all_private_chats"}, language_code="zh")
    await api.ok("setMyCommands", commands=QUEUE, scope={"type": "all_group_chats"})
    route = f"{server.url}/webchat/bots/{bot.id}/commands"
    async with aiohttp.ClientSession() as http:
        private = await (await http.get(route, params={"person_id": alice.id, "chat_id": bot.id})).json()
        in_group = await (await http.get(route, params={"person_id": alice.id, "chat_id": group})).json()
        no_one = await (await http.get(route)).json()
        stranger = await http.get(route, params={"person_id": 1, "chat_id": bot.id})
    assert private == {"ok": True, "result": ORDERS_ZH}
    assert in_group == {"ok": True, "result": QUEUE}
    assert no_one == {"ok": True, "result": []}  # no default list was set
    assert stranger.status == 404
    assert server.world.private_chat(alice.id, bot.id) is None  # looking opened no chat
