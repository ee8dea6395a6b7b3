"""`DemoMarket`: the demo as a `Source`, answering fetches with slices of the built market at
the demo clock's time. The slicing is polars work on whole frames: it runs in the sources'
thread (`in_thread`), as every source's frame work does, never on the event loop."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence

import polars as pl

from tui import market_hours
from tui.market_hours import NEW_YORK
from tui.sources import universe
from tui.sources.base import (
    BARS_SCHEMA,
    FUND_HOLDINGS_SCHEMA,
    FUND_NAV_SCHEMA,
    BarInterval,
    Dataset,
    Fetched,
    FetchOutcome,
    Session,
    SourceRole,
    SymbolInfo,
    conform,
    in_thread,
)
from tui.sources.demo.build import Builder
from tui.sources.demo.extended import ExtWindow, ext_bars, ext_quotes, ext_window
from tui.sources.demo.funds import DemoFunds, build_funds
from tui.sources.demo.intraday import UTC_TS, five_minute, intraday_bars, session_minutes
from tui.sources.demo.rng import per_series
from tui.sources.demo.story import SESSION_DATE
from tui.sources.finra_schedule import short_volume_posted_at
from tui.sources.ssga_schedule import expected_nav_date

INTRADAY_SESSIONS = 10  # intraday bars reach this many sessions back, like a live feed's window


def _midnight(day: dt.date) -> dt.datetime:
    """A date as 00:00 UTC: the timestamp of daily bars and of as-of dates."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)


def _unique(symbols: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(symbols))


def _as_of(newest: object, fallback: dt.datetime) -> dt.datetime:
    """A frame's as-of time: the close of its newest date, or ``fallback`` when it is empty."""
    if isinstance(newest, dt.date):
        return market_hours.session_close(newest)
    return fallback


class DemoMarket:
    """A deterministic synthetic market (see the package docstring). Implements `Source`.

    The clock starts at ``start_time`` New York time on ``session_date`` and runs ``speed``
    market minutes per real second (``monotonic`` is injectable for tests). After the close
    prices stop; the demo holds one session, so after that day the market stays closed.
    """

    name = "demo"
    label = "DEMO"
    is_demo = True

    def __init__(
        self,
        seed: int = 20260211,
        speed: float = 1.0,
        *,
        session_date: dt.date = SESSION_DATE,
        start_time: dt.time = dt.time(9, 45),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if speed < 0:
            raise ValueError("speed must be >= 0 (market minutes per real second)")
        times = market_hours.session_times(session_date)
        if times is None:
            raise ValueError(f"the demo session date {session_date} is not a trading day")
        self.seed = seed
        self.speed = speed
        self.session_date = session_date
        self._times = times
        self._minutes = int((times.close - times.open).total_seconds() // 60)
        self._monotonic = monotonic
        self._started = monotonic()
        self._start = dt.datetime.combine(session_date, start_time, tzinfo=NEW_YORK).astimezone(
            dt.UTC
        )
        self._market = Builder(seed, session_date).build()
        self._end = len(self._market.days) - 2
        previous = market_hours.session_times(self._market.days[self._end])
        assert previous is not None  # a history day is a trading day
        self._previous_close = previous.close
        self._past_intraday: dict[tuple[str, int], pl.DataFrame] = {}  # (symbol, session): bars
        self._index = {symbol: position for position, symbol in enumerate(universe.SYMBOLS)}
        self._is_index = pl.Series([info.kind == "index" for info in universe.SYMBOLS.values()])
        self._so_far_cache: tuple[int, pl.DataFrame] | None = None
        self._postings = [(short_volume_posted_at(day), day) for day in self._market.days]
        self._funds: DemoFunds | None = None  # drawn on the first fund fetch

    # -- clock -----------------------------------------------------------------------------------

    def now(self) -> dt.datetime:
        """The demo market's clock, as aware UTC."""
        elapsed = (self._monotonic() - self._started) * self.speed
        return self._start + dt.timedelta(minutes=elapsed)

    def _session(self, moment: dt.datetime) -> Session:
        if moment.astimezone(NEW_YORK).date() > self.session_date:
            return Session.CLOSED
        return market_hours.session_at(moment)

    def _ext_window(self, moment: dt.datetime) -> ExtWindow | None:
        """The pre- or post-market of the session date at ``moment`` (None in the regular
        session, before 04:00, and on the days after the session date)."""
        if moment.astimezone(NEW_YORK).date() != self.session_date:
            return None
        return ext_window(self._times, moment)

    def _ext_ends(self, window: ExtWindow, positions: Sequence[int]) -> tuple[list, list]:
        """Where each symbol's extended-hours path starts and ends: before the bell from the
        previous close to today's open; after the close from today's close (to a drift of its
        own). Indices have no path (None)."""
        daily, count = self._market.daily, self._end + 2
        today = self._rows(daily, positions, count, self._end + 1)
        if window.session == "pre":
            starts = self._rows(daily, positions, count, self._end).get_column("close")
            ends: list[float | None] = today.get_column("open").to_list()
        else:
            starts = today.get_column("close")
            ends = [None] * len(positions)
        trades = [not self._is_index[position] for position in positions]
        return [s if t else None for s, t in zip(starts.to_list(), trades, strict=True)], ends

    def _minutes_done(self, moment: dt.datetime) -> int | None:
        """Completed 1-minute bars of the session date at ``moment``; None before the open."""
        if moment < self._times.open:
            return None
        return min(int((moment - self._times.open).total_seconds() // 60), self._minutes)

    def _price_time(self, done: int | None) -> dt.datetime:
        """When the latest price was printed: the end of the last completed minute bar, or the
        previous session's close before the open."""
        if done is None:
            return self._previous_close
        return self._times.open + dt.timedelta(minutes=done)

    # -- reference data --------------------------------------------------------------------------

    def source_for(self, role: SourceRole) -> str:
        """The demo market plays every role itself."""
        return self.name

    def describe(self, symbol: str) -> SymbolInfo | None:
        """Name, sector and kind of a symbol of the demo universe."""
        return universe.SYMBOLS.get(symbol)

    def known_symbols(self) -> Sequence[str]:
        """Every symbol of the demo universe."""
        return tuple(universe.SYMBOLS)

    @staticmethod
    def _split(
        symbols: Iterable[str], stocks_only: bool = False
    ) -> tuple[list[str], dict[str, str]]:
        """Requested symbols the demo can answer for, and a reason for each of the others."""
        wanted: list[str] = []
        problems: dict[str, str] = {}
        for symbol in _unique(symbols):
            info = universe.SYMBOLS.get(symbol)
            if info is None:
                problems[symbol] = "not found"
            elif stocks_only and info.kind != "stock":
                problems[symbol] = "no data"
            else:
                wanted.append(symbol)
        return wanted, problems

    # -- prices ----------------------------------------------------------------------------------

    def _rows(
        self, frame: pl.DataFrame, positions: Sequence[int], size: int, offset: int
    ) -> pl.DataFrame:
        """Rows ``position * size + offset`` of a symbol-major frame (one block per symbol)."""
        return frame[[position * size + offset for position in positions]]

    def _session_bar(self, wanted: Sequence[str], done: int | None) -> pl.DataFrame:
        """The latest session's bar so far (the previous session's before the open), in the
        order of ``wanted``: open, high, low, close, volume."""
        positions = [self._index[symbol] for symbol in wanted]
        daily, count = self._market.daily, self._end + 2
        columns = ["open", "high", "low", "close", "volume"]
        if done is None:
            return self._rows(daily, positions, count, self._end).select(columns)
        today = self._rows(daily, positions, count, self._end + 1)
        if done == 0:  # the opening print only
            opening = pl.col("open")
            return today.select(
                "open",
                high=opening,
                low=opening,
                close=opening,
                volume=pl.when(pl.col("volume").is_null()).then(None).otherwise(0.0),
            )
        running = self._so_far(done)[positions]
        return pl.concat([today.select("open"), running], how="horizontal")

    def _so_far(self, done: int) -> pl.DataFrame:
        """Per symbol (universe order) over the session date's first ``done`` minutes: high,
        low, close (the last price) and volume; kept for the latest ``done`` asked."""
        if self._so_far_cache is None or self._so_far_cache[0] != done:
            size = len(universe.SYMBOLS)

            def per_symbol(name: str, stat: str) -> pl.Expr:
                return per_series(pl.col(name), stat, size, done)

            summary = self._market.today_bars.filter(pl.col("k") <= done).select(
                high=per_symbol("high", "max"),
                low=per_symbol("low", "min"),
                close=per_symbol("close", "last"),
                volume=pl.when(pl.lit(self._is_index))
                .then(None)
                .otherwise(per_symbol("volume", "sum")),
            )
            self._so_far_cache = (done, summary)
        return self._so_far_cache[1]

    async def quotes(self, symbols: Sequence[str]) -> FetchOutcome:
        """Latest quote per symbol at the demo clock's time."""
        return await in_thread(self._quotes, symbols)

    def _quotes(self, symbols: Sequence[str]) -> FetchOutcome:
        moment = self.now()
        wanted, problems = self._split(symbols)
        done = self._minutes_done(moment)
        positions = [self._index[symbol] for symbol in wanted]
        # before the open the quote shows the previous session and the close before it
        previous = self._end - 1 if done is None else self._end
        prev_close = self._rows(self._market.daily, positions, self._end + 2, previous)
        stamp = self._price_time(done)
        frame = pl.concat(
            [
                pl.DataFrame({"symbol": wanted}, schema={"symbol": pl.String}),
                self._session_bar(wanted, done),
                prev_close.select(prev_close="close"),
            ],
            how="horizontal",
        ).select(
            "symbol",
            ts=pl.lit(stamp, dtype=UTC_TS),
            last="close",
            prev_close="prev_close",
            open="open",
            high="high",
            low="low",
            volume="volume",
            session=pl.lit(self._session(moment).value),
            delayed_s=pl.lit(0, dtype=pl.Int32),
            source=pl.lit("demo"),
        )
        window = self._ext_window(moment)
        if window is not None:
            starts, ends = self._ext_ends(window, positions)
            trades = [start is not None for start in starts]
            ext = ext_quotes(self.seed, window, wanted, starts, ends, trades)
            frame = pl.concat([frame, ext], how="horizontal")
        return Fetched(conform(frame, Dataset.QUOTES), stamp, problems)

    async def bars(self, symbols: Sequence[str], interval: BarInterval, days: int) -> FetchOutcome:
        """Daily bars of the last ``days`` sessions (the session date's partial bar included once
        it has opened), or 1-/5-minute bars of the last ``days`` sessions up to now (at most
        ``INTRADAY_SESSIONS``)."""
        return await in_thread(self._bars, symbols, interval, days)

    def _bars(self, symbols: Sequence[str], interval: BarInterval, days: int) -> FetchOutcome:
        moment = self.now()
        wanted, problems = self._split(symbols)
        done = self._minutes_done(moment)
        if interval == "1d":
            frame = self._daily(wanted, done, days)
        else:
            frame = self._intraday(wanted, done, days)
            if interval == "5m":
                frame = five_minute(frame)
        frame = frame.select(
            "symbol", "ts", "open", "high", "low", "close", "volume", interval=pl.lit(interval)
        )
        return Fetched(frame.cast(BARS_SCHEMA), self._price_time(done), problems)

    def _daily(self, wanted: Sequence[str], done: int | None, days: int) -> pl.DataFrame:
        last = self._end if done is None else self._end + 1
        first = max(last - days + 1, 0)
        columns = ["symbol", "t", "ts", "open", "high", "low", "close", "volume"]
        position = {self._index[symbol]: order for order, symbol in enumerate(wanted)}
        history = self._market.daily.filter(
            pl.col("s").is_in(list(position)), pl.col("t").is_between(first, min(last, self._end))
        )
        parts = [history.select(*columns, "s")]
        if done is not None and days > 0:
            partial = self._session_bar(wanted, done).with_columns(
                symbol=pl.Series(wanted, dtype=pl.String),
                t=pl.lit(self._end + 1, dtype=pl.Int64),
                ts=pl.lit(_midnight(self.session_date), dtype=UTC_TS),
                s=pl.Series([self._index[symbol] for symbol in wanted], dtype=pl.Int64),
            )
            parts.append(partial.select(*columns, "s"))
        # one sort key (requested order, then date): much cheaper than sorting on two columns
        order = pl.col("s").replace_strict(position, return_dtype=pl.Int64) * 1000 + pl.col("t")
        return pl.concat(parts).sort(order)

    def _intraday(self, wanted: Sequence[str], done: int | None, days: int) -> pl.DataFrame:
        """1-minute bars of the last ``days`` sessions for each symbol, the session date's cut at
        now; earlier sessions are drawn on first use (all at once) and kept."""
        latest = self._end if done is None else self._end + 1
        sessions = range(max(latest - min(days, INTRADAY_SESSIONS) + 1, 0), latest + 1)
        missing = [
            (symbol, t)
            for symbol in wanted
            for t in sessions
            if t <= self._end and (symbol, t) not in self._past_intraday
        ]
        if missing:
            drawn = intraday_bars(
                self.seed, self._market.sessions((self._index[s], t) for s, t in missing)
            )
            offset = 0
            for symbol, t in missing:
                minutes = session_minutes(self._market.days[t])[1]
                self._past_intraday[(symbol, t)] = drawn.slice(offset, minutes)
                offset += minutes
        today = self._market.today_bars
        parts = [
            self._past_intraday[(symbol, t)]
            if t <= self._end
            else today.slice(self._index[symbol] * self._minutes, done or 0)
            for symbol in wanted
            for t in sessions
        ]
        bars = pl.concat([today.clear(), *parts])
        window = self._ext_window(self.now())
        if window is None or window.done < 1 or not wanted:
            return bars
        # Today's pre- or post-market so far, each symbol's in time order with its other bars.
        positions = [self._index[symbol] for symbol in wanted]
        starts, ends = self._ext_ends(window, positions)
        previous = self._rows(self._market.daily, positions, self._end + 2, self._end)
        volumes = previous.get_column("volume").to_list()
        extra = ext_bars(
            self.seed, window, wanted, starts, ends, volumes, self._minutes, self.session_date
        )
        order = {symbol: rank for rank, symbol in enumerate(wanted)}
        rank = pl.col("symbol").replace_strict(order, return_dtype=pl.Int64)
        return pl.concat([bars, extra.cast(bars.schema)]).sort(rank, "ts", maintain_order=True)

    # -- short interest, short volume, shares ------------------------------------------------

    async def short_interest(
        self, symbols: Sequence[str] | None, settlements: int = 1
    ) -> FetchOutcome:
        """Short interest of the newest ``settlements`` settlement dates published by now."""
        return await in_thread(self._short_interest, symbols, settlements)

    def _short_interest(self, symbols: Sequence[str] | None, settlements: int = 1) -> FetchOutcome:
        moment = self.now()
        wanted, problems = self._split(
            universe.stock_symbols() if symbols is None else symbols, stocks_only=True
        )
        published = [day for at, day in self._market.publications if at <= moment]
        dates = published[len(published) - settlements :] if settlements > 0 else []
        frame = self._market.short_interest.filter(
            pl.col("settlement_date").is_in(dates), pl.col("symbol").is_in(wanted)
        )
        return Fetched(frame, _as_of(max(dates, default=None), moment), problems)

    async def short_volume(self, symbols: Sequence[str] | None, days: int) -> FetchOutcome:
        """Daily short-sale volume for the last ``days`` trading days whose file is up by now."""
        return await in_thread(self._short_volume, symbols, days)

    def _short_volume(self, symbols: Sequence[str] | None, days: int) -> FetchOutcome:
        moment = self.now()
        wanted, problems = self._split(
            universe.stock_symbols() if symbols is None else symbols, stocks_only=True
        )
        posted = [day for at, day in self._postings if at <= moment]
        dates = posted[len(posted) - days :] if days > 0 else []
        frame = self._market.short_volume.filter(
            pl.col("date").is_in(dates), pl.col("symbol").is_in(wanted)
        )
        return Fetched(frame, _as_of(max(dates, default=None), moment), problems)

    async def shares(self, symbols: Sequence[str]) -> FetchOutcome:
        """Shares outstanding and float of the requested stocks."""
        return await in_thread(self._shares, symbols)

    def _shares(self, symbols: Sequence[str]) -> FetchOutcome:
        wanted, problems = self._split(symbols, stocks_only=True)
        frame = pl.DataFrame({"symbol": wanted}, schema={"symbol": pl.String}).join(
            self._market.shares, on="symbol", how="left", maintain_order="left"
        )
        return Fetched(frame, _as_of(frame.get_column("as_of").max(), self.now()), problems)

    # -- fund files (optional Source methods, as SSGA's source answers them) -------------------

    def _fund_data(self, funds: Sequence[str]) -> tuple[DemoFunds, list[str], dict[str, str]]:
        if self._funds is None:
            self._funds = build_funds(self.seed, self._market)
        wanted: list[str] = []
        problems: dict[str, str] = {}
        for fund in _unique(symbol.strip().upper() for symbol in funds):
            if fund in universe.ETF_PARAMS:
                wanted.append(fund)
            else:
                problems[fund] = "not a sector fund of the demo"
        return self._funds, wanted, problems

    async def fund_nav_history(self, funds: Sequence[str], days: int) -> FetchOutcome:
        """The sector SPDRs' NAV history (FUND_NAV_SCHEMA): the ``days`` newest published rows
        per fund, oldest first. A session's NAV is published at 8 pm New York, as SSGA's."""
        return await in_thread(self._fund_nav_history, funds, days)

    def _fund_nav_history(self, funds: Sequence[str], days: int) -> FetchOutcome:
        moment = self.now()
        data, wanted, problems = self._fund_data(funds)
        if days < 1:
            return Fetched(pl.DataFrame(schema=FUND_NAV_SCHEMA), moment, problems)
        newest = expected_nav_date(moment)
        frame = (
            data.nav.filter(pl.col("fund").is_in(wanted), pl.col("date") <= newest)
            .group_by("fund", maintain_order=True)
            .tail(days)
        )
        return Fetched(frame, _as_of(frame.get_column("date").max(), moment), problems)

    async def fund_holdings(self, funds: Sequence[str]) -> FetchOutcome:
        """The sector SPDRs' holdings (FUND_HOLDINGS_SCHEMA) as of the previous trading day, as
        SSGA's daily file is dated."""
        return await in_thread(self._fund_holdings, funds)

    def _fund_holdings(self, funds: Sequence[str]) -> FetchOutcome:
        moment = self.now()
        data, wanted, problems = self._fund_data(funds)
        today = moment.astimezone(NEW_YORK).date()
        as_of = (
            market_hours.previous_trading_day(today)
            if today <= self.session_date
            else self.session_date
        )
        frame = (
            data.holdings(wanted, as_of) if wanted else pl.DataFrame(schema=FUND_HOLDINGS_SCHEMA)
        )
        return Fetched(frame, market_hours.session_close(as_of), problems)

    async def aclose(self) -> None:
        """Nothing to release: the demo holds no clients or files."""
