"""Yahoo's spark endpoint: intraday or daily closes and previous closes of up to 20 symbols a
request. A pure parser, a batching helper and the range daily closes ask for; no I/O, no
textual import.

``GET /v8/finance/spark?symbols=A,B,...&range=1d&interval=5m`` answers in one of two shapes:

- flat, one object per symbol::

      {"AAPL": {"symbol": "AAPL", "timestamp": [...], "close": [...],
                "chartPreviousClose": 274.62, "previousClose": null, "dataGranularity": 300,
                "start": null, "end": null}, ...}

- wrapped, one chart result per symbol (the v7 form, which v8 also serves)::

      {"spark": {"result": [{"symbol": "AAPL", "response": [{"meta": {...},
                 "timestamp": [...], "indicators": {"quote": [{"close": [...]}]}}]}],
                 "error": null}}

As in chart replies, closes may be null (a bar without trades: dropped), and a window with no
bars has no ``timestamp`` at all. ``chartPreviousClose`` is the close before the requested window
(for ``range=1d``, the previous session's close); ``previousClose`` is often null. Both are kept;
which one a quote uses is the caller's decision.

With ``interval=1d`` (``range`` 1mo, 3mo, 6mo, 1y, ...) the closes are daily: each bar is stamped
at its session's open, today's forming bar at its latest trade, as in daily charts. Each is dated
at its session's date (00:00 UTC, as BARS_SCHEMA has daily bars) in the exchange's zone: the
wrapped shape's ``meta.exchangeTimezoneName``; the flat shape names no zone, and New York's is
taken (the symbols asked for daily closes are US-listed stocks).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import polars as pl

from tui import market_hours
from tui.clock import NEW_YORK
from tui.sources.base import BarInterval, Dataset, conform
from tui.sources.yahoo.dates import months_before, named_zone

SPARK_PATH: Final = "/v8/finance/spark"
SPARK_MAX_SYMBOLS: Final = 20

PREVIOUS_CLOSES_SCHEMA = pl.Schema(
    {
        "symbol": pl.String(),
        "chart_previous_close": pl.Float64(),  # the close before the requested window
        "previous_close": pl.Float64(),  # Yahoo's previousClose; often null
    }
)


class SparkFormatError(ValueError):
    """A spark reply that is not in either known shape."""


@dataclass(frozen=True)
class SparkData:
    """A parsed spark reply.

    ``bars`` is a BARS_SCHEMA frame of closes only (open, high, low and volume are null);
    ``previous_closes`` has one row per symbol answered; ``problems`` names the symbols asked
    for and not answered, with a short reason.
    """

    bars: pl.DataFrame
    previous_closes: pl.DataFrame
    problems: Mapping[str, str] = field(default_factory=dict)


def spark_batches(symbols: Sequence[str], size: int = SPARK_MAX_SYMBOLS) -> list[list[str]]:
    """The symbols, without repeats and in their order, in requests of at most ``size``."""
    if size < 1:
        raise ValueError("a batch holds at least one symbol")
    unique = list(dict.fromkeys(symbols))
    return [unique[start : start + size] for start in range(0, len(unique), size)]


def spark_params(batch: Sequence[str], range_: str = "1d", interval: str = "5m") -> dict[str, str]:
    """The query of one spark request."""
    if not 1 <= len(batch) <= SPARK_MAX_SYMBOLS:
        raise ValueError(f"a spark request holds 1 to {SPARK_MAX_SYMBOLS} symbols")
    return {"symbols": ",".join(batch), "range": range_, "interval": interval}


# Yahoo's ranges for daily closes, narrowest first, by the months they reach back.
DAILY_SPARK_RANGES: Final = ((1, "1mo"), (3, "3mo"), (6, "6mo"), (12, "1y"), (24, "2y"), (60, "5y"))


def daily_spark_range(sessions: int, today: dt.date) -> str:
    """The narrowest ``range`` of daily closes that holds the last ``sessions`` sessions up to
    ``today`` (New York; today's counts when it is one), on the NYSE calendar."""
    if sessions <= 0:
        return DAILY_SPARK_RANGES[0][1]
    first = market_hours.last_trading_days(today, sessions)[0]
    for months, name in DAILY_SPARK_RANGES:
        if months_before(today, months) < first:  # a day to spare: the range starts at a time
            return name
    return "max"


def parse_spark(content: bytes, interval: BarInterval, requested: Sequence[str]) -> SparkData:
    """Parse one spark reply into bars and previous closes. Raises SparkFormatError."""
    try:
        document = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SparkFormatError(f"not JSON ({error})") from error
    if not isinstance(document, dict):
        raise SparkFormatError("not a JSON object")
    series = list(_wrapped(document["spark"]) if "spark" in document else _flat(document))
    answered = {symbol for symbol, *_ in series}
    bar_rows = [
        (symbol, _session_day(stamp, zone) if interval == "1d" else stamp, close)
        for symbol, stamps, closes, _, _, zone in series
        for stamp, close in zip(stamps, closes, strict=True)
        if close is not None
    ]
    bars = pl.DataFrame(
        bar_rows, schema={"symbol": pl.String, "ts": pl.Int64, "close": pl.Float64}, orient="row"
    ).select(
        "symbol",
        pl.from_epoch("ts", "s").dt.replace_time_zone("UTC").alias("ts"),
        *(pl.lit(None, pl.Float64).alias(name) for name in ("open", "high", "low")),
        "close",
        pl.lit(None, pl.Float64).alias("volume"),
        pl.lit(interval, pl.String).alias("interval"),
    )
    previous = pl.DataFrame(
        [(symbol, chart_prev, prev) for symbol, _, _, chart_prev, prev, _ in series],
        schema=PREVIOUS_CLOSES_SCHEMA,
        orient="row",
    )
    problems = {symbol: "not in Yahoo's reply" for symbol in requested if symbol not in answered}
    bars = conform(bars, Dataset.BARS).unique(["symbol", "ts"], keep="last", maintain_order=True)
    return SparkData(bars.sort("symbol", "ts"), previous, problems)


# One symbol's series: symbol, bar starts (epoch s), closes, chartPreviousClose, previousClose,
# and the exchange's time zone.
_Series = tuple[str, list[int], list[float | None], float | None, float | None, dt.tzinfo]


def _session_day(stamp: int, zone: dt.tzinfo) -> int:
    """A daily bar's stamp (its session's open, or today's latest trade) as its session's date
    at 00:00 UTC, in epoch seconds."""
    try:
        day = dt.datetime.fromtimestamp(stamp, zone).date()
    except (OverflowError, ValueError, OSError):  # a time past the year 9999
        raise SparkFormatError(f"the time {stamp!r} is out of range") from None
    return int(dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).timestamp())


def _exchange_zone(meta: Mapping[str, Any]) -> dt.tzinfo:
    """The zone ``meta`` names, else New York's."""
    return named_zone(meta.get("exchangeTimezoneName")) or NEW_YORK


def _flat(document: dict[str, Any]) -> Iterator[_Series]:
    for key, item in document.items():
        if not isinstance(item, dict):
            raise SparkFormatError(f"the entry for {key!r} is not an object")
        symbol = item.get("symbol", key)
        if not isinstance(symbol, str):
            raise SparkFormatError(f"the entry for {key!r} has no symbol")
        stamps, closes = _stamps_and_closes(symbol, item.get("timestamp"), item.get("close"))
        yield (
            symbol,
            stamps,
            closes,
            _number(item.get("chartPreviousClose"), "chartPreviousClose"),
            _number(item.get("previousClose"), "previousClose"),
            NEW_YORK,  # the flat shape names no zone
        )


def _wrapped(spark: Any) -> Iterator[_Series]:
    if not isinstance(spark, dict):
        raise SparkFormatError("spark is not an object")
    error = spark.get("error")
    if error is not None:
        description = error.get("description") if isinstance(error, dict) else error
        raise SparkFormatError(f"Yahoo refused the request: {description}")
    results = spark.get("result")
    if not isinstance(results, list):
        raise SparkFormatError("spark.result is not a list")
    for result in results:
        if not isinstance(result, dict) or not isinstance(result.get("symbol"), str):
            raise SparkFormatError("a spark result without a symbol")
        responses = result.get("response")
        if not isinstance(responses, list) or not responses or not isinstance(responses[0], dict):
            raise SparkFormatError(f"no response for {result['symbol']}")
        response = responses[0]
        meta = response.get("meta")
        meta = meta if isinstance(meta, dict) else {}
        indicators = response.get("indicators")
        quotes = indicators.get("quote") if isinstance(indicators, dict) else None
        first = quotes[0] if isinstance(quotes, list) and quotes else None
        closes = first.get("close") if isinstance(first, dict) else None
        stamps, values = _stamps_and_closes(result["symbol"], response.get("timestamp"), closes)
        yield (
            result["symbol"],
            stamps,
            values,
            _number(meta.get("chartPreviousClose"), "chartPreviousClose"),
            _number(meta.get("previousClose"), "previousClose"),
            _exchange_zone(meta),
        )


def _stamps_and_closes(
    symbol: str, stamps: Any, closes: Any
) -> tuple[list[int], list[float | None]]:
    if stamps is None:  # no bars in the window: no timestamp key, closes missing or empty
        return [], []
    if not isinstance(stamps, list) or not isinstance(closes, list):
        raise SparkFormatError(f"{symbol}: timestamp or close is not a list")
    if len(stamps) != len(closes):
        raise SparkFormatError(f"{symbol}: {len(closes)} closes for {len(stamps)} timestamps")
    seconds = []
    for stamp in stamps:
        value = _number(stamp, "timestamp")
        if value is None:
            raise SparkFormatError(f"{symbol}: a timestamp is null")
        seconds.append(int(value))
    return seconds, [_number(close, "close") for close in closes]


def _number(value: Any, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SparkFormatError(f"{what} is not a number: {value!r}")
    return float(value)
