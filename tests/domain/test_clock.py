from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.clock import Clock, FakeClock, SystemClock, to_utc

START = datetime(2025, 3, 28, 12, 0, tzinfo=UTC)


def test_system_clock_returns_aware_utc_now():
    before = datetime.now(UTC)
    now = SystemClock().now()
    after = datetime.now(UTC)
    assert now.tzinfo is UTC
    assert before <= now <= after


def test_both_clocks_satisfy_the_protocol():
    assert isinstance(SystemClock(), Clock)
    assert isinstance(FakeClock(START), Clock)


def test_fake_clock_stands_still():
    clock = FakeClock(START)
    assert clock.now() == START
    assert clock.now() == START


def test_fake_clock_converts_an_aware_start_to_utc():
    berlin_noon = datetime(2025, 7, 1, 12, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    now = FakeClock(berlin_noon).now()
    assert now.tzinfo is UTC
    assert now == datetime(2025, 7, 1, 10, 0, tzinfo=UTC)


def test_fake_clock_rejects_a_naive_start():
    with pytest.raises(ValueError, match="timezone-aware"):
        FakeClock(datetime(2025, 1, 1, 12, 0))


def test_advance_by_keywords_and_by_timedelta():
    clock = FakeClock(START)
    assert clock.advance(hours=2) == START + timedelta(hours=2)
    assert clock.advance(timedelta(minutes=30)) == START + timedelta(hours=2, minutes=30)
    expected = START + timedelta(days=1, hours=2, minutes=30, seconds=1)
    assert clock.advance(days=1, seconds=1) == expected
    assert clock.now() == expected
    assert clock.now().tzinfo is UTC


def test_advance_by_zero_keeps_the_time():
    clock = FakeClock(START)
    assert clock.advance(timedelta(0)) == START


@pytest.mark.parametrize(
    "args, kwargs",
    [((), {}), ((timedelta(hours=1),), {"hours": 1}), ((3600,), {})],
    ids=["nothing", "both", "not-a-timedelta"],
)
def test_advance_rejects_unclear_arguments(args, kwargs):
    clock = FakeClock(START)
    with pytest.raises(TypeError):
        clock.advance(*args, **kwargs)
    assert clock.now() == START


def test_advance_refuses_to_go_backwards():
    clock = FakeClock(START)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(hours=-1)
    assert clock.now() == START


def test_set_jumps_either_way():
    clock = FakeClock(START)
    later = START + timedelta(days=10)
    assert clock.set(later) == later
    assert clock.set(START - timedelta(days=1)) == START - timedelta(days=1)
    assert clock.now() == START - timedelta(days=1)


def test_set_converts_to_utc_and_rejects_naive():
    clock = FakeClock(START)
    clock.set(datetime(2025, 1, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert clock.now() == datetime(2025, 1, 1, 1, 0, tzinfo=UTC)
    assert clock.now().tzinfo is UTC
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.set(datetime(2025, 1, 1))
    assert clock.now() == datetime(2025, 1, 1, 1, 0, tzinfo=UTC)


def test_to_utc_rejects_non_datetimes():
    with pytest.raises(TypeError):
        to_utc("2025-01-01T00:00:00Z")  # type: ignore[arg-type]
