"""What the feed, store and scheduler tests share: `ScriptedSource`, a Source whose replies each
test scripts per job; frames in the dataset schemas; a wall clock moved by hand (the loopback
market's `ManualClock`); and `VirtualTime`, the scheduler's waits on that clock, so cadences run
without sleeping."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import polars as pl

from tests.loopback_market import ManualClock
from tui.analytics.sectors import MEMBER_SESSIONS
from tui.config import Basket, IndexSpec, SectorSpec, Settings
from tui.jobs import JobName, spec
from tui.sources.base import (
    BARS_SCHEMA,
    FUND_HOLDINGS_SCHEMA,
    QUOTES_SCHEMA,
    SCHEMAS,
    SHARES_SCHEMA,
    SHORT_INTEREST_SCHEMA,
    BarInterval,
    Failed,
    FailureKind,
    Fetched,
    FetchOutcome,
    SourceRole,
    SymbolInfo,
)

# 10:00 in New York on the demo's session date: the regular session is open.
MARKET_NOW = dt.datetime(2026, 2, 11, 15, 0, tzinfo=dt.UTC)
WALL_START = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)

SMALL = Settings(
    indices=(IndexSpec("^GSPC", "S&P 500"), IndexSpec("^VIX", "VIX")),
    benchmark="SPY",
    sectors=(
        SectorSpec("XLK", "Information Technology"),
        SectorSpec("XLI", "Industrials"),
    ),
    baskets=(
        Basket("Pair", ("AAPL", "MSFT"), "QQQ"),
        Basket("Trio", ("MSFT", "NVDA", "ORCL"), "XLK"),
    ),
    watchlists=(),  # tests that need one add it
)
SMALL_CORE = ["^GSPC", "^VIX", "SPY", "XLK", "XLI", "AAPL", "MSFT", "QQQ", "NVDA", "ORCL"]
SMALL_INTRADAY = ["^GSPC", "^VIX", "AAPL", "MSFT", "NVDA", "ORCL", "XLK", "XLI"]
INTRADAY_SESSIONS = 21  # today and the 20 sessions relative volume compares with
DAILY_SESSIONS = 252 + 60 + 5  # a year of correlation history, its window, and slack

Reply = Fetched | Failed | Exception


def wall_clock() -> ManualClock:
    """The wall clock, moved by hand, at WALL_START."""
    return ManualClock(WALL_START)


class ScriptedSource:
    """A Source that answers each job with the replies a test queued (an empty frame once the
    queue is empty) and records every request as (job, arguments)."""

    is_demo = False

    def __init__(
        self,
        name: str = "fake",
        *,
        info: dict[str, SymbolInfo] | None = None,
        label: str | None = None,
    ) -> None:
        self.name = name
        self.label = label or name.upper()
        self.info = info or {}
        self.replies: dict[JobName, list[Reply]] = defaultdict(list)
        self.requests: list[tuple[JobName, tuple[Any, ...]]] = []
        self.closed = False

    def script(self, job: JobName, *replies: Reply) -> None:
        self.replies[job].extend(replies)

    def asked(self, job: JobName) -> list[tuple[Any, ...]]:
        return [arguments for name, arguments in self.requests if name == job]

    def polls(self, job: JobName) -> int:
        return len(self.asked(job))

    def _answer(self, job: JobName, arguments: tuple[Any, ...]) -> FetchOutcome:
        self.requests.append((job, arguments))
        queue = self.replies[job]
        reply = (
            queue.pop(0)
            if queue
            else Fetched(pl.DataFrame(schema=SCHEMAS[spec(job).dataset]), MARKET_NOW)
        )
        if isinstance(reply, Exception):
            raise reply
        return reply

    def source_for(self, role: SourceRole) -> str:
        return self.name

    def now(self) -> dt.datetime:
        return MARKET_NOW

    def describe(self, symbol: str) -> SymbolInfo | None:
        return self.info.get(symbol)

    def known_symbols(self) -> Sequence[str]:
        return tuple(self.info)

    async def quotes(self, symbols: Sequence[str]) -> FetchOutcome:
        return self._answer(JobName.QUOTES, (list(symbols),))

    async def bars(self, symbols: Sequence[str], interval: BarInterval, days: int) -> FetchOutcome:
        job = JobName.DAILY if interval == "1d" else JobName.INTRADAY
        if interval == "1d" and days == MEMBER_SESSIONS:  # the sector funds' members' bars
            job = JobName.MEMBER_BARS
        return self._answer(job, (list(symbols), interval, days))

    async def short_interest(
        self, symbols: Sequence[str] | None, settlements: int = 1
    ) -> FetchOutcome:
        return self._answer(JobName.SHORT_INTEREST, (_listed(symbols), settlements))

    async def short_volume(self, symbols: Sequence[str] | None, days: int) -> FetchOutcome:
        return self._answer(JobName.SHORT_VOLUME, (_listed(symbols), days))

    async def shares(self, symbols: Sequence[str]) -> FetchOutcome:
        return self._answer(JobName.SHARES, (list(symbols),))

    async def fund_nav_history(self, funds: Sequence[str], days: int) -> FetchOutcome:
        return self._answer(JobName.FUND_NAV, (list(funds), days))

    async def fund_holdings(self, funds: Sequence[str]) -> FetchOutcome:
        return self._answer(JobName.FUND_HOLDINGS, (list(funds),))

    async def aclose(self) -> None:
        self.closed = True


class RoutedSource(ScriptedSource):
    """A composite source that names the part playing each role, as the live one does."""

    def source_for(self, role: SourceRole) -> str:
        return "finra" if role is SourceRole.SHORT_DATA else "yahoo"


def _listed(symbols: Sequence[str] | None) -> list[str] | None:
    return None if symbols is None else list(symbols)


class VirtualTime:
    """The scheduler's waits (its ``wait``), on a wall clock only the test moves: a wait ends
    when its job is woken, or once `advance` has moved the clock past its end."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.waiting: list[tuple[dt.datetime, asyncio.Future[None], asyncio.Event]] = []

    async def __call__(self, wake: asyncio.Event, seconds: float) -> None:
        due: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (self.clock.now + dt.timedelta(seconds=seconds), due, wake)
        self.waiting.append(entry)
        woken = asyncio.ensure_future(wake.wait())
        try:
            await asyncio.wait({due, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()
            self.waiting.remove(entry)

    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)
        for end, due, _ in self.waiting:
            if end <= self.clock.now and not due.done():
                due.set_result(None)

    def waits_left(self) -> list[float]:
        """Seconds until each pending wait ends, shortest first."""
        return sorted((end - self.clock.now).total_seconds() for end, _, _ in self.waiting)

    def idle(self, loops: int = len(JobName)) -> bool:
        """Every one of ``loops`` polling loops is waiting, and none is about to wake."""
        return len(self.waiting) == loops and not any(
            due.done() or wake.is_set() for _, due, wake in self.waiting
        )


async def until(condition: Callable[[], bool], what: str, seconds: float = 10.0) -> None:
    """Let the event loop (and the threads it waits on) run until ``condition`` holds; fail
    naming ``what`` after ``seconds``."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"still waiting after {seconds:g}s for {what}")
        await asyncio.sleep(0.002)


# --- frames --------------------------------------------------------------------------------------


def quotes_frame(prices: dict[str, float]) -> pl.DataFrame:
    symbols = list(prices)
    values = list(prices.values())
    return pl.DataFrame(
        {
            "symbol": symbols,
            "ts": [MARKET_NOW] * len(symbols),
            "last": values,
            "prev_close": values,
            "open": values,
            "high": values,
            "low": values,
            "volume": [1_000.0] * len(symbols),
            "session": ["regular"] * len(symbols),
            "delayed_s": [0] * len(symbols),
            "source": ["fake"] * len(symbols),
            "ext_last": [None] * len(symbols),
            "ext_ts": [None] * len(symbols),
            "ext_session": [None] * len(symbols),
        },
        schema=QUOTES_SCHEMA,
    )


def bars_frame(closes: dict[str, float], interval: str = "1d") -> pl.DataFrame:
    symbols = list(closes)
    values = list(closes.values())
    return pl.DataFrame(
        {
            "symbol": symbols,
            "ts": [dt.datetime(2026, 2, 10, tzinfo=dt.UTC)] * len(symbols),
            "open": values,
            "high": values,
            "low": values,
            "close": values,
            "volume": [1_000.0] * len(symbols),
            "interval": [interval] * len(symbols),
        },
        schema=BARS_SCHEMA,
    )


def short_interest_frame(rows: dict[str, tuple[float, float]]) -> pl.DataFrame:
    """Short interest per symbol: (short shares, average daily volume)."""
    symbols = list(rows)
    return pl.DataFrame(
        {
            "symbol": symbols,
            "settlement_date": [dt.date(2026, 1, 30)] * len(symbols),
            "short_shares": [short for short, _ in rows.values()],
            "prior_short_shares": [short for short, _ in rows.values()],
            "avg_daily_volume": [volume for _, volume in rows.values()],
            "days_to_cover": [1.0] * len(symbols),
            "source": ["fake"] * len(symbols),
        },
        schema=SHORT_INTEREST_SCHEMA,
    )


def shares_frame(floats: dict[str, float]) -> pl.DataFrame:
    symbols = list(floats)
    return pl.DataFrame(
        {
            "symbol": symbols,
            "as_of": [dt.date(2025, 12, 31)] * len(symbols),
            "shares_outstanding": list(floats.values()),
            "float_shares": list(floats.values()),
            "source": ["fake"] * len(symbols),
        },
        schema=SHARES_SCHEMA,
    )


def fetched(frame: pl.DataFrame, problems: dict[str, str] | None = None) -> Fetched:
    return Fetched(frame, MARKET_NOW, problems or {})


def failed(
    kind: FailureKind = FailureKind.HTTP,
    message: str = "the source answered 503",
    *,
    source: str = "fake",
    retry_at: dt.datetime | None = None,
) -> Failed:
    return Failed(source, kind, message, retry_at)


def holdings_frame(members: dict[str, list[str]]) -> pl.DataFrame:
    """Each fund's members, equally weighted, in one holdings file."""
    rows = [
        (fund, MARKET_NOW.date(), symbol, symbol, 1 / len(symbols), 1.0, None, None, "t")
        for fund, symbols in members.items()
        for symbol in symbols
    ]
    return pl.DataFrame(rows, schema=FUND_HOLDINGS_SCHEMA, orient="row")
