"""Texts and captions: parse mode, explicit entities, length limits.

Follows telegram-bot-api Client::get_formatted_text and td's
fix_formatted_text / MessageContent checks, in that order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.checker_values import decode_json, json_kind, lower_first
from sandbox.errors import ApiError, bad_request
from sandbox.html_parse import EntityParseError, fix_text, parse_html

# Telegram counts these limits in Unicode code points, not UTF-16 units nor
# bytes: td checks utf8_length(text) > message_text_length_max (4096) and
# message_caption_length_max (1024) (td/telegram/MessageContent.cpp).
MAX_TEXT_CHARS = 4096
MAX_CAPTION_CHARS = 1024
# Client::get_formatted_text refuses raw texts over 1 << 15 bytes up front.
MAX_RAW_TEXT_BYTES = 1 << 15

_ENTITY_TYPES = frozenset(
    "mention hashtag cashtag bot_command url email phone_number bold italic underline strikethrough "
    "spoiler blockquote expandable_blockquote code pre text_link text_mention custom_emoji date_time".split()
)


class TextError(ValueError):
    """A text refusal in td's own casing ("Can't parse entities: ..."); callers add context."""


def refuse(message: str) -> ApiError:
    """A top-level refusal, worded as Client::fail_query_with_error does."""
    return bad_request(lower_first(message))


@dataclass
class FormattedText:
    """A text as Telegram will store it: cleaned, trimmed, with its entities."""

    text: str
    entities: list[dict[str, Any]]


def format_text(text: str, parse_mode: str, entities: Any, violations: list[str], where: str) -> FormattedText:
    """Parse a text the way the Bot API does; raise Telegram's refusal on bad input.

    ``entities`` is the raw ``entities``/``caption_entities`` value (a JSON
    string, a decoded list, or None). Returns the text after parsing and
    trimming; emptiness and length are the caller's to judge. Raises
    TextError in td's casing.
    """
    if len(text.encode("utf-8", "surrogatepass")) > MAX_RAW_TEXT_BYTES:
        raise TextError("Text is too long")
    mode = parse_mode.lower()
    if text and mode and mode != "none":
        if entities not in (None, ""):
            violations.append(f"{where}: entities are ignored because parse_mode is set")
        if mode == "html":
            try:
                plain, found = parse_html(text)
            except EntityParseError as error:
                raise TextError(f"Can't parse entities: {error.detail}") from None
            return FormattedText(plain, found)
        if mode in ("markdown", "markdownv2"):
            violations.append(f"{where}: sandbox does not implement parse_mode {parse_mode}")
            plain, found = fix_text(text, [])
            return FormattedText(plain, found)
        raise TextError("Unsupported parse_mode")
    plain, found = fix_text(text, _explicit_entities(entities, violations, where))
    return FormattedText(plain, found)


def _explicit_entities(entities: Any, violations: list[str], where: str) -> list[dict[str, Any]]:
    if entities in (None, ""):
        return []
    if isinstance(entities, str):
        ok, entities = decode_json(entities)
        if not ok:
            # Client::get_input_entities silently drops undecodable JSON.
            violations.append(f"{where}: entities are not valid JSON and are ignored")
            return []
    if not isinstance(entities, list):
        violations.append(f"{where}: entities must be an Array of MessageEntity and are ignored")
        return []
    result = []
    for entity in entities:
        try:
            result.append(_entity(entity))
        except ValueError as error:
            raise TextError(f"Can't parse MessageEntity: {error}") from None
    return sorted(result, key=lambda e: (e["offset"], -e["length"]))


def _int_field(entity: dict, name: str) -> int:
    if name not in entity:
        raise ValueError(f'Can\'t find field "{name}"')
    value = entity[name]
    if isinstance(value, bool) or json_kind(value) not in ("Number", "String"):
        raise ValueError(f'Field "{name}" must be a Number')
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f'Field "{name}" must be a valid Number') from None


def _entity(entity: Any) -> dict[str, Any]:
    if not isinstance(entity, dict):
        raise ValueError("expected an Object")
    offset = _int_field(entity, "offset")
    length = _int_field(entity, "length")
    if "type" not in entity:
        raise ValueError('Can\'t find field "type"')
    kind = entity["type"]
    if not isinstance(kind, str):
        raise ValueError('Field "type" must be of type String')
    if not kind:
        raise ValueError("Type is not specified")
    if kind not in _ENTITY_TYPES:
        raise ValueError("Unsupported type specified")
    result: dict[str, Any] = {"type": kind, "offset": offset, "length": length}
    required_extra = {"text_link": "url", "custom_emoji": "custom_emoji_id", "text_mention": "user"}
    extra = required_extra.get(kind)
    if extra is not None:
        if extra not in entity:
            raise ValueError(f'Can\'t find field "{extra}"')
        result[extra] = entity[extra]
    if kind == "pre" and entity.get("language"):
        result["language"] = str(entity["language"])
    if offset < 0 or offset > 1_000_000:
        raise ValueError(f"Receive an entity with incorrect offset {offset}")
    if length < 0 or length > 1_000_000:
        raise ValueError(f"Receive an entity with incorrect length {length}")
    return result


def check_message_text(formatted: FormattedText) -> None:
    if not formatted.text:
        raise bad_request("text must be non-empty")
    if len(formatted.text) > MAX_TEXT_CHARS:
        raise bad_request("message is too long")


def check_caption(formatted: FormattedText) -> None:
    if len(formatted.text) > MAX_CAPTION_CHARS:
        raise bad_request("message caption is too long")


def wrap(prefix: str, message: str) -> ApiError:
    """A nested parse error as the Bot API words it: "Bad Request: <prefix>: <message>"."""
    return ApiError(400, f"Bad Request: {lower_first(prefix)}: {message}")
