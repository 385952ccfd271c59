"""The store's calendar: calendar days, working days and their deadlines.

docs/business-rules.md#time:
- a calendar day is 24 hours; weekends and holidays count;
- a working day is Monday to Friday, less the public holidays of the store's
  country, in the store's time zone; "N working days after an event" ends at
  the end of the Nth working day after the day of the event.

"The end of a day" is the instant the *next* local day starts, so every
working-day deadline is exclusive: it is due at 00:00 local time of the day
after the Nth working day (or the first instant of that day, where a DST
change skips midnight). Returned instants are aware UTC, the form deadlines
are stored in. A 23- or 25-hour DST day still ends at local midnight.

Weekend make-up working days (China's 调休 Saturdays, for instance) are not
counted: the rule is Monday to Friday less holidays, and a make-up Saturday
only ever shortens a deadline the seller was promised.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from domain.clock import to_utc

__all__ = [
    "add_calendar_days",
    "end_of_local_day",
    "is_working_day",
    "load_zone",
    "public_holidays",
    "working_days_after",
]

_SATURDAY = 5  # date.weekday(): Monday is 0


def add_calendar_days(start: datetime, days: int) -> datetime:
    """``start`` plus exactly ``days`` × 24 hours, as aware UTC.

    The arithmetic is done in UTC on purpose: adding a timedelta to a datetime
    in a zone with DST moves the wall clock, not the instant, and would make a
    "1 day" across a DST change last 23 or 25 hours.
    """
    _check_days(days)
    return to_utc(start, "start") + timedelta(days=days)


def working_days_after(
    event: datetime,
    days: int,
    tz: str,
    country: str,
    subdiv: str | None = None,
) -> datetime:
    """When "``days`` working days after ``event``" ends, as aware UTC.

    The day of the event (its local date in ``tz``) never counts, even when it
    is a working day. The result is the start of the local day after the
    ``days``-th working day: the deadline is exclusive at that instant. With
    ``days == 0`` it is the end of the event's own local day.
    """
    zone = load_zone(tz)
    code, subdivision = _entity(country, subdiv)
    _check_days(days)
    day = to_utc(event, "event").astimezone(zone).date()
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if _is_working_day(day, code, subdivision):
            remaining -= 1
    return end_of_local_day(day, tz)


def end_of_local_day(day: date, tz: str) -> datetime:
    """The instant ``day`` ends in ``tz`` (the next local day starts), as aware UTC."""
    return _start_of_local_day(_check_date(day) + timedelta(days=1), load_zone(tz))


def is_working_day(d: date, country: str, subdiv: str | None = None) -> bool:
    """Monday to Friday and not a public holiday of ``country`` (and ``subdiv``)."""
    code, subdivision = _entity(country, subdiv)
    return _is_working_day(_check_date(d), code, subdivision)


def public_holidays(country: str, year: int, subdiv: str | None = None) -> frozenset[date]:
    """The public holidays of ``country`` (and ``subdiv``) that fall in ``year``."""
    code, subdivision = _entity(country, subdiv)
    return _holiday_dates(code, subdivision, year)


@lru_cache(maxsize=256)
def load_zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; ValueError naming it when there is none."""
    if not isinstance(name, str):
        raise TypeError(f"time zone must be a string, got {type(name).__name__}")
    # "localtime" exists on many systems but means whatever the server is set
    # to, which is not a store's zone.
    if name == "localtime":
        raise ValueError(f"unknown time zone {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError):
        raise ValueError(f"unknown time zone {name!r}") from None


def _start_of_local_day(day: date, zone: ZoneInfo) -> datetime:
    # fold=0 picks the first 00:00 when midnight repeats; when midnight is
    # skipped (Havana, Santiago) it maps to the instant of the jump, which is
    # the first instant of that local day.
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _is_working_day(day: date, code: str, subdivision: str | None) -> bool:
    if day.weekday() >= _SATURDAY:
        return False
    return day not in _holiday_dates(code, subdivision, day.year)


@lru_cache(maxsize=512)
def _holiday_dates(code: str, subdivision: str | None, year: int) -> frozenset[date]:
    # `holidays` files an observed day under the year it falls in (New Year's
    # Day 2022, a Saturday, observed on Friday 31 December 2021 is in 2021);
    # the filter keeps each year's set to its own dates all the same.
    calendar = holidays.country_holidays(code, subdiv=subdivision, years=year)
    return frozenset(day for day in calendar if day.year == year)


@lru_cache(maxsize=256)
def _entity(country: str, subdiv: str | None) -> tuple[str, str | None]:
    """Validate and normalise a country code and subdivision for ``holidays``."""
    if not isinstance(country, str):
        raise TypeError(f"country must be a string, got {type(country).__name__}")
    supported = holidays.list_supported_countries()
    code = country.strip().upper()
    if code not in supported:
        raise ValueError(
            f"unknown country {country!r}: expected an ISO 3166 code the holidays package "
            "supports, such as 'DE' or 'CN'"
        )
    if subdiv is None:
        return code, None
    if not isinstance(subdiv, str):
        raise TypeError(f"subdivision must be a string, got {type(subdiv).__name__}")
    subdivisions = supported[code]
    if subdiv not in subdivisions and subdiv.upper() in subdivisions:
        subdiv = subdiv.upper()
    try:
        holidays.country_holidays(code, subdiv=subdiv, years=())
    except NotImplementedError:
        known = ", ".join(subdivisions) or "none"
        raise ValueError(f"unknown subdivision {subdiv!r} of {code} (known: {known})") from None
    return code, subdiv


def _check_days(days: int) -> None:
    if isinstance(days, bool) or not isinstance(days, int):
        raise TypeError(f"days must be an int, got {type(days).__name__}")
    if days < 0:
        raise ValueError(f"days must not be negative, got {days}")


def _check_date(value: date) -> date:
    # A datetime is a date too, but its day depends on a time zone we would
    # have to guess; callers convert it with the store's zone first.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"expected a date, got {type(value).__name__}")
    return value
