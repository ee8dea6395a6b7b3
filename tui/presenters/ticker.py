"""The drill-down's view model: everything it shows for one ticker, by chart range, and which of
its sections apply (an index has no short interest, an ETF lists its sector's stocks)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Literal

from tui.presenters.correlations import CorrelationLine
from tui.presenters.shorts import ShortRow

ChartRange = Literal["1D", "5D", "1M", "6M", "1Y"]
CHART_RANGES: tuple[ChartRange, ...] = ("1D", "5D", "1M", "6M", "1Y")

TickerKind = Literal["stock", "etf", "index", "yield"]

# The parts of the drill-down below its key numbers; each view lists those that apply to it.
Section = Literal[
    "price", "volume", "fund_flows", "short_interest", "short_volume", "correlation", "members"
]


@dataclasses.dataclass(frozen=True, slots=True)
class PricePoint:
    ts: dt.datetime
    close: float
    volume: float | None
    session: str = "regular"  # intraday bars: "pre", "regular" or "post" market


@dataclasses.dataclass(frozen=True, slots=True)
class MemberQuote:
    """One stock of an ETF's sector, as the drill-down lists it."""

    symbol: str
    name: str
    last: float | None
    change_pct: float | None


@dataclasses.dataclass(frozen=True, slots=True)
class FundFlows:
    """A fund's real flows: its creations (+) and redemptions (−) in USD, the change in its shares
    outstanding times that day's NAV, from its issuer's NAV history (see the Sector flows pane)."""

    daily: tuple[tuple[dt.date, float], ...]  # per published day over the chart range, oldest first
    flow_1d: float | None  # the latest published day's
    flow_5d: float | None  # summed over the 5 latest published days
    flow_20d: float | None  # and the 20 latest
    as_of: dt.date | None  # the latest published day


@dataclasses.dataclass(frozen=True, slots=True)
class TickerView:
    """Everything the drill-down shows for one symbol."""

    symbol: str
    name: str
    sector: str | None
    last: float | None
    change: float | None
    change_pct: float | None
    prev_close: float | None
    day_open: float | None
    day_high: float | None
    day_low: float | None
    volume: float | None
    as_of: dt.datetime | None
    chart_range: ChartRange
    prices: tuple[PricePoint, ...]  # for chart_range, oldest first
    short: ShortRow | None  # latest short metrics, None when the source has none
    short_history: tuple[tuple[dt.date, float], ...]  # (settlement date, short shares)
    sv_ratio_history: tuple[tuple[dt.date, float], ...]  # (date, short volume / total volume)
    correlation: CorrelationLine | None  # to its peers in `peer_group`
    peer_group: str | None  # "Mag 7", or its sector ETF when it is in no basket
    kind: TickerKind = "stock"
    sections: tuple[Section, ...] = ("price", "volume", "short_interest", "short_volume")
    change_bp: float | None = None  # yields: the change in basis points
    low_52w: float | None = None  # the lowest low (or close) of the last 52 weeks
    high_52w: float | None = None
    members: tuple[MemberQuote, ...] = ()  # an ETF: its sector's stocks, best change first
    members_of: str | None = None  # the sector those members are of
    fund_flows: FundFlows | None = None  # a fund with a NAV history: its real flows
    # Pre- and post-market: the latest extended-hours price, its change from ``last`` (the
    # regular session's price) in percent, and its session ("pre" or "post").
    ext_last: float | None = None
    ext_change_pct: float | None = None
    ext_session: str | None = None

    def shows(self, section: Section) -> bool:
        """Whether the drill-down shows ``section`` for this ticker."""
        return section in self.sections
