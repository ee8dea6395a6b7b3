"""SSGA workbooks built in the layout State Street publishes, for tests and the benchmark.

Synthetic values in the documented layout (see `tui.sources.ssga`): a ``Fund Name:`` row, a
``Ticker Symbol:`` row, for holdings a ``Holdings:`` | ``As of DD-Mon-YYYY`` row, a blank row, the
header, the table (NAV history newest first, dates as text), a blank row and disclaimer lines.
Written with xlsxwriter (a dev dependency); nothing binary is committed.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

import polars as pl
import xlsxwriter

NAV_HEADER = ("Date", "NAV", "Shares Outstanding", "Total Net Assets")
HOLDINGS_HEADER = (
    "Name",
    "Ticker",
    "Identifier",
    "SEDOL",
    "Weight",
    "Sector",
    "Shares Held",
    "Local Currency",
)
DISCLAIMER = (
    "Before investing, consider the funds' investment objectives, risks, charges and expenses.",
    "Holdings are subject to change.",
)
# A cash line as the holdings files print it: no ticker.
CASH_LINE = ("US DOLLAR", "-", "CASH_USD", "-", 0.05, "-", 1234567.0, "USD")

Cell = str | float | int | None


def workbook(rows: Sequence[Sequence[Cell]], sheet: str = "Sheet1") -> bytes:
    """An .xlsx of one sheet with these rows (None or an empty row leaves cells blank)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    worksheet = book.add_worksheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                worksheet.write(r, c, value)
    book.close()
    return buffer.getvalue()


def ssga_date(day: dt.date) -> str:
    """A date as SSGA prints it: ``10-Feb-2026``."""
    return f"{day.day:02d}-{_MONTHS[day.month - 1]}-{day.year}"


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def nav_workbook(
    fund: str, rows: Sequence[Sequence[Cell]], *, name: str = "Synthetic Select Sector SPDR Fund"
) -> bytes:
    """A NAV history workbook; ``rows`` are (date text, NAV, shares, assets), newest first."""
    return workbook(
        [
            ("Fund Name:", name),
            ("Ticker Symbol:", fund),
            (),
            NAV_HEADER,
            *rows,
            (),
            *[(line,) for line in DISCLAIMER],
        ],
        sheet="navhist",
    )


def nav_rows(frame: pl.DataFrame) -> list[tuple[Cell, ...]]:
    """A FUND_NAV frame's rows as the workbook prints them: newest first, "-" for null."""
    return [
        (ssga_date(day), *("-" if value is None else value for value in figures))
        for day, *figures in frame.sort("date", descending=True)
        .select("date", "nav", "shares_outstanding", "total_net_assets")
        .iter_rows()
    ]


def holdings_workbook(
    fund: str,
    as_of: dt.date,
    rows: Sequence[Sequence[Cell]],
    *,
    name: str = "Synthetic Select Sector SPDR Fund",
) -> bytes:
    """A daily holdings workbook; ``rows`` in HOLDINGS_HEADER's order, weights in percent."""
    return workbook(
        [
            ("Fund Name:", name),
            ("Ticker Symbol:", fund),
            ("Holdings:", f"As of {ssga_date(as_of)}"),
            (),
            HOLDINGS_HEADER,
            *rows,
            (),
            *[(line,) for line in DISCLAIMER],
        ],
        sheet="holdings",
    )


def holdings_rows(frame: pl.DataFrame) -> list[tuple[Cell, ...]]:
    """A FUND_HOLDINGS frame's rows as the workbook prints them (weights in percent, "-" for
    no sector), then a cash line."""
    rows: list[tuple[Cell, ...]] = [
        (name, symbol, f"ID{index:07d}", "-", weight * 100.0, sector or "-", shares, "USD")
        for index, (name, symbol, weight, sector, shares) in enumerate(
            frame.select("name", "symbol", "weight", "sector", "shares").iter_rows()
        )
    ]
    return [*rows, CASH_LINE]
