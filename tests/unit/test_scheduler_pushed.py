"""The scheduler over a source another process polls (a desk's feed): nothing is polled, frames
are kept whole with the feed's fetch time, health and cadence, so ages, stale marks and health
read as the feed's; the link to the feed shows in the status; a one-round refresh waits for the
pushed frames; a scheduler with no builders (the feed daemon) builds nothing."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from tests.loopback_market import ManualClock
from tests.unit.scripted import (
    MARKET_NOW,
    SMALL,
    ScriptedSource,
    quotes_frame,
    until,
    wall_clock,
)
from tests.unit.test_scheduler import running
from tui.jobs import REFRESH_ORDER, JobName, spec
from tui.models import Pane, SourceHealth
from tui.reports import JobFinished, PaneBuilt, Report
from tui.scheduler import PushingSource, Scheduler
from tui.sources.base import Failed, FailureKind, empty_frame
from tui.store import Stored

OK_YAHOO = SourceHealth("yahoo", "ok")


class PushedSource(ScriptedSource):
    """A source the scheduler follows: the test pushes what a feed would publish."""

    def __init__(self) -> None:
        super().__init__("remote", label="DESK")
        self.queue: asyncio.Queue[tuple[JobName, Stored, SourceHealth, float | None]] = (
            asyncio.Queue()
        )
        self.link = SourceHealth("nats", "ok")
        self.note: str | None = None
        self.following = 0

    def push(
        self,
        job: JobName,
        stored: Stored,
        health: SourceHealth = OK_YAHOO,
        cadence_s: float | None = None,
    ) -> None:
        self.queue.put_nowait((job, stored, health, cadence_s))

    async def follow(self, scheduler: Scheduler) -> None:
        self.following += 1
        while True:
            job, stored, health, cadence_s = await self.queue.get()
            await scheduler.accept_published(job, stored, health, cadence_s=cadence_s)

    def connection(self, now: dt.datetime) -> tuple[SourceHealth, str | None]:
        return self.link, self.note


def empty(job: JobName) -> Stored:
    return Stored(empty_frame(spec(job).dataset), MARKET_NOW, MARKET_NOW)


def stored_at(fetched_at: dt.datetime, frame_prices: dict[str, float] | None = None) -> Stored:
    return Stored(quotes_frame(frame_prices or {"AAPL": 100.0}), MARKET_NOW, fetched_at)


def test_the_remote_source_is_a_pushing_source_and_a_polled_one_is_not() -> None:
    assert isinstance(PushedSource(), PushingSource)
    assert not isinstance(ScriptedSource(), PushingSource)


async def test_pushed_frames_are_kept_whole_and_nothing_is_polled() -> None:
    clock = wall_clock()
    source = PushedSource()
    reports: list[Report] = []
    scheduler = Scheduler(SMALL, source, clock=clock, report=reports.append)
    fetched_by_feed = clock.now - dt.timedelta(seconds=9)
    source.push(JobName.QUOTES, stored_at(fetched_by_feed, {"AAPL": 100.0, "MSFT": 400.0}))
    async with running(scheduler):
        await until(lambda: scheduler.store.has_data(JobName.QUOTES), "the pushed quotes")
        # The feed's next frame has lost MSFT (a restarted feed): the monitor shows its frame,
        # not the union a poll's merge would keep.
        source.push(JobName.QUOTES, stored_at(clock.now, {"AAPL": 101.0}))
        await until(
            lambda: scheduler.store.get(JobName.QUOTES).frame.height == 1,  # type: ignore[union-attr]
            "the second frame",
        )
        await until(lambda: Pane.INDICES in built(reports), "the panes built from it")
    assert source.requests == []  # not one poll
    assert not any(isinstance(report, JobFinished) for report in reports)


def built(reports: list[Report]) -> list[Pane]:
    return [report.pane for report in reports if isinstance(report, PaneBuilt)]


async def test_ages_and_stale_marks_follow_the_feeds_fetch_time_and_cadence() -> None:
    clock = wall_clock()
    source = PushedSource()
    scheduler = Scheduler(SMALL, source, clock=clock)
    # The monitor's config says 15 s; the feed polls quotes every 60 s and says so.
    source.push(JobName.QUOTES, stored_at(clock.now - dt.timedelta(seconds=100)), cadence_s=60.0)
    async with running(scheduler):
        await until(lambda: scheduler.store.has_data(JobName.QUOTES), "the pushed quotes")
        quotes = scheduler.status().datasets[0]
        assert (quotes.name, quotes.age_s, quotes.stale) == ("quotes", 100.0, False)
        assert scheduler.cadence_s(JobName.QUOTES) == 60.0
        assert scheduler.cadence_s(JobName.DAILY) == SMALL.refresh.daily  # not pushed: config
        clock.advance(21)  # 121 s since the feed fetched: over twice its cadence
        quotes = scheduler.status().datasets[0]
        assert (quotes.age_s, quotes.stale) == (121.0, True)


async def test_on_a_demo_feed_ages_are_on_the_markets_clock_as_on_the_feed() -> None:
    clock = wall_clock()
    source = PushedSource()
    source.is_demo = True  # a feed publishing the demo market, whose clock runs 60 x
    scheduler = Scheduler(SMALL, source, clock=clock)
    fetched_on_market = MARKET_NOW - dt.timedelta(minutes=3)
    stored = stored_at(clock.now - dt.timedelta(seconds=3))
    source.queue.put_nowait((JobName.QUOTES, stored, OK_YAHOO, 15.0))
    async with running(scheduler):
        await until(lambda: scheduler.store.has_data(JobName.QUOTES), "the pushed quotes")
        await scheduler.accept_published(
            JobName.QUOTES, stored, OK_YAHOO, cadence_s=15.0, market_fetched_at=fetched_on_market
        )
        quotes = scheduler.status().datasets[0]
    assert (quotes.age_s, quotes.stale) == (180.0, False)  # 3 market minutes; 3 s of wall time


async def test_the_feeds_health_and_the_link_show_in_the_status() -> None:
    clock = wall_clock()
    source = PushedSource()
    scheduler = Scheduler(SMALL, source, clock=clock)
    retrying = SourceHealth("yahoo", "retrying", clock.now + dt.timedelta(seconds=12), "HTTP 503")
    source.push(JobName.QUOTES, stored_at(clock.now), retrying)
    source.push(JobName.SHORT_INTEREST, empty(JobName.SHORT_INTEREST), SourceHealth("finra", "ok"))
    async with running(scheduler):
        await until(lambda: scheduler.store.has_data(JobName.SHORT_INTEREST), "both frames")
        assert scheduler.status().health == (retrying, SourceHealth("finra", "ok"), source.link)
        assert scheduler.status().note is None
        source.link = SourceHealth("nats", "retrying", clock.now, "connection refused")
        source.note = "nats reconnecting (connection refused)"
        status = scheduler.status()
        assert status.health[-1] == source.link
        assert status.note == "nats reconnecting (connection refused)"
        assert status.source_label == "DESK"


async def test_the_first_picture_waits_for_every_pushed_dataset() -> None:
    clock = wall_clock()
    source = PushedSource()
    scheduler = Scheduler(SMALL, source, clock=clock)
    async with running(scheduler):
        for job in JobName:
            assert not scheduler.first_round_done
            source.push(job, empty(job))
            await until(lambda job=job: scheduler.store.has_data(job), f"the {job} frame")
        await until(lambda: scheduler.first_round_done, "the first round to settle")


async def test_one_round_from_a_pushing_source_waits_for_its_frames() -> None:
    clock = wall_clock()
    source = PushedSource()
    scheduler = Scheduler(SMALL, source, clock=clock)
    for job in JobName:
        source.push(job, empty(job))
    results = await scheduler.refresh_all()
    assert [result.job for result in results] == list(REFRESH_ORDER)
    assert all(result.changed and result.failure is None for result in results)
    assert source.requests == [] and source.following == 1


async def test_one_round_names_what_the_feed_has_not_published(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("tui.scheduler.PUSHED_ROUND_S", 0.2)
    clock = wall_clock()
    source = PushedSource()
    scheduler = Scheduler(SMALL, source, clock=clock)
    source.push(JobName.QUOTES, stored_at(clock.now))
    results = {result.job: result for result in await scheduler.refresh_all()}
    assert results[JobName.QUOTES].failure is None
    shares = results[JobName.SHARES].failure
    assert shares == Failed(
        "nats",
        FailureKind.OFFLINE,
        "the feed has published no shares data (is `tapewatch feed` running?)",
    )
    # While the link is down, every missing dataset says so instead.
    source.link = SourceHealth("nats", "retrying", clock.now, "connection refused")
    source.note = "nats reconnecting (connection refused)"
    results = {result.job: result for result in await scheduler.refresh_all()}
    assert results[JobName.SHARES].failure is not None
    assert results[JobName.SHARES].failure.message == "nats reconnecting (connection refused)"


async def test_a_scheduler_without_builders_builds_nothing() -> None:
    """The feed daemon's: it polls and stores, the monitors build."""
    source = ScriptedSource()
    source.script(JobName.QUOTES, *[])
    reports: list[Report] = []
    clock = ManualClock(dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC))
    scheduler = Scheduler(SMALL, source, clock=clock, report=reports.append, builders={})
    async with running(scheduler):
        await until(lambda: scheduler.first_round_done and not scheduler.rebuilding, "a round")
    assert built(reports) == []
    assert any(isinstance(report, JobFinished) for report in reports)
