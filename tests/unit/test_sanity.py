"""Sane figures: every fetched frame is checked against its schema's domain before it is stored,
cached or drawn; bad rows are left out, logged and counted."""

from __future__ import annotations

import datetime as dt
import logging
import math

import polars as pl
import pytest

from tests.unit.scripted import (
    MARKET_NOW,
    bars_frame,
    fetched,
    quotes_frame,
    shares_frame,
    short_interest_frame,
)
from tui.sources import universe
from tui.sources.base import (
    FUND_HOLDINGS_SCHEMA,
    FUND_NAV_SCHEMA,
    SHORT_VOLUME_SCHEMA,
    Dataset,
    Failed,
    FailureKind,
    Fetched,
    FetchOutcome,
)
from tui.sources.demo import DemoMarket
from tui.sources.sanity import screen


def checked(outcome: FetchOutcome, dataset: Dataset) -> Fetched:
    result = screen(outcome, dataset, MARKET_NOW, "yahoo")
    assert isinstance(result, Fetched)
    return result


def symbols(outcome: Fetched) -> list[str]:
    return outcome.frame.get_column("symbol").to_list()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (0.0, "last is 0"),
        (-1.5, "last -1.5 is negative"),
        (1e308, "last 1e+308 is not a price (above 1e9)"),
        (math.inf, "last inf is not a finite number"),
        (math.nan, "last NaN is not a finite number"),
    ],
)
def test_a_quote_whose_price_cannot_be_right_is_left_out_and_named(
    value: float, reason: str
) -> None:
    outcome = checked(fetched(quotes_frame({"AAPL": value, "MSFT": 400.0})), Dataset.QUOTES)
    assert symbols(outcome) == ["MSFT"]
    assert outcome.bad_rows == 1
    assert outcome.problems == {"AAPL": f"bad data: {reason}"}


def test_a_bad_previous_close_or_day_range_leaves_the_quote_out_too() -> None:
    frame = quotes_frame({"AAPL": 200.0, "MSFT": 400.0, "NVDA": 100.0})
    frame = frame.with_columns(
        prev_close=pl.when(pl.col("symbol") == "AAPL").then(0.0).otherwise(pl.col("prev_close")),
        high=pl.when(pl.col("symbol") == "MSFT").then(-3.0).otherwise(pl.col("high")),
    )
    outcome = checked(fetched(frame), Dataset.QUOTES)
    assert symbols(outcome) == ["NVDA"]
    assert outcome.problems == {
        "AAPL": "bad data: prev_close is 0",
        "MSFT": "bad data: high -3.0 is negative",
    }


def test_an_extended_hours_price_or_time_that_cannot_be_right_leaves_the_quote_out() -> None:
    frame = quotes_frame({"AAPL": 200.0, "MSFT": 400.0, "NVDA": 100.0}).with_columns(
        ext_last=pl.when(pl.col("symbol") == "AAPL").then(-1.0).otherwise(101.0),
        ext_ts=pl.when(pl.col("symbol") == "MSFT")
        .then(pl.lit(dt.datetime(2100, 1, 1, tzinfo=dt.UTC)))
        .otherwise(pl.lit(MARKET_NOW)),
        ext_session=pl.lit("post"),
    )
    outcome = checked(fetched(frame), Dataset.QUOTES)
    assert symbols(outcome) == ["NVDA"]
    assert outcome.problems["AAPL"] == "bad data: ext_last -1.0 is negative"
    assert outcome.problems["MSFT"].startswith("bad data: ext_ts 2100-01-01")


def test_a_quote_stamped_in_the_future_is_not_live() -> None:
    frame = quotes_frame({"AAPL": 200.0, "MSFT": 400.0}).with_columns(
        ts=pl.when(pl.col("symbol") == "AAPL")
        .then(pl.lit(dt.datetime(2100, 1, 1, tzinfo=dt.UTC)))
        .otherwise(pl.col("ts"))
    )
    outcome = checked(Fetched(frame, dt.datetime(2100, 1, 1, tzinfo=dt.UTC)), Dataset.QUOTES)
    assert symbols(outcome) == ["MSFT"]
    assert outcome.problems["AAPL"] == "bad data: ts 2100-01-01 00:00 UTC is in the future"
    assert outcome.as_of <= MARKET_NOW + dt.timedelta(minutes=10)  # not the year 2100


def test_a_few_minutes_of_clock_skew_are_allowed() -> None:
    frame = quotes_frame({"AAPL": 200.0}).with_columns(
        ts=pl.lit(MARKET_NOW + dt.timedelta(minutes=2))
    )
    outcome = fetched(frame)
    assert checked(outcome, Dataset.QUOTES) is outcome


def test_a_daily_bar_may_be_dated_today_an_intraday_bar_not_an_hour_ahead() -> None:
    today = dt.datetime.combine(MARKET_NOW.date() + dt.timedelta(days=1), dt.time(), dt.UTC)
    daily = bars_frame({"AAPL": 200.0}).with_columns(ts=pl.lit(today))
    assert checked(fetched(daily), Dataset.BARS).bad_rows == 0
    hour_ahead = MARKET_NOW + dt.timedelta(hours=1)
    intraday = bars_frame({"AAPL": 200.0}, "5m").with_columns(ts=pl.lit(hour_ahead))
    assert checked(fetched(intraday), Dataset.BARS).bad_rows == 1


def test_zero_daily_bars_are_all_left_out() -> None:
    frame = pl.concat([bars_frame({"AAPL": 0.0, "MSFT": 0.0}), bars_frame({"NVDA": 120.0})])
    outcome = checked(fetched(frame), Dataset.BARS)
    assert symbols(outcome) == ["NVDA"]
    assert outcome.bad_rows == 2


def test_yields_and_futures_may_be_zero_or_negative_an_index_may_not() -> None:
    frame = bars_frame({"^IRX": 0.0, "^TNX": -0.05, "CL=F": -37.63, "^GSPC": 0.0})
    outcome = checked(fetched(frame), Dataset.BARS)
    assert symbols(outcome) == ["^IRX", "^TNX", "CL=F"]


def test_a_negative_short_position_is_left_out() -> None:
    frame = short_interest_frame({"AAPL": (-4.1e299, 1e6), "MSFT": (1e7, 1e6)})
    outcome = checked(fetched(frame), Dataset.SHORT_INTEREST)
    assert symbols(outcome) == ["MSFT"]
    assert outcome.bad_rows == 1


def test_short_volume_and_share_counts_have_their_domains() -> None:
    volume = pl.DataFrame(
        {
            "date": [dt.date(2026, 2, 10), dt.date(2026, 2, 10), dt.date(2030, 1, 2)],
            "symbol": ["AAPL", "MSFT", "NVDA"],
            "short_volume": [10.0, math.inf, 10.0],
            "short_exempt_volume": [0.0, 0.0, 0.0],
            "total_volume": [20.0, 20.0, 20.0],
        },
        schema=SHORT_VOLUME_SCHEMA,
    )
    assert symbols(checked(fetched(volume), Dataset.SHORT_VOLUME)) == ["AAPL"]
    shares = shares_frame({"AAPL": 1.5e10, "MSFT": 0.0, "NVDA": 1e20})
    assert symbols(checked(fetched(shares), Dataset.SHARES)) == ["AAPL"]


def test_rows_with_no_symbol_or_a_control_character_in_it_are_left_out() -> None:
    frame = quotes_frame({"AAPL": 200.0, "EV\x1b[2JIL": 10.0, "X" * 40: 10.0})
    outcome = checked(fetched(frame), Dataset.QUOTES)
    assert symbols(outcome) == ["AAPL"]
    assert outcome.bad_rows == 2
    assert outcome.problems == {}  # what was no symbol names nothing


def test_dates_before_1900_are_left_out() -> None:
    frame = bars_frame({"AAPL": 200.0}).with_columns(
        ts=pl.lit(dt.datetime(1850, 1, 2, tzinfo=dt.UTC))
    )
    outcome = checked(fetched(frame), Dataset.BARS)
    assert outcome.problems == {"AAPL": "bad data: ts 1850-01-02 00:00 UTC is before 1900"}


def test_the_reasons_are_logged_a_few_at_a_time(caplog: pytest.LogCaptureFixture) -> None:
    frame = bars_frame({f"S{i}": 0.0 for i in range(8)})
    with caplog.at_level(logging.WARNING, logger="tapewatch.sanity"):
        checked(fetched(frame), Dataset.BARS)
    (message,) = [record.getMessage() for record in caplog.records]
    assert message.startswith("yahoo sent 8 bars row(s) that cannot be right, left out: S0: ")
    assert message.endswith("(and 3 more)")


def test_an_earlier_problem_of_a_symbol_is_kept() -> None:
    outcome = checked(fetched(quotes_frame({"AAPL": 0.0}), {"AAPL": "delisted"}), Dataset.QUOTES)
    assert outcome.problems == {"AAPL": "delisted"}


def test_a_funds_impossible_figures_are_left_out_and_the_fund_named() -> None:
    nav = pl.DataFrame(
        [
            ("XLK", dt.date(2026, 2, 9), 270.0, 3.4e8, 9.2e10, "ssga"),
            ("XLK", dt.date(2026, 2, 10), None, None, None, "ssga"),  # "-": not published, kept
            ("XLB", dt.date(2026, 2, 10), 1e308, 6.1e7, 5.6e9, "ssga"),
            ("XLI", dt.date(2026, 2, 10), 155.0, -5.0, 2.3e10, "ssga"),
        ],
        schema=FUND_NAV_SCHEMA,
        orient="row",
    )
    outcome = checked(Fetched(nav, MARKET_NOW), Dataset.FUND_NAV)
    assert outcome.frame["fund"].to_list() == ["XLK", "XLK"]
    assert outcome.bad_rows == 2
    assert outcome.problems == {
        "XLB": "bad data: nav 1e+308 is not a price (above 1e9)",
        "XLI": "bad data: shares_outstanding -5.0 is negative",
    }
    as_of = dt.date(2026, 2, 10)
    holdings = pl.DataFrame(
        [
            ("XLK", as_of, "MSFT", "MICROSOFT", 0.12, 1e8, None, None, "ssga"),
            ("XLK", as_of, "NVDA\x1b[31m", "NVIDIA", 0.14, 1e8, None, None, "ssga"),
            ("XLK", as_of, "AAPL", "APPLE", -0.1, 1e8, None, None, "ssga"),
        ],
        schema=FUND_HOLDINGS_SCHEMA,
        orient="row",
    )
    members = checked(Fetched(holdings, MARKET_NOW), Dataset.FUND_HOLDINGS)
    assert members.frame["symbol"].to_list() == ["MSFT"]
    assert (members.bad_rows, members.problems) == (2, {})  # the fund still has a member


def test_good_outcomes_and_failures_pass_as_they_are() -> None:
    good = fetched(quotes_frame({"AAPL": 200.0}))
    assert checked(good, Dataset.QUOTES) is good
    failure = Failed("yahoo", FailureKind.HTTP, "503")
    assert screen(failure, Dataset.QUOTES, MARKET_NOW, "yahoo") is failure


async def test_the_demo_market_sends_nothing_the_checks_refuse() -> None:
    demo = DemoMarket(20260211, 1.0)
    now = demo.now()
    names = list(universe.SYMBOLS)
    for dataset, outcome in (
        (Dataset.QUOTES, await demo.quotes(names)),
        (Dataset.BARS, await demo.bars(names, "1d", 400)),
        (Dataset.BARS, await demo.bars(names, "1m", 5)),
        (Dataset.SHORT_INTEREST, await demo.short_interest(None, 30)),
        (Dataset.SHORT_VOLUME, await demo.short_volume(None, 60)),
        (Dataset.SHARES, await demo.shares(universe.stock_symbols())),
        (Dataset.FUND_NAV, await demo.fund_nav_history(universe.etf_symbols(), 400)),
        (Dataset.FUND_HOLDINGS, await demo.fund_holdings(universe.etf_symbols())),
    ):
        assert screen(outcome, dataset, now, "demo") is outcome, dataset
