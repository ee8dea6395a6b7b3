"""Yahoo's replies turned into the source's answers: chart and spark replies read (blocking, in
the sources' thread), spark closes made into quotes or bars, each symbol's miss named, and one
``Fetched`` or ``Failed`` per call. No I/O, no textual import.
"""

from __future__ import annotations

import datetime as dt
import logging
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from tui import market_hours
from tui.clock import NEW_YORK
from tui.sources.base import (
    QUOTES_SCHEMA,
    BarInterval,
    Dataset,
    Failed,
    FailureKind,
    Fetched,
    conform,
    empty_frame,
)
from tui.sources.http import HttpReply
from tui.sources.yahoo.chart import (
    ChartData,
    ChartError,
    ChartFormatError,
    TradingPeriod,
    TradingSession,
    parse_chart,
    utc_from_epoch,
)
from tui.sources.yahoo.history import RecentCloses
from tui.sources.yahoo.quotes import bar_quote_time, period_session, quote_from_chart
from tui.sources.yahoo.spark import SparkData, SparkFormatError, parse_spark

logger = logging.getLogger("tapewatch.yahoo")

SOURCE: Final = "yahoo"

FAILURE_PROBLEMS: Final[Mapping[FailureKind, str]] = {
    FailureKind.TIMEOUT: "timed out",
    FailureKind.OFFLINE: "connection failed",
    FailureKind.RATE_LIMITED: "rate limited",
    FailureKind.HTTP: "HTTP error",
    FailureKind.PARSE: "unreadable reply",
    FailureKind.NOT_AVAILABLE: "not available",
    FailureKind.NOT_CONFIGURED: "not configured",
}


@dataclass(frozen=True, slots=True)
class Miss:
    """A symbol that could not be given, and the network or format failure behind it, if any."""

    problem: str
    failure: Failed | None = None


ChartOutcome = ChartData | ChartError | Failed

SparkOutcome = SparkData | Failed


@dataclass(frozen=True, slots=True)
class QuoteContext:
    """What a spark quote is completed with: a snapshot of the source's memory."""

    now: dt.datetime
    interval: BarInterval
    daily_closes: Mapping[str, RecentCloses]
    charts: Mapping[str, ChartData]  # the newest intraday chart of each symbol
    delays: Mapping[str, int]  # exchangeDataDelayedBy of each symbol seen in a chart, seconds


def read_chart(symbol: str, reply: HttpReply) -> ChartData | ChartError | Failed:
    """A chart reply parsed, Yahoo's own error, or why it could not be read (blocking)."""
    try:
        return parse_chart(reply.content)
    except ChartFormatError as error:
        if reply.status == 404:
            return ChartError("Not Found", "HTTP 404")
        logger.warning("yahoo chart for %s unreadable: %s", symbol, error)
        message = f"Yahoo's reply for {symbol} was not a chart ({error})"
        return Failed(SOURCE, FailureKind.PARSE, message)


def read_spark(batch: Sequence[str], interval: BarInterval, reply: HttpReply) -> SparkOutcome:
    """A spark reply parsed (a 404: none of the batch known), or why it could not be read
    (blocking)."""
    if reply.status == 404:
        empty = parse_spark(b"{}", interval, ())
        return SparkData(empty.bars, empty.previous_closes, dict.fromkeys(batch, "not found"))
    try:
        return parse_spark(reply.content, interval, batch)
    except SparkFormatError as error:
        logger.warning("yahoo spark for %s unreadable: %s", ",".join(batch), error)
        message = f"Yahoo's spark reply for {len(batch)} symbols was unreadable ({error})"
        return Failed(SOURCE, FailureKind.PARSE, message)


def _spark_series(
    batches: Sequence[Sequence[str]], replies: Sequence[SparkOutcome]
) -> tuple[dict[str, pl.DataFrame], dict[str, float | None], dict[str, Miss]]:
    """Each answered symbol's closes and close before the window, and each miss (blocking)."""
    closes: dict[str, pl.DataFrame] = {}
    previous: dict[str, float | None] = {}
    misses: dict[str, Miss] = {}
    for batch, reply in zip(batches, replies, strict=True):
        if isinstance(reply, Failed):
            misses.update(dict.fromkeys(batch, miss(reply)))
            continue
        for symbol in reply.problems:  # left out of the reply: Yahoo does not know it
            misses[symbol] = Miss("not found")
        by_symbol = reply.bars.partition_by("symbol", as_dict=True, maintain_order=True)
        for (symbol, *_), bars in by_symbol.items():
            closes[str(symbol)] = bars
        for symbol, chart_previous, yahoo_previous in reply.previous_closes.iter_rows():
            previous[symbol] = chart_previous if chart_previous is not None else yahoo_previous
    return closes, previous, misses


def spark_quotes_outcome(
    wanted: Sequence[str],
    batches: Sequence[Sequence[str]],
    replies: Sequence[SparkOutcome],
    context: QuoteContext,
) -> Fetched | Failed:
    """One quotes result from the spark replies of ``wanted``'s batches (blocking)."""
    closes, previous, misses = _spark_series(batches, replies)
    rows = []
    for symbol in wanted:
        if symbol in misses:
            continue
        bars = closes.get(symbol)
        if bars is None or bars.is_empty():
            misses[symbol] = Miss("no data")
            continue
        rows.append(_spark_quote(symbol, bars, previous.get(symbol), context))
    frame = pl.DataFrame(rows, schema=QUOTES_SCHEMA, orient="row") if rows else None
    ordered = {symbol: misses[symbol] for symbol in wanted if symbol in misses}
    return _assemble(frame, ordered, Dataset.QUOTES, context.now)


def _spark_quote(
    symbol: str, bars: pl.DataFrame, chart_previous: float | None, context: QuoteContext
) -> tuple[Any, ...]:
    """A quote row from a symbol's spark closes (oldest first, pre and post market included),
    completed from memory.

    As in `quote_from_chart`, ``last`` is the regular session's price and a newer pre- or
    post-market bar gives the extended-hours price apart. Spark carries no trading periods: a
    bar's session is the one of the symbol's intraday chart when one is held, else the NYSE
    calendar's. A window of extended-hours bars alone (pre-market: spark's day is today) has
    the previous session's close, spark's close before the window, as its regular price."""
    now, interval = context.now, context.interval
    chart = context.charts.get(symbol)
    periods = chart.meta.trading_periods if chart is not None else ()
    starts: list[dt.datetime] = bars.get_column("ts").to_list()
    closes: list[float] = bars.get_column("close").to_list()
    sessions = [_spark_bar_session(symbol, start, periods) for start in starts]
    extended: tuple[dt.datetime, float, TradingSession] | None = None
    newest_session = sessions[-1]
    if newest_session == "pre" or newest_session == "post":
        extended = (bar_quote_time(starts[-1], interval, now), closes[-1], newest_session)
    # Any other bar counts as the regular session's, one outside every session too: a bar
    # stamped where no session is (the year 2100) must reach the sanity check, not vanish.
    regular_at = next(
        (
            i
            for i in reversed(range(len(starts)))
            if sessions[i] is None or sessions[i] == "regular"
        ),
        None,
    )
    if regular_at is not None:
        ts, last = bar_quote_time(starts[regular_at], interval, now), closes[regular_at]
    elif chart_previous is not None:
        first_day = starts[0].astimezone(NEW_YORK).date()
        ts = market_hours.session_close(market_hours.previous_trading_day(first_day))
        last = chart_previous
    else:
        assert extended is not None  # no regular bar: the newest is an extended one
        (ts, last, _), extended = extended, None  # their price is all there is
    if extended is not None and extended[0] <= ts:
        extended = None
    session_date = ts.astimezone(NEW_YORK).date()
    daily = context.daily_closes.get(symbol)
    if daily is not None and daily.covers(session_date, NEW_YORK):
        prev_close = daily.before(session_date)
    else:
        # Spark's close before the window, unless it is the row's own price (pre-market).
        prev_close = chart_previous if regular_at is not None else None
    open_ = high = low = volume = None
    day = quote_from_chart(chart, now) if chart is not None else None
    if day is not None and day.session_date == session_date:
        open_, high, low, volume = day.open, day.high, day.low, day.volume
        if market_hours.session_at(ts) is market_hours.Session.REGULAR:
            # The chart is up to an intraday cadence old: the range holds the newest price.
            high = max(high, last) if high is not None else None
            low = min(low, last) if low is not None else None
    return (
        symbol,
        ts,
        last,
        prev_close,
        open_,
        high,
        low,
        volume,
        market_hours.session_at(now).value,
        context.delays.get(symbol, 0),
        SOURCE,
        extended[1] if extended is not None else None,
        extended[0] if extended is not None else None,
        extended[2] if extended is not None else None,
    )


def _spark_bar_session(
    symbol: str, start: dt.datetime, periods: Sequence[TradingPeriod]
) -> TradingSession | None:
    """The session of a spark bar. Indices, futures and currencies (``^VIX``, ``ES=F``,
    ``EURUSD=X``) keep their own hours, which are not the NYSE's pre and post market: all their
    bars are their regular session's."""
    if symbol.startswith("^") or "=" in symbol:
        return "regular"
    return period_session(periods, start)


def spark_bars_outcome(
    wanted: Sequence[str],
    batches: Sequence[Sequence[str]],
    replies: Sequence[SparkOutcome],
    now: dt.datetime,
    days: int | None = None,
) -> Fetched | Failed:
    """One closes result from the spark replies of ``wanted``'s batches, each symbol's last
    ``days`` bars when given (blocking)."""
    closes, _, misses = _spark_series(batches, replies)
    frames = []
    for symbol in wanted:
        bars = closes.get(symbol)
        if symbol in misses:
            continue
        if days is not None and bars is not None:
            bars = bars.tail(days) if days > 0 else bars.clear()
        if bars is None or bars.is_empty():
            misses[symbol] = Miss("no data")
        else:
            frames.append(bars)
    frame = pl.concat(frames) if frames else None
    ordered = {symbol: misses[symbol] for symbol in wanted if symbol in misses}
    return _assemble(frame, ordered, Dataset.BARS, now)


def spark_daily_outcome(
    wanted: Sequence[str],
    batches: Sequence[Sequence[str]],
    replies: Sequence[SparkOutcome],
    days: int,
    now: dt.datetime,
) -> tuple[Fetched | Failed, dict[str, RecentCloses | None]]:
    """One daily-closes result, and the last closes of each symbol answered (None: one that
    cannot be right) (blocking)."""
    outcome = spark_bars_outcome(wanted, batches, replies, now, days)
    closes: dict[str, RecentCloses | None] = {}
    if isinstance(outcome, Fetched) and outcome.frame.height:
        by_symbol = outcome.frame.partition_by("symbol", as_dict=True, maintain_order=True)
        for (symbol, *_), bars in by_symbol.items():
            closes[str(symbol)] = RecentCloses.of(str(symbol), bars, now)
    return outcome, closes


def bars_outcome(
    wanted: Sequence[str],
    charts: Sequence[ChartData | pl.DataFrame | Miss],
    interval: BarInterval,
    days: int,
    now: dt.datetime,
) -> Fetched | Failed:
    """One bars result from each symbol's chart, daily history or miss (blocking: builds the
    frames)."""
    frames: list[pl.DataFrame] = []
    misses: dict[str, Miss] = {}
    for symbol, chart in zip(wanted, charts, strict=True):
        if isinstance(chart, Miss):
            misses[symbol] = chart
            continue
        if isinstance(chart, pl.DataFrame):
            bars = chart.tail(days) if days > 0 else chart.clear()
        else:
            bars = chart.bars.tail(days) if interval == "1d" else _last_sessions(chart, days)
        if bars.is_empty():
            misses[symbol] = Miss("no data")
        else:
            frames.append(bars.with_columns(symbol=pl.lit(symbol)))
    frame = pl.concat(frames) if frames else None
    return _assemble(frame, misses, Dataset.BARS, now)


def miss(outcome: ChartError | Failed) -> Miss:
    if isinstance(outcome, ChartError):
        return Miss(outcome.problem)
    return Miss(FAILURE_PROBLEMS[outcome.kind], outcome)


def _last_sessions(chart: ChartData, sessions: int) -> pl.DataFrame:
    """Intraday bars of the chart's last ``sessions`` exchange-local dates."""
    zone = chart.meta.timezone
    dates = [utc_from_epoch(start).astimezone(zone).date() for start in chart.starts]
    if sessions <= 0 or not dates:
        return chart.bars.clear()
    first_date = sorted(set(dates))[-sessions:][0]
    return chart.bars.slice(bisect_left(dates, first_date))


def _assemble(
    frame: pl.DataFrame | None, misses: Mapping[str, Miss], dataset: Dataset, now: dt.datetime
) -> Fetched | Failed:
    """One result for a batch: Failed when no symbol got an answer because of the network or a
    broken format, otherwise the frame with every missing symbol named in ``problems``."""
    failures = [miss.failure for miss in misses.values() if miss.failure is not None]
    if frame is None and misses and len(failures) == len(misses):
        limited = [f for f in failures if f.kind is FailureKind.RATE_LIMITED]
        first = max(limited, key=lambda f: f.retry_at or now) if limited else failures[0]
        message = f"{first.message} ({len(misses)} of {len(misses)} symbols failed)"
        return Failed(SOURCE, first.kind, message, first.retry_at)
    frame = conform(frame, dataset) if frame is not None else empty_frame(dataset)
    newest = frame["ts"].max() if frame.height else None
    as_of = newest if isinstance(newest, dt.datetime) else now
    return Fetched(frame, as_of, {symbol: miss.problem for symbol, miss in misses.items()})
