"""A basket's correlation matrix now and a year ago (CORR), and one pair's rolling correlation
and prices: the view builders of the CORR screen and its pair chart.

The matrix is `tui.analytics.correlations.correlation_matrix` over the window ending on the
basket's last session, and over the window ending on the session the Correlations pane calls
"1y ago" (``history`` windows earlier). A row's mean over the other members is that member's
correlation to its peers, as the Correlations pane shows it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import polars as pl

from tui.analytics.correlations import (
    basket_peers,
    correlation_line,
    correlation_matrix,
    daily_log_returns,
)
from tui.analytics.frame_rows import unique
from tui.analytics.market import MarketData
from tui.analytics.members import find_basket
from tui.analytics.sessions import bar_date, last_completed_session
from tui.config import Settings
from tui.presenters.corr_matrix import MatrixView, PairView, mean_to_peers

Matrix = tuple[tuple[float | None, ...], ...]


def _cells(values: pl.DataFrame, symbols: Sequence[str]) -> Matrix:
    """The matrix frame of `correlation_matrix` as rows of cells, in ``symbols``' order."""
    by_symbol = {row[0]: row[1:] for row in values.iter_rows()}
    columns = {symbol: index for index, symbol in enumerate(values.columns[1:])}
    return tuple(tuple(by_symbol[row][columns[column]] for column in symbols) for row in symbols)


def _lowest_first(mean: float | None) -> tuple[bool, float]:
    return (mean is None, mean if mean is not None else 0.0)


def build_matrix(data: MarketData, settings: Settings, name: str) -> MatrixView | None:
    """The CORR view of the basket called ``name`` (None for an unknown basket): its members
    ordered by their mean correlation to their peers now, lowest first."""
    basket = find_basket(settings, name)
    if basket is None:
        return None
    members = unique(basket.symbols)
    window, history = settings.correlation.window, settings.correlation.history
    returns = daily_log_returns(data.daily, members, last_completed_session(data.now))
    now = correlation_matrix(returns, members, window)
    window_ends = basket_peers(returns, members, window).dates
    year_ago_end = window_ends[-1 - history] if len(window_ends) > history else None
    cells_now = _cells(now.values, members)
    if year_ago_end is not None:
        then = correlation_matrix(returns, members, window, through=year_ago_end)
        cells_then = _cells(then.values, members)
    else:
        cells_then = tuple((None,) * len(members) for _ in members)
    means = [mean_to_peers(row, index) for index, row in enumerate(cells_now)]
    order = sorted(range(len(members)), key=lambda index: _lowest_first(means[index]))

    def arranged(cells: Matrix) -> Matrix:
        return tuple(tuple(cells[row][column] for column in order) for row in order)

    ordered_then = arranged(cells_then)
    return MatrixView(
        basket=name,
        symbols=tuple(members[index] for index in order),
        now=arranged(cells_now),
        year_ago=ordered_then,
        means=tuple(means[index] for index in order),
        means_year_ago=tuple(mean_to_peers(row, index) for index, row in enumerate(ordered_then)),
        window=window,
        as_of=now.as_of,
        year_ago_as_of=year_ago_end,
    )


def build_pair(
    data: MarketData, settings: Settings, basket: str, first: str, second: str
) -> PairView:
    """Two members' rolling correlation over the last ``history`` windows (on the sessions both
    have a return), and both closes over the same sessions, each 100 on the first session both
    have a close."""
    window, history = settings.correlation.window, settings.correlation.history
    through = last_completed_session(data.now)
    returns = daily_log_returns(data.daily, (first, second), through)
    peers = basket_peers(returns, (first, second), window)
    series = peers.series().get(first, [])
    line = correlation_line(f"{first}–{second}", series, history)
    start = peers.dates[-min(history, len(peers.dates))] if peers.dates else None
    dates, first_prices, second_prices = _normalised_closes(
        data.daily, first, second, start, through
    )
    return PairView(
        basket=basket,
        first=first,
        second=second,
        correlation=line,
        dates=dates,
        first_prices=first_prices,
        second_prices=second_prices,
        window=window,
    )


def _normalised_closes(
    daily: pl.DataFrame, first: str, second: str, start: dt.date | None, through: dt.date
) -> tuple[tuple[dt.date, ...], tuple[float | None, ...], tuple[float | None, ...]]:
    """The two symbols' closes on the sessions from ``start`` through ``through`` (any session
    either has), each divided by its close on the first session both have and times 100."""
    closes = (
        daily.filter(pl.col("symbol").is_in([first, second]), pl.col("close") > 0)
        .select("symbol", bar_date(), "close")
        .filter(pl.col("date") <= through)
    )
    if start is not None:
        closes = closes.filter(pl.col("date") >= start)
    wide = closes.pivot(on="symbol", index="date", values="close").sort("date")
    if first not in wide.columns or second not in wide.columns:
        return (), (), ()
    both = wide.drop_nulls([first, second])
    if both.is_empty():
        return (), (), ()
    base = both.row(0, named=True)
    base_first, base_second = base[first], base[second]
    wide = wide.filter(pl.col("date") >= base["date"])
    dates = tuple(wide.get_column("date").to_list())

    def rebased(values: list[float | None], base: float) -> tuple[float | None, ...]:
        return tuple(
            None if value is None or not math.isfinite(value) else 100.0 * value / base
            for value in values
        )

    return (
        dates,
        rebased(wide.get_column(first).to_list(), base_first),
        rebased(wide.get_column(second).to_list(), base_second),
    )
