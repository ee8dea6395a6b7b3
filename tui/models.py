"""View models: what the analytics hand to the panes, the drill-down and `tapewatch snapshot`.

Plain frozen dataclasses of Python values (no polars, no textual) so that widgets can render them,
messages can carry them between threads, and `snapshot --json` can print them. Every figure that
comes with a publication lag carries its own as-of date. ``None`` means "not available" and is shown
as such, never as zero.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from enum import StrEnum
from typing import Any, Literal


class Pane(StrEnum):
    """The dashboard's panes; also the keys of `snapshot --json`."""

    INDICES = "indices"
    SECTORS = "sectors"
    SHORTS = "shorts"
    CORRELATIONS = "correlations"


PANE_TITLES: dict[Pane, str] = {
    Pane.INDICES: "Indices",
    Pane.SECTORS: "Sector flows",
    Pane.SHORTS: "Most shorted",
    Pane.CORRELATIONS: "Correlations",
}


@dataclasses.dataclass(frozen=True, slots=True)
class IndexRow:
    """One row of the Indices pane: an index, a rate, or a configured basket."""

    symbol: str  # "^GSPC"; baskets use "basket:<name>"
    label: str  # "S&P 500", "Mag 7"
    kind: Literal["index", "yield", "basket"]
    last: float | None
    change: float | None  # vs previous close, in price points (yield points for yields)
    change_pct: float | None  # percent, e.g. -1.25 means -1.25 %
    change_5d_pct: float | None
    ytd_pct: float | None
    intraday: tuple[float, ...]  # today's session, oldest first (for the sparkline)
    as_of: dt.datetime | None  # time of the last price
    benchmark: str | None = None  # baskets: symbol the basket is compared with
    rel_5d_pct: float | None = None  # baskets: 5-day % minus the benchmark's 5-day %
    problem: str | None = None  # "not found", "no data": the row is shown, marked


@dataclasses.dataclass(frozen=True, slots=True)
class IndicesView:
    rows: tuple[IndexRow, ...]
    as_of: dt.datetime | None


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


@dataclasses.dataclass(frozen=True, slots=True)
class ShortsView:
    rows: tuple[ShortRow, ...]  # ranked by short_pct, highest first
    settlement_date: dt.date | None
    sv_date: dt.date | None
    as_of: dt.datetime | None


@dataclasses.dataclass(frozen=True, slots=True)
class CorrelationLine:
    """A rolling correlation series: a basket's average pairwise correlation, or one member's
    correlation to its peers (the mean of its rolling pairwise correlations with the others)."""

    label: str  # basket name or member symbol
    series: tuple[float, ...]  # one value per trading day over the last year, oldest first
    now: float | None
    year_ago: float | None
    problem: str | None = None  # a member the source could not give: "not found", "no data"


@dataclasses.dataclass(frozen=True, slots=True)
class BasketCorrelations:
    name: str
    symbols: tuple[str, ...]
    average: CorrelationLine
    members: tuple[CorrelationLine, ...]  # sorted by `now`, lowest (most broken away) first


@dataclasses.dataclass(frozen=True, slots=True)
class CorrelationsView:
    baskets: tuple[BasketCorrelations, ...]
    window: int  # trading days in the rolling window
    as_of: dt.date | None  # last daily bar used


PaneView = IndicesView | SectorsView | ShortsView | CorrelationsView


@dataclasses.dataclass(frozen=True, slots=True)
class PricePoint:
    ts: dt.datetime
    close: float
    volume: float | None


ChartRange = Literal["1D", "5D", "1M", "6M", "1Y"]
CHART_RANGES: tuple[ChartRange, ...] = ("1D", "5D", "1M", "6M", "1Y")


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


HealthState = Literal["ok", "retrying", "rate_limited", "offline", "unavailable"]


@dataclasses.dataclass(frozen=True, slots=True)
class DatasetFreshness:
    """How old one dataset is, for the status bar."""

    name: str  # "quotes", "bars", "short interest", ...
    age_s: float | None  # seconds since it was last refreshed; None: never loaded
    stale: bool  # older than twice its refresh cadence


@dataclasses.dataclass(frozen=True, slots=True)
class SourceHealth:
    """One source's state: ok, retrying in N s, rate-limited until hh:mm, offline."""

    name: str  # "demo", "yahoo", "finra", "sec", "files"
    state: HealthState
    until: dt.datetime | None = None  # next attempt (retrying) or end of the rate limit
    detail: str = ""  # the last error in plain words


@dataclasses.dataclass(frozen=True, slots=True)
class StatusView:
    """Everything the status bar shows."""

    source_label: str  # "DEMO", "LIVE", "FILES", "REPLAY 2026-02-05"
    is_demo: bool
    session: str  # a market session: "pre", "regular", "post", "closed"
    market_time: dt.datetime  # aware; shown in New York time (the demo market has its own clock)
    wall_time: dt.datetime  # aware; what SourceHealth.until and the dataset ages are measured on
    datasets: tuple[DatasetFreshness, ...]
    health: tuple[SourceHealth, ...]
    note: str | None = None  # e.g. "live sources unreachable: showing cached data"


def to_jsonable(value: Any) -> Any:
    """A view model as JSON-ready Python values: dates as ISO strings, NaN as None."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, tuple | list):
        return [to_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    return value
