"""Short-interest metrics, short-volume z-scores, the Most shorted universe and its ranking."""

from __future__ import annotations

import datetime as dt
import functools
import statistics
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit import frames
from tui.analytics.market import empty_market_data
from tui.analytics.shorts import (
    build_shorts,
    latest_settlements,
    latest_shares,
    rank_by_short_pct,
    short_candidates,
    short_metrics,
    short_volume_stats,
)
from tui.config import Settings, ShortedSettings
from tui.market_hours import last_trading_days
from tui.sources.base import (
    SHARES_SCHEMA,
    SHORT_INTEREST_SCHEMA,
    SHORT_VOLUME_SCHEMA,
    SymbolInfo,
)

NOW = dt.datetime(2026, 2, 11, 18, 0, tzinfo=dt.UTC)
SETTLED = dt.date(2026, 1, 30)
EARLIER = dt.date(2026, 1, 15)
SV_DAYS = last_trading_days(dt.date(2026, 2, 10), 30)


def frame(
    schema: pl.Schema, defaults: Mapping[str, Any], rows: Iterable[Mapping[str, Any]]
) -> pl.DataFrame:
    return pl.DataFrame([{**defaults, **row} for row in rows], schema=schema)


def short_interest(rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    defaults = {
        "settlement_date": SETTLED,
        "short_shares": None,
        "prior_short_shares": None,
        "avg_daily_volume": 1e6,
        "days_to_cover": None,
        "source": "test",
    }
    return frame(SHORT_INTEREST_SCHEMA, defaults, rows)


def shares(rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    defaults = {"as_of": dt.date(2025, 12, 31), "float_shares": None, "source": "test"}
    return frame(SHARES_SCHEMA, defaults, rows)


quotes = functools.partial(frames.quotes, ts=NOW)


def short_volume(
    symbol: str, ratios: list[float], days: list[dt.date] | None = None
) -> pl.DataFrame:
    days = days or SV_DAYS[-len(ratios) :]
    return frame(
        SHORT_VOLUME_SCHEMA,
        {"symbol": symbol, "short_exempt_volume": 0.0},
        (
            {"date": day, "short_volume": ratio * 1000.0, "total_volume": 1000.0}
            for day, ratio in zip(days, ratios, strict=True)
        ),
    )


def rows_by_symbol(result: pl.DataFrame) -> dict[str, dict[str, Any]]:
    return {row["symbol"]: row for row in result.iter_rows(named=True)}


# ------------------------------------------------------------------------------------ metrics


def test_short_pct_uses_the_float_else_shares_outstanding_else_nothing() -> None:
    si = short_interest(
        {"symbol": symbol, "short_shares": 10.0, "prior_short_shares": 8.0}
        for symbol in ("F", "O", "Z", "N")
    )
    shares_frame = shares(
        [
            {"symbol": "F", "shares_outstanding": 400.0, "float_shares": 200.0},
            {"symbol": "O", "shares_outstanding": 400.0, "float_shares": None},
            {"symbol": "Z", "shares_outstanding": 400.0, "float_shares": 0.0},
        ]
    )
    rows = rows_by_symbol(short_metrics(si, shares_frame))
    assert (rows["F"]["short_pct"], rows["F"]["short_pct_basis"]) == (5.0, "float")
    assert (rows["O"]["short_pct"], rows["O"]["short_pct_basis"]) == (2.5, "outstanding")
    assert (rows["Z"]["short_pct"], rows["Z"]["short_pct_basis"]) == (2.5, "outstanding")
    assert (rows["N"]["short_pct"], rows["N"]["short_pct_basis"]) == (None, None)
    assert rows["F"]["short_change_pct"] == pytest.approx(25.0)


def test_latest_shares_row_wins() -> None:
    shares_frame = shares(
        [
            {"symbol": "A", "as_of": dt.date(2025, 12, 31), "shares_outstanding": 100.0},
            {"symbol": "A", "as_of": dt.date(2025, 9, 30), "shares_outstanding": 50.0},
        ]
    )
    assert latest_shares(shares_frame).row(0, named=True)["share_base"] == 100.0


def test_days_to_cover_as_published_else_computed_where_there_is_volume() -> None:
    si = short_interest(
        [
            {"symbol": "P", "short_shares": 10.0, "days_to_cover": 3.5, "avg_daily_volume": 1.0},
            {"symbol": "C", "short_shares": 10.0, "days_to_cover": None, "avg_daily_volume": 4.0},
            {"symbol": "N", "short_shares": 10.0, "days_to_cover": None, "avg_daily_volume": 0.0},
            {"symbol": "U", "short_shares": 10.0, "days_to_cover": None, "avg_daily_volume": None},
        ]
    )
    rows = rows_by_symbol(short_metrics(si, shares([])))
    assert rows["P"]["days_to_cover"] == 3.5
    assert rows["C"]["days_to_cover"] == 2.5
    assert rows["N"]["days_to_cover"] is None
    assert rows["U"]["days_to_cover"] is None


def test_change_vs_prior_settlement_is_unknown_without_a_prior() -> None:
    si = short_interest(
        [
            {"symbol": "A", "short_shares": 10.0, "prior_short_shares": None},
            {"symbol": "B", "short_shares": 10.0, "prior_short_shares": 0.0},
        ]
    )
    assert all(
        row["short_change_pct"] is None
        for row in short_metrics(si, shares([])).iter_rows(named=True)
    )


def test_latest_settlement_per_symbol() -> None:
    si = short_interest(
        [
            {"symbol": "A", "settlement_date": SETTLED, "short_shares": 2.0},
            {"symbol": "A", "settlement_date": EARLIER, "short_shares": 1.0},
            {"symbol": "B", "settlement_date": EARLIER, "short_shares": 5.0},
        ]
    )
    rows = rows_by_symbol(latest_settlements(si))
    assert rows["A"]["short_shares"] == 2.0
    assert rows["B"]["settlement_date"] == EARLIER


# -------------------------------------------------------------------------------- short volume


def test_zscore_is_against_the_previous_twenty_days_with_the_sample_std() -> None:
    rng = np.random.default_rng(3)
    ratios = list(rng.uniform(0.3, 0.6, size=30))
    row = short_volume_stats(short_volume("A", ratios), ["A"]).row(0, named=True)
    baseline = ratios[-21:-1]  # the 20 days before the latest; older days play no part
    expected = (ratios[-1] - np.mean(baseline)) / np.std(baseline, ddof=1)
    assert row["sv_ratio"] == pytest.approx(ratios[-1])
    assert row["sv_date"] == SV_DAYS[-1]
    assert row["sv_zscore"] == pytest.approx(expected)
    assert row["sv_zscore"] != pytest.approx(
        (ratios[-1] - np.mean(baseline)) / np.std(baseline, ddof=0)
    )


def test_zscore_needs_ten_earlier_days() -> None:
    enough = short_volume_stats(short_volume("A", [0.4, 0.5] * 5 + [0.6]), ["A"])
    too_few = short_volume_stats(short_volume("A", [0.4, 0.5] * 4 + [0.5, 0.6]), ["A"])
    assert enough.row(0, named=True)["sv_zscore"] is not None
    assert too_few.row(0, named=True)["sv_zscore"] is None
    assert too_few.row(0, named=True)["sv_ratio"] == pytest.approx(0.6)


@settings(max_examples=50, deadline=None)
@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.integers(10, 25))
def test_zscore_of_a_constant_history_is_none(level: float, latest: float, days: int) -> None:
    row = short_volume_stats(short_volume("A", [level] * days + [latest]), ["A"]).row(0, named=True)
    assert row["sv_zscore"] is None
    assert row["sv_ratio"] == pytest.approx(latest)


def test_days_without_volume_are_skipped() -> None:
    sv = pl.concat(
        [
            short_volume("A", [0.4, 0.5] * 6, SV_DAYS[-13:-1]),
            frame(
                SHORT_VOLUME_SCHEMA,
                {"symbol": "A", "short_exempt_volume": 0.0},
                [{"date": SV_DAYS[-1], "short_volume": 0.0, "total_volume": 0.0}],
            ),
        ]
    )
    row = short_volume_stats(sv, ["A"]).row(0, named=True)
    assert row["sv_date"] == SV_DAYS[-2]
    assert row["sv_ratio"] == pytest.approx(0.5)


# ------------------------------------------------------------------------------------- ranking


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.floats(0.0, 100.0)), st.one_of(st.none(), st.floats(0, 50))
        ),
        max_size=30,
    )
)
def test_ranking_is_by_short_pct_descending_with_unknown_last(
    values: list[tuple[float | None, float | None]],
) -> None:
    metrics = pl.DataFrame(
        {
            "symbol": [f"S{index:02d}" for index in range(len(values))],
            "short_pct": [pct for pct, _ in values],
            "days_to_cover": [days for _, days in values],
        },
        schema={"symbol": pl.String(), "short_pct": pl.Float64(), "days_to_cover": pl.Float64()},
    )
    ranked = rank_by_short_pct(metrics).get_column("short_pct").to_list()
    known = [pct for pct in ranked if pct is not None]
    assert known == sorted(known, reverse=True)
    assert ranked == known + [None] * (len(ranked) - len(known))


# ------------------------------------------------------------------------------ Most shorted


def shorts_market() -> Any:
    si = short_interest(
        [
            # The newest settlement: the market universe.
            {"symbol": "HIGH", "short_shares": 30.0, "prior_short_shares": 20.0},
            {"symbol": "MID", "short_shares": 20.0, "prior_short_shares": 25.0},
            {"symbol": "LOW", "short_shares": 5.0},
            {"symbol": "THIN", "short_shares": 90.0, "avg_daily_volume": 10.0},
            {"symbol": "PENNY", "short_shares": 80.0},
            {"symbol": "NOSHARE", "short_shares": 50.0, "days_to_cover": 4.0},
            # Only in an older settlement: not in the market universe.
            {"symbol": "OLD", "settlement_date": EARLIER, "short_shares": 99.0},
            {"symbol": "HIGH", "settlement_date": EARLIER, "short_shares": 20.0},
        ]
    )
    shares_frame = shares(
        {"symbol": symbol, "shares_outstanding": 100.0, "float_shares": 100.0}
        for symbol in ("HIGH", "MID", "LOW", "THIN", "PENNY", "OLD")
    )
    quote_frame = quotes(
        [
            {"symbol": "HIGH", "last": 9.0, "prev_close": 10.0},
            {"symbol": "PENNY", "last": 1.0, "prev_close": 1.0},
            {"symbol": "MID", "last": None, "prev_close": 10.0},
        ]
    )
    sv = pl.concat([short_volume("HIGH", [0.4, 0.5] * 10 + [0.7]), short_volume("ZZZ", [0.4] * 5)])
    return empty_market_data(NOW, info={"HIGH": SymbolInfo("HIGH", "High Corp")}).replace(
        short_interest=si, shares=shares_frame, quotes=quote_frame, short_volume=sv
    )


# The hand-made market counts shares in hundreds: no minimum float, except where tested.
ANY_FLOAT = Settings(shorted=ShortedSettings(min_float=0.0))


def test_market_universe_is_the_latest_settlement_filtered_and_ranked() -> None:
    view = build_shorts(shorts_market(), ANY_FLOAT)
    # THIN trades too little, PENNY is below the minimum price; MID has no price: kept.
    assert [row.symbol for row in view.rows] == ["HIGH", "MID", "LOW", "NOSHARE"]
    high = view.rows[0]
    assert high.name == "High Corp"
    assert (high.short_pct, high.short_pct_basis, high.short_shares) == (30.0, "float", 30.0)
    assert high.short_change_pct == pytest.approx(50.0)
    assert high.price_change_pct == pytest.approx(-10.0)
    assert high.settlement_date == SETTLED
    assert high.sv_date == SV_DAYS[-1]
    assert high.sv_ratio == pytest.approx(0.7)
    baseline = [0.4, 0.5] * 10
    assert high.sv_zscore == pytest.approx((0.7 - 0.45) / statistics.stdev(baseline))
    noshare = view.rows[-1]
    assert (noshare.short_pct, noshare.short_pct_basis, noshare.days_to_cover) == (None, None, 4.0)
    assert (noshare.sv_ratio, noshare.sv_zscore, noshare.price_change_pct) == (None, None, None)
    assert view.settlement_date == SETTLED
    assert view.sv_date == SV_DAYS[-1]
    assert view.as_of == NOW


def test_rows_setting_limits_the_table() -> None:
    settings_ = Settings(shorted=ShortedSettings(rows=2, min_float=0.0))
    assert [row.symbol for row in build_shorts(shorts_market(), settings_).rows] == ["HIGH", "MID"]


def test_filters_follow_the_settings() -> None:
    settings_ = Settings(shorted=ShortedSettings(min_price=0.5, min_avg_volume=5.0, min_float=0))
    symbols = [row.symbol for row in build_shorts(shorts_market(), settings_).rows]
    assert symbols == ["THIN", "PENNY", "HIGH", "MID", "LOW", "NOSHARE"]


def test_tiny_floats_are_left_out_but_names_without_a_share_count_stay() -> None:
    data = shorts_market()
    data = data.replace(
        shares=data.shares.with_columns(
            float_shares=pl.when(pl.col("symbol") == "HIGH").then(50.0).otherwise(500.0)
        )
    )
    settings_ = Settings(shorted=ShortedSettings(min_float=100.0))
    assert [row.symbol for row in build_shorts(data, settings_).rows] == ["MID", "LOW", "NOSHARE"]


def test_watchlist_universe_shows_every_listed_name_without_price_filters() -> None:
    shorted = ShortedSettings(universe="watchlist", watchlist=("PENNY", "GHOST", "OLD", "ZZZ"))
    data = shorts_market().replace(problems={"GHOST": "not found"})
    rows = {row.symbol: row for row in build_shorts(data, Settings(shorted=shorted)).rows}
    assert list(rows) == ["OLD", "PENNY", "GHOST", "ZZZ"]  # unknown short %: by symbol
    assert rows["OLD"].settlement_date == EARLIER  # its own latest settlement
    assert rows["GHOST"].problem == "not found"
    assert rows["ZZZ"].problem is None  # short volume, no short interest: shown, not marked
    assert rows["ZZZ"].short_pct is None


def test_a_price_problem_does_not_hide_a_names_short_figures() -> None:
    """A replay past the intraday window says "no intraday bars" of a basket member: its short
    figures still show."""
    shorted = ShortedSettings(universe="watchlist", watchlist=("OLD", "ZZZ"))
    problems = {"OLD": "no intraday bars on 2026-01-20", "ZZZ": "no data on or before 2026-01-20"}
    data = shorts_market().replace(problems=problems)
    rows = {row.symbol: row for row in build_shorts(data, Settings(shorted=shorted)).rows}
    assert rows["OLD"].problem is None and rows["OLD"].settlement_date == EARLIER
    assert rows["ZZZ"].problem is None and rows["ZZZ"].sv_date is not None


def test_watchlist_names_without_any_short_data_are_marked() -> None:
    shorted = ShortedSettings(universe="watchlist", watchlist=("NOPE",))
    (row,) = build_shorts(shorts_market(), Settings(shorted=shorted)).rows
    assert (row.symbol, row.problem, row.short_pct, row.settlement_date) == (
        "NOPE",
        "no data",
        None,
        None,
    )


def test_short_candidates_are_the_top_names_before_the_price_filter() -> None:
    data = shorts_market()
    assert short_candidates(data, ANY_FLOAT, 3) == ["PENNY", "HIGH", "MID"]
    shorted = ShortedSettings(universe="watchlist", watchlist=("LOW", "HIGH"))
    assert short_candidates(data, Settings(shorted=shorted), 5) == ["HIGH", "LOW"]


def test_empty_short_data_gives_an_empty_table() -> None:
    view = build_shorts(empty_market_data(NOW), Settings())
    assert view.rows == ()
    assert (view.settlement_date, view.sv_date, view.as_of) == (None, None, None)
    assert short_candidates(empty_market_data(NOW), Settings(), 10) == []


name_rows = st.lists(
    st.tuples(
        st.one_of(st.none(), st.floats(0.0, 1e6)),  # short shares
        st.one_of(st.none(), st.floats(0.0, 1e6)),  # average daily volume
        st.one_of(st.none(), st.floats(1.0, 1e7)),  # float
        st.one_of(st.none(), st.floats(0.01, 500.0)),  # last price; None: no quote
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(name_rows, st.integers(1, 10))
def test_market_table_is_the_top_ranked_names_passing_the_filters(
    names: list[tuple[float | None, float | None, float | None, float | None]], rows: int
) -> None:
    symbols = [f"S{index:02d}" for index in range(len(names))]
    data = empty_market_data(NOW).replace(
        short_interest=short_interest(
            {"symbol": s, "short_shares": short, "avg_daily_volume": volume}
            for s, (short, volume, _, _) in zip(symbols, names, strict=True)
        ),
        shares=shares(
            {"symbol": s, "shares_outstanding": None, "float_shares": float_}
            for s, (_, _, float_, _) in zip(symbols, names, strict=True)
        ),
        quotes=quotes(
            {"symbol": s, "last": last}
            for s, (*_, last) in zip(symbols, names, strict=True)
            if last is not None
        ),
    )
    shorted = ShortedSettings(rows=rows, min_price=5.0, min_avg_volume=1000.0, min_float=0.0)
    view = build_shorts(data, Settings(shorted=shorted))

    def pct(short: float | None, float_: float | None) -> float | None:
        return None if short is None or not float_ else short / float_ * 100

    eligible = {
        s: pct(short, float_)
        for s, (short, volume, float_, last) in zip(symbols, names, strict=True)
        if volume is not None and volume >= 1000.0 and (last is None or last >= 5.0)
    }
    shown = [row.symbol for row in view.rows]
    assert len(shown) == min(rows, len(eligible))
    assert set(shown) <= set(eligible)
    shown_pcts = [row.short_pct for row in view.rows]
    assert shown_pcts == pytest.approx([eligible[s] for s in shown])
    known = [p for p in shown_pcts if p is not None]
    assert known == sorted(known, reverse=True)
    assert shown_pcts == known + [None] * (len(shown_pcts) - len(known))
    left_out = [p for s, p in eligible.items() if s not in shown]
    if known and len(known) == len(shown):  # the table is full of known values
        assert all(p is None or p <= known[-1] for p in left_out)
    if any(p is None for p in shown_pcts):  # unknowns shown only when no known one is left out
        assert all(p is None for p in left_out)
