"""The committed trimmed spec matches its source and carries the limits the checker needs."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from sandbox.spec import SPEC_PATH, load_spec

ROOT = Path(__file__).resolve().parents[2]
SHARED_SPEC = ROOT.parent / "shared" / "telegram-bot-api.json"


def _trimmer():
    spec = importlib.util.spec_from_file_location("trim_botapi_spec", ROOT / "scripts" / "trim_botapi_spec.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not SHARED_SPEC.exists(), reason="shared Bot API spec not present")
def test_committed_spec_is_what_the_script_makes():
    source = json.loads(SHARED_SPEC.read_text(encoding="utf-8"))
    assert SPEC_PATH.read_text(encoding="utf-8") == _trimmer().render(source)


def test_script_output_is_deterministic_and_prose_free(tmp_path):
    source = {
        "version": "Bot API 0",
        "release_date": "today",
        "changelog": "x",
        "types": {
            "B": {
                "name": "B",
                "description": ["prose"],
                "fields": [{"name": "type", "types": ["String"], "required": True, "description": 'Type, always "b"'}],
            }
        },
        "methods": {
            "m": {
                "name": "m",
                "href": "h",
                "description": ["prose"],
                "returns": ["True"],
                "fields": [
                    {"name": "t", "types": ["String"], "required": True, "description": "Text, 1-4096 characters"}
                ],
            }
        },
    }
    trimmer = _trimmer()
    first = trimmer.render(source)
    assert first == trimmer.render(json.loads(json.dumps(source)))
    assert "prose" not in first and "href" not in first
    data = json.loads(first)
    assert data["methods"]["m"]["fields"][0]["limits"] == {"chars": [1, 4096]}
    assert data["types"]["B"]["fields"][0]["const"] == "b"


@pytest.mark.parametrize(
    ("owner", "field", "kind", "limits"),
    [
        ("sendMessage", "text", "chars", (1, 4096)),
        ("sendPhoto", "caption", "chars", (0, 1024)),
        ("sendDocument", "caption", "chars", (0, 1024)),
        ("answerCallbackQuery", "text", "chars", (0, 200)),
        ("createForumTopic", "name", "chars", (1, 128)),
        ("getUpdates", "limit", "range", (1, 100)),
    ],
)
def test_method_limits_were_parsed(owner, field, kind, limits):
    assert load_spec().method(owner).field(field).limits[kind] == limits


def test_type_limits_were_parsed():
    spec = load_spec()
    assert spec.type("InlineKeyboardButton").field("callback_data").limits["bytes"] == (1, 64)
    assert spec.type("InputMediaPhoto").field("caption").limits["chars"] == (0, 1024)
    assert spec.type("BotCommand").field("command").limits["chars"] == (1, 32)


def test_method_lookup_is_case_insensitive_like_telegram():
    spec = load_spec()
    assert spec.method("SENDMESSAGE").name == "sendMessage"
    assert spec.method("sendmessage") is spec.method("sendMessage")
    assert spec.method("sendMessages") is None


def test_field_types_required_and_subtypes():
    spec = load_spec()
    chat_id = spec.method("sendMessage").field("chat_id")
    assert chat_id.types == ("Integer", "String") and chat_id.required
    assert spec.type("InlineKeyboardMarkup").field("inline_keyboard").types == (
        "Array of Array of InlineKeyboardButton",
    )
    assert "InputMediaPhoto" in spec.type("InputMedia").subtypes
    assert spec.type("InputMediaPhoto").field("type").const == "photo"
    assert spec.type("Nope") is None
