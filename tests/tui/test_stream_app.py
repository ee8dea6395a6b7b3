"""The dashboard with a price stream, end to end on loopback: the loopback market answers the polls
and a loopback Yahoo streamer (tests/streamserver.py) pushes prices. Ticks arrive and are shown
with a signed mark; a dropped connection falls back to polling (and the status bar says so) and
recovers; garbage frames change nothing; nothing stale is shown as live."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator

import pytest
from textual.pilot import Pilot

from tests.faultserver import FaultServer
from tests.loopback_market import DEFAULT_MOMENT, LoopbackMarket, ManualClock, internal_error
from tests.streamserver import StreamServer, pricing_frame
from tests.tui.harness import panes, wait_until
from tests.tui.test_live_app import (
    BASE_SETTINGS,
    fault_server,  # noqa: F401 (a fixture)
    live_app,
    load,
    observed,
    status_line,
    subtitle,
    truth_quote,
)
from tui.app import TapewatchApp
from tui.config import StreamSettings
from tui.models import Pane
from tui.presenters.indices import IndicesView
from tui.presenters.table import cell_text
from widgets.pane import STALE_MARK


@pytest.fixture
async def market(fault_server: FaultServer) -> LoopbackMarket:  # noqa: F811
    return await LoopbackMarket.start(fault_server)


@pytest.fixture
async def streamer() -> AsyncIterator[StreamServer]:
    async with StreamServer("yahoo") as server:
        yield server


def streaming_app(
    market: LoopbackMarket, streamer: StreamServer, clock: ManualClock
) -> TapewatchApp:
    settings = dataclasses.replace(BASE_SETTINGS, stream=StreamSettings(url=streamer.url))
    return live_app(market, clock, market.settings(settings))


def ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def index_row(app: TapewatchApp, symbol: str) -> tuple[str, ...]:
    """The Indices pane's cells of ``symbol`` as shown (the tick mark included)."""
    table = panes(app)[Pane.INDICES].table
    (row,) = [row for row in table.rows if row.key == symbol]
    return tuple(cell_text(cell, 8) for cell in row.cells)  # the sparkline 8 wide


def shown_last(app: TapewatchApp, symbol: str) -> float | None:
    view = panes(app)[Pane.INDICES].view
    assert isinstance(view, IndicesView)
    return next(row.last for row in view.rows if row.symbol == symbol)


@contextlib.asynccontextmanager
async def live(
    market: LoopbackMarket, streamer: StreamServer
) -> AsyncIterator[tuple[Pilot[int], TapewatchApp, ManualClock]]:
    """The app at 120x40 on the loopback market and streamer, once its first load is in and the
    stream is live (a first price: the S&P 500 at its polled price, a moment later)."""
    clock = ManualClock(DEFAULT_MOMENT)
    app = streaming_app(market, streamer, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await load(pilot, app)
        await wait_until(pilot, lambda: "^GSPC" in streamer.subscribed, "the subscription")
        spx = truth_quote(market.truth, "^GSPC")
        await streamer.push(pricing_frame("^GSPC", spx["last"], ms(DEFAULT_MOMENT) + 500))
        await wait_until(pilot, lambda: "stream live" in status_line(app), "the stream going live")
        yield pilot, app, clock


async def test_ticks_arrive_and_each_moved_price_is_marked_with_its_sign(
    market: LoopbackMarket, streamer: StreamServer
) -> None:
    async with live(market, streamer) as (pilot, app, _clock):
        # What is on screen is subscribed: the indices, the sector ETFs, the most shorted names.
        shown = {
            row.key for pane in (Pane.INDICES, Pane.SHORTS) for row in panes(app)[pane].table.rows
        }
        assert {"^GSPC", "^VIX", "XLK"} <= streamer.subscribed
        assert {key for key in shown if not key.startswith("basket:")} <= streamer.subscribed
        before = shown_last(app, "^GSPC")
        assert before is not None
        change_before = index_row(app, "^GSPC")[3]
        up = round(before + 25.0, 2)
        await streamer.push(pricing_frame("^GSPC", up, ms(DEFAULT_MOMENT) + 2_000))
        await streamer.push(pricing_frame("^NDX", 1.0, ms(DEFAULT_MOMENT) - 60_000))  # older
        await wait_until(pilot, lambda: shown_last(app, "^GSPC") == up, "the tick on screen")
        cells = index_row(app, "^GSPC")
        assert cells[1].startswith("▴") and cells[1].endswith(f"{up:,.2f}")
        assert cells[3] != change_before  # the day's change moved with it
        assert "stream live" in status_line(app)
        down = round(up - 50.0, 2)
        await streamer.push(pricing_frame("^GSPC", down, ms(DEFAULT_MOMENT) + 3_000))
        await wait_until(pilot, lambda: index_row(app, "^GSPC")[1].startswith("▾"), "▾")
        # An older price never replaces a newer one: ^NDX still shows its polled price.
        assert shown_last(app, "^NDX") == truth_quote(market.truth, "^NDX")["last"]
        # The mark goes after a moment; the price stays.
        await wait_until(pilot, lambda: index_row(app, "^GSPC")[1].startswith(" "), "unmarked")
        assert shown_last(app, "^GSPC") == down
        # The subtitle's as-of follows the newest price.
        assert "11:30 ET" in subtitle(app, Pane.INDICES)


async def test_a_dropped_stream_falls_back_to_polling_and_recovers(
    market: LoopbackMarket, streamer: StreamServer
) -> None:
    async with live(market, streamer) as (pilot, app, _clock):
        polls = observed(app).quote_polls
        await streamer.disconnect()
        await wait_until(pilot, lambda: "yahoo stream ⚠ polling" in status_line(app), "fallback")
        # Polling resumes at once (while live it had slowed to a minute).
        await wait_until(pilot, lambda: observed(app).quote_polls > polls, "a quotes poll")
        # The client reconnects and subscribes again; a price makes it live again.
        await wait_until(pilot, lambda: streamer.open_connections == 1, "the reconnection")
        await wait_until(pilot, lambda: "^GSPC" in streamer.subscribed, "the resubscription")
        await streamer.push(pricing_frame("^GSPC", 6_900.0, ms(DEFAULT_MOMENT) + 9_000))
        await wait_until(pilot, lambda: "stream live" in status_line(app), "the recovery")
        await wait_until(pilot, lambda: shown_last(app, "^GSPC") == 6_900.0, "the new price")


async def test_garbage_frames_are_skipped_and_the_stream_goes_on(
    market: LoopbackMarket, streamer: StreamServer
) -> None:
    async with live(market, streamer) as (pilot, app, _clock):
        before = shown_last(app, "^GSPC")
        good = pricing_frame("^GSPC", 7_000.0, ms(DEFAULT_MOMENT) + 4_000)
        for garbage in (
            "not json",
            '{"type": "pricing", "message": "%%%"}',
            good[: len(good) // 2],
        ):
            await streamer.push(garbage)
        await streamer.push(good)
        await wait_until(pilot, lambda: shown_last(app, "^GSPC") == 7_000.0, "the good frame")
        assert before != 7_000.0
        assert "stream live" in status_line(app)


async def test_nothing_stale_is_shown_as_live(
    market: LoopbackMarket, streamer: StreamServer
) -> None:
    async with live(market, streamer) as (pilot, app, clock):
        await streamer.push(pricing_frame("^GSPC", 7_100.0, ms(DEFAULT_MOMENT) + 5_000))
        await wait_until(pilot, lambda: shown_last(app, "^GSPC") == 7_100.0, "the tick")
        # The stream goes and Yahoo cannot be polled: the streamed price stays on screen, but
        # the status bar no longer says live, and once the quotes are older than twice their
        # cadence the pane says it is stale.
        market.inject("yahoo", internal_error)
        await streamer.disconnect()
        await wait_until(pilot, lambda: "⚠ polling" in status_line(app), "the fallback")
        assert "stream live" not in status_line(app)
        clock.advance(31)
        await wait_until(pilot, lambda: STALE_MARK in subtitle(app, Pane.INDICES), "stale mark")
        assert shown_last(app, "^GSPC") == 7_100.0
        unmarked = lambda: not index_row(app, "^GSPC")[1].startswith(("▴", "▾"))  # noqa: E731
        await wait_until(pilot, unmarked, "no mark of a live price")
        assert STALE_MARK in subtitle(app, Pane.INDICES) and "stream live" not in status_line(app)


async def test_the_open_drill_down_is_streamed_and_its_figures_follow(
    market: LoopbackMarket, streamer: StreamServer
) -> None:
    from tests.tui.harness import wait_for_drill_down
    from widgets.charts import KeyNumbers

    async with live(market, streamer) as (pilot, app, _clock):
        # A basket member no row shows: priced by the quotes job, not subscribed.
        members = [symbol for basket in BASE_SETTINGS.baskets for symbol in basket.symbols]
        symbol = next(member for member in members if member not in streamer.subscribed)
        app.open_ticker(symbol)
        screen = await wait_for_drill_down(pilot, app, symbol)
        await wait_until(pilot, lambda: symbol in streamer.subscribed, "the drill-down's symbol")
        await streamer.push(pricing_frame(symbol, 321.0, ms(DEFAULT_MOMENT) + 6_000))
        numbers = screen.query_one(KeyNumbers)
        await wait_until(
            pilot, lambda: numbers.view is not None and numbers.view.last == 321.0, "the tick"
        )
        await pilot.press("escape")
        await wait_until(pilot, lambda: symbol not in streamer.subscribed, "unsubscribed")
