"""What a Telegram message carries, as the domain records it (both sides' messages)."""

from __future__ import annotations

from telegram import Message

from domain.enums import AttachmentKind
from domain.results import IncomingFile


def incoming_files(message: Message) -> list[IncomingFile]:
    caption = message.caption
    if message.photo:
        largest = message.photo[-1]
        return [IncomingFile(AttachmentKind.PHOTO, largest.file_id, largest.file_unique_id, caption)]
    for kind, media in (
        (AttachmentKind.VIDEO, message.video),
        # Before the document: Telegram sends a GIF's document too, for old clients.
        (AttachmentKind.ANIMATION, message.animation),
        (AttachmentKind.DOCUMENT, message.document),
        (AttachmentKind.AUDIO, message.audio),
        (AttachmentKind.VOICE, message.voice),
        (AttachmentKind.VIDEO_NOTE, message.video_note),
        (AttachmentKind.STICKER, message.sticker),
    ):
        if media is not None:
            return [IncomingFile(kind, media.file_id, media.file_unique_id, caption)]
    return []
