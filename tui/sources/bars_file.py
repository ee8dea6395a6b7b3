"""One bars file of the user's, read and checked: CSV or parquet, in long format.

A file holds ``date,symbol,close`` with optional ``open,high,low,volume``, column names in any
case, dates as YYYY-MM-DD; a file without a ``symbol`` column holds one symbol, named by the file
(``aapl.csv`` -> AAPL). Missing open, high or low take the close; a missing volume stays null. A
file that cannot be read gives a `FileError` with its name, line and problem; a row that cannot
be right (a price that is not a number, is 0, negative or absurd, low above high, a close or open
outside the day's range, a date in the future or before 1900: the domains of tui.sources.sanity)
is kept with the reason it is refused, its file and its line. Only regular files are read, each
up to FILE_SIZE_LIMIT (a FIFO or a device named by mistake would hang the read or never end).

`tui.sources.files` finds the files, combines what they hold and serves it as a Source.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from tui.regular_files import MB, read_regular_file
from tui.sources.sanity import date_checks, may_be_signed, price_checks, quantity_checks
from tui.symbols import canonical, canonical_symbols

PRICE_COLUMNS = ("open", "high", "low", "close")
NUMBER_COLUMNS = (*PRICE_COLUMNS, "volume")
BAR_COLUMNS = ("symbol", "date", *NUMBER_COLUMNS)
# The largest file read: tens of millions of bars in CSV.
FILE_SIZE_LIMIT = 1024 * MB
# The column carrying each row's line (CSV) or row number (parquet) while a file is checked;
# named so that no user's column can clash with it.
LINE = "__line__"
FAILED_CHECK = "__failed_check__"
_DUPLICATE_SUFFIX = re.compile(r"_duplicated_\d+$")


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
