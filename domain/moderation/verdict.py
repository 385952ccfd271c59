"""What the screen answers: the rules hit, where in the original text, and what to do with the message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

Action = Literal["hold", "flag", "allow"]

PAYMENT_DETAILS = "payment_details"
OFF_PLATFORM_PAYMENT = "off_platform_payment"
FALSE_INFORMATION = "false_information"
DISRESPECT = "disrespect"
RULES = (PAYMENT_DETAILS, OFF_PLATFORM_PAYMENT, FALSE_INFORMATION, DISRESPECT)

# Asking for payment details or payment outside the platform is held for a moderator; the rest is delivered, flagged.
ACTION_OF_RULE: dict[str, Action] = {
    PAYMENT_DETAILS: "hold",
    OFF_PLATFORM_PAYMENT: "hold",
    FALSE_INFORMATION: "flag",
    DISRESPECT: "flag",
}


@dataclass(frozen=True, slots=True)
class Hit:
    """One rule hit; `start`/`end` index the ORIGINAL text, and `evidence` is that slice of it."""

    rule: str
    evidence: str
    start: int
    end: int
    severity: str  # "high" (held) or "medium" (flagged)


@dataclass(frozen=True, slots=True)
class Verdict:
    action: Action
    hits: tuple[Hit, ...] = ()

    @property
    def rules(self) -> tuple[str, ...]:
        """The rules hit, each once, in the order of RULES."""
        hit = {h.rule for h in self.hits}
        return tuple(rule for rule in RULES if rule in hit)


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """What the order's data says, so delivery claims can be checked against it."""

    has_tracking: bool
    delivered: bool
    eta: date | None
    today: date


def verdict_of(hits: list[Hit]) -> Verdict:
    actions = {ACTION_OF_RULE[h.rule] for h in hits}
    action: Action = "hold" if "hold" in actions else "flag" if "flag" in actions else "allow"
    return Verdict(action, tuple(sorted(hits, key=lambda h: (h.start, h.end, h.rule))))
