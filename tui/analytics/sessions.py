"""Which daily bars count as previous closes, as completed sessions, or as today's session.

The daily frame may end with the current session's partial bar, so every computation says which
sessions it may use. Daily bars carry their session date at 00:00 UTC; intraday bars are dated by
their New York calendar day.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from tui.market_hours import (
    NEW_YORK,
    last_session_date,
    last_trading_days,
    previous_trading_day,
    session_times,
)


def current_session(now: dt.datetime) -> dt.date:
    """The session today's quotes belong to: today once the bell has rung, else the previous one.

    Daily bars dated on or after it are not previous closes."""
    return last_session_date(now)


def last_completed_session(now: dt.datetime) -> dt.date:
    """The latest session whose regular close has passed by ``now``."""
    today = now.astimezone(NEW_YORK).date()
    times = session_times(today)
    if times is not None and now >= times.close:
        return today
    return previous_trading_day(today)


def sessions_before(session: dt.date, count: int) -> list[dt.date]:
    """The ``count`` trading days just before ``session``, oldest first."""
    return last_trading_days(previous_trading_day(session), count)


def bar_date() -> pl.Expr:
    """The session date of a daily bar (its ``ts`` is the date at 00:00 UTC)."""
    return pl.col("ts").dt.date().alias("date")


def new_york_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants at which a New York calendar day and the next one start."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=NEW_YORK)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=NEW_YORK)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def new_york_date(moment: dt.datetime) -> dt.date:
    """The New York calendar day of an aware instant."""
    return moment.astimezone(NEW_YORK).date()
