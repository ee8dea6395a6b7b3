"""``--as-of DATE``: any source replayed as the market stood at the close of that day.

``AsOfSource`` wraps another source. Its clock stops at the as-of session's close; every dataset
is fetched from the inner source with enough extra history to reach back to that day, then cut so
that nothing after the close shows: daily bars end at the as-of session, quotes are that session's
closing prices, intraday bars are that session's (while the inner source still has them), and
short interest is limited to the settlements FINRA had published by then, and a fund's NAV
history to the days whose NAV had been posted (a session's NAV comes out in the evening). The
cutting runs in a thread (`in_thread`), as every source's frame work does.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

import polars as pl

from tui.market_hours import (
    NEW_YORK,
    is_trading_day,
    last_session_date,
    last_trading_days,
    next_trading_day,
    previous_trading_day,
    session_close,
    trading_days,
)
from tui.sources.base import (
    UTC_TS,
    BarInterval,
    Dataset,
    Failed,
    FailureKind,
    Fetched,
    FetchOutcome,
    FundSource,
    Session,
    Source,
    SourceRole,
    SymbolInfo,
    conform,
    in_thread,
)
from tui.sources.finra_schedule import publication_date
from tui.sources.ssga_schedule import expected_nav_date

# Sessions asked for beyond the computed gap, in case the inner source's calendar or its latest
# (possibly partial) bar differs from ours by a day or two.
SPARE_SESSIONS = 5


def closing_quotes(daily_bars: pl.DataFrame, source: str) -> pl.DataFrame:
    """Quotes (QUOTES_SCHEMA) as of each symbol's latest daily bar: last = its close, prev_close =
    the close of the bar before (null with a single bar), open/high/low/volume of the latest bar,
    session "closed" and ts = that session's close."""
    latest = (
        daily_bars.sort("symbol", "ts")
        .group_by("symbol", maintain_order=True)
        .tail(2)
        .group_by("symbol", maintain_order=True)
        .agg(
            pl.col("ts").last(),
            pl.col("close").last().alias("last"),
            pl.when(pl.len() == 2).then(pl.col("close").first()).alias("prev_close"),
            pl.col("open").last(),
            pl.col("high").last(),
            pl.col("low").last(),
            pl.col("volume").last(),
        )
    )
    closes = {day: session_close(day) for day in latest["ts"].dt.date().unique()}
    quotes = latest.with_columns(
        pl.col("ts").dt.date().replace_strict(closes, return_dtype=UTC_TS),
        pl.lit(Session.CLOSED.value).alias("session"),
        # End-of-day prices: ts says how old they are, there is no feed delay to speak of.
        pl.lit(0).alias("delayed_s"),
        pl.lit(source).alias("source"),
    )
    return conform(quotes, Dataset.QUOTES)


def _latest_close(dates: pl.Series, default: dt.datetime) -> dt.datetime:
    """The close of the newest date in ``dates``: the time a frame of daily data describes."""
    newest = dates.max()
    return session_close(newest) if isinstance(newest, dt.date) else default


class AsOfSource:
    """A Source replaying ``inner`` as it stood at the close of ``as_of`` (or of the last trading
    day before it, when ``as_of`` is not one)."""

    def __init__(self, inner: Source, as_of: dt.date) -> None:
        self.inner = inner
        self.as_of = as_of
        self.name = inner.name
        self.is_demo = inner.is_demo
        # A replay of the demo market says both.
        self.label = f"{'DEMO ' if inner.is_demo else ''}REPLAY {as_of}"
        self.session_date = as_of if is_trading_day(as_of) else previous_trading_day(as_of)
        self._close = session_close(self.session_date)

    def now(self) -> dt.datetime:
        """The as-of session's close: the replayed market's clock never moves."""
        return self._close

    def source_for(self, role: SourceRole) -> str:
        """The inner source's part that plays ``role``."""
        return self.inner.source_for(role)

    def describe(self, symbol: str) -> SymbolInfo | None:
        """What the inner source knows about ``symbol``."""
        return self.inner.describe(symbol)

    def known_symbols(self) -> Sequence[str]:
        """The inner source's symbols."""
        return self.inner.known_symbols()

    def _sessions_since(self) -> int:
        """Trading sessions from the day after the as-of session to the inner source's latest."""
        inner_latest = last_session_date(self.inner.now())
        if inner_latest <= self.session_date:
            return 0
        return len(trading_days(next_trading_day(self.session_date), inner_latest))

    def _problems(
        self,
        inner: Mapping[str, str],
        symbols: Sequence[str] | None,
        present: pl.Series,
        missing: str | None = None,
    ) -> dict[str, str]:
        """The inner source's problems plus the asked-for symbols the cut left without data,
        each saying ``missing`` (by default "no data on or before DATE")."""
        missing = missing or f"no data on or before {self.session_date}"
        problems = dict(inner)
        if symbols is not None:
            have = set(present.to_list())
            for symbol in symbols:
                if symbol not in have and symbol not in problems:
                    problems[symbol] = missing
        return problems

    async def quotes(self, symbols: Sequence[str]) -> FetchOutcome:
        """The as-of session's closing quotes, prev_close from the session before."""
        daily = await self._daily_bars(symbols, 2)
        if isinstance(daily, Failed):
            return daily
        return await in_thread(self._closing_quotes, daily)

    def _closing_quotes(self, daily: Fetched) -> Fetched:
        quotes = closing_quotes(daily.frame, self.name)
        return Fetched(quotes, _latest_close(quotes["ts"].dt.date(), self._close), daily.problems)

    async def bars(self, symbols: Sequence[str], interval: BarInterval, days: int) -> FetchOutcome:
        """Daily bars ending at the as-of session, or intraday bars of the ``days`` sessions
        ending there (bars that start before its close; empty once the inner source has dropped
        them)."""
        if interval == "1d":
            return await self._daily_bars(symbols, days)
        extra = self._sessions_since() + SPARE_SESSIONS
        outcome = await self.inner.bars(symbols, interval, days + extra)
        if isinstance(outcome, Failed):
            return outcome
        return await in_thread(self._cut_intraday, outcome, symbols, days)

    def _cut_intraday(self, outcome: Fetched, symbols: Sequence[str], days: int) -> Fetched:
        sessions = last_trading_days(self.session_date, max(days, 0))
        frame = outcome.frame.filter(
            pl.col("ts").dt.convert_time_zone(str(NEW_YORK)).dt.date().is_in(sessions),
            pl.col("ts") < self._close,
        )
        newest = frame["ts"].max()
        as_of = newest if isinstance(newest, dt.datetime) else self._close
        # Sources keep intraday bars for a few weeks only: say so, the daily figures may stand.
        missing = f"no intraday bars on {self.session_date}"
        problems = self._problems(outcome.problems, symbols, frame["symbol"], missing)
        return Fetched(frame, as_of, problems)

    async def _daily_bars(self, symbols: Sequence[str], days: int) -> FetchOutcome:
        extra = self._sessions_since() + SPARE_SESSIONS
        outcome = await self.inner.bars(symbols, "1d", days + extra)
        if isinstance(outcome, Failed):
            return outcome
        return await in_thread(self._cut_daily, outcome, symbols, days)

    def _cut_daily(self, outcome: Fetched, symbols: Sequence[str], days: int) -> Fetched:
        frame = (
            outcome.frame.filter(pl.col("ts").dt.date() <= self.session_date)
            .sort("symbol", "ts")
            .group_by("symbol", maintain_order=True)
            .tail(max(days, 0))
        )
        as_of = _latest_close(frame["ts"].dt.date(), self._close)
        return Fetched(frame, as_of, self._problems(outcome.problems, symbols, frame["symbol"]))

    async def short_interest(
        self, symbols: Sequence[str] | None, settlements: int = 1
    ) -> FetchOutcome:
        """The newest ``settlements`` settlements FINRA had published before the as-of close.

        FINRA publishes after 4 pm New York time, so a settlement published on the as-of day
        itself is not out yet at its close.
        """
        inner_day = self.inner.now().astimezone(NEW_YORK).date()
        # Two settlements a month; ask for every one published since the as-of day, plus spares.
        since = math.ceil(max((inner_day - self.session_date).days, 0) / 14) + 2
        outcome = await self.inner.short_interest(symbols, settlements + since)
        if isinstance(outcome, Failed):
            return outcome
        return await in_thread(self._cut_short_interest, outcome, symbols, settlements)

    def _cut_short_interest(
        self, outcome: Fetched, symbols: Sequence[str] | None, settlements: int
    ) -> Fetched:
        frame = outcome.frame
        published = [
            day
            for day in frame["settlement_date"].unique().to_list()
            if publication_date(day) < self.session_date
        ]
        kept = sorted(published, reverse=True)[: max(settlements, 0)]
        frame = frame.filter(pl.col("settlement_date").is_in(kept))
        as_of = _latest_close(frame["settlement_date"], self._close)
        return Fetched(frame, as_of, self._problems(outcome.problems, symbols, frame["symbol"]))

    async def short_volume(self, symbols: Sequence[str] | None, days: int) -> FetchOutcome:
        """Daily short-sale volume of the ``days`` trading days posted up to the as-of day."""
        extra = self._sessions_since() + SPARE_SESSIONS
        outcome = await self.inner.short_volume(symbols, days + extra)
        if isinstance(outcome, Failed):
            return outcome
        return await in_thread(self._cut_short_volume, outcome, symbols, days)

    def _cut_short_volume(
        self, outcome: Fetched, symbols: Sequence[str] | None, days: int
    ) -> Fetched:
        frame = outcome.frame.filter(pl.col("date") <= self.session_date)
        kept = sorted(frame["date"].unique().to_list(), reverse=True)[: max(days, 0)]
        frame = frame.filter(pl.col("date").is_in(kept))
        as_of = _latest_close(frame["date"], self._close)
        return Fetched(frame, as_of, self._problems(outcome.problems, symbols, frame["symbol"]))

    async def shares(self, symbols: Sequence[str]) -> FetchOutcome:
        """Shares outstanding as of the as-of day where the inner source has figures that old;
        for a symbol it has only newer figures for, the oldest it has (share counts change
        slowly, and a figure is better than none)."""
        outcome = await self.inner.shares(symbols)
        if isinstance(outcome, Failed):
            return outcome
        return await in_thread(self._cut_shares, outcome)

    def _cut_shares(self, outcome: Fetched) -> Fetched:
        return self._in_time_or_oldest(outcome, "symbol")

    def _in_time_or_oldest(self, outcome: Fetched, key: str) -> Fetched:
        """Per ``key``, the rows dated (``as_of``) on or before the as-of day if it has any,
        else those of its oldest date."""
        frame = outcome.frame
        in_time = pl.col("as_of") <= self.session_date
        has_in_time = in_time.any().over(key)
        oldest = pl.col("as_of") == pl.col("as_of").min().over(key)
        frame = frame.filter(pl.when(has_in_time).then(in_time).otherwise(oldest))
        as_of = _latest_close(frame["as_of"], self._close)
        return Fetched(frame, as_of, dict(outcome.problems))

    def _funds(self) -> FundSource | Failed:
        """The inner source's fund files, or why there are none."""
        if isinstance(self.inner, FundSource):
            return self.inner
        message = f"the {self.inner.name} source has no fund files"
        return Failed(self.source_for(SourceRole.FUNDS), FailureKind.NOT_AVAILABLE, message)

    async def fund_nav_history(self, funds: Sequence[str], days: int) -> FetchOutcome:
        """The ``days`` newest days of each fund's NAV history posted by the as-of close: the
        session before it, since a session's NAV is posted in the evening."""
        inner = self._funds()
        if isinstance(inner, Failed):
            return inner
        outcome = await inner.fund_nav_history(funds, days + self._sessions_since() + 2)
        if isinstance(outcome, Failed):
            return outcome
        return await in_thread(self._cut_nav, outcome, funds, days)

    def _cut_nav(self, outcome: Fetched, funds: Sequence[str], days: int) -> Fetched:
        frame = (
            outcome.frame.filter(pl.col("date") <= expected_nav_date(self._close))
            .sort("fund", "date")
            .group_by("fund", maintain_order=True)
            .tail(max(days, 0))
        )
        as_of = _latest_close(frame["date"], self._close)
        return Fetched(frame, as_of, self._problems(outcome.problems, funds, frame["fund"]))

    async def fund_holdings(self, funds: Sequence[str]) -> FetchOutcome:
        """Each fund's holdings as of the as-of day where the inner source has a file that old;
        else the oldest it has (an issuer publishes only its latest file, and a fund's members
        change slowly: a list is better than none)."""
        inner = self._funds()
        if isinstance(inner, Failed):
            return inner
        outcome = await inner.fund_holdings(funds)
        if isinstance(outcome, Failed):
            return outcome
        return await in_thread(self._cut_holdings, outcome)

    def _cut_holdings(self, outcome: Fetched) -> Fetched:
        return self._in_time_or_oldest(outcome, "fund")

    async def aclose(self) -> None:
        """Close the inner source."""
        await self.inner.aclose()
