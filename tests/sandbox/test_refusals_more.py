"""More of Telegram's refusals (and one acceptance): buttons, id lists, chat actions, usernames, topics, webhooks."""

from __future__ import annotations

import pytest

from sandbox.checker import check_request
from sandbox.errors import ApiError
from sandbox.server import SandboxServer
from sandbox.world import Bot


def refused(method, raw) -> str:
    with pytest.raises(ApiError) as caught:
        check_request(method, raw)
    assert caught.value.status == 400
    return caught.value.description


def response(status: int, description: str) -> tuple[int, dict]:
    return status, {"ok": False, "error_code": status, "description": description}


def with_button(**button) -> dict:
    return {"chat_id": 1, "text": "hi", "reply_markup": {"inline_keyboard": [[button]]}}


@pytest.fixture
async def alice(server: SandboxServer, bot: Bot, sandbox):
    person = await sandbox.user("Alice", username="alice_buyer")
    await person.send("/start")
    return person


# --- inline keyboard buttons (td's get_inline_keyboard_button) ----------------------


def test_inline_button_with_empty_text():
    assert refused("sendMessage", with_button(text="", callback_data="a")) == (
        "Bad Request: inline keyboard button text must be non-empty"
    )
    # The Bot API's own reading of every button comes first.
    raw = {
        "chat_id": 1,
        "text": "hi",
        "reply_markup": {"inline_keyboard": [[{"text": "", "callback_data": "a"}, {"text": "B"}]]},
    }
    assert refused("sendMessage", raw) == (
        "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
    )
    assert check_request("sendMessage", with_button(text=" ", callback_data="a")).violations == []


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JavaScript:void(0)", "ftp://example.com/file"])
def test_inline_button_url_with_unsupported_protocol(url):
    assert refused("sendMessage", with_button(text="Go", url=url)) == (
        f"Bad Request: inline keyboard button URL '{url}' is invalid: Unsupported URL protocol"
    )


def test_inline_button_ordinary_urls_still_pass():
    for url in ("https://example.com/a", "example.com", "tg://resolve?domain=telegram"):
        assert check_request("sendMessage", with_button(text="Go", url=url)).violations == []


# --- message id lists (Client::get_message_ids) -------------------------------------


@pytest.mark.parametrize("method", ["deleteMessages", "copyMessages", "forwardMessages"])
def test_more_than_100_message_ids(method):
    raw = {"chat_id": 1, "from_chat_id": 2, "message_ids": list(range(1, 102))}
    assert refused(method, raw) == "Bad Request: too many message identifiers specified"
    raw["message_ids"] = list(range(1, 101))
    assert check_request(method, raw).params["message_ids"] == list(range(1, 101))


def test_message_id_list_elements():
    def ids(value):
        return refused("deleteMessages", {"chat_id": 1, "message_ids": value})

    assert ids([]) == "Bad Request: message identifiers are not specified"
    assert ids("[") == "Bad Request: can't parse message_ids JSON object"
    assert ids(5) == "Bad Request: expected an Array of message identifiers"
    assert ids([None]) == "Bad Request: message identifier must be a Number"
    assert ids(["x"]) == "Bad Request: can't parse message identifier as a Number"
    assert ids([3, 0]) == "Bad Request: invalid message identifier specified"
    assert check_request("deleteMessages", {"chat_id": 1, "message_ids": '["3", 4]'}).params["message_ids"] == [3, 4]


async def test_deleting_over_100_is_refused_before_the_chat(api) -> None:
    assert await api("deleteMessages", chat_id=999, message_ids=list(range(1, 102))) == response(
        400, "Bad Request: too many message identifiers specified"
    )


async def test_copy_messages_ids_must_strictly_increase(api, alice) -> None:
    first = await alice.send("one")
    second = await alice.send("two")
    for order in ([second.message_id, first.message_id], [first.message_id, first.message_id]):
        assert await api("copyMessages", chat_id=alice.id, from_chat_id=alice.id, message_ids=order) == response(
            400, "Bad Request: message identifiers must be in a strictly increasing order"
        )
    copied = await api.ok(
        "copyMessages", chat_id=alice.id, from_chat_id=alice.id, message_ids=[first.message_id, second.message_id]
    )
    assert len(copied) == 2


# --- sendChatAction ---------------------------------------------------------------


def test_unknown_chat_action():
    assert refused("sendChatAction", {"chat_id": 1, "action": "dancing"}) == (
        "Bad Request: wrong parameter action in request"
    )
    assert refused("sendChatAction", {"chat_id": 1}) == "Bad Request: wrong parameter action in request"
    for action in ("typing", "upload_photo", "upload_document", "find_location", "record_voice"):
        assert check_request("sendChatAction", {"chat_id": 1, "action": action}).violations == []


async def test_unknown_chat_action_over_http(api, alice) -> None:
    assert await api("sendChatAction", chat_id=alice.id, action="Typing") == response(
        400, "Bad Request: wrong parameter action in request"
    )
    assert await api.ok("sendChatAction", chat_id=alice.id, action="typing") is True


# --- a person's @username ---------------------------------------------------------


async def test_persons_username_is_not_a_chat(api, alice) -> None:
    assert await api("sendMessage", chat_id="@alice_buyer", text="hi") == response(400, "Bad Request: chat not found")
    assert await api("getChat", chat_id="@alice_buyer") == response(400, "Bad Request: chat not found")
    assert (await api.ok("sendMessage", chat_id=alice.id, text="hi"))["text"] == "hi"


# --- forum topics: 1 is General, created topics come after it ----------------------


async def test_created_topics_never_get_thread_id_1(api, server, bot, alice) -> None:
    group = server.world.add_group("Support", member_ids=[alice.id], admin_bot_ids=[bot.id])
    assert await api("sendMessage", chat_id=group.id, message_thread_id=1, text="x") == response(
        400, "Bad Request: message thread not found"
    )
    first = await api.ok("createForumTopic", chat_id=group.id, name="First")
    second = await api.ok("createForumTopic", chat_id=group.id, name="Second")
    assert first["message_thread_id"] > 1 and second["message_thread_id"] > first["message_thread_id"]
    sent = await api.ok("sendMessage", chat_id=group.id, message_thread_id=first["message_thread_id"], text="x")
    assert sent["message_thread_id"] == first["message_thread_id"]


# --- setWebhook with an empty url removes the webhook --------------------------------


async def test_set_webhook_with_empty_url_deletes_it(api) -> None:
    assert await api.ok("setWebhook", url="http://127.0.0.1:9/hook") is True
    assert await api("setWebhook", url="") == (200, {"ok": True, "result": True, "description": "Webhook was deleted"})
    assert (await api.ok("getWebhookInfo"))["url"] == ""
    assert await api("setWebhook", url="") == (
        200,
        {"ok": True, "result": True, "description": "Webhook is already deleted"},
    )
    assert await api.ok("getUpdates") == []
