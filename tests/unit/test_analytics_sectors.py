"""Sector flow estimates and the Sector flows view, checked against plain Python."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit import frames
from tui.analytics.market import empty_market_data
from tui.analytics.sectors import build_sectors, money_flow, money_flow_multiplier, sector_flows
from tui.config import SectorSpec, Settings
from tui.market_hours import last_trading_days
from tui.sources.base import BARS_SCHEMA

NOW = dt.datetime(2026, 2, 11, 18, 0, tzinfo=dt.UTC)  # Wednesday, mid-session in New York
TODAY = dt.date(2026, 2, 11)
PREVIOUS = last_trading_days(dt.date(2026, 2, 10), 25)  # the sessions before today


def plain_flow(high: float, low: float, close: float, volume: float) -> float:
    multiplier = 0.0 if high == low else ((close - low) - (high - close)) / (high - low)
    return multiplier * volume * (high + low + close) / 3


def daily(records: Iterable[tuple[str, dt.date, float, float, float, float]]) -> pl.DataFrame:
    """(symbol, day, high, low, close, volume) rows."""
    return pl.DataFrame(
        [
            {
                "symbol": symbol,
                "ts": dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC),
                "open": None,
                "high": high,
                "low": low,
                "close": close,
                "volume": volume,
                "interval": "1d",
            }
            for symbol, day, high, low, close, volume in records
        ],
        schema=BARS_SCHEMA,
    )


quotes = functools.partial(frames.quotes, ts=NOW)


def history(
    symbol: str, days: list[dt.date]
) -> list[tuple[str, dt.date, float, float, float, float]]:
    """Bars whose close sits at varied points of the range, with varied volume."""
    return [
        (symbol, day, 12.0 + index % 3, 9.0, 10.0 + index % 4 * 0.5, 1000.0 * (index + 1))
        for index, day in enumerate(days)
    ]


def test_multiplier_is_one_at_the_high_minus_one_at_the_low_and_zero_without_range() -> None:
    frame = pl.DataFrame(
        {
            "high": [10.0, 10.0, 10.0, 5.0, None],
            "low": [8.0, 8.0, 8.0, 5.0, 1.0],
            "close": [10.0, 8.0, 9.0, 5.0, 1.0],
        }
    )
    multiplier = money_flow_multiplier(pl.col("high"), pl.col("low"), pl.col("close"))
    assert frame.select(multiplier).to_series().to_list() == [1.0, -1.0, 0.0, 0.0, None]


@settings(max_examples=100, deadline=None)
@given(
    low=st.floats(1.0, 1000.0),
    span=st.floats(0.0, 100.0),
    position=st.floats(0.0, 1.0),
    volume=st.floats(1.0, 1e9),
)
def test_flow_matches_the_formula_and_its_sign_follows_the_close_location(
    low: float, span: float, position: float, volume: float
) -> None:
    high = low + span
    close = low + span * position
    frame = pl.DataFrame({"h": [high], "l": [low], "c": [close], "v": [volume]})
    flow = frame.select(money_flow(pl.col("h"), pl.col("l"), pl.col("c"), pl.col("v"))).item()
    assert flow == pytest.approx(plain_flow(high, low, close, volume), rel=1e-9, abs=1e-6)
    above_middle, below_middle = close - low, high - close
    if high != low and abs(above_middle - below_middle) > 1e-9 * high:
        assert (flow > 0) == (above_middle > below_middle)


def test_sector_flows_match_a_direct_computation() -> None:
    bars = [*history("XLK", PREVIOUS), ("XLK", TODAY, 99.0, 1.0, 50.0, 5.0)]  # partial bar
    quote = {"symbol": "XLK", "last": 10.5, "prev_close": 10.0, "high": 11.0, "low": 10.0}
    quote["volume"] = 30_000.0
    row = sector_flows(quotes([quote]), daily(bars), ["XLK"], TODAY).row(0, named=True)
    today = plain_flow(11.0, 10.0, 10.5, 30_000.0)
    previous_four = [plain_flow(h, lo, c, v) for _, _, h, lo, c, v in history("XLK", PREVIOUS)[-4:]]
    previous_twenty = [v for *_, v in history("XLK", PREVIOUS)[-20:]]
    assert row["flow_today"] == pytest.approx(today)
    assert row["flow_5d"] == pytest.approx(today + sum(previous_four))
    assert row["rel_volume"] == pytest.approx(30_000.0 / (sum(previous_twenty) / 20))


def test_flow_5d_needs_all_four_previous_sessions() -> None:
    bars = [bar for bar in history("XLK", PREVIOUS) if bar[1] != dt.date(2026, 2, 9)]
    quote = {"symbol": "XLK", "last": 10.5, "high": 11.0, "low": 10.0, "volume": 100.0}
    row = sector_flows(quotes([quote]), daily(bars), ["XLK"], TODAY).row(0, named=True)
    assert row["flow_today"] is not None
    assert row["flow_5d"] is None
    assert row["rel_volume"] is not None  # 19 of the 20 sessions are enough for a mean


def test_flows_without_history_or_prices_stay_unknown() -> None:
    quote = {"symbol": "XLK", "last": 10.5, "high": None, "low": 10.0, "volume": 100.0}
    row = sector_flows(quotes([quote]), daily([]), ["XLK"], TODAY).row(0, named=True)
    assert (row["flow_today"], row["flow_5d"], row["rel_volume"]) == (None, None, None)


# -------------------------------------------------------------------------------- Sectors view

SECTORS = (
    SectorSpec("XLK", "Information Technology"),
    SectorSpec("XLE", "Energy"),
    SectorSpec("XLU", "Utilities"),
    SectorSpec("XLB", "Materials"),
)


def sectors_market() -> Any:
    bars = [bar for symbol in ("XLK", "XLE", "XLU") for bar in history(symbol, PREVIOUS)]
    quote_frame = quotes(
        [
            # Closes at the low: outflow. Closes at the high: inflow. XLU: no range, no flow.
            {"symbol": "XLK", "last": 9.0, "prev_close": 10.0, "high": 11.0, "low": 9.0},
            {"symbol": "XLE", "last": 11.0, "prev_close": 10.0, "high": 11.0, "low": 9.0},
            {"symbol": "XLU", "last": 10.0, "prev_close": 10.0, "high": 10.0, "low": 10.0},
            {"symbol": "^GSPC", "last": 101.0, "prev_close": 100.0},
        ]
    ).with_columns(volume=pl.lit(1000.0))
    return empty_market_data(NOW).replace(quotes=quote_frame, daily=daily(bars))


def test_sectors_are_ranked_by_todays_flow_with_unknown_last() -> None:
    view = build_sectors(sectors_market(), Settings(sectors=SECTORS))
    assert [row.symbol for row in view.rows] == ["XLE", "XLU", "XLK", "XLB"]
    xle, xlu, xlk, xlb = view.rows
    assert xle.flow_today is not None and xle.flow_today > 0
    assert xlu.flow_today == 0.0
    assert xlk.flow_today is not None and xlk.flow_today < 0
    assert (xlb.flow_today, xlb.change_pct, xlb.problem) == (None, None, "no data")
    assert xle.sector == "Energy"


def test_relative_strength_is_the_change_minus_the_benchmarks() -> None:
    view = build_sectors(sectors_market(), Settings(sectors=SECTORS))
    by_symbol = {row.symbol: row for row in view.rows}
    assert by_symbol["XLE"].change_pct == pytest.approx(10.0)
    assert by_symbol["XLE"].rel_strength == pytest.approx(10.0 - 1.0)
    assert by_symbol["XLK"].rel_strength == pytest.approx(-10.0 - 1.0)
    assert view.benchmark == "^GSPC"
    assert view.as_of == NOW


def test_relative_strength_is_unknown_without_the_benchmark() -> None:
    data = sectors_market()
    data = data.replace(quotes=data.quotes.filter(pl.col("symbol") != "^GSPC"))
    view = build_sectors(data, Settings(sectors=SECTORS))
    assert all(row.rel_strength is None for row in view.rows)
    assert all(row.change_pct is not None for row in view.rows if row.symbol != "XLB")


def test_sector_problems_are_shown_on_rows_that_stay() -> None:
    data = sectors_market().replace(problems={"XLK": "not found"})
    null_quote = quotes([{"symbol": "XLB", "last": None, "prev_close": 90.0}])
    data = data.replace(quotes=pl.concat([data.quotes, null_quote]))
    rows = {row.symbol: row for row in build_sectors(data, Settings(sectors=SECTORS)).rows}
    assert rows["XLK"].problem == "not found"
    assert (rows["XLB"].problem, rows["XLB"].change_pct, rows["XLB"].flow_today) == (
        "no data",
        None,
        None,
    )
    assert len(rows) == len(SECTORS)
