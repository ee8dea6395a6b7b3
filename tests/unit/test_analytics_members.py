"""A basket's members and its correlation matrix (CORR), checked against direct computations with
numpy: contributions that add up to the basket's move as the Indices pane shows it, and every
cell of the matrix now and a year ago."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
import pytest

from tests.unit import frames
from tests.unit.test_analytics_correlations import AFTER_CLOSE, DAYS, daily, random_prices
from tui.analytics.corr_matrix import build_matrix, build_pair
from tui.analytics.correlations import build_correlations
from tui.analytics.indices import build_indices
from tui.analytics.market import MarketData, empty_market_data
from tui.analytics.members import build_members
from tui.analytics.returns import five_day_base
from tui.config import Basket, CorrelationSettings, Settings
from tui.presenters.corr_matrix import cell_text, shade
from tui.presenters.members import PRESENTER as MEMBERS
from tui.sources.base import SymbolInfo

# The session after the last daily bar, at 13:00 in New York: today's move comes from quotes.
NOW = dt.datetime(2026, 2, 11, 18, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 2, 11)
MEMBERS_OF = ("A", "B", "C", "D")


def market(
    closes: Mapping[str, Sequence[float | None]],
    lasts: Mapping[str, float],
    now: dt.datetime = NOW,
) -> MarketData:
    """Daily bars through DAYS[-1] and, for ``lasts``, a quote today against the last close."""
    previous = {
        symbol: next(close for close in reversed(series) if close is not None)
        for symbol, series in closes.items()
    }
    quotes = frames.quotes(
        [
            {"symbol": symbol, "last": last, "prev_close": previous[symbol]}
            for symbol, last in lasts.items()
        ],
        ts=now,
    )
    info = {symbol: SymbolInfo(symbol, f"{symbol} Inc.", None, "stock") for symbol in closes}
    return empty_market_data(now, info=info).replace(daily=daily(closes), quotes=quotes)


def settings_for(weights: Sequence[float] = (), window: int = 20, history: int = 20) -> Settings:
    return Settings(
        indices=(),
        baskets=(Basket("Basket", MEMBERS_OF, None, tuple(weights)),),
        correlation=CorrelationSettings(window=window, history=history),
    )


def reference_contributions(
    closes: Mapping[str, Sequence[float | None]],
    lasts: Mapping[str, float],
    weights: Mapping[str, float],
) -> tuple[dict[str, float], dict[str, float], float, float]:
    """With numpy, day by day: each member's contribution today and over 5 sessions, and the
    basket's moves today and over 5 sessions, in percent (a basket rebalanced daily to its
    weights, members without a return that day left out and the others' weights scaled up)."""
    symbols = list(closes)
    table = np.array([[np.nan if v is None else v for v in closes[s]] for s in symbols]).T
    weight = np.array([weights[s] for s in symbols])
    base = five_day_base(TODAY)
    growth, five = 1.0, np.zeros(len(symbols))
    previous = np.full(len(symbols), np.nan)
    for day, row in zip(DAYS, table, strict=True):
        returns = row / previous - 1.0
        previous = np.where(np.isnan(row), previous, row)
        if day <= base:
            continue
        present = ~np.isnan(returns)
        if not present.any():
            continue
        shares = np.where(present, weight, 0.0) / weight[present].sum()
        parts = np.nan_to_num(shares * returns)
        five += parts * growth
        growth *= 1.0 + parts.sum()
    today_returns = np.array([lasts[s] for s in symbols]) / previous - 1.0
    today_parts = weight / weight.sum() * today_returns
    five += today_parts * growth
    today_move = today_parts.sum()
    return (
        dict(zip(symbols, today_parts * 100.0, strict=True)),
        dict(zip(symbols, five * 100.0, strict=True)),
        today_move * 100.0,
        (growth * (1.0 + today_move) - 1.0) * 100.0,
    )


@pytest.mark.parametrize("weights", [(), (4.0, 1.0, 2.0, 3.0)], ids=["equal", "weighted"])
def test_contributions_match_numpy_and_add_up_to_the_basket_move(
    weights: tuple[float, ...],
) -> None:
    closes: dict[str, list[float | None]] = {
        symbol: list(series) for symbol, series in random_prices(11, count=4).items()
    }
    closes["C"][-3] = None  # a day without a close: C has no return that day
    lasts = {"A": closes["A"][-1] * 1.02, "B": closes["B"][-1] * 0.97}  # type: ignore[operator]
    lasts |= {"C": closes["C"][-1] * 1.005, "D": closes["D"][-1] * 0.99}  # type: ignore[operator]
    settings = settings_for(weights)
    data = market(closes, lasts)
    view = build_members(data, settings, "Basket")
    assert view is not None

    shares = settings.baskets[0].member_weights()
    today, five, basket_today, basket_five = reference_contributions(closes, lasts, shares)
    by_symbol = {row.symbol: row for row in view.members}
    for symbol in MEMBERS_OF:
        assert by_symbol[symbol].contribution_pct == pytest.approx(today[symbol], abs=1e-9)
        assert by_symbol[symbol].contribution_5d_pct == pytest.approx(five[symbol], abs=1e-9)
        assert by_symbol[symbol].weight == pytest.approx(shares[symbol])
    # The basket's moves as the Indices pane shows them are the sums of the contributions.
    (basket,) = [row for row in build_indices(data, settings).rows if row.kind == "basket"]
    assert basket.change_pct == pytest.approx(basket_today, abs=1e-9)
    assert basket.change_5d_pct == pytest.approx(basket_five, abs=1e-9)
    assert view.change_pct == pytest.approx(basket.change_pct, abs=1e-12)
    assert view.change_5d_pct == pytest.approx(basket.change_5d_pct, abs=1e-12)
    assert sum(today.values()) == pytest.approx(view.change_pct, abs=1e-9)
    assert sum(five.values()) == pytest.approx(view.change_5d_pct, abs=1e-9)


def test_members_show_correlation_to_peers_as_the_correlations_pane_does() -> None:
    closes = random_prices(5, count=4)
    lasts = {symbol: series[-1] for symbol, series in closes.items()}
    settings = settings_for()
    data = market(closes, lasts)
    view = build_members(data, settings, "Basket")
    assert view is not None
    (pane_basket,) = build_correlations(data, settings).baskets
    lines = {line.label: line for line in pane_basket.members}
    for row in view.members:
        assert row.correlation == lines[row.symbol]
    assert view.average == pane_basket.average
    # Sorted by correlation now, lowest first, under the basket's own row.
    rows = MEMBERS.rows(view, MEMBERS.sorts[0])
    assert rows[0].key == "basket:Basket"
    nows = [lines[row.key].now for row in rows[1:]]
    assert nows == sorted(nows)  # type: ignore[type-var]


def test_an_unknown_basket_has_no_members_view() -> None:
    data = market(random_prices(1, count=4), {})
    assert build_members(data, settings_for(), "Nope") is None
    assert build_matrix(data, settings_for(), "Nope") is None


def test_a_member_without_any_data_says_so() -> None:
    closes = random_prices(2, count=3)  # no D at all
    data = market(closes, {symbol: series[-1] for symbol, series in closes.items()})
    data = data.replace(problems={"D": "not found"})
    view = build_members(data, settings_for(), "Basket")
    assert view is not None
    by_symbol = {row.symbol: row for row in view.members}
    assert by_symbol["D"].problem == "not found"
    assert by_symbol["A"].problem is None


# ----------------------------------------------------------------------------- the matrix


def log_returns(closes: Mapping[str, Sequence[float]]) -> dict[str, np.ndarray]:
    return {symbol: np.diff(np.log(np.array(series))) for symbol, series in closes.items()}


def test_matrix_now_and_a_year_ago_match_numpy_in_the_order_of_mean_correlation() -> None:
    rng = np.random.default_rng(7)
    common = rng.normal(0, 0.02, len(DAYS) - 1)
    returns = {
        symbol: common * loading + rng.normal(0, 0.02, len(DAYS) - 1)
        for symbol, loading in zip(MEMBERS_OF, (1.5, 0.1, 1.0, 2.0), strict=True)
    }
    closes = {
        symbol: list(100.0 * np.exp(np.concatenate([[0.0], np.cumsum(series)])))
        for symbol, series in returns.items()
    }
    window, history = 20, 25
    settings = settings_for(window=window, history=history)
    data = market(closes, {}, now=AFTER_CLOSE)
    view = build_matrix(data, settings, "Basket")
    assert view is not None

    log = log_returns(closes)
    now = np.corrcoef([log[symbol][-window:] for symbol in MEMBERS_OF])
    # A year ago: the window `history` windows before the last one.
    then = np.corrcoef([log[symbol][-window - history : -history] for symbol in MEMBERS_OF])
    others = ~np.eye(len(MEMBERS_OF), dtype=bool)
    means = [float(now[row][others[row]].mean()) for row in range(len(MEMBERS_OF))]
    order = sorted(range(len(MEMBERS_OF)), key=lambda index: means[index])

    assert view.symbols == tuple(MEMBERS_OF[index] for index in order)
    assert view.symbols[0] == "B"  # hardly loaded on the common factor: it stands out
    assert view.as_of == DAYS[-1]
    assert view.year_ago_as_of == DAYS[-1 - history]
    for row, first in enumerate(order):
        assert view.means[row] == pytest.approx(means[first], abs=1e-12)
        for column, second in enumerate(order):
            expected_now = 1.0 if first == second else now[first][second]
            assert view.now[row][column] == pytest.approx(expected_now, abs=1e-12)
            assert view.year_ago[row][column] == pytest.approx(then[first][second], abs=1e-12)
            change = view.value(row, column, "change")
            assert change == pytest.approx(now[first][second] - then[first][second], abs=1e-12)
    # A row's mean is that member's correlation to its peers in the Correlations pane.
    (pane_basket,) = build_correlations(data, settings).baskets
    pane_now = {line.label: line.now for line in pane_basket.members}
    for row, symbol in enumerate(view.symbols):
        assert view.means[row] == pytest.approx(pane_now[symbol], abs=1e-12)


def test_without_a_year_of_history_the_matrix_a_year_ago_is_empty() -> None:
    closes = random_prices(3, count=4, days=30)
    view = build_matrix(market(closes, {}, now=AFTER_CLOSE), settings_for(), "Basket")
    assert view is not None
    assert view.year_ago_as_of is None
    assert all(value is None for row in view.year_ago for value in row)
    assert view.value(0, 1, "change") is None
    assert view.now[0][1] is not None


def test_the_pairs_rolling_correlation_and_prices_match_numpy() -> None:
    closes = random_prices(9, count=2)
    window, history = 20, 30
    data = market(closes, {}, now=AFTER_CLOSE)
    pair = build_pair(data, settings_for(window=window, history=history), "Basket", "A", "B")
    log = log_returns(closes)
    expected = [
        np.corrcoef(log["A"][end - window : end], log["B"][end - window : end])[0, 1]
        for end in range(len(log["A"]) - history + 1, len(log["A"]) + 1)
    ]
    assert list(pair.correlation.series) == pytest.approx(expected, abs=1e-12)
    assert pair.correlation.now == pytest.approx(expected[-1], abs=1e-12)
    # Both prices over the same sessions, 100 on the first.
    assert len(pair.dates) == history
    assert pair.dates[-1] == DAYS[-1]
    for symbol, prices in (("A", pair.first_prices), ("B", pair.second_prices)):
        series = np.array(closes[symbol][-history:])
        assert list(prices) == pytest.approx(list(100.0 * series / series[0]), abs=1e-9)


def test_cells_read_without_colour() -> None:
    assert cell_text(0.54, "now") == "▓ 0.54"
    assert cell_text(0.05, "now") == "░ 0.05"
    assert cell_text(-0.10, "now") == " −0.10"
    assert cell_text(0.9, "now") == "█ 0.90"
    assert cell_text(-0.48, "change") == "▓−0.48"
    assert cell_text(0.05, "change") == "░+0.05"
    assert cell_text(None, "now") == "     —"
    assert cell_text(1.0, "now", diagonal=True) == "     ·"
    assert [shade(value, "now") for value in (-0.2, 0.0, 0.1, 0.3, 0.6, 0.8)] == [0, 0, 1, 2, 3, 4]
    assert [shade(value, "change") for value in (-0.6, -0.2, 0.05, 0.0)] == [4, 2, 1, 0]
