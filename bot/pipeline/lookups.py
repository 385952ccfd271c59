"""Network look-ups a handler needs, made before its unit of work opens.

A handler runs inside the update's transaction (on SQLite, holding the one
write lock), so it must not wait on Telegram there (STYLE.md, habit 13). When
it needs to ask Telegram something (`getChatMember`: may the bot manage
topics here?), it calls ``lookup(key, fetch)``. The first time, that raises
``LookupNeeded``: the runner rolls the (so far harmless) try back, awaits
``fetch()`` with no transaction open, and handles the update again with the
answer, which ``lookup`` now returns (or the error it raised, raised again).
A look-up is not a failure: it costs no attempt.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from bot.pipeline.outbox import current_attempt

Fetch = Callable[[], Awaitable[Any]]


class LookupNeeded(Exception):
    """Raised inside a try to ask the runner for a look-up; never reaches a user."""

    def __init__(self, key: Hashable, fetch: Fetch) -> None:
        super().__init__(f"look-up {key!r} needed before the unit of work")
        self.key = key
        self.fetch = fetch


class _Failed:
    """A look-up that raised: raised again on every later ``lookup`` of the key."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


async def lookup(key: Hashable, fetch: Fetch) -> Any:
    """``fetch()``'s result, fetched outside the transaction; directly when no runner handles the update."""
    attempt = current_attempt()
    if attempt is None:
        return await fetch()
    if key not in attempt.lookups:
        raise LookupNeeded(key, fetch)
    found = attempt.lookups[key]
    if isinstance(found, _Failed):
        raise found.error
    return found


async def run_lookup(needed: LookupNeeded, into: dict[Any, Any]) -> None:
    """Make the look-up (no transaction open) and keep its result or its error for the next try."""
    try:
        into[needed.key] = await needed.fetch()
    except Exception as error:  # noqa: BLE001 - the handler decides what a failed look-up means
        into[needed.key] = _Failed(error)
