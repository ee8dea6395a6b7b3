"""The dashboard on the live sources: Yahoo, FINRA and the SEC played by a fault-injecting server
on 127.0.0.1 that serves a frozen demo market (`tests.loopback_market`). One clock, moved only by
the tests, drives the app, the scheduler and the sources; polls are started with `r`."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any, TypeVar

import polars as pl
import pytest
from textual.pilot import Pilot

from tests import faultserver
from tests.faultserver import FaultServer
from tests.loopback_market import (
    LoopbackMarket,
    ManualClock,
    MarketTruth,
    ServiceName,
    connection_reset,
    cut_short,
    delayed,
    internal_error,
    throttled,
)
from tests.tui.harness import frozen_demo, panes, wait_for_data, wait_until
from tui.app import TapewatchApp
from tui.cache import Cache
from tui.config import Basket, IndexSpec, Settings, ShortedSettings
from tui.jobs import JobName
from tui.market_hours import NEW_YORK
from tui.models import Pane
from tui.presenters.correlations import member_key
from tui.presenters.indices import IndicesView
from tui.presenters.sectors import SectorsView
from tui.presenters.shorts import ShortRow, ShortsView
from tui.presenters.table import Row, cell_text
from tui.scheduler import Scheduler
from tui.sources.base import BarInterval, FetchOutcome, Source
from tui.sources.finra import SHORT_INTEREST_FILE_SCHEMA
from tui.sources.live import LiveSource
from widgets.pane import LOADING, STALE_MARK
from widgets.status import StatusBar

pytestmark = pytest.mark.timeout(30)
fault_server = faultserver.fault_server

ViewT = TypeVar("ViewT")

SIZE = (260, 60)  # wide enough for the status bar's full line
# A Most shorted table of a dozen names: each quotes poll asks Yahoo for ~70 symbols, not ~150.
BASE_SETTINGS = replace(Settings(), shorted=ShortedSettings(rows=12))
LATER = dt.timedelta(days=2, hours=1)  # a start after the earlier run: every dataset stale
POLL_GAP_S = 6.0  # time between two polls: past Yahoo's 5 s shared-reply window, so each asks


class ObservedLiveSource(LiveSource):
    """The live source, counting its calls in progress and its finished quote polls, so a test
    knows when the polls it started are over."""

    in_flight = 0
    quote_polls = 0

    @contextlib.contextmanager
    def _call(self) -> Iterator[None]:
        self.in_flight += 1
        try:
            yield
        finally:
            self.in_flight -= 1

    async def quotes(self, symbols: Sequence[str]) -> FetchOutcome:
        with self._call():
            outcome = await super().quotes(symbols)
            self.quote_polls += 1
            return outcome

    async def bars(self, symbols: Sequence[str], interval: BarInterval, days: int) -> FetchOutcome:
        with self._call():
            return await super().bars(symbols, interval, days)

    async def short_interest(
        self, symbols: Sequence[str] | None, settlements: int = 1
    ) -> FetchOutcome:
        with self._call():
            return await super().short_interest(symbols, settlements)

    async def short_volume(self, symbols: Sequence[str] | None, days: int) -> FetchOutcome:
        with self._call():
            return await super().short_volume(symbols, days)

    async def shares(self, symbols: Sequence[str]) -> FetchOutcome:
        with self._call():
            return await super().shares(symbols)


def live_app(
    market: LoopbackMarket, clock: ManualClock, settings: Settings | None = None
) -> TapewatchApp:
    """The app on the loopback market (and on the frozen demo market after `d`)."""

    def factory(settings: Settings, as_of: dt.date | None) -> Source:
        if settings.source == "demo":
            return frozen_demo(settings, as_of)
        return ObservedLiveSource(
            settings, cache=Cache.default(), clock=clock, transport=market.transport()
        )

    settings = settings or market.settings(BASE_SETTINGS)
    return TapewatchApp(settings, source_factory=factory, clock=clock)


def observed(app: TapewatchApp) -> ObservedLiveSource:
    """The live source the dashboard's scheduler polls (made in a worker once the app runs)."""
    scheduler = app.dashboard.scheduler
    assert scheduler is not None and isinstance(scheduler.source, ObservedLiveSource)
    return scheduler.source


def status_line(app: TapewatchApp) -> str:
    return app.dashboard.query_one(StatusBar).render().plain


def subtitle(app: TapewatchApp, pane: Pane) -> str:
    return str(panes(app)[pane].border_subtitle)


def shown_rows(app: TapewatchApp) -> dict[Pane, tuple[Row, ...]]:
    return {pane: widget.table.rows for pane, widget in panes(app).items()}


def view_of(app: TapewatchApp, pane: Pane, kind: type[ViewT]) -> ViewT:
    view = panes(app)[pane].view
    assert isinstance(view, kind), f"{pane.value} shows {view!r}"
    return view


def fully_loaded(app: TapewatchApp) -> bool:
    """Every dataset in, every source ok, and the panes rebuilt from all of it: Most shorted is
    priced (its names are quoted only once short interest is in)."""
    scheduler = app.dashboard.scheduler
    if scheduler is None or not all(scheduler.store.has_data(job) for job in JobName):
        return False
    if not all(f"{name} ok" in status_line(app) for name in ("yahoo", "finra", "sec")):
        return False
    shorts, indices = panes(app)[Pane.SHORTS].view, panes(app)[Pane.INDICES].view
    return (
        isinstance(shorts, ShortsView)
        and bool(shorts.rows)
        and all(row.price_change_pct is not None for row in shorts.rows)
        and isinstance(indices, IndicesView)
        and indices.rows[0].last is not None
    )


async def load(pilot: Pilot[int], app: TapewatchApp) -> None:
    """Wait for the first round of polls to fill the dashboard."""
    await wait_for_data(pilot, app, seconds=10.0)
    await wait_until(pilot, lambda: fully_loaded(app), "the first full load")


async def quiet(pilot: Pilot[int], app: TapewatchApp, seconds: float = 10.0) -> None:
    """Wait until no poll has been running for a while (a poll may start another: new short
    interest wakes the quotes job)."""
    source = observed(app)
    idle_checks = 0
    for _ in range(int(seconds / 0.05)):
        idle_checks = idle_checks + 1 if source.in_flight == 0 else 0
        if idle_checks == 4:
            await pilot.pause()
            return
        await pilot.pause(0.05)
    raise AssertionError(f"polls still running after {seconds:g}s")


async def refresh(pilot: Pilot[int], app: TapewatchApp) -> None:
    """Press `r` and wait until the polls it starts are over."""
    source = observed(app)
    before = source.quote_polls
    await pilot.press("r")
    await wait_until(pilot, lambda: source.quote_polls > before, "the quotes poll of `r`")
    await quiet(pilot, app)


async def load_completely(pilot: Pilot[int], app: TapewatchApp) -> None:
    """The first load, until the share counts that short interest wakes (and the quotes of the
    names they rank) are in too."""
    await load(pilot, app)

    def short_pct_everywhere() -> bool:
        shorts = panes(app)[Pane.SHORTS].view
        return isinstance(shorts, ShortsView) and all(r.short_pct is not None for r in shorts.rows)

    await wait_until(pilot, short_pct_everywhere, "short interest as % of shares outstanding")
    await quiet(pilot, app)
    await wait_until(pilot, lambda: fully_loaded(app), "every short name priced")


def truth_quote(truth: MarketTruth, symbol: str) -> dict[str, Any]:
    (row,) = truth.quotes.filter(pl.col("symbol") == symbol).iter_rows(named=True)
    return row


@pytest.fixture
async def market(fault_server: FaultServer) -> LoopbackMarket:
    return await LoopbackMarket.start(fault_server)


# -- a good load -----------------------------------------------------------------------------------


async def test_the_dashboard_fills_with_what_the_market_served(market: LoopbackMarket) -> None:
    truth = market.truth
    app = live_app(market, ManualClock(truth.moment))
    async with app.run_test(size=SIZE) as pilot:
        await load(pilot, app)
        for pane, widget in panes(app).items():
            assert widget.table.rows, f"{pane.value} has no rows"

        spx = truth_quote(truth, "^GSPC")
        indices = view_of(app, Pane.INDICES, IndicesView)
        assert indices.rows[0].symbol == "^GSPC" and indices.rows[0].last == spx["last"]
        shown_last = cell_text(panes(app)[Pane.INDICES].table.rows[0].cells[1])
        assert shown_last.strip() == f"{spx['last']:,.2f}"  # after the room of a tick's mark

        xlk = truth_quote(truth, "XLK")
        sectors = {row.symbol: row for row in view_of(app, Pane.SECTORS, SectorsView).rows}
        expected_change = (xlk["last"] / xlk["prev_close"] - 1) * 100
        assert sectors["XLK"].change_pct == pytest.approx(expected_change)

        settlement = truth.short_interest["settlement_date"].max()
        top = view_of(app, Pane.SHORTS, ShortsView).rows[0]
        served = truth.short_interest.filter(
            pl.col("symbol") == top.symbol, pl.col("settlement_date") == settlement
        ).row(0, named=True)
        assert top.settlement_date == settlement
        assert (top.short_shares, top.days_to_cover) == (
            served["short_shares"],
            served["days_to_cover"],
        )

        line = status_line(app)
        assert line.startswith(" LIVE ") and "DEMO" not in line
        assert all(f"{name} ok" in line for name in ("yahoo", "finra", "sec"))


async def test_most_shorted_gives_short_interest_as_a_share_of_shares_outstanding(
    market: LoopbackMarket,
) -> None:
    truth = market.truth
    app = live_app(market, ManualClock(truth.moment))
    async with app.run_test(size=SIZE) as pilot:
        await load(pilot, app)

        def top_row() -> ShortRow:
            return view_of(app, Pane.SHORTS, ShortsView).rows[0]

        await wait_until(pilot, lambda: top_row().short_pct is not None, "an SI %", seconds=3)
        top = top_row()
        shares = truth.shares.filter(pl.col("symbol") == top.symbol)["shares_outstanding"][0]
        assert top.short_shares is not None
        assert top.short_pct_basis == "outstanding"
        assert top.short_pct == pytest.approx(top.short_shares / shares * 100)


# -- Yahoo fails after a good load -----------------------------------------------------------------


async def test_when_yahoo_fails_the_panes_keep_their_data_and_turn_stale(
    market: LoopbackMarket,
) -> None:
    clock = ManualClock(market.truth.moment)
    app = live_app(market, clock)
    async with app.run_test(size=SIZE) as pilot:
        await load_completely(pilot, app)
        last_good_poll = clock()
        shown = shown_rows(app)

        market.inject("yahoo", internal_error)
        clock.advance(POLL_GAP_S)
        await refresh(pilot, app)
        assert "yahoo retrying in" in status_line(app)
        market.inject("yahoo", connection_reset)
        clock.advance(POLL_GAP_S)
        await refresh(pilot, app)
        assert "yahoo offline" in status_line(app)

        assert app.is_running
        assert shown_rows(app) == shown
        assert "finra ok" in status_line(app) and "sec ok" in status_line(app)

        # Quotes refresh every 15 s, so they are stale once older than 30 s by the app's clock.
        clock.now = last_good_poll + dt.timedelta(seconds=29)
        await wait_until(pilot, lambda: "quotes 29s " in status_line(app), "quotes 29 s old")
        assert not any(STALE_MARK in subtitle(app, pane) for pane in panes(app))
        clock.now = last_good_poll + dt.timedelta(seconds=31)
        await wait_until(pilot, lambda: "quotes 31s ⚠" in status_line(app), "stale quotes")
        for pane in (Pane.INDICES, Pane.SECTORS, Pane.SHORTS):  # the panes that show prices
            assert STALE_MARK in subtitle(app, pane), pane
        assert STALE_MARK not in subtitle(app, Pane.CORRELATIONS)  # daily bars: hourly
        assert shown_rows(app) == shown


# -- rate limited ----------------------------------------------------------------------------------


async def test_a_429_holds_back_every_request_to_yahoo_until_its_retry_after(
    market: LoopbackMarket,
) -> None:
    clock = ManualClock(market.truth.moment)
    app = live_app(market, clock)
    async with app.run_test(size=SIZE) as pilot:
        await load(pilot, app)
        market.inject("yahoo", throttled(120))
        clock.advance(POLL_GAP_S)
        await refresh(pilot, app)
        until = clock() + dt.timedelta(seconds=120)
        expected = f"yahoo rate-limited until {until.astimezone(NEW_YORK):%H:%M}"
        assert expected in status_line(app)

        asked = len(market.requests("yahoo"))
        for seconds_left in (60, 1):
            clock.now = until - dt.timedelta(seconds=seconds_left)
            await refresh(pilot, app)
            assert len(market.requests("yahoo")) == asked, f"asked {seconds_left} s too early"
        assert expected in status_line(app)
        assert "finra ok" in status_line(app)  # another host: not held back

        market.heal("yahoo")
        clock.now = until + dt.timedelta(seconds=1)
        await refresh(pilot, app)
        assert len(market.requests("yahoo")) > asked
        assert "yahoo ok" in status_line(app)


# -- the cache survives faults ---------------------------------------------------------------------


async def test_faults_never_damage_the_cache(market: LoopbackMarket) -> None:
    clock = ManualClock(market.truth.moment)
    settings = market.settings(BASE_SETTINGS)
    app = live_app(market, clock, settings)
    async with app.run_test(size=SIZE) as pilot:
        await load_completely(pilot, app)
        scheduler = app.dashboard.scheduler
        assert scheduler is not None
        good = scheduler.feed.market_data()
        # From 6 pm New York FINRA should have today's short-sale volume: it is asked for, too.
        clock.now = market.truth.moment.replace(hour=23, minute=30)
        services: tuple[ServiceName, ...] = ("yahoo", "finra", "sec")
        for fault in (internal_error, connection_reset, cut_short):
            for service in services:
                market.inject(service, fault)
            clock.advance(POLL_GAP_S)
            await refresh(pilot, app)
            line = status_line(app)
            assert "yahoo ok" not in line and "finra ok" not in line, fault.__name__

    source = market.live_source(settings, clock=clock, cache=None)
    next_start = Scheduler(settings, source, clock=clock, cache=Cache.default())
    restored = await next_start.restore()
    await next_start.aclose()
    assert set(restored) == set(JobName)
    cached = next_start.feed.market_data()
    for job in JobName:
        assert getattr(cached, job.value).equals(getattr(good, job.value)), job
    # FINRA keeps each file it parsed: the settlement file is intact as well.
    settlement = market.truth.short_interest["settlement_date"].max()
    assert isinstance(settlement, dt.date)
    key = f"finra/shrt{settlement:%Y%m%d}"
    kept = Cache.default().read_frame(key, SHORT_INTEREST_FILE_SCHEMA)
    served = market.truth.short_interest.filter(pl.col("settlement_date") == settlement)
    assert kept is not None and kept["short_shares"].equals(served["short_shares"])


# -- offline at start ------------------------------------------------------------------------------


async def earlier_run(market: LoopbackMarket, settings: Settings) -> None:
    """What a first start leaves in the cache folder: every dataset polled once."""
    clock = ManualClock(market.truth.moment)
    source = market.live_source(settings, clock=clock, cache=Cache.default())
    scheduler = Scheduler(settings, source, clock=clock, cache=Cache.default())
    results = await scheduler.refresh_all()
    await scheduler.aclose()
    assert not [result.failure for result in results if result.failure is not None]


async def test_offline_at_start_paints_the_cache_and_offers_the_demo(
    market: LoopbackMarket, fault_server: FaultServer
) -> None:
    settings = market.settings(BASE_SETTINGS)
    await earlier_run(market, settings)
    await fault_server.stop()  # nothing listens any more: every connection is refused

    app = live_app(market, ManualClock(market.truth.moment + LATER), settings)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot, app, seconds=10.0)
        spx = truth_quote(market.truth, "^GSPC")
        assert view_of(app, Pane.INDICES, IndicesView).rows[0].last == spx["last"]
        await refresh(pilot, app)
        await wait_until(pilot, lambda: "yahoo offline" in status_line(app), "yahoo offline")
        line = status_line(app)
        assert line.startswith(" LIVE ")
        assert "quotes 2d ⚠" in line and "daily 2d ⚠" in line
        for pane in panes(app):
            assert STALE_MARK in subtitle(app, pane), pane

        await pilot.press("d")
        await wait_until(pilot, lambda: status_line(app).startswith(" DEMO "), "the demo market")
        await wait_until(
            pilot,
            lambda: view_of(app, Pane.INDICES, IndicesView).rows[0].last != spx["last"],
            "the demo market's prices",
        )
        await wait_for_data(pilot, app)
        for pane, widget in panes(app).items():
            assert widget.table.rows and STALE_MARK not in subtitle(app, pane), pane


async def test_offline_at_start_the_status_bar_says_the_sources_are_unreachable(
    market: LoopbackMarket, fault_server: FaultServer
) -> None:
    settings = market.settings(BASE_SETTINGS)
    await earlier_run(market, settings)
    await fault_server.stop()

    app = live_app(market, ManualClock(market.truth.moment + LATER), settings)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_data(pilot, app, seconds=10.0)
        await refresh(pilot, app)
        assert "sources unreachable: showing cached data · d: demo market" in status_line(app)


# -- unknown symbols -------------------------------------------------------------------------------


def with_unknown_symbols(market: LoopbackMarket) -> Settings:
    """An index and a basket member that Yahoo answers 404 for."""
    base = BASE_SETTINGS
    return market.settings(
        replace(
            base,
            indices=(*base.indices, IndexSpec("^NOPE", "Nope index")),
            baskets=(*base.baskets, Basket("Test", ("AAPL", "MSFT", "ZZZZ"))),
        )
    )


async def test_an_index_yahoo_does_not_know_is_shown_as_not_found(market: LoopbackMarket) -> None:
    app = live_app(market, ManualClock(market.truth.moment), with_unknown_symbols(market))
    async with app.run_test(size=SIZE) as pilot:
        await load(pilot, app)
        table = panes(app)[Pane.INDICES].table
        index = table.row_index("^NOPE")
        assert index is not None and table.rows[index].note == "not found"
        assert market.server.requests_to("/v8/finance/chart/^NOPE")


async def test_a_basket_member_yahoo_does_not_know_is_shown_as_not_found(
    market: LoopbackMarket,
) -> None:
    app = live_app(market, ManualClock(market.truth.moment), with_unknown_symbols(market))
    async with app.run_test(size=SIZE) as pilot:
        await load(pilot, app)
        table = panes(app)[Pane.CORRELATIONS].table
        index = table.row_index(member_key("Test", "ZZZZ"))
        assert index is not None, "the member was dropped"
        assert table.rows[index].note == "not found"


async def test_offline_at_start_with_nothing_cached_each_pane_says_why_it_is_empty(
    market: LoopbackMarket, fault_server: FaultServer
) -> None:
    """Not "loading…" for good: once the sources have failed, each pane says it has no data,
    why, when it tries again and what to press for the demo, under its headers."""
    settings = market.settings(BASE_SETTINGS)
    await fault_server.stop()

    app = live_app(market, ManualClock(market.truth.moment), settings)
    async with app.run_test(size=SIZE) as pilot:
        widgets = panes(app)
        assert all(LOADING in subtitle(app, pane) for pane in widgets)  # the first seconds
        await wait_until(pilot, lambda: app.dashboard.scheduler is not None, "the scheduler")
        await refresh(pilot, app)  # a second failure in a row: offline

        expected = "no data — yahoo unreachable, retrying 11:30 ET · d: demo market"

        def explained() -> bool:
            return all(str(widget.notice.render()) == expected for widget in widgets.values())

        await wait_until(pilot, explained, "every pane to say why it is empty")
        for pane, widget in widgets.items():
            assert widget.notice.display and widget.view is None, pane
            assert not widget.table.rows and widget.table.visible_columns, pane  # headers kept
            assert subtitle(app, pane).startswith("no data"), pane
        line = status_line(app)
        assert "yahoo offline" in line and "sources unreachable: no data yet" in line


async def test_requests_that_hang_show_yahoo_slow_not_ok(market: LoopbackMarket) -> None:
    """A reply overdue by half the request deadline: the status bar says so at its next tick,
    before the deadline turns it into a failure."""
    clock = ManualClock(market.truth.moment)
    base = market.settings(BASE_SETTINGS)
    settings = replace(base, http=replace(base.http, request_deadline=3.0))
    app = live_app(market, clock, settings)
    async with app.run_test(size=SIZE) as pilot:
        await load(pilot, app)
        assert "yahoo ok" in status_line(app)
        market.inject("yahoo", delayed(30))
        clock.advance(POLL_GAP_S)
        await pilot.press("r")

        await wait_until(pilot, lambda: "yahoo ⚠ slow" in status_line(app), "yahoo slow")
        assert "yahoo ok" not in status_line(app) and "finra ok" in status_line(app)
