"""Date and time-zone helpers the chart and spark parsers share: a month back on the calendar
(for Yahoo's ``range``) and the zone an exchange's name gives. No I/O, no textual import.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` months earlier (the last day of a shorter month)."""
    year, month_index = divmod(day.year * 12 + day.month - 1 - months, 12)
    month = month_index + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def named_zone(name: Any) -> dt.tzinfo | None:
    """The time zone Yahoo's ``exchangeTimezoneName`` names; None when it names none we know."""
    if isinstance(name, str):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return None
