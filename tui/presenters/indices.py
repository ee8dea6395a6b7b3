"""The Indices pane as plain data: its view model, columns, sort orders, rows and as-of text.

Indices, rates and the configured baskets (equal-weighted indices): last, change, 5-day and YTD
moves, today's path as a sparkline.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Literal

from tui.presenters import format as fmt
from tui.presenters.extended import ext_cell
from tui.presenters.pricing import price_mark, price_marks_legend
from tui.presenters.table import (
    Cell,
    Column,
    PanePresenter,
    Row,
    SortMode,
    Sparkline,
    as_of_time,
    ordered,
    tone_for,
    toned,
)

SPARK_WIDTH = 8  # the Today column's narrowest (and `snapshot`'s) width; it grows with the pane


@dataclasses.dataclass(frozen=True, slots=True)
class IndexRow:
    """One row of the Indices pane: an index, a rate, or a configured basket."""

    symbol: str  # "^GSPC"; baskets use their `basket_key`, "basket:<name>"
    label: str  # "S&P 500", "Mag 7"
    kind: Literal["index", "yield", "basket"]
    last: float | None
    change: float | None  # vs previous close, in price points (yield points for yields)
    change_pct: float | None  # percent, e.g. -1.25 means -1.25 %; None for yields (see _bp)
    change_5d_pct: float | None
    ytd_pct: float | None
    intraday: tuple[float, ...]  # today's session, oldest first (for the sparkline)
    as_of: dt.datetime | None  # time of the last price
    benchmark: str | None = None  # baskets: symbol the basket is compared with
    rel_5d_pct: float | None = None  # baskets: 5-day % minus the benchmark's 5-day %
    problem: str | None = None  # "not found", "no data": the row has nothing else to show
    # Yields move in basis points (1 bp = 0.01 percentage point): vs the previous close, 5
    # sessions back and the previous year's last close. None for other rows.
    change_bp: float | None = None
    change_5d_bp: float | None = None
    ytd_bp: float | None = None
    intraday_note: str | None = None  # why a row with figures has no intraday series
    # Pre- and post-market: the latest extended-hours price (None for a basket) and its change
    # from the regular session's price, in percent; the session it was made in.
    ext_last: float | None = None
    ext_change_pct: float | None = None
    ext_session: str | None = None
    price_source: str | None = None  # who priced ``last`` ("yahoo", "alpaca-iex", ...)


@dataclasses.dataclass(frozen=True, slots=True)
class IndicesView:
    rows: tuple[IndexRow, ...]
    as_of: dt.datetime | None


COLUMNS: tuple[Column, ...] = (
    Column(
        "name",
        "Name",
        "the index, rate or basket (set in the config's `[[indices]]` and `[[baskets]]`)",
        # Names are whole before a lower-priority column shows (the default baskets' longest).
        width=18,
        min_width=18,
        align="left",
    ),
    Column(
        "last",
        "Last",
        "the latest price or level (a yield in percent); marked ⁱ when it is the last trade on "
        "IEX (Alpaca's feed) or ᶠ on Finnhub's, one venue's price beside Yahoo's consolidated "
        "ones; ▴ or ▾ for a moment when a streamed price has just moved it up or down",
        width=9,  # 25,123.45 (an index), 612.34ⁱ (a fund priced by one venue)
    ),
    Column(
        "change",
        "Chg",
        "the change since the previous session's close, in points (a yield in yield points)",
        width=7,
        priority=3,
    ),
    Column(
        "change_pct",
        "Chg %",
        "that change in percent of the previous close, with ▲ or ▼ (a yield: in bp)",
        width=9,
    ),
    Column(
        "change_5d",
        "5d %",
        "the change since the close five sessions ago, in % (a yield: in bp)",
        width=8,
        priority=2,
    ),
    Column(
        "ytd",
        "YTD %",
        "the change since the last close of the previous year, in % (a yield: in bp)",
        width=8,
        priority=4,
    ),
    Column(
        "intraday",
        "Today",
        "today's path since the open as a sparkline, low to high, as wide as the pane allows; "
        'without intraday bars (an old replay, your own files) it says "no intraday" and the '
        "line under the table why",
        width=SPARK_WIDTH,
        grows=True,
        align="left",
        priority=1,
    ),
    Column(
        "rel_5d",
        "vs bm 5d",
        "baskets only: the basket's 5-day % minus its benchmark's, in percentage points",
        short="vs bm",
        width=6,
        priority=5,
    ),
    Column(
        "ext",
        "Ext",
        "pre- or post-market: the latest extended-hours price and its change from the regular "
        "session's close (`post 412.40 +0.35%`; a basket: `pre +0.35%`); shown in pre and "
        "post market only",
        width=11,  # a basket's `post +0.35%`: indices do not trade then
        priority=6,
        optional=True,
    ),
)

SORTS: tuple[SortMode[IndexRow], ...] = (
    SortMode("order", None, descending=False),
    SortMode("chg %", lambda row: row.change_pct, "change_pct"),
    SortMode("5d %", lambda row: row.change_5d_pct, "change_5d"),
    SortMode("YTD", lambda row: row.ytd_pct, "ytd"),
)


NO_INTRADAY_CELL = "no intraday"


def _moves(row: IndexRow) -> tuple[Cell, Cell, Cell]:
    """The change, 5-day and YTD cells: in percent, or in basis points for a yield."""
    if row.kind == "yield":
        return (
            toned(fmt.basis_points_change(row.change_bp), row.change_bp),
            toned(fmt.basis_points(row.change_5d_bp), row.change_5d_bp),
            toned(fmt.basis_points(row.ytd_bp), row.ytd_bp),
        )
    return (
        toned(fmt.percent_change(row.change_pct), row.change_pct),
        toned(fmt.signed_percent(row.change_5d_pct), row.change_5d_pct),
        toned(fmt.signed_percent(row.ytd_pct), row.ytd_pct),
    )


def _today(row: IndexRow) -> Cell | Sparkline:
    if row.intraday_note is not None:
        return Cell(NO_INTRADAY_CELL, "muted")
    return Sparkline(row.intraday, tone_for(row.change))


def index_row(row: IndexRow) -> Row:
    """The table row for one index, yield or basket."""
    if row.problem is not None:
        return Row(row.symbol, (row.label,), note=row.problem)
    decimals = 3 if row.kind == "yield" else 2
    change, change_5d, ytd = _moves(row)
    return Row(
        row.symbol,
        (
            row.label,
            fmt.price(row.last, decimals) + price_mark(row.price_source),
            toned(fmt.signed(row.change, decimals), row.change),
            change,
            change_5d,
            ytd,
            _today(row),
            toned(fmt.signed_percent(row.rel_5d_pct), row.rel_5d_pct)
            if row.kind == "basket"
            else "",
            ext_cell(row.ext_session, row.ext_last, row.ext_change_pct, decimals),
        ),
    )


def intraday_legend(view: IndicesView) -> str | None:
    """Why Today cells are empty ("Today: no intraday bars on 2026-01-20"), None when none is."""
    notes = [row.intraday_note for row in view.rows if row.intraday_note is not None]
    if not notes:
        return None
    return "Today: " + " · ".join(dict.fromkeys(notes))


class IndicesPresenter(PanePresenter[IndicesView]):
    """What the Indices pane and `snapshot` show of an `IndicesView`."""

    title = "Indices"
    columns = COLUMNS
    sorts = SORTS

    def rows(self, view: IndicesView, sort: SortMode[IndexRow] | None = None) -> list[Row]:
        """The rows in ``sort``'s order (the configured order without one)."""
        return [index_row(row) for row in ordered(view.rows, sort)]

    def as_of_text(self, view: IndicesView) -> str:
        """The time of the newest price."""
        return as_of_time(view.as_of)

    def legend(self, view: IndicesView) -> str | None:
        """Why Today cells are empty, when some are; what a price's mark means, when one has
        one."""
        parts = [
            intraday_legend(view),
            price_marks_legend(row.price_source for row in view.rows),
        ]
        return " · ".join(part for part in parts if part) or None

    def headline(self, view: IndicesView) -> str:
        # Plain text has no legend line: what it would say follows the as-of.
        legend = self.legend(view)
        return self.as_of_text(view) if legend is None else f"{self.as_of_text(view)} · {legend}"


PRESENTER = IndicesPresenter()
