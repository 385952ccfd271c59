"""The two practices that flag a message: disrespect, and delivery claims the order's data contradicts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

from domain.moderation import patterns as p
from domain.moderation.scan import Scan, Span, joined
from domain.moderation.verdict import OrderFacts

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
            ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
            ("november", "nov"), ("december", "dec"),
        ],
        start=1,
    )
    for name in names
} | {
    name: number
    for number, names in enumerate(
        [
            ("enero", "janeiro", "января", "januari"), ("febrero", "fevereiro", "февраля", "februari"),
            ("marzo", "março", "марта", "maret", "mac"), ("abril", "апреля", "april"), ("mayo", "maio", "мая", "mei"),
            ("junio", "junho", "июня", "juni", "jun"), ("julio", "julho", "июля", "juli", "julai"),
            ("agosto", "августа", "agustus", "ogos"), ("septiembre", "setembro", "сентября", "september"),
            ("octubre", "outubro", "октября", "oktober"), ("noviembre", "novembro", "ноября", "november"),
            ("diciembre", "dezembro", "декабря", "desember", "disember"),
        ],
        start=1,
    )
    for name in names
}  # fmt: skip
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE = re.compile(
    rf"(?P<iso>(?P<y>20\d\d)-(?P<m>\d\d?)-(?P<d>\d\d?))"
    rf"|(?<!\d)(?P<d2>\d\d?)(?:st|nd|rd|th)?\s*(?:of\s+|de\s+)?(?P<m2>{_MONTH})(?!\w)"
    rf"|(?<!\w)(?P<m3>{_MONTH})\.?\s+(?P<d3>\d\d?)(?:st|nd|rd|th)?(?!\d)"
    rf"|(?<![\d.])(?P<d4>\d\d?)[./](?P<m4>\d\d?)(?:[./](?P<y4>(?:20)?\d\d))?(?![\d./])"
    rf"|(?P<m5>\d\d?)月(?P<d5>\d\d?)[日号]"
)


def disrespect(scan: Scan) -> Iterator[Span]:
    yield from scan.find(p.INSULT)
    yield from scan.find(p.THREAT)
    for word in scan.find(p.AMBIGUOUS_INSULT):
        if scan.near(word, p.SECOND_PERSON, 15):
            yield word


def false_information(scan: Scan, facts: OrderFacts | None) -> Iterator[Span]:
    """Only what the order's data can contradict: there is no telling a false claim from a true one without it."""
    if facts is None:
        return
    if not facts.has_tracking and not facts.delivered:
        yield from _claims(scan, p.SHIPPED_CLAIM)
    if not facts.delivered:
        yield from _claims(scan, p.DELIVERED_CLAIM)
    yield from _broken_promises(scan, facts)


def _claims(scan: Scan, terms: p.Terms) -> Iterator[Span]:
    for claim in scan.find(terms):
        if not scan.negated(claim) and "?" not in scan.clause_text(claim):
            yield claim


def _broken_promises(scan: Scan, facts: OrderFacts) -> Iterator[Span]:
    """An arrival promised for a day already past, or sooner than the carrier's estimate."""
    if facts.delivered:
        return
    text = scan.text.plain
    promised: list[tuple[Span, date]] = [(s, facts.today + timedelta(days=1)) for s in scan.find(p.TOMORROW)]
    promised += [(s, facts.today) for s in scan.find(p.TODAY)]
    promised += [(s, facts.today - timedelta(days=1)) for s in scan.find(p.YESTERDAY)]
    for m in _DATE.finditer(text):
        day = _date_of(m, facts.today)
        if day is not None:
            promised.append((m.span(), day))
    for span, day in promised:
        if not scan.near(span, p.ARRIVAL_PROMISE, 40) or scan.negated(span):
            continue
        if day < facts.today or (facts.eta is not None and day < facts.eta):
            yield joined(span, *scan.near(span, p.ARRIVAL_PROMISE, 40)[:1])


def _date_of(m: re.Match[str], today: date) -> date | None:
    g = m.groupdict()
    try:
        if g["iso"]:
            return date(int(g["y"]), int(g["m"]), int(g["d"]))
        if g["m2"] or g["m3"]:
            month, day = _MONTHS[g["m2"] or g["m3"]], int(g["d2"] or g["d3"])
            year = today.year
        elif g["m5"]:
            month, day, year = int(g["m5"]), int(g["d5"]), today.year
        else:
            month, day = int(g["m4"]), int(g["d4"])
            year = int(g["y4"]) if g["y4"] else today.year
            year += 2000 if year < 100 else 0
        found = date(year, month, day)
    except ValueError:
        return None
    # "Jan 5" written in December means next January.
    if not (g["iso"] or g["y4"]) and (today - found).days > 180:
        found = found.replace(year=found.year + 1)
    return found
