"""The watchlists' figures: quote and changes, the extended-hours move, the 52-week range
position, short figures, and the rows of each list."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from tests.unit import frames
from tests.unit.test_analytics_returns import bars, midnight
from tui.analytics.market import empty_market_data
from tui.analytics.watchlist import WatchQuote, build_watchlist, extended_change_pct
from tui.config import Settings, Watchlist
from tui.presenters import format as fmt
from tui.presenters.table import cell_text
from tui.presenters.watchlist import EMPTY_LIST, PRESENTER
from tui.sources.base import SHARES_SCHEMA, SHORT_INTEREST_SCHEMA

DAY = dt.date(2026, 2, 11)  # a Wednesday
OPEN_NY = dt.datetime(2026, 2, 11, 14, 30, tzinfo=dt.UTC)  # 9:30 in New York
CLOSE_NY = dt.datetime(2026, 2, 11, 21, 0, tzinfo=dt.UTC)  # 16:00


def quote(ts: dt.datetime, last: float = 105.0, prev: float = 100.0) -> WatchQuote:
    return WatchQuote(ts=ts, last=last, prev_close=prev)


def test_the_extended_hours_move_is_against_todays_close_after_it_and_yesterdays_before() -> None:
    after = quote(CLOSE_NY + dt.timedelta(hours=1))
    assert extended_change_pct(after, (DAY, 104.0)) == pytest.approx((105 / 104 - 1) * 100)
    # Without today's regular close (only yesterday's bar) there is nothing to measure from.
    assert extended_change_pct(after, (DAY - dt.timedelta(days=1), 100.0)) is None
    before = quote(OPEN_NY - dt.timedelta(hours=2), last=98.0)
    assert extended_change_pct(before, None) == pytest.approx(-2.0)
    during = quote(OPEN_NY + dt.timedelta(hours=1))
    assert extended_change_pct(during, (DAY, 104.0)) is None
    weekend = quote(dt.datetime(2026, 2, 14, 15, 0, tzinfo=dt.UTC))
    assert extended_change_pct(weekend, (DAY, 104.0)) is None
    assert extended_change_pct(WatchQuote(), None) is None


def test_an_extended_hours_price_given_apart_is_measured_from_the_regular_price() -> None:
    # The quote's last is the regular session's (its close), the pre/post price apart.
    post = WatchQuote(ts=CLOSE_NY, last=104.0, prev_close=100.0, ext_last=105.04)
    assert extended_change_pct(post, None) == pytest.approx(1.0)
    pre = WatchQuote(ts=CLOSE_NY - dt.timedelta(days=1), last=100.0, ext_last=99.0)
    assert extended_change_pct(pre, None) == pytest.approx(-1.0)


def test_each_list_shows_its_tickers_in_order_with_their_figures() -> None:
    now = OPEN_NY + dt.timedelta(hours=2)
    days = [DAY - dt.timedelta(days=offset) for offset in (400, 200, 1)]
    daily = bars(
        {"symbol": "AAA", "ts": midnight(day), "close": close, "low": low, "high": high}
        for day, close, low, high in zip(
            days, [80.0, 120.0, 100.0], [70.0, 110.0, 90.0], [90.0, 150.0, 105.0], strict=True
        )
    )
    quotes = frames.quotes(
        [{"symbol": "AAA", "last": 110.0, "prev_close": 100.0, "volume": 1e6}], ts=now
    )
    short_interest = pl.DataFrame(
        [
            {
                "symbol": "AAA",
                "settlement_date": DAY - dt.timedelta(days=20),
                "short_shares": 5e6,
                "prior_short_shares": 4e6,
                "avg_daily_volume": 1e6,
                "days_to_cover": 5.0,
                "source": "test",
            }
        ],
        schema=SHORT_INTEREST_SCHEMA,
    )
    shares = pl.DataFrame(
        [
            {
                "symbol": "AAA",
                "as_of": DAY,
                "shares_outstanding": 1e8,
                "float_shares": None,
                "source": "test",
            }
        ],
        schema=SHARES_SCHEMA,
    )
    data = empty_market_data(now).replace(
        daily=daily,
        quotes=quotes,
        short_interest=short_interest,
        shares=shares,
        problems={"ZZZ": "not found"},
    )
    settings = Settings(
        watchlists=(Watchlist("One", ("AAA", "ZZZ")), Watchlist("Two", ("BBB", "AAA")))
    )
    view = build_watchlist(data, settings)
    assert [rows.name for rows in view.lists] == ["One", "Two"]
    assert [row.symbol for row in view.lists[1].rows] == ["BBB", "AAA"]
    aaa = view.lists[0].rows[0]
    assert aaa.change_pct == pytest.approx(10.0)
    # The 52-week range is that of the last 52 weeks' bars (the 400-day-old one is out).
    assert (aaa.low_52w, aaa.high_52w) == (90.0, 150.0)
    assert aaa.range_position == pytest.approx((110 - 90) / (150 - 90))
    assert aaa.short_pct == pytest.approx(5.0)
    assert aaa.short_pct_basis == "outstanding"
    assert aaa.extended_change_pct is None
    assert view.lists[0].rows[1].problem == "not found"
    assert view.lists[1].rows[0].problem == "no data"
    assert view.as_of == now

    rows = PRESENTER.rows(view, list_name="One")
    assert [row.key for row in rows] == ["AAA", "ZZZ"]
    assert cell_text(rows[0].cells[7]) == "─●───  33%"
    assert cell_text(rows[0].cells[8]) == "5.0%ᵒ"
    assert cell_text(rows[0].cells[4]) == fmt.MISSING  # no extended-hours price: the column stays
    everything = PRESENTER.rows(view)
    assert [row.key for row in everything] == [
        "list:One",
        "One:AAA",
        "One:ZZZ",
        "list:Two",
        "Two:BBB",
        "Two:AAA",
    ]
    assert "ᵒ SI % of shares outstanding" in (PRESENTER.legend(view) or "")


def test_an_empty_list_has_no_rows() -> None:
    data = empty_market_data(OPEN_NY)
    view = build_watchlist(data, Settings(watchlists=(Watchlist("Empty", ()),)))
    assert PRESENTER.rows(view, list_name="Empty") == []
    assert EMPTY_LIST.startswith("empty list")


def test_the_range_position_reads_without_colour() -> None:
    assert fmt.range_position(0.0) == "●────   0%"
    assert fmt.range_position(1.0) == "────● 100%"
    assert fmt.range_position(0.5, 7) == "───●───  50%"
    assert fmt.range_position(None) == fmt.MISSING
