"""`YahooSource`: quotes and bars from Yahoo Finance's v8 chart and spark endpoints (no crumb
needed), and what it keeps between asks. No textual import.

Every request to Yahoo spends its request budget (tui.sources.budget), so each field is asked
for where it is cheapest:

- Quotes, and the intraday closes of the sparklines: the spark endpoint, up to 20 symbols a
  request (tui.sources.yahoo.spark). It gives each symbol's 5-minute closes of the day, pre and post
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
429s. Quirks handled here (the parsing in tui.sources.yahoo.chart and .spark):

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
from collections.abc import Callable, Mapping, Sequence
from typing import Final, Literal
from urllib.parse import quote as quote_path

import polars as pl

from tui.cache import Cache
from tui.clock import NEW_YORK, utc_now
from tui.config import YahooSettings
from tui.sources.base import (
    BarInterval,
    Failed,
    Fetched,
    SymbolInfo,
    in_thread,
)
from tui.sources.http import MB, HttpClient, ReplyLimit
from tui.sources.yahoo.chart import (
    INTRADAY_RANGES,
    ChartData,
    ChartError,
    daily_range,
    intraday_range,
)
from tui.sources.yahoo.history import (
    DailyHistory,
    RecentCloses,
    checked_history,
    load_history,
    save_history,
)
from tui.sources.yahoo.outcomes import (
    SOURCE,
    ChartOutcome,
    Miss,
    QuoteContext,
    SparkOutcome,
    bars_outcome,
    miss,
    read_chart,
    read_spark,
    spark_bars_outcome,
    spark_daily_outcome,
    spark_quotes_outcome,
)
from tui.sources.yahoo.spark import (
    SPARK_PATH,
    daily_spark_range,
    spark_batches,
    spark_params,
)

# A quotes() poll and an intraday bars() poll made this close together share one reply.
SHARED_REPLY_TTL_S: Final = 5.0

# The largest chart asked for (ten years of daily bars, or five days of 1-minute bars with pre and
# post market) is well under 1 MB: a bigger reply is not a chart.
CHART_REPLY_LIMIT: Final = ReplyLimit("one chart", 8 * MB)

# Twenty symbols' 5-minute closes of a day (with pre and post market) are about 60 kB.
SPARK_REPLY_LIMIT: Final = ReplyLimit("one spark reply", 8 * MB)

KINDS: Final[Mapping[str, Literal["stock", "etf", "index"]]] = {
    "EQUITY": "stock",
    "ETF": "etf",
    "MUTUALFUND": "etf",
    "INDEX": "index",
}


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
        self._daily_closes: dict[str, RecentCloses] = {}
        self._history: dict[str, DailyHistory] = {}
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
        context = QuoteContext(
            now, interval, dict(self._daily_closes), dict(self._latest_chart), dict(self._delays)
        )
        return await in_thread(spark_quotes_outcome, wanted, batches, replies, context)

    async def intraday_closes(
        self, symbols: Sequence[str], interval: BarInterval
    ) -> Fetched | Failed:
        """Today's intraday closes of each symbol (open, high, low and volume null), 20
        symbols a spark request: what a sparkline needs, at a twentieth of the requests."""
        now = self._clock()
        wanted = list(dict.fromkeys(symbols))
        batches = spark_batches(wanted)
        replies = await asyncio.gather(*(self._spark(batch, interval) for batch in batches))
        return await in_thread(spark_bars_outcome, wanted, batches, replies, now)

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
        outcome, closes = await in_thread(spark_daily_outcome, wanted, batches, replies, days, now)
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
        return await in_thread(bars_outcome, wanted, charts, interval, days, now)

    async def _bars(
        self, symbol: str, interval: BarInterval, days: int, now: dt.datetime
    ) -> ChartData | pl.DataFrame | Miss:
        if interval == "1d":
            return await self._daily(symbol, days, now)
        today = now.astimezone(NEW_YORK).date()
        outcome = await self._intraday(symbol, interval, intraday_range(interval, days, today))
        if not isinstance(outcome, ChartData):
            return miss(outcome)
        return outcome

    async def _daily(self, symbol: str, days: int, now: dt.datetime) -> pl.DataFrame | Miss:
        """A symbol's daily bars: the copy kept this session when it serves, else one chart."""
        range_ = daily_range(days)
        history = await self._held_history(symbol)
        if history is not None and history.serves(range_, now):
            return history.bars
        outcome = await self._chart(symbol, "1d", range_, pre_post=False)
        if not isinstance(outcome, ChartData):
            return miss(outcome)
        bars, sane = await in_thread(checked_history, outcome, now)
        if not sane:
            # Given to this ask (the scheduler's screen leaves the bad rows out and counts
            # them), but never kept: a copy kept would serve the rest of the session, on disk
            # the next sessions too, and the source would never be seen sane again.
            self._history.pop(symbol, None)
            self._daily_closes.pop(symbol, None)
            return bars
        history = DailyHistory(bars, now, range_)
        self._history[symbol] = history
        self._remember_closes(symbol, history)
        if self._cache is not None:
            await in_thread(save_history, self._cache, symbol, history)
        return history.bars

    async def _held_history(self, symbol: str) -> DailyHistory | None:
        """The daily history held for ``symbol``: in memory, or read from disk once."""
        history = self._history.get(symbol)
        if history is None and self._cache is not None and symbol not in self._history_read:
            self._history_read.add(symbol)
            history = await in_thread(load_history, self._cache, symbol)
            if history is not None:
                self._history[symbol] = history
                self._remember_closes(symbol, history)
        return history

    def _remember_closes(self, symbol: str, history: DailyHistory) -> None:
        """Keep the history's last closes for the previous close of later quotes (none that
        cannot be right)."""
        closes = RecentCloses.of(symbol, history.bars, history.fetched_at)
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
        return await in_thread(read_spark, batch, interval, reply)

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
        outcome = await in_thread(read_chart, symbol, reply)
        if isinstance(outcome, ChartData):
            meta = outcome.meta
            kind = KINDS.get(meta.instrument_type or "", "stock")
            self._info[symbol] = SymbolInfo(symbol, meta.name or symbol, kind=kind)
            self._delays[symbol] = meta.delayed_s
        return outcome
