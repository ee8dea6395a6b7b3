"""The Most shorted pane as plain data: its view model, columns, sort orders, rows, the as-of
dates of the lagged figures and the legend that explains them.

Short interest as a share of float (or of shares outstanding, marked ᵒ), its change since the
prior settlement, days to cover, and today's short-sale volume against its 20-day norm.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Literal

from tui.presenters import format as fmt
from tui.presenters.extended import ext_cell
from tui.presenters.pricing import price_mark, price_marks_legend
from tui.presenters.table import Cell, Column, PanePresenter, Row, SortMode, ordered, toned

OUTSTANDING_MARK = "ᵒ"
NO_SHORT_DATA = "no short data"


@dataclasses.dataclass(frozen=True, slots=True)
class ShortRow:
    """One name in the Most shorted table."""

    symbol: str
    name: str
    short_pct: float | None  # short interest as % of float (or of shares outstanding, see basis)
    short_pct_basis: Literal["float", "outstanding"] | None
    short_shares: float | None
    short_change_pct: float | None  # vs the prior settlement, percent
    days_to_cover: float | None
    sv_ratio: float | None  # latest day's short volume / total volume, 0..1
    sv_zscore: float | None  # that ratio's z-score against the previous 20 days
    price_change_pct: float | None  # today vs previous close, percent
    settlement_date: dt.date | None  # as-of of the short-interest figures
    sv_date: dt.date | None  # as-of of the short-volume figures
    problem: str | None = None
    last: float | None = None  # the regular session's latest price
    # Pre- and post-market: the extended-hours move from ``last``, in percent, and its session.
    ext_change_pct: float | None = None
    ext_session: str | None = None
    price_source: str | None = None  # who priced ``last`` ("yahoo", "alpaca-iex", ...)


@dataclasses.dataclass(frozen=True, slots=True)
class ShortsView:
    rows: tuple[ShortRow, ...]  # ranked by short_pct, highest first
    settlement_date: dt.date | None
    sv_date: dt.date | None
    as_of: dt.datetime | None


COLUMNS: tuple[Column, ...] = (
    Column("symbol", "Symbol", "the stock's ticker symbol", short="Sym", width=5, align="left"),
    Column(
        "short_pct",
        "SI %",
        "short interest as a percentage of the float, or of shares outstanding where the "
        f"float is unknown (marked {OUTSTANDING_MARK})",
        width=6,
    ),
    Column("short_shares", "Short", "short interest: the shares sold short", width=5, priority=3),
    Column(
        "short_change",
        "SI chg",
        "the change in short interest since the prior settlement, in %",
        width=6,
        priority=2,
    ),
    Column(
        "days_to_cover", "DTC", "days to cover: short interest over average daily volume", width=4
    ),
    Column(
        "sv_ratio",
        "SV %",
        "short-sale volume as a percentage of total volume, on the latest day of FINRA's "
        "Reg SHO file",
        width=4,
        priority=4,
    ),
    Column(
        "sv_zscore",
        "SV z",
        "that percentage's z-score against the 20 trading days before it",
        width=5,
        priority=1,
    ),
    Column(
        "price_change",
        "Px %",
        "today's price change, in %; marked ⁱ or ᶠ when priced by a one-venue trade feed "
        "(Alpaca's IEX, Finnhub), ▴ or ▾ for a moment when a streamed price has just moved it",
        width=6,  # −12.3%, or +1.2%ⁱ priced by one venue
        priority=5,
    ),
    Column(
        "ext",
        "Ext %",
        "pre- or post-market: the extended-hours move from the regular session's close "
        "(`pre +0.35%`); shown in pre and post market only",
        short="Ext",
        width=11,  # post +1.23% (its figures have two decimals)
        # Before Px % and the settlement date: in pre-market "today" is yesterday's session,
        # and the move going on is this one.
        priority=4,
        optional=True,
    ),
    Column(
        "settlement",
        "Settled",
        "the settlement date of the short interest shown",
        width=6,
        priority=6,
    ),
    # Last, so that names arriving longer than expected move no other column.
    Column(
        "name",
        "Name",
        "the company's name, where the pane has room for it",
        width=24,
        min_width=12,
        align="left",
        priority=7,
    ),
)

SORTS: tuple[SortMode[ShortRow], ...] = (
    SortMode("SI %", lambda row: row.short_pct, "short_pct"),
    SortMode("SI chg", lambda row: row.short_change_pct, "short_change"),
    SortMode("DTC", lambda row: row.days_to_cover, "days_to_cover"),
    SortMode("SV z", lambda row: row.sv_zscore, "sv_zscore"),
    SortMode("Px %", lambda row: row.price_change_pct, "price_change"),
    SortMode("symbol", lambda row: row.symbol, "symbol", descending=False),
)


def short_pct_text(row: ShortRow) -> str:
    """Short interest in percent, marked ᵒ when it is of shares outstanding rather than float
    (a space otherwise, so the digits stay aligned)."""
    return short_percent(row.short_pct, row.short_pct_basis)


def short_percent(value: float | None, basis: str | None) -> str:
    """A short-interest percentage, marked ᵒ when ``basis`` is shares outstanding rather than
    float (a space otherwise, so the digits stay aligned)."""
    mark = OUTSTANDING_MARK if basis == "outstanding" else " "
    return f"{fmt.percent(value)}{mark}"


def short_row(row: ShortRow) -> Row:
    """The table row for one name in the Most shorted table."""
    if row.problem is not None:
        return Row(row.symbol, (row.symbol,), note=row.problem)
    return Row(
        row.symbol,
        (
            row.symbol,
            short_pct_text(row),
            fmt.share_count(row.short_shares),
            toned(fmt.signed_percent(row.short_change_pct), row.short_change_pct),
            fmt.days_to_cover(row.days_to_cover),
            fmt.percent(sv_percent(row), 0),
            fmt.zscore(row.sv_zscore),
            toned(
                fmt.signed_percent(row.price_change_pct) + price_mark(row.price_source),
                row.price_change_pct,
            ),
            ext_cell(row.ext_session, None, row.ext_change_pct),
            fmt.short_date(row.settlement_date),
            Cell(row.name, short=fmt.company_short_name(row.name)),
        ),
    )


def sv_percent(row: ShortRow) -> float | None:
    """The short-volume ratio in percent."""
    return None if row.sv_ratio is None else row.sv_ratio * 100


class ShortsPresenter(PanePresenter[ShortsView]):
    """What the Most shorted pane and `snapshot` show of a `ShortsView`."""

    title = "Most shorted"
    columns = COLUMNS
    sorts = SORTS

    def rows(self, view: ShortsView, sort: SortMode[ShortRow] | None = None) -> list[Row]:
        """The rows in ``sort``'s order (ranked by short % without one)."""
        return [short_row(row) for row in ordered(view.rows, sort)]

    def as_of_text(self, view: ShortsView) -> str:
        """The settlement date of the short interest and the day of the short volume."""
        parts = []
        if view.settlement_date is not None:
            parts.append("SI " + fmt.short_date(view.settlement_date))
        if view.sv_date is not None:
            parts.append("SV " + fmt.short_date(view.sv_date))
        return " · ".join(parts) or NO_SHORT_DATA

    def legend(self, view: ShortsView) -> str | None:
        """What the ᵒ mark and the price marks mean, when a row has one (the dates are in the
        pane's subtitle: a legend line repeating them would take a row from the table)."""
        parts = []
        if any(row.short_pct_basis == "outstanding" for row in view.rows):
            parts.append(f"{OUTSTANDING_MARK} % of shares outstanding, not float")
        marks = price_marks_legend(row.price_source for row in view.rows)
        if marks is not None:
            parts.append(marks)
        return " · ".join(parts) or None

    def headline(self, view: ShortsView) -> str:
        # Plain text has no subtitle: the dates, then what the marks mean, head the table.
        dates = (
            f"SI as of {fmt.short_date(view.settlement_date)} · SV {fmt.short_date(view.sv_date)}"
        )
        legend = self.legend(view)
        return dates if legend is None else f"{dates} · {legend}"


PRESENTER = ShortsPresenter()
