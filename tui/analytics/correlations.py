"""The Correlations pane: rolling correlations of daily log returns (pairwise, a group's average,
a member to its peers) and the view builder that lines them up per basket.

Returns come from completed sessions only. Pairs are aligned by date with an inner join, so a day
one member lacks is skipped for the pairs involving it and nothing is filled in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Mapping, Sequence

import polars as pl

from tui.analytics.frame_rows import unique
from tui.analytics.market import MarketData
from tui.analytics.sessions import bar_date, last_completed_session
from tui.config import Settings
from tui.models import NO_DATA
from tui.presenters.correlations import BasketCorrelations, CorrelationLine, CorrelationsView

# A window whose returns have a standard deviation this small relative to their mean magnitude
# is flat (a constant price, or float noise around it): its correlation is undefined, not 0.
FLAT_RELATIVE_STD = 1e-9


def daily_log_returns(
    daily: pl.DataFrame, symbols: Collection[str], through: dt.date
) -> pl.DataFrame:
    """Daily log returns ln(close / previous close) of the sessions up to ``through``.

    Returns (symbol, date, log_return); non-positive and null closes are dropped first, so a
    return after a missing day spans both days."""
    cutoff = dt.datetime.combine(through, dt.time(), tzinfo=dt.UTC)
    return (
        daily.lazy()
        .filter(
            pl.col("symbol").is_in(list(symbols)),
            pl.col("ts") <= cutoff,
            pl.col("close").is_finite() & (pl.col("close") > 0),
        )
        .select("symbol", bar_date(), "close")
        .sort("symbol", "date")
        .select(
            "symbol",
            "date",
            log_return=(pl.col("close") / pl.col("close").shift(1).over("symbol")).log(),
        )
        .drop_nulls("log_return")
        .collect()
    )


def _is_flat(column: str, window: int) -> pl.Expr:
    std = pl.col(column).rolling_std(window)
    return std <= pl.col(column).abs().rolling_mean(window) * FLAT_RELATIVE_STD


def pairwise_correlations(
    returns: pl.DataFrame, groups: Mapping[str, Sequence[str]], window: int
) -> pl.DataFrame:
    """Rolling Pearson correlation of daily log returns for every pair of a group, aligned by date.

    Returns (group, symbol, peer, date, corr) with symbol < peer: one row per day both have a
    return (inner join) once ``window`` such days are in, clipped to [-1, 1]; a flat window
    (no variance) gives no row. ``group``, ``symbol`` and ``peer`` are enums (symbols in
    alphabetical order): grouping and sorting their integer codes is several times faster."""
    symbols = sorted({symbol for members in groups.values() for symbol in members})
    group_names = pl.Enum(list(groups))
    symbol_names = pl.Enum(symbols)
    membership = pl.DataFrame(
        [(name, symbol) for name, members in groups.items() for symbol in dict.fromkeys(members)],
        schema={"group": pl.String(), "symbol": pl.String()},
        orient="row",
    )
    member_returns = returns.join(membership, on="symbol", how="inner").select(
        "date",
        "log_return",
        group=pl.col("group").cast(group_names),
        symbol=pl.col("symbol").cast(symbol_names),
    )
    peer_returns = member_returns.select("group", "date", peer="symbol", peer_return="log_return")
    count = len(symbols)
    pair = (
        pl.col("group").to_physical().cast(pl.Int64) * count + pl.col("symbol").to_physical()
    ) * count + pl.col("peer").to_physical()
    day = pl.col("date").cast(pl.Int32)
    # Rows are sorted by pair, then date (one integer key: days span far fewer than 2**16), so a
    # row ends a full window of its own pair exactly when the row window - 1 places earlier
    # belongs to the same pair.
    by_pair_and_day = pair * (1 << 16) + (day - day.min())
    pairs = (
        member_returns.join(peer_returns, on=["group", "date"], how="inner")
        .filter(pl.col("symbol").to_physical() < pl.col("peer").to_physical())
        .sort(by_pair_and_day)
    )
    return (
        pairs.with_columns(
            corr=pl.rolling_corr("log_return", "peer_return", window_size=window),
            defined=(pair == pair.shift(window - 1))
            & ~_is_flat("log_return", window)
            & ~_is_flat("peer_return", window),
        )
        .filter(pl.col("defined") & pl.col("corr").is_finite())
        .select("group", "symbol", "peer", "date", pl.col("corr").clip(-1.0, 1.0))
    )


def group_average(pairs: pl.DataFrame) -> pl.DataFrame:
    """Basket average: the daily mean of its pairwise rolling correlations available that day.

    Returns (group, corr) with corr a list, oldest first."""
    return (
        pairs.group_by("group", "date")
        .agg(pl.col("corr").mean())
        .sort("group", "date")
        .group_by("group", maintain_order=True)
        .agg("corr")
    )


def member_to_peers(pairs: pl.DataFrame) -> pl.DataFrame:
    """Correlation to its peers: the daily mean of a member's rolling correlations with the others.

    Returns (group, symbol, corr) with corr a list, oldest first."""
    both_ends = pl.concat(
        [
            pairs.select("group", "symbol", "date", "corr"),
            pairs.select("group", pl.col("peer").alias("symbol"), "date", "corr"),
        ]
    )
    return (
        both_ends.group_by("group", "symbol", "date")
        .agg(pl.col("corr").mean())
        .sort("group", "symbol", "date")
        .group_by("group", "symbol", maintain_order=True)
        .agg("corr")
    )


def correlation_line(label: str, values: Sequence[float], history: int) -> CorrelationLine:
    """A correlation line: its last ``history`` values, now, and the value ``history`` days ago."""
    past_index = len(values) - 1 - history
    return CorrelationLine(
        label=label,
        series=tuple(values[-history:]) if history > 0 else (),
        now=values[-1] if values else None,
        year_ago=values[past_index] if past_index >= 0 else None,
    )


# ---------------------------------------------------------------------------------- the pane

GroupLines = tuple[
    dict[str, CorrelationLine], dict[tuple[str, str], CorrelationLine], dt.date | None
]


def correlation_lines(
    data: MarketData, groups: Mapping[str, Sequence[str]], history: int, window: int
) -> GroupLines:
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
    return dataclasses.replace(line, problem=data.problems.get(symbol, NO_DATA))


def _lowest_first(line: CorrelationLine) -> tuple[bool, float]:
    return (line.now is None, line.now if line.now is not None else 0.0)


def build_correlations(data: MarketData, settings: Settings) -> CorrelationsView:
    """The Correlations pane: per basket its average rolling correlation, per member its to peers.

    Members are sorted by their latest value, lowest (most broken away) first."""
    window, history = settings.correlation.window, settings.correlation.history
    groups = {basket.name: unique(basket.symbols) for basket in settings.baskets}
    averages, members, last_date = correlation_lines(data, groups, history, window)
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
