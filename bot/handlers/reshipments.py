"""The replacement of an approved reshipment, marked shipped by the store's agent: the reply to "📦 Mark as shipped".

The button posts a prompt (bot.handlers.requests); the agent replies with one
line, the carrier and then the tracking number, a tracking link optionally
after them: "DHL 00340434161234567890 https://www.dhl.de/...". The carrier may
be several words ("Deutsche Post"), so the tracking number is the last word
before the link. A line that does not read so is re-asked under the reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.services.refusals import Refused
from domain.services.requests import mark_reshipped

# A tracking number as carriers print them: letters and digits, groups joined by "-", at least one digit.
_TRACKING = re.compile(r"(?=.*\d)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
_LINK = re.compile(r"(?i)^(?:https?://|www\.)")


@dataclass(frozen=True)
class Tracking:
    carrier: str
    tracking_number: str
    tracking_url: str | None = None


def parse_tracking(text: str) -> Tracking:
    """The carrier, the tracking number and the optional link of the agent's line; Refused when it does not read so."""
    words = text.split()
    links = [word for word in words if _LINK.match(word)]
    if len(links) > 1 or (links and words[-1] != links[0]):
        raise Refused("tracking_unreadable")  # one link, and only at the end
    if links and not links[0].lower().startswith(("https://", "http://")):
        raise Refused("tracking_url_invalid")  # "www.…" without its scheme would not open from the buyer's chat
    rest = words[:-1] if links else words
    if len(rest) < 2 or not _TRACKING.fullmatch(rest[-1]) or not any(ch.isalpha() for ch in " ".join(rest[:-1])):
        raise Refused("tracking_unreadable")
    return Tracking(" ".join(rest[:-1]), rest[-1], links[0] if links else None)


async def mark_typed(context, request_id: int, who: int, text: str):
    """The agent's reply to the prompt: the replacement is shipped (the domain checks who and whether it may be)."""
    tracking = parse_tracking(text)
    return await mark_reshipped(
        context.uow,
        context.deps.clock,
        request_id,
        who,
        tracking.carrier,
        tracking.tracking_number,
        tracking.tracking_url,
    )
