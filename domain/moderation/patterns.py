"""The lexicon's word lists, compiled once into the regular expressions the rules search with."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from domain.moderation import lexicon
from domain.moderation.normalise import CYRILLIC, UNSPACED, Normalised

_SEPARATOR = r"[\s\-_.:/]{0,3}"
# Word edges for spaced scripts only: a Latin word glued to Thai or Chinese ("加我LINE") is still a word.
_LETTER = r"0-9a-z\u00c0-\u024f\u0400-\u04ff\u1e00-\u1eff"
_WORD_START = rf"(?<![{_LETTER}])"
_WORD_END = rf"(?![{_LETTER}])"


def _first_chars(term: str) -> str | None:
    """The characters `term` can start with, as a character-class body; None when that is not simple to tell."""
    if term.startswith("["):
        return term[1 : term.index("]")]
    if term[0] in "\\(.?*+{|^$":
        return None
    return re.escape(term[0])


def _alternation(terms: list[str], *, bounded: bool) -> re.Pattern[str] | None:
    """One pattern for `terms`, longest first. The word-start check and a look at the first character come before
    the alternatives, so the engine rules most positions out without trying each term there."""
    if not terms:
        return None
    parts = []
    firsts: set[str] | None = set()
    for term in sorted(set(terms), key=len, reverse=True):
        stem = term.endswith("*") and not term.endswith("\\*")
        body = (term[:-1] if stem else term).replace(" ", _SEPARATOR)
        parts.append(body if stem or not bounded else body + _WORD_END)
        first = _first_chars(term)
        firsts = None if firsts is None or first is None else firsts | {first}
    prefix = _WORD_START if bounded else ""
    if firsts is not None:
        prefix += "(?=[" + "".join(sorted(firsts)) + "])"
    return re.compile(prefix + "(?:" + "|".join(parts) + ")")


@dataclass(frozen=True, slots=True)
class Terms:
    """One word list, as three patterns: Latin-script terms (whole words, searched in the homoglyph-free view),
    Cyrillic ones (whole words, in the plain view) and terms of scripts without spaces (anywhere, plain view)."""

    latin: re.Pattern[str] | None
    cyrillic: re.Pattern[str] | None
    unspaced: re.Pattern[str] | None

    @classmethod
    def of(cls, terms: list[str]) -> Terms:
        unspaced = [t for t in terms if UNSPACED.search(t)]
        cyrillic = [t for t in terms if CYRILLIC.search(t) and t not in unspaced]
        latin = [t for t in terms if t not in unspaced and t not in cyrillic]
        return cls(
            _alternation(latin, bounded=True),
            _alternation(cyrillic, bounded=True),
            _alternation(unspaced, bounded=False),
        )

    def spans(self, text: Normalised) -> list[tuple[int, int]]:
        return list(self._spans(text))

    def _spans(self, text: Normalised) -> Iterator[tuple[int, int]]:
        if self.latin is not None:
            for m in self.latin.finditer(text.latin):
                yield m.span()
        if self.cyrillic is not None and text.has_cyrillic:
            for m in self.cyrillic.finditer(text.plain):
                yield m.span()
        if self.unspaced is not None and text.has_unspaced:
            for m in self.unspaced.finditer(text.plain):
                yield m.span()


ASK = Terms.of(lexicon.ASK)
NEGATION = Terms.of(lexicon.NEGATION)
SECRET = Terms.of(lexicon.SECRET)
PAY = Terms.of(lexicon.PAY)
CHANNEL = Terms.of(lexicon.CHANNEL)
WEAK_CHANNEL = Terms.of(lexicon.WEAK_CHANNEL)
SELLER_SIDE = Terms.of(lexicon.SELLER_SIDE)
DIRECT = Terms.of(lexicon.DIRECT)
OUTSIDE = Terms.of(lexicon.OUTSIDE)
APP = Terms.of(lexicon.APP)
AMBIGUOUS_APP = Terms.of(lexicon.AMBIGUOUS_APP)
CONTACT = Terms.of(lexicon.CONTACT)
COURIER = Terms.of(lexicon.COURIER)
PLATFORM = Terms.of(lexicon.PLATFORM)
IN_APP = Terms.of(lexicon.IN_APP)
INSULT = Terms.of(lexicon.INSULT)
AMBIGUOUS_INSULT = Terms.of(lexicon.AMBIGUOUS_INSULT)
THREAT = Terms.of(lexicon.THREAT)
SECOND_PERSON = Terms.of(lexicon.SECOND_PERSON)
SHIPPED_CLAIM = Terms.of(lexicon.SHIPPED_CLAIM)
DELIVERED_CLAIM = Terms.of(lexicon.DELIVERED_CLAIM)
ARRIVAL_PROMISE = Terms.of(lexicon.ARRIVAL_PROMISE)
TOMORROW = Terms.of(lexicon.TOMORROW)
TODAY = Terms.of(lexicon.TODAY)
YESTERDAY = Terms.of(lexicon.YESTERDAY)
NUMBER_LABEL = Terms.of(lexicon.NUMBER_LABEL)
# What keeps a number in a buyer's words from being masked as a card: the labels above, but "ref" whole, since
# "ref*" takes "refund" ("refund to 4111 ...") for a reference number's label.
MASKING_LABEL = Terms.of(
    [term for term in lexicon.NUMBER_LABEL if term != "ref*"] + ["ref", "refs"] + lexicon.PRODUCT_NUMBER_LABEL
)
STRONG_SECRET = Terms.of(lexicon.STRONG_SECRET)
PRONOUN_ASK = Terms.of(lexicon.PRONOUN_ASK)
ENTER = Terms.of(lexicon.ENTER)
LOCKER = Terms.of(lexicon.LOCKER)

# Anything the rules could start from; a message with none of it is allowed without further work.
ANCHORS = Terms.of(
    lexicon.SECRET + lexicon.PAY + lexicon.CHANNEL + lexicon.WEAK_CHANNEL + lexicon.OUTSIDE + lexicon.APP + lexicon.AMBIGUOUS_APP
    + lexicon.INSULT + lexicon.AMBIGUOUS_INSULT + lexicon.THREAT + lexicon.SHIPPED_CLAIM + lexicon.DELIVERED_CLAIM
    + lexicon.ARRIVAL_PROMISE + lexicon.TOMORROW
)  # fmt: skip
DIGIT = re.compile(r"\d")

# Digits kept apart by spaces, dots or dashes ("4 5 3 2", "4532.1234"): one run, split into groups.
DIGIT_RUN = re.compile(r"(?<![^\W\d_])\d(?:[ \t.\-_/·*,]{0,2}\d)*(?![^\W\d_])")
DIGIT_GROUP = re.compile(r"\d+")
URL = re.compile(
    r"https?://\S+|www\.\S+|(?<![\w@.])[a-z0-9-]+\.(?:com|me|ly|io|link|ru|cn|net|shop|store|xyz|page|example)(?:/\S*)?"
)
IBAN_CANDIDATE = re.compile(r"(?<![a-z0-9])[a-z]{2}\d{2}(?:[ \-]?[a-z0-9]){10,30}(?![a-z0-9])")
# Searched in the original text: base58 is case-sensitive.
IBAN_GROUP = re.compile(r"[a-z0-9]+")
CRYPTO_CANDIDATE = re.compile(
    r"(?<![A-Za-z0-9])(?:0x[0-9a-fA-F]{40}|(?:bc1|BC1)[02-9ac-hj-np-zAC-HJ-NP-Z]{11,71}"
    r"|[13][1-9A-HJ-NP-Za-km-z]{25,34}|T[1-9A-HJ-NP-Za-km-z]{33})(?![A-Za-z0-9])"
)
PHONE_CANDIDATE = re.compile(r"(?<!\w)\+?\(?\d[\d \-().]{5,26}\d(?!\w)")
EMAIL = re.compile(r"[a-z0-9_.+-]+@[a-z0-9-]+\.[a-z0-9.]+")
HANDLE = re.compile(r"(?<!\w)@[a-z0-9_.]{3,}|(?<!\w)(?:id|ไอดี)\s*[:：]?\s*@?[a-z0-9_.]{3,}")
CLAUSE_END = re.compile(r"[.!?;](?=\s|$)|[。！？；\n]|\s[-–—]\s")
COMMA = re.compile(r"[,，、]|\s(?:but|pero|mas|tapi|nhưng|но|لكن)\s")
