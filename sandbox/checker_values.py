"""How the Bot API server reads parameter values, and generic object checks.

Telegram's server turns every parameter into a string first: form and
multipart values as they are; in a JSON body a string stays a string and any
other value becomes its JSON text (tdnet HttpReader::parse_json_parameters).
Objects are then JSON-decoded from that string, so both shapes arrive at the
same place. Scalars are read leniently (td::to_integer, Client::to_bool);
the sandbox does the same and records what a strict reading would refuse.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sandbox.spec import FieldSpec, Spec, TypeSpec

_INT = re.compile(r"-?\d+")


@dataclass
class Upload:
    """One file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes


def as_arg(value: Any) -> str:
    """The string Telegram's server sees for a parameter value."""
    if isinstance(value, str):
        return value
    if isinstance(value, Upload):
        return ""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def lenient_int(text: str) -> int:
    """td::to_integer: the leading integer, 0 if none."""
    match = _INT.match(text)
    return int(match.group()) if match else 0


def is_clean_int(text: str) -> bool:
    return _INT.fullmatch(text) is not None


def to_bool(text: str) -> bool:
    """Client::to_bool."""
    return text.strip().lower() in ("true", "yes", "1")


def is_clean_bool(text: str) -> bool:
    return text.strip().lower() in ("true", "false", "1", "0")


def lenient_float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def lower_first(message: str) -> str:
    """How Client::fail_query_with_error words a message after "Bad Request: "."""
    if len(message) >= 2 and (message[1] == "_" or message[1].isupper()):
        return message
    return message[:1].lower() + message[1:]


def decode_json(text: str) -> tuple[bool, Any]:
    try:
        return True, json.loads(text)
    except ValueError:
        return False, None


class FieldError(Exception):
    """td's JsonObject wording for a field of the wrong type or a missing one."""


def json_kind(value: Any) -> str:
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, (int, float)):
        return "Number"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "Array"
    return "Object"


def read_field(obj: dict[str, Any], field: FieldSpec, required: bool | None = None) -> Any:
    """Read one field the way td's JsonObject getters do, raising their wording."""
    name = field.name
    required = field.required if required is None else required
    if name not in obj:
        if required:
            raise FieldError(f'Can\'t find field "{name}"')
        return None
    value = obj[name]
    kind = json_kind(value)
    first = field.types[0]
    if first == "String" and len(field.types) == 1:
        if kind == "Number":
            return str(value)
        if kind != "String":
            raise FieldError(f'Field "{name}" must be of type String')
    elif first == "Integer" and len(field.types) == 1:
        if kind == "String":
            if not is_clean_int(value):
                raise FieldError(f'Field "{name}" must be a valid Number')
            return int(value)
        if kind != "Number":
            raise FieldError(f'Field "{name}" must be a Number')
        if isinstance(value, float) and not value.is_integer():
            raise FieldError(f'Field "{name}" must be a valid Number')
        return int(value)
    elif first == "Boolean" and len(field.types) == 1:
        if kind != "Boolean":
            raise FieldError(f'Field "{name}" must be of type Boolean')
    elif first == "Float" and len(field.types) == 1:
        if kind != "Number":
            raise FieldError(f'Field "{name}" must be of type Number')
    elif first.startswith("Array of"):
        if kind != "Array":
            raise FieldError(f'Field "{name}" must be of type Array')
    return value


def shape_violations(spec: Spec, type_name: str, value: Any, path: str, describe=json_kind) -> list[str]:
    """Differences between a decoded value and the spec's type, as strict-mode findings.

    ``describe`` names the kind of a wrong value (JSON kinds for requests,
    Python type names for the sandbox's own results).
    """
    if type_name.startswith("Array of "):
        if not isinstance(value, list):
            return [f"{path}: expected {type_name}, got {describe(value)}"]
        inner = type_name[len("Array of ") :]
        found: list[str] = []
        for index, item in enumerate(value):
            found += shape_violations(spec, inner, item, f"{path}[{index}]", describe)
        return found
    scalar = _SCALAR_CHECKS.get(type_name)
    if scalar is not None:
        return [] if scalar(value) else [f"{path}: expected {type_name}, got {describe(value)}"]
    type_spec = spec.type(type_name)
    if type_spec is None:
        return []
    if not isinstance(value, dict):
        return [f"{path}: expected {type_name}, got {describe(value)}"]
    if type_spec.subtypes:
        return _union_violations(spec, type_spec, value, path, describe)
    found = []
    for key in value:
        if type_spec.field(key) is None:
            found.append(f"{path}: unknown field {key!r} for {type_name}")
    for field in type_spec.fields:
        if field.name not in value:
            if field.required:
                found.append(f"{path}.{field.name}: required field missing")
            continue
        options = [shape_violations(spec, t, value[field.name], f"{path}.{field.name}", describe) for t in field.types]
        if all(options):
            found += min(options, key=len)
        elif field.const is not None and value[field.name] != field.const:
            found.append(f"{path}.{field.name}: expected {field.const!r}, got {value[field.name]!r}")
    return found


def _union_violations(spec: Spec, union: TypeSpec, value: dict, path: str, describe) -> list[str]:
    best: list[str] | None = None
    for name in union.subtypes:
        found = shape_violations(spec, name, value, path, describe)
        if not found:
            return []
        if best is None or len(found) < len(best):
            best = found
    return best or []


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_SCALAR_CHECKS = {
    "Integer": _is_int,
    "String": lambda v: isinstance(v, str),
    "Boolean": lambda v: isinstance(v, bool),
    "True": lambda v: v is True,
    "Float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "InputFile": lambda v: isinstance(v, (str, Upload)),
}
