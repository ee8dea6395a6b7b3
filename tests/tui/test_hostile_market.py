"""The dashboard on a hostile live market: Yahoo and FINRA played by the loopback market
(`tests.loopback_market`) sending prices of 0, 1e308 or NaN, quotes from the year 2100, names
with markup and escape sequences, and a negative short position. What cannot be right is left
out, counted in the status bar and never cached; names are plain text; when the market sends
sane figures again they show."""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from dataclasses import replace

import polars as pl
import pytest

from tests import faultserver
from tests.faultserver import FaultServer
from tests.loopback_market import (
    HOSTILE_ISSUE_NAME,
    HOSTILE_NAME,
    LoopbackMarket,
    ManualClock,
    all_of,
    finra_issue_names,
    finra_short_positions,
    yahoo_names,
    yahoo_prices,
    yahoo_times,
)
from tests.tui.harness import panes, wait_for_data, wait_for_drill_down, wait_until
from tests.tui.test_live_app import (
    BASE_SETTINGS,
    POLL_GAP_S,
    SIZE,
    earlier_run,
    live_app,
    quiet,
    refresh,
    status_line,
    truth_quote,
    view_of,
)
from tests.tui.test_plain_names import assert_plain, screen_text
from tui.app import TapewatchApp
from tui.cache import Cache
from tui.config import Basket
from tui.jobs import JOBS, JobName
from tui.models import Pane
from tui.presenters.indices import IndicesView
from tui.presenters.shorts import ShortsView
from tui.sources.sanity import PRICE_CEILING
from tui.store import JOB_SCHEMAS

pytestmark = pytest.mark.timeout(45)
fault_server = faultserver.fault_server

GARBAGE = {"^GSPC": 0.0, "^DJI": 1e308, "^RUT": math.nan, "^NDX": -5.0}
THE_FUTURE = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
BAD_ROWS = re.compile(r"yahoo ⚠ (\d+) bad rows?")


@pytest.fixture
async def market(fault_server: FaultServer) -> LoopbackMarket:
    return await LoopbackMarket.start(fault_server)


def note_of(app: TapewatchApp, pane: Pane, symbol: str) -> str | None:
    table = panes(app)[pane].table
    index = table.row_index(symbol)
    assert index is not None, f"{symbol} has no row in {pane.value}"
    return table.rows[index].note


def bad_rows_shown(app: TapewatchApp) -> int:
    found = BAD_ROWS.search(status_line(app))
    return int(found.group(1)) if found else 0


async def test_garbage_prices_are_left_out_counted_never_cached_and_recover(
    market: LoopbackMarket,
) -> None:
    clock = ManualClock(market.truth.moment)
    market.inject("yahoo", all_of(*(yahoo_prices(v, {s}) for s, v in GARBAGE.items())))
    app = live_app(market, clock)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot, app, seconds=10.0)
        await wait_until(pilot, lambda: bad_rows_shown(app) > 0, "bad rows in the status bar")
        await quiet(pilot, app)
        for symbol in GARBAGE:  # nothing to show: the row says why
            note = note_of(app, Pane.INDICES, symbol)
            assert note is not None and note.startswith("bad data: "), (symbol, note)
        for row in panes(app)[Pane.INDICES].table.rows:
            figures = " ".join(str(cell) for cell in row.cells[1:]).lower()
            assert not re.search(r"e\+\d|\bnan\b|\binf\b|−100", figures), row
        assert "yahoo ok" not in status_line(app)

        scheduler = app.dashboard.scheduler
        assert scheduler is not None
        for job in (JobName.QUOTES, JobName.INTRADAY, JobName.DAILY):
            stored = scheduler.store.get(job)
            assert stored is not None
            assert stored.frame.filter(pl.col("symbol").is_in(list(GARBAGE))).is_empty(), job

        # The server recovers: the figures show, the count goes.
        market.heal("yahoo")
        clock.advance(POLL_GAP_S)
        await refresh(pilot, app)
        await wait_until(pilot, lambda: "yahoo ok" in status_line(app), "yahoo ok again")
        clock.advance(POLL_GAP_S)
        await refresh(pilot, app)
        rows = {row.symbol: row for row in view_of(app, Pane.INDICES, IndicesView).rows}
        for symbol in GARBAGE:
            assert rows[symbol].last == truth_quote(market.truth, symbol)["last"], symbol
            assert rows[symbol].change_pct is not None, symbol

    # Nothing the server sent wrong reached the disk copy.
    cache = Cache.default()
    for job_spec in JOBS:
        if job_spec.name in (JobName.QUOTES, JobName.INTRADAY, JobName.DAILY):
            frame = cache.read_frame(job_spec.cache_key("live"), JOB_SCHEMAS[job_spec.name])
            assert frame is not None
            prices = [c for c in ("last", "prev_close", "close", "open") if c in frame.columns]
            for column in prices:
                values = frame.get_column(column).drop_nulls()
                assert values.is_finite().all() and (values > 0).all(), (job_spec.name, column)
                assert (values <= PRICE_CEILING).all(), (job_spec.name, column)


async def test_a_quote_from_the_year_2100_is_not_shown_as_live(market: LoopbackMarket) -> None:
    clock = ManualClock(market.truth.moment)
    market.inject("yahoo", yahoo_times(THE_FUTURE, {"^VIX"}))
    app = live_app(market, clock)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot, app, seconds=10.0)
        await wait_until(pilot, lambda: bad_rows_shown(app) > 0, "bad rows in the status bar")
        await quiet(pilot, app)
        scheduler = app.dashboard.scheduler
        assert scheduler is not None
        for job in (JobName.QUOTES, JobName.INTRADAY, JobName.DAILY):
            stored = scheduler.store.get(job)
            assert stored is not None and stored.as_of.year < 2100, job
            latest = stored.frame.get_column("ts").max()
            assert isinstance(latest, dt.datetime) and latest.year < 2100, job
        # No figure from 2100: the row says why it has none.
        assert note_of(app, Pane.INDICES, "^VIX") == (
            "bad data: ts 2100-01-01 00:00 UTC is in the future"
        )
        assert BAD_ROWS.search(status_line(app))


async def test_names_with_markup_and_escapes_are_shown_as_text(market: LoopbackMarket) -> None:
    # PWND: a stock the embedded universe does not know, in a basket, whose Yahoo name is
    # hostile; EVIL: one only FINRA's file lists, under a hostile issue name; and a negative
    # short position for a third.
    market.list_symbol("PWND", like="AAPL")
    market.list_symbol("EVIL", like="MSFT")
    shorted = most_shorted(market)
    market.inject("yahoo", yahoo_names(HOSTILE_NAME, {"PWND"}))
    market.inject(
        "finra",
        all_of(
            finra_issue_names(HOSTILE_ISSUE_NAME, {"EVIL"}),
            finra_short_positions(-4.1e299, {shorted}),
        ),
    )
    hostile = Basket("Hostile", ("AAPL", "MSFT", "PWND"))
    settings = market.settings(replace(BASE_SETTINGS, baskets=(*BASE_SETTINGS.baskets, hostile)))
    app = live_app(market, ManualClock(market.truth.moment), settings)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot, app, seconds=10.0)
        await wait_until(pilot, lambda: "finra ⚠ 1 bad row" in status_line(app), "finra's bad row")
        await quiet(pilot, app)
        shorts = view_of(app, Pane.SHORTS, ShortsView)
        assert all(row.short_pct is None or row.short_pct >= 0 for row in shorts.rows)
        assert shorted not in [row.symbol for row in shorts.rows]
        assert_plain(screen_text(app))

        # The palette lists FINRA's name as text, and the screen stays drawn.
        await pilot.press("ctrl+p")
        await pilot.press(*"evil")
        await wait_until(
            pilot, lambda: "EVIL  [link=x]Evil[/link]" in screen_text(app), "EVIL in the palette"
        )
        assert_plain(screen_text(app))
        await pilot.press("escape")

        # PWND's drill-down: Yahoo's name as written, no escape sequence, no action run.
        app.open_ticker("PWND")
        screen = await wait_for_drill_down(pilot, app, "PWND")
        text = screen_text(app)
        assert_plain(text)
        assert "PWND  [bold red]HACKED[/] [@click=app.quit]click me[/]" in text
        await pilot.click("#ticker-title")
        await pilot.pause()
        assert app.is_running and screen is app.screen


async def test_a_cache_file_replaced_by_a_fifo_neither_freezes_the_dashboard_nor_quitting(
    market: LoopbackMarket,
) -> None:
    settings = market.settings(BASE_SETTINGS)
    await earlier_run(market, settings)
    path = Cache.default().path / "snapshot" / "live" / "quotes.parquet"
    path.unlink()
    os.mkfifo(path)  # opening it for reading would wait for a writer for ever
    app = live_app(market, ManualClock(market.truth.moment), settings)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot, app, seconds=10.0)
        await pilot.press("q")
    assert app.return_code == 0
    assert path.is_file()  # the FIFO was discarded and the new quotes written in its place


def most_shorted(market: LoopbackMarket) -> str:
    """The stock with the largest short position at the newest settlement."""
    newest = market.truth.short_interest.filter(
        pl.col("settlement_date") == pl.col("settlement_date").max()
    )
    return str(newest.sort("short_shares", descending=True).get_column("symbol")[0])
