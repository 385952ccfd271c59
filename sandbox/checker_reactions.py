"""setMessageReaction's `reaction`, read as telegram-bot-api reads it (Client::get_reaction_types).

The list is parsed before the chat and the message are looked up, so a
malformed one is refused first, whatever else is wrong. What each element
may be is decided later, by TDLib and Telegram's servers (`sandbox.botapi.reactions`).
"""

from __future__ import annotations

import re
from typing import Any

from sandbox.checker_values import decode_json, json_kind, lower_first, shape_violations
from sandbox.errors import ApiError, bad_request
from sandbox.spec import Spec

_INT64 = re.compile(r"-?\d+")  # td::to_integer_safe: an optional minus and digits, nothing else


def _refuse(message: str) -> ApiError:
    # Client::fail_query_with_error lower-cases the first letter of a td message.
    return bad_request(lower_first(message))


def _string_field(item: dict[str, Any], name: str) -> str:
    """JsonObject::get_required_string_field: a string, or a number read as its text."""
    if name not in item:
        raise ValueError(f'Can\'t find field "{name}"')
    value = item[name]
    kind = json_kind(value)
    if kind == "String":
        return value
    if kind == "Number":
        return str(value)
    raise ValueError(f'Field "{name}" must be of type String')


def _long_field(item: dict[str, Any], name: str) -> int:
    """JsonObject::get_required_long_field: an int64 given as a number or as a string of digits."""
    if name not in item:
        raise ValueError(f'Can\'t find field "{name}"')
    value = item[name]
    kind = json_kind(value)
    if kind not in ("String", "Number"):
        raise ValueError(f'Field "{name}" must be a Number')
    text = value if kind == "String" else str(value)
    if not _INT64.fullmatch(text) or not -(2**63) <= int(text) < 2**63:
        raise ValueError(f'Field "{name}" must be a valid Number')
    return int(text)


def _reaction_type(item: Any) -> dict[str, Any]:
    """Client::get_reaction_type: emoji and custom emoji only; a paid reaction is no type a bot can name."""
    if not isinstance(item, dict):
        raise ValueError("expected an Object")
    kind = _string_field(item, "type")
    if kind == "emoji":
        return {"type": "emoji", "emoji": _string_field(item, "emoji")}
    if kind == "custom_emoji":
        return {"type": "custom_emoji", "custom_emoji_id": str(_long_field(item, "custom_emoji_id"))}
    raise ValueError("invalid reaction type specified")


def read_reaction_types(text: str) -> list[dict[str, Any]]:
    """The reaction types of a `reaction` argument (its text as Telegram's server sees it); [] when absent or empty."""
    if not text:
        return []
    ok, value = decode_json(text)
    if not ok:
        raise _refuse("Can't parse reaction types JSON object")
    if not isinstance(value, list):
        raise _refuse("Expected an Array of ReactionType")
    types = []
    for item in value:
        try:
            types.append(_reaction_type(item))
        except ValueError as error:
            raise _refuse(f"Can't parse ReactionType: {error}") from None
    return types


def check_reaction(spec: Spec, text: str, sent: Any, violations: list[str]) -> list[dict[str, Any]]:
    """The reaction types, refused as Telegram refuses them; what it reads past (an unknown field) noted as a violation."""
    types = read_reaction_types(text)
    if isinstance(sent, list):
        violations.extend(
            f"setMessageReaction {v}" for v in shape_violations(spec, "Array of ReactionType", sent, "reaction")
        )
    return types
