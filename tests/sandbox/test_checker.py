"""Requests the sandbox must refuse (with Telegram's words), tolerate-and-note, or accept; and result shapes."""

from __future__ import annotations

import json

import pytest

from sandbox.checker import CheckedRequest, Upload, check_request, check_result
from sandbox.errors import ApiError


def refusal(method, raw, files=None) -> str:
    with pytest.raises(ApiError) as caught:
        check_request(method, raw, files)
    assert caught.value.status == 400
    return caught.value.description


def keyboard(*buttons):
    return {"inline_keyboard": [list(buttons)]}


def test_unknown_method_is_404_not_found():
    with pytest.raises(ApiError) as caught:
        check_request("sendMesage", {"chat_id": 1, "text": "hi"})
    assert (caught.value.status, caught.value.description) == (404, "Not Found")


def test_method_names_are_case_insensitive():
    assert check_request("SendMessage", {"chat_id": 1, "text": "hi"}).violations == []


def test_unknown_parameter_is_a_violation_not_a_refusal():
    checked = check_request("sendMessage", {"chat_id": 1, "text": "hi", "colour": "red"})
    assert checked.violations == ["sendMessage: unknown parameter 'colour' (Telegram ignores it)"]
    assert "colour" not in checked.params


def test_form_values_are_coerced_like_json_ones():
    form = {
        "chat_id": "-1001",
        "text": "hi",
        "disable_notification": "true",
        "message_thread_id": "7",
        "reply_markup": json.dumps(keyboard({"text": "A", "callback_data": "a"})),
    }
    as_json = {
        "chat_id": -1001,
        "text": "hi",
        "disable_notification": True,
        "message_thread_id": 7,
        "reply_markup": keyboard({"text": "A", "callback_data": "a"}),
    }
    for raw in (form, as_json):
        checked = check_request("sendMessage", raw)
        assert checked.violations == []
        assert checked.params == as_json


def test_username_chat_id_stays_a_string():
    assert check_request("sendMessage", {"chat_id": "@shop", "text": "hi"}).params["chat_id"] == "@shop"


def test_lenient_boolean_is_noted():
    checked = check_request("sendMessage", {"chat_id": 1, "text": "hi", "disable_notification": "yes"})
    assert checked.params["disable_notification"] is True
    assert checked.violations == [
        "sendMessage: disable_notification: expected Boolean, got 'yes' (Telegram reads True)"
    ]


def test_callback_data_over_64_bytes_is_refused_on_any_button():
    ok = {"text": "ok", "callback_data": "x" * 64}
    assert check_request("sendMessage", {"chat_id": 1, "text": "hi", "reply_markup": keyboard(ok)}).violations == []
    too_long = {
        "chat_id": 1,
        "text": "hi",
        "reply_markup": {"inline_keyboard": [[ok], [ok, {"text": "b", "callback_data": "x" * 65}]]},
    }
    assert refusal("sendMessage", too_long) == "Bad Request: BUTTON_DATA_INVALID"


def test_callback_data_counts_bytes_not_characters():
    markup = keyboard({"text": "b", "callback_data": "é" * 33})  # 33 characters, 66 bytes
    assert refusal("editMessageReplyMarkup", {"chat_id": 1, "message_id": 2, "reply_markup": markup}) == (
        "Bad Request: BUTTON_DATA_INVALID"
    )


def test_button_without_action_is_refused():
    raw = {"chat_id": 1, "text": "hi", "reply_markup": keyboard({"text": "A"})}
    assert refusal("sendMessage", raw) == (
        "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
    )
    raw["reply_markup"] = keyboard({"text": "A", "callback_data": ""})
    assert "Text buttons are unallowed" in refusal("sendMessage", raw)


def test_button_with_two_actions_is_accepted_but_noted():
    raw = {
        "chat_id": 1,
        "text": "hi",
        "reply_markup": keyboard({"text": "A", "callback_data": "a", "url": "https://example.com"}),
    }
    checked = check_request("sendMessage", raw)
    assert checked.violations == [
        "reply_markup: button 'A' has several actions ['url', 'callback_data']; Telegram uses only url"
    ]


def test_button_field_types_use_tds_wording():
    raw = {"chat_id": 1, "text": "hi", "reply_markup": keyboard({"callback_data": "a"})}
    assert refusal("sendMessage", raw) == "Bad Request: can't parse inline keyboard button: Can't find field \"text\""
    raw["reply_markup"] = {"inline_keyboard": [{"text": "A", "callback_data": "a"}]}
    assert refusal("sendMessage", raw) == (
        'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
    )
    raw["reply_markup"] = "{not json"
    assert refusal("sendMessage", raw) == "Bad Request: can't parse reply keyboard markup JSON object"


def test_unescaped_less_than_in_html_is_refused():
    raw = {"chat_id": 1, "text": "price < 5 €", "parse_mode": "HTML"}
    assert refusal("sendMessage", raw) == (
        'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 6'
    )


def test_html_text_is_parsed_into_entities():
    checked = check_request("sendMessage", {"chat_id": 1, "text": " <b>Order</b> #5 ", "parse_mode": "html"})
    assert checked.formatted["text"].text == "Order #5"
    assert checked.formatted["text"].entities == [{"type": "bold", "offset": 0, "length": 5}]


def test_empty_and_blank_texts_use_different_words():
    assert refusal("sendMessage", {"chat_id": 1, "text": ""}) == "Bad Request: message text is empty"
    assert refusal("sendMessage", {"chat_id": 1}) == "Bad Request: message text is empty"
    assert refusal("sendMessage", {"chat_id": 1, "text": " \n "}) == "Bad Request: text must be non-empty"
    assert refusal("sendMessage", {"chat_id": 1, "text": "<b> </b>", "parse_mode": "HTML"}) == (
        "Bad Request: text must be non-empty"
    )


def test_text_length_is_counted_in_characters_after_parsing():
    assert refusal("sendMessage", {"chat_id": 1, "text": "x" * 4097}) == "Bad Request: message is too long"
    assert check_request("sendMessage", {"chat_id": 1, "text": "x" * 4096}).violations == []
    # 4096 emoji are 8192 UTF-16 units, but Telegram counts code points (td utf8_length).
    assert check_request("sendMessage", {"chat_id": 1, "text": "😀" * 4096}).violations == []
    assert refusal("sendMessage", {"chat_id": 1, "text": "😀" * 4097}) == "Bad Request: message is too long"
    tagged = {"chat_id": 1, "text": "<b>" + "x" * 4096 + "</b>", "parse_mode": "HTML"}
    assert check_request("sendMessage", tagged).formatted["text"].entities == [
        {"type": "bold", "offset": 0, "length": 4096}
    ]


def test_emoji_entity_offsets_are_utf16():
    checked = check_request("sendMessage", {"chat_id": 1, "text": "📦 <i>shipped</i>", "parse_mode": "HTML"})
    assert checked.formatted["text"].entities == [{"type": "italic", "offset": 3, "length": 7}]


def test_parse_modes():
    checked = check_request("sendMessage", {"chat_id": 1, "text": "*hi*", "parse_mode": "MarkdownV2"})
    assert checked.violations == ["sendMessage: sandbox does not implement parse_mode MarkdownV2"]
    assert refusal("sendMessage", {"chat_id": 1, "text": "hi", "parse_mode": "rtf"}) == (
        "Bad Request: unsupported parse_mode"
    )


def test_explicit_entities():
    raw = {"chat_id": 1, "text": "hello", "entities": [{"type": "bold", "offset": 0, "length": 4}]}
    assert check_request("sendMessage", raw).formatted["text"].entities == [{"type": "bold", "offset": 0, "length": 4}]
    raw["entities"] = json.dumps([{"type": "glow", "offset": 0, "length": 4}])
    assert refusal("sendMessage", raw) == "Bad Request: can't parse MessageEntity: Unsupported type specified"


def test_chat_id_checks():
    assert refusal("sendMessage", {"text": "hi"}) == "Bad Request: chat_id is empty"
    assert refusal("sendMessage", {"chat_id": "", "text": "hi"}) == "Bad Request: chat_id is empty"
    assert refusal("sendMessage", {"chat_id": "shop", "text": "hi"}) == "Bad Request: chat not found"


def test_caption_limit_and_files():
    photo = Upload("p.jpg", "image/jpeg", b"\xff\xd8")
    checked = check_request("sendPhoto", {"chat_id": "1", "caption": "c" * 1024}, {"photo": photo})
    assert checked.params["photo"] is photo and checked.violations == []
    assert refusal("sendPhoto", {"chat_id": 1, "photo": "AgADfileid", "caption": "c" * 1025}) == (
        "Bad Request: message caption is too long"
    )
    assert refusal("sendPhoto", {"chat_id": 1}) == "Bad Request: there is no photo in the request"
    assert refusal("sendDocument", {"chat_id": 1, "document": "attach://missing"}) == (
        "Bad Request: there is no document in the request"
    )


def test_media_group():
    parts = {"a": Upload("a.jpg", "image/jpeg", b"1"), "b": Upload("b.jpg", "image/jpeg", b"2")}
    media = [
        {"type": "photo", "media": "attach://a", "caption": "<b>one</b>", "parse_mode": "HTML"},
        {"type": "photo", "media": "attach://b"},
    ]
    checked = check_request("sendMediaGroup", {"chat_id": "1", "media": json.dumps(media)}, parts)
    assert [m["media"] for m in checked.params["media"]] == [parts["a"], parts["b"]]
    assert checked.formatted["media[0].caption"].entities == [{"type": "bold", "offset": 0, "length": 3}]
    media[1]["media"] = "attach://c"
    assert refusal("sendMediaGroup", {"chat_id": 1, "media": media}, parts) == (
        "Bad Request: can't parse InputMedia: media not found"
    )


def test_set_my_commands():
    ok = check_request("setMyCommands", {"commands": [{"command": "/start", "description": " Begin "}]})
    assert ok.params["commands"] == [{"command": "start", "description": "Begin"}]
    assert refusal("setMyCommands", {"commands": [{"command": "Start", "description": "x"}]}) == (
        "Bad Request: BOT_COMMAND_INVALID"
    )
    assert refusal("setMyCommands", {"commands": [{"command": "start"}]}) == (
        "Bad Request: can't parse BotCommand: Can't find field \"description\""
    )
    assert refusal("setMyCommands", {"commands": [{"command": "a" * 33, "description": "x"}]}) == (
        "Bad Request: command length must not exceed 32"
    )
    assert refusal("setMyCommands", {"commands": [{"command": "a", "description": "x" * 257}]}) == (
        "Bad Request: command description length must not exceed 256"
    )


def test_answer_callback_query_text_limit():
    assert check_request("answerCallbackQuery", {"callback_query_id": "77", "text": "x" * 200}).violations == []
    assert refusal("answerCallbackQuery", {"callback_query_id": "77", "text": "x" * 201}) == (
        "Bad Request: MESSAGE_TOO_LONG"
    )


def test_forum_topic_name():
    assert refusal("createForumTopic", {"chat_id": -100, "name": "  "}) == "Bad Request: name must be non-empty"
    checked = check_request("createForumTopic", {"chat_id": -100, "name": "Ticket  #12 " + "x" * 130})
    # td cuts to 128 characters first, then collapses the double space
    assert checked.params["name"] == "Ticket #12 " + "x" * 116
    assert checked.violations == ["createForumTopic: name: longer than 128 characters; Telegram cuts it"]


def test_delete_message_identifiers():
    assert refusal("deleteMessage", {"message_id": 3}) == "Bad Request: chat identifier is not specified"
    assert refusal("deleteMessage", {"chat_id": 1}) == "Bad Request: message identifier is not specified"


def test_get_updates_limit_is_clamped_not_refused():
    checked = check_request("getUpdates", {"offset": 5, "limit": 0, "timeout": 10})
    assert checked.params == {"offset": 5, "limit": 1, "timeout": 10}
    assert checked.violations == ["getUpdates: limit: 0 is outside 1-100; Telegram clamps it"]
    assert check_request("getUpdates", {}).params == {"limit": 100, "timeout": 0}


def test_checked_request_shape():
    checked = check_request("getMe", {})
    assert isinstance(checked, CheckedRequest) and checked.params == {} and checked.violations == []


# --- results -------------------------------------------------------------------

MESSAGE = {
    "message_id": 10,
    "from": {"id": 99, "is_bot": True, "first_name": "Aftersales", "username": "aftersales_bot"},
    "chat": {"id": 5, "type": "private", "first_name": "Alice"},
    "date": 1_700_000_000,
    "text": "Order #5",
    "entities": [{"type": "bold", "offset": 0, "length": 5}],
    "reply_markup": {"inline_keyboard": [[{"text": "Open", "callback_data": "ord:5"}]]},
}


def test_correct_message_passes():
    assert check_result("sendMessage", MESSAGE) == []
    assert check_result("sendMediaGroup", [MESSAGE, MESSAGE]) == []
    assert check_result("getUpdates", [{"update_id": 1, "message": MESSAGE}]) == []


def test_message_missing_chat_fails():
    broken = {k: v for k, v in MESSAGE.items() if k != "chat"}
    assert check_result("sendMessage", broken) == ["sendMessage result.chat: required field missing"]


def test_wrong_nested_types_fail():
    assert check_result("sendMessage", {**MESSAGE, "chat": {**MESSAGE["chat"], "id": "5"}}) == [
        "sendMessage result.chat.id: expected Integer, got str"
    ]
    bad_entity = {**MESSAGE, "entities": [{"type": "bold", "offset": "0", "length": 5}]}
    assert check_result("sendMessage", bad_entity) == [
        "sendMessage result.entities[0].offset: expected Integer, got str"
    ]
    assert check_result("sendMessage", {**MESSAGE, "date": True}) == [
        "sendMessage result.date: expected Integer, got bool"
    ]


def test_unknown_fields_and_nulls_fail():
    assert check_result("sendMessage", {**MESSAGE, "colour": "red"}) == [
        "sendMessage result: unknown field 'colour' for Message"
    ]
    assert check_result("sendMessage", {**MESSAGE, "caption": None}) == [
        "sendMessage result.caption: expected String, got NoneType"
    ]


def test_true_results_and_unions():
    assert check_result("answerCallbackQuery", True) == []
    assert check_result("answerCallbackQuery", False) == ["answerCallbackQuery result: expected True, got False"]
    assert check_result("editMessageText", True) == []
    assert check_result("editMessageText", MESSAGE) == []
    assert check_result("getUpdates", {"update_id": 1}) == ["getUpdates result: expected Array of Update, got dict"]
