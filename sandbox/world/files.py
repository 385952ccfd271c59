"""Uploaded files: ids the way Telegram shapes them, which method may send an id again, and picture sizes read from the bytes."""

from __future__ import annotations

import mimetypes
import secrets
import struct
from pathlib import PurePath
from typing import Any

from sandbox.errors import bad_request
from sandbox.world.models import FileRecord

# Telegram's file ids start with a type-specific prefix; bots must treat them as opaque.
_ID_PREFIX = {
    "photo": "AgACAgIAAxkBAAI",
    "document": "BQACAgIAAxkBAAI",
    "video": "BAACAgIAAxkBAAI",
    "sticker": "CAACAgIAAxkBAAI",
    "voice": "AwACAgIAAxkBAAI",
    "audio": "CQACAgIAAxkBAAI",
    "animation": "CgACAgIAAxkBAAI",
    "video_note": "DQACAgIAAxkBAAI",
}
# td's get_file_type_name: the folder of each kind's file_path.
_FOLDER = {
    "photo": "photos",
    "document": "documents",
    "video": "videos",
    "sticker": "stickers",
    "voice": "voice",
    "audio": "music",
    "animation": "animations",
    "video_note": "video_notes",
}
_DEFAULT_MIME = {
    "photo": "image/jpeg",
    "video": "video/mp4",
    "voice": "audio/ogg",
    "audio": "audio/mpeg",
    "animation": "video/mp4",
    "video_note": "video/mp4",
}
# td's FileType names, as "can't use file of type Document as Photo" spells them.
TD_FILE_TYPE = {
    "photo": "Photo",
    "document": "Document",
    "video": "Video",
    "sticker": "Sticker",
    "voice": "VoiceNote",
    "audio": "Audio",
    "animation": "Animation",
    "video_note": "VideoNote",
}
# Kinds that are played and so have a duration; kinds Telegram keeps no file name for.
_TIMED = {"video", "voice", "audio", "animation", "video_note"}
_NAMELESS = {"photo", "sticker", "voice", "video_note"}
CAPTIONLESS = frozenset({"sticker", "video_note"})  # the Bot API gives these no caption
_DEFAULT_SIZE = (320, 320)
VIDEO_SIZE = (640, 360)
VIDEO_NOTE_LENGTH = 240  # a video note is a square; Telegram calls its side the length

# A sticker's format is its file's: WEBP is static, TGS (gzipped Lottie) animated, WEBM a video sticker.
STICKER_EXTENSIONS = {"image/webp": ".webp", "application/x-tgsticker": ".tgs", "video/webm": ".webm"}
STICKER_SIDE = 512  # Telegram scales a sticker so that its longer side is 512 px


def check_usable_as(file: FileRecord, kind: str) -> None:
    """td's FileManager::check_input_file_id: a photo's id is no file of the document class, and back.

    Within the document class (documents, videos, audio, voice and video
    notes, stickers, animations) td lets an id pass whatever the method.
    """
    if (file.kind == "photo") != (kind == "photo"):
        raise bad_request(f"can't use file of type {TD_FILE_TYPE[file.kind]} as {TD_FILE_TYPE[kind]}")


def sticker_mime_type(file_name: str | None, mime_type: str | None) -> str | None:
    """The sticker format of an upload, by its content type or else its name; None if it is none of them."""
    if mime_type in STICKER_EXTENSIONS:
        return mime_type
    suffix = PurePath(file_name or "").suffix.lower()
    return next((mime for mime, extension in STICKER_EXTENSIONS.items() if extension == suffix), None)


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG, GIF or JPEG; a plausible default for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:2] == b"\xff\xd8":
        index = 2
        while index + 9 < len(data):
            if data[index] != 0xFF:
                break
            marker = data[index + 1]
            length = struct.unpack(">H", data[index + 2 : index + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[index + 5 : index + 9])
                return width, height
            index += 2 + length
    return _DEFAULT_SIZE


class FileStore:
    def __init__(self) -> None:
        self._by_id: dict[str, FileRecord] = {}
        self._by_path: dict[str, FileRecord] = {}
        self._count = 0

    def add(
        self,
        kind: str,
        data: bytes,
        file_name: str | None,
        mime_type: str | None,
        emoji: str | None = None,
        set_name: str | None = None,
        **details: Any,
    ) -> FileRecord:
        """A new upload of `kind`; `details` are what the sender said of it (duration, width, height, performer, title)."""
        self._count += 1
        if kind == "sticker":
            mime_type = sticker_mime_type(file_name, mime_type) or "image/webp"
        if not mime_type or mime_type == "application/octet-stream":
            guessed = mimetypes.guess_type(file_name or "")[0]
            mime_type = guessed or _DEFAULT_MIME.get(kind, "application/octet-stream")
        extension = STICKER_EXTENSIONS.get(mime_type) or mimetypes.guess_extension(mime_type) or ".bin"
        width, height = image_size(data) if kind == "photo" else (0, 0)
        if kind in ("video", "animation"):
            width, height = details.get("width") or VIDEO_SIZE[0], details.get("height") or VIDEO_SIZE[1]
        if kind == "sticker":
            width, height = STICKER_SIDE, STICKER_SIDE
        if kind == "video_note":
            width = height = details.get("length") or VIDEO_NOTE_LENGTH
        record = FileRecord(
            file_id=_ID_PREFIX[kind] + secrets.token_urlsafe(48),
            file_unique_id="AQAD" + secrets.token_urlsafe(9),
            kind=kind,
            data=data,
            mime_type=mime_type,
            # Telegram drops the file name of photos, voice and video notes; a sticker has none either.
            file_name=None if kind in _NAMELESS else (file_name or f"file_{self._count}{extension}"),
            file_path=f"{_FOLDER[kind]}/file_{self._count}{extension}",
            width=width,
            height=height,
            duration=(details.get("duration") or 1) if kind in _TIMED else 0,
            emoji=emoji,
            set_name=set_name,
            performer=details.get("performer") or None,
            title=details.get("title") or None,
        )
        self._by_id[record.file_id] = record
        self._by_path[record.file_path] = record
        return record

    def get(self, file_id: str) -> FileRecord | None:
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> FileRecord | None:
        return self._by_path.get(file_path)
