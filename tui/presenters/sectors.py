"""The Sector flows pane as plain data: its view model, columns, sort orders, rows and as-of text.

The 11 sectors through their SPDR ETFs: change, strength against the S&P 500, the estimated flow
today and over 5 days, relative volume, and a signed flow bar.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence
from typing import Literal

from tui.presenters import format as fmt
from tui.presenters.table import (
    Cell,
    Column,
    PanePresenter,
    Row,
    SignedBar,
    SortMode,
    as_of_time,
    ordered,
    tone_for,
    toned,
)

FLOW_BAR_HALF_WIDTH = 5  # the bar's narrowest (and `snapshot`'s) half; it grows with the pane
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
    rel_volume: float | None  # today's volume so far / the usual volume by this time of day
    as_of: dt.datetime | None
    problem: str | None = None
    # How rel_volume was measured: "intraday" against the previous sessions' intraday bars up to
    # the same time of day (rel_volume_sessions of them), "profile" against the mean daily volume
    # times a typical intraday volume profile (an estimate: no earlier intraday bars), "day"
    # whole days against whole days (at or after the close).
    rel_volume_basis: Literal["intraday", "profile", "day"] | None = None
    rel_volume_sessions: int = 0
    # The size of flow this ETF usually has by this time of day: the mean absolute daily flow of
    # the previous 20 sessions times the share of a day's volume usually traded by now.
    usual_flow: float | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class SectorsView:
    rows: tuple[SectorRow, ...]  # ranked by flow_today, largest inflow first
    benchmark: str  # the S&P 500 symbol relative strength is measured against
    as_of: dt.datetime | None


# Short forms of the long GICS names, shown where the Sector column is too narrow for the names.
SECTOR_SHORT_NAMES = {
    "Information Technology": "Info Tech",
    "Consumer Discretionary": "Cons Discr",
    "Consumer Staples": "Cons Staples",
    "Communication Services": "Comm Svcs",
}

COLUMNS: tuple[Column, ...] = (
    Column("etf", "ETF", "the sector's SPDR ETF", width=4, align="left"),
    Column(
        "sector",
        "Sector",
        "the GICS sector (Info Tech, Cons Discr, Cons Staples, Comm Svcs where the pane is narrow)",
        width=22,
        min_width=12,
        align="left",
        priority=3,
    ),
    Column(
        "change_pct", "Chg %", "the change since the previous close, in %, with ▲ or ▼", width=8
    ),
    Column(
        "rel_strength",
        "vs S&P",
        "relative strength: the sector's Chg % minus the S&P 500's, in percentage points",
        short="RS",
        width=5,
        priority=4,
    ),
    Column("flow", "Flow", "today's estimated flow in dollars (+ in, − out)", width=6),
    Column(
        "flow_5d",
        "Flow 5d",
        "the estimated flow summed over the last five sessions, today included",
        short="5d",
        width=6,
        priority=2,
    ),
    Column(
        "rel_volume",
        "RelVol",
        "relative volume: today's volume so far over the volume usually traded by the same "
        "time of day — the mean of the previous 20 sessions' intraday bars up to that time (as "
        "many as the source keeps: the demo keeps 10); after the close, whole days against the "
        "20-session mean. Without earlier intraday bars it is estimated from the mean daily "
        "volume and a typical U-shaped intraday volume profile, and marked ≈ (1.0× is a normal "
        "day)",
        short="RVol",
        width=5,
        priority=5,
    ),
    Column(
        "bar",
        "Flow today",
        "today's flow as a bar, outflows left of the line and inflows right, on one scale: the "
        "largest flow a sector usually has by this time of day (its mean absolute daily flow "
        "times the share of a day's volume usually traded by now) fills a half, so early in the "
        "day a bar is as short as the flow so far; the bar is as wide as the pane allows",
        width=2 * FLOW_BAR_HALF_WIDTH + 1,
        grows=True,
        align="left",
        priority=1,
    ),
)

SORTS: tuple[SortMode[SectorRow], ...] = (
    SortMode("flow", lambda row: row.flow_today, "flow"),
    SortMode("chg %", lambda row: row.change_pct, "change_pct"),
    SortMode("5d flow", lambda row: row.flow_5d, "flow_5d"),
    SortMode("rel vol", lambda row: row.rel_volume, "rel_volume"),
)


ESTIMATE_MARK = "≈"
PROFILE_LEGEND = (
    f"{ESTIMATE_MARK} RelVol from a typical intraday volume profile (no earlier intraday bars)"
)


def rel_volume_text(row: SectorRow) -> str:
    """Relative volume, marked ≈ when it rests on the typical volume profile rather than on
    earlier sessions' intraday bars."""
    return relative_volume_figure(row.rel_volume, row.rel_volume_basis)


def relative_volume_figure(value: float | None, basis: str | None) -> str:
    """A relative volume ("1.8×"), marked ≈ when ``basis`` is the typical volume profile."""
    text = fmt.ratio(value)
    return f"{ESTIMATE_MARK}{text}" if basis == "profile" else text


def sector_name(row: SectorRow) -> Cell:
    """The sector's name, with its short form when it has one."""
    return Cell(row.sector, short=SECTOR_SHORT_NAMES.get(row.sector))


def sector_row(row: SectorRow, flow_scale: float) -> Row:
    """The table row for one sector ETF; the flow bar is scaled so ``flow_scale`` fills a half."""
    if row.problem is not None:
        return Row(row.symbol, (row.symbol, sector_name(row)), note=row.problem)
    return Row(
        row.symbol,
        (
            row.symbol,
            sector_name(row),
            toned(fmt.percent_change(row.change_pct), row.change_pct),
            toned(fmt.signed(row.rel_strength), row.rel_strength),
            toned(fmt.money_flow(row.flow_today), row.flow_today),
            toned(fmt.money_flow(row.flow_5d), row.flow_5d),
            rel_volume_text(row),
            SignedBar(row.flow_today, flow_scale, tone_for(row.flow_today)),
        ),
    )


def _largest(values: Sequence[float | None]) -> float:
    return max((abs(v) for v in values if v is not None and math.isfinite(v)), default=0.0)


def flow_bar_scale(rows: Sequence[SectorRow]) -> float:
    """The flow that fills a bar's half: the largest flow the sectors usually see by this time of
    day, so a bar early in the session is as short as the flow so far (today's largest flow when
    no sector has a usual flow)."""
    return _largest([row.usual_flow for row in rows]) or _largest([row.flow_today for row in rows])


def sector_rows(rows: Sequence[SectorRow]) -> list[Row]:
    """Sector rows with their flow bars on one scale (`flow_bar_scale`)."""
    scale = flow_bar_scale(rows)
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

    def legend(self, view: SectorsView) -> str | None:
        """What ≈ means, when a relative volume is marked with it."""
        if any(row.rel_volume_basis == "profile" for row in view.rows):
            return PROFILE_LEGEND
        return None

    def headline(self, view: SectorsView) -> str:
        # Plain text has no help screen: say there that the flow is an estimate.
        legend = self.legend(view)
        caveat = FLOW_CAVEAT if legend is None else f"{FLOW_CAVEAT} · {legend}"
        return f"{self.as_of_text(view)} · {caveat}"


PRESENTER = SectorsPresenter()
