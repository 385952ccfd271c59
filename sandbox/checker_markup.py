"""reply_markup, reply_parameters, link_preview_options and bot commands.

Each follows the matching telegram-bot-api Client getter (get_reply_markup,
get_inline_keyboard_button_type, get_reply_parameters,
get_link_preview_options, get_bot_commands) and td's BotCommand checks, with
their wording; the remaining refusals come from Telegram's servers
(BUTTON_DATA_INVALID, BOT_COMMAND_INVALID) and are quoted from bot authors'
reports of them.
"""

from __future__ import annotations

import re
from typing import Any

from sandbox.checker_text import wrap
from sandbox.checker_values import FieldError, decode_json, json_kind, read_field, shape_violations
from sandbox.errors import bad_request
from sandbox.html_parse import checked_link
from sandbox.spec import FieldSpec, Spec

MAX_CALLBACK_DATA_BYTES = 64
MAX_COMMAND_CHARS = 32
MAX_COMMAND_DESCRIPTION_CHARS = 256
MAX_COMMANDS = 100
_COMMAND = re.compile(r"[a-z0-9_]+")

# The order Client::get_inline_keyboard_button_type tries a button's actions;
# the first present wins, so a second one is silently ignored by Telegram.
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "callback_game",
    "pay",
    "switch_inline_query",
    "switch_inline_query_chosen_chat",
    "switch_inline_query_current_chat",
    "login_url",
    "web_app",
    "copy_text",
)
_OBJECT_ACTIONS = {"switch_inline_query_chosen_chat", "login_url", "web_app", "copy_text"}


def _decode(value: Any, on_bad_json: str) -> Any:
    if not isinstance(value, str):
        return value
    ok, decoded = decode_json(value)
    if not ok:
        raise bad_request(on_bad_json)
    return decoded


def check_reply_markup(spec: Spec, value: Any, violations: list[str]) -> dict[str, Any] | None:
    if value in (None, ""):
        return None
    markup = _decode(value, "can't parse reply keyboard markup JSON object")
    if not isinstance(markup, dict):
        raise bad_request("object expected as reply markup")
    if "keyboard" in markup:
        _check_rows(markup, "keyboard", 'Field "keyboard" must be an Array of Arrays', _check_keyboard_button)
        kind = "ReplyKeyboardMarkup"
    elif "inline_keyboard" in markup:
        _check_rows(
            markup,
            "inline_keyboard",
            'Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays',
            lambda button: _check_inline_button(button, violations),
        )
        kind = "InlineKeyboardMarkup"
    elif "remove_keyboard" in markup:
        kind = "ReplyKeyboardRemove"
    elif "force_reply" in markup:
        kind = "ForceReply"
    else:
        violations.append("reply_markup: no keyboard, inline_keyboard, remove_keyboard or force_reply; ignored")
        return markup
    for bool_field in (
        "remove_keyboard",
        "force_reply",
        "selective",
        "resize_keyboard",
        "one_time_keyboard",
        "is_persistent",
    ):
        if bool_field in markup and not isinstance(markup[bool_field], bool):
            raise bad_request(f'field "{bool_field}" must be of type Boolean')
    violations.extend(shape_violations(spec, kind, markup, "reply_markup"))
    if kind == "InlineKeyboardMarkup":
        _check_inline_buttons_in_td(markup)
        _check_callback_data(markup)
    return markup


def _check_rows(markup: dict, name: str, rows_error: str, check_button) -> None:
    rows = markup[name]
    if not isinstance(rows, list):
        raise bad_request(f'field "{name}" must be of type Array')
    for row in rows:
        if not isinstance(row, list):
            raise bad_request(rows_error[0].lower() + rows_error[1:])
        for button in row:
            check_button(button)


def _check_keyboard_button(button: Any) -> None:
    if isinstance(button, str):
        return
    if not isinstance(button, dict):
        raise wrap("Can't parse keyboard button", "KeyboardButton must be a String or an Object")
    if "text" not in button:
        raise wrap("Can't parse keyboard button", 'Can\'t find field "text"')
    if json_kind(button["text"]) not in ("String", "Number"):
        raise wrap("Can't parse keyboard button", 'Field "text" must be of type String')


def _check_inline_button(button: Any, violations: list[str]) -> None:
    prefix = "Can't parse inline keyboard button"
    if not isinstance(button, dict):
        raise wrap(prefix, "InlineKeyboardButton must be an Object")
    if "text" not in button:
        raise wrap(prefix, 'Can\'t find field "text"')
    if json_kind(button["text"]) not in ("String", "Number"):
        raise wrap(prefix, 'Field "text" must be of type String')
    if "style" in button and json_kind(button["style"]) not in ("String", "Number"):
        raise wrap(prefix, 'Field "style" must be of type String')
    present = []
    for action in _BUTTON_ACTIONS:
        if action not in button:
            continue
        value = button[action]
        if action in ("url", "callback_data"):
            if json_kind(value) not in ("String", "Number"):
                raise wrap(prefix, f'Field "{action}" must be of type String')
            if str(value) == "":
                continue  # an empty url/callback_data does not count as an action
        elif action in _OBJECT_ACTIONS and not isinstance(value, dict):
            raise wrap(prefix, f'Field "{action}" must be of type Object')
        present.append(action)
    if not present:
        raise wrap(prefix, "Text buttons are unallowed in the inline keyboard")
    if len(present) > 1:
        violations.append(
            f"reply_markup: button {button.get('text')!r} has several actions {present}; "
            f"Telegram uses only {present[0]}"
        )


# A scheme td's parse_url rejects outright ("javascript:", "ftp://"), before any host check.
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_LINK_SCHEMES = {"http", "https", "tg", "ton"}


def _check_inline_buttons_in_td(markup: dict) -> None:
    """What td's get_inline_keyboard_button refuses once the Bot API has read every button.

    td says "Inline keyboard button ..."; the Bot API lower-cases the first
    letter ("inline keyboard button URL 'http://localhost/' is invalid: Wrong
    HTTP URL", as bot authors quote it).
    """
    for row in markup["inline_keyboard"]:
        for button in row:
            if str(button["text"]) == "":
                raise bad_request("inline keyboard button text must be non-empty")
            url = button.get("url")
            if url in (None, "") or _first_action(button) != "url":
                continue
            url = str(url)
            scheme = _SCHEME.match(url)
            if (
                scheme
                and scheme.group(1).lower() not in _LINK_SCHEMES
                and (
                    url[scheme.end() :].startswith("//")
                    or scheme.group(1).lower() in ("javascript", "vbscript", "data")
                )
            ):
                raise bad_request(f"inline keyboard button URL '{url}' is invalid: Unsupported URL protocol")
            if not checked_link(url):
                # Telegram's servers refuse such a link (wording quoted by bot authors).
                raise bad_request("BUTTON_URL_INVALID")


def _first_action(button: dict) -> str | None:
    for action in _BUTTON_ACTIONS:
        if action in button and not (action in ("url", "callback_data") and str(button[action]) == ""):
            return action
    return None


def _check_callback_data(markup: dict) -> None:
    for row in markup["inline_keyboard"]:
        for button in row:
            data = button.get("callback_data")
            # Checked by Telegram's servers, not the Bot API: 1-64 bytes (UTF-8).
            if data not in (None, "") and len(str(data).encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")


def check_reply_parameters(spec: Spec, value: Any, violations: list[str]) -> dict[str, Any] | None:
    if value in (None, ""):
        return None
    params = _decode(value, "can't parse reply parameters JSON object")
    if not isinstance(params, dict):
        raise bad_request("object expected as reply parameters")
    if not params:
        return None
    type_spec = spec.type("ReplyParameters")
    try:
        # chat_id is read as a string or a number, so only these can be of a wrong type.
        for name in ("message_id", "quote", "quote_parse_mode", "quote_position", "allow_sending_without_reply"):
            field = type_spec.field(name) if type_spec else None
            if field is not None:
                read_field(params, field)
    except FieldError as error:
        raise bad_request(str(error)[0].lower() + str(error)[1:]) from None
    violations.extend(shape_violations(spec, "ReplyParameters", params, "reply_parameters"))
    return params


def check_link_preview_options(spec: Spec, value: Any, violations: list[str]) -> dict[str, Any] | None:
    if value in (None, ""):
        return None
    options = _decode(value, "can't parse link preview options JSON object")
    if not isinstance(options, dict):
        raise bad_request("object expected as link preview options")
    type_spec = spec.type("LinkPreviewOptions")
    try:
        for field in type_spec.fields if type_spec else ():
            read_field(options, field, required=False)
    except FieldError as error:
        raise bad_request(str(error)[0].lower() + str(error)[1:]) from None
    violations.extend(shape_violations(spec, "LinkPreviewOptions", options, "link_preview_options"))
    return options


def check_bot_commands(spec: Spec, value: Any, violations: list[str]) -> list[dict[str, str]]:
    if value in (None, ""):
        return []  # no commands: Telegram sets an empty list
    commands = _decode(value, "can't parse commands JSON object")
    if not isinstance(commands, list):
        raise bad_request("expected an Array of BotCommand")
    cleaned = []
    for command in commands:
        if not isinstance(command, dict):
            raise wrap("Can't parse BotCommand", "expected an Object")
        for name in ("command", "description"):
            if name not in command:
                raise wrap("Can't parse BotCommand", f'Can\'t find field "{name}"')
            if json_kind(command[name]) not in ("String", "Number"):
                raise wrap("Can't parse BotCommand", f'Field "{name}" must be of type String')
        cleaned.append({"command": str(command["command"]), "description": str(command["description"])})
    violations.extend(shape_violations(spec, "Array of BotCommand", commands, "commands"))
    # td/telegram/BotCommand.cpp: trim, drop one leading "/", then length checks.
    for command in cleaned:
        text = command["command"].strip()
        text = text[1:] if text.startswith("/") else text
        if not text:
            raise bad_request("command must be non-empty")
        if len(text) > MAX_COMMAND_CHARS:
            raise bad_request(f"command length must not exceed {MAX_COMMAND_CHARS}")
        description = command["description"].strip()
        if not description:
            raise bad_request("command description must be non-empty")
        if len(description) > MAX_COMMAND_DESCRIPTION_CHARS:
            raise bad_request(f"command description length must not exceed {MAX_COMMAND_DESCRIPTION_CHARS}")
        command["command"], command["description"] = text, description
    for command in cleaned:
        if not _COMMAND.fullmatch(command["command"]):
            raise bad_request("BOT_COMMAND_INVALID")
    if len(cleaned) > MAX_COMMANDS:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")  # wording not confirmed
    return cleaned


_SCOPE_TYPES = {
    "default": "BotCommandScopeDefault",
    "all_private_chats": "BotCommandScopeAllPrivateChats",
    "all_group_chats": "BotCommandScopeAllGroupChats",
    "all_chat_administrators": "BotCommandScopeAllChatAdministrators",
    "chat": "BotCommandScopeChat",
    "chat_administrators": "BotCommandScopeChatAdministrators",
    "chat_member": "BotCommandScopeChatMember",
}
# td reads these with get_required_string_field (a number is read as its digits) and get_user_id.
_TYPE = FieldSpec(name="type", types=("String",), required=True)
_CHAT_ID = FieldSpec(name="chat_id", types=("String",), required=True)
_USER_ID = FieldSpec(name="user_id", types=("Integer",), required=True)


def check_bot_command_scope(spec: Spec, value: Any, violations: list[str]) -> dict[str, Any]:
    """A scope as Client::get_bot_command_scope reads it: {"type", "chat_id"?, "user_id"?}.

    The chat itself is looked up later, by the method. The "can't parse
    BotCommandScope: ..." prefix and the missing chat_id/user_id and unknown
    type wordings are quoted from bot authors' live tests; the rest follow the
    same Client code and are not confirmed.
    """
    if value in (None, ""):
        return {"type": "default"}  # no scope: the default one
    scope = _decode(value, "can't parse BotCommandScope JSON object")  # wording not confirmed
    try:
        if not isinstance(scope, dict):
            raise FieldError("BotCommandScope must be an Object")  # wording not confirmed
        kind = read_field(scope, _TYPE)
        if kind not in _SCOPE_TYPES:
            raise FieldError("Unsupported type specified")
        checked: dict[str, Any] = {"type": kind}
        if kind in ("chat", "chat_administrators", "chat_member"):
            chat_id = read_field(scope, _CHAT_ID)
            if chat_id == "":
                raise FieldError("Empty chat_id specified")  # wording not confirmed
            checked["chat_id"] = chat_id
        if kind == "chat_member":
            user_id = read_field(scope, _USER_ID)
            if user_id <= 0:
                raise FieldError("Invalid user_id specified")  # wording not confirmed
            checked["user_id"] = user_id
    except FieldError as error:
        raise wrap("Can't parse BotCommandScope", str(error)) from None
    violations.extend(shape_violations(spec, _SCOPE_TYPES[kind], scope, "scope"))
    return checked
