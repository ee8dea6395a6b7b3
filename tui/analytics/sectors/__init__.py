"""The Sector flows pane: its figures and the view builder that ranks the sectors.

Two kinds of flow, never mixed: `estimate` holds today's estimate from the ETFs' own trading
(signed dollar volume) and their relative volume; `funds` the funds' real creations and
redemptions from their issuer's NAV history, and per sector its members' short pressure and
breadth. `build_sectors` puts both in one row per sector ETF.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import polars as pl

from tui.analytics.frame_rows import difference, newest, product, rows_by_key
from tui.analytics.market import MarketData
from tui.analytics.returns import latest_quotes, pct_change
from tui.analytics.sectors.estimate import (
    VOLUME_PROFILE,
    VOLUME_SESSIONS,
    SectorFlow,
    SectorQuote,
    mean_daily_volumes,
    money_flow,
    money_flow_multiplier,
    profile_share,
    relative_volumes,
    sector_flows,
    volume_by_time_of_day,
)
from tui.analytics.sectors.funds import (
    MEMBER_SESSIONS,
    NAV_DAYS,
    FundFlowRow,
    fund_figures,
    member_symbols,
)
from tui.analytics.sessions import current_session
from tui.config import Settings
from tui.models import NO_DATA
from tui.presenters.sectors import SectorRow, SectorsView

__all__ = [
    "MEMBER_SESSIONS",
    "NAV_DAYS",
    "VOLUME_PROFILE",
    "VOLUME_SESSIONS",
    "build_sectors",
    "mean_daily_volumes",
    "member_symbols",
    "money_flow",
    "money_flow_multiplier",
    "profile_share",
    "relative_volumes",
    "sector_flows",
    "volume_by_time_of_day",
]


@dataclasses.dataclass(frozen=True, slots=True)
class PressureRow:
    """A row of `sector_short_pressure`; None where unknown."""

    sv_date: dt.date | None = None
    sv_ratio: float | None = None
    sv_zscore: float | None = None
    settlement_date: dt.date | None = None
    si_change_pct: float | None = None
    si_change_usd: float | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class BreadthRow:
    """A row of `sector_breadth`; None where unknown."""

    as_of: dt.datetime | None = None
    members: int | None = None
    up_share: float | None = None
    above_50d_share: float | None = None


def _newest_date(days: list[dt.date | None]) -> dt.date | None:
    known = [day for day in days if day is not None]
    return max(known) if known else None


def build_sectors(data: MarketData, settings: Settings) -> SectorsView:
    """The Sector flows pane, ranked by today's estimated flow, largest inflow first."""
    session = current_session(data.now)
    symbols = [spec.symbol for spec in settings.sectors]
    quotes = latest_quotes(data.quotes, [*symbols, settings.benchmark]).with_columns(
        change_pct=pct_change(pl.col("last"), pl.col("prev_close"))
    )
    by_symbol = rows_by_key(quotes, SectorQuote)
    flows = rows_by_key(sector_flows(quotes, data.daily, symbols, session), SectorFlow)
    summary, pressure, breadth = fund_figures(data, session)
    real_flows = rows_by_key(summary, FundFlowRow, key="fund")
    pressures = rows_by_key(pressure, PressureRow, key="fund")
    breadths = rows_by_key(breadth, BreadthRow, key="fund")
    volumes = relative_volumes(
        data.intraday,
        {
            symbol: (quote.ts, quote.volume)
            for symbol in symbols
            for quote in (by_symbol.get(symbol, SectorQuote()),)
        },
        {symbol: flows.get(symbol, SectorFlow()).mean_volume for symbol in symbols},
        session,
    )
    benchmark_change = by_symbol.get(settings.benchmark, SectorQuote()).change_pct
    rows = []
    for spec in settings.sectors:
        quote = by_symbol.get(spec.symbol, SectorQuote())
        flow = flows.get(spec.symbol, SectorFlow())
        real = real_flows.get(spec.symbol, FundFlowRow())
        shorts = pressures.get(spec.symbol, PressureRow())
        members = breadths.get(spec.symbol, BreadthRow())
        volume = volumes[spec.symbol]
        rows.append(
            SectorRow(
                symbol=spec.symbol,
                sector=spec.name,
                change_pct=quote.change_pct,
                rel_strength=difference(quote.change_pct, benchmark_change),
                flow_today=flow.flow_today,
                flow_5d=flow.flow_5d,
                rel_volume=volume.value,
                as_of=quote.ts,
                # The source's problem stands for the row only when it has no price to show.
                problem=None
                if quote.last is not None
                else data.problems.get(spec.symbol) or NO_DATA,
                rel_volume_basis=volume.basis if volume.value is not None else None,
                rel_volume_sessions=volume.sessions,
                usual_flow=product(flow.mean_abs_flow, volume.day_share),
                fund_flow_1d=real.flow_1d,
                fund_flow_5d=real.flow_5d,
                fund_flow_20d=real.flow_20d,
                fund_flow_as_of=real.as_of,
                sv_ratio=shorts.sv_ratio,
                sv_zscore=shorts.sv_zscore,
                sv_date=shorts.sv_date,
                si_change_pct=shorts.si_change_pct,
                si_change_usd=shorts.si_change_usd,
                settlement_date=shorts.settlement_date,
                up_share=members.up_share,
                above_50d_share=members.above_50d_share,
                breadth_as_of=members.as_of,
                members=members.members,
            )
        )
    # Unknown flows sort last; Python's sort is stable, so ties keep the configured order.
    rows.sort(key=lambda row: (row.flow_today is None, -(row.flow_today or 0.0)))
    return SectorsView(
        rows=tuple(rows),
        benchmark=settings.benchmark,
        as_of=newest([row.as_of for row in rows]),
        fund_flow_as_of=_newest_date([row.fund_flow_as_of for row in rows]),
        sv_date=_newest_date([row.sv_date for row in rows]),
        settlement_date=_newest_date([row.settlement_date for row in rows]),
    )
