"""The Sector flows pane as plain data: its view model, columns, sort orders, rows and as-of text.

The 11 sectors through their SPDR ETFs: change, strength against the S&P 500, the estimated flow
today and over 5 days, relative volume, and a signed flow bar.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence

from tui.presenters import format as fmt
from tui.presenters.table import (
    Column,
    PanePresenter,
    Row,
    SortMode,
    as_of_time,
    largest_first,
    ordered,
    toned,
)

FLOW_BAR_HALF_WIDTH = 5
FLOW_CAVEAT = "flow is an estimate (signed dollar volume)"


@dataclasses.dataclass(frozen=True, slots=True)
class SectorRow:
    """One sector through its SPDR ETF."""

    symbol: str  # "XLK"
    sector: str  # "Information Technology"
    change_pct: float | None
    rel_strength: float | None  # change_pct minus the S&P 500's change_pct, percentage points
    flow_today: float | None  # estimated signed dollar volume today, USD
    flow_5d: float | None  # same, summed over the last 5 sessions (today included)
    rel_volume: float | None  # today's volume so far / mean volume of the previous 20 sessions
    as_of: dt.datetime | None
    problem: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class SectorsView:
    rows: tuple[SectorRow, ...]  # ranked by flow_today, largest inflow first
    benchmark: str  # the S&P 500 symbol relative strength is measured against
    as_of: dt.datetime | None


COLUMNS: tuple[Column, ...] = (
    Column("etf", "ETF", align="left"),
    Column("sector", "Sector", max_width=16, align="left", priority=3),
    Column("change_pct", "Chg %"),
    Column("rel_strength", "vs S&P", priority=4),
    Column("flow", "Flow"),
    Column("flow_5d", "Flow 5d", priority=2),
    Column("rel_volume", "RelVol", priority=5),
    Column("bar", "Flow today", width=2 * FLOW_BAR_HALF_WIDTH + 1, align="left", priority=1),
)

SORTS: tuple[SortMode[SectorRow], ...] = (
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


def sector_rows(rows: Sequence[SectorRow]) -> list[Row]:
    """Sector rows with their flow bars on one scale: the largest flow fills its half."""
    flows = [row.flow_today for row in rows]
    scale = max(
        (abs(flow) for flow in flows if flow is not None and math.isfinite(flow)), default=0.0
    )
    return [sector_row(row, scale) for row in rows]


class SectorsPresenter(PanePresenter[SectorsView]):
    """What the Sector flows pane and `snapshot` show of a `SectorsView`."""

    title = "Sector flows"
    columns = COLUMNS
    sorts = SORTS

    def rows(self, view: SectorsView, sort: SortMode[SectorRow] | None = None) -> list[Row]:
        """The rows in ``sort``'s order (ranked by today's flow without one)."""
        return sector_rows(ordered(view.rows, sort))

    def as_of_text(self, view: SectorsView) -> str:
        """The time of the newest price."""
        return as_of_time(view.as_of)

    def headline(self, view: SectorsView) -> str:
        # Plain text has no help screen: say there that the flow is an estimate.
        return f"{self.as_of_text(view)} · {FLOW_CAVEAT}"


PRESENTER = SectorsPresenter()
