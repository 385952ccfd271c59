"""Card numbers in a buyer's text hidden from the seller: every digit but the last four becomes "•".

A card number is found as the screen finds one (`normalise`, `patterns.DIGIT_RUN`, Luhn and issuer prefix in
`validators`): spaced, dashed or dotted groups, full-width or other scripts' digits, digits written as words.
Only the digits change, each original character into as many "•" as it has UTF-16 units, so separators keep the
number's shape ("•••• •••• •••• 4242") and Telegram's entity offsets stay where they were.
Not masked: a number introduced as an order, tracking or pickup number, an IMEI or a barcode (with no card word
close before it), one written after a "+" (a phone number), and the order's own numbers the caller passes in `keep`.

mask_card_numbers("card 4111 1111 1111 1111 pls")  # Masked(text="card •••• •••• •••• 1111 pls", count=1)
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from domain.moderation import patterns as p
from domain.moderation.normalise import Normalised, normalise
from domain.moderation.validators import card_groups, could_be_card_number

MASK = "•"  # U+2022: one UTF-16 unit, like every BMP character it stands in for
KEPT_DIGITS = 4  # what a receipt shows too: enough to tell cards apart, not to use one
_LABEL_WINDOW = 30  # as the screen's: how far before a number its label may stand ("order no. 4111...")


@dataclass(frozen=True, slots=True)
class Masked:
    text: str | None
    count: int  # card numbers hidden; 0 means `text` is the text given


def mask_card_numbers(text: str | None, keep: Collection[str] = ()) -> Masked:
    """`text` with its card numbers masked. `keep`: digit strings never masked (the order's number, its tracking)."""
    if not text:
        return Masked(text, 0)
    normalised = normalise(text)
    if not p.DIGIT.search(normalised.plain):
        return Masked(text, 0)
    kept = {"".join(c for c in number if c.isdigit()) for number in keep}
    hidden: set[int] = set()  # positions in the original text
    count = 0
    labels: _Labels | None = None
    for run in p.DIGIT_RUN.finditer(normalised.plain):
        groups = list(p.DIGIT_GROUP.finditer(run.group()))
        digits = [g.group() for g in groups]
        if sum(map(len, digits)) < 13 or "".join(digits) in kept or _after_plus(normalised.plain, run.start()):
            continue
        start = 0
        while (window := card_groups(digits, start, valid=could_be_card_number)) is not None:
            first, end = window
            start = end
            if "".join(digits[first:end]) in kept:
                continue
            labels = labels or _Labels(normalised)
            if labels.labelled(run.start() + groups[first].start()):
                continue
            positions = [run.start() + k for g in groups[first:end] for k in range(g.start(), g.end())]
            hidden |= _originals(normalised, positions[:-KEPT_DIGITS]) - _originals(
                normalised, positions[-KEPT_DIGITS:]
            )
            count += 1
    if not count:
        return Masked(text, 0)
    masked = "".join(MASK * _utf16_units(c) if i in hidden else c for i, c in enumerate(text))
    return Masked(masked, count)


class _Labels:
    """Order-number labels and card words in the text, found only once a card number is (rarely)."""

    def __init__(self, text: Normalised) -> None:
        self.labels = p.MASKING_LABEL.spans(text)
        # "pin", "code": words of both lists name a locker's code as often as a card's, so they label.
        self.card_words = [s for s in p.SECRET.spans(text) if not any(_overlap(s, label) for label in self.labels)]

    def labelled(self, start: int) -> bool:
        """Introduced as an order or tracking number, with no card word close before it ("card #4111..." is one)."""
        if any(start - _LABEL_WINDOW <= end <= start for _, end in self.card_words):
            return False
        return any(start - _LABEL_WINDOW <= end <= start for _, end in self.labels)


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _after_plus(plain: str, start: int) -> bool:
    """ "+62 812 ...": an international phone number, which no card number is written like."""
    before = plain[:start].rstrip(" (")
    return before.endswith("+")


def _originals(text: Normalised, positions: list[int]) -> set[int]:
    return {i for k in positions for i in range(text.starts[k], text.ends[k])}


def _utf16_units(c: str) -> int:
    return 2 if ord(c) > 0xFFFF else 1
