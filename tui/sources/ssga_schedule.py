"""When SSGA's fund files carry a day's figures; no polars or HTTP import, so the demo can use it.

A fund's NAV for a session is struck at the close and added to its NAV history file in the
evening: until then the newest row is the previous session's. Weekends and market holidays have
no NAV. The daily holdings file is dated the previous business day.
"""

from __future__ import annotations

import datetime as dt

from tui.market_hours import NEW_YORK, is_trading_day, previous_trading_day

# A session's NAV is taken to be in the history file by this time in New York.
NAV_POSTED_BY = dt.time(20, 0)


def expected_nav_date(moment: dt.datetime) -> dt.date:
    """The newest date whose NAV the history file should hold at the aware ``moment``: today's
    session from NAV_POSTED_BY New York time, else the previous session."""
    local = moment.astimezone(NEW_YORK)
    day = local.date()
    if not is_trading_day(day) or local.time() < NAV_POSTED_BY:
        day = previous_trading_day(day)
    return day
