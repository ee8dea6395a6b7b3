"""A quote read from an intraday chart, and which session (pre, regular, post) a bar belongs to:
Yahoo's trading periods where a chart has them, else the NYSE calendar. Pure functions; no I/O,
no textual import.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from tui import market_hours
from tui.clock import NEW_YORK
from tui.sources.base import BarInterval
from tui.sources.yahoo.chart import (
    ChartData,
    ChartMeta,
    TradingPeriod,
    TradingSession,
    utc_from_epoch,
)


@dataclass(frozen=True, slots=True)
class QuoteFields:
    """A quote read from an intraday chart, before the previous close is known."""

    ts: dt.datetime  # when the regular session's price was made
    last: float  # the regular session's latest price (its close once it has closed)
    open: float | None
    high: float | None
    low: float | None
    volume: float | None
    session_date: dt.date  # the exchange-local date of ``ts``
    # Pre- or post-market: the newest extended-hours price, when it is newer than ``last``.
    ext_last: float | None = None
    ext_ts: dt.datetime | None = None
    ext_session: TradingSession | None = None


def quote_from_chart(chart: ChartData, now: dt.datetime) -> QuoteFields | None:
    """The latest price in an intraday chart, or None if it holds none.

    ``last`` is the regular session's price: Yahoo's regular-market price, or without one the
    newest bar inside a regular period. A newer bar in a pre- or post-market period gives the
    extended-hours price apart (``ext_last``, timed at the bar's end, or now while the bar is
    still open), so a row's change stays the regular session's. Open, high and low come from
    the regular-session bars of the quote's date, volume from meta when meta describes that date.
    """
    meta = chart.meta
    regular = _regular_price(chart)
    extended = _extended_price(chart, now)
    if regular is None:
        if extended is None:
            return None
        # Nothing but extended-hours bars: their price is all there is.
        regular, extended = (extended[0], extended[1]), None
    ts, last = regular
    if extended is not None and extended[0] <= ts:
        extended = None
    session_date = ts.astimezone(meta.timezone).date()
    start, end = _regular_window(meta, session_date)
    first = bisect_left(chart.starts, start.timestamp())
    stop = bisect_left(chart.starts, end.timestamp())
    opens = [value for value in chart.opens[first:stop] if value is not None]
    highs = [value for value in chart.highs[first:stop] if value is not None]
    lows = [value for value in chart.lows[first:stop] if value is not None]
    same_day = meta.price_time is not None and (
        meta.price_time.astimezone(meta.timezone).date() == session_date
    )
    return QuoteFields(
        ts=ts,
        last=last,
        open=opens[0] if opens else None,
        high=max(highs) if highs else None,
        low=min(lows) if lows else None,
        volume=meta.day_volume if same_day else None,
        session_date=session_date,
        ext_last=extended[1] if extended is not None else None,
        ext_ts=extended[0] if extended is not None else None,
        ext_session=extended[2] if extended is not None else None,
    )


def bar_quote_time(start: dt.datetime, interval: BarInterval, now: dt.datetime) -> dt.datetime:
    """When a quote taken from a bar's close was priced: the bar's end, or ``now`` while the bar
    is still open. A bar that starts after ``now`` keeps its start: capping it at ``now`` would
    pass a bar stamped in the year 2100 off as live, where the sanity check must see it."""
    if start > now:
        return start
    return min(start + INTERVAL_LENGTH[interval], now)


def bar_session(chart: ChartData, start: dt.datetime) -> TradingSession | None:
    """Which session a bar of ``chart`` starting at ``start`` belongs to."""
    return period_session(chart.meta.trading_periods, start)


def period_session(
    trading_periods: Sequence[TradingPeriod], start: dt.datetime
) -> TradingSession | None:
    """Which session a bar starting at ``start`` belongs to: Yahoo's trading periods where they
    cover that day, else the NYSE calendar (None: outside any session)."""
    day = start.astimezone(NEW_YORK).date()
    periods = [p for p in trading_periods if p.start.astimezone(NEW_YORK).date() == day]
    for period in periods:
        if period.start <= start < period.end:
            return period.session
    if periods:
        return None  # the day's own periods say the bar is in none of them
    return _CALENDAR_SESSIONS.get(market_hours.session_at(start))


_CALENDAR_SESSIONS: Final[Mapping[market_hours.Session, TradingSession]] = {
    market_hours.Session.PRE: "pre",
    market_hours.Session.REGULAR: "regular",
    market_hours.Session.POST: "post",
}


def _regular_price(chart: ChartData) -> tuple[dt.datetime, float] | None:
    """Yahoo's regular-market price and time, else the newest regular-session bar's close
    (timed at the bar's end)."""
    meta = chart.meta
    if meta.price is not None and meta.price_time is not None:
        return meta.price_time, meta.price
    for index in range(len(chart.starts) - 1, -1, -1):
        start = utc_from_epoch(chart.starts[index])
        if bar_session(chart, start) == "regular":
            return start + INTERVAL_LENGTH[chart.interval], chart.closes[index]
    return None


def _extended_price(
    chart: ChartData, now: dt.datetime
) -> tuple[dt.datetime, float, TradingSession] | None:
    """The newest bar's close when that bar is in a pre- or post-market period, timed as
    `bar_quote_time` has it."""
    if not chart.starts:
        return None
    start = utc_from_epoch(chart.starts[-1])
    session = bar_session(chart, start)
    if session not in ("pre", "post"):
        return None
    return bar_quote_time(start, chart.interval, now), chart.closes[-1], session


INTERVAL_LENGTH: Final[Mapping[str, dt.timedelta]] = {
    "1m": dt.timedelta(minutes=1),
    "5m": dt.timedelta(minutes=5),
    "1d": dt.timedelta(days=1),
}


def _regular_window(meta: ChartMeta, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The instrument's regular session on ``day``: Yahoo's own period when it is that day's
    (indices such as ^TNX keep other hours than the NYSE), else the NYSE calendar's."""
    if meta.regular_period is not None:
        start, end = meta.regular_period
        if start.astimezone(meta.timezone).date() == day:
            return start, end
    times = market_hours.session_times(day)
    if times is not None:
        return times.open, times.close
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=meta.timezone)
    return midnight, midnight + dt.timedelta(days=1)
