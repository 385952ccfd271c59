"""setMessageReaction: what a bot may react with, Telegram's refusals in their order, and who sees the reaction."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import telegram

from sandbox.botapi.reactions import ALLOWED_EMOJI
from sandbox.checker import check_request
from sandbox.errors import ApiError
from sandbox.server import SandboxServer
from sandbox.world import Bot

OFFICIAL_REFERENCE = Path("/work/shared/telegram-bot-api.json")


def emoji(value: str) -> list[dict]:
    return [{"type": "emoji", "emoji": value}]


def refused_early(raw) -> str:
    with pytest.raises(ApiError) as caught:
        check_request("setMessageReaction", raw)
    assert caught.value.status == 400
    return caught.value.description


@pytest.fixture
async def alice(sandbox):
    person = await sandbox.user("Alice", username="alice_buyer")
    await person.send("/start")
    return person


@pytest.fixture
async def group(server: SandboxServer, bot: Bot, sandbox, alice) -> int:
    return await sandbox.group("Support", members=[alice])


async def post_in(api, chat_id: int, text: str = "hello", **params) -> int:
    return (await api.ok("sendMessage", chat_id=chat_id, text=text, **params))["message_id"]


# --- reading the list (Client::get_reaction_types), before anything else -----------------


def test_the_list_is_read_before_the_chat():
    def reaction(value):
        return refused_early({"chat_id": "", "message_id": 1, "reaction": value})

    assert reaction("[") == "Bad Request: can't parse reaction types JSON object"
    assert reaction({"type": "emoji", "emoji": "👍"}) == "Bad Request: expected an Array of ReactionType"
    assert reaction(None) == "Bad Request: expected an Array of ReactionType"  # JSON null is no array
    assert reaction(["👍"]) == "Bad Request: can't parse ReactionType: expected an Object"
    assert reaction([{"emoji": "👍"}]) == "Bad Request: can't parse ReactionType: Can't find field \"type\""
    assert reaction([{"type": "emoji"}]) == "Bad Request: can't parse ReactionType: Can't find field \"emoji\""
    assert reaction([{"type": "emoji", "emoji": ["👍"]}]) == (
        'Bad Request: can\'t parse ReactionType: Field "emoji" must be of type String'
    )
    # Bots cannot use paid reactions: the Bot API does not even read the type.
    assert reaction([{"type": "paid"}]) == "Bad Request: can't parse ReactionType: invalid reaction type specified"
    assert reaction([{"type": "custom_emoji", "custom_emoji_id": "abc"}]) == (
        'Bad Request: can\'t parse ReactionType: Field "custom_emoji_id" must be a valid Number'
    )
    assert reaction([{"type": "custom_emoji", "custom_emoji_id": True}]) == (
        'Bad Request: can\'t parse ReactionType: Field "custom_emoji_id" must be a Number'
    )
    # A good list, then the chat: the Bot API's own check.
    assert reaction(emoji("👍")) == "Bad Request: chat_id is empty"


def test_a_good_list_is_read_as_reaction_types():
    checked = check_request("setMessageReaction", {"chat_id": 1, "message_id": 2, "reaction": json.dumps(emoji("👌"))})
    assert checked.params["reaction"] == emoji("👌")
    assert checked.violations == []
    checked = check_request("setMessageReaction", {"chat_id": 1, "message_id": 2})
    assert checked.params["reaction"] == []
    # Telegram reads past a field it does not know; the reference has none such.
    checked = check_request(
        "setMessageReaction", {"chat_id": 1, "message_id": 2, "reaction": [{**emoji("👌")[0], "big": 1}]}
    )
    assert checked.params["reaction"] == emoji("👌")
    assert checked.violations, "an unknown field of a ReactionType is a strict-mode finding"


def test_the_allowed_emoji_are_the_references():
    if not OFFICIAL_REFERENCE.exists():
        pytest.skip("the official reference is not on this machine")
    types = json.loads(OFFICIAL_REFERENCE.read_text())["types"]
    spec = next(t for t in (types.values() if isinstance(types, dict) else types) if t["name"] == "ReactionTypeEmoji")
    description = next(f for f in spec["fields"] if f["name"] == "emoji")["description"]
    import re

    assert ALLOWED_EMOJI == frozenset(re.findall(r'"([^"]+)"', description))
    assert {"✍", "👌"} <= ALLOWED_EMOJI


# --- the chat, the message, then Telegram's servers ---------------------------------------


async def test_a_missing_chat_or_message(api, alice, group):
    status, body = await api("setMessageReaction", chat_id=-100999, message_id=1, reaction=emoji("👍"))
    assert (status, body["description"]) == (400, "Bad Request: chat not found")
    for message_id in (None, 0, -3, 999):
        params = {"chat_id": group, "reaction": emoji("👍")}
        if message_id is not None:
            params["message_id"] = message_id
        status, body = await api("setMessageReaction", **params)
        assert (status, body["description"]) == (400, "Bad Request: message to react not found"), message_id


async def test_emoji_the_reference_does_not_list(api, group):
    message_id = await post_in(api, group)
    for bad in ("🦊", "❤️", "👌🏻", "✍️"):  # with U+FE0F or a skin tone it is another emoji
        status, body = await api("setMessageReaction", chat_id=group, message_id=message_id, reaction=emoji(bad))
        assert (status, body["description"]) == (400, "Bad Request: REACTION_INVALID"), bad
    status, body = await api("setMessageReaction", chat_id=group, message_id=message_id, reaction=emoji(""))
    assert (status, body["description"]) == (400, "Bad Request: invalid reaction type specified")
    custom = [{"type": "custom_emoji", "custom_emoji_id": "5368324170671202286"}]
    status, body = await api("setMessageReaction", chat_id=group, message_id=message_id, reaction=custom)
    assert (status, body["description"]) == (400, "Bad Request: REACTION_INVALID")


async def test_one_reaction_per_bot(api, group):
    message_id = await post_in(api, group)
    status, body = await api(
        "setMessageReaction", chat_id=group, message_id=message_id, reaction=emoji("👍") + emoji("👌")
    )
    assert (status, body["description"]) == (400, "Bad Request: REACTIONS_TOO_MANY")


async def test_a_topics_opening_line_takes_no_reaction(api, group):
    topic = await api.ok("createForumTopic", chat_id=group, name="Ticket")
    status, body = await api(
        "setMessageReaction", chat_id=group, message_id=topic["message_thread_id"], reaction=emoji("👍")
    )
    assert (status, body["description"]) == (400, "Bad Request: REACTION_INVALID")


async def test_set_replace_remove(server: SandboxServer, bot: Bot, api, alice, group):
    message_id = await post_in(api, group)
    message = server.world.groups[group].messages[message_id]
    assert await api.ok("setMessageReaction", chat_id=group, message_id=message_id, reaction=emoji("✍")) is True
    assert message.reactions == {bot.id: emoji("✍")}
    # A second one replaces the first: a bot has one at a time.
    assert await api.ok("setMessageReaction", chat_id=group, message_id=message_id, reaction=emoji("👌"), is_big=True)
    assert message.reactions == {bot.id: emoji("👌")}
    # The same one again changes nothing and is no error.
    assert await api.ok("setMessageReaction", chat_id=group, message_id=message_id, reaction=emoji("👌"))
    assert await api.ok("setMessageReaction", chat_id=group, message_id=message_id, reaction=[])
    assert message.reactions == {}
    status, body = await api("setMessageReaction", chat_id=group, message_id=message_id, reaction=[])
    assert (status, body["description"]) == (400, "Bad Request: REACTION_EMPTY")
    assert [r["description"] for r in server.refusals] == ["Bad Request: REACTION_EMPTY"]


async def test_people_see_it_under_the_message_and_in_the_history(bot: Bot, api, alice, group):
    message_id = await post_in(api, group)
    msg = await alice.expect(contains="hello", chat=group)
    assert msg.reactions == []
    await api.ok("setMessageReaction", chat_id=group, message_id=message_id, reaction=emoji("👌"))
    seen = await alice.expect_reaction(msg, "👌")
    assert seen.view["reactions"] == [{"type": emoji("👌")[0], "total_count": 1, "user_ids": [bot.id]}]
    assert await alice.reactions_on(msg) == ["👌"]
    await api.ok("setMessageReaction", chat_id=group, message_id=message_id)  # no list: removed
    assert await alice.reactions_on(msg) == []
    # Marks on a message are not output a reader must take.
    await alice.expect_nothing_more(within=0.1)


async def test_no_bot_hears_of_a_bots_reaction(api, alice, group):
    await api.ok("getUpdates", allowed_updates=["message", "message_reaction", "message_reaction_count"])
    message_id = await post_in(api, group)
    await api.ok("setMessageReaction", chat_id=group, message_id=message_id, reaction=emoji("👍"))
    updates = await api.ok("getUpdates", timeout=0)
    assert not [u for u in updates if "message_reaction" in u or "message_reaction_count" in u]


async def test_a_private_chat(api, alice):
    await api.next_update("message")  # Alice's /start
    message_id = await post_in(api, alice.id)
    msg = await alice.expect(contains="hello")
    await api.ok("setMessageReaction", chat_id=alice.id, message_id=message_id, reaction=emoji("🙏"))
    assert await alice.reactions_on(msg) == ["🙏"]


async def test_an_albums_reaction_goes_to_its_first_part(server: SandboxServer, bot: Bot, api, alice, group):
    parts = await alice.send_album([b"\xff\xd8\xff" + bytes(16), b"\xff\xd8\xff" + bytes(17)], chat=group)
    await api.ok("setMessageReaction", chat_id=group, message_id=parts[1].message_id, reaction=emoji("👀"))
    assert await alice.reactions_on(parts[0]) == ["👀"]
    assert await alice.reactions_on(parts[1]) == []
    # Once the first part is gone, the next one holds the album's reactions (none yet).
    await api.ok("deleteMessage", chat_id=group, message_id=parts[0].message_id)
    await api.ok("setMessageReaction", chat_id=group, message_id=parts[1].message_id, reaction=emoji("🔥"))
    assert await alice.reactions_on(parts[1]) == ["🔥"]
    assert server.world.groups[group].messages[parts[1].message_id].reactions == {bot.id: emoji("🔥")}


async def test_python_telegram_bot_sets_and_clears(ptb: telegram.Bot, api, alice, group):
    message_id = await post_in(api, group)
    msg = await alice.expect(contains="hello", chat=group)
    assert await ptb.set_message_reaction(group, message_id, "👌") is True
    assert await alice.reactions_on(msg) == ["👌"]
    assert await ptb.set_message_reaction(group, message_id, telegram.ReactionTypeEmoji("✍"), is_big=True) is True
    assert await alice.reactions_on(msg) == ["✍"]
    assert await ptb.set_message_reaction(group, message_id, []) is True
    assert await alice.reactions_on(msg) == []
    with pytest.raises(telegram.error.BadRequest, match="(?i)reaction_invalid"):
        await ptb.set_message_reaction(group, message_id, telegram.ReactionTypeEmoji("🦊"))
    # A string python-telegram-bot does not know as a reaction emoji it sends as a custom emoji's id.
    with pytest.raises(telegram.error.BadRequest, match="must be a valid number"):
        await ptb.set_message_reaction(group, message_id, "🦊")
