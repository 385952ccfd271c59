"""Text as the screen reads it, with every character traced back to the original.

Two views of the same length: `plain` (NFKC, casefolded, invisible characters removed, every decimal digit as ASCII,
digits written as words turned into digits, letters spelled apart joined back when they spell a watched word) and
`latin` (the same, with homoglyphs and leetspeak read as the Latin letters they imitate, for Latin keywords).
`span(a, b)` maps a slice of either view back to the original text, so evidence points at what the seller wrote.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from domain.moderation.confusables import HOMOGLYPHS, LEETSPEAK
from domain.moderation.lexicon import NUMBER_WORDS, SPELLED_APART_WORDS

# Default-ignorable characters that are not category Cf (fillers, variation selectors, the grapheme joiner).
_INVISIBLE = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u3164\uffa0") | frozenset(
    chr(c) for c in range(0xFE00, 0xFE10)
)
_EMOJI = "\x00"  # placeholder while deciding whether an emoji sits inside a word
_NUMBER_WORD = "(?:" + "|".join(NUMBER_WORDS) + ")"
_NUMBER_WORD_RUN = re.compile(rf"(?<!\w){_NUMBER_WORD}(?:[\s,\-]+{_NUMBER_WORD}){{2,}}(?!\w)")
_CJK_NUMERALS = {c: str(i) for i, c in enumerate("零一二三四五六七八九")} | {"〇": "0", "幺": "1", "两": "2"}
_CJK_NUMERAL_RUN = re.compile("[" + "".join(_CJK_NUMERALS) + "]{4,}")
# Single letters kept apart by spaces, dots, dashes or emoji: "p a y p a l", "p.a.y.p.a.l".
_SPELLED_APART = re.compile(r"(?<![^\W\d_])[^\W\d_](?:[\s.\-_*·,/]{1,3}[^\W\d_](?![^\W\d_]))+")
_SEPARATOR = re.compile(r"[\s.\-_*·,/]")
_SPELLED_APART_WORDS = re.compile("|".join(SPELLED_APART_WORDS))


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_LEET_TOKEN = re.compile(r"[\w@$|]+")
_LETTER_NEXT_TO_LEET = re.compile(r"[^\W\d_][0-9@$|]|[0-9@$|][^\W\d_]")
_LETTERS = re.compile(r"[^\W\d_]+")
# Scripts the word lists have their own patterns for; a message without them skips those patterns.
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
UNSPACED = re.compile(r"[\u0600-\u06ff\u0e00-\u0e7f\u3000-\u9fff\uff00-\uffef]")


@dataclass(frozen=True, slots=True)
class Normalised:
    original: str
    plain: str
    latin: str
    starts: Sequence[int]
    ends: Sequence[int]
    has_cyrillic: bool
    has_unspaced: bool

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original text's slice behind the views' slice [start, end)."""
        if end <= start:
            at = self.starts[start] if start < len(self.starts) else len(self.original)
            return at, at
        return self.starts[start], self.ends[end - 1]


def normalise(text: str) -> Normalised:
    if text.isascii() and not _CONTROL.search(text):
        # The common case, kept fast: nothing to fold but case, one character for one.
        chars: Sequence[str] = text.lower()
        starts: Sequence[int] = range(len(text))
        ends: Sequence[int] = range(1, len(text) + 1)
    else:
        chars, starts, ends = _characters(text)
    chars, starts, ends = _numbers_from_words(chars, starts, ends)
    plain = "".join(chars)
    latin = _latin(plain)
    plain, latin, starts, ends = _join_spelled_apart(plain, latin, starts, ends)
    return Normalised(text, plain, latin, starts, ends, bool(CYRILLIC.search(plain)), bool(UNSPACED.search(plain)))


def _characters(text: str) -> tuple[list[str], list[int], list[int]]:
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for i, c in enumerate(text):
        if c < "\x80":
            out = c.lower() if c >= " " or c in "\n\t" else ""
        elif c in _INVISIBLE or 0xE0000 <= ord(c) <= 0xE01EF:
            continue
        else:
            category = unicodedata.category(c)
            if category == "Cf" or category == "Cc":
                continue
            if category == "Nd":
                out = str(unicodedata.digit(c))
            elif category == "So" or 0x1F000 <= ord(c) <= 0x1FAFF:
                out = _EMOJI
            else:
                out = unicodedata.normalize("NFKC", c).casefold()
        for o in out:
            chars.append(o)
            starts.append(i)
            ends.append(i + 1)
    if _EMOJI in chars:
        _resolve_emoji(chars)
        keep = [k for k, c in enumerate(chars) if c != ""]
        chars, starts, ends = [chars[k] for k in keep], [starts[k] for k in keep], [ends[k] for k in keep]
    return chars, starts, ends


def _resolve_emoji(chars: list[str]) -> None:
    """An emoji between two letters is dropped ("pay💰pal"); elsewhere it separates like a space."""
    n = len(chars)
    k = 0
    while k < n:
        if chars[k] != _EMOJI:
            k += 1
            continue
        j = k
        while j < n and chars[j] == _EMOJI:
            j += 1
        inside = k > 0 and chars[k - 1].isalpha() and j < n and chars[j].isalpha()
        for m in range(k, j):
            chars[m] = "" if inside else " "
        k = j


def _numbers_from_words(
    chars: Sequence[str], starts: Sequence[int], ends: Sequence[int]
) -> tuple[Sequence[str], Sequence[int], Sequence[int]]:
    """ "four five three two ..." -> "4 5 3 2 ...": a run of three or more number words is a number written out."""
    text = "".join(chars)
    replacements: list[tuple[int, int, str]] = []
    for run in _NUMBER_WORD_RUN.finditer(text):
        for word in re.finditer(r"[^\s,\-]+", run.group()):
            a, b = run.start() + word.start(), run.start() + word.end()
            replacements.append((a, b, NUMBER_WORDS[word.group()]))
    for run in _CJK_NUMERAL_RUN.finditer(text):
        replacements.extend((k, k + 1, _CJK_NUMERALS[text[k]]) for k in range(run.start(), run.end()))
    if not replacements:
        return chars, starts, ends
    out_chars: list[str] = []
    out_starts: list[int] = []
    out_ends: list[int] = []
    cursor = 0
    for a, b, digit in sorted(replacements):
        out_chars += chars[cursor:a]
        out_starts += starts[cursor:a]
        out_ends += ends[cursor:a]
        out_chars.append(digit)
        out_starts.append(starts[a])
        out_ends.append(ends[b - 1])
        cursor = b
    return out_chars + list(chars[cursor:]), out_starts + list(starts[cursor:]), out_ends + list(ends[cursor:])


def _latin(plain: str) -> str:
    latin: list[str] | None = None
    if not plain.isascii():
        for word in _LETTERS.finditer(plain):
            w = word.group()
            if w.isascii() or not any(c in HOMOGLYPHS for c in w):
                continue
            # A Russian word stays Russian unless it mixes in Latin letters or is made only of homoglyphs.
            if any("a" <= c <= "z" for c in w) or all(c in HOMOGLYPHS for c in w):
                latin = latin or list(plain)
                latin[word.start() : word.end()] = [HOMOGLYPHS.get(c, c) for c in w]
    tokens = _LEET_TOKEN.finditer(plain) if _LETTER_NEXT_TO_LEET.search(plain) else ()
    for token in tokens:
        w = token.group()
        if w.isalpha() or w.isdigit():
            continue
        letters = sum(c.isalpha() for c in w)
        if letters >= 2 and letters * 2 > len(w) - 1:
            latin = latin or list(plain)
            latin[token.start() : token.end()] = [LEETSPEAK.get(c, c) for c in latin[token.start() : token.end()]]
    return plain if latin is None else "".join(latin)


def _join_spelled_apart(
    plain: str, latin: str, starts: Sequence[int], ends: Sequence[int]
) -> tuple[str, str, Sequence[int], Sequence[int]]:
    drop: set[int] = set()
    for run in _SPELLED_APART.finditer(latin):
        letters = [run.start() + k for k, c in enumerate(run.group()) if not _SEPARATOR.fullmatch(c)]
        for view in (latin, plain):
            word = _SPELLED_APART_WORDS.search("".join(view[k] for k in letters))
            if word:
                # Join only the letters that spell the word: "a s e n h a" -> "a senha".
                first, last = letters[word.start()], letters[word.end() - 1]
                drop.update(k for k in range(first, last) if k not in letters)
                break
    if not drop:
        return plain, latin, starts, ends
    keep = [k for k in range(len(plain)) if k not in drop]
    return (
        "".join(plain[k] for k in keep),
        "".join(latin[k] for k in keep),
        [starts[k] for k in keep],
        [ends[k] for k in keep],
    )
