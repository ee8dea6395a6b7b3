"""The daily history Yahoo's source keeps: one symbol's daily bars with when and how far back
they were fetched (in memory, and on disk across restarts through tui.cache), when such a copy
still serves, and the recent daily closes later quotes take their previous close from. No
textual import.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Final

import polars as pl

from tui import market_hours
from tui.cache import Cache, validate_key
from tui.sources.base import BARS_SCHEMA, Dataset
from tui.sources.sanity import holds_bad_rows, sane_price
from tui.sources.yahoo.chart import DAILY_RANGES, ChartData

logger = logging.getLogger("tapewatch.yahoo")

# A copy of a symbol's daily history serves the day once fetched this long after the latest
# session's close (Yahoo settles the daily bar a little after the bell).
HISTORY_SETTLED_S: Final = 30 * 60.0


@dataclass(frozen=True, slots=True)
class RecentCloses:
    """Recent daily closes of one symbol and when they were fetched."""

    fetched_at: dt.datetime
    closes: tuple[tuple[dt.date, float], ...]  # oldest first

    @classmethod
    def of(cls, symbol: str, bars: pl.DataFrame, fetched_at: dt.datetime) -> RecentCloses | None:
        """The last closes of a daily-bars frame (BARS_SCHEMA, one symbol, oldest first); None
        when one of them cannot be right (a server sending zeros): an older close must not stand
        in for a bad one, so the quote's previous close comes from spark instead."""
        tail = bars.tail(10)
        days = [moment.date() for moment in tail.get_column("ts").to_list()]
        closes = tail.get_column("close").to_list()
        if not all(sane_price(symbol, close) for close in closes):
            return None
        return cls(fetched_at, tuple(zip(days, closes, strict=True)))

    def covers(self, session_date: dt.date, zone: dt.tzinfo) -> bool:
        """Fetched on or after ``session_date`` began, so every earlier close was final."""
        return self.fetched_at.astimezone(zone).date() >= session_date

    def before(self, session_date: dt.date) -> float | None:
        """The last close dated before ``session_date``."""
        earlier = [close for day, close in self.closes if day < session_date]
        return earlier[-1] if earlier else None


def latest_closed_session(now: dt.datetime) -> dt.date:
    """The newest session whose close has passed by ``now``."""
    latest = market_hours.last_session_date(now)
    if market_hours.session_close(latest) > now:
        latest = market_hours.previous_trading_day(latest)
    return latest


@dataclass(frozen=True, slots=True)
class DailyHistory:
    """A copy of one symbol's daily bars (in memory, and on disk across restarts)."""

    bars: pl.DataFrame  # BARS_SCHEMA, oldest first
    fetched_at: dt.datetime
    range_: str  # the Yahoo range it was fetched with

    def serves(self, range_: str, now: dt.datetime) -> bool:
        """It holds ``range_`` and every session closed by ``now``: no request needed."""
        names = [name for _, name in DAILY_RANGES] + ["max"]
        if range_ not in names or self.range_ not in names:
            return False
        if names.index(self.range_) < names.index(range_):
            return False
        settled = market_hours.session_close(latest_closed_session(now)) + dt.timedelta(
            seconds=HISTORY_SETTLED_S
        )
        return settled <= self.fetched_at <= now

    def meta(self) -> bytes:
        return json.dumps(
            {"fetched_at": self.fetched_at.isoformat(), "range": self.range_}
        ).encode()


def history_key(symbol: str) -> str | None:
    """Where a symbol's daily history lives in the cache; None for a symbol no key can name."""
    key = f"yahoo/daily/{symbol}"
    try:
        validate_key(key)
    except ValueError:
        return None
    return key


def checked_history(chart: ChartData, now: dt.datetime) -> tuple[pl.DataFrame, bool]:
    """A daily chart's bars, and whether every row of them can be right (blocking)."""
    bars = chart.bars
    return bars, not holds_bad_rows(bars, Dataset.BARS, now)


def load_history(cache: Cache, symbol: str) -> DailyHistory | None:
    """A symbol's daily history from disk, if a readable copy is there (blocking)."""
    key = history_key(symbol)
    if key is None:
        return None
    bars = cache.read_frame(key, BARS_SCHEMA)
    raw = cache.read_bytes(key)
    if bars is None or raw is None:
        return None
    try:
        meta = json.loads(raw)
        fetched_at = dt.datetime.fromisoformat(meta["fetched_at"])
        range_ = str(meta["range"])
        if fetched_at.tzinfo is None:
            raise ValueError("a time without a time zone")
    except (ValueError, KeyError, TypeError):
        logger.warning("discarding unreadable daily history metadata of %s", symbol)
        return None
    if holds_bad_rows(bars, Dataset.BARS, fetched_at):  # kept by a version that checked less
        logger.warning(
            "discarding a daily history of %s holding figures that cannot be right", symbol
        )
        return None
    return DailyHistory(bars, fetched_at, range_)


def save_history(cache: Cache, symbol: str, history: DailyHistory) -> None:
    """Keep a symbol's daily history on disk (blocking); a symbol no key can name is not kept."""
    key = history_key(symbol)
    if key is not None:
        cache.write_frame(key, history.bars)
        cache.write_bytes(key, history.meta())
