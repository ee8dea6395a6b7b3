"""The NYSE calendar against the `holidays` package, and sessions at instants around DST changes,
session boundaries, early closes, weekends and holidays."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import holidays as reference
import pytest

from tui import market_hours
from tui.market_hours import (
    NEW_YORK,
    early_closes,
    is_trading_day,
    last_session_date,
    last_trading_days,
    next_trading_day,
    previous_trading_day,
    session_at,
    session_times,
    trading_days,
)
from tui.sources.base import Session

UTC = dt.UTC


def new_york(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=NEW_YORK)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def reference_holidays(year: int) -> set[dt.date]:
    """Weekday NYSE closures in ``year`` according to the `holidays` package."""
    return {
        day
        for day in reference.financial_holidays("NYSE", years=year)
        if day.year == year and day.weekday() < 5
    }


@pytest.mark.parametrize("year", range(2000, 2036))
def test_holidays_match_the_holidays_package(year: int) -> None:
    assert set(market_hours.holidays(year)) == reference_holidays(year)


@pytest.mark.parametrize("year", [2001, 2012, 2021, 2025, 2027])
def test_trading_days_are_the_weekdays_that_are_not_holidays(year: int) -> None:
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    closed = reference_holidays(year)
    expected = [
        start + dt.timedelta(days=offset)
        for offset in range((end - start).days + 1)
        if (start + dt.timedelta(days=offset)).weekday() < 5
        and start + dt.timedelta(days=offset) not in closed
    ]
    assert trading_days(start, end) == expected


def test_a_year_has_the_published_number_of_trading_days() -> None:
    # 2025: 250 sessions (the national day of mourning for President Carter took one).
    assert len(trading_days(dt.date(2025, 1, 1), dt.date(2025, 12, 31))) == 250
    assert len(trading_days(dt.date(2024, 1, 1), dt.date(2024, 12, 31))) == 252


# The exchange's published early closes (13:00 New York time).
PUBLISHED_EARLY_CLOSES = {
    2019: {dt.date(2019, 7, 3), dt.date(2019, 11, 29), dt.date(2019, 12, 24)},
    2020: {dt.date(2020, 11, 27), dt.date(2020, 12, 24)},  # July 3 was the holiday itself
    2021: {dt.date(2021, 11, 26)},  # Dec 24 was the observed Christmas holiday
    2022: {dt.date(2022, 11, 25)},  # July 4 a Monday: Friday July 1 is a full day
    2023: {dt.date(2023, 7, 3), dt.date(2023, 11, 24)},  # Dec 24 a Sunday
    2024: {dt.date(2024, 7, 3), dt.date(2024, 11, 29), dt.date(2024, 12, 24)},
    2025: {dt.date(2025, 7, 3), dt.date(2025, 11, 28), dt.date(2025, 12, 24)},
    2026: {dt.date(2026, 11, 27), dt.date(2026, 12, 24)},  # July 3 is the observed holiday
}


@pytest.mark.parametrize(("year", "expected"), sorted(PUBLISHED_EARLY_CLOSES.items()))
def test_early_closes_match_the_published_calendar(year: int, expected: set[dt.date]) -> None:
    assert set(early_closes(year)) == expected


@pytest.mark.parametrize("year", range(2000, 2036))
def test_early_closes_are_trading_days(year: int) -> None:
    assert all(is_trading_day(day) for day in early_closes(year))


def test_an_early_close_day_has_early_boundaries() -> None:
    times = session_times(dt.date(2026, 11, 27))
    assert times is not None
    assert times.is_early_close
    assert times.close == new_york(2026, 11, 27, 13, 0)
    assert times.post_close == new_york(2026, 11, 27, 17, 0)
    regular = session_times(dt.date(2026, 11, 25))
    assert regular is not None
    assert not regular.is_early_close


def test_session_times_are_none_when_the_market_is_closed() -> None:
    assert session_times(dt.date(2026, 2, 14)) is None  # Saturday
    assert session_times(dt.date(2026, 4, 3)) is None  # Good Friday
    assert session_times(dt.date(2026, 2, 11)) is not None


@pytest.mark.parametrize(
    ("moment", "session"),
    [
        # An ordinary Wednesday, each boundary from both sides (New York time, EST).
        (new_york(2026, 2, 11, 3, 59, 59), Session.CLOSED),
        (new_york(2026, 2, 11, 4, 0), Session.PRE),
        (new_york(2026, 2, 11, 9, 29, 59), Session.PRE),
        (new_york(2026, 2, 11, 9, 30), Session.REGULAR),
        (new_york(2026, 2, 11, 15, 59, 59), Session.REGULAR),
        (new_york(2026, 2, 11, 16, 0), Session.POST),
        (new_york(2026, 2, 11, 19, 59, 59), Session.POST),
        (new_york(2026, 2, 11, 20, 0), Session.CLOSED),
        # The same instants given in UTC and in Tokyo time.
        (utc(2026, 2, 11, 14, 30), Session.REGULAR),
        (utc(2026, 2, 11, 14, 29, 59), Session.PRE),
        (dt.datetime(2026, 2, 12, 6, 0, tzinfo=ZoneInfo("Asia/Tokyo")), Session.POST),  # 16:00 ET
        # The New York date decides the day: 00:30 UTC Thursday is Wednesday evening there.
        (utc(2026, 2, 12, 0, 30), Session.POST),
        (utc(2026, 2, 12, 1, 0), Session.CLOSED),
        # Clocks go forward on Sunday March 8, 2026: the open moves from 14:30 to 13:30 UTC.
        (utc(2026, 3, 6, 13, 30), Session.PRE),
        (utc(2026, 3, 6, 14, 30), Session.REGULAR),
        (utc(2026, 3, 8, 14, 30), Session.CLOSED),
        (utc(2026, 3, 9, 13, 29, 59), Session.PRE),
        (utc(2026, 3, 9, 13, 30), Session.REGULAR),
        (utc(2026, 3, 9, 20, 0), Session.POST),
        (utc(2026, 3, 9, 8, 0), Session.PRE),
        (utc(2026, 3, 9, 7, 59), Session.CLOSED),
        # Clocks go back on Sunday November 1, 2026: the open moves from 13:30 to 14:30 UTC.
        (utc(2026, 10, 30, 13, 30), Session.REGULAR),
        (utc(2026, 10, 30, 20, 0), Session.POST),
        (utc(2026, 11, 2, 13, 30), Session.PRE),
        (utc(2026, 11, 2, 14, 30), Session.REGULAR),
        (utc(2026, 11, 2, 20, 59, 59), Session.REGULAR),
        (utc(2026, 11, 2, 21, 0), Session.POST),
        # The day after Thanksgiving closes at 13:00; the late session ends at 17:00.
        (new_york(2026, 11, 27, 12, 59, 59), Session.REGULAR),
        (new_york(2026, 11, 27, 13, 0), Session.POST),
        (new_york(2026, 11, 27, 16, 59, 59), Session.POST),
        (new_york(2026, 11, 27, 17, 0), Session.CLOSED),
        (new_york(2025, 7, 3, 13, 0), Session.POST),
        (new_york(2025, 12, 24, 12, 0), Session.REGULAR),
        # Weekends and holidays are closed all day.
        (new_york(2026, 2, 14, 12, 0), Session.CLOSED),
        (new_york(2026, 2, 15, 5, 0), Session.CLOSED),
        (new_york(2026, 4, 3, 10, 0), Session.CLOSED),  # Good Friday
        (new_york(2026, 6, 19, 10, 0), Session.CLOSED),  # Juneteenth
        (new_york(2026, 7, 3, 10, 0), Session.CLOSED),  # Independence Day observed
        (new_york(2025, 1, 9, 10, 0), Session.CLOSED),  # national day of mourning
    ],
)
def test_session_at(moment: dt.datetime, session: Session) -> None:
    assert session_at(moment) is session


def test_session_at_needs_an_aware_instant() -> None:
    with pytest.raises(ValueError, match="aware"):
        session_at(dt.datetime(2026, 2, 11, 12, 0))


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Before the bell the latest session is the previous trading day's; from the bell, today's.
        (new_york(2026, 2, 11, 9, 29, 59), dt.date(2026, 2, 10)),
        (new_york(2026, 2, 11, 9, 30), dt.date(2026, 2, 11)),
        (new_york(2026, 2, 11, 23, 0), dt.date(2026, 2, 11)),
        (new_york(2026, 2, 11, 4, 30), dt.date(2026, 2, 10)),  # pre-market
        # Weekends and Monday mornings look back to Friday.
        (new_york(2026, 2, 14, 12, 0), dt.date(2026, 2, 13)),
        (new_york(2026, 2, 16, 12, 0), dt.date(2026, 2, 13)),  # Presidents' Day
        (new_york(2026, 2, 17, 8, 0), dt.date(2026, 2, 13)),
        # Good Friday and the Monday after Easter before the open.
        (new_york(2026, 4, 6, 9, 0), dt.date(2026, 4, 2)),
        # Across New Year: Jan 1 is closed, so its morning looks back to Dec 31.
        (new_york(2026, 1, 2, 9, 0), dt.date(2025, 12, 31)),
        # Given in UTC: 01:00 UTC Feb 12 is Feb 11 in New York, after that day's open.
        (utc(2026, 2, 12, 1, 0), dt.date(2026, 2, 11)),
        # Just after the March clock change, the open is 13:30 UTC.
        (utc(2026, 3, 9, 13, 29), dt.date(2026, 3, 6)),
        (utc(2026, 3, 9, 13, 30), dt.date(2026, 3, 9)),
    ],
)
def test_last_session_date(moment: dt.datetime, expected: dt.date) -> None:
    assert last_session_date(moment) == expected


def test_previous_and_next_trading_days_skip_weekends_and_holidays() -> None:
    assert previous_trading_day(dt.date(2025, 12, 26)) == dt.date(2025, 12, 24)
    assert next_trading_day(dt.date(2025, 12, 24)) == dt.date(2025, 12, 26)
    assert previous_trading_day(dt.date(2026, 1, 20)) == dt.date(2026, 1, 16)  # MLK Day
    assert next_trading_day(dt.date(2026, 4, 2)) == dt.date(2026, 4, 6)  # Good Friday
    assert next_trading_day(dt.date(2001, 9, 10)) == dt.date(2001, 9, 17)


def test_last_trading_days_end_at_the_given_day_oldest_first() -> None:
    assert last_trading_days(dt.date(2026, 2, 17), 3) == [
        dt.date(2026, 2, 12),
        dt.date(2026, 2, 13),
        dt.date(2026, 2, 17),
    ]
    # A closed end day is not counted.
    assert last_trading_days(dt.date(2026, 2, 16), 1) == [dt.date(2026, 2, 13)]
