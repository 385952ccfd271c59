"""Files and InputMedia, as Client::get_input_file / get_input_media read them."""

from __future__ import annotations

from typing import Any

from sandbox.checker_text import FormattedText, TextError, check_caption, format_text, wrap
from sandbox.checker_values import Upload, decode_json, json_kind, shape_violations
from sandbox.errors import bad_request
from sandbox.spec import Spec

ATTACH = "attach://"
# Client::process_send_*_query: "There is no <what> in the request".
FILE_LABELS = {
    "photo": "photo",
    "document": "document",
    "video": "video",
    "audio": "audio",
    "animation": "animation",
    "voice": "voice",
    "video_note": "video note",
    "sticker": "sticker",
}
_MEDIA_TYPES = ("photo", "video", "animation", "audio", "document", "live_photo")
MAX_ALBUM = 10


def resolve_file(value: Any, field_name: str, files: dict[str, Upload]) -> Upload | str | None:
    """An upload, a file_id/URL string, or None when nothing usable was sent."""
    if isinstance(value, Upload):
        return value
    text = value if isinstance(value, str) else ""
    if text and not text.startswith(ATTACH):
        return text
    part = text[len(ATTACH) :] if text else field_name
    return files.get(part) if part else None


def check_album(
    spec: Spec, value: Any, files: dict[str, Upload], violations: list[str], formatted: dict[str, FormattedText]
) -> list[dict[str, Any]]:
    if value in (None, ""):
        raise bad_request('parameter "media" is required')
    items = value
    if isinstance(value, str):
        ok, items = decode_json(value)
        if not ok:
            raise bad_request("can't parse media JSON object")
    if not isinstance(items, list):
        raise bad_request("expected an Array of InputMedia")
    checked = [
        check_input_media(spec, item, files, violations, formatted, f"media[{index}]", for_album=True)
        for index, item in enumerate(items)
    ]
    if not checked:
        raise bad_request("there are no messages to send")
    if not 2 <= len(checked) <= MAX_ALBUM:
        # The reference asks for 2-10 items; Telegram's answer outside that is not confirmed.
        violations.append(f"media: an album must have 2-{MAX_ALBUM} items, got {len(checked)}")
    kinds = {item["type"] for item in checked}
    if len(kinds) > 1 and kinds & {"audio", "document"}:
        violations.append(f"media: audio and documents can only be grouped with their own kind, got {sorted(kinds)}")
    return checked


def check_single_media(
    spec: Spec, value: Any, files: dict[str, Upload], violations: list[str], formatted: dict[str, FormattedText]
) -> dict[str, Any]:
    if value in (None, ""):
        raise bad_request('parameter "media" is required')
    item = value
    if isinstance(value, str):
        ok, item = decode_json(value)
        if not ok:
            raise bad_request("can't parse input media JSON object")
    return check_input_media(spec, item, files, violations, formatted, "media", for_album=False)


def check_input_media(
    spec: Spec,
    item: Any,
    files: dict[str, Upload],
    violations: list[str],
    formatted: dict[str, FormattedText],
    where: str,
    for_album: bool,
) -> dict[str, Any]:
    prefix = "Can't parse InputMedia"
    if not isinstance(item, dict):
        raise wrap(prefix, "expected an Object")
    for name in ("caption", "parse_mode", "type", "media"):
        if name in item and json_kind(item[name]) not in ("String", "Number"):
            raise wrap(prefix, f'Field "{name}" must be of type String')
    try:
        caption = format_text(
            str(item.get("caption", "")),
            str(item.get("parse_mode", "")),
            item.get("caption_entities"),
            violations,
            where,
        )
    except TextError as error:
        raise wrap(prefix, str(error)) from None
    for name in ("show_caption_above_media", "has_spoiler"):
        if name in item and not isinstance(item[name], bool):
            raise wrap(prefix, f'Field "{name}" must be of type Boolean')
    if "type" not in item:
        raise wrap(prefix, 'Can\'t find field "type"')
    media = resolve_file(str(item.get("media", "")), "", files)
    if media is None:
        raise wrap(prefix, "media not found")
    kind = str(item["type"])
    if kind not in _MEDIA_TYPES:
        raise wrap(prefix, f'type "{kind}" is unsupported')
    if for_album and kind == "animation":
        raise wrap(prefix, f'type "{kind}" can\'t be used in sendMediaGroup')
    check_caption(caption)
    formatted[f"{where}.caption"] = caption
    violations.extend(shape_violations(spec, "InputMedia", item, where))
    return {**item, "media": media}
