"""Write the compact Bot API spec the sandbox checks requests against.

Usage: python scripts/trim_botapi_spec.py [SRC] [DEST]
(defaults: ../shared/telegram-bot-api.json -> sandbox/botapi_spec.json,
relative to the repository root).

Keeps names, types, required flags and the numeric limits that the prose
states ("1-4096 characters", "1-64 bytes", "Values between 1-100 are
accepted"); drops the prose. Output is sorted and stable so that
regenerating from the same source produces no diff.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SRC = ROOT.parent / "shared" / "telegram-bot-api.json"
DEFAULT_DEST = ROOT / "sandbox" / "botapi_spec.json"

_CHARS = re.compile(r"(\d+)\s*-\s*(\d+) characters")
_BYTES = re.compile(r"(\d+)\s*-\s*(\d+) bytes")
_RANGE = re.compile(r"Values between (\d+)\s*-\s*(\d+) are accepted")
# Subtypes are told apart by a discriminator such as type "photo" or
# status "creator"; the prose states it as 'always "x"' or 'must be x'.
_CONST = re.compile(r"(?:always|must be) [\"“]?([a-z_]+)[\"”]?")


def parse_limits(description: str) -> dict[str, list[int]]:
    limits: dict[str, list[int]] = {}
    for key, pattern in (("chars", _CHARS), ("bytes", _BYTES), ("range", _RANGE)):
        match = pattern.search(description)
        if match:
            limits[key] = [int(match.group(1)), int(match.group(2))]
    return limits


def trim_field(field: dict[str, Any], with_const: bool) -> dict[str, Any]:
    description = field.get("description", "")
    out: dict[str, Any] = {
        "name": field["name"],
        "types": list(field["types"]),
        "required": bool(field.get("required", False)),
    }
    limits = parse_limits(description)
    if limits:
        out["limits"] = limits
    if with_const and field["name"] in ("type", "status", "source", "scope"):
        match = _CONST.search(description)
        if match:
            out["const"] = match.group(1)
    return out


def trim(spec: dict[str, Any]) -> dict[str, Any]:
    methods = {
        name: {
            "returns": list(method.get("returns", [])),
            "fields": [trim_field(f, with_const=False) for f in method.get("fields", [])],
        }
        for name, method in spec["methods"].items()
    }
    types: dict[str, Any] = {}
    for name, type_ in spec["types"].items():
        entry: dict[str, Any] = {"fields": [trim_field(f, with_const=True) for f in type_.get("fields", [])]}
        if type_.get("subtypes"):
            entry["subtypes"] = list(type_["subtypes"])
        types[name] = entry
    return {
        "version": spec["version"],
        "release_date": spec["release_date"],
        "methods": methods,
        "types": types,
    }


def render(spec: dict[str, Any]) -> str:
    return json.dumps(trim(spec), sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    src = Path(argv[1]) if len(argv) > 1 else DEFAULT_SRC
    dest = Path(argv[2]) if len(argv) > 2 else DEFAULT_DEST
    if not src.exists():
        print(f"source spec not found: {src}", file=sys.stderr)
        return 1
    dest.write_text(render(json.loads(src.read_text(encoding="utf-8"))), encoding="utf-8")
    print(f"wrote {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
