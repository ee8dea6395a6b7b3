"""Quotes and bars from Yahoo Finance's v8 chart and spark endpoints (no crumb needed). No textual
import.

Every request to Yahoo spends its request budget (tui.sources.budget), so each field is asked
for where it is cheapest:

- Quotes, and the intraday closes of the sparklines: the spark endpoint, up to 20 symbols a
  request (`yahoo_spark`). It gives each symbol's 5-minute closes of the day, pre and post
  market included (the newest regular-session close is the last price, a newer pre- or
  post-market close the extended-hours price, at no extra request) and the close before that
  day's window (in pre-market, the last price itself). The day's open, high, low and volume,
  which spark does not carry, come from the symbol's newest intraday chart when one was fetched
  (the sector ETFs' bars, which relative volume needs anyway, refreshed at the intraday
  cadence); other symbols leave them null, and nothing on the dashboard reads them.
- Intraday OHLCV bars (relative volume, the drill-down's chart): one chart request per symbol.
- Daily history: one chart request per symbol and session, kept on disk across restarts: a copy
  fetched after the latest close has settled serves every later ask that day.
- Daily closes alone (the sector funds' ~500 members, whose breadth needs no more): the spark
  endpoint with ``interval=1d``, 20 symbols a request (`daily_closes`), open, high, low and
  volume null.

The shared HttpClient bounds concurrency and the request rate per host, backs off and honours
429s. Quirks handled here:

- Values may be null: a bar whose close is null is dropped, other nulls stay null.
- A window with no bars has no ``timestamp`` key at all.
- An unknown symbol answers HTTP 404 with ``chart.error`` ("No data found, symbol may be
  delisted"); such symbols are reported in ``Fetched.problems``, never dropped silently.
- ``meta.previousClose`` and ``meta.chartPreviousClose`` are not yesterday's close in general
  (the latter is the close before the requested window), so the previous close comes from daily
  bars where tapewatch holds them for the session; else from spark's ``chartPreviousClose`` of a
  one-day window, which is the close of the session before that window's.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Final, Literal, get_args
from urllib.parse import quote as quote_path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from tui import market_hours
from tui.cache import Cache, validate_key
from tui.clock import NEW_YORK, utc_now
from tui.config import YahooSettings
from tui.sources.base import (
    BARS_SCHEMA,
    QUOTES_SCHEMA,
    BarInterval,
    Dataset,
    Failed,
    FailureKind,
    Fetched,
    SymbolInfo,
    conform,
    empty_frame,
    in_thread,
)
from tui.sources.http import MB, HttpClient, HttpReply, ReplyLimit
from tui.sources.sanity import holds_bad_rows, sane_price
from tui.sources.yahoo_spark import (
    SPARK_PATH,
    SparkData,
    SparkFormatError,
    daily_spark_range,
    months_before,
    parse_spark,
    spark_batches,
    spark_params,
)

logger = logging.getLogger("tapewatch.yahoo")

SOURCE: Final = "yahoo"

# A quotes() poll and an intraday bars() poll made this close together share one reply.
SHARED_REPLY_TTL_S: Final = 5.0

# A copy of a symbol's daily history serves the day once fetched this long after the latest
# session's close (Yahoo settles the daily bar a little after the bell).
HISTORY_SETTLED_S: Final = 30 * 60.0

# The largest chart asked for (ten years of daily bars, or five days of 1-minute bars with pre and
# post market) is well under 1 MB: a bigger reply is not a chart.
CHART_REPLY_LIMIT: Final = ReplyLimit("one chart", 8 * MB)
# Twenty symbols' 5-minute closes of a day (with pre and post market) are about 60 kB.
SPARK_REPLY_LIMIT: Final = ReplyLimit("one spark reply", 8 * MB)

# Yahoo's ranges for daily bars, by the number of sessions they hold at least.
DAILY_RANGES: Final = ((252, "1y"), (504, "2y"), (1260, "5y"), (2520, "10y"))

# Yahoo's ranges for intraday bars, narrowest first: one chart request per symbol covers the
# sessions asked for, and a reply of a wider range answers a narrower request too.
INTRADAY_RANGES: Final = ("1d", "5d", "1mo", "3mo")

KINDS: Final[Mapping[str, Literal["stock", "etf", "index"]]] = {
    "EQUITY": "stock",
    "ETF": "etf",
    "MUTUALFUND": "etf",
    "INDEX": "index",
}

FAILURE_PROBLEMS: Final[Mapping[FailureKind, str]] = {
    FailureKind.TIMEOUT: "timed out",
    FailureKind.OFFLINE: "connection failed",
    FailureKind.RATE_LIMITED: "rate limited",
    FailureKind.HTTP: "HTTP error",
    FailureKind.PARSE: "unreadable reply",
    FailureKind.NOT_AVAILABLE: "not available",
    FailureKind.NOT_CONFIGURED: "not configured",
}


BAR_VALUES: Final = ("open", "high", "low", "close", "volume")


class ChartFormatError(ValueError):
    """A chart reply that is not in the format we know (HTML page, truncated JSON, wrong types)."""


TradingSession = Literal["pre", "regular", "post"]


@dataclass(frozen=True, slots=True)
class TradingPeriod:
    """One session window from ``meta.tradingPeriods``."""

    session: TradingSession
    start: dt.datetime  # aware UTC
    end: dt.datetime


@dataclass(frozen=True, slots=True)
class ChartMeta:
    """The parts of ``chart.result[0].meta`` tapewatch uses."""

    symbol: str
    name: str | None  # longName, else shortName
    instrument_type: str | None  # "EQUITY", "ETF", "INDEX", ...
    timezone: dt.tzinfo  # the exchange's time zone
    price: float | None  # regularMarketPrice
    price_time: dt.datetime | None  # regularMarketTime, aware UTC
    day_volume: float | None  # regularMarketVolume, the consolidated figure daily bars carry
    delayed_s: int  # exchangeDataDelayedBy (minutes in Yahoo's data), in seconds
    regular_period: tuple[dt.datetime, dt.datetime] | None  # currentTradingPeriod.regular
    # meta.tradingPeriods, oldest first: with includePrePost and an intraday interval Yahoo sends
    # {"pre": [[period]], "regular": [[period]], "post": [[period]]} (one inner list a day),
    # otherwise a plain [[period]] of regular sessions; any other shape gives ().
    trading_periods: tuple[TradingPeriod, ...] = ()


@dataclass(frozen=True)
class ChartData:
    """A parsed chart: its meta and its bars, oldest first, one per start, none without a close.

    The bars are kept as plain tuples: a quote needs only a few values, and building a polars
    frame costs more than the rest of the parse, so ``bars`` builds it on first use.
    """

    meta: ChartMeta
    interval: BarInterval
    starts: tuple[int, ...]  # epoch seconds; daily bars: the session date at 00:00 UTC
    opens: tuple[float | None, ...]
    highs: tuple[float | None, ...]
    lows: tuple[float | None, ...]
    closes: tuple[float, ...]
    volumes: tuple[float | None, ...]

    @cached_property
    def bars(self) -> pl.DataFrame:
        """The bars as a BARS_SCHEMA frame."""
        frame = pl.DataFrame(
            {
                "ts": self.starts,
                "open": self.opens,
                "high": self.highs,
                "low": self.lows,
                "close": self.closes,
                "volume": self.volumes,
            },
            schema={"ts": pl.Int64(), **dict.fromkeys(BAR_VALUES, pl.Float64())},
        )
        return frame.select(
            pl.lit(self.meta.symbol, pl.String()).alias("symbol"),
            pl.from_epoch("ts", "s").dt.replace_time_zone("UTC").alias("ts"),
            *BAR_VALUES,
            pl.lit(self.interval, pl.String()).alias("interval"),
        )


@dataclass(frozen=True, slots=True)
class ChartError:
    """Yahoo's own error reply: ``{"chart": {"result": null, "error": {...}}}``."""

    code: str
    description: str

    @property
    def problem(self) -> str:
        """The short reason shown beside the symbol."""
        if self.code == "Not Found":
            return "not found"
        if "delisted" in self.description.lower():
            return "delisted"
        return f"rejected by Yahoo: {self.description or self.code}"


def parse_chart(content: bytes) -> ChartData | ChartError:
    """Parse one v8 chart reply. Raises ChartFormatError when it is not one."""
    try:
        document = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ChartFormatError(f"not JSON ({error})") from error
    chart = _field(document, "chart", dict)
    chart_error = chart.get("error")
    if chart_error is not None:
        if not isinstance(chart_error, dict):
            raise ChartFormatError("chart.error is not an object")
        code, description = chart_error.get("code"), chart_error.get("description")
        return ChartError(str(code or ""), str(description or ""))
    results = _field(chart, "result", list)
    if not results or not isinstance(results[0], dict):
        raise ChartFormatError("chart.result is empty")
    result = results[0]
    meta_fields = _field(result, "meta", dict)
    meta = _parse_meta(meta_fields)
    granularity = meta_fields.get("dataGranularity")
    if granularity not in get_args(BarInterval):
        raise ChartFormatError(f"unexpected bar interval {granularity!r}")
    interval: BarInterval = granularity
    return _parse_bars(result, meta, interval)


def _field(mapping: Any, key: str, kind: type) -> Any:
    if not isinstance(mapping, dict):
        raise ChartFormatError(f"expected an object holding {key!r}")
    value = mapping.get(key)
    if not isinstance(value, kind):
        raise ChartFormatError(f"{key!r} is missing or not a {kind.__name__}")
    return value


def _number(value: Any, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ChartFormatError(f"{what} is not a number: {value!r}")
    return float(value)


def _numbers(values: list[Any], what: str) -> list[float | None]:
    """A list of JSON numbers or nulls as floats or None (a hot loop: one pass, no calls)."""
    numbers: list[float | None] = []
    for value in values:
        kind = type(value)
        if kind is float or value is None:
            numbers.append(value)
        elif kind is int:
            numbers.append(float(value))
        else:
            raise ChartFormatError(f"{what} holds a value that is not a number: {value!r}")
    return numbers


def _epoch(value: Any, what: str) -> dt.datetime | None:
    seconds = _number(value, what)
    return None if seconds is None else _utc(seconds)


def _parse_meta(meta: dict[str, Any]) -> ChartMeta:
    symbol = _field(meta, "symbol", str)
    name = meta.get("longName") or meta.get("shortName")
    instrument_type = meta.get("instrumentType")
    delayed_minutes = _number(meta.get("exchangeDataDelayedBy"), "exchangeDataDelayedBy")
    regular_period = None
    current = meta.get("currentTradingPeriod")
    if isinstance(current, dict) and isinstance(current.get("regular"), dict):
        start = _epoch(current["regular"].get("start"), "regular period start")
        end = _epoch(current["regular"].get("end"), "regular period end")
        if start is not None and end is not None:
            regular_period = (start, end)
    return ChartMeta(
        symbol=symbol,
        name=name if isinstance(name, str) else None,
        instrument_type=instrument_type if isinstance(instrument_type, str) else None,
        timezone=_exchange_timezone(meta),
        price=_number(meta.get("regularMarketPrice"), "regularMarketPrice"),
        price_time=_epoch(meta.get("regularMarketTime"), "regularMarketTime"),
        day_volume=_number(meta.get("regularMarketVolume"), "regularMarketVolume"),
        delayed_s=_delay_s(delayed_minutes),
        regular_period=regular_period,
        trading_periods=_trading_periods(meta.get("tradingPeriods")),
    )


def _delay_s(minutes: float | None) -> int:
    """Yahoo's delay in minutes as seconds; a delay that cannot be one (negative, NaN, more
    than a day) as none known."""
    if minutes is None or not 0 <= minutes <= 24 * 60:
        return 0
    return round(minutes * 60)


def _trading_periods(periods: Any) -> tuple[TradingPeriod, ...]:
    """Both shapes of ``tradingPeriods``; an unknown shape or a malformed period is skipped,
    since the bars do not depend on it."""
    groups: list[tuple[TradingSession, Any]]
    if isinstance(periods, dict):
        groups = [(session, periods.get(session)) for session in get_args(TradingSession)]
    elif isinstance(periods, list):
        groups = [("regular", periods)]
    else:
        return ()
    found: list[TradingPeriod] = []
    for session, days in groups:
        for day in days if isinstance(days, list) else ():
            for period in day if isinstance(day, list) else ():
                start = period.get("start") if isinstance(period, dict) else None
                end = period.get("end") if isinstance(period, dict) else None
                if type(start) is int and type(end) is int and start < end:
                    found.append(TradingPeriod(session, _utc(start), _utc(end)))
    return tuple(sorted(found, key=lambda period: period.start))


def _exchange_timezone(meta: dict[str, Any]) -> dt.tzinfo:
    name = meta.get("exchangeTimezoneName")
    if isinstance(name, str):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    offset = _number(meta.get("gmtoffset"), "gmtoffset")
    if offset is None:
        raise ChartFormatError("meta names no exchange time zone")
    try:
        return dt.timezone(dt.timedelta(seconds=offset))
    except (OverflowError, ValueError):  # not within a day of UTC, or NaN
        raise ChartFormatError(f"gmtoffset {offset!r} is not a time zone") from None


def _parse_bars(result: dict[str, Any], meta: ChartMeta, interval: BarInterval) -> ChartData:
    if "timestamp" not in result:  # Yahoo's way of saying "no bars in this window"
        return ChartData(meta, interval, (), (), (), (), (), ())
    stamps = _field(result, "timestamp", list)
    quote = _field(_field(result, "indicators", dict), "quote", list)
    if not quote or not isinstance(quote[0], dict):
        raise ChartFormatError("indicators.quote is empty")
    columns: dict[str, list[float | None]] = {}
    for column in BAR_VALUES:
        values = _numbers(_field(quote[0], column, list), column)
        if len(values) != len(stamps):
            raise ChartFormatError(f"{len(values)} {column} values for {len(stamps)} timestamps")
        columns[column] = values
    # Bar starts in epoch seconds; a daily bar gets its session's date in the exchange's zone,
    # whatever instant Yahoo put on it (the open, or the latest trade of today's bar).
    seconds: list[int] = []
    for stamp in _numbers(stamps, "timestamp"):
        if stamp is None:
            raise ChartFormatError("a timestamp is null")
        if interval == "1d":
            day = _utc(stamp).astimezone(meta.timezone).date()
            stamp = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).timestamp()
        seconds.append(int(stamp))
    # Null closes are bars without trades; a repeated bar (Yahoo sometimes sends the newest one
    # twice) keeps its later copy.
    closes = columns["close"]
    latest = {second: i for i, second in enumerate(seconds) if closes[i] is not None}
    kept = [latest[second] for second in sorted(latest)]

    def pick(values: list[float | None]) -> tuple[float | None, ...]:
        return tuple(values[i] for i in kept)

    return ChartData(
        meta,
        interval,
        starts=tuple(seconds[i] for i in kept),
        opens=pick(columns["open"]),
        highs=pick(columns["high"]),
        lows=pick(columns["low"]),
        closes=tuple(close for close in pick(closes) if close is not None),
        volumes=pick(columns["volume"]),
    )


def daily_range(days: int) -> str:
    """Yahoo's ``range`` that holds at least ``days`` daily sessions."""
    for sessions, name in DAILY_RANGES:
        if days <= sessions:
            return name
    return "max"


def intraday_range(interval: str, sessions: int, today: dt.date) -> str:
    """Yahoo's ``range`` for ``sessions`` sessions of intraday bars up to ``today`` (New York).

    Yahoo keeps 1-minute bars for about a week per request and refuses a month of them: five
    sessions is the most a 1-minute request brings. A month holds 19 to 23 sessions, counted
    on the calendar; three months are asked for when it holds too few."""
    if sessions <= 1:
        return "1d"
    if sessions <= 5 or interval == "1m":
        return "5d"
    month_ago = months_before(today, 1)
    in_a_month = len(market_hours.trading_days(month_ago + dt.timedelta(days=1), today))
    return "1mo" if sessions <= in_a_month else "3mo"


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
    return min(start + _INTERVAL_LENGTH[interval], now)


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
        start = _utc(chart.starts[index])
        if bar_session(chart, start) == "regular":
            return start + _INTERVAL_LENGTH[chart.interval], chart.closes[index]
    return None


def _extended_price(
    chart: ChartData, now: dt.datetime
) -> tuple[dt.datetime, float, TradingSession] | None:
    """The newest bar's close when that bar is in a pre- or post-market period, timed as
    `bar_quote_time` has it."""
    if not chart.starts:
        return None
    start = _utc(chart.starts[-1])
    session = bar_session(chart, start)
    if session not in ("pre", "post"):
        return None
    return bar_quote_time(start, chart.interval, now), chart.closes[-1], session


def _utc(seconds: float) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(seconds, dt.UTC)
    except (OverflowError, ValueError, OSError):  # a time past the year 9999, or NaN
        raise ChartFormatError(f"the time {seconds!r} is out of range") from None


_INTERVAL_LENGTH: Final[Mapping[str, dt.timedelta]] = {
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


@dataclass(frozen=True, slots=True)
class _DailyCloses:
    """Recent daily closes of one symbol and when they were fetched."""

    fetched_at: dt.datetime
    closes: tuple[tuple[dt.date, float], ...]  # oldest first

    @classmethod
    def of(cls, symbol: str, bars: pl.DataFrame, fetched_at: dt.datetime) -> _DailyCloses | None:
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
class _DailyHistory:
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


def _history_key(symbol: str) -> str | None:
    """Where a symbol's daily history lives in the cache; None for a symbol no key can name."""
    key = f"yahoo/daily/{symbol}"
    try:
        validate_key(key)
    except ValueError:
        return None
    return key


def _checked_history(chart: ChartData, now: dt.datetime) -> tuple[pl.DataFrame, bool]:
    """A daily chart's bars, and whether every row of them can be right (blocking)."""
    bars = chart.bars
    return bars, not holds_bad_rows(bars, Dataset.BARS, now)


def _load_history(cache: Cache, symbol: str) -> _DailyHistory | None:
    """A symbol's daily history from disk, if a readable copy is there (blocking)."""
    key = _history_key(symbol)
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
    return _DailyHistory(bars, fetched_at, range_)


def _save_history(cache: Cache, symbol: str, history: _DailyHistory) -> None:
    """Keep a symbol's daily history on disk (blocking); a symbol no key can name is not kept."""
    key = _history_key(symbol)
    if key is not None:
        cache.write_frame(key, history.bars)
        cache.write_bytes(key, history.meta())


@dataclass(frozen=True, slots=True)
class _Miss:
    """A symbol that could not be given, and the network or format failure behind it, if any."""

    problem: str
    failure: Failed | None = None


ChartOutcome = ChartData | ChartError | Failed
SparkOutcome = SparkData | Failed


@dataclass(frozen=True, slots=True)
class _QuoteContext:
    """What a spark quote is completed with: a snapshot of the source's memory."""

    now: dt.datetime
    interval: BarInterval
    daily_closes: Mapping[str, _DailyCloses]
    charts: Mapping[str, ChartData]  # the newest intraday chart of each symbol
    delays: Mapping[str, int]  # exchangeDataDelayedBy of each symbol seen in a chart, seconds


class YahooSource:
    """Quotes and bars from Yahoo. Provides the quotes/bars half of the Source protocol."""

    name = SOURCE
    is_demo = False

    def __init__(
        self,
        client: HttpClient,
        settings: YahooSettings,
        *,
        clock: Callable[[], dt.datetime] = utc_now,
        cache: Cache | None = None,
    ) -> None:
        self._client = client
        self._settings = settings
        self._clock = clock
        self._cache = cache
        base = settings.base_url.rstrip("/")
        self._chart_base = base + "/v8/finance/chart/"
        self._spark_url = base + SPARK_PATH
        # Yahoo's own request budget, or None for the [http] one.
        self._per_minute = settings.requests_per_minute or None
        self._info: dict[str, SymbolInfo] = {}
        self._daily_closes: dict[str, _DailyCloses] = {}
        self._history: dict[str, _DailyHistory] = {}
        self._history_read: set[str] = set()  # symbols whose disk copy was looked for
        self._latest_chart: dict[str, ChartData] = {}
        self._delays: dict[str, int] = {}
        self._recent: dict[tuple[str, str, str], tuple[dt.datetime, ChartData | ChartError]] = {}
        self._recent_locks: dict[tuple[str, str, str], asyncio.Lock] = {}

    def now(self) -> dt.datetime:
        """The wall clock (UTC)."""
        return self._clock()

    def describe(self, symbol: str) -> SymbolInfo | None:
        """Name and kind of a symbol from the chart metadata seen so far."""
        return self._info.get(symbol)

    def known_symbols(self) -> Sequence[str]:
        """The symbols Yahoo has answered for so far."""
        return sorted(self._info)

    async def quotes(self, symbols: Sequence[str]) -> Fetched | Failed:
        """Latest quote per symbol, 20 symbols a spark request: the last price and the
        previous close (from daily bars where they are held for the session, else spark's
        close before the day's window), and the day's open, high, low and volume where an
        intraday chart of the symbol is held."""
        now = self._clock()
        wanted = list(dict.fromkeys(symbols))
        interval = self._settings.intraday_interval
        batches = spark_batches(wanted)
        replies = await asyncio.gather(*(self._spark(batch, interval) for batch in batches))
        context = _QuoteContext(
            now, interval, dict(self._daily_closes), dict(self._latest_chart), dict(self._delays)
        )
        return await in_thread(_spark_quotes_outcome, wanted, batches, replies, context)

    async def intraday_closes(
        self, symbols: Sequence[str], interval: BarInterval
    ) -> Fetched | Failed:
        """Today's intraday closes of each symbol (open, high, low and volume null), 20
        symbols a spark request: what a sparkline needs, at a twentieth of the requests."""
        now = self._clock()
        wanted = list(dict.fromkeys(symbols))
        batches = spark_batches(wanted)
        replies = await asyncio.gather(*(self._spark(batch, interval) for batch in batches))
        return await in_thread(_spark_bars_outcome, wanted, batches, replies, now)

    async def daily_closes(self, symbols: Sequence[str], days: int) -> Fetched | Failed:
        """Daily closes of the last ``days`` sessions of each symbol (open, high, low and
        volume null; today's forming bar included), 20 symbols a spark request: a twentieth of
        the requests daily charts cost, for what needs closes alone. Their last closes serve
        later quotes' previous close, as a daily history's do, for the symbols with none."""
        now = self._clock()
        wanted = list(dict.fromkeys(symbols))
        range_ = daily_spark_range(days, now.astimezone(NEW_YORK).date())
        batches = spark_batches(wanted)
        replies = await asyncio.gather(
            *(self._spark(batch, "1d", range_, pre_post=False) for batch in batches)
        )
        outcome, closes = await in_thread(_spark_daily_outcome, wanted, batches, replies, days, now)
        for symbol, held in closes.items():
            if symbol in self._history:  # a daily chart's closes have the last word
                continue
            if held is None:
                self._daily_closes.pop(symbol, None)
            else:
                self._daily_closes[symbol] = held
        return outcome

    async def bars(
        self, symbols: Sequence[str], interval: BarInterval, days: int
    ) -> Fetched | Failed:
        """Daily bars of the last ``days`` sessions, or intraday bars of the last ``days``
        sessions (1 = the latest session, pre and post market included)."""
        now = self._clock()
        wanted = list(dict.fromkeys(symbols))
        charts = await asyncio.gather(*(self._bars(s, interval, days, now) for s in wanted))
        return await in_thread(_bars_outcome, wanted, charts, interval, days, now)

    async def _bars(
        self, symbol: str, interval: BarInterval, days: int, now: dt.datetime
    ) -> ChartData | pl.DataFrame | _Miss:
        if interval == "1d":
            return await self._daily(symbol, days, now)
        today = now.astimezone(NEW_YORK).date()
        outcome = await self._intraday(symbol, interval, intraday_range(interval, days, today))
        if not isinstance(outcome, ChartData):
            return _miss(outcome)
        return outcome

    async def _daily(self, symbol: str, days: int, now: dt.datetime) -> pl.DataFrame | _Miss:
        """A symbol's daily bars: the copy kept this session when it serves, else one chart."""
        range_ = daily_range(days)
        history = await self._held_history(symbol)
        if history is not None and history.serves(range_, now):
            return history.bars
        outcome = await self._chart(symbol, "1d", range_, pre_post=False)
        if not isinstance(outcome, ChartData):
            return _miss(outcome)
        bars, sane = await in_thread(_checked_history, outcome, now)
        if not sane:
            # Given to this ask (the scheduler's screen leaves the bad rows out and counts
            # them), but never kept: a copy kept would serve the rest of the session, on disk
            # the next sessions too, and the source would never be seen sane again.
            self._history.pop(symbol, None)
            self._daily_closes.pop(symbol, None)
            return bars
        history = _DailyHistory(bars, now, range_)
        self._history[symbol] = history
        self._remember_closes(symbol, history)
        if self._cache is not None:
            await in_thread(_save_history, self._cache, symbol, history)
        return history.bars

    async def _held_history(self, symbol: str) -> _DailyHistory | None:
        """The daily history held for ``symbol``: in memory, or read from disk once."""
        history = self._history.get(symbol)
        if history is None and self._cache is not None and symbol not in self._history_read:
            self._history_read.add(symbol)
            history = await in_thread(_load_history, self._cache, symbol)
            if history is not None:
                self._history[symbol] = history
                self._remember_closes(symbol, history)
        return history

    def _remember_closes(self, symbol: str, history: _DailyHistory) -> None:
        """Keep the history's last closes for the previous close of later quotes (none that
        cannot be right)."""
        closes = _DailyCloses.of(symbol, history.bars, history.fetched_at)
        if closes is None:
            self._daily_closes.pop(symbol, None)
        else:
            self._daily_closes[symbol] = closes

    async def _spark(
        self,
        batch: Sequence[str],
        interval: BarInterval,
        range_: str = "1d",
        *,
        pre_post: bool = True,
    ) -> SparkOutcome:
        """One spark request: the closes of up to 20 symbols over ``range_``; by default the
        day's, pre and post market included (as the intraday charts ask)."""
        params = {
            **spark_params(batch, range_, interval),
            "includePrePost": "true" if pre_post else "false",
        }
        reply = await self._client.get(
            self._spark_url,
            source=SOURCE,
            params=params,
            accept=(404,),  # none of the symbols known
            per_minute=self._per_minute,
            limit=SPARK_REPLY_LIMIT,
        )
        if isinstance(reply, Failed):
            return reply
        return await in_thread(_read_spark, batch, interval, reply)

    async def _intraday(self, symbol: str, interval: str, range_: str) -> ChartOutcome:
        """An intraday chart, shared with any other caller asking for it, or for a narrower
        range of it, within the TTL (the drill-down's bars and the dashboard's)."""
        key = (symbol, interval, range_)
        lock = self._recent_locks.setdefault(key, asyncio.Lock())
        async with lock:
            now = self._clock()
            for wider in INTRADAY_RANGES[INTRADAY_RANGES.index(range_) :]:
                cached = self._recent.get((symbol, interval, wider))
                if cached is not None and (now - cached[0]).total_seconds() <= SHARED_REPLY_TTL_S:
                    return cached[1]
            outcome = await self._chart(symbol, interval, range_, pre_post=True)
            if not isinstance(outcome, Failed):
                self._recent[key] = (self._clock(), outcome)
            if isinstance(outcome, ChartData):
                self._latest_chart[symbol] = outcome  # the day's OHLCV for its quotes
            return outcome

    async def _chart(
        self, symbol: str, interval: str, range_: str, *, pre_post: bool
    ) -> ChartOutcome:
        reply = await self._client.get(
            self._chart_base + quote_path(symbol, safe=""),
            source=SOURCE,
            params={
                "interval": interval,
                "range": range_,
                "includePrePost": "true" if pre_post else "false",
            },
            accept=(404,),  # unknown symbols: 404 with a chart.error body
            per_minute=self._per_minute,
            limit=CHART_REPLY_LIMIT,
        )
        if isinstance(reply, Failed):
            return reply
        outcome = await in_thread(_read_chart, symbol, reply)
        if isinstance(outcome, ChartData):
            meta = outcome.meta
            kind = KINDS.get(meta.instrument_type or "", "stock")
            self._info[symbol] = SymbolInfo(symbol, meta.name or symbol, kind=kind)
            self._delays[symbol] = meta.delayed_s
        return outcome


def _read_chart(symbol: str, reply: HttpReply) -> ChartData | ChartError | Failed:
    """A chart reply parsed, Yahoo's own error, or why it could not be read (blocking)."""
    try:
        return parse_chart(reply.content)
    except ChartFormatError as error:
        if reply.status == 404:
            return ChartError("Not Found", "HTTP 404")
        logger.warning("yahoo chart for %s unreadable: %s", symbol, error)
        message = f"Yahoo's reply for {symbol} was not a chart ({error})"
        return Failed(SOURCE, FailureKind.PARSE, message)


def _read_spark(batch: Sequence[str], interval: BarInterval, reply: HttpReply) -> SparkOutcome:
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
) -> tuple[dict[str, pl.DataFrame], dict[str, float | None], dict[str, _Miss]]:
    """Each answered symbol's closes and close before the window, and each miss (blocking)."""
    closes: dict[str, pl.DataFrame] = {}
    previous: dict[str, float | None] = {}
    misses: dict[str, _Miss] = {}
    for batch, reply in zip(batches, replies, strict=True):
        if isinstance(reply, Failed):
            misses.update(dict.fromkeys(batch, _miss(reply)))
            continue
        for symbol in reply.problems:  # left out of the reply: Yahoo does not know it
            misses[symbol] = _Miss("not found")
        by_symbol = reply.bars.partition_by("symbol", as_dict=True, maintain_order=True)
        for (symbol, *_), bars in by_symbol.items():
            closes[str(symbol)] = bars
        for symbol, chart_previous, yahoo_previous in reply.previous_closes.iter_rows():
            previous[symbol] = chart_previous if chart_previous is not None else yahoo_previous
    return closes, previous, misses


def _spark_quotes_outcome(
    wanted: Sequence[str],
    batches: Sequence[Sequence[str]],
    replies: Sequence[SparkOutcome],
    context: _QuoteContext,
) -> Fetched | Failed:
    """One quotes result from the spark replies of ``wanted``'s batches (blocking)."""
    closes, previous, misses = _spark_series(batches, replies)
    rows = []
    for symbol in wanted:
        if symbol in misses:
            continue
        bars = closes.get(symbol)
        if bars is None or bars.is_empty():
            misses[symbol] = _Miss("no data")
            continue
        rows.append(_spark_quote(symbol, bars, previous.get(symbol), context))
    frame = pl.DataFrame(rows, schema=QUOTES_SCHEMA, orient="row") if rows else None
    ordered = {symbol: misses[symbol] for symbol in wanted if symbol in misses}
    return _assemble(frame, ordered, Dataset.QUOTES, context.now)


def _spark_quote(
    symbol: str, bars: pl.DataFrame, chart_previous: float | None, context: _QuoteContext
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


def _spark_bars_outcome(
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
            misses[symbol] = _Miss("no data")
        else:
            frames.append(bars)
    frame = pl.concat(frames) if frames else None
    ordered = {symbol: misses[symbol] for symbol in wanted if symbol in misses}
    return _assemble(frame, ordered, Dataset.BARS, now)


def _spark_daily_outcome(
    wanted: Sequence[str],
    batches: Sequence[Sequence[str]],
    replies: Sequence[SparkOutcome],
    days: int,
    now: dt.datetime,
) -> tuple[Fetched | Failed, dict[str, _DailyCloses | None]]:
    """One daily-closes result, and the last closes of each symbol answered (None: one that
    cannot be right) (blocking)."""
    outcome = _spark_bars_outcome(wanted, batches, replies, now, days)
    closes: dict[str, _DailyCloses | None] = {}
    if isinstance(outcome, Fetched) and outcome.frame.height:
        by_symbol = outcome.frame.partition_by("symbol", as_dict=True, maintain_order=True)
        for (symbol, *_), bars in by_symbol.items():
            closes[str(symbol)] = _DailyCloses.of(str(symbol), bars, now)
    return outcome, closes


def _bars_outcome(
    wanted: Sequence[str],
    charts: Sequence[ChartData | pl.DataFrame | _Miss],
    interval: BarInterval,
    days: int,
    now: dt.datetime,
) -> Fetched | Failed:
    """One bars result from each symbol's chart, daily history or miss (blocking: builds the
    frames)."""
    frames: list[pl.DataFrame] = []
    misses: dict[str, _Miss] = {}
    for symbol, chart in zip(wanted, charts, strict=True):
        if isinstance(chart, _Miss):
            misses[symbol] = chart
            continue
        if isinstance(chart, pl.DataFrame):
            bars = chart.tail(days) if days > 0 else chart.clear()
        else:
            bars = chart.bars.tail(days) if interval == "1d" else _last_sessions(chart, days)
        if bars.is_empty():
            misses[symbol] = _Miss("no data")
        else:
            frames.append(bars.with_columns(symbol=pl.lit(symbol)))
    frame = pl.concat(frames) if frames else None
    return _assemble(frame, misses, Dataset.BARS, now)


def _miss(outcome: ChartError | Failed) -> _Miss:
    if isinstance(outcome, ChartError):
        return _Miss(outcome.problem)
    return _Miss(FAILURE_PROBLEMS[outcome.kind], outcome)


def _last_sessions(chart: ChartData, sessions: int) -> pl.DataFrame:
    """Intraday bars of the chart's last ``sessions`` exchange-local dates."""
    zone = chart.meta.timezone
    dates = [_utc(start).astimezone(zone).date() for start in chart.starts]
    if sessions <= 0 or not dates:
        return chart.bars.clear()
    first_date = sorted(set(dates))[-sessions:][0]
    return chart.bars.slice(bisect_left(dates, first_date))


def _assemble(
    frame: pl.DataFrame | None, misses: Mapping[str, _Miss], dataset: Dataset, now: dt.datetime
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
