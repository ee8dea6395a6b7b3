"""The view-model builders: market frames in, the panes' and the drill-down's view models out.

The feed, the drill-down and `tapewatch snapshot` all call these, so every figure is computed in
one place. Pure functions: no I/O, no textual, no clock other than ``MarketData.now``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from tui.analytics.correlation import (
    correlation_line,
    daily_log_returns,
    group_average,
    member_to_peers,
    pairwise_correlations,
)
from tui.analytics.flows import sector_flows
from tui.analytics.market import MarketData
from tui.analytics.returns import (
    YIELD_SYMBOLS,
    basket_intraday_returns,
    basket_membership,
    basket_quotes,
    latest_quotes,
    latest_session_bars,
    pct_change,
    previous_closes,
    quote_changes,
    reference_closes,
)
from tui.analytics.sessions import current_session, last_completed_session
from tui.analytics.shorts import (
    at_latest_settlement,
    latest_settlements,
    rank_by_short_pct,
    short_metrics,
    short_volume_stats,
    sv_ratio_history,
)
from tui.config import Basket, IndexSpec, Settings, ShortedSettings
from tui.models import (
    BasketCorrelations,
    ChartRange,
    CorrelationLine,
    CorrelationsView,
    IndexRow,
    IndicesView,
    PricePoint,
    SectorRow,
    SectorsView,
    ShortRow,
    ShortsView,
    TickerView,
)

NO_DATA = "no data"

INTRADAY_SESSIONS: Mapping[ChartRange, int] = {"1D": 1, "5D": 5}
DAILY_SESSIONS: Mapping[ChartRange, int] = {"1M": 21, "6M": 126, "1Y": 252}

Row = dict[str, Any]


def _difference(left: float | None, right: float | None) -> float | None:
    return None if left is None or right is None else left - right


def _newest(moments: Sequence[dt.datetime | None]) -> dt.datetime | None:
    known = [moment for moment in moments if moment is not None]
    return max(known) if known else None


def _by_symbol(frame: pl.DataFrame) -> dict[str, Row]:
    return {row["symbol"]: row for row in frame.iter_rows(named=True)}


def _unique(symbols: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(symbols))


# ---------------------------------------------------------------------------------------- indices


def build_indices(data: MarketData, settings: Settings) -> IndicesView:
    """The Indices pane: each configured index or rate, then each basket as an equal-weight index.

    Rows without data are kept and marked "no data" (or with the problem the source gave)."""
    session = current_session(data.now)
    symbols = {spec.symbol for spec in settings.indices}
    for basket in settings.baskets:
        symbols.update(basket.symbols)
        if basket.benchmark is not None:
            symbols.add(basket.benchmark)
    quotes = latest_quotes(data.quotes, symbols)
    closes = previous_closes(data.daily, symbols, session)
    changes = _by_symbol(quote_changes(quotes, reference_closes(closes, session)))
    bars = latest_session_bars(data.intraday, symbols)
    intraday: dict[str, tuple[float, ...]] = {
        symbol: tuple(values) for symbol, values in bars.group_by("symbol").agg("close").iter_rows()
    }
    rows = [
        _index_row(spec, changes.get(spec.symbol), intraday.get(spec.symbol, ()), data.problems)
        for spec in settings.indices
    ]
    membership = basket_membership({basket.name: basket.symbols for basket in settings.baskets})
    baskets = {
        row["basket"]: row
        for row in basket_quotes(closes, quotes, membership, session).iter_rows(named=True)
    }
    basket_intraday: dict[str, list[float]] = {
        name: values
        for name, values in basket_intraday_returns(bars, quotes, membership)
        .group_by("basket", maintain_order=True)
        .agg("ret")
        .iter_rows()
    }
    for basket in settings.baskets:
        benchmark = changes.get(basket.benchmark, {}) if basket.benchmark is not None else {}
        rows.append(
            _basket_row(
                basket,
                baskets[basket.name],
                basket_intraday.get(basket.name, []),
                benchmark.get("change_5d_pct"),
                data.problems,
            )
        )
    return IndicesView(rows=tuple(rows), as_of=_newest([row.as_of for row in rows]))


def _index_row(
    spec: IndexSpec,
    quote: Row | None,
    intraday: tuple[float, ...],
    problems: Mapping[str, str],
) -> IndexRow:
    quote = quote or {}
    return IndexRow(
        symbol=spec.symbol,
        label=spec.label,
        kind="yield" if spec.symbol in YIELD_SYMBOLS else "index",
        last=quote.get("last"),
        change=quote.get("change"),
        change_pct=quote.get("change_pct"),
        change_5d_pct=quote.get("change_5d_pct"),
        ytd_pct=quote.get("ytd_pct"),
        intraday=intraday,
        as_of=quote.get("ts"),
        problem=problems.get(spec.symbol) or (None if quote.get("last") is not None else NO_DATA),
    )


def _basket_row(
    basket: Basket,
    quote: Row,
    intraday_returns: Sequence[float],
    benchmark_5d_pct: float | None,
    problems: Mapping[str, str],
) -> IndexRow:
    symbol = f"basket:{basket.name}"
    previous_level: float = quote["previous_level"]
    return IndexRow(
        symbol=symbol,
        label=basket.name,
        kind="basket",
        last=quote["last"],
        change=quote["change"],
        change_pct=quote["change_pct"],
        change_5d_pct=quote["change_5d_pct"],
        ytd_pct=quote["ytd_pct"],
        intraday=tuple(previous_level * (1.0 + value) for value in intraday_returns),
        as_of=quote["ts"],
        benchmark=basket.benchmark,
        rel_5d_pct=_difference(quote["change_5d_pct"], benchmark_5d_pct),
        problem=problems.get(symbol) or (None if quote["last"] is not None else NO_DATA),
    )


# ---------------------------------------------------------------------------------------- sectors


def build_sectors(data: MarketData, settings: Settings) -> SectorsView:
    """The Sector flows pane, ranked by today's estimated flow, largest inflow first."""
    session = current_session(data.now)
    symbols = [spec.symbol for spec in settings.sectors]
    quotes = latest_quotes(data.quotes, [*symbols, settings.benchmark]).with_columns(
        change_pct=pct_change(pl.col("last"), pl.col("prev_close"))
    )
    by_symbol = _by_symbol(quotes)
    flows = _by_symbol(sector_flows(quotes, data.daily, symbols, session))
    benchmark_change = by_symbol.get(settings.benchmark, {}).get("change_pct")
    rows = []
    for spec in settings.sectors:
        quote = by_symbol.get(spec.symbol, {})
        flow = flows.get(spec.symbol, {})
        rows.append(
            SectorRow(
                symbol=spec.symbol,
                sector=spec.name,
                change_pct=quote.get("change_pct"),
                rel_strength=_difference(quote.get("change_pct"), benchmark_change),
                flow_today=flow.get("flow_today"),
                flow_5d=flow.get("flow_5d"),
                rel_volume=flow.get("rel_volume"),
                as_of=quote.get("ts"),
                problem=data.problems.get(spec.symbol)
                or (None if quote.get("last") is not None else NO_DATA),
            )
        )
    # Unknown flows sort last; Python's sort is stable, so ties keep the configured order.
    rows.sort(key=lambda row: (row.flow_today is None, -(row.flow_today or 0.0)))
    return SectorsView(
        rows=tuple(rows),
        benchmark=settings.benchmark,
        as_of=_newest([row.as_of for row in rows]),
    )


# ----------------------------------------------------------------------------------------- shorts


def _short_universe(data: MarketData, shorted: ShortedSettings) -> pl.DataFrame:
    """Short metrics of the names the table may show, ranked, before the price filter."""
    if shorted.universe == "watchlist":
        watchlist = _unique(shorted.watchlist)
        metrics = short_metrics(latest_settlements(data.short_interest, watchlist), data.shares)
        listed = pl.DataFrame({"symbol": watchlist}, schema={"symbol": pl.String()})
        return rank_by_short_pct(listed.join(metrics, on="symbol", how="left"))
    settled = at_latest_settlement(data.short_interest).filter(
        pl.col("avg_daily_volume") >= shorted.min_avg_volume
    )
    metrics = short_metrics(settled, data.shares).filter(
        pl.col("share_base").is_null() | (pl.col("share_base") >= shorted.min_float)
    )
    return rank_by_short_pct(metrics)


def short_candidates(data: MarketData, settings: Settings, count: int) -> list[str]:
    """Symbols to quote for Most shorted: the top ``count`` by short %, before the price filter."""
    universe = _short_universe(data, settings.shorted)
    return universe.get_column("symbol").head(count).to_list()


def _with_prices(metrics: pl.DataFrame, quotes: pl.DataFrame) -> pl.DataFrame:
    prices = latest_quotes(quotes, metrics.get_column("symbol").to_list()).select(
        "symbol",
        "last",
        quote_ts="ts",
        price_change_pct=pct_change(pl.col("last"), pl.col("prev_close")),
    )
    return metrics.join(prices, on="symbol", how="left", maintain_order="left")


def _short_rows(metrics: pl.DataFrame, data: MarketData) -> list[ShortRow]:
    """Rows of the Most shorted table for priced metrics, in the frame's order."""
    stats = short_volume_stats(data.short_volume, metrics.get_column("symbol").to_list())
    frame = metrics.join(stats, on="symbol", how="left", maintain_order="left")
    rows = []
    for row in frame.iter_rows(named=True):
        symbol = row["symbol"]
        known = data.info.get(symbol)
        has_data = row["settlement_date"] is not None or row["sv_date"] is not None
        rows.append(
            ShortRow(
                symbol=symbol,
                name=known.name if known is not None else "",
                short_pct=row["short_pct"],
                short_pct_basis=row["short_pct_basis"],
                short_shares=row["short_shares"],
                short_change_pct=row["short_change_pct"],
                days_to_cover=row["days_to_cover"],
                sv_ratio=row["sv_ratio"],
                sv_zscore=row["sv_zscore"],
                price_change_pct=row["price_change_pct"],
                settlement_date=row["settlement_date"],
                sv_date=row["sv_date"],
                problem=data.problems.get(symbol) or (None if has_data else NO_DATA),
            )
        )
    return rows


def build_shorts(data: MarketData, settings: Settings) -> ShortsView:
    """The Most shorted table: the universe ranked by short %, highest first, unknown last."""
    shorted = settings.shorted
    priced = _with_prices(_short_universe(data, shorted), data.quotes)
    if shorted.universe == "market":
        priced = priced.filter(pl.col("last").is_null() | (pl.col("last") >= shorted.min_price))
    top = priced.head(shorted.rows)
    rows = _short_rows(top, data)
    settlements = [row.settlement_date for row in rows if row.settlement_date is not None]
    sv_dates = [row.sv_date for row in rows if row.sv_date is not None]
    return ShortsView(
        rows=tuple(rows),
        settlement_date=max(settlements, default=None),
        sv_date=max(sv_dates, default=None),
        as_of=_newest(top.get_column("quote_ts").to_list()),
    )


# ----------------------------------------------------------------------------------- correlations


def _correlation_lines(
    data: MarketData, groups: Mapping[str, Sequence[str]], history: int, window: int
) -> tuple[dict[str, CorrelationLine], dict[tuple[str, str], CorrelationLine], dt.date | None]:
    """Per group its average line, per (group, member) its line to its peers, and the last
    session used."""
    symbols = {symbol for members in groups.values() for symbol in members}
    returns = daily_log_returns(data.daily, symbols, last_completed_session(data.now))
    pairs = pairwise_correlations(returns, groups, window)
    average_series: dict[str, list[float]] = dict(group_average(pairs).iter_rows())
    member_series: dict[tuple[str, str], list[float]] = {
        (name, symbol): values for name, symbol, values in member_to_peers(pairs).iter_rows()
    }
    averages = {
        name: correlation_line(name, average_series.get(name, []), history) for name in groups
    }
    members = {
        (name, symbol): _member_line(data, symbol, member_series.get((name, symbol), []), history)
        for name, group in groups.items()
        for symbol in group
    }
    last_date = returns.get_column("date").max()
    return averages, members, last_date if isinstance(last_date, dt.date) else None


def _member_line(
    data: MarketData, symbol: str, series: Sequence[float], history: int
) -> CorrelationLine:
    """A member's line to its peers; a member with no line at all says why (its problem)."""
    line = correlation_line(symbol, series, history)
    if line.series:
        return line
    return dataclasses.replace(line, problem=data.problems.get(symbol, "no data"))


def _lowest_first(line: CorrelationLine) -> tuple[bool, float]:
    return (line.now is None, line.now if line.now is not None else 0.0)


def build_correlations(data: MarketData, settings: Settings) -> CorrelationsView:
    """The Correlations pane: per basket its average rolling correlation, per member its to peers.

    Members are sorted by their latest value, lowest (most broken away) first."""
    window, history = settings.correlation.window, settings.correlation.history
    groups = {basket.name: _unique(basket.symbols) for basket in settings.baskets}
    averages, members, last_date = _correlation_lines(data, groups, history, window)
    baskets = []
    for name, symbols in groups.items():
        lines = [members[name, symbol] for symbol in symbols]
        baskets.append(
            BasketCorrelations(
                name=name,
                symbols=symbols,
                average=averages[name],
                members=tuple(sorted(lines, key=_lowest_first)),
            )
        )
    return CorrelationsView(baskets=tuple(baskets), window=window, as_of=last_date)


# ----------------------------------------------------------------------------------------- ticker


def _chart_prices(data: MarketData, symbol: str, chart_range: ChartRange) -> list[PricePoint]:
    if chart_range in INTRADAY_SESSIONS:
        bars = (
            data.intraday.filter(pl.col("symbol") == symbol, pl.col("close").is_not_null())
            .sort("ts")
            .with_columns(day=pl.col("ts").dt.convert_time_zone("America/New_York").dt.date())
        )
        days = bars.get_column("day").unique().sort().tail(INTRADAY_SESSIONS[chart_range])
        bars = bars.filter(pl.col("day").is_in(days.implode()))
    else:
        bars = (
            data.daily.filter(pl.col("symbol") == symbol, pl.col("close").is_not_null())
            .sort("ts")
            .tail(DAILY_SESSIONS[chart_range])
        )
    return [
        PricePoint(ts=ts, close=close, volume=volume)
        for ts, close, volume in bars.select("ts", "close", "volume").iter_rows()
    ]


def _ticker_correlation(
    data: MarketData, symbol: str, settings: Settings
) -> tuple[CorrelationLine | None, str | None]:
    """The symbol's line to the peers of its first basket, else to its sector ETF."""
    window, history = settings.correlation.window, settings.correlation.history
    for basket in settings.baskets:
        if symbol in basket.symbols:
            groups = {basket.name: _unique(basket.symbols)}
            _, members, _ = _correlation_lines(data, groups, history, window)
            return members[basket.name, symbol], basket.name
    known = data.info.get(symbol)
    sector = known.sector if known is not None else None
    etf = next((spec.symbol for spec in settings.sectors if spec.name == sector), None)
    if etf is None or etf == symbol:
        return None, None
    _, members, _ = _correlation_lines(data, {etf: (symbol, etf)}, history, window)
    return members[etf, symbol], etf


def build_ticker(
    data: MarketData, symbol: str, chart_range: ChartRange, settings: Settings
) -> TickerView:
    """The drill-down for one symbol: quote, chart prices, short figures and peer correlation.

    1D and 5D are the intraday bars of the symbol's last 1 or 5 sessions, 1M/6M/1Y its last
    21/126/252 daily bars (today's partial bar included)."""
    known = data.info.get(symbol)
    quotes = latest_quotes(data.quotes, [symbol]).with_columns(
        change=pl.col("last") - pl.col("prev_close"),
        change_pct=pct_change(pl.col("last"), pl.col("prev_close")),
    )
    quote = quotes.row(0, named=True) if not quotes.is_empty() else {}
    prices = _chart_prices(data, symbol, chart_range)

    settlements = data.short_interest.filter(pl.col("symbol") == symbol).sort("settlement_date")
    listed = pl.DataFrame({"symbol": [symbol]}, schema={"symbol": pl.String()})
    metrics = listed.join(
        short_metrics(latest_settlements(settlements), data.shares), on="symbol", how="left"
    )
    short_row = _short_rows(_with_prices(metrics, data.quotes), data)[0]
    has_short_data = short_row.settlement_date is not None or short_row.sv_date is not None

    correlation, peer_group = _ticker_correlation(data, symbol, settings)
    return TickerView(
        symbol=symbol,
        name=known.name if known is not None else "",
        sector=known.sector if known is not None else None,
        last=quote.get("last"),
        change=quote.get("change"),
        change_pct=quote.get("change_pct"),
        prev_close=quote.get("prev_close"),
        day_open=quote.get("open"),
        day_high=quote.get("high"),
        day_low=quote.get("low"),
        volume=quote.get("volume"),
        as_of=quote.get("ts") or (prices[-1].ts if prices else None),
        chart_range=chart_range,
        prices=tuple(prices),
        short=short_row if has_short_data else None,
        short_history=tuple(
            (day, shares)
            for day, shares in settlements.select("settlement_date", "short_shares").iter_rows()
            if shares is not None
        ),
        sv_ratio_history=tuple(sv_ratio_history(data.short_volume, symbol).iter_rows()),
        correlation=correlation,
        peer_group=peer_group,
    )
