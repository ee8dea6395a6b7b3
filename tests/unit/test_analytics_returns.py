"""Price changes, equal-weighted baskets and the Indices view, checked against plain Python."""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit import frames
from tui.analytics.indices import build_indices
from tui.analytics.market import empty_market_data
from tui.analytics.returns import (
    basket_intraday_returns,
    basket_levels,
    basket_membership,
    basket_quotes,
    latest_quotes,
    latest_session_bars,
    pct_change,
    previous_closes,
    quote_changes,
    reference_closes,
)
from tui.config import Basket, IndexSpec, Settings
from tui.market_hours import last_trading_days
from tui.sources.base import BARS_SCHEMA

# Wednesday 11 February 2026, 13:00 in New York: the regular session is open.
NOW = dt.datetime(2026, 2, 11, 18, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 2, 11)


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def bars(records: Iterable[Mapping[str, Any]], interval: str = "1d") -> pl.DataFrame:
    defaults = {"open": None, "high": None, "low": None, "volume": None, "interval": interval}
    return pl.DataFrame([{**defaults, **record} for record in records], schema=BARS_SCHEMA)


def daily_closes(closes: Mapping[str, Mapping[dt.date, float | None]]) -> pl.DataFrame:
    return bars(
        {"symbol": symbol, "ts": midnight(day), "close": close}
        for symbol, series in closes.items()
        for day, close in series.items()
    )


quotes = functools.partial(frames.quotes, ts=NOW)


def sessions(count: int, through: dt.date) -> list[dt.date]:
    return last_trading_days(through, count)


def by_symbol(frame: pl.DataFrame) -> dict[str, dict[str, Any]]:
    return {row["symbol"]: row for row in frame.iter_rows(named=True)}


# ------------------------------------------------------------------------------ single symbols


def test_pct_change_is_null_without_a_usable_base() -> None:
    frame = pl.DataFrame({"new": [110.0, 5.0, None, 5.0], "base": [100.0, 0.0, 1.0, None]})
    result = frame.select(pct_change(pl.col("new"), pl.col("base"))).to_series().to_list()
    assert result[0] == pytest.approx(10.0)
    assert result[1:] == [None, None, None]


def test_latest_quotes_keeps_the_newest_quote_of_each_symbol() -> None:
    frame = quotes(
        [
            {"symbol": "A", "ts": NOW, "last": 2.0},
            {"symbol": "A", "ts": NOW - dt.timedelta(minutes=1), "last": 1.0},
            {"symbol": "B", "ts": NOW, "last": 3.0},
        ]
    )
    assert by_symbol(latest_quotes(frame))["A"]["last"] == 2.0
    assert set(by_symbol(latest_quotes(frame, ["B"]))) == {"B"}


def test_previous_closes_leave_out_todays_partial_bar_and_null_closes() -> None:
    frame = daily_closes({"A": {dt.date(2026, 2, 9): 1.0, dt.date(2026, 2, 10): None, TODAY: 3.0}})
    closes = previous_closes(frame, None, TODAY)
    assert closes.rows() == [("A", dt.date(2026, 2, 9), 1.0)]


def test_reference_closes_are_five_sessions_back_and_the_previous_year_end() -> None:
    days = sessions(40, dt.date(2026, 2, 10))  # through yesterday, back into December 2025
    frame = daily_closes({"A": {day: 100.0 + index for index, day in enumerate(days)}})
    closes = previous_closes(frame, None, TODAY)
    row = by_symbol(reference_closes(closes, TODAY))["A"]
    # Five sessions before Wed 11 Feb are Feb 4, 5, 6, 9, 10: the base is the close of Feb 4.
    assert row["close_5d_ago"] == 100.0 + days.index(dt.date(2026, 2, 4))
    assert row["close_prev_year"] == 100.0 + days.index(dt.date(2025, 12, 31))


def test_five_day_base_skips_market_holidays() -> None:
    # Thursday 19 Feb 2026: Presidents' Day (Mon 16 Feb) is no session, so the base is Feb 11.
    now = dt.datetime(2026, 2, 19, 18, 0, tzinfo=dt.UTC)
    days = sessions(10, dt.date(2026, 2, 18))
    frame = daily_closes({"A": {day: float(index) for index, day in enumerate(days)}})
    row = by_symbol(reference_closes(previous_closes(frame, None, now.date()), now.date()))["A"]
    assert row["close_5d_ago"] == float(days.index(dt.date(2026, 2, 11)))


def test_five_day_base_falls_back_to_the_latest_close_before_it() -> None:
    frame = daily_closes({"A": {dt.date(2026, 2, 3): 7.0, dt.date(2026, 2, 10): 9.0}})
    row = by_symbol(reference_closes(previous_closes(frame, None, TODAY), TODAY))["A"]
    assert row["close_5d_ago"] == 7.0  # Feb 4 is missing; Feb 3 is the latest before it
    assert row["close_prev_year"] is None  # the history does not reach back into 2025


def test_quote_changes_match_a_direct_computation() -> None:
    days = sessions(40, dt.date(2026, 2, 10))
    frame = daily_closes({"A": {day: 50.0 + index for index, day in enumerate(days)}})
    references = reference_closes(previous_closes(frame, None, TODAY), TODAY)
    row = by_symbol(
        quote_changes(quotes([{"symbol": "A", "last": 80.0, "prev_close": 89.0}]), references)
    )["A"]
    base_5d = 50.0 + days.index(dt.date(2026, 2, 4))
    base_ytd = 50.0 + days.index(dt.date(2025, 12, 31))
    assert row["change"] == pytest.approx(-9.0)
    assert row["change_pct"] == pytest.approx((80.0 / 89.0 - 1) * 100)
    assert row["change_5d_pct"] == pytest.approx((80.0 / base_5d - 1) * 100)
    assert row["ytd_pct"] == pytest.approx((80.0 / base_ytd - 1) * 100)


def test_latest_session_bars_are_the_new_york_day_of_the_newest_bar() -> None:
    yesterday_post = dt.datetime(2026, 2, 11, 0, 30, tzinfo=dt.UTC)  # 19:30 on Feb 10 in New York
    today_open = dt.datetime(2026, 2, 11, 14, 30, tzinfo=dt.UTC)
    frame = bars(
        [
            {"symbol": "A", "ts": yesterday_post, "close": 1.0},
            {"symbol": "A", "ts": today_open + dt.timedelta(minutes=5), "close": 3.0},
            {"symbol": "A", "ts": today_open, "close": 2.0},
            {"symbol": "B", "ts": yesterday_post, "close": 9.0},
            {"symbol": "A", "ts": today_open + dt.timedelta(minutes=10), "close": None},
        ],
        interval="5m",
    )
    result = latest_session_bars(frame, ["A", "B"])
    assert result.get_column("close").to_list() == [2.0, 3.0]  # B has nothing today


def test_latest_session_bars_of_an_empty_frame_are_empty() -> None:
    assert latest_session_bars(bars([], interval="5m"), ["A"]).is_empty()


# ------------------------------------------------------------------------------------- baskets


def plain_basket_levels(
    closes: Mapping[str, Mapping[dt.date, float]], base: dt.date = dt.date(2025, 12, 31)
) -> dict[dt.date, float]:
    """The definition, in plain Python: the mean member return compounded each day, 100 at the
    last day on or before ``base``."""
    days = sorted({day for series in closes.values() for day in series})
    growth, growths = 1.0, {}
    for index, day in enumerate(days):
        returns = []
        for series in closes.values():
            earlier = [d for d in series if d < day]
            if day in series and earlier:
                returns.append(series[day] / series[max(earlier)] - 1)
        if index > 0 and returns:
            growth *= 1 + sum(returns) / len(returns)
        growths[day] = growth
    at_base = growths[max(day for day in days if day <= base)]
    return {day: 100.0 * value / at_base for day, value in growths.items()}


def test_basket_levels_compound_the_mean_member_return() -> None:
    days = sessions(6, dt.date(2026, 2, 10))
    closes = {
        "A": {day: price for day, price in zip(days, [10, 11, 12, 11, 13, 14], strict=True)},
        # B misses a day: its next return spans both days, and the basket uses A alone that day.
        "B": {day: price for day, price in zip(days, [20, 19, 21, 22, 20, 20], strict=True)},
    }
    del closes["B"][days[2]]
    frame = daily_closes({s: {d: float(c) for d, c in v.items()} for s, v in closes.items()})
    for base in (days[0], days[3]):
        levels = basket_levels(
            previous_closes(frame, None, TODAY), basket_membership({"X": ("A", "B")}), base
        )
        expected = plain_basket_levels(closes, base)
        assert levels.get_column("date").to_list() == days
        assert levels.get_column("level").to_list() == pytest.approx([expected[d] for d in days])
        assert levels.filter(pl.col("date") == base).get_column("level").item() == 100.0


def test_a_days_basket_level_does_not_depend_on_how_much_history_is_loaded() -> None:
    """100 at the previous year's last close: a replay that loads more or less history than the
    running market gives every day the same level."""
    days = sessions(60, dt.date(2026, 2, 10))  # back into November 2025
    closes = {
        "A": {day: 10.0 + (index % 7) for index, day in enumerate(days)},
        "B": {day: 30.0 - 0.2 * index for index, day in enumerate(days)},
    }
    membership = basket_membership({"X": ("A", "B")})
    year_end = dt.date(2025, 12, 31)
    levels = []
    for start in (0, 10, 30):  # always before the year end
        frame = daily_closes(
            {s: {d: series[d] for d in days[start:]} for s, series in closes.items()}
        )
        level = basket_levels(previous_closes(frame, None, TODAY), membership, year_end)
        levels.append(level.filter(pl.col("date") >= days[30]).get_column("level").to_list())
    assert levels[0] == pytest.approx(levels[1]) and levels[0] == pytest.approx(levels[2])
    assert levels[0][days[30:].index(year_end)] == pytest.approx(100.0)


def test_without_history_back_to_the_base_a_basket_has_no_level() -> None:
    days = sessions(5, dt.date(2026, 2, 10))  # all in 2026
    frame = daily_closes({"A": {day: 10.0 + index for index, day in enumerate(days)}})
    levels = basket_levels(
        previous_closes(frame, None, TODAY), basket_membership({"X": ("A",)}), dt.date(2025, 12, 31)
    )
    assert levels.get_column("level").to_list() == [None] * 5


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(1.0, 1000.0), min_size=2, max_size=30))
def test_a_basket_of_identical_members_moves_like_the_member(prices: list[float]) -> None:
    days = sessions(len(prices), dt.date(2026, 2, 10))
    series = dict(zip(days, prices, strict=True))
    frame = daily_closes({"A": series, "B": series})
    levels = basket_levels(
        previous_closes(frame, None, TODAY), basket_membership({"X": ("A", "B")}), days[0]
    )
    expected = [100.0 * price / prices[0] for price in prices]
    assert levels.get_column("level").to_list() == pytest.approx(expected)


def test_basket_quotes_apply_the_mean_member_return_to_yesterdays_level() -> None:
    days = sessions(40, dt.date(2026, 2, 10))
    closes = {
        "A": {day: 10.0 + index for index, day in enumerate(days)},
        "B": {day: 50.0 - 0.5 * index for index, day in enumerate(days)},
    }
    frame = daily_closes(closes)
    last_a, last_b = closes["A"][days[-1]], closes["B"][days[-1]]
    quote_frame = quotes(
        [
            {"symbol": "A", "last": last_a * 1.02, "prev_close": last_a},
            {"symbol": "B", "last": last_b * 0.99, "prev_close": last_b},
            {"symbol": "C", "last": None, "prev_close": 5.0, "ts": NOW + dt.timedelta(seconds=1)},
        ]
    )
    row = by_symbol(
        basket_quotes(
            previous_closes(frame, None, TODAY),
            quote_frame,
            basket_membership({"X": ("A", "B", "C")}),
            TODAY,
        ).rename({"basket": "symbol"})
    )["X"]
    levels = plain_basket_levels(closes)
    previous = levels[days[-1]]
    last = previous * (1 + (0.02 - 0.01) / 2)  # C has no price: left out of the mean
    assert row["previous_level"] == pytest.approx(previous)
    assert row["last"] == pytest.approx(last)
    assert row["change"] == pytest.approx(last - previous)
    assert row["change_pct"] == pytest.approx(0.5)
    assert row["change_5d_pct"] == pytest.approx((last / levels[dt.date(2026, 2, 4)] - 1) * 100)
    assert row["ytd_pct"] == pytest.approx((last / levels[dt.date(2025, 12, 31)] - 1) * 100)
    assert row["ts"] == NOW + dt.timedelta(seconds=1)


def test_basket_quotes_without_history_have_a_change_but_no_level() -> None:
    row = basket_quotes(
        previous_closes(daily_closes({}), None, TODAY),
        quotes([{"symbol": "A", "last": 11.0, "prev_close": 10.0}]),
        basket_membership({"X": ("A",)}),
        TODAY,
    ).row(0, named=True)
    assert row["change_pct"] == pytest.approx(10.0)
    assert (row["last"], row["change"], row["previous_level"]) == (None, None, None)
    assert row["change_5d_pct"] is None
    assert row["ytd_pct"] is None


def test_a_basket_with_history_short_of_the_year_end_keeps_its_five_day_change() -> None:
    days = sessions(10, dt.date(2026, 2, 10))  # all in 2026
    closes = {"A": {day: 10.0 + index for index, day in enumerate(days)}}
    last_a = closes["A"][days[-1]]
    row = basket_quotes(
        previous_closes(daily_closes(closes), None, TODAY),
        quotes([{"symbol": "A", "last": last_a * 1.02, "prev_close": last_a}]),
        basket_membership({"X": ("A",)}),
        TODAY,
    ).row(0, named=True)
    assert row["last"] is None and row["ytd_pct"] is None
    base_5d = closes["A"][dt.date(2026, 2, 4)]
    assert row["change_5d_pct"] == pytest.approx((last_a * 1.02 / base_5d - 1) * 100)


def test_basket_quotes_weight_the_members_returns_and_leave_out_the_unpriced() -> None:
    days = sessions(8, dt.date(2026, 2, 10))
    closes = {
        "A": dict(zip(days, [100.0, 101, 102, 103, 104, 105, 106, 100], strict=True)),
        "B": dict(zip(days, [50.0, 50, 49, 48, 47, 46, 45, 50], strict=True)),
        "C": dict(zip(days, [10.0, 10, 10, 10, 10, 10, 10, 10], strict=True)),
    }
    membership = basket_membership({"X": ("A", "B", "C")}, {"X": {"A": 0.5, "B": 0.3, "C": 0.2}})
    row = basket_quotes(
        previous_closes(daily_closes(closes), None, TODAY),
        quotes(
            [
                {"symbol": "A", "last": 102.0, "prev_close": 100.0},
                {"symbol": "B", "last": 49.0, "prev_close": 50.0},
            ]
        ),
        membership,
        TODAY,
    ).row(0, named=True)
    # C has no quote: A and B's weights scaled up to 0.5/0.8 and 0.3/0.8.
    assert row["change_pct"] == pytest.approx((0.5 * 0.02 + 0.3 * -0.02) / 0.8 * 100)
    assert membership.get_column("weight").to_list() == [0.5, 0.3, 0.2]
    assert basket_membership({"Y": ("A", "B")}).get_column("weight").to_list() == [0.5, 0.5]


def test_basket_intraday_holds_each_member_at_its_latest_bar() -> None:
    open_ = dt.datetime(2026, 2, 11, 14, 30, tzinfo=dt.UTC)
    minute = dt.timedelta(minutes=5)
    frame = bars(
        [
            {"symbol": "A", "ts": open_, "close": 101.0},
            {"symbol": "B", "ts": open_ + minute, "close": 49.0},
            {"symbol": "A", "ts": open_ + 2 * minute, "close": 103.0},
        ],
        interval="5m",
    )
    quote_frame = quotes(
        [
            {"symbol": "A", "last": 103.0, "prev_close": 100.0},
            {"symbol": "B", "last": 49.0, "prev_close": 50.0},
        ]
    )
    result = basket_intraday_returns(
        latest_session_bars(frame, ["A", "B"]), quote_frame, basket_membership({"X": ("A", "B")})
    )
    assert result.get_column("ts").to_list() == [open_, open_ + minute, open_ + 2 * minute]
    assert result.get_column("ret").to_list() == pytest.approx(
        [0.01, (0.01 - 0.02) / 2, (0.03 - 0.02) / 2]
    )


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 20), st.sampled_from("ABC"), st.floats(50.0, 150.0)),
        min_size=1,
        max_size=40,
    ),
    st.tuples(*(st.floats(0.1, 10.0) for _ in "ABC")),
)
def test_basket_intraday_matches_a_direct_as_of_mean(
    ticks: list[tuple[int, str, float]], weights: tuple[float, float, float]
) -> None:
    """Weighted by the basket's weights, among the members that have a bar by then."""
    open_ = dt.datetime(2026, 2, 11, 14, 30, tzinfo=dt.UTC)
    latest: dict[tuple[int, str], float] = {}
    for minute, symbol, close in ticks:
        latest[minute, symbol] = close  # one bar per symbol and minute
    frame = bars(
        [
            {"symbol": symbol, "ts": open_ + dt.timedelta(minutes=minute), "close": close}
            for (minute, symbol), close in latest.items()
        ],
        interval="1m",
    )
    quote_frame = quotes([{"symbol": s, "last": 1.0, "prev_close": 100.0} for s in "ABC"])
    weight = dict(zip("ABC", weights, strict=True))
    membership = basket_membership({"X": tuple("ABC")}, {"X": weight})
    result = basket_intraday_returns(latest_session_bars(frame, "ABC"), quote_frame, membership)
    expected = []
    for minute in sorted({minute for minute, _ in latest}):
        seen = {}
        for (bar_minute, symbol), close in sorted(latest.items()):
            if bar_minute <= minute:
                seen[symbol] = close / 100.0 - 1
        total = sum(weight[symbol] for symbol in seen)
        expected.append(sum(weight[symbol] * ret for symbol, ret in seen.items()) / total)
    assert result.get_column("ret").to_list() == pytest.approx(expected, abs=1e-12)


# ------------------------------------------------------------------------------ Indices view


def indices_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "indices": (IndexSpec("^GSPC", "S&P 500"), IndexSpec("^TNX", "10-year yield")),
        "baskets": (Basket("Pair", ("A", "B"), "^GSPC"),),
    }
    return Settings(**{**values, **overrides})


def indices_market() -> Any:
    days = sessions(40, dt.date(2026, 2, 10))
    closes = {
        "^GSPC": {day: 6000.0 + 10 * index for index, day in enumerate(days)},
        "^TNX": {day: 4.0 + 0.01 * index for index, day in enumerate(days)},
        "A": {day: 10.0 + index for index, day in enumerate(days)},
        "B": {day: 30.0 + 0.5 * index for index, day in enumerate(days)},
    }
    daily = daily_closes(closes)
    # Today's partial bar is in the daily frame but never used as a previous close.
    daily = pl.concat(
        [daily, daily_closes({"^GSPC": {TODAY: 1.0}, "A": {TODAY: 1.0}, "B": {TODAY: 1.0}})]
    )
    last = {symbol: series[days[-1]] for symbol, series in closes.items()}
    quote_frame = quotes(
        [
            {"symbol": "^GSPC", "last": last["^GSPC"] * 1.01, "prev_close": last["^GSPC"]},
            {"symbol": "^TNX", "last": last["^TNX"] + 0.05, "prev_close": last["^TNX"]},
            {"symbol": "A", "last": last["A"] * 0.98, "prev_close": last["A"]},
            {"symbol": "B", "last": last["B"] * 1.04, "prev_close": last["B"]},
        ]
    )
    open_ = dt.datetime(2026, 2, 11, 14, 30, tzinfo=dt.UTC)
    intraday = bars(
        [
            {"symbol": "^GSPC", "ts": open_, "close": 6400.0},
            {"symbol": "^GSPC", "ts": open_ + dt.timedelta(minutes=5), "close": 6410.0},
            {"symbol": "A", "ts": open_, "close": last["A"] * 1.01},
            {"symbol": "B", "ts": open_, "close": last["B"] * 0.99},
        ],
        interval="5m",
    )
    data = empty_market_data(NOW).replace(quotes=quote_frame, daily=daily, intraday=intraday)
    return data, closes, days


def test_indices_rows_carry_changes_kinds_and_intraday_closes() -> None:
    data, closes, days = indices_market()
    view = build_indices(data, indices_settings())
    spx, tnx, _ = view.rows
    last_close = closes["^GSPC"][days[-1]]
    assert (spx.symbol, spx.label, spx.kind) == ("^GSPC", "S&P 500", "index")
    assert spx.last == pytest.approx(last_close * 1.01)
    assert spx.change == pytest.approx(last_close * 0.01)
    assert spx.change_pct == pytest.approx(1.0)
    assert spx.change_5d_pct == pytest.approx(
        (last_close * 1.01 / closes["^GSPC"][dt.date(2026, 2, 4)] - 1) * 100
    )
    assert spx.intraday == (6400.0, 6410.0)
    assert spx.as_of == NOW
    assert spx.problem is None
    assert tnx.kind == "yield"
    assert tnx.change == pytest.approx(0.05)  # yield points
    # A yield moves in basis points, today, over 5 days and year to date; never in percent.
    last_tnx = closes["^TNX"][days[-1]] + 0.05
    assert tnx.change_bp == pytest.approx(5.0)
    assert tnx.change_5d_bp == pytest.approx((last_tnx - closes["^TNX"][dt.date(2026, 2, 4)]) * 100)
    assert tnx.ytd_bp == pytest.approx((last_tnx - closes["^TNX"][dt.date(2025, 12, 31)]) * 100)
    assert (tnx.change_pct, tnx.change_5d_pct, tnx.ytd_pct) == (None, None, None)
    assert spx.change_bp is None
    assert view.as_of == NOW


def test_basket_row_is_an_equal_weighted_index_compared_with_its_benchmark() -> None:
    data, closes, days = indices_market()
    view = build_indices(data, indices_settings())
    basket = view.rows[-1]
    previous = plain_basket_levels({s: closes[s] for s in ("A", "B")})[days[-1]]
    assert (basket.symbol, basket.label, basket.kind) == ("basket:Pair", "Pair", "basket")
    assert basket.change_pct == pytest.approx((-2.0 + 4.0) / 2)
    assert basket.last == pytest.approx(previous * 1.01)
    assert basket.intraday == pytest.approx((previous * (1 + (0.01 - 0.01) / 2),))
    spx = view.rows[0]
    assert basket.benchmark == "^GSPC"
    assert spx.change_5d_pct is not None and basket.change_5d_pct is not None
    assert basket.rel_5d_pct == pytest.approx(basket.change_5d_pct - spx.change_5d_pct)


def test_rows_without_data_are_kept_and_marked() -> None:
    data, _, _ = indices_market()
    settings_ = indices_settings(
        indices=(
            IndexSpec("^GSPC", "S&P 500"),
            IndexSpec("^RUT", "Russell 2000"),
            IndexSpec("^DJI", "Dow"),
        ),
        baskets=(Basket("Ghosts", ("X", "Y")), Basket("Pair", ("A", "B"), "^NOPE")),
    )
    null_quote = quotes([{"symbol": "^DJI", "last": None, "prev_close": 40_000.0}])
    data = data.replace(
        problems={"^GSPC": "not found"}, quotes=pl.concat([data.quotes, null_quote])
    )
    spx, rut, dji, ghosts, pair = build_indices(data, settings_).rows
    # A problem replaces a row only when it has nothing to show: ^GSPC has its figures.
    assert (spx.problem, spx.intraday_note) == (None, None)
    assert spx.last is not None and spx.intraday
    assert (rut.problem, rut.last, rut.change_pct, rut.intraday) == ("no data", None, None, ())
    assert (dji.problem, dji.last, dji.change) == ("no data", None, None)
    assert (ghosts.problem, ghosts.last, ghosts.change, ghosts.change_5d_pct) == (
        "no data",
        None,
        None,
        None,
    )
    assert pair.problem is None
    assert pair.rel_5d_pct is None  # the benchmark has no data: None, never 0


def test_empty_market_gives_marked_rows_and_no_as_of() -> None:
    view = build_indices(empty_market_data(NOW), Settings())
    assert len(view.rows) == len(Settings().indices) + len(Settings().baskets)
    assert all(row.problem == "no data" for row in view.rows)
    assert all(row.last is None and row.change is None for row in view.rows)
    assert view.as_of is None


def test_member_prices_outside_the_basket_do_not_leak_in() -> None:
    data, _, _ = indices_market()
    other = quotes([{"symbol": "Z", "last": 1000.0, "prev_close": 1.0}])
    data = data.replace(quotes=pl.concat([data.quotes, other]))
    basket = build_indices(data, indices_settings()).rows[-1]
    assert basket.change_pct is not None and math.isclose(basket.change_pct, 1.0)
