"""FINRA: bi-monthly short interest and daily Reg SHO short-sale volume. No textual import.

Two kinds of file, both pipe-delimited text on FINRA's CDN:

- Short interest, ``{base}/equity/otcmarket/biweekly/shrt{YYYYMMDD}.csv`` (pipe-delimited despite
  the name), one file per settlement date, ~22k rows. Exchange-listed names are included since
  June 2021. ``daysToCoverQuantity`` is 999.99 when there was no volume; that becomes null.
- Reg SHO daily short-sale volume, ``{base}/equity/regsho/daily/CNMSshvol{YYYYMMDD}.txt``, one file
  per trading day, posted by 6 pm New York time, ending with a trailer line that is a bare record
  count. Volumes carry fractional shares since 2026-02-23.

Parsing is pure (``bytes -> polars frame``) and raises ``FinraFormatError`` with a message a user
can read; the source turns that into ``Failed(kind=PARSE)``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import polars as pl

from tui.cache import Cache
from tui.config import FinraSettings
from tui.market_hours import session_close
from tui.sources.base import (
    SHORT_INTEREST_SCHEMA,
    SHORT_VOLUME_SCHEMA,
    Dataset,
    Failed,
    FailureKind,
    Fetched,
    FetchOutcome,
    SymbolInfo,
    conform,
    in_thread,
)
from tui.sources.finra_listing import is_fund_name, market_universe
from tui.sources.finra_schedule import (
    latest_published_settlement,
    posted_short_volume_dates,
    settlement_dates,
)
from tui.sources.http import HttpClient
from tui.sources.http_body import MB, ReplyLimit
from tui.sources.sanity import holds_bad_rows
from tui.symbols import canonical_symbols

log = logging.getLogger("tapewatch.finra")

SOURCE_NAME = "finra"
# FINRA's file store answers 404 or, like other S3-style stores, 403 for a file not posted yet.
NOT_POSTED = (403, 404)

# The largest a file may be, by its name's prefix: a short-interest file of ~22k rows is ~3 MB, a
# daily short-volume file of ~12k rows under 1 MB.
REPLY_LIMITS = {
    "shrt": ReplyLimit("one short-interest file", 32 * MB),
    "CNMSshvol": ReplyLimit("one short-volume file", 8 * MB),
}

# The file's sentinel for "no volume, so days to cover cannot be computed".
NO_VOLUME_DAYS_TO_COVER = 999.99

# The short-interest frame: SHORT_INTEREST_SCHEMA plus what the universe filter and `describe` need.
SHORT_INTEREST_FILE_SCHEMA = pl.Schema(
    {
        **SHORT_INTEREST_SCHEMA,
        "issue_name": pl.String(),  # as FINRA prints it: truncated to 30 characters in most files
        "market_class": pl.String(),  # listing market: NYSE, NNM, SC, AMEX, ARCA, BZX, OTC, ...
    }
)

_SHORT_INTEREST_COLUMNS = {
    "symbolCode": "symbol",
    "settlementDate": "settlement_date",
    "currentShortPositionQuantity": "short_shares",
    "previousShortPositionQuantity": "prior_short_shares",
    "averageDailyVolumeQuantity": "avg_daily_volume",
    "daysToCoverQuantity": "days_to_cover",
    "issueName": "issue_name",
    "marketClassCode": "market_class",
}

_SHORT_VOLUME_COLUMNS = {
    "Date": "date",
    "Symbol": "symbol",
    "ShortVolume": "short_volume",
    "ShortExemptVolume": "short_exempt_volume",
    "TotalVolume": "total_volume",
}


class FinraFormatError(ValueError):
    """A FINRA file is not in the expected format (truncated, an error page, a changed layout)."""


# --- parsing ---------------------------------------------------------------------------------


def _read_pipe_table(content: bytes, required: dict[str, str], what: str) -> pl.DataFrame:
    """Read pipe-delimited text as all-string columns, checking the header first."""
    if not content.strip():
        raise FinraFormatError(f"the {what} file is empty")
    if content.lstrip()[:1] == b"<":
        raise FinraFormatError(f"got an HTML page instead of the {what} file")
    header = content.split(b"\n", 1)[0].strip()
    if b"|" not in header:
        raise FinraFormatError(f"the {what} file is not pipe-delimited")
    names = header.decode("utf-8", errors="replace").split("|")
    missing = [name for name in required if name not in names]
    if missing:
        raise FinraFormatError(f"the {what} file lacks column(s): {', '.join(missing)}")
    try:
        table = pl.read_csv(
            content,
            separator="|",
            infer_schema=False,  # every column as text; cast below, strictly
            quote_char=None,  # issue names may contain a bare double quote
            columns=list(required),
            encoding="utf8-lossy",
        )
    except pl.exceptions.PolarsError as error:
        raise FinraFormatError(f"the {what} file could not be read: {error}") from error
    return table.rename(required)


def _cast_numbers(table: pl.DataFrame, columns: list[str], what: str) -> pl.DataFrame:
    """Text columns to floats; blanks stay null, anything else unreadable is an error."""
    cast = table.with_columns(
        pl.col(name).str.strip_chars().cast(pl.Float64(), strict=False) for name in columns
    )
    for name in columns:
        unreadable = table[name].filter(cast[name].is_null() & table[name].is_not_null())
        if unreadable.len():
            raise FinraFormatError(
                f"the {what} file has a non-numeric {name} value: {unreadable[0]!r}"
            )
    return cast


def _parse_dates(text: pl.Series, shape: str, date_format: str, what: str) -> pl.Series:
    """Dates of an exact shape: the parser alone would read a cut "2021-07-1" as July 1st."""
    text = text.str.strip_chars()
    if text.null_count() or not text.str.contains(f"^{shape}$").all():
        raise FinraFormatError(f"the {what} file has a malformed date")
    try:
        return text.str.strptime(pl.Date(), date_format, strict=True)
    except pl.exceptions.InvalidOperationError as error:
        raise FinraFormatError(f"the {what} file has an impossible date") from error


def parse_short_interest(content: bytes) -> pl.DataFrame:
    """Parse a FINRA short-interest file into SHORT_INTEREST_FILE_SCHEMA.

    That is SHORT_INTEREST_SCHEMA's columns (in its order) followed by ``issue_name`` and
    ``market_class``. ``days_to_cover`` is null where FINRA printed 999.99 (no volume). Raises
    FinraFormatError for an empty file, a header without rows, an HTML page, another delimiter,
    missing columns, non-numeric quantities, or a last row cut short (a truncated download).
    """
    what = "short-interest"
    table = _read_pipe_table(content, _SHORT_INTEREST_COLUMNS, what)
    if table.height == 0:
        raise FinraFormatError(f"the {what} file has a header but no rows")
    # The settlement date is the last column, so a row cut short loses it first.
    if table["settlement_date"].null_count() or table["symbol"].null_count():
        raise FinraFormatError(f"the {what} file is truncated: a row lacks its symbol or date")
    numbers = ["short_shares", "prior_short_shares", "avg_daily_volume", "days_to_cover"]
    table = _cast_numbers(table, numbers, what)
    return table.select(
        canonical_symbols(pl.col("symbol")),  # BRK.B -> BRK-B, as every source spells it
        _parse_dates(table["settlement_date"], r"\d{4}-\d{2}-\d{2}", "%Y-%m-%d", what),
        "short_shares",
        "prior_short_shares",
        "avg_daily_volume",
        pl.when(pl.col("days_to_cover") == NO_VOLUME_DAYS_TO_COVER)
        .then(None)
        .otherwise(pl.col("days_to_cover"))
        .alias("days_to_cover"),
        pl.lit(SOURCE_NAME).alias("source"),
        pl.col("issue_name").str.strip_chars(),
        pl.col("market_class").str.strip_chars(),
    )


def parse_short_volume(content: bytes) -> pl.DataFrame:
    """Parse a Reg SHO daily short-sale volume file into SHORT_VOLUME_SCHEMA.

    The last line must be a bare record count equal to the number of rows read: a missing trailer
    or a count that does not match means the file was cut short. CRLF and LF line ends are both
    accepted; volumes may be fractional. Raises FinraFormatError on any mismatch.
    """
    what = "short-volume"
    body = content.rstrip()
    head, _, last_line = body.rpartition(b"\n")
    trailer = last_line.strip()
    if not head or not trailer.isdigit():
        # Checked before the header so that an error page or an empty file says what it is.
        _read_pipe_table(content, _SHORT_VOLUME_COLUMNS, what)
        raise FinraFormatError(f"the {what} file is truncated: no record-count trailer")
    table = _read_pipe_table(head + b"\n", _SHORT_VOLUME_COLUMNS, what)
    expected_rows = int(trailer)
    if table.height != expected_rows:
        raise FinraFormatError(
            f"the {what} file is truncated: its trailer counts {expected_rows} records, "
            f"{table.height} were read"
        )
    if table["total_volume"].null_count() or table["symbol"].null_count():
        raise FinraFormatError(f"the {what} file has a row without a symbol or volume")
    table = _cast_numbers(table, ["short_volume", "short_exempt_volume", "total_volume"], what)
    return table.select(
        _parse_dates(table["date"], r"\d{8}", "%Y%m%d", what),
        canonical_symbols(pl.col("symbol")),  # BRK.B -> BRK-B, as every source spells it
        "short_volume",
        "short_exempt_volume",
        "total_volume",
    )


# --- the source ------------------------------------------------------------------------------

# How many expected files may be missing (HTTP 404: late, or never posted) before the look-back
# gives up on finding more.
MAX_MISSING_SETTLEMENTS = 2
MAX_MISSING_DAYS = 5


@dataclass(frozen=True, slots=True)
class _FileKind:
    """One of FINRA's dated file series."""

    prefix: str  # "shrt", the file name before the date
    folder: str  # under the base URL
    extension: str
    parse: Callable[[bytes], pl.DataFrame]
    schema: pl.Schema  # of the parsed frame, as cached
    date_column: str  # the column that holds the file's date
    dataset: Dataset  # whose domain its rows must be in (tui.sources.sanity)

    def key(self, day: dt.date) -> str:
        return f"finra/{self.prefix}{day:%Y%m%d}"

    def file_name(self, day: dt.date) -> str:
        return f"{self.prefix}{day:%Y%m%d}{self.extension}"


SHORT_INTEREST_FILES = _FileKind(
    "shrt",
    "equity/otcmarket/biweekly",
    ".csv",
    parse_short_interest,
    SHORT_INTEREST_FILE_SCHEMA,
    "settlement_date",
    Dataset.SHORT_INTEREST,
)
SHORT_VOLUME_FILES = _FileKind(
    "CNMSshvol",
    "equity/regsho/daily",
    ".txt",
    parse_short_volume,
    SHORT_VOLUME_SCHEMA,
    "date",
    Dataset.SHORT_VOLUME,
)


def _problems(frame: pl.DataFrame, symbols: Sequence[str], reason: str) -> dict[str, str]:
    present = set(frame["symbol"].to_list())
    return {symbol: reason for symbol in symbols if symbol not in present}


class FinraSource:
    """Short interest and Reg SHO short-sale volume from FINRA's files.

    Published files never change, so each is fetched once and kept: parsed frames go to the cache
    under ``finra/shrt{YYYYMMDD}`` and ``finra/CNMSshvol{YYYYMMDD}`` and stay in memory while in
    use. A failed fetch writes nothing. Methods return Fetched or Failed and never raise for network
    or format problems.
    """

    name = SOURCE_NAME

    def __init__(
        self,
        client: HttpClient,
        settings: FinraSettings,
        *,
        clock: Callable[[], dt.datetime],
        cache: Cache | None,
    ) -> None:
        self._client = client
        self._base_url = settings.base_url.rstrip("/")
        self._clock = clock
        self._cache = cache
        self._in_use: dict[str, pl.DataFrame] = {}  # parsed files of the latest calls, by key
        # Files that held rows that cannot be right: fetched again on the next call (FINRA may
        # have corrected them), never cached.
        self._doubtful: set[str] = set()
        # The newest short-interest file fetched: its date, and the issue name of each symbol.
        self._listing_date: dt.date | None = None
        self._issue_names: dict[str, str] = {}
        self._universe: list[str] = []

    async def short_interest(
        self, symbols: Sequence[str] | None, settlements: int = 1
    ) -> FetchOutcome:
        """Short interest (SHORT_INTEREST_SCHEMA) for the ``settlements`` newest published
        settlement dates, for ``symbols`` or, with None, the market: every exchange-listed
        common stock in the newest file (``market_universe``; funds and OTC names left out).

        Starts from the newest settlement whose file should be out and steps back one settlement
        at a time past files that are not there yet (404), at most MAX_MISSING_SETTLEMENTS.
        """
        if settlements < 1:
            raise ValueError("settlements must be at least 1")
        newest = latest_published_settlement(self._clock())
        lookback = settlements + MAX_MISSING_SETTLEMENTS
        # Two settlements a month: this window holds more than `lookback` of them.
        window_start = newest - dt.timedelta(days=16 * (lookback + 1))
        candidates = settlement_dates(window_start, newest)[::-1][:lookback]
        files = await self._newest_files(SHORT_INTEREST_FILES, candidates, settlements)
        if isinstance(files, Failed):
            return files
        if not files:
            message = (
                f"FINRA has not posted short interest for the {len(candidates)} latest settlement "
                f"dates (newest expected: {newest:%Y-%m-%d})"
            )
            return Failed(SOURCE_NAME, FailureKind.NOT_AVAILABLE, message)
        newest_day, newest_file = files[0]
        if newest_day != self._listing_date:
            universe, names = await in_thread(_listing, newest_file)
            self._listing_date, self._universe, self._issue_names = newest_day, universe, names
        return await in_thread(_select_short_interest, files, symbols, self._universe)

    async def short_volume(self, symbols: Sequence[str] | None, days: int) -> FetchOutcome:
        """Daily short-sale volume (SHORT_VOLUME_SCHEMA) for the ``days`` newest trading days whose
        file is posted, for ``symbols`` or, with None, every name in the files.

        Weekends and holidays are skipped by the calendar, today's file is asked for only after
        6 pm New York time, and a file that is not there (404) is skipped; at most
        MAX_MISSING_DAYS are skipped.
        """
        if days < 1:
            raise ValueError("days must be at least 1")
        candidates = posted_short_volume_dates(self._clock(), days + MAX_MISSING_DAYS)
        files = await self._newest_files(SHORT_VOLUME_FILES, candidates, days)
        if isinstance(files, Failed):
            return files
        if not files:
            message = (
                f"FINRA has not posted short-sale volume for the {len(candidates)} latest "
                f"trading days (newest expected: {candidates[0]:%Y-%m-%d})"
            )
            return Failed(SOURCE_NAME, FailureKind.NOT_AVAILABLE, message)
        return await in_thread(_select_short_volume, files, symbols)

    def describe(self, symbol: str) -> SymbolInfo | None:
        """The issue name FINRA prints for ``symbol`` in the newest short-interest file fetched."""
        issue_name = self._issue_names.get(symbol)
        if issue_name is None:
            return None
        issue_name = issue_name or symbol
        return SymbolInfo(symbol, issue_name, kind="etf" if is_fund_name(issue_name) else "stock")

    def market_symbols(self) -> list[str]:
        """The exchange-listed common stocks (see ``market_universe``) of the newest
        short-interest file fetched; empty until one has been."""
        return list(self._universe)

    async def _newest_files(
        self, kind: _FileKind, candidates: Sequence[dt.date], wanted: int
    ) -> list[tuple[dt.date, pl.DataFrame]] | Failed:
        """Up to ``wanted`` files among ``candidates`` (newest first) that are posted, newest
        first. Missing files are replaced by older candidates; batches are fetched concurrently.

        On a failure the files already fetched are kept in memory (and were cached) so that the
        next call does not fetch them again.
        """
        found: list[tuple[dt.date, pl.DataFrame]] = []
        failure: Failed | None = None
        position = 0
        while failure is None and len(found) < wanted and position < len(candidates):
            batch = candidates[position : position + wanted - len(found)]
            position += len(batch)
            outcomes = await asyncio.gather(*(self._file(kind, day) for day in batch))
            for day, outcome in zip(batch, outcomes, strict=True):
                if isinstance(outcome, Failed):
                    failure = failure or outcome
                elif outcome is not None:
                    found.append((day, outcome))
        if failure is not None:
            self._in_use.update((kind.key(day), frame) for day, frame in found)
            return failure
        # Files of this series that the call did not need are let go.
        self._in_use = {
            key: frame
            for key, frame in self._in_use.items()
            if not key.startswith(f"finra/{kind.prefix}")
        }
        self._in_use.update((kind.key(day), frame) for day, frame in found)
        return found

    async def _file(self, kind: _FileKind, day: dt.date) -> pl.DataFrame | Failed | None:
        """One parsed file: from memory, the cache, or FINRA; None when FINRA has no such file.
        Reading the cache, parsing and writing the cache run in a thread."""
        key = kind.key(day)
        if key not in self._doubtful:  # a doubtful file is asked of FINRA again
            frame = self._in_use.get(key)
            if frame is None and self._cache is not None:
                frame = await in_thread(self._kept_file, kind, key)
            if frame is not None:
                return frame
        name = kind.file_name(day)
        url = f"{self._base_url}/{kind.folder}/{name}"
        reply = await self._client.get(
            url, source=SOURCE_NAME, accept=NOT_POSTED, limit=REPLY_LIMITS[kind.prefix]
        )
        if isinstance(reply, Failed):
            return reply
        if reply.status in NOT_POSTED:
            return None
        return await in_thread(self._parse_file, kind, day, reply.content)

    def _kept_file(self, kind: _FileKind, key: str) -> pl.DataFrame | None:
        """The cached copy of a file, unless a row of it cannot be right (a copy kept before the
        figures were checked): then it is fetched again (blocking)."""
        assert self._cache is not None
        frame = self._cache.read_frame(key, kind.schema)
        if frame is not None and holds_bad_rows(frame, kind.dataset, self._clock()):
            log.info("finra: the cached %s holds rows that cannot be right; fetching it again", key)
            return None
        return frame

    def _parse_file(self, kind: _FileKind, day: dt.date, content: bytes) -> pl.DataFrame | Failed:
        """A downloaded file, parsed, checked to hold its day's data, and cached unless a row of
        it cannot be right (blocking). Such a file is still returned: the call's checks drop
        the bad rows and count them, and the next call fetches the file again."""
        name = kind.file_name(day)
        try:
            frame = kind.parse(content)
        except FinraFormatError as error:
            return Failed(SOURCE_NAME, FailureKind.PARSE, f"FINRA's {name}: {error}")
        dates = frame[kind.date_column].unique().to_list()
        if dates != [day]:
            found = ", ".join(f"{date:%Y-%m-%d}" for date in dates) or "no rows"
            message = f"FINRA's {name} does not hold {day:%Y-%m-%d} data (found: {found})"
            return Failed(SOURCE_NAME, FailureKind.PARSE, message)
        key = kind.key(day)
        if holds_bad_rows(frame, kind.dataset, self._clock()):
            self._doubtful.add(key)
        else:
            self._doubtful.discard(key)
            if self._cache is not None:
                self._cache.write_frame(key, frame)
        return frame


def _listing(newest: pl.DataFrame) -> tuple[list[str], dict[str, str]]:
    """The exchange-listed common stocks of a short-interest file, sorted, and every symbol's
    issue name (the first, where a symbol repeats; empty where the file has none)."""
    universe = sorted(market_universe(newest)["symbol"].to_list())
    names: dict[str, str] = {}
    for symbol, issue_name in newest.select("symbol", "issue_name").iter_rows():
        names.setdefault(symbol, issue_name or "")
    return universe, names


def _select_short_interest(
    files: Sequence[tuple[dt.date, pl.DataFrame]],
    symbols: Sequence[str] | None,
    universe: Sequence[str],
) -> Fetched:
    """The short-interest files (newest first) as one frame, for ``symbols`` or, with None,
    the market ``universe``."""
    newest_day, newest_file = files[0]
    frame = conform(pl.concat(frame for _, frame in files), Dataset.SHORT_INTEREST)
    problems: dict[str, str] = {}
    if symbols is None:
        frame = frame.filter(pl.col("symbol").is_in(list(universe)))
    else:
        frame = frame.filter(pl.col("symbol").is_in(list(symbols)))
        problems = _problems(newest_file, symbols, "not in FINRA's short-interest file")
    return Fetched(frame=frame, as_of=session_close(newest_day), problems=problems)


def _select_short_volume(
    files: Sequence[tuple[dt.date, pl.DataFrame]], symbols: Sequence[str] | None
) -> Fetched:
    """The short-volume files (newest first) as one frame, oldest day first, for ``symbols``
    or, with None, every name in them."""
    frame = pl.concat(frame for _, frame in reversed(files))
    problems: dict[str, str] = {}
    if symbols is not None:
        frame = frame.filter(pl.col("symbol").is_in(list(symbols)))
        problems = _problems(frame, symbols, "no short-sale volume reported")
    return Fetched(frame=frame, as_of=session_close(files[0][0]), problems=problems)
