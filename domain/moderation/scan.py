"""One message's normalised text with its clauses, and the word-list matches found in it (each list searched once)."""

from __future__ import annotations

from bisect import bisect_right

from domain.moderation.normalise import Normalised
from domain.moderation.patterns import CLAUSE_END, COMMA, NEGATION, Terms

Span = tuple[int, int]


class Scan:
    def __init__(self, text: Normalised) -> None:
        self.text = text
        self._clause_ends = [m.start() for m in CLAUSE_END.finditer(text.plain)]
        self._commas = [m.start() for m in COMMA.finditer(text.plain)]
        self._found: dict[int, list[Span]] = {}
        self.memo: dict[str, list[Span]] = {}  # a rule's result, when another rule needs it too

    def find(self, terms: Terms) -> list[Span]:
        key = id(terms)
        if key not in self._found:
            self._found[key] = terms.spans(self.text)
        return self._found[key]

    def clause(self, position: int) -> int:
        return bisect_right(self._clause_ends, position)

    def near(self, span: Span, terms: Terms, window: int) -> list[Span]:
        """Matches of `terms` in the clause of `span`, at most `window` characters away from it."""
        clause = self.clause(span[0])
        return [
            s
            for s in self.find(terms)
            if self.clause(s[0]) == clause and s[0] - span[1] <= window and span[0] - s[1] <= window
        ]

    def in_clause(self, span: Span, terms: Terms) -> bool:
        return bool(self.near(span, terms, 10_000))

    def negated(self, span: Span) -> bool:
        """A negation before `span` in its clause, with no comma between them ("never share your OTP")."""
        clause = self.clause(span[0])
        commas = self._commas
        for start, end in self.find(NEGATION):
            if end <= span[0] and span[0] - end <= 60 and self.clause(start) == clause:
                if bisect_right(commas, span[0] - 1) == bisect_right(commas, end - 1):
                    return True
        return False

    def segment(self, position: int) -> tuple[int, int]:
        """Clause and comma-separated part of the clause that `position` is in."""
        return self.clause(position), bisect_right(self._commas, position)

    def clause_text(self, span: Span) -> str:
        clause = self.clause(span[0])
        start = self._clause_ends[clause - 1] if clause > 0 else 0
        end = self._clause_ends[clause] if clause < len(self._clause_ends) else len(self.text.plain)
        return self.text.plain[start : end + 1]


def joined(*spans: Span) -> Span:
    return min(s[0] for s in spans), max(s[1] for s in spans)
