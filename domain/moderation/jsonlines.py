"""The screen's line format for tools: a JSON object `{"text", "lang", "facts"}` or a plain line in, a verdict out."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from domain.moderation.screen import screen
from domain.moderation.verdict import OrderFacts, Verdict


class BadLine(ValueError):
    """A line that cannot be screened; the message says why."""


def screen_line(line: str) -> dict[str, Any]:
    if not line.lstrip().startswith("{"):
        return verdict_json(screen(line))
    try:
        row = json.loads(line)
    except json.JSONDecodeError:
        raise BadLine("not JSON") from None
    if not isinstance(row, dict) or not isinstance(row.get("text"), str):
        raise BadLine('no "text" string')
    lang = row.get("lang")
    return verdict_json(screen(row["text"], lang=lang if isinstance(lang, str) else None, facts=_facts(row)))


def _facts(row: dict[str, Any]) -> OrderFacts | None:
    facts = row.get("facts")
    if facts is None:
        return None
    try:
        return OrderFacts(
            has_tracking=bool(facts["has_tracking"]),
            delivered=bool(facts["delivered"]),
            eta=date.fromisoformat(facts["eta"]) if facts.get("eta") else None,
            today=date.fromisoformat(facts["today"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise BadLine('"facts" needs has_tracking, delivered, today (YYYY-MM-DD) and optionally eta') from None


def verdict_json(verdict: Verdict) -> dict[str, Any]:
    return {
        "action": verdict.action,
        "rules": list(verdict.rules),
        "hits": [
            {"rule": h.rule, "evidence": h.evidence, "start": h.start, "end": h.end, "severity": h.severity}
            for h in verdict.hits
        ],
    }
