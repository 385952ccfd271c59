"""Texts at Telegram's length limits: a text under a bold header line, in as many parts as it needs.

Telegram refuses a text over 4,096 characters and a caption over 1,024,
counted in Unicode code points after entity parsing (td checks
``utf8_length``; the sandbox does the same), while entity offsets are
counted in UTF-16 code units. An agent may send the full 4,096 and the
store's header comes on top, so a reply can need two parts.

A part is cut the way Telegram's apps cut a long paste: at the best break in
the second half of the room left (a blank line, a line break, a sentence's
end, a comma, a space), the latest of the best kind; never inside an emoji
or a letter with its accents, nor inside a link or a mention unless the
part has no other place to end. The whitespace at a cut is dropped
(Telegram would trim it anyway). Formatting that crosses a cut is split in
two; a link or mention cut in two is dropped, since half of one points
nowhere.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024

# Entities whose text is what they mean: a piece of one is wrong, so a cut avoids them.
_WHOLE = frozenset(
    {"mention", "hashtag", "cashtag", "bot_command", "url", "email", "phone_number", "custom_emoji", "date_time"}
)
_SENTENCE_ENDS = frozenset(".?!…。！？")
_CLAUSE_ENDS = frozenset(",:;，；：、")
_STANDALONE_ENDS = frozenset("。！？，；：、")  # CJK punctuation ends a sentence or clause with no space after it

Header = Callable[[int, int], str]  # (part, parts), both counted from 1 -> the header line of that part


@dataclass(frozen=True)
class Part:
    text: str
    entities: list[dict[str, Any]]


def utf16_len(text: str) -> int:
    """Telegram counts entity offsets in UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def with_header(header: str, text: str | None, entities: Sequence[Mapping[str, Any]] = ()) -> Part:
    """`text` under a bold `header` line, its own formatting kept."""
    prefix = header + "\n"
    shift = utf16_len(prefix)
    bold = {"type": "bold", "offset": 0, "length": utf16_len(header)}
    return Part(prefix + (text or ""), [bold, *({**entity, "offset": entity["offset"] + shift} for entity in entities)])


def headed_parts(
    header: Header,
    text: str | None,
    entities: Sequence[Mapping[str, Any]],
    *,
    first_limit: int,
    limit: int = TEXT_LIMIT,
) -> list[Part]:
    """`text` under `header(part, parts)`: one part if it fits under `header(1, 1)`, else as many as needed.

    The first part has `first_limit` (a caption's, when it goes with a file),
    the later ones `limit`.
    """
    single = with_header(header(1, 1), text, entities)
    if len(single.text) <= first_limit:
        return [single]
    count = 2
    while True:
        # The headers count the parts, and their length decides how many there are: settle the count.
        # It only grows from 2 (a longer header never makes fewer parts), so this ends.
        pieces = split(text or "", entities, _rooms(header, count, first_limit, limit))
        if len(pieces) <= count:
            break
        count = len(pieces)
    if not pieces:
        return [with_header(header(1, 1), "")]  # only whitespace, which Telegram would trim away
    count = len(pieces)
    return [with_header(header(index + 1, count), piece.text, piece.entities) for index, piece in enumerate(pieces)]


def _rooms(header: Header, count: int, first_limit: int, limit: int) -> Callable[[int], int]:
    """The room for the text of part `index` (from 0) of `count`: its limit less its header line."""
    return lambda index: max(1, (first_limit if index == 0 else limit) - len(header(index + 1, count)) - 1)


def split(text: str, entities: Sequence[Mapping[str, Any]], room: Callable[[int], int]) -> list[Part]:
    """`text` in pieces, the n-th (from 0) at most `room(n)` code points, with their entities."""
    offsets = _utf16_offsets(text)
    # inside[i]: a cut before text[i] would split a link, mention or the like (computed once, not per cut).
    inside = bytearray(len(text) + 1)
    for begin, end in (_code_points(offsets, e) for e in entities if e.get("type") in _WHOLE):
        inside[begin + 1 : end] = b"\x01" * max(end - begin - 1, 0)
    pieces: list[Part] = []
    start = _skip_space(text, 0)
    while start < len(text):
        space = room(len(pieces))
        end = len(text) if len(text) - start <= space else _best_cut(text, start, space, inside)
        last = end
        while last > start and text[last - 1].isspace():
            last -= 1
        pieces.append(Part(text[start:last], _entities_within(entities, offsets[start], offsets[last])))
        start = _skip_space(text, end)
    return pieces


def _best_cut(text: str, start: int, space: int, inside: bytearray) -> int:
    """Where the piece from `start` ends, at most `space` code points on: the latest of the best breaks.

    The second half is searched first, so parts are not needlessly short; a
    cut there that would split a link or a character looks in the first half
    for any better one.
    """
    best, best_level = _best_between(text, start + space // 2 + 1, start + space, inside)
    if best_level <= 1:
        earlier, earlier_level = _best_between(text, start + 1, start + space // 2, inside)
        if earlier_level > best_level:
            best = earlier
    return best


def _best_between(text: str, first: int, last: int, inside: bytearray) -> tuple[int, int]:
    best, best_level = last, -1
    for index in range(first, last + 1):
        level = _break_level(text, index)
        if level > 1 and inside[index]:
            level = 1
        if level >= best_level:
            best, best_level = index, level
    return best, best_level


def _break_level(text: str, index: int) -> int:
    """How good a cut before text[index] is; higher is better, 0 splits what one sees as one character."""
    char, before = text[index], text[index - 1]
    if _joins_previous(text, index):
        return 0
    if char == "\n":
        return 15 if before == "\n" or text[index + 1 : index + 2] == "\n" else 13
    if char.isspace():
        return 10 if before in _SENTENCE_ENDS else 8 if before in _CLAUSE_ENDS else 6
    if before in _STANDALONE_ENDS:
        return 10 if before in _SENTENCE_ENDS else 8
    return 4 if before.isspace() or unicodedata.category(before)[0] in "PZS" else 2


def _joins_previous(text: str, index: int) -> bool:
    """Whether text[index] belongs with the character before it (accents, emoji sequences, flags)."""
    char, before = text[index], text[index - 1]
    code = ord(char)
    if unicodedata.category(char) in ("Mn", "Mc", "Me") or char == "\u200d" or before == "\u200d":
        return True
    if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:  # variation selectors
        return True
    if 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F:  # skin tones, tag sequences (subdivision flags)
        return True
    if _regional(char) and _regional(before):
        run = 0
        while index - run - 1 >= 0 and _regional(text[index - run - 1]):
            run += 1
        return run % 2 == 1  # flags are pairs: an odd run before means this one completes a flag
    return False


def _regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index].isspace():
        index += 1
    return index


def _utf16_offsets(text: str) -> list[int]:
    """offsets[i]: where code point i starts in UTF-16 units; offsets[len(text)]: the total."""
    offsets, units = [0], 0
    for char in text:
        units += 2 if ord(char) > 0xFFFF else 1
        offsets.append(units)
    return offsets


def _code_points(offsets: list[int], entity: Mapping[str, Any]) -> tuple[int, int]:
    """An entity's span in code points (an offset inside a surrogate pair rounds down)."""
    start = bisect_right(offsets, entity["offset"]) - 1
    end = bisect_right(offsets, entity["offset"] + entity["length"] - 1)
    return start, end


def _entities_within(entities: Sequence[Mapping[str, Any]], first: int, end: int) -> list[dict[str, Any]]:
    """The entities over UTF-16 units [first, end), moved to start at 0; a cut one split, a cut link dropped."""
    kept = []
    for entity in entities:
        start, stop = entity["offset"], entity["offset"] + entity["length"]
        lo, hi = max(start, first), min(stop, end)
        if hi <= lo or (entity.get("type") in _WHOLE and (lo, hi) != (start, stop)):
            continue
        kept.append({**entity, "offset": lo - first, "length": hi - lo})
    return kept
