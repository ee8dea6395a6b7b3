"""Rolling correlations and the Correlations view, checked against numpy and, on the demo market,
against the pairwise computation they replaced."""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import tracemalloc
from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.analytics.correlations import (
    BasketPeers,
    basket_peers,
    build_correlations,
    correlation_line,
    correlation_lines,
    correlation_matrix,
    daily_log_returns,
)
from tui.analytics.market import MarketData, empty_market_data
from tui.analytics.sessions import last_completed_session
from tui.analytics.ticker import build_ticker
from tui.config import Basket, CorrelationSettings, Settings
from tui.market_hours import last_trading_days
from tui.presenters.correlations import CorrelationLine
from tui.sources.base import BARS_SCHEMA, Fetched
from tui.sources.demo import DemoMarket
from tui.sources.universe import SYMBOLS

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

    assert last_completed_session(during) == DAYS[-2]
    assert last_completed_session(AFTER_CLOSE) == today
    weekend = dt.datetime(2026, 2, 14, 15, 0, tzinfo=dt.UTC)
    assert last_completed_session(weekend) == dt.date(2026, 2, 13)
    open_dates = daily_log_returns(frame, ["A"], last_completed_session(during))
    assert open_dates.get_column("date").to_list() == [DAYS[-2]]


def peer_series(peers: BasketPeers, symbol: str) -> list[float]:
    return peers.series().get(symbol, [])


def peer_dates(peers: BasketPeers, symbol: str) -> list[dt.date]:
    frame = peers.frame().filter(pl.col("symbol") == symbol)
    return frame.sort("date").get_column("date").to_list()


def log_returns(closes: Sequence[float]) -> np.ndarray:
    return np.diff(np.log(np.array(closes)))


def reference_peers(
    returns: Mapping[str, np.ndarray], window: int
) -> tuple[dict[str, list[float]], list[float]]:
    """With numpy, per window (returns of equal length, no gaps): each member's mean correlation
    with the others, and the mean over every pair."""
    symbols = list(returns)
    matrix = np.array([returns[symbol] for symbol in symbols])
    others = ~np.eye(len(symbols), dtype=bool)
    members: dict[str, list[float]] = {symbol: [] for symbol in symbols}
    average = []
    for end in range(window, matrix.shape[1] + 1):
        correlations = np.corrcoef(matrix[:, end - window : end])
        for row, symbol in enumerate(symbols):
            members[symbol].append(float(correlations[row][others[row]].mean()))
        average.append(float(correlations[others].mean()))
    return members, average


def corr(x: Sequence[float], y: Sequence[float]) -> float:
    return float(np.corrcoef(x, y)[0, 1])


# ------------------------------------------------------------------- to peers, average, matrix


def test_matrix_matches_numpy_on_every_window() -> None:
    closes = random_prices(1, count=3)
    window = 20
    returns = returns_of(closes)
    log = {symbol: log_returns(series) for symbol, series in closes.items()}
    # the window ending on DAYS[end] holds the returns dated DAYS[end - window + 1 : end + 1]
    for end in range(window, len(DAYS)):
        matrix = correlation_matrix(returns, ("C", "A", "B"), window, through=DAYS[end])
        assert matrix.as_of == DAYS[end]
        assert matrix.values.get_column("symbol").to_list() == ["C", "A", "B"]
        expected = np.corrcoef([log[symbol][end - window : end] for symbol in "CAB"])
        assert matrix.values.drop("symbol").to_numpy() == pytest.approx(expected, abs=1e-12)
    too_early = correlation_matrix(returns, ("A", "B"), window, through=DAYS[window - 1])
    assert too_early.as_of is None
    assert too_early.values.drop("symbol").null_count().row(0) == (2, 2)


def test_to_peers_and_average_match_numpy_on_every_window() -> None:
    closes = random_prices(3, count=4)
    peers = basket_peers(returns_of(closes), ("A", "B", "C", "D"), 20)
    members, average = reference_peers({s: log_returns(c) for s, c in closes.items()}, 20)
    for symbol in "ABCD":
        assert peer_series(peers, symbol) == pytest.approx(members[symbol], abs=1e-12)
        assert peer_dates(peers, symbol)[0] == DAYS[20]  # the first full window
    assert peers.average() == pytest.approx(average, abs=1e-12)
    assert peers.symbols == tuple("ABCD")
    assert peers.dates == tuple(DAYS[20:])


def test_the_average_is_the_mean_of_the_members_and_of_every_pair_even_with_gaps() -> None:
    closes: dict[str, list[float | None]] = {
        symbol: list(series) for symbol, series in random_prices(6, count=6).items()
    }
    closes["A"][30] = None  # a day missing
    closes["B"][:25] = [None] * 25  # listed later
    closes["C"][-10:] = [None] * 10  # stopped trading
    closes["D"][50:53] = [None] * 3  # three days missing
    window = 12
    returns = returns_of(closes)
    peers = basket_peers(returns, tuple(closes), window)
    average = peers.average()
    frame = peers.frame()
    dates = sorted(set(frame.get_column("date").to_list()))
    assert len(average) == len(dates) == len(DAYS) - 1 - window + 1
    for day, mean in zip(dates, average, strict=True):
        taking_part = frame.filter(pl.col("date") == day)
        assert mean == pytest.approx(taking_part.get_column("corr").mean(), abs=1e-12)
        matrix = correlation_matrix(returns, tuple(closes), window, through=day)
        symbols = taking_part.get_column("symbol").to_list()
        pairs = matrix.values.filter(pl.col("symbol").is_in(symbols)).select(symbols).to_numpy()
        others = ~np.eye(len(symbols), dtype=bool)
        assert not np.isnan(pairs).any()
        assert mean == pytest.approx(pairs[others].mean(), abs=1e-12)
        assert taking_part.get_column("corr").to_list() == pytest.approx(
            [pairs[row][others[row]].mean() for row in range(len(symbols))], abs=1e-12
        )
    # who takes part: a member with a return on every session of the window
    assert DAYS[30] not in peer_dates(peers, "A")
    assert peer_dates(peers, "B")[0] == DAYS[25 + window]
    assert peer_dates(peers, "C")[-1] == DAYS[-11]
    assert not {DAYS[50], DAYS[52 + window - 1]} & set(peer_dates(peers, "D"))


def test_a_member_lacking_a_day_sits_out_the_windows_that_hold_it() -> None:
    closes: dict[str, list[float | None]] = {
        symbol: list(series) for symbol, series in random_prices(2, count=3).items()
    }
    gap = 40
    closes["A"][gap] = None
    window = 15
    returns = returns_of(closes)
    peers = basket_peers(returns, ("A", "B", "C"), window)
    log = {s: np.log(np.array([np.nan if c is None else c for c in closes[s]])) for s in "ABC"}
    # A's return after the gap spans two days; B and C have one every day.
    day_returns = {s: {i: log[s][i] - log[s][i - 1] for i in range(1, len(DAYS))} for s in "BC"}
    day_returns["A"] = {
        i: log["A"][i] - log["A"][i - 2 if i == gap + 1 else i - 1]
        for i in range(1, len(DAYS))
        if i != gap
    }
    holding_the_gap = set(range(gap, gap + window))  # windows ending on these days hold it
    ends = range(window, len(DAYS))
    assert peer_dates(peers, "A") == [DAYS[end] for end in ends if end not in holding_the_gap]
    expected_b = []
    for end in ends:
        days = range(end - window + 1, end + 1)
        b, c = ([day_returns[s][i] for i in days] for s in "BC")
        if end in holding_the_gap:
            expected_b.append(corr(b, c))  # A sits out: B's only peer is C
        else:
            expected_b.append((corr(b, c) + corr(b, [day_returns["A"][i] for i in days])) / 2)
    assert peer_series(peers, "B") == pytest.approx(expected_b, abs=1e-12)

    # Two members: the basket's sessions are the days both have a return, so the pair skips
    # the day A lacks and its windows reach one day further back.
    pair = basket_peers(returns, ("A", "B"), window)
    a_days = sorted(day_returns["A"])
    expected_pair = [
        corr([day_returns["A"][i] for i in days], [day_returns["B"][i] for i in days])
        for days in (a_days[end - window + 1 : end + 1] for end in range(window - 1, len(a_days)))
    ]
    assert peer_series(pair, "A") == pytest.approx(expected_pair, abs=1e-12)
    assert peer_series(pair, "B") == pytest.approx(peer_series(pair, "A"), abs=1e-12)


def test_a_stray_bar_on_a_day_the_others_lack_is_not_a_session() -> None:
    closes = random_prices(8, count=3)
    saturday = dt.date(2026, 1, 10)
    assert DAYS[0] < saturday < DAYS[-1] and saturday not in DAYS
    before = max(index for index, day in enumerate(DAYS) if day < saturday)
    stray = daily({"A": [closes["A"][before]]}, [saturday])  # a repeat of Friday's close
    window = 20
    with_stray = daily_log_returns(
        pl.concat([daily(closes), stray]), list(closes), AFTER_CLOSE.date()
    )
    assert saturday in with_stray.get_column("date").to_list()
    members = ("A", "B", "C")
    with_it = basket_peers(with_stray, members, window)
    without = basket_peers(returns_of(closes), members, window)
    assert with_it.dates == without.dates
    assert with_it.series() == without.series()


def test_groups_are_computed_separately() -> None:
    closes = random_prices(4, count=3)
    window = 20
    data = empty_market_data(AFTER_CLOSE).replace(daily=daily(closes))
    groups = {"G1": ("A", "B"), "G2": ("B", "C")}
    averages, members, _ = correlation_lines(data, groups, history=30, window=window)
    assert set(members) == {("G1", "A"), ("G1", "B"), ("G2", "B"), ("G2", "C")}
    log = {symbol: log_returns(series) for symbol, series in closes.items()}
    ends = range(len(DAYS) - 31, len(DAYS))
    ab = [corr(log["A"][end - window : end], log["B"][end - window : end]) for end in ends]
    bc = [corr(log["B"][end - window : end], log["C"][end - window : end]) for end in ends]
    assert members["G1", "B"].series == pytest.approx(ab[1:], abs=1e-12)
    assert members["G1", "A"].series == pytest.approx(ab[1:], abs=1e-12)
    assert averages["G1"].year_ago == pytest.approx(ab[0], abs=1e-12)
    assert members["G2", "B"].series == pytest.approx(bc[1:], abs=1e-12)
    assert averages["G2"].series == pytest.approx(bc[1:], abs=1e-12)


def test_a_flat_series_has_no_correlation() -> None:
    closes = random_prices(5, count=1)
    closes["FLAT"] = [50.0] * len(DAYS)
    closes["GROW"] = [100.0 * 1.003**i for i in range(len(DAYS))]  # constant return, float noise
    # a constant price stored as two neighbouring floats: returns of +-1.4e-16, pure noise
    closes["NOISE"] = [
        100.0 if i % 3 else float(np.nextafter(100.0, 101.0)) for i in range(len(DAYS))
    ]
    returns = returns_of(closes)
    assert returns.filter(pl.col("symbol") == "NOISE").get_column("log_return").abs().max() > 0
    peers = basket_peers(returns, ("A", "FLAT", "GROW", "NOISE"), 20)
    assert peers.frame().is_empty()
    assert peers.average() == []
    matrix = correlation_matrix(returns, ("A", "FLAT", "GROW", "NOISE"), 20)
    assert matrix.values.row(0) == ("A", 1.0, None, None, None)
    assert all(value is None for row in matrix.values.rows()[1:] for value in row[1:])


@pytest.mark.parametrize(
    "returns",
    [
        # found by hypothesis: the running sums of a rolling correlation gave 0.99999 and
        # 0.99976 here (and values such as 0.0703 or 0.0 on windows of zeros)
        [0.0] * 22 + [2.1759280107779476e-07, 0.03515625, 0.0546875],
        [0.0] * 10 + [0.03515625, 0.046875, 4.4677360556682976e-08] + [0.0] * 15,
        [0.05, -0.04, 0.03] + [0.0] * 25 + [1e-6, 0.0, -2e-6] + [0.0] * 12,
    ],
)
def test_runs_of_zeros_give_no_value_and_identical_members_exactly_one(
    returns: list[float],
) -> None:
    series = prices(np.array(returns))
    closes = {"A": series, "B": series, "C": [2 * price for price in series]}
    window = 10
    peers = basket_peers(returns_of(closes), ("A", "B", "C"), window)
    log = log_returns(series)
    dated = DAYS[-len(log) :]
    moving = [
        dated[end - 1] for end in range(window, len(log) + 1) if np.ptp(log[end - window : end]) > 0
    ]
    frame = peers.frame()
    assert sorted(set(frame.get_column("date").to_list())) == moving
    assert peers.average() == pytest.approx([1.0] * len(moving), abs=1e-12)
    assert frame.get_column("corr").to_list() == pytest.approx([1.0] * (3 * len(moving)), abs=1e-12)


returns_strategy = st.lists(st.floats(-0.2, 0.2), min_size=25, max_size=40)


@settings(max_examples=40, deadline=None)
@given(returns_strategy, returns_strategy, returns_strategy)
def test_correlations_stay_within_minus_one_and_one(
    x: list[float], y: list[float], z: list[float]
) -> None:
    length = min(len(x), len(y), len(z))
    closes = {s: prices(np.array(r[:length])) for s, r in zip("ABC", (x, y, z), strict=True)}
    returns = returns_of(closes)
    values = basket_peers(returns, ("A", "B", "C"), 10).frame().get_column("corr").to_list()
    matrix = correlation_matrix(returns, ("A", "B", "C"), 10).values.drop("symbol").rows()
    values += [value for row in matrix for value in row if value is not None]
    assert all(-1.0 <= value <= 1.0 for value in values)
    assert all(math.isfinite(value) for value in values)


mostly_zeros = st.one_of(st.just(0.0), st.floats(-0.1, 0.1), st.floats(-1e-6, 1e-6))


@settings(max_examples=60, deadline=None)
@given(st.lists(mostly_zeros, min_size=25, max_size=40).filter(lambda r: np.std(r) > 1e-3))
def test_identical_members_correlate_at_one(returns: list[float]) -> None:
    series = prices(np.array(returns))
    closes = {"A": series, "B": series, "C": [2 * price for price in series]}
    peers = basket_peers(returns_of(closes), ("A", "B", "C"), 10)
    average = peers.average()
    assert average and average == pytest.approx([1.0] * len(average), abs=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_a_member_identical_to_one_peer(seed: int) -> None:
    closes = random_prices(seed, count=3)
    closes["D"] = closes["A"]
    returns = returns_of(closes)
    peers = basket_peers(returns, ("A", "B", "C", "D"), 20)
    members, _ = reference_peers({s: log_returns(c) for s, c in closes.items()}, 20)
    assert peer_series(peers, "A") == pytest.approx(members["A"], abs=1e-12)
    assert peer_series(peers, "D") == pytest.approx(members["A"], abs=1e-12)
    matrix = correlation_matrix(returns, ("A", "D"), 20).values
    assert matrix.get_column("D").to_list() == pytest.approx([1.0, 1.0], abs=1e-12)


def test_memory_grows_with_the_members_not_with_their_pairs() -> None:
    members, sessions, window = 600, 100, 20
    rng = np.random.default_rng(13)
    symbols = [f"M{index:03d}" for index in range(members)]
    returns = pl.DataFrame(
        {
            "symbol": np.repeat(symbols, sessions),
            "date": last_trading_days(DAYS[-1], sessions) * members,
            "log_return": rng.normal(0, 0.02, members * sessions),
        }
    )
    pairs_bytes = members * (members - 1) // 2 * (sessions - window + 1) * 8  # 116 MiB
    tracemalloc.start()  # numpy's buffers are traced (polars' are not, but it holds no pairs)
    try:
        peers = basket_peers(returns, tuple(symbols), window)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peers.values.shape == (sessions - window + 1, members)
    assert peak < 32 * 2**20 < pairs_bytes / 3


# ------------------------------------------------------------- the demo market, as before issue 9
#
# The pairwise computation this module used before issue 9 (a rolling correlation per pair,
# materialised for every pair and day), kept as the reference its outputs must match.


def _reference_is_flat(column: str, window: int) -> pl.Expr:
    std = pl.col(column).rolling_std(window)
    return std <= pl.col(column).abs().rolling_mean(window) * 1e-9


def reference_pairwise(
    returns: pl.DataFrame, groups: Mapping[str, Sequence[str]], window: int
) -> pl.DataFrame:
    membership = pl.DataFrame(
        [(name, symbol) for name, members in groups.items() for symbol in dict.fromkeys(members)],
        schema={"group": pl.String(), "symbol": pl.String()},
        orient="row",
    )
    member_returns = returns.join(membership, on="symbol", how="inner")
    peer_returns = member_returns.select("group", "date", peer="symbol", peer_return="log_return")
    pairs = (
        member_returns.join(peer_returns, on=["group", "date"], how="inner")
        .filter(pl.col("symbol") < pl.col("peer"))
        .sort("group", "symbol", "peer", "date")
    )
    pair = pl.struct("group", "symbol", "peer")
    return (
        pairs.with_columns(
            corr=pl.rolling_corr("log_return", "peer_return", window_size=window),
            defined=(pair == pair.shift(window - 1))
            & ~_reference_is_flat("log_return", window)
            & ~_reference_is_flat("peer_return", window),
        )
        .filter(pl.col("defined") & pl.col("corr").is_finite())
        .select("group", "symbol", "peer", "date", pl.col("corr").clip(-1.0, 1.0))
    )


def reference_lines(
    data: MarketData, groups: Mapping[str, Sequence[str]], history: int, window: int
) -> tuple[dict[str, CorrelationLine], dict[tuple[str, str], CorrelationLine]]:
    symbols = {symbol for members in groups.values() for symbol in members}
    returns = daily_log_returns(data.daily, symbols, last_completed_session(data.now))
    pairs = reference_pairwise(returns, groups, window)
    average = dict(
        pairs.group_by("group", "date")
        .agg(pl.col("corr").mean())
        .sort("group", "date")
        .group_by("group", maintain_order=True)
        .agg("corr")
        .iter_rows()
    )
    both_ends = pl.concat(
        [
            pairs.select("group", "symbol", "date", "corr"),
            pairs.select("group", pl.col("peer").alias("symbol"), "date", "corr"),
        ]
    )
    members = {
        (group, symbol): values
        for group, symbol, values in both_ends.group_by("group", "symbol", "date")
        .agg(pl.col("corr").mean())
        .sort("group", "symbol", "date")
        .group_by("group", "symbol", maintain_order=True)
        .agg("corr")
        .iter_rows()
    }
    return (
        {name: correlation_line(name, average.get(name, []), history) for name in groups},
        {
            (name, symbol): correlation_line(symbol, members.get((name, symbol), []), history)
            for name, group in groups.items()
            for symbol in group
        },
    )


def assert_same_line(line: CorrelationLine, expected: CorrelationLine) -> None:
    assert line.label == expected.label
    assert len(line.series) == len(expected.series) > 0
    assert max(abs(a - b) for a, b in zip(line.series, expected.series, strict=True)) < 1e-9
    for value, reference in ((line.now, expected.now), (line.year_ago, expected.year_ago)):
        assert value is not None and reference is not None
        assert abs(value - reference) < 1e-9


@pytest.fixture(scope="module")
def demo_market() -> MarketData:
    """The demo market as the dashboard loads it: its daily history at 9:45 on its session."""
    source = DemoMarket(monotonic=lambda: 0.0)
    settings_ = Settings()
    sessions = settings_.correlation.history + settings_.correlation.window + 5
    outcome = asyncio.run(source.bars(list(SYMBOLS), "1d", sessions))
    assert isinstance(outcome, Fetched)
    return empty_market_data(source.now(), info=SYMBOLS).replace(daily=outcome.frame)


def test_the_pane_is_as_before_on_the_demo_market(demo_market: MarketData) -> None:
    settings_ = Settings()
    window, history = settings_.correlation.window, settings_.correlation.history
    view = build_correlations(demo_market, settings_)
    groups = {basket.name: basket.symbols for basket in settings_.baskets}
    averages, members = reference_lines(demo_market, groups, history, window)
    assert [basket.name for basket in view.baskets] == list(groups)
    for basket in view.baskets:
        assert_same_line(basket.average, averages[basket.name])
        assert {line.label for line in basket.members} == set(basket.symbols)
        for line in basket.members:
            assert_same_line(line, members[basket.name, line.label])
    msft = next(line for line in view.baskets[0].members if line.label == "MSFT")
    assert msft.now is not None and abs(msft.now) < 0.12  # the story: MSFT broke away


def test_the_drill_down_is_as_before_on_the_demo_market(demo_market: MarketData) -> None:
    settings_ = Settings()
    window, history = settings_.correlation.window, settings_.correlation.history
    first_basket = settings_.baskets[0]
    for symbol in ("MSFT", "NVDA", "JPM", "XOM"):
        ticker = build_ticker(demo_market, symbol, "1Y", settings_)
        assert ticker.correlation is not None
        if symbol in first_basket.symbols:
            group = (first_basket.name, first_basket.symbols)
        else:
            sector = SYMBOLS[symbol].sector
            etf = next(spec.symbol for spec in settings_.sectors if spec.name == sector)
            group = (etf, (symbol, etf))
        assert ticker.peer_group == group[0]
        _, members = reference_lines(demo_market, dict([group]), history, window)
        assert_same_line(ticker.correlation, members[group[0], symbol])


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
    _, average = reference_peers({s: log_returns(c) for s, c in closes.items()}, 20)
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
