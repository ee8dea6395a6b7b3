"""The user's own data: daily bars from CSV or parquet files, short interest from FINRA files.

Daily bars come from a folder of files (or one file) in long format: ``date,symbol,close`` with
optional ``open,high,low,volume``, column names in any case, dates as YYYY-MM-DD. A file without a
``symbol`` column holds one symbol, named by the file (``aapl.csv`` -> AAPL). Missing open, high or
low take the close; a missing volume stays null. A file that cannot be read is reported with its
name, line and problem and the other files still load; a row that cannot be right (a price that is
not a number, is 0, negative or absurd, low above high, a close or open outside the day's range,
a date in the future or before 1900: the domains of tui.sources.sanity) is refused with its file,
line and reason rather than kept, and counted in ``bad_rows``. Quotes are the closes of the last
two sessions. Short interest comes from files in FINRA's own layout (``shrt*.csv``); without a
folder for them the dataset is "not configured", no failure. Only regular files are read, each
up to FILE_SIZE_LIMIT (a FIFO or a device named by mistake would hang the read or never end).
Files are re-read when they change. Reading, parsing and selecting run in a thread
(`in_thread`), as in every source.

The source's market clock stops at the close of the last session in the bars files: figures are
computed as of that day (a 5-day change over the files' last five sessions, not over days they
do not hold), and the status bar says as of which session, and how many have closed since.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from tui.clock import utc_now
from tui.config import FilesSettings
from tui.market_hours import session_close
from tui.regular_files import MB, read_regular_file
from tui.sources.base import (
    UTC_TS,
    BarInterval,
    Dataset,
    Failed,
    FailureKind,
    Fetched,
    FetchOutcome,
    SourceRole,
    SymbolInfo,
    conform,
    empty_frame,
    in_thread,
)
from tui.sources.finra import parse_short_interest
from tui.sources.replay import closing_quotes
from tui.sources.sanity import DATE_LEAD, date_checks, may_be_signed, price_checks, quantity_checks
from tui.symbols import canonical, canonical_symbols

SOURCE_NAME = "files"
BAR_FILE_SUFFIXES = (".csv", ".parquet")
PRICE_COLUMNS = ("open", "high", "low", "close")
NUMBER_COLUMNS = (*PRICE_COLUMNS, "volume")
BAR_COLUMNS = ("symbol", "date", *NUMBER_COLUMNS)
# The largest file read: tens of millions of bars in CSV.
FILE_SIZE_LIMIT = 1024 * MB
# File-level errors named in a Failed message before "and N more".
MESSAGE_ERRORS = 3
# Refused rows logged per load before "and N more".
LOGGED_REFUSALS = 20
# The column carrying each row's line (CSV) or row number (parquet) while a file is checked;
# named so that no user's column can clash with it.
LINE = "__line__"
FAILED_CHECK = "__failed_check__"
_DUPLICATE_SUFFIX = re.compile(r"_duplicated_\d+$")

logger = logging.getLogger("tapewatch.files")

# A file's identity for change detection: modification time and size.
FileStamp = tuple[int, int]
# What a parsed bars file depends on: the file, and the last date its rows may have.
ParseKey = tuple[FileStamp, dt.date]


@dataclass(frozen=True, slots=True)
class FileError:
    """A file that could not be loaded at all."""

    message: str  # names the file, the line when known, and the problem
    symbol: str  # the symbol the file's name stands for
    any_symbol: bool  # the file has (or, unread, may have) a symbol column: it may hold any symbol


@dataclass(frozen=True, slots=True)
class BarsFile:
    """One bars file, parsed: every data row (accepted rows first, in file order, then refused
    ones) with the reason it is refused (null when it is fine) and where it came from, or the
    error that kept the file from being read."""

    rows: pl.DataFrame | None
    error: FileError | None = None


@dataclass(frozen=True, slots=True)
class _Library:
    """Everything the bars files hold, combined."""

    bars: pl.DataFrame  # BARS_SCHEMA, daily, sorted by symbol and date
    refusals: dict[str, list[str]]  # symbol -> one message per refused row
    errors: list[FileError]
    symbols: list[str] = field(default_factory=list)
    last_date: dt.date | None = None  # the newest session in the files


def _error(
    name: str, problem: str, symbol: str, line: int | None = None, *, any_symbol: bool = True
) -> BarsFile:
    where = f"{name} line {line}" if line is not None else name
    return BarsFile(None, FileError(f"{where}: {problem}", symbol, any_symbol))


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _csv_records(text: str) -> list[tuple[int, list[str]]]:
    """Each CSV record with the line it starts on, blank lines included as empty records."""
    reader = csv.reader(io.StringIO(text))
    records = []
    line = 1
    try:
        for record in reader:
            records.append((line, record))
            line = reader.line_num + 1
    except csv.Error:
        pass  # only used to number lines for messages: the records up to here still count
    return records


def _data_lines(text: str) -> tuple[int, list[int]]:
    """The header's line and the line of each data row, numbered the way a text editor does."""
    records = _csv_records(text)
    start = 0
    while start < len(records) and not any(cell.strip() for cell in records[start][1]):
        start += 1  # the CSV reader skips blank lines before the header
    header_line = records[start][0] if start < len(records) else 1
    return header_line, [line for line, _ in records[start + 1 :]]


def _ragged_line(text: str) -> tuple[int, str] | None:
    """The first row with more fields than the header, if any: its line and the problem."""
    records = [(line, record) for line, record in _csv_records(text) if record]
    if not records:
        return None
    width = len(records[0][1])
    for line, record in records[1:]:
        if len(record) > width:
            return line, f"{len(record)} fields but the header names {width}"
    return None


def _read_csv(path: Path, symbol: str) -> tuple[pl.DataFrame, int] | BarsFile:
    """The CSV file as text columns plus a ``line`` column, and the header's line number."""
    name = path.name
    try:
        content = read_regular_file(path, FILE_SIZE_LIMIT)
    except OSError as error:
        return _error(name, f"cannot be read ({error.strerror or error})", symbol)
    if not content.strip():
        return _error(name, "the file is empty", symbol)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content.count(b"\n", 0, error.start) + 1
        return _error(name, "not UTF-8 text (is it a spreadsheet?)", symbol, line)
    try:
        table = pl.read_csv(content, infer_schema=False)
    except pl.exceptions.PolarsError as error:
        ragged = _ragged_line(text)
        if ragged is not None:
            return _error(name, ragged[1], symbol, ragged[0])
        return _error(name, f"cannot be read as CSV: {_first_line(error)}", symbol)
    if '"' in text:
        # Quoted fields may span lines: count them the way the CSV reader does.
        header_line, lines = _data_lines(text)
        if len(lines) >= table.height:
            numbers = pl.Series(LINE, lines[: table.height], dtype=pl.Int64())
            return table.with_columns(numbers), header_line
    # The CSV reader skips blank lines before the header.
    header_line = text[: len(text) - len(text.lstrip())].count("\n") + 1
    first = header_line + 1
    numbers = pl.int_range(first, first + table.height, dtype=pl.Int64(), eager=True).alias(LINE)
    return table.with_columns(numbers), header_line


def _read_parquet(path: Path, symbol: str) -> pl.DataFrame | BarsFile:
    """The parquet file as text columns (dates as YYYY-MM-DD) plus a 1-based ``line`` (row)."""
    name = path.name
    try:
        content = read_regular_file(path, FILE_SIZE_LIMIT)
    except OSError as error:
        return _error(name, f"cannot be read ({error.strerror or error})", symbol)
    try:
        table = pl.read_parquet(content)
    except (pl.exceptions.PolarsError, OSError, pl.exceptions.PanicException) as error:
        return _error(name, f"not a readable parquet file ({_first_line(error)})", symbol)
    texts = []
    for column, dtype in table.schema.items():
        if column.strip().lower() not in BAR_COLUMNS:
            continue  # columns tapewatch does not read may hold anything
        value = pl.col(column)
        if isinstance(dtype, pl.Datetime):
            value = value.dt.date()
        if not (dtype.is_numeric() or dtype.is_temporal() or dtype == pl.String()):
            return _error(
                name, f"column {column!r} holds {dtype}, not text, numbers or dates", symbol
            )
        texts.append(value.cast(pl.String()).alias(column))
    return table.select(*texts, pl.int_range(1, pl.len() + 1, dtype=pl.Int64()).alias(LINE))


def _first_failed(conditions: Sequence[pl.Expr]) -> pl.Expr:
    """The index of the first condition that holds (the first failed check), else null."""
    failed: pl.Expr = pl.lit(None, dtype=pl.Int32())
    for index in reversed(range(len(conditions))):
        failed = pl.when(conditions[index]).then(pl.lit(index, pl.Int32())).otherwise(failed)
    return failed


def _message_of(failed: pl.Expr, messages: Sequence[pl.Expr]) -> pl.Expr:
    """The message of the failed check numbered ``failed``."""
    message: pl.Expr = pl.lit(None, dtype=pl.String())
    for index in reversed(range(len(messages))):
        message = pl.when(failed == index).then(messages[index]).otherwise(message)
    return message


def _validate(table: pl.DataFrame, file_label: str, symbol: str, latest: dt.date) -> pl.DataFrame:
    """Typed rows (symbol, date, open, high, low, close, volume) with a ``reason`` for each row
    that must be refused, from text columns with lower-case names; no row may be dated after
    ``latest``."""
    present = [column for column in BAR_COLUMNS if column in table.columns]
    numbers = [column for column in NUMBER_COLUMNS if column in present]
    # Each value is parsed once into its own column: eager polars does not share repeated
    # sub-expressions, and the checks below refer to every value several times.
    table = table.select(pl.col(LINE), *(pl.col(column).str.strip_chars() for column in present))
    table = table.with_columns(
        pl.col("date").str.strptime(pl.Date(), "%Y-%m-%d", strict=False).alias("_date"),
        *(
            pl.col(column).cast(pl.Float64(), strict=False).alias(f"_n_{column}")
            for column in numbers
        ),
    )

    def blank(column: str) -> pl.Expr:
        return pl.col(column).is_null() | (pl.col(column) == "")

    # Missing open/high/low (column or cell) take the close; a missing volume stays null.
    table = table.with_columns(
        (
            pl.when(blank(column)).then(pl.col("_n_close")).otherwise(pl.col(f"_n_{column}"))
            if column in numbers
            else pl.col("_n_close")
        ).alias(f"_p_{column}")
        for column in ("open", "high", "low")
    )
    price = {column: pl.col(f"_p_{column}") for column in ("open", "high", "low")}
    price["close"] = pl.col("_n_close")
    checks: list[tuple[pl.Expr, pl.Expr]] = [
        (blank("date"), pl.lit("date is empty")),
        (pl.col("_date").is_null(), pl.format("date '{}' is not YYYY-MM-DD", "date")),
        *date_checks("date", pl.col("_date"), latest),
        (blank("close"), pl.lit("close is empty")),
    ]
    if "symbol" in present:
        checks.append((blank("symbol"), pl.lit("symbol is empty")))
    symbol_value = (
        canonical_symbols(pl.col("symbol")) if "symbol" in present else pl.lit(symbol)
    ).alias("symbol")
    for column in numbers:
        value = pl.col(f"_n_{column}")
        checks.append(
            (
                ~blank(column) & (value.is_null() | ~value.is_finite()),
                pl.format(f"{column} '{{}}' is not a number", column),
            )
        )
    # The close first: a missing open, high or low takes its value and would be blamed instead.
    signed = may_be_signed(symbol_value)
    for column in ("close", "open", "high", "low"):
        checks += price_checks(column, price[column], signed)
    if "volume" in numbers:
        checks += quantity_checks("volume", pl.col("_n_volume"))
    low, high = price["low"], price["high"]
    checks.append((low > high, pl.format("low {} is above high {}", low, high)))
    for column in ("close", "open"):
        value = price[column]
        checks.append(
            (
                (value < low) | (value > high),
                pl.format(f"{column} {{}} is outside the day's range {{}}–{{}}", value, low, high),
            )
        )
    failed = pl.col(FAILED_CHECK)
    checked = table.with_columns(
        _first_failed([condition for condition, _ in checks]).alias(FAILED_CHECK)
    )
    volume_value = pl.col("_n_volume") if "volume" in numbers else pl.lit(None, pl.Float64())

    def rows(subset: pl.DataFrame, reason: pl.Expr) -> pl.DataFrame:
        return subset.select(
            symbol_value,
            pl.col("_date").alias("date"),
            *(price[column].alias(column) for column in PRICE_COLUMNS),
            volume_value.alias("volume"),
            reason.alias("reason"),
            pl.lit(file_label).alias("where"),
            pl.col(LINE).alias("line"),
        )

    # Messages are formatted for the refused rows only: formatting every row costs seconds on
    # a million-row file.
    accepted = rows(checked.filter(failed.is_null()), pl.lit(None, pl.String()))
    messages = [message for _, message in checks]
    refused = rows(checked.filter(failed.is_not_null()), _message_of(failed, messages))
    return pl.concat([accepted, refused])


def read_bars_file(path: Path, latest: dt.date) -> BarsFile:
    """Parse one bars file (CSV, or parquet by its suffix) into validated rows, none dated after
    ``latest``."""
    name = path.name
    symbol = canonical(path.stem)
    header_line: int | None = None
    if path.suffix.lower() == ".parquet":
        loaded = _read_parquet(path, symbol)
        if isinstance(loaded, BarsFile):
            return loaded
        table, unit = loaded, "row"
    else:
        read = _read_csv(path, symbol)
        if isinstance(read, BarsFile):
            return read
        (table, header_line), unit = read, "line"
    # Polars renames a repeated column name "close" to "close_duplicated_0".
    names = {
        column: _DUPLICATE_SUFFIX.sub("", column.strip().lower())
        for column in table.columns
        if column != LINE
    }
    used = [column for column in names.values() if column in BAR_COLUMNS]
    any_symbol = "symbol" in used
    for column in dict.fromkeys(used):
        if used.count(column) > 1:
            problem = f"two columns are named {column!r}"
            return _error(name, problem, symbol, header_line, any_symbol=any_symbol)
    for required in ("date", "close"):
        if required not in used:
            found = ", ".join(column.strip() for column in names)
            problem = f"no {required!r} column (the columns are: {found})"
            return _error(name, problem, symbol, header_line, any_symbol=any_symbol)
    # Rows with no value at all are blank lines, not data.
    table = table.filter(~pl.all_horizontal(pl.exclude(LINE).is_null()))
    if table.is_empty():
        return _error(name, "no rows after the header", symbol, any_symbol=False)
    table = table.select(
        pl.col(LINE),
        *(pl.col(column).alias(names[column]) for column in names if names[column] in BAR_COLUMNS),
    )
    return BarsFile(_validate(table, f"{name} {unit}", symbol, latest))


def _combine(files: Sequence[BarsFile]) -> _Library:
    """Join the files' rows; where a symbol and date repeat, the later row (by file name, then
    by line) wins and the earlier ones are refused."""
    errors = [file.error for file in files if file.rows is None and file.error is not None]
    frames = [file.rows for file in files if file.rows is not None]
    if not frames:
        return _Library(empty_frame(Dataset.BARS), {}, errors)
    # One chunk: pl.format on a filtered multi-chunk frame panics in polars 2.1.
    rows = pl.concat(frames, how="vertical", rechunk=True)
    accepted = rows.filter(pl.col("reason").is_null())
    keys = ["symbol", "date"]
    is_last = pl.struct(keys).is_last_distinct()
    superseded = accepted.filter(~is_last).join(
        accepted.filter(is_last).select(*keys, pl.format("{} {}", "where", "line").alias("winner")),
        on=keys,
    )
    refused = pl.concat(
        [
            rows.filter(pl.col("reason").is_not_null()).select("symbol", "where", "line", "reason"),
            superseded.select(
                "symbol",
                "where",
                "line",
                pl.format("repeats {} on {}; {} is used", "symbol", "date", "winner").alias(
                    "reason"
                ),
            ),
        ],
        rechunk=True,
    )
    refusals: dict[str, list[str]] = {}
    messages = refused.sort("where", "line").select(
        "symbol", pl.format("{} {}: {}", "where", "line", "reason").alias("message")
    )
    for symbol, message in messages.iter_rows():
        refusals.setdefault(symbol or "", []).append(message)
    bars = accepted.filter(is_last).select(
        "symbol",
        pl.col("date").cast(pl.Datetime("us", "UTC")).alias("ts"),
        *PRICE_COLUMNS,
        "volume",
        pl.lit("1d").alias("interval"),
    )
    bars = conform(bars.sort("symbol", "ts"), Dataset.BARS)
    symbols = bars["symbol"].unique(maintain_order=True).to_list()
    newest = bars["ts"].max()
    last_date = newest.date() if isinstance(newest, dt.datetime) else None
    return _Library(bars, refusals, errors, symbols, last_date)


def _log_library(library: _Library) -> None:
    for error in library.errors:
        logger.warning("bars file skipped: %s", error.message)
    messages = [message for found in library.refusals.values() for message in found]
    for message in messages[:LOGGED_REFUSALS]:
        logger.warning("bar refused: %s", message)
    if len(messages) > LOGGED_REFUSALS:
        logger.warning("... and %d more bars refused", len(messages) - LOGGED_REFUSALS)


def _stamp(path: Path) -> FileStamp | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


def _errors_text(errors: Sequence[FileError]) -> str:
    text = "; ".join(error.message for error in errors[:MESSAGE_ERRORS])
    if len(errors) > MESSAGE_ERRORS:
        text += f" (and {len(errors) - MESSAGE_ERRORS} more)"
    return text


class FilesSource:
    """A Source over the user's own files: daily bars, and short interest in FINRA's layout."""

    name = SOURCE_NAME
    label = "FILES"
    is_demo = False

    def __init__(
        self, settings: FilesSettings, *, clock: Callable[[], dt.datetime] = utc_now
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._bars_files: dict[Path, tuple[ParseKey, BarsFile]] = {}
        self._library: _Library | None = None
        self._library_key: tuple[tuple[tuple[Path, FileStamp | None], ...], dt.date] | None = None
        self._si_files: dict[Path, tuple[FileStamp, pl.DataFrame | str]] = {}

    def now(self) -> dt.datetime:
        """The close of the last session in the bars files, or the clock this source was given
        (the wall clock by default) when that is earlier, or nothing has loaded them yet."""
        wall = self._clock()
        through = self.data_through()
        return wall if through is None else min(wall, session_close(through))

    def data_through(self) -> dt.date | None:
        """The last session in the bars files, once they have been loaded."""
        library = self._library  # replaced whole by a load: safe to read from any thread
        return library.last_date if library is not None else None

    def source_for(self, role: SourceRole) -> str:
        """The files play every role they can themselves."""
        return self.name

    def describe(self, symbol: str) -> SymbolInfo | None:
        """Files carry no names or sectors: a symbol found in them is described by itself (an
        index when it starts with ^, as Yahoo writes them)."""
        if symbol not in self.known_symbols():
            return None
        return SymbolInfo(symbol, symbol, kind="index" if symbol.startswith("^") else "stock")

    def known_symbols(self) -> Sequence[str]:
        """Symbols in the bars files as last loaded; none before the first fetch has loaded
        them (in a thread: this is asked on the event loop, which must not read files)."""
        library = self._library
        return library.symbols if library is not None else []

    # --- bars -----------------------------------------------------------------------------

    def _bars_paths(self) -> list[Path] | Failed:
        return self._files(
            self.settings.bars,
            "no bars files configured (sources.files.bars)",
            lambda path: path.suffix.lower() in BAR_FILE_SUFFIXES,
            ".csv or .parquet files",
        )

    def _files(
        self, setting: str, unset: str, wanted: Callable[[Path], bool], what: str
    ) -> list[Path] | Failed:
        """The file a setting names, or the wanted files in the folder it names (hidden files
        left out), sorted; NOT_CONFIGURED without a setting, NOT_AVAILABLE with the reason when
        there are none."""
        if not setting:
            return Failed(SOURCE_NAME, FailureKind.NOT_CONFIGURED, unset)
        try:
            root = Path(setting).expanduser()
        except RuntimeError:
            return self._unavailable(f"cannot expand the ~ of {setting}: no such user")
        try:
            if root.is_file():
                return [root]
            if not root.exists():
                return self._unavailable(f"{root} does not exist")
            if not root.is_dir():
                return self._unavailable(f"{root} is neither a regular file nor a folder")
            paths = sorted(
                path
                for path in root.iterdir()
                if wanted(path) and not path.name.startswith(".") and path.is_file()
            )
        except OSError as error:
            return self._unavailable(f"cannot list {root}: {error.strerror or error}")
        if not paths:
            return self._unavailable(f"no {what} in {root}")
        return paths

    def _load_bars(self) -> _Library | Failed:
        """The combined bars files, re-reading only files that changed since the last load."""
        with self._lock:
            paths = self._bars_paths()
            if isinstance(paths, Failed):
                return paths
            stamps = tuple((path, _stamp(path)) for path in paths)
            # A row dated tomorrow is refused today and accepted tomorrow: the date is part of
            # what a parse depends on.
            latest = (self._clock() + DATE_LEAD).date()  # the wall clock: now() ends at the data
            if self._library is not None and (stamps, latest) == self._library_key:
                return self._library
            parsed = {}
            for path, stamp in stamps:
                cached = self._bars_files.get(path)
                if cached is not None and stamp is not None and cached[0] == (stamp, latest):
                    parsed[path] = cached
                else:
                    result = read_bars_file(path, latest)
                    parsed[path] = ((stamp or (0, 0), latest), result)
            self._bars_files = parsed
            library = _combine([result for _, result in parsed.values()])
            _log_library(library)
            self._library, self._library_key = library, (stamps, latest)
            return library

    def _select(
        self,
        library: _Library,
        symbols: Sequence[str],
        frame: pl.DataFrame,
        *,
        count_refused: bool = True,
    ) -> FetchOutcome:
        """Fetched with problems for the asked-for symbols, or Failed(PARSE) when nothing asked
        for could be given because files could not be read. The asked-for symbols' refused
        rows are counted in ``bad_rows`` when ``count_refused`` (once: by the bars, not again
        by the quotes made of them)."""
        wanted = set(symbols)
        relevant = [e for e in library.errors if e.any_symbol or e.symbol in wanted]
        if frame.is_empty() and relevant:
            return Failed(SOURCE_NAME, FailureKind.PARSE, _errors_text(relevant))
        present = set(frame["symbol"].to_list())
        own_errors = {error.symbol: error.message for error in library.errors}
        unread = [error for error in library.errors if error.any_symbol]
        absent = "not in the bars files"
        if unread:
            absent = f"not in the bars files that could be read ({_errors_text(unread)})"
        problems: dict[str, str] = {}
        for symbol in symbols:
            refused = library.refusals.get(symbol, [])
            if symbol not in present:
                reason = own_errors.get(symbol, absent)
                if refused:
                    reason = f"every row refused, e.g. {refused[0]}"
                problems[symbol] = reason
            elif refused:
                problems[symbol] = f"{len(refused)} row(s) refused, e.g. {refused[0]}"
        newest = frame["ts"].max() if "ts" in frame.columns else None
        as_of = session_close(newest.date()) if isinstance(newest, dt.datetime) else self.now()
        bad_rows = sum(len(library.refusals.get(symbol, ())) for symbol in wanted)
        return Fetched(frame, as_of, problems, bad_rows=bad_rows if count_refused else 0)

    async def bars(self, symbols: Sequence[str], interval: BarInterval, days: int) -> FetchOutcome:
        """Daily bars: each symbol's last ``days`` rows. Intraday: none (an empty frame)."""
        if interval != "1d":
            return Fetched(empty_frame(Dataset.BARS), self.now())
        return await in_thread(self._daily_bars, symbols, days)

    def _daily_bars(self, symbols: Sequence[str], days: int) -> FetchOutcome:
        library = self._load_bars()
        if isinstance(library, Failed):
            return library
        frame = (
            library.bars.filter(pl.col("symbol").is_in(list(symbols)))
            .group_by("symbol", maintain_order=True)
            .tail(max(days, 0))
        )
        return self._select(library, symbols, frame)

    async def quotes(self, symbols: Sequence[str]) -> FetchOutcome:
        """Closing quotes from each symbol's last two sessions."""
        return await in_thread(self._quotes, symbols)

    def _quotes(self, symbols: Sequence[str]) -> FetchOutcome:
        library = self._load_bars()
        if isinstance(library, Failed):
            return library
        daily = library.bars.filter(pl.col("symbol").is_in(list(symbols)))
        # A bar dated today, read before its session closes, is the price so far: stamped now,
        # not at a close still to come (which no check would let pass as a quote).
        wall = pl.lit(self._clock(), UTC_TS)
        quotes = closing_quotes(daily, SOURCE_NAME).with_columns(pl.min_horizontal("ts", wall))
        return self._select(library, symbols, quotes, count_refused=False)

    # --- short interest ------------------------------------------------------------------

    def _short_interest_paths(self) -> list[Path] | Failed:
        return self._files(
            self.settings.short_interest,
            "no short-interest folder configured (sources.files.short_interest)",
            lambda path: (
                path.name.lower().startswith("shrt") and path.name.lower().endswith(".csv")
            ),
            "shrt*.csv files",
        )

    def _load_short_interest(self) -> tuple[list[pl.DataFrame], list[str]] | Failed:
        """Each readable file's settlements and a message per unreadable file."""
        with self._lock:
            paths = self._short_interest_paths()
            if isinstance(paths, Failed):
                return paths
            parsed: dict[Path, tuple[FileStamp, pl.DataFrame | str]] = {}
            for path in paths:
                stamp = _stamp(path)
                cached = self._si_files.get(path)
                if cached is not None and stamp is not None and cached[0] == stamp:
                    parsed[path] = cached
                    continue
                result = _read_short_interest_file(path)
                if isinstance(result, str):
                    logger.warning("short-interest file skipped: %s", result)
                parsed[path] = (stamp or (0, 0), result)
            self._si_files = parsed
        frames = [result for _, result in parsed.values() if isinstance(result, pl.DataFrame)]
        errors = [result for _, result in parsed.values() if isinstance(result, str)]
        return frames, errors

    async def short_interest(
        self, symbols: Sequence[str] | None, settlements: int = 1
    ) -> FetchOutcome:
        """The newest ``settlements`` settlement dates in the short-interest files."""
        return await in_thread(self._short_interest, symbols, settlements)

    def _short_interest(self, symbols: Sequence[str] | None, settlements: int) -> FetchOutcome:
        loaded = self._load_short_interest()
        if isinstance(loaded, Failed):
            return loaded
        frames, errors = loaded
        if not frames:
            message = "; ".join(errors[:MESSAGE_ERRORS])
            return Failed(SOURCE_NAME, FailureKind.PARSE, message)
        # A later file's figure for the same symbol and settlement replaces an earlier one.
        frame = pl.concat(frames).unique(["symbol", "settlement_date"], keep="last")
        newest = sorted(frame["settlement_date"].unique().to_list(), reverse=True)
        frame = frame.filter(pl.col("settlement_date").is_in(newest[: max(settlements, 0)]))
        if symbols is not None:
            frame = frame.filter(pl.col("symbol").is_in(list(symbols)))
        frame = frame.sort("settlement_date", "symbol")
        problems = {}
        if symbols is not None:
            present = set(frame["symbol"].to_list())
            problems = {
                symbol: "not in the short-interest files"
                for symbol in symbols
                if symbol not in present
            }
        last = frame["settlement_date"].max()
        as_of = session_close(last) if isinstance(last, dt.date) else self.now()
        return Fetched(frame, as_of, problems)

    # --- datasets files do not provide ---------------------------------------------------

    async def short_volume(self, symbols: Sequence[str] | None, days: int) -> FetchOutcome:
        """Not available from files."""
        return self._unavailable("daily short-sale volume is not read from files")

    async def shares(self, symbols: Sequence[str]) -> FetchOutcome:
        """Not available from files."""
        return self._unavailable("shares outstanding are not read from files")

    async def fund_nav_history(self, funds: Sequence[str], days: int) -> FetchOutcome:
        """Not available from files: the Sector flows pane shows no real flows."""
        return self._unavailable("fund NAV history is not read from files")

    async def fund_holdings(self, funds: Sequence[str]) -> FetchOutcome:
        """Not available from files: the Sector flows pane shows no short pressure or breadth."""
        return self._unavailable("fund holdings are not read from files")

    async def aclose(self) -> None:
        """Nothing to release: files are read whole and closed."""

    def _unavailable(self, message: str) -> Failed:
        return Failed(SOURCE_NAME, FailureKind.NOT_AVAILABLE, message)


def _read_short_interest_file(path: Path) -> pl.DataFrame | str:
    """One FINRA-layout file as SHORT_INTEREST_SCHEMA (source "files"), or what is wrong."""
    try:
        content = read_regular_file(path, FILE_SIZE_LIMIT)
    except OSError as error:
        return f"{path.name}: cannot be read ({error.strerror or error})"
    try:
        table = parse_short_interest(content)
    except (ValueError, pl.exceptions.PolarsError) as error:
        return f"{path.name}: {error}"
    return conform(table.with_columns(pl.lit(SOURCE_NAME).alias("source")), Dataset.SHORT_INTEREST)
