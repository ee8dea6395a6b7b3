"""The Source protocol and the frame schemas every source, the cache and the analytics share.

One module owns the schemas so that a frame produced by the demo market, by Yahoo, by a FINRA file,
by the user's own CSV files or read back from the on-disk cache is interchangeable.

Conventions
- Timestamps are timezone-aware UTC (``pl.Datetime("us", "UTC")``).
- Daily bars carry ``ts`` = the session date at 00:00 UTC and ``interval == "1d"``. The daily series
  may end with the current session's partial bar while the market is open.
- Intraday bars carry the bar's start time and ``interval`` "1m" or "5m"; a request for intraday
  bars returns the latest session only (pre and post included where the source has them).
- Prices and volumes are floats: FINRA volumes are fractional since February 2026 and some sources
  report null values, which stay null (never 0).
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt
import functools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal, ParamSpec, Protocol, TypeVar, runtime_checkable

import polars as pl

from tui.kinds import Dataset, FailureKind, SourceRole
from tui.market_hours import Session
from tui.plain import plain

# Defined where the first frame can import them without polars: the calendar, and tui.kinds.
__all__ = ["Dataset", "FailureKind", "Session", "SourceRole"]

BarInterval = Literal["1m", "5m", "1d"]

UTC_TS: pl.DataType = pl.Datetime("us", "UTC")

QUOTES_SCHEMA = pl.Schema(
    {
        "symbol": pl.String(),
        "ts": UTC_TS,
        "last": pl.Float64(),
        "prev_close": pl.Float64(),
        "open": pl.Float64(),
        "high": pl.Float64(),
        "low": pl.Float64(),
        "volume": pl.Float64(),
        "session": pl.String(),  # a Session value
        "delayed_s": pl.Int32(),  # how far behind real time the source is, in seconds
        "source": pl.String(),  # who priced the row: "yahoo", "yahoo-stream", "alpaca-iex", ...
        # Pre- and post-market: the latest extended-hours price, when and in which session it
        # was made ("pre" or "post"); null in the regular session and where a source has none.
        # ``last`` stays the regular session's price, so its change is the regular session's.
        "ext_last": pl.Float64(),
        "ext_ts": UTC_TS,
        "ext_session": pl.String(),
    }
)

# Columns a frame may lack: `conform` adds them as nulls (sources without extended hours).
OPTIONAL_COLUMNS: Mapping[Dataset, frozenset[str]] = {
    Dataset.QUOTES: frozenset({"ext_last", "ext_ts", "ext_session"}),
}

BARS_SCHEMA = pl.Schema(
    {
        "symbol": pl.String(),
        "ts": UTC_TS,
        "open": pl.Float64(),
        "high": pl.Float64(),
        "low": pl.Float64(),
        "close": pl.Float64(),
        "volume": pl.Float64(),
        "interval": pl.String(),  # a BarInterval value
    }
)

SHORT_INTEREST_SCHEMA = pl.Schema(
    {
        "symbol": pl.String(),
        "settlement_date": pl.Date(),
        "short_shares": pl.Float64(),
        "prior_short_shares": pl.Float64(),
        "avg_daily_volume": pl.Float64(),
        "days_to_cover": pl.Float64(),  # null when there was no volume (FINRA's 999.99)
        "source": pl.String(),
    }
)

SHORT_VOLUME_SCHEMA = pl.Schema(
    {
        "date": pl.Date(),
        "symbol": pl.String(),
        "short_volume": pl.Float64(),
        "short_exempt_volume": pl.Float64(),
        "total_volume": pl.Float64(),
    }
)

SHARES_SCHEMA = pl.Schema(
    {
        "symbol": pl.String(),
        "as_of": pl.Date(),
        "shares_outstanding": pl.Float64(),
        "float_shares": pl.Float64(),  # nullable: not every source publishes the float
        "source": pl.String(),
    }
)

# A fund's daily NAV history, oldest first: one row per date the fund published (a "-" in the
# issuer's file stays null). Shares and assets are totals for the fund, assets in USD.
FUND_NAV_SCHEMA = pl.Schema(
    {
        "fund": pl.String(),  # the fund's ticker, e.g. "XLK"
        "date": pl.Date(),
        "nav": pl.Float64(),  # net asset value per share, USD
        "shares_outstanding": pl.Float64(),
        "total_net_assets": pl.Float64(),
        "source": pl.String(),
    }
)

# A fund's holdings on one date: one row per security with a ticker (cash and other lines without
# one are left out). ``weight`` is a fraction of net assets (0.148 for 14.8 %).
FUND_HOLDINGS_SCHEMA = pl.Schema(
    {
        "fund": pl.String(),
        "as_of": pl.Date(),
        "symbol": pl.String(),
        "name": pl.String(),
        "weight": pl.Float64(),
        "shares": pl.Float64(),  # shares of the security the fund holds
        "market_value": pl.Float64(),  # nullable: SSGA's daily file does not print it
        "sector": pl.String(),  # nullable: SSGA prints "-" for most sector funds' members
        "source": pl.String(),
    }
)

SCHEMAS: Mapping[Dataset, pl.Schema] = {
    Dataset.QUOTES: QUOTES_SCHEMA,
    Dataset.BARS: BARS_SCHEMA,
    Dataset.SHORT_INTEREST: SHORT_INTEREST_SCHEMA,
    Dataset.SHORT_VOLUME: SHORT_VOLUME_SCHEMA,
    Dataset.SHARES: SHARES_SCHEMA,
    Dataset.FUND_NAV: FUND_NAV_SCHEMA,
    Dataset.FUND_HOLDINGS: FUND_HOLDINGS_SCHEMA,
}


# The column a frame's rows are per, and its problems name: a fund for the funds' files (a
# holdings frame lists each fund's members under "symbol"), a symbol for everything else.
_FUND_DATASETS = frozenset({Dataset.FUND_NAV, Dataset.FUND_HOLDINGS})


def key_column(dataset: Dataset) -> str:
    """ "fund" for the funds' files, "symbol" for every other dataset."""
    return "fund" if dataset in _FUND_DATASETS else "symbol"


class SchemaMismatch(ValueError):
    """A frame lacks the columns its dataset needs (a parser bug, or a corrupt cache file)."""


def empty_frame(dataset: Dataset) -> pl.DataFrame:
    """An empty frame with the dataset's schema."""
    return pl.DataFrame(schema=SCHEMAS[dataset])


def conform(frame: pl.DataFrame, dataset: Dataset) -> pl.DataFrame:
    """Select the dataset's columns in schema order and cast them to the schema's types.

    Raises SchemaMismatch naming the missing columns (an optional one is added as nulls). Extra
    columns are dropped. Casting is strict, so a value that cannot become the schema's type is an
    error rather than a silent null.
    """
    schema = SCHEMAS[dataset]
    optional = OPTIONAL_COLUMNS.get(dataset, frozenset())
    absent = [name for name in schema if name in optional and name not in frame.columns]
    if absent:
        frame = frame.with_columns(pl.lit(None, schema[name]).alias(name) for name in absent)
    missing = [name for name in schema if name not in frame.columns]
    if missing:
        raise SchemaMismatch(f"{dataset.value} frame lacks column(s): {', '.join(missing)}")
    try:
        return frame.select(pl.col(name).cast(dtype, strict=True) for name, dtype in schema.items())
    except (pl.exceptions.InvalidOperationError, pl.exceptions.ComputeError) as error:
        message = f"{dataset.value} frame has a column of the wrong type: {error}"
        raise SchemaMismatch(message) from error


@dataclass(frozen=True, slots=True)
class SymbolInfo:
    """What we know about a ticker besides its prices.

    The name and sector come from a source (Yahoo's ``longName``, an issue name in a FINRA
    file): they are made plain text here, where every name enters, so no escape sequence in
    them reaches the terminal (tui.plain)."""

    symbol: str
    name: str
    sector: str | None = None  # one of the 11 GICS sector names, None for indices and funds
    kind: Literal["stock", "etf", "index"] = "stock"

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", plain(self.name))
        if self.sector is not None:
            object.__setattr__(self, "sector", plain(self.sector))


@dataclass(frozen=True, slots=True)
class Fetched:
    """A successful fetch.

    ``frame`` conforms to the dataset's schema. ``as_of`` is the time the data describes (the
    newest quote, the settlement date, the file's date), not the time it was fetched. ``problems``
    names symbols that were asked for and could not be given, with a short reason a user can read
    ("not found", "delisted", "no data"); such symbols must still be shown, marked, never dropped.
    Problems are made plain text (a server's words can hold escape sequences: tui.plain).
    ``bad_rows`` counts the rows left out because their values cannot be right (a price of 0, a
    time in the future: tui.sources.sanity); the status bar shows it with the source's health.
    """

    frame: pl.DataFrame
    as_of: dt.datetime
    problems: Mapping[str, str] = field(default_factory=dict)
    # A refresh that failed, so ``frame`` is an older copy kept by the source, fetched at
    # ``fetched_at`` (the scheduler shows it stale, with the failure in the source's health).
    refresh_failed: Failed | None = None
    fetched_at: dt.datetime | None = None
    bad_rows: int = 0

    def __post_init__(self) -> None:
        problems = {plain(symbol): plain(why) for symbol, why in self.problems.items()}
        object.__setattr__(self, "problems", problems)


@dataclass(frozen=True, slots=True)
class Failed:
    """A failed fetch: nothing already shown changes, the status bar shows the source's health."""

    source: str
    kind: FailureKind
    message: str  # plain words, no secrets, e.g. "Yahoo answered 503 (service unavailable)"
    retry_at: dt.datetime | None = None  # when the source may be asked again, if it said

    def __post_init__(self) -> None:
        # A message can quote a server or a file: plain text only (tui.plain).
        object.__setattr__(self, "message", plain(self.message))


FetchOutcome = Fetched | Failed


@runtime_checkable
class Source(Protocol):
    """Where market data comes from. Implementations never import textual and never raise for
    network or format problems: they return ``Failed``.

    ``symbols=None`` for the short datasets means "the whole market the source covers".
    """

    name: str  # "demo", "live", "files": names the on-disk copy of what it served
    label: str  # the status bar's source label: "DEMO", "LIVE", "FILES", "REPLAY 2026-02-05"
    is_demo: bool

    def source_for(self, role: SourceRole) -> str:
        """The name of the source that plays ``role``, for the status bar's health line: a
        composite source (the live one) names its part ("yahoo" for prices), any other source
        plays every role itself and gives its own name."""
        ...

    def now(self) -> dt.datetime:
        """The source's market clock (UTC): the wall clock, or the demo market's own clock."""
        ...

    def describe(self, symbol: str) -> SymbolInfo | None:
        """Name, sector and kind of a symbol, if the source knows it."""
        ...

    def known_symbols(self) -> Sequence[str]:
        """Symbols this source can be asked for by name (used by the ticker prompt and palette)."""
        ...

    async def quotes(self, symbols: Sequence[str]) -> FetchOutcome:
        """Latest quote per symbol (QUOTES_SCHEMA); prev_close comes from daily bars."""
        ...

    async def bars(self, symbols: Sequence[str], interval: BarInterval, days: int) -> FetchOutcome:
        """OHLCV bars (BARS_SCHEMA). Daily: the last ``days`` sessions. Intraday: the last ``days``
        sessions' bars (1 = today's session only)."""
        ...

    async def short_interest(
        self, symbols: Sequence[str] | None, settlements: int = 1
    ) -> FetchOutcome:
        """Short interest (SHORT_INTEREST_SCHEMA) for the newest ``settlements`` published
        settlement dates."""
        ...

    async def short_volume(self, symbols: Sequence[str] | None, days: int) -> FetchOutcome:
        """Daily short-sale volume (SHORT_VOLUME_SCHEMA), the last ``days`` trading days posted."""
        ...

    async def shares(self, symbols: Sequence[str]) -> FetchOutcome:
        """Shares outstanding and float (SHARES_SCHEMA)."""
        ...

    async def aclose(self) -> None:
        """Release network clients and files."""
        ...


@runtime_checkable
class FundSource(Protocol):
    """What a source that has the sector funds' own files adds to `Source` (the live source
    through SSGA, the demo market, a replay of either). Optional: the fetch plan (tui.feed)
    answers the fund jobs of any other source with ``Failed(kind=NOT_AVAILABLE)``.

    ``funds`` are fund tickers ("XLK"); a fund without a file is named in ``problems``.
    """

    async def fund_nav_history(self, funds: Sequence[str], days: int) -> FetchOutcome:
        """Each fund's newest ``days`` published days of NAV, shares outstanding and net
        assets (FUND_NAV_SCHEMA), oldest first per fund."""
        ...

    async def fund_holdings(self, funds: Sequence[str]) -> FetchOutcome:
        """Each fund's latest holdings (FUND_HOLDINGS_SCHEMA)."""
        ...


@runtime_checkable
class DailyCloses(Protocol):
    """What a source that serves daily closes alone more cheaply than whole daily bars adds to
    `Source` (Yahoo's spark endpoint: 20 symbols a request, where a daily chart costs one a
    symbol). Optional: see `daily_closes`."""

    async def daily_closes(self, symbols: Sequence[str], days: int) -> FetchOutcome:
        """Daily bars (BARS_SCHEMA) of the last ``days`` sessions with their close (and ts,
        symbol, interval) only: open, high, low and volume null."""
        ...


def daily_closes(source: Source, symbols: Sequence[str], days: int) -> Awaitable[FetchOutcome]:
    """The last ``days`` daily bars of ``symbols`` for a reader that needs their closes only
    (the sector funds' members' breadth): closes alone from a source that serves them more
    cheaply (`DailyCloses`), whole bars from any other."""
    if isinstance(source, DailyCloses):
        return source.daily_closes(symbols, days)
    return source.bars(symbols, "1d", days)


P = ParamSpec("P")
T = TypeVar("T")

# One thread for every source's blocking steps. More would not parse faster — polars runs its
# own threads, and pure-Python parsing holds the GIL — but each would compete with the event
# loop's thread for the GIL, and every such wait is a stall on screen.
_SOURCE_WORK = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tapewatch-sources")


async def in_thread(work: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a source's blocking step in the sources' worker thread, so the event loop never
    waits on it.

    Every source sends its parsing (a reply or a file into a frame), its cache reads and writes
    and the frame work that follows them through here; only the network waits stay on the loop.
    """
    call = functools.partial(contextvars.copy_context().run, work, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_SOURCE_WORK, call)
