"""The scheduler: one poll and what it stores, back-off and health, the status line, a one-round
refresh, and the running loops — cadences, followers woken by new data, `wake`, back-off and
retry times, pane rebuilds (a failing builder included) — on a clock only the test moves
(`VirtualTime`): no test sleeps for a cadence."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

import polars as pl
import pytest

from tests.loopback_market import ManualClock
from tests.unit.scripted import (
    DAILY_SESSIONS,
    INTRADAY_SESSIONS,
    MARKET_NOW,
    SMALL,
    SMALL_CORE,
    SMALL_INTRADAY,
    RoutedSource,
    ScriptedSource,
    VirtualTime,
    bars_frame,
    failed,
    fetched,
    holdings_frame,
    quotes_frame,
    shares_frame,
    short_interest_frame,
    until,
    wall_clock,
)
from tui.analytics.builders import BUILDERS
from tui.analytics.indices import build_indices
from tui.analytics.market import MarketData
from tui.cache import Cache
from tui.config import RefreshSettings, Settings, ShortedSettings, SourcesSettings, YahooSettings
from tui.jobs import REFRESH_ORDER, JobName, spec
from tui.models import Pane, SourceHealth
from tui.presenters.correlations import CorrelationsView
from tui.presenters.indices import IndicesView
from tui.presenters.registry import PaneView
from tui.presenters.sectors import SectorsView
from tui.presenters.shorts import ShortsView
from tui.reports import JobFinished, PaneBuilt, PaneFailed, Report, StatusChanged
from tui.scheduler import FIRST_ROUND_S, Scheduler
from tui.sources.base import SHORT_VOLUME_SCHEMA, FailureKind, Fetched, Source
from tui.sources.demo import DemoMarket
from tui.sources.replay import AsOfSource
from tui.store import Stored


def scheduler_over(
    source: Source,
    settings: Settings = SMALL,
    *,
    clock: ManualClock | None = None,
    cache: Cache | None = None,
    **options: object,
) -> Scheduler:
    return Scheduler(settings, source, clock=clock or wall_clock(), cache=cache, **options)  # type: ignore[arg-type]


def polls(source: ScriptedSource) -> dict[JobName, int]:
    """How often each job asked the source; a job that waits for its symbols (the funds'
    members) asks nothing while the scripted holdings name none, and is left out."""
    return {job: source.polls(job) for job in JobName if not spec(job).waits_for_symbols}


@contextlib.asynccontextmanager
async def running(scheduler: Scheduler) -> AsyncIterator[None]:
    """`Scheduler.run` in a task, cancelled at the end (a loop that died fails the test)."""
    task = asyncio.create_task(scheduler.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@contextlib.asynccontextmanager
async def started(
    settings: Settings = SMALL, **options: object
) -> AsyncIterator[tuple[Scheduler, ScriptedSource, VirtualTime]]:
    """A scheduler running over a `ScriptedSource` on `VirtualTime`, once every job has polled
    and waits (``options``: the scheduler's)."""
    time = VirtualTime(wall_clock())
    source = ScriptedSource()
    scheduler = scheduler_over(source, settings, clock=time.clock, wait=time, **options)
    async with running(scheduler):
        await until(
            lambda: scheduler.first_round_done and time.idle(), "every job polled and waiting"
        )
        yield scheduler, source, time


def settled(scheduler: Scheduler, time: VirtualTime) -> Callable[[], bool]:
    """Every polling loop waiting, and no pane being built."""
    return lambda: time.idle() and not scheduler.rebuilding


def built(reports: list[Report]) -> list[Pane]:
    return [report.pane for report in reports if isinstance(report, PaneBuilt)]


# --- one poll ------------------------------------------------------------------------------------


async def test_a_failed_poll_keeps_the_stored_frame() -> None:
    source = ScriptedSource()
    first = quotes_frame({"AAPL": 100.0})
    failure = failed(FailureKind.TIMEOUT, "timed out")
    source.script(JobName.QUOTES, fetched(first), failure)
    scheduler = scheduler_over(source)
    await scheduler.refresh(JobName.QUOTES)

    result = await scheduler.refresh(JobName.QUOTES)

    assert result.failure == failure
    assert not result.changed
    assert scheduler.store.has_data(JobName.QUOTES)
    assert scheduler.feed.market_data().quotes.equals(first)


async def test_a_source_that_raises_is_a_failure_and_the_stored_frame_stays() -> None:
    source = ScriptedSource()
    frame = quotes_frame({"AAPL": 100.0})
    source.script(JobName.QUOTES, fetched(frame), RuntimeError("boom"))
    scheduler = scheduler_over(source)
    await scheduler.refresh(JobName.QUOTES)

    result = await scheduler.refresh(JobName.QUOTES)

    assert result.failure is not None
    assert result.failure.kind is FailureKind.PARSE
    assert "internal error: boom" in result.failure.message
    assert result.retry_in_s == 5.0
    assert scheduler.feed.market_data().quotes.equals(frame)


async def test_each_poll_reports_that_it_finished_and_the_new_status() -> None:
    reports: list[Report] = []
    scheduler = scheduler_over(ScriptedSource(), report=reports.append)

    result = await scheduler.refresh(JobName.DAILY)

    finished, status = reports
    assert finished == JobFinished(result)
    assert isinstance(status, StatusChanged)
    assert status.status.datasets[2].age_s == 0.0  # daily, just fetched


async def test_a_symbol_that_misses_one_poll_keeps_showing_its_last_price() -> None:
    """Yahoo names a symbol whose request timed out in `problems`; its kept quote must still show
    (the pane shows only the note for a row with a problem)."""
    source = ScriptedSource()
    source.script(
        JobName.QUOTES,
        fetched(quotes_frame({"^GSPC": 6000.0, "^VIX": 20.0})),
        fetched(quotes_frame({"^VIX": 21.0}), {"^GSPC": "timed out"}),
    )
    scheduler = scheduler_over(source)
    await scheduler.refresh(JobName.QUOTES)
    await scheduler.refresh(JobName.QUOTES)

    rows = {row.symbol: row for row in build_indices(scheduler.feed.market_data(), SMALL).rows}
    assert rows["^GSPC"].last == 6000.0
    assert rows["^GSPC"].problem is None


# --- back-off and health -------------------------------------------------------------------------


async def test_back_off_doubles_from_five_seconds_up_to_the_cadence_and_resets_on_success() -> None:
    source = ScriptedSource()
    source.script(JobName.QUOTES, *[failed()] * 5, fetched(quotes_frame({"AAPL": 1.0})), failed())
    scheduler = scheduler_over(source, replace(SMALL, refresh=RefreshSettings(quotes=30)))

    delays = [(await scheduler.refresh(JobName.QUOTES)).retry_in_s for _ in range(7)]

    assert delays == [5.0, 10.0, 20.0, 30.0, 30.0, None, 5.0]


async def test_a_retry_time_given_by_the_source_is_honoured_even_beyond_the_cadence() -> None:
    clock = wall_clock()
    until_time = clock.now + dt.timedelta(seconds=120)
    source = ScriptedSource()
    source.script(
        JobName.QUOTES,
        failed(FailureKind.RATE_LIMITED, "slow down", retry_at=until_time),
        failed(FailureKind.RATE_LIMITED, "slow down", retry_at=clock.now - dt.timedelta(hours=1)),
    )
    scheduler = scheduler_over(source, clock=clock)  # quotes cadence: 15 s

    first = await scheduler.refresh(JobName.QUOTES)
    assert first.retry_in_s == 120.0
    assert scheduler.status().health[0].until == until_time

    second = await scheduler.refresh(JobName.QUOTES)
    assert second.retry_in_s == 1.0  # a time already past: try again soon, not at once


async def test_health_is_kept_per_underlying_source() -> None:
    source = RoutedSource("live")
    source.script(JobName.SHORT_INTEREST, failed(FailureKind.OFFLINE, "finra down", source="finra"))
    scheduler = scheduler_over(source)

    await scheduler.refresh(JobName.QUOTES)
    await scheduler.refresh(JobName.SHORT_INTEREST)

    health = {entry.name: entry.state for entry in scheduler.status().health}
    assert health == {"yahoo": "ok", "finra": "retrying"}


async def test_a_raising_routed_source_recovers_its_health() -> None:
    source = RoutedSource("live")
    source.script(JobName.QUOTES, RuntimeError("boom"))
    scheduler = scheduler_over(source)

    await scheduler.refresh(JobName.QUOTES)
    await scheduler.refresh(JobName.QUOTES)

    assert {entry.name: entry.state for entry in scheduler.status().health} == {"yahoo": "ok"}


# --- status --------------------------------------------------------------------------------------


async def test_status_ages_come_from_the_injected_clock() -> None:
    clock = wall_clock()
    scheduler = scheduler_over(ScriptedSource(), clock=clock)
    await scheduler.refresh(JobName.QUOTES)
    clock.advance(10)
    await scheduler.refresh(JobName.DAILY)
    clock.advance(5)

    ages = {fresh.name: fresh.age_s for fresh in scheduler.status().datasets}

    assert ages == {
        "quotes": 15.0,
        "intraday": None,
        "daily": 5.0,
        "SI": None,
        "SV": None,
        "shares": None,
        "members": None,
        "NAV": None,
        "holdings": None,
    }


async def test_a_dataset_is_stale_when_older_than_twice_its_cadence() -> None:
    clock = wall_clock()
    scheduler = scheduler_over(ScriptedSource(), clock=clock)  # quotes every 15 s
    await scheduler.refresh(JobName.QUOTES)

    def quotes_stale() -> bool:
        return next(f for f in scheduler.status().datasets if f.name == "quotes").stale

    clock.advance(30)
    assert not quotes_stale()
    clock.advance(0.5)
    assert quotes_stale()
    never_loaded = [f for f in scheduler.status().datasets if f.age_s is None]
    assert never_loaded and not any(f.stale for f in never_loaded)


async def test_each_dataset_says_how_its_last_poll_went() -> None:
    """Health per dataset: the panes say why they have no data, and a dataset the source does
    not serve, or that is not set up, is no failure of the source."""
    source = ScriptedSource("files")
    not_set_up = failed(FailureKind.NOT_CONFIGURED, "no folder", source="files")
    source.script(JobName.SHORT_INTEREST, not_set_up)
    not_served = failed(FailureKind.NOT_AVAILABLE, "not from files", source="files")
    source.script(JobName.SHORT_VOLUME, not_served)
    source.script(JobName.INTRADAY, failed(FailureKind.OFFLINE, "down", source="files"))
    scheduler = scheduler_over(source)
    for job in (JobName.DAILY, JobName.INTRADAY, JobName.SHORT_INTEREST, JobName.SHORT_VOLUME):
        await scheduler.refresh(job)

    status = scheduler.status()
    health = {fresh.name: fresh.health for fresh in status.datasets}
    assert health["quotes"] is None  # not polled yet
    assert health["daily"] == SourceHealth("files", "ok")
    assert health["SI"] is not None and (health["SI"].state, health["SI"].detail) == (
        "not_configured",
        "no folder",
    )
    assert health["SV"] is not None and health["SV"].state == "unavailable"
    assert health["intraday"] is not None and health["intraday"].state == "retrying"
    assert [(h.name, h.state) for h in status.health] == [("files", "retrying")]


async def test_the_status_counts_what_each_source_s_budget_holds_back() -> None:
    class Budgeted(RoutedSource):
        waiting: ClassVar[dict[str, int]] = {"yahoo": 0}

        def budget_waiting(self, source: str) -> int:
            return self.waiting.get(source, 0)

    source = Budgeted("live")
    scheduler = scheduler_over(source)
    assert scheduler.status().budget_waiting == ()
    source.waiting["yahoo"] = 3
    assert scheduler.status().budget_waiting == (("yahoo", 3),)
    # Waiting for the budget is no failure and no slowness.
    assert all(h.state == "ok" for h in scheduler.status().health)


async def test_a_source_with_overdue_requests_is_slow_until_they_finish() -> None:
    class Hanging(RoutedSource):
        """Its requests to Yahoo are overdue while ``overdue_requests`` says so."""

        overdue_requests = 0

        def overdue(self, source: str) -> int:
            return self.overdue_requests if source == "yahoo" else 0

    source = Hanging("live")
    scheduler = scheduler_over(source)
    source.overdue_requests = 3
    assert [(h.name, h.state) for h in scheduler.status().health] == [("yahoo", "slow")]

    await scheduler.refresh(JobName.QUOTES)
    await scheduler.refresh(JobName.SHORT_INTEREST)
    health = {h.name: h for h in scheduler.status().health}
    assert health["yahoo"].state == "slow" and health["yahoo"].detail == "3 requests overdue"
    assert health["finra"].state == "ok"

    source.overdue_requests = 0  # recomputed at every look: the requests finished
    assert {h.name: h.state for h in scheduler.status().health} == {"yahoo": "ok", "finra": "ok"}

    source.script(JobName.QUOTES, failed(FailureKind.OFFLINE, source="yahoo"))
    await scheduler.refresh(JobName.QUOTES)
    source.overdue_requests = 1
    assert {h.name: h.state for h in scheduler.status().health}["yahoo"] == "retrying"


async def test_an_older_copy_a_source_falls_back_on_is_stale_with_the_failure_in_health() -> None:
    """The SEC serves its kept share counts when a refresh fails: shown, but stale and with
    the SEC's health, never as a success."""
    clock = wall_clock()
    source = RoutedSource("live")
    refresh_failed = failed(FailureKind.OFFLINE, "could not connect to sec", source="sec")
    kept_since = clock.now - dt.timedelta(days=4)
    older_copy = Fetched(
        shares_frame({"AAPL": 9.0}),
        MARKET_NOW,
        refresh_failed=refresh_failed,
        fetched_at=kept_since,
    )
    source.source_for = lambda role: "sec"  # type: ignore[method-assign]
    source.script(JobName.SHARES, older_copy, older_copy)
    scheduler = scheduler_over(source, clock=clock)

    first = await scheduler.refresh(JobName.SHARES)
    second = await scheduler.refresh(JobName.SHARES)

    assert first.failure == refresh_failed and first.retry_in_s == 5.0
    assert second.retry_in_s == 10.0  # backing off, as after any failure
    assert scheduler.store.get(JobName.SHARES) is not None
    shares = next(f for f in scheduler.status().datasets if f.name == "shares")
    assert shares.age_s == 4 * 86400 and shares.stale
    assert [(h.name, h.state) for h in scheduler.status().health] == [("sec", "offline")]


async def test_a_disk_copy_fetched_in_the_future_shows_an_unknown_age(tmp_path: Path) -> None:
    clock = wall_clock()
    writer = scheduler_over(ScriptedSource(), cache=Cache(tmp_path))
    writer.store.save(
        JobName.QUOTES,
        Stored(quotes_frame({"AAPL": 1.0}), MARKET_NOW, clock.now + dt.timedelta(hours=5)),
    )
    scheduler = scheduler_over(ScriptedSource(), clock=clock, cache=Cache(tmp_path))
    await scheduler.restore()

    quotes = next(f for f in scheduler.status().datasets if f.name == "quotes")
    assert (quotes.age_s, quotes.stale) == (None, True)  # not "quotes 0s" for five hours
    clock.advance(6 * 3600)
    quotes = next(f for f in scheduler.status().datasets if f.name == "quotes")
    assert (quotes.age_s, quotes.stale) == (None, True)


async def test_demo_ages_run_on_the_demo_market_s_clock() -> None:
    """At a market minute a second, a quote fetched 10 wall seconds ago is 10 market minutes
    old, as the panes' times and the status bar's clock say."""
    wall = wall_clock()
    elapsed = [0.0]
    demo = DemoMarket(speed=1.0, monotonic=lambda: elapsed[0])  # a market minute a second
    scheduler = scheduler_over(demo, clock=wall)
    await scheduler.refresh(JobName.QUOTES)

    wall.advance(10)
    elapsed[0] += 10

    quotes = next(f for f in scheduler.status().datasets if f.name == "quotes")
    assert quotes.age_s == 600.0
    assert not quotes.stale  # staleness stays on the wall clock: 10 s of a 15 s cadence


async def test_files_that_end_before_today_say_as_of_when_and_how_far_behind() -> None:
    class EndsEarly(ScriptedSource):
        def data_through(self) -> dt.date:
            return dt.date(2026, 1, 30)  # a Friday

    monday_after_close = dt.datetime(2026, 2, 2, 22, 0, tzinfo=dt.UTC)
    status = scheduler_over(EndsEarly(), clock=ManualClock(monday_after_close)).status()
    assert (status.data_through, status.sessions_behind) == (dt.date(2026, 1, 30), 1)

    monday_lunch = dt.datetime(2026, 2, 2, 17, 0, tzinfo=dt.UTC)
    status = scheduler_over(EndsEarly(), clock=ManualClock(monday_lunch)).status()
    assert (status.data_through, status.sessions_behind) == (dt.date(2026, 1, 30), 0)

    assert scheduler_over(ScriptedSource()).status().data_through is None


def test_status_shows_the_market_clock_session_and_the_source_s_label() -> None:
    clock = wall_clock()
    status = scheduler_over(RoutedSource("live", label="LIVE"), clock=clock).status(note="hello")
    assert status.source_label == "LIVE"
    assert not status.is_demo
    assert status.market_time == MARKET_NOW
    assert status.session == "regular"
    assert status.wall_time == clock.now
    assert status.note == "hello"

    demo = DemoMarket(monotonic=lambda: 0.0)
    demo_status = scheduler_over(demo).status()
    assert (demo_status.source_label, demo_status.is_demo) == ("DEMO", True)
    assert demo_status.session == "regular"  # 9:45 in New York, the demo's opening time
    replay = scheduler_over(AsOfSource(demo, dt.date(2026, 2, 5))).status()
    assert (replay.source_label, replay.is_demo) == ("DEMO REPLAY 2026-02-05", True)


async def test_the_unreachable_note_shows_only_while_nothing_could_be_fetched() -> None:
    source = ScriptedSource()
    source.script(JobName.QUOTES, failed(FailureKind.OFFLINE), fetched(quotes_frame({"AAPL": 1.0})))
    source.script(JobName.DAILY, failed(FailureKind.OFFLINE))
    scheduler = scheduler_over(source)
    assert scheduler.status().unreachable is None  # nothing tried yet

    await scheduler.refresh(JobName.QUOTES)
    assert scheduler.status().unreachable == "empty"
    assert scheduler.status(note="switching").note == "switching"

    await scheduler.refresh(JobName.QUOTES)
    await scheduler.refresh(JobName.DAILY)
    assert scheduler.status().unreachable is None  # something came through since start


# --- the on-disk copy ----------------------------------------------------------------------------


class CountingCache(Cache):
    """A real cache that counts writes."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.writes = 0

    def write_frame(self, key: str, frame: pl.DataFrame) -> None:
        self.writes += 1
        super().write_frame(key, frame)

    def write_bytes(self, key: str, data: bytes) -> None:
        self.writes += 1
        super().write_bytes(key, data)


async def test_only_successful_polls_are_written_to_disk(tmp_path: Path) -> None:
    cache = CountingCache(tmp_path)
    source = ScriptedSource()
    source.script(JobName.QUOTES, failed(), fetched(quotes_frame({"AAPL": 1.0})), failed())
    scheduler = scheduler_over(source, cache=cache)

    await scheduler.refresh(JobName.QUOTES)
    assert cache.writes == 0
    await scheduler.refresh(JobName.QUOTES)
    assert cache.writes == 2  # the frame and its metadata
    await scheduler.refresh(JobName.QUOTES)
    assert cache.writes == 2


class OverlapCache(Cache):
    """A real cache whose frame writes take a while and that notes whether two were ever under
    way at once."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self._lock = threading.Lock()
        self.writing = 0
        self.overlapped = False
        self.second_started = threading.Event()

    def write_frame(self, key: str, frame: pl.DataFrame) -> None:
        with self._lock:
            self.writing += 1
            self.overlapped |= self.writing > 1
            if self.writing > 1:
                self.second_started.set()
        # Long enough for a second write to start if nothing stops it; no longer.
        self.second_started.wait(timeout=0.5)
        super().write_frame(key, frame)
        with self._lock:
            self.writing -= 1


async def test_two_frames_of_one_job_are_written_to_disk_one_after_the_other(
    tmp_path: Path,
) -> None:
    # A poll's quotes and the candidates' quotes delivered meanwhile: were their frames and
    # checksums written in two threads at once, the next start could find them apart.
    cache = OverlapCache(tmp_path)
    scheduler = scheduler_over(ScriptedSource(), cache=cache)
    now = MARKET_NOW
    await asyncio.gather(
        scheduler.accept(JobName.QUOTES, Fetched(quotes_frame({"AAPL": 1.0}), now)),
        scheduler.accept(JobName.QUOTES, Fetched(quotes_frame({"MSFT": 2.0}), now)),
    )
    assert not cache.overlapped
    restored = await scheduler_over(ScriptedSource(), cache=Cache(tmp_path)).restore()
    assert JobName.QUOTES in restored


async def test_a_restart_shows_the_disk_copy_with_its_true_age(tmp_path: Path) -> None:
    clock = wall_clock()
    source = ScriptedSource()
    source.script(JobName.QUOTES, fetched(quotes_frame({"AAPL": 1.0})))
    source.script(JobName.DAILY, Fetched(bars_frame({"AAPL": 1.0}), MARKET_NOW))
    first = scheduler_over(source, clock=clock, cache=Cache(tmp_path))
    await first.refresh(JobName.QUOTES)
    await first.refresh(JobName.DAILY)

    clock.advance(3600)
    second = scheduler_over(ScriptedSource(), clock=clock, cache=Cache(tmp_path))

    assert await second.restore() == [JobName.QUOTES, JobName.DAILY]
    status = {fresh.name: fresh for fresh in second.status().datasets}
    assert status["quotes"].age_s == 3600.0
    assert status["quotes"].stale  # 15 s cadence
    assert status["daily"].age_s == 3600.0
    assert not status["daily"].stale  # hourly cadence: stale after two hours
    assert status["SI"].age_s is None


async def test_restored_data_that_cannot_be_refreshed_is_called_cached(tmp_path: Path) -> None:
    await scheduler_over(ScriptedSource(), cache=Cache(tmp_path)).refresh(JobName.QUOTES)

    source = ScriptedSource()
    source.script(JobName.QUOTES, failed(FailureKind.OFFLINE))
    scheduler = scheduler_over(source, cache=Cache(tmp_path))
    await scheduler.restore()
    await scheduler.refresh(JobName.QUOTES)

    assert scheduler.status().unreachable == "cached"


# --- one round -----------------------------------------------------------------------------------


async def test_a_round_asks_each_job_once_in_dependency_order() -> None:
    source = ScriptedSource()
    source.script(
        JobName.SHORT_INTEREST,
        fetched(short_interest_frame({"ZZZ": (5.0, 1e6), "AAA": (1.0, 1e6)})),
    )
    settings = replace(SMALL, sources=SourcesSettings(yahoo=YahooSettings(intraday_interval="1m")))
    scheduler = scheduler_over(source, settings)

    results = await scheduler.refresh_all()

    assert [result.job for result in results] == list(REFRESH_ORDER)
    # The members' bars wait for holdings that name some: without, nothing is asked.
    asked = [job for job in REFRESH_ORDER if job is not JobName.MEMBER_BARS]
    assert [job for job, _ in source.requests] == asked
    assert [result.asked for result in results] == [job in asked for job in REFRESH_ORDER]
    assert source.asked(JobName.SHORT_INTEREST) == [(None, 1)]
    assert source.asked(JobName.SHORT_VOLUME) == [(None, 21)]
    assert source.asked(JobName.SHARES) == [(["AAA", "ZZZ"],)]  # the names short interest listed
    assert source.asked(JobName.DAILY) == [(SMALL_CORE, "1d", DAILY_SESSIONS)]
    assert source.asked(JobName.INTRADAY) == [(SMALL_INTRADAY, "1m", INTRADAY_SESSIONS)]
    # short % is unknown without shares, but the names still rank (last) as candidates
    assert source.asked(JobName.QUOTES) == [([*SMALL_CORE, "AAA", "ZZZ"],)]


async def test_a_watchlist_limits_the_short_datasets_to_its_names() -> None:
    source = ScriptedSource()
    shorted = ShortedSettings(universe="watchlist", watchlist=("GME", "AMC"))
    scheduler = scheduler_over(source, replace(SMALL, shorted=shorted))

    await scheduler.refresh_all()

    assert source.asked(JobName.SHORT_INTEREST) == [(["GME", "AMC"], 1)]
    assert source.asked(JobName.SHORT_VOLUME) == [(["GME", "AMC"], 21)]
    assert source.asked(JobName.SHARES) == [(["GME", "AMC"],)]


async def test_a_shares_problem_does_not_hide_a_sector_etf_s_prices() -> None:
    """When the short-interest file lists an ETF, the shares job asks the SEC about it, which
    answers that no filer has that ticker; the Sector flows row of XLK must still show."""
    source = ScriptedSource()
    source.script(JobName.SHORT_INTEREST, fetched(short_interest_frame({"XLK": (1e6, 1e7)})))
    source.script(
        JobName.SHARES, fetched(shares_frame({}), {"XLK": "no SEC filer has this ticker"})
    )
    source.script(JobName.QUOTES, fetched(quotes_frame({"XLK": 250.0, "XLI": 140.0, "SPY": 600.0})))
    scheduler = scheduler_over(source)
    await scheduler.refresh_all()

    (sectors,) = (await scheduler.build([Pane.SECTORS], scheduler.feed.market_data())).values()

    assert isinstance(sectors, SectorsView)
    xlk = next(row for row in sectors.rows if row.symbol == "XLK")
    assert xlk.problem is None


@pytest.fixture
def demo() -> DemoMarket:
    """The demo market frozen at its opening time (9:45 in New York on 2026-02-11)."""
    return DemoMarket(monotonic=lambda: 0.0)


async def test_the_demo_market_fills_every_pane(demo: DemoMarket) -> None:
    settings = Settings()
    scheduler = scheduler_over(demo, settings)

    results = await scheduler.refresh_all()

    assert all(result.failure is None and result.changed for result in results)
    views = await scheduler.build(list(Pane), scheduler.feed.market_data())
    indices = views[Pane.INDICES]
    assert isinstance(indices, IndicesView)
    expected = [index.symbol for index in settings.indices]
    expected += [f"basket:{basket.name}" for basket in settings.baskets]
    assert [row.symbol for row in indices.rows] == expected
    assert all(row.last is not None and row.problem is None for row in indices.rows)
    sectors = views[Pane.SECTORS]
    assert isinstance(sectors, SectorsView)
    assert {row.symbol for row in sectors.rows} == {sector.symbol for sector in settings.sectors}
    shorts = views[Pane.SHORTS]
    assert isinstance(shorts, ShortsView)
    assert len(shorts.rows) == settings.shorted.rows
    assert all(row.short_pct is not None for row in shorts.rows)
    correlations = views[Pane.CORRELATIONS]
    assert isinstance(correlations, CorrelationsView)
    assert [b.name for b in correlations.baskets] == [b.name for b in settings.baskets]


async def test_relative_volume_compares_with_earlier_sessions_intraday_bars(
    demo: DemoMarket,
) -> None:
    """The intraday job brings the sector ETFs' bars of the sessions relative volume compares
    with (the demo keeps 10), so no sector falls back on the typical profile (marked ≈)."""
    scheduler = scheduler_over(demo, Settings())

    await scheduler.refresh_all()

    intraday = scheduler.feed.market_data().intraday.filter(pl.col("symbol") == "XLK")
    assert intraday["ts"].dt.date().n_unique() == 10
    views = await scheduler.build([Pane.SECTORS], scheduler.feed.market_data())
    sectors = views[Pane.SECTORS]
    assert isinstance(sectors, SectorsView)
    assert {row.rel_volume_basis for row in sectors.rows} == {"intraday"}


async def test_build_computes_only_the_panes_asked_for(demo: DemoMarket) -> None:
    scheduler = scheduler_over(demo, Settings())
    await scheduler.refresh_all()

    views = await scheduler.build([Pane.SHORTS], scheduler.feed.market_data())

    assert list(views) == [Pane.SHORTS]


async def test_aclose_closes_the_source() -> None:
    source = ScriptedSource()
    await scheduler_over(source).aclose()
    assert source.closed


# --- running: cadences, followers, back-off ------------------------------------------------------


async def test_each_job_polls_again_after_its_own_cadence() -> None:
    async with started() as (_, source, time):  # quotes every 15 s, intraday every 60 s
        assert all(count >= 1 for count in polls(source).values())
        before = polls(source)

        time.advance(14.9)
        assert time.idle() and polls(source) == before

        time.advance(0.1)
        await until(lambda: source.polls(JobName.QUOTES) == before[JobName.QUOTES] + 1, "quotes")
        await until(time.idle, "quotes waiting again")
        assert polls(source) == {**before, JobName.QUOTES: before[JobName.QUOTES] + 1}

        time.advance(45)  # 60 s since start: intraday's cadence, and quotes' again
        await until(lambda: source.polls(JobName.INTRADAY) == before[JobName.INTRADAY] + 1, "1m")
        await until(time.idle, "every job waiting again")
        assert polls(source) == {
            **before,
            JobName.QUOTES: before[JobName.QUOTES] + 2,
            JobName.INTRADAY: before[JobName.INTRADAY] + 1,
        }


async def test_new_short_interest_wakes_the_share_counts_and_the_quotes_at_once() -> None:
    async with started() as (scheduler, source, time):
        before = polls(source)

        source.script(JobName.SHORT_INTEREST, fetched(short_interest_frame({"NEW": (1.0, 1e6)})))
        scheduler.wake(JobName.SHORT_INTEREST)

        await until(lambda: source.polls(JobName.QUOTES) > before[JobName.QUOTES], "quotes")
        await until(time.idle, "every job waiting again")
        after = polls(source)
        assert after[JobName.SHORT_INTEREST] == before[JobName.SHORT_INTEREST] + 1
        assert after[JobName.SHARES] == before[JobName.SHARES] + 1
        assert source.asked(JobName.SHARES)[-1] == (["NEW"],)
        assert after[JobName.QUOTES] == before[JobName.QUOTES] + 1
        for job in (JobName.INTRADAY, JobName.DAILY, JobName.SHORT_VOLUME):
            assert after[job] == before[job], job

        # The same short interest again: nothing new, nobody woken.
        source.script(JobName.SHORT_INTEREST, fetched(short_interest_frame({"NEW": (1.0, 1e6)})))
        scheduler.wake(JobName.SHORT_INTEREST)
        await until(
            lambda: source.polls(JobName.SHORT_INTEREST) == after[JobName.SHORT_INTEREST] + 1,
            "short interest",
        )
        await until(time.idle, "every job waiting again")
        assert polls(source) == {
            **after,
            JobName.SHORT_INTEREST: after[JobName.SHORT_INTEREST] + 1,
        }


async def test_new_holdings_wake_the_members_bars_which_asked_nothing_before() -> None:
    """The members' bars wait for holdings that name members: at start they ask nothing and
    keep nothing (the Sector flows pane is not built from nothing); new holdings wake them."""
    async with started() as (scheduler, source, time):
        assert source.polls(JobName.MEMBER_BARS) == 0
        assert scheduler.store.get(JobName.MEMBER_BARS) is None

        holdings = holdings_frame({"XLK": ["MSFT", "NVDA"], "XLI": ["GE"]})
        source.script(JobName.FUND_HOLDINGS, fetched(holdings))
        scheduler.wake(JobName.FUND_HOLDINGS)

        await until(lambda: source.polls(JobName.MEMBER_BARS) == 1, "the members' bars")
        await until(time.idle, "every job waiting again")
        assert source.asked(JobName.MEMBER_BARS) == [(["MSFT", "NVDA", "GE"], "1d", 55)]
        assert scheduler.store.get(JobName.MEMBER_BARS) is not None


async def test_wake_polls_every_job_now() -> None:
    """The dashboard's `r`."""
    async with started() as (scheduler, source, time):
        before = polls(source)

        scheduler.wake()

        await until(lambda: all(polls(source)[job] > before[job] for job in before), "a round")
        await until(time.idle, "every job waiting again")
        assert polls(source) == {job: count + 1 for job, count in before.items()}


async def test_a_failing_job_backs_off_then_returns_to_its_cadence() -> None:
    async with started() as (scheduler, source, time):
        source.script(JobName.QUOTES, failed(), failed(), fetched(quotes_frame({"AAPL": 1.0})))
        count = source.polls(JobName.QUOTES)

        def quotes_polled(times: int) -> Callable[[], bool]:
            return lambda: source.polls(JobName.QUOTES) == count + times and time.idle()

        scheduler.wake(JobName.QUOTES)
        await until(quotes_polled(1), "the first failure")
        assert time.waits_left()[0] == 5.0
        time.advance(4.9)
        assert quotes_polled(1)()
        time.advance(0.1)
        await until(quotes_polled(2), "the first retry")
        assert time.waits_left()[0] == 10.0
        time.advance(10)
        await until(quotes_polled(3), "the second retry, which succeeds")
        assert time.waits_left()[0] == 15.0  # the cadence again


async def test_a_job_waits_until_the_source_s_retry_time() -> None:
    slow_bars = replace(SMALL, refresh=RefreshSettings(intraday=600))  # every other job: >= 1 h
    async with started(slow_bars) as (scheduler, source, time):
        retry_at = time.clock.now + dt.timedelta(seconds=120)
        source.script(JobName.QUOTES, failed(FailureKind.RATE_LIMITED, retry_at=retry_at))
        count = source.polls(JobName.QUOTES)

        scheduler.wake(JobName.QUOTES)
        await until(lambda: source.polls(JobName.QUOTES) == count + 1 and time.idle(), "429")

        assert time.waits_left()[0] == 120.0  # beyond the 15 s cadence
        time.advance(119.9)
        assert time.idle() and source.polls(JobName.QUOTES) == count + 1
        time.advance(0.1)
        await until(lambda: source.polls(JobName.QUOTES) == count + 2, "the retry")


# --- running: rebuilding panes -------------------------------------------------------------------


async def test_new_data_rebuilds_the_panes_it_feeds_in_pane_order() -> None:
    reports: list[Report] = []
    async with started(report=reports.append) as (scheduler, source, time):
        await until(lambda: set(built(reports)) == set(Pane), "every pane built")
        await until(settled(scheduler, time), "every job waiting, every pane built")
        reports.clear()

        source.script(JobName.DAILY, fetched(bars_frame({"^GSPC": 6000.0})))
        scheduler.wake(JobName.DAILY)

        await until(lambda: len(built(reports)) == 3, "the panes daily bars feed")
        assert built(reports) == [Pane.INDICES, Pane.SECTORS, Pane.CORRELATIONS]


async def test_a_failing_builder_is_reported_and_the_other_panes_keep_updating(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(data: MarketData, settings: Settings) -> PaneView:
        raise RuntimeError("no shorts today")

    reports: list[Report] = []
    builders = {**BUILDERS, Pane.SHORTS: broken}
    failure = PaneFailed(Pane.SHORTS, "RuntimeError: no shorts today")
    with caplog.at_level(logging.ERROR, logger="tapewatch.scheduler"):
        async with started(report=reports.append, builders=builders) as (scheduler, source, time):
            others = {Pane.INDICES, Pane.SECTORS, Pane.CORRELATIONS}
            await until(lambda: set(built(reports)) == others, "the other panes built")
            await until(lambda: failure in reports, "the failure reported")
            await until(settled(scheduler, time), "every job waiting, every pane built")
            reports.clear()

            source.script(JobName.QUOTES, fetched(quotes_frame({"^GSPC": 6000.0})))
            scheduler.wake(JobName.QUOTES)

            await until(lambda: failure in reports, "the failure reported again")
            await until(lambda: set(built(reports)) == {Pane.INDICES, Pane.SECTORS}, "quotes")
    record = next(r for r in caplog.records if "shorts pane could not be built" in r.message)
    assert record.exc_info is not None  # with its traceback


async def test_a_pane_that_failed_is_built_again_after_the_next_poll() -> None:
    """A builder that raised once: the next poll retries it, even one that brings nothing the
    pane is built from (quotes do not feed Correlations)."""
    raised: list[int] = []

    def once_broken(data: MarketData, settings: Settings) -> PaneView:
        if not raised:
            raised.append(1)
            raise RuntimeError("a bad day")
        return BUILDERS[Pane.CORRELATIONS](data, settings)

    reports: list[Report] = []
    builders = {**BUILDERS, Pane.CORRELATIONS: once_broken}
    async with started(report=reports.append, builders=builders) as (scheduler, _, time):
        failure = PaneFailed(Pane.CORRELATIONS, "RuntimeError: a bad day")
        await until(lambda: failure in reports, "the failure reported")
        await until(settled(scheduler, time), "every job waiting, every pane built")
        assert Pane.CORRELATIONS not in built(reports)

        scheduler.wake(JobName.QUOTES)  # the same (empty) quotes: nothing new

        await until(lambda: Pane.CORRELATIONS in built(reports), "Correlations built again")
        await until(settled(scheduler, time), "every job waiting, every pane built")
        reports.clear()
        scheduler.wake(JobName.QUOTES)
        await until(lambda: any(isinstance(r, JobFinished) for r in reports), "another poll")
        await until(settled(scheduler, time), "every job waiting, every pane built")
        assert Pane.CORRELATIONS not in built(reports)  # built: not retried any more


async def test_a_poll_that_finds_the_market_in_another_session_rebuilds_every_pane() -> None:
    """Figures depend on the session ("today", 5 d): files whose clock stops at their last
    session once read, or a new trading day, rebuild every pane though no frame changed."""

    class Clocked(ScriptedSource):
        moment = MARKET_NOW

        def now(self) -> dt.datetime:
            return self.moment

    time = VirtualTime(wall_clock())
    source = Clocked()
    reports: list[Report] = []
    scheduler = scheduler_over(source, clock=time.clock, wait=time, report=reports.append)
    async with running(scheduler):
        await until(lambda: set(built(reports)) == set(Pane), "the first picture")
        await until(settled(scheduler, time), "every job waiting, every pane built")
        reports.clear()

        source.moment = MARKET_NOW - dt.timedelta(days=12)  # a session two weeks earlier
        scheduler.wake(JobName.SHORT_VOLUME)  # nothing new, and feeding one pane only

        await until(lambda: set(built(reports)) == set(Pane), "every pane built again")
        await until(settled(scheduler, time), "every job waiting, every pane built")
        reports.clear()
        scheduler.wake(JobName.SHORT_VOLUME)
        await until(lambda: any(isinstance(r, JobFinished) for r in reports), "another poll")
        await until(settled(scheduler, time), "every job waiting, every pane built")
        assert built(reports) == []  # the same session: nothing to rebuild


async def test_the_disk_copy_is_shown_before_any_poll_answers(tmp_path: Path) -> None:
    """Offline at start: the last good data paints at once."""
    writer = scheduler_over(ScriptedSource(), cache=Cache(tmp_path))
    writer.store.save(JobName.DAILY, Stored(bars_frame({"^GSPC": 6000.0}), MARKET_NOW, MARKET_NOW))

    class Hanging(ScriptedSource):
        """Never answers (its polls wait forever)."""

        async def bars(self, *args: object, **kwargs: object) -> Fetched:  # type: ignore[override]
            await asyncio.Event().wait()
            raise AssertionError

    reports: list[Report] = []
    time = VirtualTime(wall_clock())
    scheduler = scheduler_over(
        Hanging(), cache=Cache(tmp_path), clock=time.clock, wait=time, report=reports.append
    )
    async with running(scheduler):
        await until(
            lambda: set(built(reports)) >= {Pane.INDICES, Pane.SECTORS, Pane.CORRELATIONS},
            "the panes daily bars feed, from disk",
        )
        indices = next(
            r.view for r in reports if isinstance(r, PaneBuilt) and r.pane is Pane.INDICES
        )
        assert isinstance(indices, IndicesView)
        assert indices.rows[0].symbol == "^GSPC"


async def test_the_first_picture_waits_for_the_first_round_to_settle() -> None:
    """Every dataset of the first round, the follow-ups included, is in the first build of a
    pane: a table is not re-ranked row by row as each dataset lands."""
    seen: list[tuple[int, int]] = []

    def shorts(data: MarketData, settings: Settings) -> PaneView:
        seen.append((data.short_interest.height, data.shares.height))
        return BUILDERS[Pane.SHORTS](data, settings)

    time = VirtualTime(wall_clock())
    source = ScriptedSource()
    source.script(JobName.SHORT_INTEREST, fetched(short_interest_frame({"AAA": (1.0, 1e6)})))
    # Asked at start, before short interest is in, then again when it wakes the shares job.
    source.script(JobName.SHARES, fetched(shares_frame({})), fetched(shares_frame({"AAA": 9.0})))
    scheduler = scheduler_over(
        source, clock=time.clock, wait=time, builders={**BUILDERS, Pane.SHORTS: shorts}
    )
    async with running(scheduler):
        await until(lambda: bool(seen), "the first Most shorted view")
    assert seen[0] == (1, 1)


async def test_a_slow_source_holds_the_first_picture_back_only_a_moment() -> None:
    class SlowShortVolume(ScriptedSource):
        def __init__(self) -> None:
            super().__init__()
            self.answer = asyncio.Event()

        async def short_volume(self, symbols: object, days: int) -> Fetched:  # type: ignore[override]
            await self.answer.wait()
            return fetched(pl.DataFrame(schema=SHORT_VOLUME_SCHEMA))

    time = VirtualTime(wall_clock())
    source = SlowShortVolume()
    reports: list[Report] = []
    scheduler = scheduler_over(source, clock=time.clock, wait=time, report=reports.append)
    async with running(scheduler):
        # Five jobs polled and waiting, and the first build waiting for the sixth.
        await until(lambda: len(time.waiting) == len(JobName), "every other job polled")
        assert not built(reports)

        time.advance(FIRST_ROUND_S)

        await until(lambda: set(built(reports)) == set(Pane), "every pane built")
        source.answer.set()
