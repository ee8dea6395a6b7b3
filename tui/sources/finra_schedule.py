"""FINRA's publication calendar: short-interest settlement and publication dates, and when the
daily Reg SHO files are posted. Shared by the FINRA source, the demo market and replay; no I/O.
"""

from __future__ import annotations

import datetime as dt

from tui.market_hours import NEW_YORK, is_trading_day, last_trading_days, previous_trading_day

PUBLICATION_BUSINESS_DAYS = 7  # short interest is published on the 7th business day after
SHORT_INTEREST_RELEASE_TIME = dt.time(16, 0)  # ... after 4 pm New York that day
SHORT_VOLUME_POSTED_BY = dt.time(18, 0)  # a day's Reg SHO file is up by 6 pm New York

_DAY = dt.timedelta(days=1)


def is_settlement_day(day: dt.date) -> bool:
    """Trades settle on trading days except the two bank holidays the stock market trades
    through: Columbus Day and Veterans Day (moved to Monday when it falls on a Sunday)."""
    if not is_trading_day(day):
        return False
    october = dt.date(day.year, 10, 1)
    columbus = october + dt.timedelta(days=(7 - october.weekday()) % 7 + 7)  # 2nd Monday
    veterans = dt.date(day.year, 11, 11)
    if veterans.weekday() == 6:
        veterans += _DAY
    return day not in (columbus, veterans)


def _settlement_day_on_or_before(day: dt.date) -> dt.date:
    while not is_settlement_day(day):
        day -= _DAY
    return day


def settlement_dates(start: dt.date, end: dt.date) -> list[dt.date]:
    """Short-interest settlement dates from ``start`` to ``end`` (both included), oldest first.

    FINRA Rule 4560's schedule: the 15th of each month, or the settlement day before it when the
    15th is not one; and the last day of the month on which transactions settle.
    """
    dates: list[dt.date] = []
    year, month = start.year, start.month
    while dt.date(year, month, 1) <= end:
        next_month = dt.date(year + month // 12, month % 12 + 1, 1)
        for day in (
            _settlement_day_on_or_before(dt.date(year, month, 15)),
            _settlement_day_on_or_before(next_month - _DAY),
        ):
            if start <= day <= end:
                dates.append(day)
        year, month = next_month.year, next_month.month
    return dates


def publication_date(settlement: dt.date) -> dt.date:
    """The day FINRA publishes a settlement's short interest: the 7th business day after it."""
    day, counted = settlement, 0
    while counted < PUBLICATION_BUSINESS_DAYS:
        day += _DAY
        if is_settlement_day(day):
            counted += 1
    return day


def published_at(settlement: dt.date) -> dt.datetime:
    """When a settlement's short interest is out (4 pm New York on its publication day), UTC."""
    moment = dt.datetime.combine(
        publication_date(settlement), SHORT_INTEREST_RELEASE_TIME, tzinfo=NEW_YORK
    )
    return moment.astimezone(dt.UTC)


def short_volume_posted_at(day: dt.date) -> dt.datetime:
    """When the Reg SHO file of a trading day is up (6 pm New York), as aware UTC."""
    return dt.datetime.combine(day, SHORT_VOLUME_POSTED_BY, tzinfo=NEW_YORK).astimezone(dt.UTC)


def latest_published_settlement(moment: dt.datetime) -> dt.date:
    """The newest settlement date whose short interest is out at the aware ``moment``."""
    local_day = moment.astimezone(NEW_YORK).date()
    # Publication trails settlement by 7 business days (under two weeks even with holidays) and
    # settlements are at most 17 days apart, so the answer is among the last 45 days' settlements.
    recent = settlement_dates(local_day - dt.timedelta(days=45), local_day)
    return next(day for day in reversed(recent) if published_at(day) <= moment)


def posted_short_volume_dates(moment: dt.datetime, count: int) -> list[dt.date]:
    """The ``count`` newest trading days whose Reg SHO file is posted at the aware ``moment``,
    newest first. Weekends and market holidays have no file; today's counts only from 6 pm."""
    local = moment.astimezone(NEW_YORK)
    newest = local.date()
    if not is_trading_day(newest) or local.time() < SHORT_VOLUME_POSTED_BY:
        newest = previous_trading_day(newest)
    return last_trading_days(newest, count)[::-1]
