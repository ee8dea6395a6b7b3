"""The feed daemon and a remote monitor through a real nats-server: the monitor shows what the
feed stored (its fetch times, health, cadence, label and market clock), drill-downs go to the
feed as one request, a refusal says how long to wait, and a lost server is said and recovered
from. A subprocess test runs `tapewatch feed` itself: it publishes, stops cleanly on SIGTERM
and never imports textual."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests import natsserver
from tests.desk.helpers import FAST, wait_until
from tui.config import AlertRule, RefreshSettings, Settings
from tui.daemon import FeedDaemon
from tui.desk.doctor import check_nats
from tui.desk.options import NatsOptions
from tui.desk.service import RateLimit, ReplyFrame, SymbolRequest
from tui.doctor import run_nats_doctor
from tui.jobs import JobName
from tui.models import SourceHealth
from tui.scheduler import Scheduler
from tui.sources import universe
from tui.sources.base import Failed, FailureKind
from tui.sources.demo import DemoMarket
from tui.sources.remote import RemoteSource

nats_server = natsserver.nats_server

pytestmark = pytest.mark.timeout(90)

MARKET_START = dt.time(10, 30)
# The feed polls quotes every 7 s; the monitors' own config says 15 (the default).
FEED_SETTINGS = replace(Settings(source="demo"), refresh=replace(RefreshSettings(), quotes=7.0))
MONITOR_SETTINGS = Settings(source="remote")


def frozen_demo() -> DemoMarket:
    """The demo market with its clock stopped: every poll gives the same figures."""
    return DemoMarket(start_time=MARKET_START, monotonic=lambda: 0.0)


class CountingDaemon(FeedDaemon):
    """The feed, recording the monitors' requests it answers."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.requests: list[SymbolRequest] = []

    async def answer(self, request: SymbolRequest) -> Sequence[ReplyFrame]:
        self.requests.append(request)
        return await super().answer(request)


@dataclass
class Desk:
    feed: CountingDaemon
    monitor: Scheduler
    remote: RemoteSource
    server: natsserver.NatsServer

    def monitor_has_everything(self) -> bool:
        return all(self.monitor.store.has_data(job) for job in JobName)

    def settled(self) -> bool:
        """The feed's first round is over (its quotes name the short candidates once short
        interest is in) and the monitor holds the feed's latest frame of every dataset."""
        feed, monitor = self.feed.scheduler, self.monitor
        return feed.first_round_done and all(
            (ours := monitor.store.get(job)) is not None
            and (theirs := feed.store.get(job)) is not None
            and ours.fetched_at == theirs.fetched_at
            for job in JobName
        )


@contextlib.asynccontextmanager
async def desk(
    server: natsserver.NatsServer,
    *,
    rate: RateLimit | None = None,
    monitor_settings: Settings = MONITOR_SETTINGS,
) -> AsyncIterator[Desk]:
    """A feed on the frozen demo market and one remote monitor (headless), both running."""
    options = NatsOptions(server.url)
    feed = CountingDaemon(FEED_SETTINGS, frozen_demo(), options, backoff=FAST, rate=rate)
    remote = RemoteSource(monitor_settings, options=options, backoff=FAST)
    monitor = Scheduler(monitor_settings, remote)
    stop = asyncio.Event()
    feeding = asyncio.create_task(feed.run(stop))
    following = asyncio.create_task(monitor.run())
    try:
        yield Desk(feed, monitor, remote, server)
    finally:
        stop.set()
        following.cancel()
        results = await asyncio.gather(feeding, following, return_exceptions=True)
        await monitor.aclose()
        for result in results:
            if not isinstance(result, asyncio.CancelledError | type(None)):
                raise AssertionError(f"a loop failed: {result!r}")


async def test_a_remote_monitor_shows_what_the_feed_stored(
    nats_server: natsserver.NatsServer,
) -> None:
    async with desk(nats_server) as running:
        await wait_until(running.settled, "the monitor to hold the feed's latest frames", 30)
        feed, monitor = running.feed.scheduler, running.monitor
        for job in JobName:
            theirs, ours = feed.store.get(job), monitor.store.get(job)
            assert theirs is not None and ours is not None
            assert_frame_equal(ours.frame, theirs.frame)
            assert (ours.as_of, ours.problems) == (theirs.as_of, theirs.problems)
        # The feed's cadence, not the monitor's config, says when quotes are stale.
        assert monitor.cadence_s(JobName.QUOTES) == 7.0
        status = monitor.status()
        assert (status.source_label, status.is_demo) == ("DESK DEMO", True)
        assert status.health == (SourceHealth("demo", "ok"), SourceHealth("nats", "ok"))
        assert status.note is None
        # The demo's stopped clock: the monitor's market clock is the feed's, and the ages it
        # shows are on that clock, as the feed's own are.
        assert running.remote.now() == frozen_demo().now()
        ages = [(dataset.name, dataset.age_s) for dataset in status.datasets]
        assert ages == [(dataset.name, dataset.age_s) for dataset in feed.status().datasets]
        assert {age for _, age in ages} == {0.0}
        assert running.feed.requests == []  # the dashboard asked the feed for nothing


async def test_a_drill_down_asks_the_feed_once_for_what_is_not_published(
    nats_server: natsserver.NatsServer,
) -> None:
    async with desk(nats_server) as running:
        await wait_until(running.settled, "the monitor to hold the feed's latest frames", 30)
        data = await running.monitor.feed.fetch_ticker("MSFT")
    assert not isinstance(data, Failed)
    (request,) = running.feed.requests
    # Quotes, intraday and daily bars and shares come from the published frames (they hold
    # MSFT as deep as a drill-down asks); the deeper short history comes from the feed, in one
    # request.
    assert request.symbols == ("MSFT",)
    assert sorted(request.jobs) == ["short_interest", "short_volume"]
    sessions = data.intraday.filter(pl.col("symbol") == "MSFT").get_column("ts").dt.date()
    assert sessions.n_unique() >= 5  # the 5D chart's sessions (the feed publishes more)
    settlements = data.short_interest.filter(pl.col("symbol") == "MSFT").height
    assert settlements > 1


async def test_the_monitors_own_alert_symbols_are_priced_by_the_feed_beside_its_quotes(
    nats_server: natsserver.NatsServer,
) -> None:
    # A stock the feed does not price: one round of its scheduler says which it does.
    alone = Scheduler(FEED_SETTINGS, frozen_demo())
    await alone.refresh_all()
    await alone.aclose()
    priced = alone.store.get(JobName.QUOTES)
    assert priced is not None
    unpriced = next(
        symbol
        for symbol, info in universe.SYMBOLS.items()
        if info.kind == "stock" and symbol not in priced.frame.get_column("symbol").to_list()
    )
    rule = AlertRule(field="last", symbol=unpriced, below=1.0)
    settings = replace(MONITOR_SETTINGS, alerts=(rule,))
    async with desk(nats_server, monitor_settings=settings) as running:
        await wait_until(running.monitor_has_everything, "every dataset on the monitor", 30)
        quotes = running.monitor.store.get(JobName.QUOTES)
        assert quotes is not None
        assert unpriced in quotes.frame.get_column("symbol").to_list()
        assert unpriced not in running.remote._held[JobName.QUOTES].frame.get_column("symbol")
    assert [request.symbols for request in running.feed.requests][:1] == [(unpriced,)]
    assert running.feed.requests[0].jobs == ("quotes",)


async def test_symbols_beyond_the_published_frames_come_from_the_feed_and_are_rate_limited(
    nats_server: natsserver.NatsServer,
) -> None:
    async with desk(nats_server, rate=RateLimit(burst=1, per_s=0.01)) as running:
        await wait_until(running.settled, "the monitor to hold the feed's latest frames", 30)
        remote = running.remote
        published = remote._held[JobName.QUOTES].frame.get_column("symbol").to_list()
        unpublished = [s for s in frozen_demo().known_symbols() if s not in published][:2]
        assert len(unpublished) == 2
        first = await remote.quotes([published[0], unpublished[0]])
        refused = await remote.quotes([unpublished[1]])
    assert not isinstance(first, Failed)
    assert sorted(first.frame.get_column("symbol").to_list()) == sorted(
        [published[0], unpublished[0]]
    )
    assert [request.symbols for request in running.feed.requests] == [(unpublished[0],)]
    assert isinstance(refused, Failed)
    assert refused.kind is FailureKind.RATE_LIMITED
    assert "too many requests from this monitor" in refused.message
    assert "try again in" in refused.message and refused.retry_at is not None


async def test_a_lost_server_is_said_and_both_sides_recover_when_it_is_back(
    nats_server: natsserver.NatsServer,
) -> None:
    async with desk(nats_server) as running:
        await wait_until(running.monitor_has_everything, "every dataset on the monitor", 30)
        monitor, remote = running.monitor, running.remote
        nats_server.kill()
        await wait_until(lambda: monitor.status().note is not None, "the monitor to notice")
        status = monitor.status()
        assert status.note is not None and status.note.startswith("nats ")
        assert status.health[-1].name == "nats" and status.health[-1].state == "retrying"
        before = monitor.store.get(JobName.QUOTES)
        nats_server.start()
        await wait_until(lambda: monitor.status().note is None, "the link to come back", 30)
        # The feed publishes again after its next poll and the monitor takes it.
        running.feed.scheduler.wake(JobName.QUOTES)
        await wait_until(
            lambda: monitor.store.get(JobName.QUOTES) is not before, "a frame after the restart"
        )
        assert remote.connection(monitor.clock())[0] == SourceHealth("nats", "ok")


async def test_the_feed_stops_even_when_a_publish_swallows_its_cancellation(
    nats_server: natsserver.NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """nats-py swallows a cancellation that arrives while it flushes a publish: the publishing
    loop must end on stop all the same."""
    feed = FeedDaemon(FEED_SETTINGS, frozen_demo(), NatsOptions(nats_server.url), backoff=FAST)
    publishing = asyncio.Event()

    async def stubborn_publish(job: JobName) -> bool:
        publishing.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(60)
        return True

    monkeypatch.setattr(feed, "publish", stubborn_publish)
    stop = asyncio.Event()
    running = asyncio.create_task(feed.run(stop))
    await asyncio.wait_for(publishing.wait(), 30)
    stop.set()
    await asyncio.wait_for(running, 10)


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }


# Runs the command line's `feed` and then prints, as its last line, the interface modules the
# process had loaded (none, for a headless feed).
_FEED_THEN_MODULES = """
import json, sys
from tui.cli import main
code = main(sys.argv[1:])
loaded = sorted(
    name for name in sys.modules
    if name.split(".")[0] in ("textual", "textual_serve", "textual_plotext", "widgets")
    or name in ("tui.app",) or name.startswith("tui.screens")
)
print(json.dumps(loaded), flush=True)
sys.exit(code)
"""


async def test_tapewatch_feed_publishes_stops_on_sigterm_and_never_imports_textual(
    nats_server: natsserver.NatsServer, tmp_path: Path
) -> None:
    process = await asyncio.create_subprocess_exec(
        *[sys.executable, "-c", _FEED_THEN_MODULES, "feed", "--demo", "--nats", nats_server.url],
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=_env(tmp_path),
    )
    try:
        rows: list[str] = []

        async def published() -> bool:
            checks = await check_nats(NatsOptions(nats_server.url))
            rows[:] = [check.what for check in checks if check.status == "ok"]
            return all(f"frame.{job.value}" in rows for job in JobName)

        deadline = asyncio.get_running_loop().time() + 40
        while not await published():
            assert process.returncode is None, await process.communicate()
            assert asyncio.get_running_loop().time() < deadline, f"only {rows} published"
            await asyncio.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), 20)
    finally:
        if process.returncode is None:
            process.kill()
            await process.communicate()
    stdout, stderr = out.decode(), err.decode()
    assert process.returncode == 0, stderr
    assert json.loads(stdout.strip().splitlines()[-1]) == []
    lines = stderr.strip().splitlines()
    assert lines[0].startswith(f"tapewatch feed: publishing DEMO to {nats_server.url}")
    assert f"tapewatch feed: nats: connected to {nats_server.url}" in lines
    assert lines[-1] == "tapewatch feed: stopped"


async def test_the_doctor_checks_every_dataset_the_feed_publishes(
    nats_server: natsserver.NatsServer,
) -> None:
    options = NatsOptions(nats_server.url)
    out = io.StringIO()
    assert await asyncio.to_thread(run_nats_doctor, FEED_SETTINGS, options, out=out) == 1
    assert "no bucket `tapewatch`" in out.getvalue()
    assert "1 required check(s) failed" in out.getvalue()
    async with desk(nats_server) as running:
        await wait_until(running.monitor_has_everything, "every dataset on the monitor", 30)
        out = io.StringIO()
        assert await asyncio.to_thread(run_nats_doctor, FEED_SETTINGS, options, out=out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["source", "check", "status", "latency", "detail"]
    for job in JobName:
        (row,) = [line for line in lines if f" frame.{job.value} " in line]
        assert row.split()[2] == "ok" and "from demo" in row
