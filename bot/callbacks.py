"""The one codec for inline-button callback data: a short prefix and ids.

Telegram allows 1-64 bytes of callback_data, so data is compact text such as
``hlp:orders`` or ``off:acc:812``. Handlers match on the prefix pattern and
decode here; the ids are checked against the database and the presser every
time by the handler's service.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CALLBACK_BYTES = 64
_PART = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class Callback:
    prefix: str
    action: str
    args: tuple[str, ...] = ()


def encode(prefix: str, action: str, *args: object) -> str:
    parts = [prefix, action, *(str(a) for a in args)]
    for part in parts:
        if not _PART.match(part):
            raise ValueError(f"callback part {part!r} must be [A-Za-z0-9_-]+")
    data = ":".join(parts)
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data {data!r} is over {MAX_CALLBACK_BYTES} bytes")
    return data


def decode(data: str) -> Callback | None:
    """None for data we never made (a stale or forged button)."""
    parts = data.split(":")
    if len(parts) < 2 or not all(_PART.match(p) for p in parts):
        return None
    return Callback(parts[0], parts[1], tuple(parts[2:]))


def first_id(decoded: Callback | None) -> int:
    """The first argument as an id, 0 when there is none (no row has id 0)."""
    if decoded and decoded.args and decoded.args[0].isdigit():
        return int(decoded.args[0])
    return 0


def pattern(prefix: str) -> str:
    """A CallbackQueryHandler pattern that matches one prefix."""
    return rf"^{re.escape(prefix)}:"
