"""An after-sales request's timeline and what is due next, worded for its buyer or its store.

The events and due times come from `request_view` (the buyer's view holds no
agent names and no reminders); here they are put on the store's clock, its
zone named (the buyer's own zone is unknown to the bot), with the hours left.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.relay.topics import local_time
from domain.services.requests import RequestView


@dataclass(frozen=True)
class DueLine:
    kind: str  # as domain Due.kind
    at: datetime | None  # on the store's clock; None while the clock is paused
    hours: int  # until `at`, or what was left when the clock paused; rounded up


def due_lines(view: RequestView, zone: str, now: datetime) -> list[DueLine]:
    lines = []
    for due in view.due:
        if due.due_at is None:
            lines.append(DueLine(due.kind, None, math.ceil((due.seconds_left or 0) / 3600)))
            continue
        at = due.due_at
        if due.kind == "reshipment_ship_by":  # the end of a working day: its last minute, not the next midnight
            at -= timedelta(seconds=1)
        hours = max(0, math.ceil((due.due_at - now).total_seconds() / 3600))
        lines.append(DueLine(due.kind, local_time(at, zone), hours))
    return lines


def timeline_text(render: Callable[..., str], lang: str, view: RequestView, side: str, zone: str, now: datetime) -> str:
    """`side`: "buyer" or "store", who reads it."""
    entries = [replace(event, at=local_time(event.at, zone)) for event in view.timeline]
    return render(
        "common/request_timeline.html", lang, view=view, side=side, entries=entries, dues=due_lines(view, zone, now)
    )
