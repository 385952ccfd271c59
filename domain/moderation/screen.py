"""`screen(text)`: the one verdict on a seller's message, from the four practices' rules."""

from __future__ import annotations

from domain.moderation import patterns as p
from domain.moderation.conduct_rules import disrespect, false_information
from domain.moderation.normalise import normalise
from domain.moderation.payment_rules import code_passed_on, off_platform_payment, payment_details
from domain.moderation.scan import Scan, Span
from domain.moderation.verdict import (
    ACTION_OF_RULE,
    DISRESPECT,
    FALSE_INFORMATION,
    OFF_PLATFORM_PAYMENT,
    PAYMENT_DETAILS,
    Hit,
    OrderFacts,
    Verdict,
    verdict_of,
)

_ALLOW = Verdict("allow")


def screen(text: str, *, lang: str | None = None, facts: OrderFacts | None = None) -> Verdict:
    """Screen `text` as written by a seller. `lang` is a hint only: every language is watched, since sellers mix
    them. `facts` (the order's tracking data and today's date) lets delivery claims be checked."""
    normalised = normalise(text)
    if not p.DIGIT.search(normalised.plain) and not p.ANCHORS.spans(normalised):
        return _ALLOW
    scan = Scan(normalised)
    found: dict[str, list[Span]] = {
        PAYMENT_DETAILS: [*payment_details(scan), *code_passed_on(scan)],
        OFF_PLATFORM_PAYMENT: list(off_platform_payment(scan)),
        FALSE_INFORMATION: list(false_information(scan, facts)),
        DISRESPECT: list(disrespect(scan)),
    }
    hits: list[Hit] = []
    for rule, spans in found.items():
        severity = "high" if ACTION_OF_RULE[rule] == "hold" else "medium"
        for span in _merged(spans):
            start, end = normalised.span(*span)
            hits.append(Hit(rule, text[start:end], start, end, severity))
    return verdict_of(hits)


def _merged(spans: list[Span]) -> list[Span]:
    """Overlapping evidence of one rule is one hit."""
    merged: list[Span] = []
    for start, end in sorted(set(spans)):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
