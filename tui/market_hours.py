"""The US equity market calendar (NYSE rules): trading days, early closes, and the session at any
instant, in New York time. No textual import, no I/O.

Hand-written rather than imported because the libraries that know these rules cost over half a
second to import, which would delay the first frame; the test suite checks these rules against the
`holidays` package's NYSE calendar year by year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from tui.clock import NEW_YORK

__all__ = ["NEW_YORK"]  # the calendar's zone; defined with the wall clock


class Session(StrEnum):
    """US equity market session, in New York time."""

    PRE = "pre"
    REGULAR = "regular"
    POST = "post"
    CLOSED = "closed"


PRE_OPEN = dt.time(4, 0)
REGULAR_OPEN = dt.time(9, 30)
REGULAR_CLOSE = dt.time(16, 0)
EARLY_CLOSE = dt.time(13, 0)
POST_CLOSE = dt.time(20, 0)
EARLY_POST_CLOSE = dt.time(17, 0)

# The first date tapewatch deals in: a data row dated earlier is refused (tui.sources.sanity), and
# so is an earlier --as-of. Far older than any source's history, and far enough from the first
# date Python can represent that a calendar step back from it never overflows.
EARLIEST_DATE = dt.date(1900, 1, 1)

# Unscheduled closures: national days of mourning and emergencies.
SPECIAL_CLOSURES: frozenset[dt.date] = frozenset(
    {
        dt.date(2001, 9, 11),
        dt.date(2001, 9, 12),
        dt.date(2001, 9, 13),
        dt.date(2001, 9, 14),
        dt.date(2004, 6, 11),  # President Reagan
        dt.date(2007, 1, 2),  # President Ford
        dt.date(2012, 10, 29),  # Hurricane Sandy
        dt.date(2012, 10, 30),
        dt.date(2018, 12, 5),  # President G. H. W. Bush
        dt.date(2025, 1, 9),  # President Carter
    }
)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th (1-based) given weekday of a month; n = -1 for the last one."""
    if n > 0:
        first = dt.date(year, month, 1)
        offset = (weekday - first.weekday()) % 7
        return first + dt.timedelta(days=offset + 7 * (n - 1))
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    last = next_month - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def _easter(year: int) -> dt.date:
    """Gregorian Easter Sunday (the anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def _observed(day: dt.date) -> dt.date:
    """Saturday holidays are observed on Friday, Sunday holidays on Monday."""
    if day.weekday() == 5:
        return day - dt.timedelta(days=1)
    if day.weekday() == 6:
        return day + dt.timedelta(days=1)
    return day


@lru_cache(maxsize=64)
def holidays(year: int) -> frozenset[dt.date]:
    """Full-day NYSE closures in a calendar year (weekends excluded)."""
    days = {
        _nth_weekday(year, 1, 0, 3),  # Martin Luther King Jr. Day
        _nth_weekday(year, 2, 0, 3),  # Washington's Birthday
        _easter(year) - dt.timedelta(days=2),  # Good Friday
        _nth_weekday(year, 5, 0, -1),  # Memorial Day
        _observed(dt.date(year, 7, 4)),  # Independence Day
        _nth_weekday(year, 9, 0, 1),  # Labor Day
        _nth_weekday(year, 11, 3, 4),  # Thanksgiving
        _observed(dt.date(year, 12, 25)),  # Christmas
    }
    # NYSE does not close on Friday Dec 31 when New Year's Day falls on a Saturday.
    new_year = dt.date(year, 1, 1)
    if new_year.weekday() != 5:
        days.add(_observed(new_year))
    if year >= 2022:
        days.add(_observed(dt.date(year, 6, 19)))  # Juneteenth
    days.update(day for day in SPECIAL_CLOSURES if day.year == year)
    return frozenset(day for day in days if day.year == year and day.weekday() < 5)


@lru_cache(maxsize=64)
def early_closes(year: int) -> frozenset[dt.date]:
    """Days the regular session ends at 13:00 New York time."""
    closed = holidays(year)
    candidates = {
        _nth_weekday(year, 11, 3, 4) + dt.timedelta(days=1),  # the day after Thanksgiving
        dt.date(year, 12, 24),  # Christmas Eve
    }
    # The day before Independence Day, when that day is a weekday and July 4 itself is a weekday
    # holiday (a Monday July 4 leaves Friday July 1 a full day).
    july_4 = dt.date(year, 7, 4)
    if july_4.weekday() in (1, 2, 3, 4):
        candidates.add(dt.date(year, 7, 3))
    return frozenset(day for day in candidates if day.weekday() < 5 and day not in closed)


def is_trading_day(day: dt.date) -> bool:
    """True when the market holds a regular session on this date."""
    return day.weekday() < 5 and day not in holidays(day.year)


def previous_trading_day(day: dt.date) -> dt.date:
    """The last trading day strictly before ``day``."""
    day -= dt.timedelta(days=1)
    while not is_trading_day(day):
        day -= dt.timedelta(days=1)
    return day


def next_trading_day(day: dt.date) -> dt.date:
    """The first trading day strictly after ``day``."""
    day += dt.timedelta(days=1)
    while not is_trading_day(day):
        day += dt.timedelta(days=1)
    return day


def trading_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Trading days from ``start`` to ``end``, both included."""
    days = []
    day = start
    while day <= end:
        if is_trading_day(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def last_trading_days(end: dt.date, count: int) -> list[dt.date]:
    """The ``count`` trading days ending at ``end`` (included when it is one), oldest first."""
    days: list[dt.date] = []
    day = end
    while len(days) < count:
        if is_trading_day(day):
            days.append(day)
        day -= dt.timedelta(days=1)
    return days[::-1]


@dataclass(frozen=True, slots=True)
class SessionTimes:
    """One trading day's session boundaries, as aware UTC datetimes."""

    date: dt.date
    pre_open: dt.datetime
    open: dt.datetime
    close: dt.datetime
    post_close: dt.datetime

    @property
    def is_early_close(self) -> bool:
        return self.close.astimezone(NEW_YORK).time() == EARLY_CLOSE


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=NEW_YORK).astimezone(dt.UTC)


def session_times(day: dt.date) -> SessionTimes | None:
    """Session boundaries for a trading day; None on weekends and holidays."""
    if not is_trading_day(day):
        return None
    early = day in early_closes(day.year)
    return SessionTimes(
        date=day,
        pre_open=_at(day, PRE_OPEN),
        open=_at(day, REGULAR_OPEN),
        close=_at(day, EARLY_CLOSE if early else REGULAR_CLOSE),
        post_close=_at(day, EARLY_POST_CLOSE if early else POST_CLOSE),
    )


def session_close(day: dt.date) -> dt.datetime:
    """The close of a day's regular session in UTC (16:00 New York on a non-trading day): the
    instant a figure dated ``day`` describes, so the date reads the same in every time zone."""
    times = session_times(day)
    if times is not None:
        return times.close
    return _at(day, REGULAR_CLOSE)


def session_at(moment: dt.datetime) -> Session:
    """The market session at an aware instant."""
    if moment.tzinfo is None:
        raise ValueError("session_at needs an aware datetime")
    times = session_times(moment.astimezone(NEW_YORK).date())
    if times is None or moment < times.pre_open or moment >= times.post_close:
        return Session.CLOSED
    if moment < times.open:
        return Session.PRE
    if moment < times.close:
        return Session.REGULAR
    return Session.POST


def last_session_date(moment: dt.datetime) -> dt.date:
    """The date of the latest regular session that has opened by ``moment``: today once the
    bell has rung, otherwise the previous trading day."""
    local_day = moment.astimezone(NEW_YORK).date()
    times = session_times(local_day)
    if times is not None and moment >= times.open:
        return local_day
    return previous_trading_day(local_day)


def sessions_closed_since(day: dt.date, moment: dt.datetime) -> int:
    """How many regular sessions after ``day`` have closed by ``moment`` (0: ``day``'s own
    session, or a later one still running, is the latest closed)."""
    latest = last_session_date(moment)
    if moment < session_close(latest):
        latest = previous_trading_day(latest)
    if latest <= day:
        return 0
    return len(trading_days(next_trading_day(day), latest))
