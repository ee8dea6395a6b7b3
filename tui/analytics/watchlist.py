"""The watchlists: per ticker its quote and changes, the extended-hours move, relative volume by
time of day (as Sector flows measures it), where it sits in its 52-week range, short interest and
the short-volume z-score; and the view builder that lines them up per list."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection

import polars as pl

from tui.analytics.frame_rows import newest, rows_by_key
from tui.analytics.market import MarketData
from tui.analytics.returns import latest_quotes, latest_session_bars, pct_change
from tui.analytics.sectors import mean_daily_volumes, relative_volumes
from tui.analytics.sessions import bar_date, current_session
from tui.analytics.shorts import latest_settlements, short_metrics, short_volume_stats
from tui.analytics.ticker import ranges_52_weeks
from tui.clock import NEW_YORK
from tui.config import Settings
from tui.market_hours import session_times
from tui.models import NO_DATA
from tui.presenters.extended import ext_change_pct
from tui.presenters.watchlist import WatchlistRows, WatchlistView, WatchRow


@dataclasses.dataclass(frozen=True, slots=True)
class WatchQuote:
    """What a watchlist reads of a symbol's latest quote; None where unknown."""

    ts: dt.datetime | None = None
    last: float | None = None
    prev_close: float | None = None
    volume: float | None = None
    change: float | None = None
    change_pct: float | None = None
    ext_last: float | None = None  # the pre- or post-market price, apart from ``last``


@dataclasses.dataclass(frozen=True, slots=True)
class ShortFigures:
    """A symbol's short interest at its latest settlement; None where unknown."""

    short_pct: float | None = None
    short_pct_basis: str | None = None


def extended_change_pct(
    quote: WatchQuote, regular_close: tuple[dt.date, float] | None
) -> float | None:
    """The move in the pre- or post-market session, in %: the quote's extended-hours price
    against its regular session's price where the source gives one apart (tui.sources.base's
    ``ext_last``); else a quote from after its day's regular close against that day's close
    (``regular_close``: the date and close of the symbol's newest daily bar), one from before
    the open against the previous close; None for a quote from the regular session, a day
    without one, or a missing price."""
    if quote.ts is None or quote.last is None:
        return None
    if quote.ext_last is not None:
        # The source gave the extended-hours price apart: ``last`` is the regular session's.
        return ext_change_pct(quote.ext_last, quote.last)
    day = quote.ts.astimezone(NEW_YORK).date()
    times = session_times(day)
    if times is None:
        return None
    if quote.ts >= times.close:
        base = regular_close[1] if regular_close is not None and regular_close[0] == day else None
    elif quote.ts < times.open:
        base = quote.prev_close
    else:
        return None
    if base is None or base == 0:
        return None
    return (quote.last / base - 1.0) * 100.0


def regular_closes(
    daily: pl.DataFrame, symbols: Collection[str]
) -> dict[str, tuple[dt.date, float]]:
    """Per symbol, the date and close of its newest daily bar: the regular session's close of
    that day (a daily bar never holds the extended hours)."""
    newest_bars = (
        daily.filter(pl.col("symbol").is_in(list(symbols)), pl.col("close").is_not_null())
        .select("symbol", bar_date(), "close")
        .sort("date")
        .unique("symbol", keep="last")
    )
    return {symbol: (day, close) for symbol, day, close in newest_bars.iter_rows()}


def _position(last: float | None, low: float | None, high: float | None) -> float | None:
    """Where ``last`` sits between ``low`` and ``high``, 0 to 1 (the range widened to take in a
    last price outside it); None without a range."""
    if last is None or low is None or high is None:
        return None
    low, high = min(low, last), max(high, last)
    if high <= low:
        return None
    return (last - low) / (high - low)


def watch_rows(data: MarketData, symbols: Collection[str]) -> dict[str, WatchRow]:
    """The row of each of ``symbols``, whatever list it is in."""
    wanted = list(dict.fromkeys(symbols))
    session = current_session(data.now)
    quotes = latest_quotes(data.quotes, wanted).with_columns(
        change=pl.col("last") - pl.col("prev_close"),
        change_pct=pct_change(pl.col("last"), pl.col("prev_close")),
    )
    by_symbol = rows_by_key(quotes, WatchQuote)
    volumes = relative_volumes(
        data.intraday,
        {symbol: (quote.ts, quote.volume) for symbol, quote in by_symbol.items()},
        mean_daily_volumes(data.daily, wanted, session),
        session,
    )
    ranges = ranges_52_weeks(data.daily, wanted, session)
    closes = regular_closes(data.daily, wanted)
    shorts = rows_by_key(
        short_metrics(latest_settlements(data.short_interest, wanted), data.shares),
        ShortFigures,
    )
    sv_z: dict[str, float | None] = dict(
        short_volume_stats(data.short_volume, wanted).select("symbol", "sv_zscore").iter_rows()
    )
    intraday: dict[str, tuple[float, ...]] = {
        symbol: tuple(values)
        for symbol, values in latest_session_bars(data.intraday, wanted)
        .group_by("symbol")
        .agg("close")
        .iter_rows()
    }
    rows = {}
    for symbol in wanted:
        quote = by_symbol.get(symbol, WatchQuote())
        low, high = ranges.get(symbol, (None, None))
        short = shorts.get(symbol, ShortFigures())
        known = data.info.get(symbol)
        volume = volumes.get(symbol)
        has_figures = quote.last is not None or low is not None
        rows[symbol] = WatchRow(
            symbol=symbol,
            name=known.name if known is not None and known.name != symbol else "",
            last=quote.last,
            change=quote.change,
            change_pct=quote.change_pct,
            extended_change_pct=extended_change_pct(quote, closes.get(symbol)),
            volume=quote.volume,
            rel_volume=volume.value if volume is not None else None,
            rel_volume_basis=volume.basis
            if volume is not None and volume.value is not None
            else None,
            low_52w=low,
            high_52w=high,
            range_position=_position(quote.last, low, high),
            short_pct=short.short_pct,
            short_pct_basis=short.short_pct_basis,  # type: ignore[arg-type]
            sv_zscore=sv_z.get(symbol),
            intraday=intraday.get(symbol, ()),
            as_of=quote.ts,
            problem=None if has_figures else data.problems.get(symbol) or NO_DATA,
        )
    return rows


def build_watchlist(data: MarketData, settings: Settings) -> WatchlistView:
    """Every watchlist, each ticker in the list's order."""
    symbols = [symbol for watchlist in settings.watchlists for symbol in watchlist.symbols]
    rows = watch_rows(data, symbols)
    lists = tuple(
        WatchlistRows(
            watchlist.name,
            tuple(rows[symbol] for symbol in dict.fromkeys(watchlist.symbols)),
        )
        for watchlist in settings.watchlists
    )
    return WatchlistView(lists=lists, as_of=newest([row.as_of for row in rows.values()]))
