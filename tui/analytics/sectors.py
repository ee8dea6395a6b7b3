"""The Sector flows pane: flow estimates and the view builder that ranks the sectors by them.

A flow is an estimate, not fund-flow data: signed dollar volume from where each session closed
within its range. A session that closes at its high counts all its dollar volume as inflow, one
that closes at its low as outflow.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection

import polars as pl

from tui.analytics.frame_rows import difference, newest, rows_by_key
from tui.analytics.market import MarketData
from tui.analytics.returns import latest_quotes, pct_change
from tui.analytics.sessions import bar_date, current_session, sessions_before
from tui.config import Settings
from tui.models import NO_DATA
from tui.presenters.sectors import SectorRow, SectorsView

FLOW_SESSIONS = 5  # flow_5d sums today and the 4 sessions before it
VOLUME_SESSIONS = 20  # relative volume compares with the mean of this many previous sessions


def money_flow_multiplier(high: pl.Expr, low: pl.Expr, close: pl.Expr) -> pl.Expr:
    """((C-L)-(H-C))/(H-L): +1 at the high, -1 at the low, 0 when H == L."""
    return pl.when(high == low).then(0.0).otherwise(((close - low) - (high - close)) / (high - low))


def money_flow(high: pl.Expr, low: pl.Expr, close: pl.Expr, volume: pl.Expr) -> pl.Expr:
    """Signed dollar volume: money-flow multiplier x volume x typical price (H+L+C)/3."""
    return money_flow_multiplier(high, low, close) * volume * (high + low + close) / 3.0


def sector_flows(
    quotes: pl.DataFrame, daily: pl.DataFrame, symbols: Collection[str], session: dt.date
) -> pl.DataFrame:
    """Flow today from the quote; flow 5d adds the 4 previous sessions; rel. volume vs 20 sessions.

    Per symbol with a quote: ``flow_today`` (the quote's high, low, last and volume); ``flow_5d``,
    null unless all 4 previous daily bars give a flow; ``rel_volume``, today's volume / the mean
    volume of the daily bars of the previous 20 sessions."""
    flow_window = sessions_before(session, FLOW_SESSIONS - 1)
    volume_window = sessions_before(session, VOLUME_SESSIONS)
    start = dt.datetime.combine(volume_window[0], dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(session, dt.time(), tzinfo=dt.UTC)
    bar_flow = money_flow(pl.col("high"), pl.col("low"), pl.col("close"), pl.col("volume"))
    in_flow_window = pl.col("date") >= flow_window[0]
    history = (
        daily.lazy()
        .filter(
            pl.col("symbol").is_in(list(symbols)),
            pl.col("ts") >= start,
            pl.col("ts") < end,
        )
        .with_columns(bar_date(), flow=bar_flow)
        .group_by("symbol")
        .agg(
            previous_flow=pl.col("flow").filter(in_flow_window).sum(),
            previous_flow_days=pl.col("flow").filter(in_flow_window).count(),
            mean_volume=pl.col("volume").mean(),
        )
    )
    today_flow = money_flow(pl.col("high"), pl.col("low"), pl.col("last"), pl.col("volume"))
    return (
        quotes.lazy()
        .filter(pl.col("symbol").is_in(list(symbols)))
        .join(history, on="symbol", how="left")
        .select(
            "symbol",
            flow_today=today_flow,
            flow_5d=pl.when(pl.col("previous_flow_days") == FLOW_SESSIONS - 1).then(
                today_flow + pl.col("previous_flow")
            ),
            rel_volume=pl.when(pl.col("mean_volume") > 0).then(
                pl.col("volume") / pl.col("mean_volume")
            ),
        )
        .collect()
    )


@dataclasses.dataclass(frozen=True, slots=True)
class SectorQuote:
    """What the pane reads of an ETF's latest quote; None where unknown."""

    ts: dt.datetime | None = None
    last: float | None = None
    change_pct: float | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class SectorFlow:
    """A row of `sector_flows`; None where unknown."""

    flow_today: float | None = None
    flow_5d: float | None = None
    rel_volume: float | None = None


def build_sectors(data: MarketData, settings: Settings) -> SectorsView:
    """The Sector flows pane, ranked by today's estimated flow, largest inflow first."""
    session = current_session(data.now)
    symbols = [spec.symbol for spec in settings.sectors]
    quotes = latest_quotes(data.quotes, [*symbols, settings.benchmark]).with_columns(
        change_pct=pct_change(pl.col("last"), pl.col("prev_close"))
    )
    by_symbol = rows_by_key(quotes, SectorQuote)
    flows = rows_by_key(sector_flows(quotes, data.daily, symbols, session), SectorFlow)
    benchmark_change = by_symbol.get(settings.benchmark, SectorQuote()).change_pct
    rows = []
    for spec in settings.sectors:
        quote = by_symbol.get(spec.symbol, SectorQuote())
        flow = flows.get(spec.symbol, SectorFlow())
        rows.append(
            SectorRow(
                symbol=spec.symbol,
                sector=spec.name,
                change_pct=quote.change_pct,
                rel_strength=difference(quote.change_pct, benchmark_change),
                flow_today=flow.flow_today,
                flow_5d=flow.flow_5d,
                rel_volume=flow.rel_volume,
                as_of=quote.ts,
                problem=data.problems.get(spec.symbol)
                or (None if quote.last is not None else NO_DATA),
            )
        )
    # Unknown flows sort last; Python's sort is stable, so ties keep the configured order.
    rows.sort(key=lambda row: (row.flow_today is None, -(row.flow_today or 0.0)))
    return SectorsView(
        rows=tuple(rows),
        benchmark=settings.benchmark,
        as_of=newest([row.as_of for row in rows]),
    )
