"""Extended hours: the figure as it reads, the rows that carry it (Indices, Most shorted, the
drill-down, `snapshot`), the Ext columns that take no room outside pre and post market, the demo's
pre- and post-market, and a streamed move applied to a row (the light path of a tick)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import polars as pl
import pytest
from rich.cells import cell_len

from tui.analytics.indices import build_indices
from tui.analytics.shorts import build_shorts
from tui.analytics.ticker import build_ticker
from tui.config import Settings
from tui.market_hours import NEW_YORK
from tui.presenters import format as fmt
from tui.presenters.extended import ext_change_pct, ext_text
from tui.presenters.indices import COLUMNS as INDEX_COLUMNS
from tui.presenters.indices import IndexRow, IndicesView, index_row
from tui.presenters.pricing import price_mark
from tui.presenters.shorts import COLUMNS as SHORT_COLUMNS
from tui.presenters.shorts import ShortRow, ShortsView, short_row
from tui.presenters.table import Column, Row, cell_text, plain_table
from tui.presenters.ticks import PriceMove, moved_index_row, moved_short_row, moved_view
from tui.snapshot import run_snapshot
from tui.sources.base import Fetched
from tui.sources.demo import DemoMarket
from tui.sources.demo.story import SESSION_DATE

NOW = dt.datetime(2026, 2, 11, 16, 30, tzinfo=dt.UTC)


def new_york(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(SESSION_DATE, dt.time(hour, minute), tzinfo=NEW_YORK).astimezone(
        dt.UTC
    )


def demo_at(hour: int, minute: int = 0) -> DemoMarket:
    return DemoMarket(start_time=dt.time(hour, minute), monotonic=lambda: 0.0)


def frame(outcome: object) -> pl.DataFrame:
    assert isinstance(outcome, Fetched)
    return outcome.frame


# --- the figure ----------------------------------------------------------------------------------


def test_the_figure_names_its_session_and_carries_its_sign() -> None:
    assert ext_text("post", 412.4, 0.35) == "post 412.40 +0.35%"
    assert ext_text("pre", 98.5, -1.5) == "pre 98.50 −1.50%"
    assert ext_text("pre", None, 0.0) == "pre 0.00%"
    assert ext_text("regular", 412.4, 0.35) == ""  # only in pre and post market
    assert ext_text(None, None, None) == ""
    assert ext_change_pct(412.4, 410.96) == pytest.approx(0.3504, abs=1e-4)
    assert ext_change_pct(412.4, None) is None and ext_change_pct(None, 1.0) is None


# --- the demo's pre- and post-market --------------------------------------------------------------


async def test_the_demo_has_a_pre_market_that_meets_todays_open() -> None:
    symbols = ["AAPL", "MSFT", "XLK", "^GSPC"]
    early = frame(await demo_at(8).quotes(symbols))
    assert early["session"].to_list() == ["pre"] * 4
    assert early["ext_session"].to_list() == ["pre", "pre", "pre", None]  # indices do not trade
    assert early["ext_ts"][0] == new_york(8)
    # The row is yesterday's regular session: its price and change are untouched.
    regular = frame(await demo_at(9, 29).bars(symbols, "1d", 2)).filter(
        pl.col("ts").dt.date() < SESSION_DATE
    )
    assert (
        early["last"].to_list()
        == regular.group_by("symbol", maintain_order=True).last()["close"].to_list()
    )
    # By the bell the pre-market price has reached today's open.
    bell = frame(await demo_at(9, 30).quotes(symbols))
    last_minute = frame(
        await demo_at(
            9,
            29,
        ).quotes(symbols)
    )
    assert last_minute["ext_last"][0] == pytest.approx(bell["open"][0], rel=0.002)


async def test_the_demo_has_a_post_market_after_the_close_and_its_bars() -> None:
    market = demo_at(17)
    quote = frame(await market.quotes(["MSFT"])).row(0, named=True)
    close = frame(await market.bars(["MSFT"], "1d", 1))["close"][0]
    assert (quote["session"], quote["last"], quote["ext_session"]) == ("post", close, "post")
    assert quote["ext_ts"] == new_york(17)
    assert abs(quote["ext_last"] / close - 1) < 0.01
    bars = frame(await market.bars(["MSFT"], "1m", 1))
    post = bars.filter(pl.col("ts") >= new_york(16))
    assert post.height == 60 and post["close"][-1] == quote["ext_last"]


async def test_the_regular_session_has_no_extended_figures() -> None:
    quotes = frame(await demo_at(11, 30).quotes(["MSFT", "^GSPC"]))
    assert quotes["ext_last"].null_count() == 2


# --- the rows that carry it ----------------------------------------------------------------------


async def test_indices_most_shorted_and_the_drill_down_carry_the_post_market_figure() -> None:
    market = demo_at(17)
    settings = Settings(source="demo")
    from tui.scheduler import Scheduler

    scheduler = Scheduler(settings, market)
    await scheduler.refresh_all()
    data = scheduler.feed.market_data()
    indices = build_indices(data, settings)
    mag7 = next(row for row in indices.rows if row.label == "Mag 7")
    assert mag7.ext_session == "post" and mag7.ext_change_pct is not None
    assert next(row for row in indices.rows if row.symbol == "^GSPC").ext_session is None
    shorts = build_shorts(data, settings)
    assert all(row.ext_session == "post" for row in shorts.rows if row.last is not None)
    msft = build_ticker(data, "MSFT", "1D", settings)
    quote = data.quotes.filter(pl.col("symbol") == "MSFT").row(0, named=True)
    assert (msft.ext_last, msft.ext_session) == (quote["ext_last"], "post")
    assert msft.ext_change_pct == pytest.approx((quote["ext_last"] / quote["last"] - 1) * 100)
    # Its day chart tells the post-market points apart.
    sessions = {point.session for point in msft.prices}
    assert sessions == {"regular", "post"}


def test_snapshot_prints_the_ext_column_only_in_pre_and_post_market() -> None:
    def printed(market: DemoMarket) -> str:
        out, err = io.StringIO(), io.StringIO()
        run_snapshot(Settings(source="demo"), as_json=False, source=market, out=out, err=err)
        return out.getvalue()

    def section(text: str, title: str) -> str:
        """The lines of the pane ``title``, up to the next blank line."""
        start = text.index(f"{title} — ")
        return text[start : text.find("\n\n", start)]

    post = printed(demo_at(17))
    assert " Ext" in section(post, "Indices") and "Ext %" in section(post, "Most shorted")
    assert "post +" in post or "post −" in post
    regular = printed(demo_at(11, 30))
    for title in ("Indices", "Most shorted"):
        assert "Ext" not in section(regular, title)


def test_an_optional_column_with_nothing_in_it_is_left_out_of_plain_text() -> None:
    columns = (Column("a", "A"), Column("b", "B", optional=True), Column("c", "C"))
    blank = plain_table(columns, [Row("x", ("1", "", "3"))])
    assert blank == ["A C", "1 3"]
    filled = plain_table(columns, [Row("x", ("1", "pre +1.00%", "3"))])
    assert filled[0].split() == ["A", "B", "C"]


def test_the_ext_columns_are_optional_and_last_or_beside_px() -> None:
    assert INDEX_COLUMNS[-1].key == "ext" and INDEX_COLUMNS[-1].optional
    keys = [column.key for column in SHORT_COLUMNS]
    assert keys[keys.index("price_change") + 1] == "ext"


def test_the_ext_and_price_columns_are_wide_enough_for_their_figures_before_they_come() -> None:
    """The grid lays columns out from their widths, before the figures: the extended-hours
    figures and the one-venue marks fit them, so that arriving they move no column."""
    by_key = {column.key: column for column in (*INDEX_COLUMNS, *SHORT_COLUMNS)}
    index_ext = next(column for column in INDEX_COLUMNS if column.key == "ext")
    short_ext = next(column for column in SHORT_COLUMNS if column.key == "ext")
    basket_figure = ext_text("post", None, -1.23)  # the Indices pane's: indices have none
    assert index_ext.width is not None and cell_len(basket_figure) <= index_ext.width
    assert short_ext.width is not None and cell_len(basket_figure) <= short_ext.width
    px = by_key["price_change"]
    marked = fmt.signed_percent(-12.3) + price_mark("alpaca-iex")
    assert px.width is not None and cell_len(marked) <= px.width + 1  # a rare −12.3%ⁱ widens
    assert cell_len(fmt.signed_percent(1.2) + price_mark("finnhub")) <= px.width
    last = by_key["last"]
    assert last.width is not None
    assert cell_len(fmt.price(25_123.45) + price_mark(None)) <= last.width
    assert cell_len(fmt.price(612.34) + price_mark("alpaca-iex")) <= last.width


# --- a streamed move on a row --------------------------------------------------------------------


def index(**changes: object) -> IndexRow:
    values: dict[str, object] = {
        "symbol": "^GSPC",
        "label": "S&P 500",
        "kind": "index",
        "last": 100.0,
        "change": -2.0,  # from 102
        "change_pct": -2.0 / 102 * 100,
        "change_5d_pct": 25.0,  # from 80
        "ytd_pct": -50.0,  # from 200
        "intraday": (1.0, 2.0),
        "as_of": NOW,
    }
    return IndexRow(**{**values, **changes})  # type: ignore[arg-type]


def move(price: float | None = None, **fields: object) -> PriceMove:
    later = NOW + dt.timedelta(seconds=1)
    return PriceMove("^GSPC", later, "yahoo-stream", 1, last=price, **fields)  # type: ignore[arg-type]


def test_a_move_recomputes_an_index_rows_changes_from_the_row_itself() -> None:
    moved = moved_index_row(index(), move(104.0))
    assert moved is not None
    assert (moved.last, moved.change, moved.as_of) == (104.0, pytest.approx(2.0), move().ts)
    assert moved.change_pct == pytest.approx(2.0 / 102 * 100)
    assert moved.change_5d_pct == pytest.approx(30.0)
    assert moved.ytd_pct == pytest.approx(-48.0)
    cells = [cell_text(cell) for cell in index_row(moved).cells[1:4]]
    assert cells == ["104.00", "+2.00", "▲ +1.96%"]


def test_a_move_on_a_yield_moves_its_basis_points() -> None:
    tnx = index(
        symbol="^TNX",
        kind="yield",
        last=4.2,
        change=0.03,
        change_pct=None,
        change_5d_pct=None,
        ytd_pct=None,
        change_bp=3.0,
        change_5d_bp=-2.0,
        ytd_bp=10.0,
    )
    moved = moved_index_row(tnx, move(4.25))
    assert moved is not None
    assert moved.change_bp == pytest.approx(8.0) and moved.change_5d_bp == pytest.approx(3.0)
    assert moved.ytd_bp == pytest.approx(15.0) and moved.change_pct is None


def test_a_pre_market_move_fills_the_ext_figure_and_leaves_the_session_alone() -> None:
    moved = moved_index_row(index(), move(None, ext_last=101.0, ext_session="pre"))
    assert moved is not None
    assert (moved.last, moved.change, moved.ext_last, moved.ext_session) == (
        100.0,
        -2.0,
        101.0,
        "pre",
    )
    assert moved.ext_change_pct == pytest.approx(1.0)
    assert cell_text(index_row(moved).cells[-1]) == "pre 101.00 +1.00%"


def test_moves_skip_baskets_rows_without_a_price_and_other_symbols() -> None:
    assert moved_index_row(index(kind="basket"), move(1.0)) is None
    assert moved_index_row(index(last=None), move(1.0)) is None
    view = IndicesView((index(), index(symbol="^NDX")), NOW)
    moved, changed = moved_view(view, {"^GSPC": move(101.0)})
    assert changed == {"^GSPC": 1}
    assert [row.last for row in moved.rows] == [101.0, 100.0]
    assert moved_view(view, {"AAPL": move(1.0)}) == (view, {})


def short(**changes: object) -> ShortRow:
    values: dict[str, object] = {
        "symbol": "MSFT",
        "name": "Microsoft",
        "short_pct": 1.0,
        "short_pct_basis": "float",
        "short_shares": 1e6,
        "short_change_pct": 5.0,
        "days_to_cover": 1.0,
        "sv_ratio": 0.5,
        "sv_zscore": 1.0,
        "price_change_pct": -2.0,  # from 408.16...
        "settlement_date": dt.date(2026, 1, 30),
        "sv_date": dt.date(2026, 2, 10),
        "last": 400.0,
    }
    return ShortRow(**{**values, **changes})  # type: ignore[arg-type]


def test_a_move_on_a_most_shorted_row_moves_its_px_and_ext() -> None:
    msft = dataclasses.replace(move(404.0), symbol="MSFT")
    moved = moved_short_row(short(), msft)
    assert moved is not None and moved.last == 404.0
    assert moved.price_change_pct == pytest.approx((404.0 / (400.0 / 0.98) - 1) * 100)
    post = dataclasses.replace(move(None, ext_last=396.0, ext_session="post"), symbol="MSFT")
    after = moved_short_row(short(), post)
    assert after is not None and after.price_change_pct == -2.0
    cells = [cell_text(cell) for cell in short_row(after).cells]
    assert cells[cells.index("−2.0%") + 1] == "post −1.00%"
    view = ShortsView((short(),), dt.date(2026, 1, 30), dt.date(2026, 2, 10), NOW)
    _, changed = moved_view(view, {"MSFT": msft})
    assert changed == {"MSFT": 1}


# --- which feed priced a row ---------------------------------------------------------------------


def test_a_price_from_a_one_venue_trade_feed_is_marked_and_the_legend_says_so() -> None:
    from tui.presenters.indices import PRESENTER as INDICES
    from tui.presenters.shorts import PRESENTER as SHORTS

    alpaca = dataclasses.replace(move(101.0), source="alpaca-iex")
    moved = moved_index_row(index(price_source="yahoo"), alpaca)
    assert moved is not None and moved.price_source == "alpaca-iex"
    assert cell_text(index_row(moved).cells[1]) == "101.00ⁱ"
    assert cell_text(index_row(index(price_source="yahoo-stream")).cells[1]) == "100.00"
    view = IndicesView((moved, index(symbol="^VIX", price_source="yahoo")), NOW)
    assert INDICES.legend(view) == "ⁱ price from Alpaca's IEX trades, one venue"
    assert INDICES.legend(IndicesView((index(price_source="yahoo"),), NOW)) is None
    finnhub = short(price_source="finnhub")
    assert cell_text(short_row(finnhub).cells[7]) == "−2.0%ᶠ"
    shorts = ShortsView((finnhub,), dt.date(2026, 1, 30), dt.date(2026, 2, 10), NOW)
    assert SHORTS.legend(shorts).endswith("ᶠ price from Finnhub's trades, one venue")


async def test_before_the_bell_today_is_the_previous_session_for_every_row() -> None:
    # Stocks trade pre-market, indices do not: the Today sparklines stay yesterday's session for
    # all rows rather than turning into "no intraday" for the indices.
    from tui.scheduler import Scheduler

    settings = Settings(source="demo")
    scheduler = Scheduler(settings, demo_at(8))
    await scheduler.refresh_all()
    indices = build_indices(scheduler.feed.market_data(), settings)
    assert all(row.intraday_note is None for row in indices.rows)
    spx = next(row for row in indices.rows if row.symbol == "^GSPC")
    assert len(spx.intraday) == 78  # yesterday's regular session in 5-minute bars


def test_a_move_no_newer_than_the_rows_price_changes_nothing() -> None:
    # A view rebuilt from newer quotes gets the moves of the last moments again: an older one
    # must not take its price back.
    stale = dataclasses.replace(move(90.0), ts=NOW)
    assert moved_index_row(index(), stale) is None


async def test_a_move_updates_the_drill_downs_key_numbers() -> None:
    from tui.presenters.ticks import moved_ticker
    from tui.scheduler import Scheduler

    settings = Settings(source="demo")
    scheduler = Scheduler(settings, demo_at(11, 30))
    await scheduler.refresh_all()
    view = build_ticker(scheduler.feed.market_data(), "MSFT", "1D", settings)
    assert view.as_of is not None and view.prev_close is not None
    later = view.as_of + dt.timedelta(seconds=5)
    msft = PriceMove("MSFT", later, "yahoo-stream", 1, last=500.0)
    moved = moved_ticker(view, msft)
    assert moved is not None
    assert (moved.last, moved.day_high, moved.as_of) == (500.0, 500.0, later)
    assert moved.change_pct == pytest.approx((500.0 / view.prev_close - 1) * 100)
    assert moved_ticker(view, dataclasses.replace(msft, symbol="AAPL")) is None
    assert moved_ticker(moved, dataclasses.replace(msft, last=1.0)) is None  # not newer


def test_a_move_on_a_watchlist_row_moves_its_last_change_and_ext() -> None:
    from tui.presenters.watchlist import WatchlistRows, WatchlistView, WatchRow

    row = WatchRow(
        "MSFT", "Microsoft", 400.0, -8.0, -2.0, None, 1e6, 1.0, "intraday", 380.0, 560.0,
        0.1, 1.2, "float", 0.5, (1.0, 2.0), NOW,
    )  # fmt: skip
    view = WatchlistView((WatchlistRows("Tech", (row,)), WatchlistRows("Other", ())), NOW)
    msft = dataclasses.replace(move(404.0), symbol="MSFT")
    moved, changed = moved_view(view, {"MSFT": msft})
    assert changed == {"MSFT": 1}
    (after,) = moved.lists[0].rows
    assert (after.last, after.change, after.as_of) == (404.0, pytest.approx(-4.0), msft.ts)
    assert after.change_pct == pytest.approx(-4.0 / 408 * 100)
    post = dataclasses.replace(move(None, ext_last=408.0, ext_session="post"), symbol="MSFT")
    ((ext_row,),) = (moved_view(view, {"MSFT": post})[0].lists[0].rows,)
    assert ext_row.extended_change_pct == pytest.approx(2.0) and ext_row.last == 400.0
