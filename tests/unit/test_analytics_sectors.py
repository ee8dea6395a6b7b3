"""Sector flow estimates and the Sector flows view, checked against plain Python."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit import frames
from tui.analytics.market import empty_market_data
from tui.analytics.sectors import (
    VOLUME_PROFILE,
    build_sectors,
    money_flow,
    money_flow_multiplier,
    profile_share,
    sector_flows,
    volume_by_time_of_day,
)
from tui.config import SectorSpec, Settings
from tui.market_hours import last_trading_days, session_times
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
    assert row["mean_volume"] == pytest.approx(sum(previous_twenty) / 20)
    previous_flows = [plain_flow(h, lo, c, v) for _, _, h, lo, c, v in history("XLK", PREVIOUS)]
    assert row["mean_abs_flow"] == pytest.approx(sum(map(abs, previous_flows[-20:])) / 20)


def test_flow_5d_needs_all_four_previous_sessions() -> None:
    bars = [bar for bar in history("XLK", PREVIOUS) if bar[1] != dt.date(2026, 2, 9)]
    quote = {"symbol": "XLK", "last": 10.5, "high": 11.0, "low": 10.0, "volume": 100.0}
    row = sector_flows(quotes([quote]), daily(bars), ["XLK"], TODAY).row(0, named=True)
    assert row["flow_today"] is not None
    assert row["flow_5d"] is None
    assert row["mean_volume"] is not None  # 19 of the 20 sessions are enough for a mean


def test_flows_without_history_or_prices_stay_unknown() -> None:
    quote = {"symbol": "XLK", "last": 10.5, "high": None, "low": 10.0, "volume": 100.0}
    row = sector_flows(quotes([quote]), daily([]), ["XLK"], TODAY).row(0, named=True)
    assert (row["flow_today"], row["flow_5d"], row["mean_volume"]) == (None, None, None)


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


def test_a_sector_problem_replaces_only_a_row_with_nothing_to_show() -> None:
    problems = {"XLK": "no data on or before 2026-01-20", "XLB": "not found"}
    data = sectors_market().replace(problems=problems)
    null_quote = quotes([{"symbol": "XLU", "last": None, "prev_close": 90.0}])
    data = data.replace(
        quotes=pl.concat([data.quotes.filter(pl.col("symbol") != "XLU"), null_quote])
    )
    rows = {row.symbol: row for row in build_sectors(data, Settings(sectors=SECTORS)).rows}
    assert rows["XLK"].problem is None and rows["XLK"].change_pct is not None  # it has a price
    assert (rows["XLB"].problem, rows["XLB"].change_pct) == ("not found", None)
    assert (rows["XLU"].problem, rows["XLU"].change_pct, rows["XLU"].flow_today) == (
        "no data",
        None,
        None,
    )
    assert len(rows) == len(SECTORS)


# ------------------------------------------------------------------- relative volume by time


def session_open(day: dt.date) -> dt.datetime:
    times = session_times(day)
    assert times is not None
    return times.open


def five_minute_bars(symbol: str, day: dt.date, volumes: Sequence[float]) -> list[dict[str, Any]]:
    """Regular-session 5-minute bars from the open, one per volume; a pre-market and a
    post-market bar around them that never count."""
    start = session_open(day)
    bars = [
        {"ts": start + dt.timedelta(minutes=5 * index), "volume": volume}
        for index, volume in enumerate(volumes)
    ]
    bars.append({"ts": start - dt.timedelta(minutes=30), "volume": 1e9})
    bars.append({"ts": start + dt.timedelta(hours=6, minutes=35), "volume": 1e9})
    return [
        {"symbol": symbol, "open": 1.0, "high": 1.0, "low": 1.0, "close": 1.0, "interval": "5m"}
        | bar
        for bar in bars
    ]


def intraday(records: Iterable[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(list(records), schema=BARS_SCHEMA)


EARLIER = PREVIOUS[-3:]  # three sessions of intraday bars before today


def earlier_bars(symbol: str = "XLK") -> pl.DataFrame:
    """Session k has 1000 * (k + 1) shares in each 5-minute bar: 1000, 2000 and 3000."""
    return intraday(
        bar
        for index, day in enumerate(EARLIER)
        for bar in five_minute_bars(symbol, day, [1000.0 * (index + 1)] * 78)
    )


def test_volume_by_time_of_day_is_the_mean_of_earlier_sessions_up_to_the_same_time() -> None:
    # 62 minutes after the open: 12 whole 5-minute bars and 2/5 of the 13th.
    frame = volume_by_time_of_day(earlier_bars(), {"XLK": 62.0}, TODAY).row(0, named=True)
    per_bar = (1000.0 + 2000.0 + 3000.0) / 3
    assert frame["sessions"] == 3
    assert frame["volume_by_now"] == pytest.approx(per_bar * 12.4)
    assert frame["volume_by_close"] == pytest.approx(per_bar * 78)


def test_todays_bars_and_symbols_not_asked_for_do_not_count() -> None:
    today = intraday(five_minute_bars("XLK", TODAY, [5e6] * 10))
    other = earlier_bars("XLE")
    frame = volume_by_time_of_day(pl.concat([earlier_bars(), today, other]), {"XLK": 62.0}, TODAY)
    assert frame.get_column("symbol").to_list() == ["XLK"]
    assert frame.row(0, named=True)["volume_by_now"] == pytest.approx(2000.0 * 12.4)


def heavy_morning(minutes_in: int, volume_so_far: float) -> Any:
    """XLK `minutes_in` minutes after today's open with `volume_so_far` traded, over the daily
    history and three earlier sessions of intraday bars."""
    now = session_open(TODAY) + dt.timedelta(minutes=minutes_in)
    quote = {"symbol": "XLK", "last": 10.5, "prev_close": 10.0, "high": 11.0, "low": 10.0}
    quote |= {"volume": volume_so_far, "ts": now}
    return empty_market_data(now).replace(
        quotes=frames.quotes([quote], ts=now),
        daily=daily(history("XLK", PREVIOUS)),
        intraday=earlier_bars(),
    )


def test_relative_volume_compares_with_the_same_time_of_day_on_earlier_sessions() -> None:
    """At 9:45 a heavy morning had traded twice the usual volume by 9:45: 2.0x, not the 0.1x a
    whole day's average gives."""
    usual_by_945 = 2000.0 * 3  # three 5-minute bars of the mean earlier session
    data = heavy_morning(15, 2 * usual_by_945)
    (row,) = build_sectors(data, Settings(sectors=SECTORS[:1])).rows
    assert row.rel_volume == pytest.approx(2.0)
    assert (row.rel_volume_basis, row.rel_volume_sessions) == ("intraday", 3)
    # The usual flow by now: the mean absolute daily flow times the day's share done by 9:45.
    flows = [abs(plain_flow(h, lo, c, v)) for _, _, h, lo, c, v in history("XLK", PREVIOUS)[-20:]]
    assert row.usual_flow == pytest.approx(sum(flows) / 20 * 3 / 78)


def test_without_earlier_intraday_bars_relative_volume_uses_the_volume_profile() -> None:
    data = heavy_morning(15, 5000.0).replace(intraday=intraday([]))
    (row,) = build_sectors(data, Settings(sectors=SECTORS[:1])).rows
    mean_daily = sum(v for *_, v in history("XLK", PREVIOUS)[-20:]) / 20
    assert row.rel_volume == pytest.approx(5000.0 / (mean_daily * profile_share(15, 390)))
    assert row.rel_volume_basis == "profile" and row.rel_volume_sessions == 0


def test_after_the_close_relative_volume_compares_whole_days() -> None:
    data = heavy_morning(400, 30_000.0)  # 16:10: the session is over
    (row,) = build_sectors(data, Settings(sectors=SECTORS[:1])).rows
    mean_daily = sum(v for *_, v in history("XLK", PREVIOUS)[-20:]) / 20
    assert row.rel_volume == pytest.approx(30_000.0 / mean_daily)
    assert row.rel_volume_basis == "day"


def test_the_volume_profile_runs_from_nothing_at_the_open_to_everything_at_the_close() -> None:
    assert sum(VOLUME_PROFILE) == pytest.approx(1.0)
    shares = [profile_share(minute, 390) for minute in range(0, 391, 5)]
    assert shares[0] == 0.0 and shares[-1] == pytest.approx(1.0)
    assert shares == sorted(shares)
    assert profile_share(15, 390) == pytest.approx(VOLUME_PROFILE[0])
    assert profile_share(105, 210) == pytest.approx(0.5, abs=0.05)  # an early close, stretched
