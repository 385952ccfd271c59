"""The sandbox's fidelity core: refuse what Telegram refuses, note what it tolerates.

``check_request`` reads a Bot API call the way telegram-bot-api does (every
value a string first, then coerced per parameter) and raises ``ApiError``
with Telegram's own wording where Telegram would refuse. What Telegram lets
through but the reference forbids (unknown parameters, a button with two
actions, "yes" for a Boolean) is returned as strict-mode ``violations``.
``check_result`` validates what the sandbox answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox.checker_markup import (
    check_bot_command_scope,
    check_bot_commands,
    check_link_preview_options,
    check_reply_markup,
    check_reply_parameters,
)
from sandbox.checker_media import FILE_LABELS, check_album, check_single_media, resolve_file
from sandbox.checker_reactions import check_reaction
from sandbox.checker_result import check_result
from sandbox.checker_text import (
    FormattedText,
    TextError,
    check_caption,
    check_message_text,
    format_text,
    refuse,
)
from sandbox.checker_values import (
    Upload,
    as_arg,
    decode_json,
    is_clean_bool,
    is_clean_int,
    lenient_float,
    lenient_int,
    shape_violations,
    to_bool,
)
from sandbox.errors import ApiError, bad_request
from sandbox.spec import FieldSpec, MethodSpec, Spec, load_spec

__all__ = ["CheckedRequest", "FormattedText", "Upload", "check_request", "check_result"]

_TEXT_METHODS = {"sendmessage", "editmessagetext"}
MAX_TOPIC_NAME_CHARS = 128
MAX_CALLBACK_ANSWER_CHARS = 200
_SCALARS = {"Integer", "String", "Boolean", "Float"}
# Characters td's strip_empty_characters removes from both ends of a name.
_EMPTY_CHARACTERS = " \t\r\n\u00a0\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u3164\u115f\u1160"


@dataclass
class CheckedRequest:
    params: dict[str, Any]  # coerced: ints/bools/floats parsed, JSON-serialized objects/arrays decoded
    violations: list[str]  # strict-mode findings (Telegram would accept, the reference forbids)
    # Texts as Telegram stores them, keyed "text", "caption", "media[0].caption":
    # parsed (parse_mode), cleaned and trimmed, with their entities.
    formatted: dict[str, FormattedText] = field(default_factory=dict)


@dataclass
class _Call:
    spec: Spec
    method: MethodSpec
    raw: dict[str, Any]
    args: dict[str, str]
    files: dict[str, Upload]
    checked: CheckedRequest

    @property
    def lname(self) -> str:
        return self.method.name.lower()

    def arg(self, name: str) -> str:
        return self.args.get(name, "")

    def violate(self, finding: str) -> None:
        self.checked.violations.append(f"{self.method.name}: {finding}")


def check_request(method: str, raw: dict[str, Any], files: dict[str, Upload] | None = None) -> CheckedRequest:
    """Check one Bot API call; raise ApiError exactly where Telegram would refuse it."""
    spec = load_spec()
    method_spec = spec.method(method)
    if method_spec is None:
        # api.telegram.org answers an unknown method with 404 "Not Found"
        # (the self-hosted telegram-bot-api says "Not Found: method not found").
        raise ApiError(404, "Not Found")
    files = dict(files or {})
    raw_values = {k: v for k, v in raw.items() if not isinstance(v, Upload)}
    files.update({k: v for k, v in raw.items() if isinstance(v, Upload)})
    call = _Call(
        spec,
        method_spec,
        raw_values,
        {k: as_arg(v) for k, v in raw_values.items()},
        files,
        CheckedRequest(params={}, violations=[]),
    )
    _coerce_all(call)
    for rule in _RULES:
        rule(call)
    _check_required(call)
    return call.checked


# --- generic reading ---------------------------------------------------------


def _coerce_all(call: _Call) -> None:
    for name, value in call.raw.items():
        field_spec = call.method.field(name)
        if field_spec is None:
            call.violate(f"unknown parameter {name!r} (Telegram ignores it)")
            continue
        if value is None:
            call.violate(f"parameter {name!r} is null; omit it instead")
            continue
        call.checked.params[name] = _coerce(call, field_spec, value, call.args[name])
    referenced = {v[len("attach://") :] for v in call.args.values() if "attach://" in v}
    media_text = call.arg("media")
    for part, upload in call.files.items():
        field_spec = call.method.field(part)
        if field_spec is not None and "InputFile" in " ".join(field_spec.types):
            call.checked.params.setdefault(part, upload)
        elif part not in referenced and f"attach://{part}" not in media_text:
            call.violate(f"file part {part!r} is not used by any parameter")


def _coerce(call: _Call, field_spec: FieldSpec, value: Any, text: str) -> Any:
    types = field_spec.types
    name = field_spec.name
    if any("InputFile" in t for t in types) and not any(t.startswith("Array of") for t in types):
        return resolve_file(value, name, call.files) if text or name in call.files else text
    if types == ("Integer",):
        if not is_clean_int(text.strip()):
            call.violate(f"{name}: expected Integer, got {text!r} (Telegram reads {lenient_int(text)})")
        return lenient_int(text)
    if types == ("Integer", "String"):
        return int(text) if is_clean_int(text) else text
    if types == ("Boolean",):
        if not is_clean_bool(text):
            call.violate(f"{name}: expected Boolean, got {text!r} (Telegram reads {to_bool(text)})")
        return to_bool(text)
    if types == ("Float",):
        number = lenient_float(text)
        if number is None:
            call.violate(f"{name}: expected Float, got {text!r}")
            return 0.0
        return number
    if types == ("String",):
        if isinstance(value, (dict, list)):
            call.violate(f"{name}: expected String, got a JSON {type(value).__name__}")
        return text
    # Objects and arrays: decode here; the rules below refuse with Telegram's wording.
    if not isinstance(value, str):
        return value
    ok, decoded = decode_json(text)
    return decoded if ok else text


# Required by the reference, but read by telegram-bot-api with a plain arg(): empty is a value.
# setWebhook with an empty (or no) url removes the webhook, as the reference says.
# setMessageReaction reads no message_id as 0: its chat is checked first, then "message to react not found".
_EMPTY_ALLOWED = {("setwebhook", "url"), ("setmessagereaction", "message_id")}


def _check_required(call: _Call) -> None:
    for field_spec in call.method.fields:
        if not field_spec.required or call.arg(field_spec.name) or field_spec.name in call.files:
            continue
        if (call.lname, field_spec.name) in _EMPTY_ALLOWED:
            continue
        if field_spec.name in call.checked.params and call.checked.params[field_spec.name] not in ("", None):
            continue
        if field_spec.name == "message_id":
            # deleteMessage's wording; other methods fail on message 0 later.
            raise bad_request("message identifier is not specified")  # wording not confirmed beyond deleteMessage
        # Client::get_required_string_arg's wording. Where a method reads the
        # parameter otherwise, Telegram fails later with its own message.
        raise bad_request(f'parameter "{field_spec.name}" is required')  # wording not confirmed for every method


def _generic_objects(call: _Call) -> None:
    """Strict-mode shape checks for object parameters no specific rule reads."""
    handled = {
        "reply_markup",
        "reply_parameters",
        "link_preview_options",
        "commands",
        "scope",
        "media",
        "entities",
        "caption_entities",
    }
    for name, value in call.checked.params.items():
        field_spec = call.method.field(name)
        if name in handled or field_spec is None or set(field_spec.types) & _SCALARS or "InputFile" in field_spec.types:
            continue
        if isinstance(value, str):
            call.violate(f"{name}: not valid JSON")
            continue
        options = [shape_violations(call.spec, t, value, name) for t in field_spec.types]
        if all(options):
            call.checked.violations.extend(f"{call.method.name} {v}" for v in min(options, key=len))


# --- rules, in the order telegram-bot-api applies them --------------------------


def _file_presence(call: _Call) -> None:
    for name, label in FILE_LABELS.items():
        field_spec = call.method.field(name)
        if field_spec is None or not field_spec.required or call.lname == "sendmediagroup":
            continue
        if resolve_file(call.raw.get(name, ""), name, call.files) is None:
            raise bad_request(f"there is no {label} in the request")
        call.checked.params[name] = resolve_file(call.raw.get(name, ""), name, call.files)


def _text(call: _Call) -> None:
    if call.lname not in _TEXT_METHODS:
        return
    text = call.arg("text")
    if not text:
        raise bad_request("message text is empty")
    link_preview = check_link_preview_options(call.spec, call.raw.get("link_preview_options"), call.checked.violations)
    if link_preview is not None:
        call.checked.params["link_preview_options"] = link_preview
    try:
        formatted = format_text(
            text, call.arg("parse_mode"), call.raw.get("entities"), call.checked.violations, call.method.name
        )
    except TextError as error:
        raise refuse(str(error)) from None
    check_message_text(formatted)
    call.checked.formatted["text"] = formatted


def _caption(call: _Call) -> None:
    if call.method.field("caption") is None:
        return
    try:
        formatted = format_text(
            call.arg("caption"),
            call.arg("parse_mode"),
            call.raw.get("caption_entities"),
            call.checked.violations,
            call.method.name,
        )
    except TextError as error:
        raise refuse(str(error)) from None
    check_caption(formatted)
    call.checked.formatted["caption"] = formatted


def _media(call: _Call) -> None:
    if call.lname == "sendmediagroup":
        call.checked.params["media"] = check_album(
            call.spec, call.raw.get("media"), call.files, call.checked.violations, call.checked.formatted
        )
    elif call.lname == "editmessagemedia":
        call.checked.params["media"] = check_single_media(
            call.spec, call.raw.get("media"), call.files, call.checked.violations, call.checked.formatted
        )


def _commands(call: _Call) -> None:
    if call.lname in ("setmycommands", "getmycommands", "deletemycommands"):
        # Client::process_*_my_commands_query: the scope first, then the commands.
        call.checked.params["scope"] = check_bot_command_scope(
            call.spec, call.raw.get("scope"), call.checked.violations
        )
    if call.lname == "setmycommands":
        call.checked.params["commands"] = check_bot_commands(
            call.spec, call.raw.get("commands"), call.checked.violations
        )


def _reply_parameters(call: _Call) -> None:
    if call.method.field("reply_parameters") is not None:
        params = check_reply_parameters(call.spec, call.raw.get("reply_parameters"), call.checked.violations)
        _store(call, "reply_parameters", params)


def _reply_markup(call: _Call) -> None:
    if call.method.field("reply_markup") is not None:
        markup = check_reply_markup(call.spec, call.raw.get("reply_markup"), call.checked.violations)
        _store(call, "reply_markup", markup)


def _store(call: _Call, name: str, value: Any) -> None:
    if value is None:
        call.checked.params.pop(name, None)
    else:
        call.checked.params[name] = value


def _message_identifier(call: _Call) -> None:
    # Edits address a message by chat_id + message_id or by inline_message_id.
    if call.method.field("inline_message_id") is None:
        return
    if not call.arg("chat_id") and lenient_int(call.arg("message_id")) == 0 and not call.arg("inline_message_id"):
        raise bad_request("message identifier is not specified")


def _delete_message(call: _Call) -> None:
    if call.lname != "deletemessage":
        return
    # Client::process_delete_message_query checks these itself, before the chat.
    if not call.arg("chat_id"):
        raise bad_request("chat identifier is not specified")
    if lenient_int(call.arg("message_id")) == 0:
        raise bad_request("message identifier is not specified")


# Client::get_message_ids reads at most this many for deleteMessages, copyMessages and forwardMessages.
MAX_MESSAGE_IDS = 100
_MESSAGE_ID_LISTS = {"deletemessages", "copymessages", "forwardmessages"}
# td's get_chat_action_type names, as Client::get_chat_action reads them.
CHAT_ACTIONS = frozenset(
    {
        "cancel",
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "record_audio",
        "upload_audio",
        "upload_document",
        "choose_sticker",
        "pick_up_location",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


def _message_ids(call: _Call) -> None:
    """The id list as Client::get_message_ids reads it, refused before the chat is looked up.

    "too many message identifiers specified" and "message identifiers are not
    specified" are quoted by bot authors; the element wordings follow the same
    getter and are not confirmed.
    """
    if call.lname not in _MESSAGE_ID_LISTS:
        return
    text = call.arg("message_ids")
    ids = call.checked.params.get("message_ids") if text else []
    if isinstance(ids, str):
        raise bad_request("can't parse message_ids JSON object")
    if not isinstance(ids, list):
        raise bad_request("expected an Array of message identifiers")
    if len(ids) > MAX_MESSAGE_IDS:
        raise bad_request("too many message identifiers specified")
    numbers = []
    for value in ids:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise bad_request("message identifier must be a Number")
        if isinstance(value, str):
            if not is_clean_int(value):
                raise bad_request("can't parse message identifier as a Number")
            value = int(value)
        if isinstance(value, float) and not value.is_integer():
            raise bad_request("can't parse message identifier as a Number")
        if value <= 0:
            raise bad_request("invalid message identifier specified")
        numbers.append(int(value))
    if not numbers:
        raise bad_request("message identifiers are not specified")
    call.checked.params["message_ids"] = numbers


def _reaction(call: _Call) -> None:
    if call.lname == "setmessagereaction":
        # Client::process_set_message_reaction_query parses the list before it looks at the chat.
        call.checked.params["reaction"] = check_reaction(
            call.spec, call.arg("reaction"), call.checked.params.get("reaction"), call.checked.violations
        )


def _chat_action(call: _Call) -> None:
    if call.lname == "sendchataction" and call.arg("action") not in CHAT_ACTIONS:
        # Client::process_send_chat_action_query, before the chat.
        raise bad_request("wrong parameter action in request")


def _chat_id(call: _Call) -> None:
    field_spec = call.method.field("chat_id")
    if field_spec is None:
        return
    chat_id = call.arg("chat_id")
    if not chat_id:
        if field_spec.required:
            raise bad_request("chat_id is empty")
        return
    if not chat_id.startswith("@") and not is_clean_int(chat_id):
        # td::to_integer reads it as 0, and no chat has id 0.
        raise bad_request("chat not found")


def _topic_name(call: _Call) -> None:
    if call.lname not in ("createforumtopic", "editforumtopic") or "name" not in call.args:
        return
    raw_name = call.arg("name")
    name = clean_name(raw_name, MAX_TOPIC_NAME_CHARS)
    if not name and call.lname == "createforumtopic":
        raise bad_request("name must be non-empty")
    if len(raw_name.strip()) > MAX_TOPIC_NAME_CHARS:
        call.violate(f"name: longer than {MAX_TOPIC_NAME_CHARS} characters; Telegram cuts it")
    call.checked.params["name"] = name
    if "icon_color" in call.checked.params:
        color = call.checked.params["icon_color"]
        if not 0 <= color <= 0xFFFFFF:
            raise bad_request("invalid icon color specified")


def clean_name(name: str, max_length: int) -> str:
    """td's clean_name: strip, cut to max_length characters, collapse spaces/newlines/nbsp, trim."""
    name = name.strip(_EMPTY_CHARACTERS)[:max_length]
    words = name.replace("\u00a0", " ").replace("\n", " ").split(" ")
    return " ".join(word for word in words if word)


def _callback_answer(call: _Call) -> None:
    if call.lname != "answercallbackquery":
        return
    if lenient_int(call.arg("callback_query_id")) == 0:
        # Telegram's QUERY_ID_INVALID, as the Bot API words it.
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    if len(call.arg("text")) > MAX_CALLBACK_ANSWER_CHARS:
        raise bad_request("MESSAGE_TOO_LONG")  # Telegram's server error, quoted by bot authors


def _get_updates(call: _Call) -> None:
    if call.lname != "getupdates":
        return
    # Client::process_get_updates_query clamps rather than refuses.
    for name, default, low, high in (("limit", 100, 1, 100), ("timeout", 0, 0, 50)):
        value = call.checked.params.get(name, default)
        if not low <= value <= high:
            call.violate(f"{name}: {value} is outside {low}-{high}; Telegram clamps it")
        call.checked.params[name] = min(max(value, low), high)


def _string_limits(call: _Call) -> None:
    """Other documented character limits, recorded (Telegram's refusal wording unknown)."""
    for name, value in call.checked.params.items():
        field_spec = call.method.field(name)
        if field_spec is None or "chars" not in field_spec.limits or not isinstance(value, str):
            continue
        if name in ("text", "caption", "name"):
            continue  # checked above with Telegram's own refusals
        low, high = field_spec.limits["chars"]
        if not low <= len(value) <= high and value:
            call.violate(f"{name}: {len(value)} characters, the reference allows {low}-{high}")


_RULES = (
    _file_presence,
    _text,
    _caption,
    _media,
    _commands,
    _reply_parameters,
    _reply_markup,
    _message_identifier,
    _delete_message,
    _message_ids,
    _reaction,
    _chat_action,
    _chat_id,
    _topic_name,
    _callback_answer,
    _get_updates,
    _string_limits,
    _generic_objects,
)
