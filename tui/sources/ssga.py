"""State Street (SSGA): the SPDR funds' NAV history and daily holdings workbooks. No textual import.

Both files live in SSGA's fund-data library (``sources.ssga.base_url``), one per fund, the ticker
in lower case:

- ``navhist-us-en-{ticker}.xlsx``: the fund's whole daily history (the sector SPDRs' since 1998,
  about 5,800 rows). First sheet: ``Fund Name:`` and ``Ticker Symbol:`` rows, a blank row, the
  header ``Date | NAV | Shares Outstanding | Total Net Assets``, then one row per day, newest
  first, dates as text such as ``10-Feb-2026``. Early rows print ``-`` for shares and assets (not
  published then); a day's NAV is added in the evening, so until then the newest row is the
  previous session's. After the table: a blank row and disclaimer paragraphs in the first column.
- ``holdings-daily-us-en-{ticker}.xlsx``: ``Fund Name:``, ``Ticker Symbol:`` and ``Holdings:`` |
  ``As of 10-Feb-2026`` rows (usually the previous business day), a blank row, the header
  ``Name | Ticker | Identifier | SEDOL | Weight | Sector | Shares Held | Local Currency``, one row
  per line of the portfolio with its weight in percent; cash and other lines without a ticker
  print ``-`` there; most sector funds print ``-`` for the sector. Disclaimers follow the table.

Workbooks are read with polars' ``read_excel`` and its calamine engine, every cell as text, then
checked and cast here: the parsers are pure (``bytes -> polars frame``) and raise
``SsgaFormatError`` with a message a user can read; the source turns that into
``Failed(kind=PARSE)``. Parsing and cache I/O run in a worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import polars as pl

from tui.cache import Cache
from tui.config import SsgaSettings
from tui.market_hours import NEW_YORK, session_close
from tui.sources.base import (
    FUND_HOLDINGS_SCHEMA,
    FUND_NAV_SCHEMA,
    Dataset,
    Failed,
    FailureKind,
    Fetched,
    FetchOutcome,
    conform,
    empty_frame,
    in_thread,
)
from tui.sources.http import HttpClient
from tui.sources.http_body import MB, ReplyLimit
from tui.sources.ssga_schedule import expected_nav_date
from tui.symbols import canonical_symbols

SOURCE_NAME = "ssga"
# ssga.com answers 404 for a fund it has no file for (a file store may answer 403).
NOT_PUBLISHED = (403, 404)

# While today's history file lacks the NAV it should have, it is asked for again at most this
# often (seconds).
RECHECK_S = 30 * 60.0

NAV_COLUMNS = {
    "Date": "date",
    "NAV": "nav",
    "Shares Outstanding": "shares_outstanding",
    "Total Net Assets": "total_net_assets",
}
HOLDINGS_COLUMNS = {"Name": "name", "Ticker": "symbol", "Weight": "weight", "Shares Held": "shares"}
HOLDINGS_OPTIONAL_COLUMNS = {"Sector": "sector", "Market Value": "market_value"}

# Cells that mean "no figure" (SSGA prints "-").
_NO_FIGURE = ("", "-", "--", "N/A", "n/a", "NA")
_AS_OF = re.compile(r"As of\s+(\d{1,2}-[A-Za-z]{3}-\d{4})", re.IGNORECASE)
# A security's ticker: cash lines print "-", and some lines carry an internal code
# ("2602335D"): neither names a listed security.
_TICKER = r"^[A-Z][A-Z0-9./-]{0,11}$"
_XLSX_MAGIC = b"PK\x03\x04"


class SsgaFormatError(ValueError):
    """An SSGA workbook is not in the expected layout (an error page, another fund, a change)."""


# --- parsing ---------------------------------------------------------------------------------


def nav_file_name(fund: str) -> str:
    """``navhist-us-en-xlk.xlsx`` for XLK."""
    return f"navhist-us-en-{fund.lower()}.xlsx"


def holdings_file_name(fund: str) -> str:
    """``holdings-daily-us-en-xlk.xlsx`` for XLK."""
    return f"holdings-daily-us-en-{fund.lower()}.xlsx"


def _read_sheet(content: bytes, what: str) -> pl.DataFrame:
    """The first sheet, every cell as text (blank rows dropped by the reader)."""
    if not content.startswith(_XLSX_MAGIC):
        if content.lstrip()[:1] == b"<":
            raise SsgaFormatError(f"got a web page instead of the {what} workbook")
        raise SsgaFormatError(f"the {what} file is not an Excel workbook")
    try:
        sheet = pl.read_excel(content, engine="calamine", has_header=False, infer_schema_length=0)
    except Exception as error:  # the reader's errors are not all polars errors; the input is remote
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise SsgaFormatError(f"the {what} workbook could not be read ({reason})") from error
    return sheet.select(pl.all().cast(pl.String).str.strip_chars())


def _header(sheet: pl.DataFrame, required: Sequence[str], what: str) -> tuple[int, list[str]]:
    """The index of the header row (the first holding every required name) and its cells."""
    for index, row in enumerate(sheet.iter_rows()):
        cells = [cell or "" for cell in row]
        if all(name in cells for name in required):
            return index, cells
    raise SsgaFormatError(f"the {what} workbook has no {' | '.join(required)} header")


def _label_value(rows: pl.DataFrame, label: str) -> str | None:
    """The cell right of ``label`` (e.g. "Ticker Symbol:") in the rows above the header."""
    for row in rows.iter_rows():
        if row and row[0] == label and len(row) > 1:
            value = row[1]
            return value if isinstance(value, str) else None
    return None


def _check_fund(preamble: pl.DataFrame, fund: str, what: str) -> None:
    """Refuse a workbook whose ``Ticker Symbol:`` names another fund (a redirected download)."""
    printed = _label_value(preamble, "Ticker Symbol:")
    if printed is None:
        return
    ticker = printed.rstrip("®™© ").upper()  # SSGA marks some funds "GLD®"
    if ticker != fund.upper():
        raise SsgaFormatError(f"the {what} workbook is for {ticker}, not {fund.upper()}")


def _dates(text: pl.Expr) -> pl.Expr:
    """``10-Feb-2026`` as SSGA writes it, or an ISO date where the cell held a real date."""
    return pl.coalesce(
        text.str.to_date("%d-%b-%Y", strict=False),
        pl.when(text.str.contains(r"^\d{4}-\d{2}-\d{2}")).then(
            text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
        ),
    )


def _numbers(frame: pl.DataFrame, columns: Sequence[str], label: str, what: str) -> pl.DataFrame:
    """Text columns to floats: "-" and blanks become null, thousands separators are dropped; any
    other text is an error naming the row by its ``label`` column."""
    text = frame.with_columns(
        pl.when(pl.col(name).fill_null("").is_in(_NO_FIGURE))
        .then(None)
        .otherwise(pl.col(name).str.replace_all(",", ""))
        .alias(name)
        for name in columns
    )
    cast = text.with_columns(pl.col(name).cast(pl.Float64, strict=False) for name in columns)
    for name in columns:
        unreadable = frame.filter(cast[name].is_null() & text[name].is_not_null())
        if unreadable.height:
            row = unreadable.row(0, named=True)
            raise SsgaFormatError(
                f"the {what} workbook has a non-numeric {name} {row[name]!r} (row {row[label]!r})"
            )
    return cast


def parse_nav_history(content: bytes, fund: str) -> pl.DataFrame:
    """An SSGA NAV history workbook as FUND_NAV_SCHEMA, oldest day first.

    "-" (not published) becomes null; so does a NAV that is not positive. Header lines above the
    table and disclaimer lines after it are skipped. Raises SsgaFormatError for a web page or
    another non-workbook, a missing header, another fund's workbook, an undated line inside the
    table, a non-numeric figure, a date listed twice, or no dated rows at all.
    """
    what = f"{fund.upper()} NAV history"
    sheet = _read_sheet(content, what)
    start, header = _header(sheet, list(NAV_COLUMNS), what)
    _check_fund(sheet.head(start), fund, what)
    body = sheet.slice(start + 1).select(
        pl.nth(header.index(name)).alias(column) for name, column in NAV_COLUMNS.items()
    )
    body = body.with_columns(day=_dates(pl.col("date")))
    dated = body["day"].is_not_null()
    if not dated.any():
        raise SsgaFormatError(f"the {what} workbook holds no dated rows")
    last_dated = dated.arg_true()[-1]
    table = body.head(last_dated + 1)
    # After the last dated row come the disclaimers; before it, every line must be a day.
    undated = table.filter(pl.col("day").is_null())
    if undated.height:
        raise SsgaFormatError(
            f"the {what} workbook has an undated line in its table: {undated['date'][0]!r}"
        )
    numeric = ["nav", "shares_outstanding", "total_net_assets"]
    table = _numbers(table, numeric, "date", what)
    repeated = table.filter(pl.col("day").is_duplicated())
    if repeated.height:
        raise SsgaFormatError(f"the {what} workbook lists {repeated['day'][0]:%Y-%m-%d} twice")
    frame = table.select(
        fund=pl.lit(fund.upper()),
        date="day",
        nav=pl.when(pl.col("nav") > 0).then(pl.col("nav")),
        shares_outstanding="shares_outstanding",
        total_net_assets="total_net_assets",
        source=pl.lit(SOURCE_NAME),
    ).sort("date")
    return conform(frame, Dataset.FUND_NAV)


def parse_holdings(content: bytes, fund: str) -> pl.DataFrame:
    """An SSGA daily holdings workbook as FUND_HOLDINGS_SCHEMA, in the file's order.

    ``as_of`` is the workbook's ``As of`` date; weights become fractions (14.8 % -> 0.148); a "-"
    sector is null; ``market_value`` is null unless the workbook has a Market Value column. Lines
    without a listed ticker (cash, futures, internal codes) are left out, and a ticker listed twice
    is summed into one row. Raises SsgaFormatError for a web page or another non-workbook, a missing
    header or ``As of`` date, another fund's workbook, a non-numeric weight or share count, or no
    holdings at all.
    """
    what = f"{fund.upper()} holdings"
    sheet = _read_sheet(content, what)
    start, header = _header(sheet, list(HOLDINGS_COLUMNS), what)
    preamble = sheet.head(start)
    _check_fund(preamble, fund, what)
    printed = " ".join(cell or "" for row in preamble.iter_rows() for cell in row)
    found = _AS_OF.search(printed)
    if found is None:
        raise SsgaFormatError(f"the {what} workbook has no 'As of' date")
    as_of = pl.select(_dates(pl.lit(found.group(1).title()))).item()
    if not isinstance(as_of, dt.date):
        raise SsgaFormatError(f"the {what} workbook has an impossible date {found.group(1)!r}")
    columns = {**HOLDINGS_COLUMNS, **HOLDINGS_OPTIONAL_COLUMNS}
    body = sheet.slice(start + 1).select(
        (pl.nth(header.index(name)) if name in header else pl.lit(None, pl.String)).alias(column)
        for name, column in columns.items()
    )
    # Disclaimer lines after the table carry text in the first column only.
    lines = body.filter(pl.col("symbol").is_not_null() | pl.col("weight").is_not_null())
    lines = _numbers(lines, ["weight", "shares", "market_value"], "name", what)
    symbol = canonical_symbols(pl.col("symbol"))  # BRK.B -> BRK-B, as every source spells it
    held = (
        lines.filter(symbol.str.contains(_TICKER))
        .group_by(symbol.alias("symbol"), maintain_order=True)
        .agg(
            pl.col("name").first(),
            (pl.col("weight").sum() / 100.0).alias("weight"),
            pl.col("shares").sum(),
            pl.when(pl.col("market_value").is_not_null().any()).then(pl.col("market_value").sum()),
            pl.col("sector").first(),
        )
    )
    if held.height == 0:
        raise SsgaFormatError(f"the {what} workbook lists no securities")
    frame = held.select(
        fund=pl.lit(fund.upper()),
        as_of=pl.lit(as_of, pl.Date),
        symbol="symbol",
        name="name",
        weight="weight",
        shares="shares",
        market_value="market_value",
        sector=pl.when(pl.col("sector").is_in(_NO_FIGURE)).then(None).otherwise(pl.col("sector")),
        source=pl.lit(SOURCE_NAME),
    )
    return conform(frame, Dataset.FUND_HOLDINGS)


# --- the source ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _FileKind:
    """One of SSGA's per-fund workbooks."""

    folder: str  # under "ssga/" in the cache
    file_name: Callable[[str], str]
    parse: Callable[[bytes, str], pl.DataFrame]
    schema: pl.Schema
    date_column: str  # the column the file's newest date is read from
    missing: str  # what the user reads when SSGA has no such file
    daily_rows: bool  # a history: cut to the day it is kept for, fetched until complete
    limit: ReplyLimit  # the largest reply accepted for one file
    kept_days: int  # a file is kept for this many days: 1 (a day), 7 (a Monday-to-Sunday week)

    def period(self, day: dt.date) -> dt.date:
        """The first day of the period (the day, or the week's Monday) ``day``'s file is kept
        for."""
        return day if self.kept_days == 1 else day - dt.timedelta(days=day.weekday())

    def key(self, fund: str, day: dt.date) -> str:
        """The cache key of the file kept for ``day`` (its period's first day)."""
        return f"ssga/{self.folder}-{fund.lower()}/{self.period(day):%Y%m%d}"


NAV_FILES = _FileKind(
    "navhist",
    nav_file_name,
    parse_nav_history,
    FUND_NAV_SCHEMA,
    "date",
    "no NAV history at SSGA",
    daily_rows=True,
    # a sector fund's 28 years of history are ~200 KB
    limit=ReplyLimit("one NAV history workbook", 8 * MB),
    kept_days=1,
)
HOLDINGS_FILES = _FileKind(
    "holdings",
    holdings_file_name,
    parse_holdings,
    FUND_HOLDINGS_SCHEMA,
    "as_of",
    "no holdings file at SSGA",
    daily_rows=False,
    # SPY's ~500 lines are ~40 KB
    limit=ReplyLimit("one holdings workbook", 4 * MB),
    # Sector membership changes at the quarterly rebalances: a week-old list is good enough.
    kept_days=7,
)


@dataclass(frozen=True, slots=True)
class _Held:
    """A parsed file kept in memory, and when it was last asked for (by the source's clock)."""

    frame: pl.DataFrame
    checked_at: dt.datetime


def _unique_funds(funds: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(fund.strip().upper() for fund in funds))


class SsgaSource:
    """SPDR fund NAV history and holdings from SSGA's workbooks. Not a whole `Source`: two
    optional fetch methods a composite source routes to it.

    A NAV history is kept per New York day under ``ssga/navhist-{fund}/{YYYYMMDD}``, a holdings
    file per week under ``ssga/holdings-{fund}/{YYYYMMDD of its Monday}`` (parsed, in the cache,
    and in memory while in use); a history is cut to the rows dated that day or earlier. A day's
    NAV history is complete once it holds `expected_nav_date`; a complete file, and every file of
    a past day, is never fetched again. Today's history without its newest NAV (published in the
    evening) is asked for again at most every RECHECK_S; if that fails, the copy already held is
    used. Holdings are fetched once a week (sector membership changes at quarterly rebalances).
    Methods return Fetched or Failed and never raise for network or format problems.
    """

    name = SOURCE_NAME

    def __init__(
        self,
        client: HttpClient,
        settings: SsgaSettings,
        *,
        clock: Callable[[], dt.datetime],
        cache: Cache | None,
    ) -> None:
        self._client = client
        self._base_url = settings.base_url.rstrip("/")
        self._clock = clock
        self._cache = cache
        self._held: dict[str, _Held] = {}  # by cache key, today's files only

    async def fund_nav_history(self, funds: Sequence[str], days: int) -> FetchOutcome:
        """The newest ``days`` rows of each fund's NAV history (FUND_NAV_SCHEMA), oldest first
        per fund; ``as_of`` is the close of the newest date. A fund SSGA has no file for, or
        whose file failed while others arrived, is named in ``problems``; if none arrived, the
        first failure is returned."""
        if days < 1:
            raise ValueError("days must be at least 1")
        return await self._fetch_all(NAV_FILES, funds, days)

    async def fund_holdings(self, funds: Sequence[str]) -> FetchOutcome:
        """Each fund's latest holdings (FUND_HOLDINGS_SCHEMA); ``as_of`` is the close of the
        newest holdings date. Problems and failures as in `fund_nav_history`."""
        return await self._fetch_all(HOLDINGS_FILES, funds)

    async def _fetch_all(
        self, kind: _FileKind, funds: Sequence[str], days: int | None = None
    ) -> FetchOutcome:
        now = self._clock()
        wanted = _unique_funds(funds)
        today = now.astimezone(NEW_YORK).date()
        current = {kind.key(fund, today) for fund in wanted}
        # This kind's files of an earlier period are let go (they stay in the cache).
        prefix = f"ssga/{kind.folder}-"
        self._held = {
            key: held
            for key, held in self._held.items()
            if key in current or not key.startswith(prefix)
        }
        outcomes = await asyncio.gather(*(self._file(kind, fund, now) for fund in wanted))
        frames: list[pl.DataFrame] = []
        problems: dict[str, str] = {}
        failures: list[Failed] = []
        for fund, outcome in zip(wanted, outcomes, strict=True):
            if isinstance(outcome, Failed):
                problems[fund] = outcome.message
                failures.append(outcome)
            elif outcome is None:
                problems[fund] = kind.missing
            else:
                frames.append(outcome)
        if not wanted:
            return Fetched(empty_frame(_dataset(kind)), now)
        if not frames:
            if failures:
                return failures[0]
            message = f"SSGA publishes no such file for {', '.join(wanted)}"
            return Failed(SOURCE_NAME, FailureKind.NOT_AVAILABLE, message)
        return await in_thread(_combine, kind, frames, problems, now, days)

    async def _file(
        self, kind: _FileKind, fund: str, now: dt.datetime
    ) -> pl.DataFrame | Failed | None:
        """One fund's file for today (New York): held, cached, or downloaded; None when SSGA has
        no such file."""
        today = now.astimezone(NEW_YORK).date()
        key = kind.key(fund, today)
        held = self._held.get(key)
        if held is None and self._cache is not None:
            held = await in_thread(self._read_cached, key, kind.schema, now)
            if held is not None:
                self._held[key] = held
        if held is not None and not self._due(kind, held, now):
            return held.frame
        name = kind.file_name(fund)
        reply = await self._client.get(
            f"{self._base_url}/{name}", source=SOURCE_NAME, accept=NOT_PUBLISHED, limit=kind.limit
        )
        if isinstance(reply, Failed):
            if held is not None:  # today's copy, short of the evening's NAV: better than nothing
                self._held[key] = _Held(held.frame, now)
                return held.frame
            return reply
        if reply.status in NOT_PUBLISHED:
            return held.frame if held is not None else None
        store = functools.partial(self._parse_and_store, kind, fund, today, key)
        try:
            frame = await in_thread(store, reply.content)
        except SsgaFormatError as error:
            return Failed(SOURCE_NAME, FailureKind.PARSE, f"SSGA's {name}: {error}")
        self._held[key] = _Held(frame, now)
        return frame

    @staticmethod
    def _due(kind: _FileKind, held: _Held, now: dt.datetime) -> bool:
        """Whether a held file should be fetched again: only today's NAV history while it lacks
        the NAV it should hold, and then at most every RECHECK_S."""
        if not kind.daily_rows:
            return False
        newest = held.frame[kind.date_column].max()
        if isinstance(newest, dt.date) and newest >= expected_nav_date(now):
            return False
        return (now - held.checked_at).total_seconds() >= RECHECK_S

    def _read_cached(self, key: str, schema: pl.Schema, now: dt.datetime) -> _Held | None:
        """A cached file and when it was written (blocking: runs in the sources' thread)."""
        assert self._cache is not None
        frame = self._cache.read_frame(key, schema)
        if frame is None:
            return None
        age_s = self._cache.age_s(key) or 0.0
        return _Held(frame, now - dt.timedelta(seconds=age_s))

    def _parse_and_store(
        self, kind: _FileKind, fund: str, day: dt.date, key: str, content: bytes
    ) -> pl.DataFrame:
        """Parse a downloaded file, keep a history's rows dated ``day`` or earlier (so a past day's
        file never changes) and cache it (blocking: runs in the sources' thread)."""
        frame = kind.parse(content, fund)
        if kind.daily_rows:
            frame = frame.filter(pl.col(kind.date_column) <= day)
        if self._cache is not None:
            self._cache.write_frame(key, frame)
        return frame


def _combine(
    kind: _FileKind,
    frames: Sequence[pl.DataFrame],
    problems: dict[str, str],
    now: dt.datetime,
    days: int | None,
) -> Fetched:
    """The funds' files as one frame, each fund's newest ``days`` rows when given (blocking)."""
    frame = pl.concat(frames)
    if days is not None:
        frame = conform(frame.group_by("fund", maintain_order=True).tail(days), _dataset(kind))
    newest = frame[kind.date_column].max()
    as_of = session_close(newest) if isinstance(newest, dt.date) else now
    return Fetched(frame, as_of, problems)


def _dataset(kind: _FileKind) -> Dataset:
    return Dataset.FUND_NAV if kind.daily_rows else Dataset.FUND_HOLDINGS
