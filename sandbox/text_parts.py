"""How a Telegram client sends a text longer than one message: as several messages.

No one can send a single message over 4096 characters: the apps cut a longer
text into parts and send them one after another. This follows Telegram
Desktop (`TextUtilities::CutPart`): each part is at most 4096 UTF-16 units
(a Qt string's length), cut in its second half at the best break found —
a blank line, a line break, a space after a sentence, after a comma, any
space, after punctuation, else anywhere (never inside a surrogate pair) —
the latest of the best kind, and each part is trimmed before it is sent.
"""

from __future__ import annotations

import unicodedata

MESSAGE_LIMIT = 4096  # Telegram's maximum message length (Bot API sendMessage: 1-4096 characters)

_SENTENCE_ENDS = ".?!"
_PART_ENDS = ",:;"


def _units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def _is_separator(char: str) -> bool:
    return char.isspace() or unicodedata.category(char)[0] in "PZS"


def _break_level(text: str, index: int) -> int:
    """How good a cut before text[index] is; higher is better (Telegram Desktop's ranking, no entities)."""
    char, before = text[index], text[index - 1]
    if char == "\n":
        return 15 if index + 1 < len(text) and text[index + 1] == "\n" else 13
    if char.isspace():
        return 10 if before in _SENTENCE_ENDS else 8 if before in _PART_ENDS else 6
    return 4 if _is_separator(before) else 2


def _cut(text: str, limit: int) -> int:
    """Where the first part of `text` ends (an index into it); len(text) when it fits."""
    units, best, best_level = 0, len(text), -1
    for index, char in enumerate(text):
        if units > limit // 2:
            level = _break_level(text, index)
            if level >= best_level:
                best, best_level = index, level
        units += _units(char)
        if units > limit:
            return best
    return len(text)


def client_parts(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """The messages a Telegram client sends for `text`: one if it fits, else several; blank parts dropped."""
    text = text.strip()
    parts = []
    while text:
        end = _cut(text, limit)
        parts.append(text[:end].strip())
        text = text[end:].strip()
    return [part for part in parts if part]
