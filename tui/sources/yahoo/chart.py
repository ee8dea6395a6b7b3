"""Yahoo's v8 chart endpoint: its reply parsed into a chart (meta and bars), Yahoo's own error
reply, and the ``range`` a request asks for. A pure parser; no I/O, no textual import.

Quirks handled here: values may be null (a bar whose close is null is dropped, other nulls stay
null); a window with no bars has no ``timestamp`` key at all; an unknown symbol answers HTTP 404
with ``chart.error``; a daily bar is dated at its session's date in the exchange's zone,
whatever instant Yahoo put on it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Final, Literal, get_args

import polars as pl

from tui import market_hours
from tui.sources.base import BarInterval
from tui.sources.yahoo.dates import months_before, named_zone

BAR_VALUES: Final = ("open", "high", "low", "close", "volume")

# Yahoo's ranges for daily bars, by the number of sessions they hold at least.
DAILY_RANGES: Final = ((252, "1y"), (504, "2y"), (1260, "5y"), (2520, "10y"))

# Yahoo's ranges for intraday bars, narrowest first: one chart request per symbol covers the
# sessions asked for, and a reply of a wider range answers a narrower request too.
INTRADAY_RANGES: Final = ("1d", "5d", "1mo", "3mo")


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
    return None if seconds is None else utc_from_epoch(seconds)


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
                    found.append(TradingPeriod(session, utc_from_epoch(start), utc_from_epoch(end)))
    return tuple(sorted(found, key=lambda period: period.start))


def _exchange_timezone(meta: dict[str, Any]) -> dt.tzinfo:
    zone = named_zone(meta.get("exchangeTimezoneName"))
    if zone is not None:
        return zone
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
            day = utc_from_epoch(stamp).astimezone(meta.timezone).date()
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


def utc_from_epoch(seconds: float) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(seconds, dt.UTC)
    except (OverflowError, ValueError, OSError):  # a time past the year 9999, or NaN
        raise ChartFormatError(f"the time {seconds!r} is out of range") from None


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
