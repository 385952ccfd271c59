"""The store's calendar. Expected instants are worked out by hand from
the rule in docs/business-rules.md#time: the day of the event never counts, and "the end of the
Nth working day" is local midnight at the start of the following day."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import (
    add_calendar_days,
    end_of_local_day,
    is_working_day,
    public_holidays,
    working_days_after,
)

UTC = UTC
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- calendar days ---------------------------------------------------------


def test_calendar_day_across_spring_dst_is_24_hours_not_a_wall_clock_day():
    # Saturday noon CET; Sunday 30 March 2025 has 23 hours in Berlin.
    start = datetime(2025, 3, 29, 12, 0, tzinfo=BERLIN)
    due = add_calendar_days(start, 1)
    assert due == utc(2025, 3, 30, 11, 0)  # 13:00 CEST, not 12:00
    assert due.tzinfo is UTC


def test_calendar_days_across_autumn_dst():
    start = datetime(2025, 10, 25, 12, 0, tzinfo=BERLIN)
    assert add_calendar_days(start, 2) == utc(2025, 10, 27, 10, 0)  # 11:00 CET


def test_zero_calendar_days_is_the_same_instant_in_utc():
    start = datetime(2025, 6, 1, 8, 15, tzinfo=NEW_YORK)
    due = add_calendar_days(start, 0)
    assert due == start and due.tzinfo is UTC


def test_calendar_days_reject_naive_and_negative():
    with pytest.raises(ValueError, match="timezone-aware"):
        add_calendar_days(datetime(2025, 1, 1), 1)
    with pytest.raises(ValueError, match="negative"):
        add_calendar_days(utc(2025, 1, 1), -1)


# --- working days: the basic rule ------------------------------------------


def test_event_day_never_counts_even_when_it_is_a_working_day():
    # Wednesday 14 May 2025, 10:00 CEST; 1 working day = Thursday.
    event = utc(2025, 5, 14, 8, 0)
    assert working_days_after(event, 1, "Europe/Berlin", "DE") == utc(2025, 5, 15, 22, 0)


def test_zero_working_days_ends_at_the_end_of_the_event_day():
    assert working_days_after(utc(2025, 5, 14, 8, 0), 0, "Europe/Berlin", "DE") == utc(2025, 5, 14, 22, 0)
    # Also on a Saturday: zero days is the event's own day, working or not.
    assert working_days_after(utc(2025, 5, 17, 8, 0), 0, "Europe/Berlin", "DE") == utc(2025, 5, 17, 22, 0)


@pytest.mark.parametrize(
    "event",
    [
        utc(2025, 5, 16, 19, 0),  # Friday 21:00 CEST
        utc(2025, 5, 17, 9, 0),  # Saturday
        utc(2025, 5, 18, 21, 59),  # Sunday 23:59 CEST
    ],
    ids=["friday-evening", "saturday", "sunday-late"],
)
def test_events_at_the_weekend_count_from_monday(event):
    # Monday 19 and Tuesday 20 May; the deadline is Wednesday 00:00 CEST.
    assert working_days_after(event, 2, "Europe/Berlin", "DE") == utc(2025, 5, 20, 22, 0)


def test_event_at_local_midnight_belongs_to_the_new_day():
    # 22:00 UTC on Wednesday is 00:00 CEST on Thursday 15 May.
    assert working_days_after(utc(2025, 5, 14, 22, 0), 0, "Europe/Berlin", "DE") == utc(2025, 5, 15, 22, 0)


def test_event_late_at_night_utc_is_already_the_next_day_locally():
    # 17:00 UTC Thursday 23 Jan 2025 is 01:00 Friday 24 Jan in Shanghai, so
    # the first working day is Monday 27 Jan (not Friday). Deadline Tuesday
    # 00:00 CST.
    event = utc(2025, 1, 23, 17, 0)
    assert working_days_after(event, 1, "Asia/Shanghai", "CN") == utc(2025, 1, 27, 16, 0)


def test_event_in_another_zone_is_judged_in_the_store_zone():
    # 20:00 Friday in New York is 02:00 Saturday in Berlin: Monday is day 1.
    event = datetime(2025, 5, 16, 20, 0, tzinfo=NEW_YORK)
    assert working_days_after(event, 1, "Europe/Berlin", "DE") == utc(2025, 5, 19, 22, 0)


def test_result_is_utc():
    due = working_days_after(datetime(2025, 5, 14, 10, 0, tzinfo=BERLIN), 3, "Europe/Berlin", "DE")
    assert due.tzinfo is UTC


# --- holidays ---------------------------------------------------------------


def test_german_unity_day_in_the_middle_is_skipped():
    # Wednesday 1 Oct 2025: Thursday 2 counts, Friday 3 Oct is a holiday,
    # Monday 6 is day 2; deadline Tuesday 7 Oct 00:00 CEST.
    assert working_days_after(utc(2025, 10, 1, 9, 0), 2, "Europe/Berlin", "DE") == utc(2025, 10, 6, 22, 0)


def test_christmas_holidays_are_skipped():
    # Tuesday 23 Dec 2025: Wed 24 is a working day, 25 and 26 are holidays,
    # Monday 29 is day 2; deadline Tuesday 30 Dec 00:00 CET.
    assert working_days_after(utc(2025, 12, 23, 9, 0), 2, "Europe/Berlin", "DE") == utc(2025, 12, 29, 23, 0)


def test_new_year_across_the_year_end():
    # Wednesday 31 Dec 2025: 1 Jan is a holiday, Friday 2 Jan is day 1,
    # Monday 5 Jan is day 2.
    event = utc(2025, 12, 31, 11, 0)
    assert working_days_after(event, 1, "Europe/Berlin", "DE") == utc(2026, 1, 2, 23, 0)
    assert working_days_after(event, 2, "Europe/Berlin", "DE") == utc(2026, 1, 5, 23, 0)


def test_event_on_new_years_eve_late_utc_is_new_years_day_locally():
    # 23:30 UTC on 31 Dec 2025 is 00:30 on 1 Jan 2026 (a holiday) in Berlin.
    assert working_days_after(utc(2025, 12, 31, 23, 30), 1, "Europe/Berlin", "DE") == utc(2026, 1, 2, 23, 0)


def test_subdivision_holidays_apply():
    # Epiphany (6 Jan) is a holiday in Bavaria but not in Berlin.
    event = utc(2025, 12, 31, 11, 0)
    assert working_days_after(event, 3, "Europe/Berlin", "DE") == utc(2026, 1, 6, 23, 0)
    assert working_days_after(event, 3, "Europe/Berlin", "DE", "BY") == utc(2026, 1, 7, 23, 0)


def test_observed_holiday_from_the_next_year_counts():
    # New Year's Day 2022 was a Saturday; the US observed it on Friday 31 Dec
    # 2021. Thursday 30 Dec: day 1 is Monday 3 Jan; deadline Tue 00:00 EST.
    assert working_days_after(utc(2021, 12, 30, 15, 0), 1, "America/New_York", "US") == utc(2022, 1, 4, 5, 0)


def test_spring_festival_in_china():
    # Friday 24 Jan 2025, 20:00 CST. 28 Jan-4 Feb are holidays; Sunday 26 Jan
    # is a make-up working day in China but the rule counts Monday-Friday
    # only. Day 1 is Monday 27 Jan, day 2 Wednesday 5 Feb.
    event = datetime(2025, 1, 24, 20, 0, tzinfo=SHANGHAI)
    assert working_days_after(event, 1, "Asia/Shanghai", "CN") == utc(2025, 1, 27, 16, 0)
    assert working_days_after(event, 2, "Asia/Shanghai", "CN") == utc(2025, 2, 5, 16, 0)


def test_is_working_day():
    assert is_working_day(date(2025, 10, 2), "DE")  # Thursday
    assert not is_working_day(date(2025, 10, 3), "DE")  # German Unity Day
    assert not is_working_day(date(2025, 10, 4), "DE")  # Saturday
    assert not is_working_day(date(2025, 10, 5), "DE")  # Sunday
    assert is_working_day(date(2026, 1, 6), "de")  # codes are case-insensitive
    assert not is_working_day(date(2026, 1, 6), "DE", "by")


def test_holiday_lookup_is_cached():
    first = public_holidays("DE", 2025)
    assert date(2025, 10, 3) in first and date(2025, 12, 24) not in first
    assert public_holidays("DE", 2025) is first


# --- DST --------------------------------------------------------------------


def test_berlin_spring_forward_day_has_23_hours_and_ends_at_midnight():
    # Sunday 30 March 2025 starts at 23:00 UTC (CET) and ends at 22:00 UTC (CEST).
    start = end_of_local_day(date(2025, 3, 29), "Europe/Berlin")
    end = working_days_after(utc(2025, 3, 30, 10, 0), 0, "Europe/Berlin", "DE")
    assert (start, end) == (utc(2025, 3, 29, 23, 0), utc(2025, 3, 30, 22, 0))
    assert end - start == timedelta(hours=23)
    assert end.astimezone(BERLIN).time() == time(0)


def test_berlin_fall_back_day_has_25_hours_and_ends_at_midnight():
    start = end_of_local_day(date(2025, 10, 25), "Europe/Berlin")
    end = working_days_after(utc(2025, 10, 26, 10, 0), 0, "Europe/Berlin", "DE")
    assert (start, end) == (utc(2025, 10, 25, 22, 0), utc(2025, 10, 26, 23, 0))
    assert end - start == timedelta(hours=25)


def test_working_days_across_berlin_autumn_dst():
    # Thursday 23 Oct 2025 (CEST): Friday 24, Monday 27; deadline Tue 00:00 CET.
    assert working_days_after(utc(2025, 10, 23, 8, 0), 2, "Europe/Berlin", "DE") == utc(2025, 10, 27, 23, 0)


def test_working_days_across_new_york_spring_dst():
    # Friday 7 March 2025, 17:00 EST; clocks go forward on Sunday 9 March.
    # Day 1 is Monday 10; deadline Tuesday 00:00 EDT = 04:00 UTC (not 05:00).
    event = datetime(2025, 3, 7, 17, 0, tzinfo=NEW_YORK)
    assert working_days_after(event, 1, "America/New_York", "US") == utc(2025, 3, 11, 4, 0)


def test_working_days_across_new_york_autumn_dst_and_veterans_day():
    # Friday 31 Oct 2025 (EDT); clocks go back Sunday 2 Nov; Tuesday 11 Nov
    # is Veterans Day. Days: 3,4,5,6,7,10,12 Nov -> deadline Thu 13 Nov
    # 00:00 EST = 05:00 UTC.
    event = datetime(2025, 10, 31, 12, 0, tzinfo=NEW_YORK)
    assert working_days_after(event, 7, "America/New_York", "US") == utc(2025, 11, 13, 5, 0)


def test_day_whose_midnight_is_skipped_ends_at_the_first_instant_of_the_next():
    # Havana springs forward at 00:00 on Sunday 9 March 2025 (straight to 01:00).
    end = end_of_local_day(date(2025, 3, 8), "America/Havana")
    assert end == utc(2025, 3, 9, 5, 0)
    assert end.astimezone(ZoneInfo("America/Havana")).date() == date(2025, 3, 9)
    assert (end - timedelta(microseconds=1)).astimezone(ZoneInfo("America/Havana")).date() == date(2025, 3, 8)


# --- validation ---------------------------------------------------------------


@pytest.mark.parametrize(
    "tz, country, subdiv, message",
    [
        ("Mars/Olympus", "DE", None, "unknown time zone 'Mars/Olympus'"),
        ("", "DE", None, "unknown time zone ''"),
        ("../etc/passwd", "DE", None, "unknown time zone"),
        ("localtime", "DE", None, "unknown time zone"),
        ("Europe/Berlin", "XX", None, "unknown country 'XX'"),
        ("Europe/Berlin", "DE", "ZZ", "unknown subdivision 'ZZ' of DE"),
    ],
)
def test_unknown_zone_country_or_subdivision_is_a_clear_value_error(tz, country, subdiv, message):
    with pytest.raises(ValueError, match=message):
        working_days_after(utc(2025, 5, 14), 1, tz, country, subdiv)


def test_negative_days_and_naive_events_are_rejected():
    with pytest.raises(ValueError, match="negative"):
        working_days_after(utc(2025, 5, 14), -1, "Europe/Berlin", "DE")
    with pytest.raises(ValueError, match="timezone-aware"):
        working_days_after(datetime(2025, 5, 14, 12, 0), 1, "Europe/Berlin", "DE")
    with pytest.raises(TypeError):
        working_days_after(utc(2025, 5, 14), True, "Europe/Berlin", "DE")  # type: ignore[arg-type]


def test_is_working_day_wants_a_date_not_a_datetime():
    with pytest.raises(TypeError, match="date"):
        is_working_day(utc(2025, 5, 14, 23, 0), "DE")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown country"):
        is_working_day(date(2025, 5, 14), "Atlantis")


# --- properties -------------------------------------------------------------

# Zones whose midnight always exists; Lord Howe has a 30-minute DST shift.
MIDNIGHT_ZONES = ["Europe/Berlin", "America/New_York", "Asia/Shanghai", "Australia/Lord_Howe", "UTC"]
# Zones where DST skips midnight itself.
GAP_ZONES = ["America/Havana", "America/Santiago", "Asia/Beirut"]
COUNTRIES = ["DE", "US", "CN", "GB", "JP"]

aware_events = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC))


def reference_is_working_day(day: date, country: str) -> bool:
    # Independent of the module's cache: asks `holidays` directly.
    calendar = holidays.country_holidays(country, years=range(day.year - 1, day.year + 2))
    return day.weekday() < 5 and day not in calendar


@settings(deadline=None, max_examples=150)
@given(
    event=aware_events,
    days=st.integers(min_value=0, max_value=30),
    tz=st.sampled_from(MIDNIGHT_ZONES + GAP_ZONES),
    country=st.sampled_from(COUNTRIES),
)
def test_property_result_starts_a_local_day_and_counts_exactly_n_working_days(event, days, tz, country):
    zone = ZoneInfo(tz)
    due = working_days_after(event, days, tz, country)
    assert due.tzinfo is UTC
    assert due > event

    first_day_after = due.astimezone(zone).date()
    last_counted_day = (due - timedelta(microseconds=1)).astimezone(zone).date()
    # `due` is the first instant of a local day.
    assert first_day_after - last_counted_day == timedelta(days=1)
    if tz in MIDNIGHT_ZONES:
        assert due.astimezone(zone).time() == time(0)

    event_day = event.astimezone(zone).date()
    between = [event_day + timedelta(days=offset) for offset in range(1, (last_counted_day - event_day).days + 1)]
    assert sum(reference_is_working_day(day, country) for day in between) == days
    # ...and it is the earliest such deadline: the last day counted is a working day.
    if days:
        assert reference_is_working_day(last_counted_day, country)
    else:
        assert last_counted_day == event_day


@settings(deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(1990, 1, 1),
        max_value=datetime(2090, 1, 1),
        timezones=st.sampled_from([ZoneInfo(name) for name in MIDNIGHT_ZONES + GAP_ZONES]),
    ),
    days=st.integers(min_value=0, max_value=3650),
)
def test_property_calendar_days_are_exactly_24_hours_each(start, days):
    due = add_calendar_days(start, days)
    assert due.tzinfo is UTC
    assert due - start == timedelta(hours=24 * days)
