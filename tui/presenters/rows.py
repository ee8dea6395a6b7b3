"""What the dashboard's tables show, as plain data: columns, rows and cells built from the view
models, and the sort orders of each pane. No textual import: `tapewatch snapshot` prints the same
rows as plain text, so the terminal and a script see the same figures.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from rich.cells import cell_len
from rich.text import Text

from tui.models import (
    CorrelationLine,
    IndexRow,
    SectorRow,
    ShortRow,
    ShortsView,
)
from tui.presenters import format as fmt

Align = Literal["left", "center", "right"]
Tone = Literal["up", "down", "muted"]

BASKET_PREFIX = "basket:"
MEMBER_PREFIX = "member:"

SPARK_WIDTH = 12
CORRELATION_SPARK_WIDTH = 14
FLOW_BAR_HALF_WIDTH = 5

ItemT = TypeVar("ItemT")


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a LiveTable.

    ``width`` fixes the width; otherwise the column is as wide as its widest cell (or header),
    capped at ``max_width``. Text longer than a fixed or capped width ends in "…", so give numeric
    columns neither. ``priority`` 0 columns are always shown; when the table is too narrow, the
    columns with the highest priority number are hidden first (the rightmost among equals).
    """

    key: str
    header: str
    width: int | None = None
    max_width: int | None = None
    align: Align = "right"
    priority: int = 0


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell's text with a tone the theme colours (up = $success, down = $error, muted)."""

    text: str
    tone: Tone | None = None


CellValue = str | Text | Cell


@dataclass(frozen=True, slots=True)
class Row:
    """One row, identified by ``key`` (a symbol, usually).

    ``note`` ("not found", "no data") is shown muted in place of the cells from ``len(cells)`` on,
    spanning the remaining visible columns.
    """

    key: str
    cells: tuple[CellValue, ...]
    note: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.cells, tuple):
            object.__setattr__(self, "cells", tuple(self.cells))


def tone_for(value: float | None) -> Tone | None:
    """The tone of a signed figure: up when positive, down when negative, none otherwise."""
    if value is None or value == 0 or value != value:  # value != value: NaN
        return None
    return "up" if value > 0 else "down"


@dataclass(frozen=True, slots=True)
class SortMode(Generic[ItemT]):
    """One way of ordering a pane's rows: its label and a key (None keeps the view's order)."""

    label: str
    key: Callable[[ItemT], tuple[bool, float | str]] | None


def largest_first(value: float | None) -> tuple[bool, float]:
    """Sort key: largest value first, missing values last."""
    if value is None or math.isnan(value):
        return (True, 0.0)
    return (False, -value)


def smallest_first(value: float | None) -> tuple[bool, float]:
    """Sort key: smallest value first, missing values last."""
    if value is None or math.isnan(value):
        return (True, 0.0)
    return (False, value)


def ordered(items: Sequence[ItemT], mode: SortMode[ItemT]) -> list[ItemT]:
    if mode.key is None:
        return list(items)
    return sorted(items, key=mode.key)  # stable: ties keep the view's order


def toned(text: str, value: float | None) -> Cell:
    return Cell(text, tone_for(value))


INDEX_SORTS: tuple[SortMode[IndexRow], ...] = (
    SortMode("order", None),
    SortMode("chg %", lambda row: largest_first(row.change_pct)),
    SortMode("YTD", lambda row: largest_first(row.ytd_pct)),
)


def index_row(row: IndexRow) -> Row:
    """The table row for one index, yield or basket."""
    if row.problem is not None:
        return Row(row.symbol, (row.label,), note=row.problem)
    decimals = 3 if row.kind == "yield" else 2
    return Row(
        row.symbol,
        (
            row.label,
            fmt.price(row.last, decimals),
            toned(fmt.signed(row.change, decimals), row.change),
            toned(fmt.percent_change(row.change_pct), row.change_pct),
            toned(fmt.signed_percent(row.change_5d_pct), row.change_5d_pct),
            toned(fmt.signed_percent(row.ytd_pct), row.ytd_pct),
            Cell(fmt.sparkline(row.intraday, SPARK_WIDTH), tone_for(row.change)),
            toned(fmt.signed_percent(row.rel_5d_pct), row.rel_5d_pct)
            if row.kind == "basket"
            else "",
        ),
    )


SECTOR_SORTS: tuple[SortMode[SectorRow], ...] = (
    SortMode("flow", lambda row: largest_first(row.flow_today)),
    SortMode("chg %", lambda row: largest_first(row.change_pct)),
    SortMode("5d flow", lambda row: largest_first(row.flow_5d)),
    SortMode("rel vol", lambda row: largest_first(row.rel_volume)),
)


def sector_row(row: SectorRow, flow_scale: float) -> Row:
    """The table row for one sector ETF; the flow bar is scaled so ``flow_scale`` fills it."""
    if row.problem is not None:
        return Row(row.symbol, (row.symbol, row.sector), note=row.problem)
    return Row(
        row.symbol,
        (
            row.symbol,
            row.sector,
            toned(fmt.percent_change(row.change_pct), row.change_pct),
            toned(fmt.signed(row.rel_strength), row.rel_strength),
            toned(fmt.money_flow(row.flow_today), row.flow_today),
            toned(fmt.money_flow(row.flow_5d), row.flow_5d),
            fmt.ratio(row.rel_volume),
            toned(fmt.signed_bar(row.flow_today, flow_scale, FLOW_BAR_HALF_WIDTH), row.flow_today),
        ),
    )


OUTSTANDING_MARK = "ᵒ"

SHORT_SORTS: tuple[SortMode[ShortRow], ...] = (
    SortMode("SI %", lambda row: largest_first(row.short_pct)),
    SortMode("SI chg", lambda row: largest_first(row.short_change_pct)),
    SortMode("DTC", lambda row: largest_first(row.days_to_cover)),
    SortMode("SV z", lambda row: largest_first(row.sv_zscore)),
    SortMode("symbol", lambda row: (False, row.symbol)),
)


def short_pct_text(row: ShortRow) -> str:
    """Short interest in percent, marked ᵒ when it is of shares outstanding rather than float
    (a space otherwise, so the digits stay aligned)."""
    mark = OUTSTANDING_MARK if row.short_pct_basis == "outstanding" else " "
    return f"{fmt.percent(row.short_pct)}{mark}"


def short_row(row: ShortRow) -> Row:
    """The table row for one name in the Most shorted table."""
    if row.problem is not None:
        return Row(row.symbol, (row.symbol,), note=row.problem)
    sv_pct = None if row.sv_ratio is None else row.sv_ratio * 100
    return Row(
        row.symbol,
        (
            row.symbol,
            short_pct_text(row),
            fmt.share_count(row.short_shares),
            toned(fmt.signed_percent(row.short_change_pct), row.short_change_pct),
            fmt.days_to_cover(row.days_to_cover),
            fmt.percent(sv_pct, 0),
            fmt.zscore(row.sv_zscore),
            toned(fmt.signed_percent(row.price_change_pct), row.price_change_pct),
            fmt.short_date(row.settlement_date),
        ),
    )


def shorts_legend(view: ShortsView) -> str:
    """What the as-of dates and the ᵒ mark mean."""
    parts = [
        f"SI as of {fmt.short_date(view.settlement_date)}",
        f"SV {fmt.short_date(view.sv_date)}",
    ]
    if any(row.short_pct_basis == "outstanding" for row in view.rows):
        parts.append(f"{OUTSTANDING_MARK} % of shares outstanding, not float")
    return " · ".join(parts)


CORRELATION_SORTS: tuple[SortMode[CorrelationLine], ...] = (
    SortMode("now", lambda line: smallest_first(line.now)),
    SortMode("chg vs 1y", lambda line: smallest_first(_correlation_change(line))),
)


def _correlation_change(line: CorrelationLine) -> float | None:
    if line.now is None or line.year_ago is None:
        return None
    return line.now - line.year_ago


def correlation_row(key: str, label: str, line: CorrelationLine) -> Row:
    """A table row for a basket's average correlation or one member's correlation to its peers.

    Sparklines share one 0-to-1 scale so that baskets and members compare at a glance; values
    below zero sit on the bottom block and the "now" column gives the exact figure.
    """
    if line.problem is not None:
        return Row(key, (label,), note=line.problem)
    change = _correlation_change(line)
    return Row(
        key,
        (
            label,
            fmt.sparkline(line.series, CORRELATION_SPARK_WIDTH, lower=0.0, upper=1.0),
            fmt.correlation(line.now),
            fmt.correlation(line.year_ago),
            toned(fmt.signed(change), change),
        ),
    )


def basket_key(name: str) -> str:
    """Row key of a basket in the Correlations pane."""
    return f"{BASKET_PREFIX}{name}"


def member_key(basket: str, symbol: str) -> str:
    """Row key of a basket member in the Correlations pane."""
    return f"{MEMBER_PREFIX}{basket}:{symbol}"


INDEX_COLUMNS: tuple[Column, ...] = (
    Column("name", "Name", max_width=14, align="left"),
    Column("last", "Last"),
    Column("change", "Chg", priority=2),
    Column("change_pct", "Chg %"),
    Column("change_5d", "5d %", priority=3),
    Column("ytd", "YTD %", priority=4),
    Column("intraday", "Today", width=SPARK_WIDTH, align="left", priority=1),
    Column("rel_5d", "vs bm 5d", priority=5),
)

SECTOR_COLUMNS: tuple[Column, ...] = (
    Column("etf", "ETF", align="left"),
    Column("sector", "Sector", max_width=16, align="left", priority=3),
    Column("change_pct", "Chg %"),
    Column("rel_strength", "vs S&P", priority=4),
    Column("flow", "Flow"),
    Column("flow_5d", "Flow 5d", priority=2),
    Column("rel_volume", "RelVol", priority=5),
    Column("bar", "Flow today", width=2 * FLOW_BAR_HALF_WIDTH + 1, align="left", priority=1),
)

SHORT_COLUMNS: tuple[Column, ...] = (
    Column("symbol", "Symbol", align="left"),
    Column("short_pct", "SI %"),
    Column("short_shares", "Short", priority=3),
    Column("short_change", "SI chg", priority=2),
    Column("days_to_cover", "DTC"),
    Column("sv_ratio", "SV %", priority=4),
    Column("sv_zscore", "SV z", priority=1),
    Column("price_change", "Px %", priority=5),
    Column("settlement", "Settled", priority=6),
)

CORRELATION_COLUMNS: tuple[Column, ...] = (
    Column("name", "Basket", max_width=14, align="left"),
    Column("series", "1y", width=CORRELATION_SPARK_WIDTH, align="left"),
    Column("now", "Now"),
    Column("year_ago", "1y ago", priority=1),
    Column("change", "Chg", priority=2),
)


def sector_rows(rows: Sequence[SectorRow]) -> list[Row]:
    """Sector rows with their flow bars on one scale: the largest flow fills its half."""
    flows = [row.flow_today for row in rows]
    scale = max(
        (abs(flow) for flow in flows if flow is not None and math.isfinite(flow)), default=0.0
    )
    return [sector_row(row, scale) for row in rows]


def cell_text(cell: CellValue) -> str:
    """A cell's characters, without tone or style."""
    if isinstance(cell, Text):
        return cell.plain
    return cell.text if isinstance(cell, Cell) else cell


def plain_table(columns: Sequence[Column], rows: Sequence[Row]) -> list[str]:
    """The rows as aligned plain-text lines under a header line (for `tapewatch snapshot`)."""
    texts = [[cell_text(cell) for cell in row.cells] for row in rows]
    widths = []
    for index, column in enumerate(columns):
        cells = [line[index] for line in texts if index < len(line)]
        widths.append(max([cell_len(column.header), *(cell_len(text) for text in cells)]))

    def line(values: Sequence[str], note: str | None = None) -> str:
        parts = []
        for index, (column, width) in enumerate(zip(columns, widths, strict=True)):
            if index >= len(values):
                if note is not None:
                    parts.append(note)
                break
            text = values[index]
            pad = " " * max(0, width - cell_len(text))
            parts.append(text + pad if column.align == "left" else pad + text)
        return " ".join(parts).rstrip()

    lines = [line([column.header for column in columns])]
    lines += [line(values, row.note) for values, row in zip(texts, rows, strict=True)]
    return lines
