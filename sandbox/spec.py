"""The Bot API reference as data: methods, their parameters, object types.

Loaded from ``botapi_spec.json`` (made by ``scripts/trim_botapi_spec.py``).
Method lookup is case-insensitive because Telegram's is: the Bot API server
lower-cases the method name before dispatching (telegram-bot-api Query.cpp).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

SPEC_PATH = Path(__file__).with_name("botapi_spec.json")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    types: tuple[str, ...]
    required: bool
    limits: dict[str, tuple[int, int]] = field(default_factory=dict)
    # The discriminator value of a subtype ("photo" for InputMediaPhoto.type).
    const: str | None = None


@dataclass(frozen=True)
class MethodSpec:
    name: str
    returns: tuple[str, ...]
    fields: tuple[FieldSpec, ...]

    def field(self, name: str) -> FieldSpec | None:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        return None


@dataclass(frozen=True)
class TypeSpec:
    name: str
    fields: tuple[FieldSpec, ...]
    subtypes: tuple[str, ...] = ()

    def field(self, name: str) -> FieldSpec | None:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        return None


@dataclass(frozen=True)
class Spec:
    version: str
    release_date: str
    methods: dict[str, MethodSpec]
    types: dict[str, TypeSpec]
    _by_lower: dict[str, MethodSpec]

    def method(self, name: str) -> MethodSpec | None:
        return self._by_lower.get(name.lower())

    def type(self, name: str) -> TypeSpec | None:
        return self.types.get(name)


def _field(raw: dict) -> FieldSpec:
    return FieldSpec(
        name=raw["name"],
        types=tuple(raw["types"]),
        required=raw["required"],
        limits={key: (lo, hi) for key, (lo, hi) in raw.get("limits", {}).items()},
        const=raw.get("const"),
    )


def parse_spec(data: dict) -> Spec:
    methods = {
        name: MethodSpec(name, tuple(raw["returns"]), tuple(_field(f) for f in raw["fields"]))
        for name, raw in data["methods"].items()
    }
    types = {
        name: TypeSpec(name, tuple(_field(f) for f in raw["fields"]), tuple(raw.get("subtypes", ())))
        for name, raw in data["types"].items()
    }
    return Spec(
        version=data["version"],
        release_date=data["release_date"],
        methods=methods,
        types=types,
        _by_lower={name.lower(): method for name, method in methods.items()},
    )


@lru_cache(maxsize=1)
def load_spec() -> Spec:
    return parse_spec(json.loads(SPEC_PATH.read_text(encoding="utf-8")))
