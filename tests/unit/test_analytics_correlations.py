"""Rolling correlations and the Correlations view, checked against numpy."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.analytics.correlations import (
    build_correlations,
    correlation_line,
    daily_log_returns,
    group_average,
    member_to_peers,
    pairwise_correlations,
)
from tui.analytics.market import empty_market_data
from tui.config import Basket, CorrelationSettings, Settings
from tui.market_hours import last_trading_days
from tui.sources.base import BARS_SCHEMA

DAYS = last_trading_days(dt.date(2026, 2, 10), 80)
AFTER_CLOSE = dt.datetime(2026, 2, 10, 22, 0, tzinfo=dt.UTC)  # 17:00 New York, Feb 10 is done


def daily(
    closes: Mapping[str, Sequence[float | None]], days: Sequence[dt.date] = DAYS
) -> pl.DataFrame:
    """Daily bars ending on the last of ``days`` (series shorter than ``days`` end there too)."""
    records = [
        {
            "symbol": symbol,
            "ts": dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC),
            "open": None,
            "high": None,
            "low": None,
            "close": close,
            "volume": None,
            "interval": "1d",
        }
        for symbol, series in closes.items()
        for day, close in zip(days[-len(series) :], series, strict=True)
    ]
    return pl.DataFrame(records, schema=BARS_SCHEMA)


def prices(returns: np.ndarray) -> list[float]:
    return list(100.0 * np.exp(np.concatenate([[0.0], np.cumsum(returns)])))


def random_prices(seed: int, count: int = 3, days: int = len(DAYS)) -> dict[str, list[float]]:
    rng = np.random.default_rng(seed)
    return {chr(ord("A") + i): prices(rng.normal(0, 0.02, days - 1)) for i in range(count)}


def returns_of(
    closes: Mapping[str, Sequence[float | None]], now: dt.datetime = AFTER_CLOSE
) -> pl.DataFrame:
    return daily_log_returns(daily(closes), list(closes), now.date())


def pair_series(pairs: pl.DataFrame, symbol: str, peer: str) -> list[float]:
    selected = pairs.filter(
        pl.col("symbol").cast(pl.String) == symbol, pl.col("peer").cast(pl.String) == peer
    )
    return selected.sort("date").get_column("corr").to_list()


# --------------------------------------------------------------------------------- log returns


def test_log_returns_are_of_consecutive_closes() -> None:
    frame = returns_of({"A": [100.0, 110.0, None, 99.0]})
    assert frame.get_column("date").to_list() == [DAYS[-3], DAYS[-1]]
    assert frame.get_column("log_return").to_list() == pytest.approx(
        [math.log(1.1), math.log(99.0 / 110.0)]
    )


def test_todays_bar_counts_only_once_its_session_has_closed() -> None:
    frame = daily({"A": [100.0, 101.0, 102.0]})
    today = DAYS[-1]
    during = dt.datetime(2026, 2, 10, 18, 0, tzinfo=dt.UTC)
    from tui.analytics.sessions import last_completed_session

    assert last_completed_session(during) == DAYS[-2]
    assert last_completed_session(AFTER_CLOSE) == today
    weekend = dt.datetime(2026, 2, 14, 15, 0, tzinfo=dt.UTC)
    assert last_completed_session(weekend) == dt.date(2026, 2, 13)
    open_dates = daily_log_returns(frame, ["A"], last_completed_session(during))
    assert open_dates.get_column("date").to_list() == [DAYS[-2]]


# -------------------------------------------------------------------------------- pairwise


def test_pairwise_correlation_matches_numpy_on_every_window() -> None:
    closes = random_prices(1, count=2)
    window = 20
    pairs = pairwise_correlations(returns_of(closes), {"G": ("B", "A")}, window)
    a, b = (np.diff(np.log(closes[s])) for s in "AB")
    expected = [
        np.corrcoef(a[i - window : i], b[i - window : i])[0, 1] for i in range(window, len(a) + 1)
    ]
    assert pair_series(pairs, "A", "B") == pytest.approx(expected)
    assert pairs.get_column("date").min() == DAYS[window]  # the first full window


def test_pairs_are_aligned_by_date_skipping_days_one_member_lacks() -> None:
    closes: dict[str, list[float | None]] = {
        symbol: list(series) for symbol, series in random_prices(2, count=3).items()
    }
    gap = 40
    closes["A"][gap] = None
    window = 15
    pairs = pairwise_correlations(returns_of(closes), {"G": ("A", "B", "C")}, window)
    log = {s: np.log(np.array([np.nan if c is None else c for c in closes[s]])) for s in "ABC"}
    # A's return after the gap spans two days; both of A's pairs skip the day A lacks.
    a_days = [i for i in range(1, len(DAYS)) if i != gap]
    a_returns = {i: log["A"][i] - log["A"][i - 2 if i == gap + 1 else i - 1] for i in a_days}
    b_returns = {i: log["B"][i] - log["B"][i - 1] for i in range(1, len(DAYS))}
    expected = []
    for end in range(window - 1, len(a_days)):
        days = a_days[end - window + 1 : end + 1]
        expected.append(
            np.corrcoef([a_returns[i] for i in days], [b_returns[i] for i in days])[0, 1]
        )
    assert pair_series(pairs, "A", "B") == pytest.approx(expected)
    assert len(pair_series(pairs, "B", "C")) == len(DAYS) - 1 - window + 1  # untouched


def test_average_and_member_lines_are_means_of_the_pairs() -> None:
    closes = random_prices(3, count=3)
    pairs = pairwise_correlations(returns_of(closes), {"G": ("A", "B", "C")}, 20)
    ab, ac, bc = (pair_series(pairs, x, y) for x, y in (("A", "B"), ("A", "C"), ("B", "C")))
    ((group, average),) = group_average(pairs).iter_rows()
    assert group == "G"
    assert average == pytest.approx([(x + y + z) / 3 for x, y, z in zip(ab, ac, bc, strict=True)])
    members = {symbol: values for _, symbol, values in member_to_peers(pairs).iter_rows()}
    assert members["A"] == pytest.approx([(x + y) / 2 for x, y in zip(ab, ac, strict=True)])
    assert members["C"] == pytest.approx([(x + y) / 2 for x, y in zip(ac, bc, strict=True)])


def test_groups_are_computed_separately() -> None:
    closes = random_prices(4, count=3)
    pairs = pairwise_correlations(returns_of(closes), {"G1": ("A", "B"), "G2": ("B", "C")}, 20)
    assert set(
        pairs.select(
            pl.col("group").cast(pl.String),
            pl.col("symbol").cast(pl.String),
            pl.col("peer").cast(pl.String),
        )
        .unique()
        .rows()
    ) == {
        ("G1", "A", "B"),
        ("G2", "B", "C"),
    }


def test_a_flat_series_has_no_correlation() -> None:
    closes = random_prices(5, count=1)
    closes["FLAT"] = [50.0] * len(DAYS)
    closes["GROW"] = [100.0 * 1.003**i for i in range(len(DAYS))]  # constant return, float noise
    pairs = pairwise_correlations(returns_of(closes), {"G": ("A", "FLAT", "GROW")}, 20)
    assert pairs.is_empty()


returns_strategy = st.lists(st.floats(-0.2, 0.2), min_size=25, max_size=40)


@settings(max_examples=40, deadline=None)
@given(returns_strategy, returns_strategy, returns_strategy)
def test_correlations_stay_within_minus_one_and_one(
    x: list[float], y: list[float], z: list[float]
) -> None:
    length = min(len(x), len(y), len(z))
    closes = {s: prices(np.array(r[:length])) for s, r in zip("ABC", (x, y, z), strict=True)}
    pairs = pairwise_correlations(returns_of(closes), {"G": ("A", "B", "C")}, 10)
    values = pairs.get_column("corr").to_list()
    assert all(-1.0 <= value <= 1.0 for value in values)
    assert all(math.isfinite(value) for value in values)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-0.1, 0.1), min_size=25, max_size=40).filter(lambda r: np.std(r) > 1e-3))
def test_identical_members_correlate_at_one(returns: list[float]) -> None:
    series = prices(np.array(returns))
    closes = {"A": series, "B": series, "C": [2 * price for price in series]}
    pairs = pairwise_correlations(returns_of(closes), {"G": ("A", "B", "C")}, 10)
    ((_, average),) = group_average(pairs).iter_rows()
    assert average and average == pytest.approx([1.0] * len(average))


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_a_member_identical_to_one_peer(seed: int) -> None:
    closes = random_prices(seed, count=3)
    closes["D"] = closes["A"]
    pairs = pairwise_correlations(returns_of(closes), {"G": ("A", "B", "C", "D")}, 20)
    assert pair_series(pairs, "A", "D") == pytest.approx([1.0] * len(pair_series(pairs, "A", "D")))
    members = {symbol: values for _, symbol, values in member_to_peers(pairs).iter_rows()}
    expected = [
        (1.0 + ab + ac) / 3
        for ab, ac in zip(pair_series(pairs, "A", "B"), pair_series(pairs, "A", "C"), strict=True)
    ]
    assert members["A"] == pytest.approx(expected)
    assert members["D"] == pytest.approx(expected)


# ------------------------------------------------------------------------------------- lines


def test_correlation_line_series_now_and_year_ago() -> None:
    values = [0.1 * i for i in range(10)]
    line = correlation_line("X", values, 4)
    assert line.series == pytest.approx((0.6, 0.7, 0.8, 0.9))
    assert line.now == pytest.approx(0.9)
    assert line.year_ago == pytest.approx(0.5)  # 4 days before the last
    short = correlation_line("X", values[:4], 4)
    assert short.now == pytest.approx(0.3)
    assert short.year_ago is None
    empty = correlation_line("X", [], 4)
    assert (empty.series, empty.now, empty.year_ago) == ((), None, None)


# ---------------------------------------------------------------------------- Correlations view


def test_view_ranks_the_broken_away_member_first() -> None:
    rng = np.random.default_rng(11)
    common = rng.normal(0, 0.02, len(DAYS) - 1)
    closes = {
        "A": prices(common + rng.normal(0, 0.005, len(common))),
        "B": prices(common + rng.normal(0, 0.005, len(common))),
        "C": prices(common + rng.normal(0, 0.005, len(common))),
        "LONE": prices(rng.normal(0, 0.02, len(common))),
    }
    settings_ = Settings(
        baskets=(Basket("Block", ("A", "B", "C", "LONE")), Basket("Empty", ("X", "Y"))),
        correlation=CorrelationSettings(window=20, history=30),
    )
    data = empty_market_data(AFTER_CLOSE).replace(daily=daily(closes))
    view = build_correlations(data, settings_)
    block, empty = view.baskets
    assert view.window == 20
    assert view.as_of == DAYS[-1]
    assert block.symbols == ("A", "B", "C", "LONE")
    assert block.members[0].label == "LONE"
    nows = [line.now for line in block.members]
    assert all(now is not None for now in nows)
    assert nows == sorted(nows)  # type: ignore[type-var]
    assert len(block.average.series) == 30
    pairs = pairwise_correlations(returns_of(closes), {"Block": block.symbols}, 20)
    ((_, average),) = group_average(pairs).iter_rows()
    assert block.average.now == pytest.approx(average[-1])
    assert block.average.year_ago == pytest.approx(average[-31])
    assert (empty.average.now, empty.average.series) == (None, ())
    assert all(line.now is None for line in empty.members)


def test_view_during_the_session_ignores_todays_partial_bar() -> None:
    closes = random_prices(12, count=2)
    settings_ = Settings(
        baskets=(Basket("Pair", ("A", "B")),), correlation=CorrelationSettings(window=20, history=5)
    )
    during = dt.datetime(2026, 2, 10, 18, 0, tzinfo=dt.UTC)
    data = empty_market_data(during).replace(daily=daily(closes))
    view = build_correlations(data, settings_)
    assert view.as_of == DAYS[-2]
    after = build_correlations(data.replace(now=AFTER_CLOSE), settings_)
    assert after.as_of == DAYS[-1]
    assert after.baskets[0].average.series[:-1] == pytest.approx(view.baskets[0].average.series[1:])
