"""The drill-down's TickerView (and, on the same market, a basket member without data in the
Correlations view)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import polars as pl
import pytest

from tui.analytics.correlations import build_correlations
from tui.analytics.market import MarketData, empty_market_data
from tui.analytics.ticker import build_ticker, range_52_weeks
from tui.config import Basket, CorrelationSettings, SectorSpec, Settings
from tui.market_hours import last_trading_days, session_times
from tui.sources.base import (
    BARS_SCHEMA,
    FUND_NAV_SCHEMA,
    QUOTES_SCHEMA,
    SHORT_INTEREST_SCHEMA,
    SHORT_VOLUME_SCHEMA,
    SymbolInfo,
)

NOW = dt.datetime(2026, 2, 11, 18, 0, tzinfo=dt.UTC)  # Wednesday 13:00 in New York
DAYS = last_trading_days(dt.date(2026, 2, 10), 300)  # completed sessions before today
SETTINGS = Settings(
    baskets=(Basket("Duo", ("AAA", "BBB")),),
    sectors=(SectorSpec("XLK", "Information Technology"),),
    correlation=CorrelationSettings(window=20, history=50),
)
INFO = {
    "AAA": SymbolInfo("AAA", "Alpha Inc", "Information Technology"),
    "BBB": SymbolInfo("BBB", "Beta Inc", "Information Technology"),
    "CCC": SymbolInfo("CCC", "Gamma Inc", "Information Technology"),
    "DDD": SymbolInfo("DDD", "Delta Inc", None),
    "XLK": SymbolInfo("XLK", "Technology Select Sector SPDR", "Information Technology", "etf"),
}


def records(schema: pl.Schema, rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame([{name: row.get(name) for name in schema} for row in rows], schema=schema)


def market() -> MarketData:
    rng = np.random.default_rng(5)
    symbols = ["AAA", "BBB", "CCC", "DDD", "XLK"]
    closes = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, (len(symbols), len(DAYS))), axis=1))
    daily = records(
        BARS_SCHEMA,
        (
            {
                "symbol": symbol,
                "ts": dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC),
                "close": float(closes[row, column]),
                "volume": 1000.0 + column,
                "interval": "1d",
            }
            for row, symbol in enumerate(symbols)
            for column, day in enumerate(DAYS)
        ),
    )
    minute_bars = []
    for day in [*DAYS[-6:], NOW.date()]:
        times = session_times(day)
        assert times is not None
        for step in range(3):
            minute_bars.append(
                {
                    "symbol": "AAA",
                    "ts": times.open + dt.timedelta(minutes=5 * step),
                    "close": 100.0 + step,
                    "volume": None if step == 0 else 10.0,
                    "interval": "5m",
                }
            )
    quotes = records(
        QUOTES_SCHEMA,
        [
            {
                "symbol": "AAA",
                "ts": NOW,
                "last": 102.0,
                "prev_close": 100.0,
                "open": 99.0,
                "high": 103.0,
                "low": 98.0,
                "volume": 5000.0,
                "session": "regular",
            }
        ],
    )
    short_interest = records(
        SHORT_INTEREST_SCHEMA,
        [
            {
                "symbol": "AAA",
                "settlement_date": dt.date(2026, 1, 30),
                "short_shares": 30.0,
                "prior_short_shares": 20.0,
                "avg_daily_volume": 10.0,
            },
            {"symbol": "AAA", "settlement_date": dt.date(2026, 1, 15), "short_shares": 20.0},
            {"symbol": "AAA", "settlement_date": dt.date(2025, 12, 31), "short_shares": None},
        ],
    )
    short_volume = records(
        SHORT_VOLUME_SCHEMA,
        [
            {"date": DAYS[-2], "symbol": "AAA", "short_volume": 40.0, "total_volume": 100.0},
            {"date": DAYS[-1], "symbol": "AAA", "short_volume": 60.0, "total_volume": 100.0},
            {"date": DAYS[-1], "symbol": "CCC", "short_volume": 10.0, "total_volume": 100.0},
        ],
    )
    return empty_market_data(NOW, info=INFO).replace(
        daily=daily,
        intraday=records(BARS_SCHEMA, minute_bars),
        quotes=quotes,
        short_interest=short_interest,
        short_volume=short_volume,
    )


# --------------------------------------------------------------------------------- TickerView


def test_ticker_quote_fields() -> None:
    view = build_ticker(market(), "AAA", "1D", SETTINGS)
    assert (view.symbol, view.name, view.sector) == ("AAA", "Alpha Inc", "Information Technology")
    assert (view.last, view.prev_close, view.change) == (102.0, 100.0, 2.0)
    assert view.change_pct == pytest.approx(2.0)
    assert (view.day_open, view.day_high, view.day_low, view.volume) == (99.0, 103.0, 98.0, 5000.0)
    assert view.as_of == NOW


def test_intraday_ranges_are_the_last_one_and_five_sessions() -> None:
    data = market()
    one_day = build_ticker(data, "AAA", "1D", SETTINGS).prices
    assert [point.ts.date() for point in one_day] == [NOW.date()] * 3
    assert [point.close for point in one_day] == [100.0, 101.0, 102.0]
    assert one_day[0].volume is None  # unknown volume stays unknown
    five_days = build_ticker(data, "AAA", "5D", SETTINGS).prices
    assert len(five_days) == 15
    assert five_days[0].ts.date() == DAYS[-4]
    assert [point.ts for point in five_days] == sorted(point.ts for point in five_days)


@pytest.mark.parametrize(("chart_range", "sessions"), [("1M", 21), ("6M", 126), ("1Y", 252)])
def test_daily_ranges_are_the_last_sessions(chart_range: Any, sessions: int) -> None:
    data = market()
    prices = build_ticker(data, "BBB", chart_range, SETTINGS).prices
    expected = data.daily.filter(pl.col("symbol") == "BBB").tail(sessions)
    assert [point.close for point in prices] == expected.get_column("close").to_list()
    assert prices[-1].ts.date() == DAYS[-1]


def test_ticker_short_figures_and_histories() -> None:
    view = build_ticker(market(), "AAA", "1D", SETTINGS)
    assert view.short is not None
    assert view.short.settlement_date == dt.date(2026, 1, 30)
    assert view.short.short_shares == 30.0
    assert view.short.short_change_pct == pytest.approx(50.0)
    assert view.short.days_to_cover == pytest.approx(3.0)
    assert view.short.short_pct is None  # no shares data: unknown, not 0
    assert view.short.price_change_pct == pytest.approx(2.0)
    assert view.short.sv_ratio == pytest.approx(0.6)
    assert view.short_history == ((dt.date(2026, 1, 15), 20.0), (dt.date(2026, 1, 30), 30.0))
    assert view.sv_ratio_history == ((DAYS[-2], 0.4), (DAYS[-1], 0.6))


def test_ticker_short_row_needs_some_short_data() -> None:
    data = market()
    assert build_ticker(data, "BBB", "1D", SETTINGS).short is None
    only_volume = build_ticker(data, "CCC", "1D", SETTINGS).short
    assert only_volume is not None
    assert only_volume.settlement_date is None
    assert only_volume.sv_ratio == pytest.approx(0.1)


def test_ticker_correlation_is_to_its_basket_peers() -> None:
    data = market()
    view = build_ticker(data, "BBB", "1D", SETTINGS)
    assert view.peer_group == "Duo"
    (basket,) = build_correlations(data, SETTINGS).baskets
    expected = next(line for line in basket.members if line.label == "BBB")
    assert view.correlation == expected
    assert view.correlation is not None and len(view.correlation.series) == 50


def test_a_basket_member_without_data_says_why_in_correlations() -> None:
    data = market().replace(problems={"ZZZ": "not found"})
    settings = Settings(
        baskets=(Basket("Trio", ("AAA", "BBB", "ZZZ", "YYY")),), correlation=SETTINGS.correlation
    )
    (basket,) = build_correlations(data, settings).baskets
    lines = {line.label: line for line in basket.members}
    assert lines["ZZZ"].problem == "not found"
    assert lines["YYY"].problem == "no data"  # no problem named by the source: still said
    assert lines["AAA"].problem is None and lines["AAA"].series


def test_ticker_outside_baskets_correlates_to_its_sector_etf() -> None:
    data = market()
    view = build_ticker(data, "CCC", "1M", SETTINGS)
    assert view.peer_group == "XLK"
    assert view.correlation is not None and view.correlation.label == "CCC"
    pair = build_correlations(
        data, Settings(baskets=(Basket("pair", ("CCC", "XLK")),), correlation=SETTINGS.correlation)
    )
    # the pair's average is the mean of its two members' values, equal up to rounding
    assert view.correlation.series == pytest.approx(pair.baskets[0].average.series, abs=1e-12)


def test_ticker_without_peers_has_no_correlation() -> None:
    data = market()
    for symbol in ("DDD", "XLK", "UNKNOWN"):
        view = build_ticker(data, symbol, "1D", SETTINGS)
        assert (view.correlation, view.peer_group) == (None, None)


def test_ticker_as_of_falls_back_to_its_last_price_point() -> None:
    view = build_ticker(market(), "BBB", "1M", SETTINGS)
    assert view.last is None
    assert view.as_of == dt.datetime.combine(DAYS[-1], dt.time(), tzinfo=dt.UTC)


# ------------------------------------------------------------------ what each kind of ticker shows


def test_a_stock_shows_every_section_that_applies_to_it() -> None:
    view = build_ticker(market(), "BBB", "1D", SETTINGS)
    assert view.kind == "stock"
    assert view.sections == ("price", "volume", "short_interest", "short_volume", "correlation")
    # A stock without peers (no basket, no sector) has no correlation to show.
    assert not build_ticker(market(), "DDD", "1D", SETTINGS).shows("correlation")


def test_a_sector_etf_shows_its_range_and_its_sectors_stocks_not_short_figures() -> None:
    data = market()
    quotes = records(
        QUOTES_SCHEMA,
        [
            {"symbol": "BBB", "ts": NOW, "last": 50.0, "prev_close": 40.0},
            {"symbol": "CCC", "ts": NOW, "last": 9.0, "prev_close": 10.0},
        ],
    )
    data = data.replace(quotes=pl.concat([data.quotes, quotes]))
    view = build_ticker(data, "XLK", "1D", SETTINGS)
    assert view.kind == "etf"
    assert view.sections == ("price", "volume", "members")
    assert view.members_of == "Information Technology"
    # Best change first: BBB +25 %, AAA +2 %, CCC -10 %; DDD has no sector, XLK is no stock.
    assert [(m.symbol, m.name, m.last) for m in view.members] == [
        ("BBB", "Beta Inc", 50.0),
        ("AAA", "Alpha Inc", 102.0),
        ("CCC", "Gamma Inc", 9.0),
    ]
    assert [m.change_pct for m in view.members] == pytest.approx([25.0, 2.0, -10.0])
    closes = data.daily.filter(pl.col("symbol") == "XLK").tail(252)
    assert view.low_52w == pytest.approx(closes.get_column("close").min())
    assert view.high_52w == pytest.approx(closes.get_column("close").max())


def nav_history(days: int, split_on: int | None = None) -> pl.DataFrame:
    """XLK's NAV history: shares created or redeemed in whole units of 50,000 each day, a
    2-for-1 split on day ``split_on`` (the NAV halves, the assets do not move)."""
    rng = np.random.default_rng(11)
    rows, shares, nav = [], 3.4e8, 270.0
    for index, day in enumerate(DAYS[-days:]):
        if index:
            nav *= float(np.exp(rng.normal(0, 0.01)))
            shares += 50_000 * float(rng.integers(-40, 30))
        if index == split_on:
            nav, shares = nav / 2, shares * 2
        rows.append({"fund": "XLK", "date": day, "nav": nav, "shares_outstanding": shares})
    return records(FUND_NAV_SCHEMA, rows)


@pytest.mark.parametrize(
    ("chart_range", "days"), [("1D", 5), ("5D", 5), ("1M", 21), ("6M", 126), ("1Y", 252)]
)
def test_a_funds_real_flows_are_charted_over_the_range(chart_range: Any, days: int) -> None:
    nav = nav_history(260, split_on=240)
    data = market().replace(fund_nav=nav)
    view = build_ticker(data, "XLK", chart_range, SETTINGS)
    assert view.shows("fund_flows") and view.fund_flows is not None
    shares, navs = nav["shares_outstanding"].to_list(), nav["nav"].to_list()
    flows = [(shares[i] - shares[i - 1]) * navs[i] for i in range(1, len(shares))]
    flows[239] = (shares[240] - 2 * shares[239]) * navs[240]  # the split is not a flow
    assert [day for day, _ in view.fund_flows.daily] == nav["date"].to_list()[-days:]
    assert [flow for _, flow in view.fund_flows.daily] == pytest.approx(flows[-days:])
    assert view.fund_flows.flow_1d == pytest.approx(flows[-1])
    assert view.fund_flows.flow_5d == pytest.approx(sum(flows[-5:]))
    assert view.fund_flows.flow_20d == pytest.approx(sum(flows[-20:]))
    assert view.fund_flows.as_of == DAYS[-1]
    assert view.sections == ("price", "volume", "fund_flows", "members")
    # A fund without a NAV history, and a stock, have no flows to chart.
    assert build_ticker(market(), "XLK", chart_range, SETTINGS).fund_flows is None
    assert build_ticker(data, "BBB", chart_range, SETTINGS).fund_flows is None


def test_an_index_shows_its_prices_and_range_only() -> None:
    info = {**INFO, "^GSPC": SymbolInfo("^GSPC", "S&P 500", None, "index")}
    data = market().replace(info=info)
    daily = data.daily.filter(pl.col("symbol") == "DDD").with_columns(
        symbol=pl.lit("^GSPC"), volume=pl.lit(None, pl.Float64)
    )
    view = build_ticker(data.replace(daily=pl.concat([data.daily, daily])), "^GSPC", "1M", SETTINGS)
    assert view.kind == "index"
    assert view.sections == ("price",)
    assert view.low_52w is not None and view.high_52w is not None


def test_a_yield_moves_in_basis_points_in_the_drill_down_too() -> None:
    quote = records(
        QUOTES_SCHEMA, [{"symbol": "^TNX", "ts": NOW, "last": 4.189, "prev_close": 4.2}]
    )
    data = market().replace(quotes=quote)
    view = build_ticker(data, "^TNX", "1D", SETTINGS)
    assert view.kind == "yield"
    assert view.change_bp == pytest.approx(-1.1)
    assert view.sections == ("price",)


def test_the_52_week_range_covers_a_year_of_highs_and_lows() -> None:
    data = market()
    low, high = range_52_weeks(data.daily, "AAA", NOW.date())
    year = data.daily.filter(
        pl.col("symbol") == "AAA",
        pl.col("ts") > dt.datetime(2025, 2, 12, tzinfo=dt.UTC),
    )
    assert (low, high) == (year["close"].min(), year["close"].max())  # no high/low: closes
    with_range = data.daily.with_columns(high=pl.col("close") + 1, low=pl.col("close") - 1)
    assert range_52_weeks(with_range, "AAA", NOW.date()) == pytest.approx((low - 1, high + 1))
