"""The Sector flows pane as plain data: its view model, columns, sort orders, rows and as-of text.

The 11 sectors through their SPDR ETFs: change, strength against the S&P 500, today's flow
estimate (signed dollar volume, with a signed bar) and relative volume; the funds' real flows
(creations and redemptions from their NAV history: the latest published day, 5 and 20 days);
each sector's short pressure (its members' short-volume ratio and z-score, their change in short
interest) and breadth (members up today, above their 50-day average), each lagged figure with its
as-of date.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence
from typing import Literal

from tui.presenters import format as fmt
from tui.presenters.table import (
    AS_OF_PREFIX,
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

FLOW_BAR_HALF_WIDTH = 3  # the bar's narrowest (and `snapshot`'s) half; it grows with the pane
FLOW_BAR_MAX_HALF_WIDTH = 20  # up to this: a wider bar (a zoomed pane) says nothing more
FLOW_CAVEAT = (
    "est today is an estimate (signed dollar volume); flow 1d/5d/20d are the funds' creations "
    "and redemptions"
)


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
    # Real flows, USD: the fund's creations (+) and redemptions (−), the change in its shares
    # outstanding times that day's NAV (splits taken out), from its NAV history — its latest
    # published day (the previous session's until the evening) and the sums of its 5 and 20
    # latest published days, as of fund_flow_as_of.
    fund_flow_1d: float | None = None
    fund_flow_5d: float | None = None
    fund_flow_20d: float | None = None
    fund_flow_as_of: dt.date | None = None
    # Short pressure, from the fund's members (its holdings): their short-sale volume over their
    # total volume on sv_date (volume-weighted), that ratio's z-score against the sector's 20
    # days before, and their change in short interest at settlement_date against the prior
    # settlement — in % weighted by market value, and in USD at the settlement's closes.
    sv_ratio: float | None = None  # 0..1
    sv_zscore: float | None = None
    sv_date: dt.date | None = None
    si_change_pct: float | None = None
    si_change_usd: float | None = None
    settlement_date: dt.date | None = None
    # Breadth: the shares (0..1) of the members up today and above their 50-day average, from
    # their latest prices as of breadth_as_of; members counts them.
    up_share: float | None = None
    above_50d_share: float | None = None
    breadth_as_of: dt.datetime | None = None
    members: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class SectorsView:
    rows: tuple[SectorRow, ...]  # ranked by flow_today, largest inflow first
    benchmark: str  # the S&P 500 symbol relative strength is measured against
    as_of: dt.datetime | None
    # The newest as-of date of each lagged figure among the rows (None: no row has it).
    fund_flow_as_of: dt.date | None = None
    sv_date: dt.date | None = None
    settlement_date: dt.date | None = None


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
        priority=8,
    ),
    Column(
        "flow",
        "est today",
        "today's flow so far, ESTIMATED from the ETF's trading (+ in, − out): signed dollar "
        "volume, the money-flow multiplier ((close − low) − (high − close)) / (high − low) × "
        "volume × typical price. Not fund-flow data: the real flows are the flow columns",
        short="est",
        width=6,
    ),
    Column(
        "bar",
        "est bar",
        "est today as a bar, outflows left of the line and inflows right, on one scale: the "
        "largest flow a sector usually has by this time of day (its mean absolute daily flow "
        "times the share of a day's volume usually traded by now) fills a half, so early in the "
        "day a bar is as short as the flow so far; the bar is as wide as the pane allows, up to "
        f"{2 * FLOW_BAR_MAX_HALF_WIDTH + 1} columns",
        width=2 * FLOW_BAR_HALF_WIDTH + 1,
        grows=True,
        max_width=2 * FLOW_BAR_MAX_HALF_WIDTH + 1,
        align="left",
        priority=4,
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
        priority=9,
    ),
    Column(
        "fund_flow_1d",
        "flow 1d",
        "the fund's REAL flow on its latest published day (the previous session's until its NAV "
        "is posted in the evening; the date is in the subtitle): creations (+) and redemptions "
        "(−), the change in shares outstanding × that day's NAV, from State Street's daily NAV "
        "history file. That day's NAV, not the average of two days': orders are struck at the "
        "day's NAV, so a price move is not counted as flow. A split (shares × a whole number "
        "with net assets unchanged) is not a flow",
        width=7,
    ),
    Column(
        "fund_flow_5d",
        "flow 5d",
        "the fund's real flow summed over its 5 latest published days (as flow 1d)",
        short="5d",
        width=7,
        priority=2,
    ),
    Column(
        "fund_flow_20d",
        "flow 20d",
        "the fund's real flow summed over its 20 latest published days (as flow 1d)",
        short="20d",
        width=7,
        priority=7,
    ),
    Column(
        "sv_ratio",
        "SV %",
        "short pressure: the short-sale volume of the sector's members (the fund's holdings) "
        "over their total volume, volume-weighted, on the latest day of FINRA's Reg SHO file "
        "(date in the subtitle)",
        priority=10,
    ),
    Column(
        "sv_zscore",
        "SV z",
        "that ratio's z-score against the sector's ratios on the 20 trading days before it: "
        "shorts leaning into the sector read high",
        width=5,
        priority=1,
    ),
    Column(
        "si_change",
        "SI chg",
        "the change in the members' short interest at the latest settlement against the prior "
        "one, in %, weighted by each member's market value in the fund (date in the subtitle)",
        width=6,
        priority=6,
    ),
    Column(
        "up_share",
        "Up %",
        "breadth: the share of the sector's members up today (last price above the previous close)",
        short="Up",
        width=4,
        priority=5,
    ),
    Column(
        "above_50d",
        ">50d",
        "breadth: the share of the sector's members whose last price is above the mean of "
        "their 50 previous daily closes, in %",
        priority=11,
    ),
)

SORTS: tuple[SortMode[SectorRow], ...] = (
    SortMode("est today", lambda row: row.flow_today, "flow"),
    SortMode("flow 1d", lambda row: row.fund_flow_1d, "fund_flow_1d"),
    SortMode("flow 5d", lambda row: row.fund_flow_5d, "fund_flow_5d"),
    SortMode("flow 20d", lambda row: row.fund_flow_20d, "fund_flow_20d"),
    SortMode("SV z", lambda row: row.sv_zscore, "sv_zscore"),
    SortMode("SI chg", lambda row: row.si_change_pct, "si_change"),
    SortMode("up %", lambda row: row.up_share, "up_share"),
    SortMode("chg %", lambda row: row.change_pct, "change_pct"),
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
            SignedBar(row.flow_today, flow_scale, tone_for(row.flow_today)),
            rel_volume_text(row),
            toned(fmt.money_flow(row.fund_flow_1d), row.fund_flow_1d),
            toned(fmt.money_flow(row.fund_flow_5d), row.fund_flow_5d),
            toned(fmt.money_flow(row.fund_flow_20d), row.fund_flow_20d),
            fmt.percent(share_percent(row.sv_ratio), 0),
            fmt.zscore(row.sv_zscore),
            toned(fmt.signed_percent(row.si_change_pct), row.si_change_pct),
            fmt.percent(share_percent(row.up_share), 0),
            fmt.percent(share_percent(row.above_50d_share), 0),
        ),
    )


def share_percent(share: float | None) -> float | None:
    """A share (0.25) in percent (25.0)."""
    return None if share is None else share * 100


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


def _lagged_dates(view: SectorsView) -> list[tuple[str, dt.date]]:
    """The lagged figures' names and as-of dates, those the view has."""
    dated = (("flow", view.fund_flow_as_of), ("SV", view.sv_date), ("SI", view.settlement_date))
    return [(name, day) for name, day in dated if day is not None]


class SectorsPresenter(PanePresenter[SectorsView]):
    """What the Sector flows pane and `snapshot` show of a `SectorsView`."""

    title = "Sector flows"
    columns = COLUMNS
    sorts = SORTS

    def rows(self, view: SectorsView, sort: SortMode[SectorRow] | None = None) -> list[Row]:
        """The rows in ``sort``'s order (ranked by today's flow without one)."""
        return sector_rows(ordered(view.rows, sort))

    def as_of_text(self, view: SectorsView) -> str:
        """The time of the newest price, then the dates of the lagged figures: the funds' flows,
        the short-sale volume, the short interest's settlement."""
        parts = [as_of_time(view.as_of)]
        parts += [f"{name} {fmt.short_date(day)}" for name, day in _lagged_dates(view)]
        return " · ".join(parts)

    def short_as_of_text(self, view: SectorsView) -> str:
        """As `as_of_text` in a half-width pane: the time alone ("11:30 ET"), and the lagged
        figures of one date under it ("flow, SV Feb 10 · SI Jan 30")."""
        parts = [as_of_time(view.as_of).removeprefix(AS_OF_PREFIX)]
        names_by_day: dict[dt.date, list[str]] = {}
        for name, day in _lagged_dates(view):
            names_by_day.setdefault(day, []).append(name)
        parts += [
            f"{', '.join(names)} {fmt.short_date(day)}" for day, names in names_by_day.items()
        ]
        return " · ".join(parts)

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
