"""The time source of the domain.

Deadlines decide money (an unanswered request is approved by itself), so the
domain never reads the wall clock: it is handed a ``Clock``. Production code
builds one ``SystemClock``; tests build a ``FakeClock`` and move it by hand.
Every instant a clock returns is timezone-aware UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "FakeClock", "SystemClock", "to_utc"]


def to_utc(value: datetime, what: str = "datetime") -> datetime:
    """Return ``value`` as an aware UTC datetime; naive input is refused.

    A naive datetime has no instant: guessing its zone is how deadlines end
    up hours off, so it is an error rather than an assumption.
    """
    if not isinstance(value, datetime):
        raise TypeError(f"{what} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(UTC)


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class SystemClock:
    """The real clock: the one place that reads the wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


class FakeClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: datetime) -> None:
        self._now = to_utc(start, "FakeClock start")

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move forward by ``delta`` or by ``timedelta(**kwargs)``; return the new now.

        Moving backwards is refused here (use ``set``) so that a sign slip in a
        test does not silently make deadlines fire in the wrong order.
        """
        if delta is not None and kwargs:
            raise TypeError("advance() takes a timedelta or keyword arguments, not both")
        if delta is None:
            if not kwargs:
                raise TypeError("advance() needs a timedelta or keyword arguments such as hours=2")
            delta = timedelta(**kwargs)
        if not isinstance(delta, timedelta):
            raise TypeError(f"advance() needs a timedelta, got {type(delta).__name__}")
        if delta < timedelta(0):
            raise ValueError(f"advance() cannot go backwards ({delta}); use set() instead")
        self._now = self._now + delta
        return self._now

    def set(self, when: datetime) -> datetime:
        """Jump to ``when`` (forwards or backwards); return the new now."""
        self._now = to_utc(when, "FakeClock.set() value")
        return self._now

    def __repr__(self) -> str:
        return f"FakeClock({self._now.isoformat()})"
