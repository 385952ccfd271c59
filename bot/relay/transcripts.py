"""A ticket's transcript as Telegram messages: a header, then every message, in as many parts as it takes.

Telegram refuses a text over 4,096 characters, counted after the HTML is
parsed (bot.relay.long_texts). A part ends between two messages, so each part
is valid HTML on its own; only a message too long for any part is cut, as
plain text (its tags are the template's, rendered again around each piece).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from bot.relay.long_texts import TEXT_LIMIT, split
from domain.services.transcripts import Transcript, TranscriptMessage

Render = Callable[..., str]  # (template, lang, **values) -> text

_TAG = re.compile(r"<[^>]*>")
_GAP = "\n\n"  # between two messages of the transcript


def visible_length(text: str) -> int:
    """What Telegram counts of an HTML text: its characters with the tags gone and the entities read."""
    return len(html.unescape(_TAG.sub("", text)))


def transcript_texts(render: Render, lang: str, transcript: Transcript, *, limit: int = TEXT_LIMIT) -> list[str]:
    """The transcript's messages to send, in order, each at most `limit` characters as Telegram counts them."""

    def head(part: int) -> str:
        return render("moderator/transcript.html", lang, t=transcript, part=part)

    # A part after the first has only a short header; every message block fits under it.
    room = limit - visible_length(head(10**6)) - len(_GAP)
    blocks = [block for message in transcript.messages for block in _blocks(render, lang, message, room)]
    parts: list[str] = []
    current = head(1)
    for block in blocks:
        joined = current + _GAP + block
        if visible_length(joined) <= limit:
            current = joined
            continue
        parts.append(current)
        current = head(len(parts) + 1) + _GAP + block
    parts.append(current)
    return parts


def _blocks(render: Render, lang: str, message: TranscriptMessage, room: int) -> list[str]:
    """The message as one block, or, when longer than `room`, its text cut into blocks that each fit."""

    def block(text: str | None, *, continued: bool) -> str:
        return render("moderator/transcript_message.html", lang, m=message, text=text, continued=continued)

    whole = block(message.text, continued=False)
    if visible_length(whole) <= room:
        return [whole]
    overhead = max(visible_length(block("", continued=flag)) for flag in (False, True)) + 1  # and its line break
    pieces = split(message.text or "", [], lambda _index: max(1, room - overhead))
    return [block(piece.text, continued=index > 0) for index, piece in enumerate(pieces)]
