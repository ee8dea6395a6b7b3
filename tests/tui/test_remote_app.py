"""The monitor on `source = "remote"`: a feed on the loopback market (Yahoo, FINRA and the SEC
on 127.0.0.1) publishes to a real nats-server and stops; a monitor then paints the whole
dashboard from the bucket, with the feed's health — and the market sees no request from it."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import replace

import pytest

from tests import faultserver, natsserver
from tests.desk.helpers import FAST
from tests.loopback_market import LoopbackMarket, ManualClock
from tests.tui.harness import wait_for_data, wait_until
from tests.tui.test_live_app import BASE_SETTINGS, status_line
from tui.app import TapewatchApp
from tui.config import RemoteSettings, Settings
from tui.daemon import FeedDaemon
from tui.desk.doctor import check_nats
from tui.desk.options import NatsOptions
from tui.jobs import JobName
from tui.sources.base import Source
from tui.sources.factory import make_source
from tui.sources.remote import RemoteSource

pytestmark = pytest.mark.timeout(60)
fault_server = faultserver.fault_server
nats_server = natsserver.nats_server


def remote_settings(feed: Settings, url: str) -> Settings:
    """The feed's settings (the loopback market's URLs included) with source = "remote"."""
    sources = replace(feed.sources, remote=RemoteSettings(url=url))
    return replace(feed, source="remote", sources=sources)


def test_the_remote_config_makes_a_remote_source() -> None:
    settings = remote_settings(Settings(), "nats://127.0.0.1:4222")
    source = make_source(settings)
    assert isinstance(source, RemoteSource)
    assert source.options.url == "nats://127.0.0.1:4222"


async def publish_the_market_once(market: LoopbackMarket, url: str, clock: ManualClock) -> Settings:
    """Run a feed on the loopback market until every dataset is in the bucket, then stop it."""
    settings = market.settings(BASE_SETTINGS)
    source = market.live_source(settings, clock=clock, cache=None)
    daemon = FeedDaemon(settings, source, NatsOptions(url), clock=clock, backoff=FAST)
    stop = asyncio.Event()
    running = asyncio.create_task(daemon.run(stop))
    try:
        deadline = asyncio.get_running_loop().time() + 30
        while True:
            rows = await check_nats(NatsOptions(url), clock=clock)
            if all(
                f"frame.{job.value}" in [r.what for r in rows if r.status == "ok"]
                for job in JobName
            ):
                break
            assert not running.done(), running
            assert asyncio.get_running_loop().time() < deadline, rows
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        await running
    return settings


async def test_a_remote_monitor_paints_from_the_bucket_and_asks_the_market_nothing(
    fault_server: faultserver.FaultServer, nats_server: natsserver.NatsServer
) -> None:
    market = await LoopbackMarket.start(fault_server)
    clock = ManualClock(market.truth.moment)
    feed_settings = await publish_the_market_once(market, nats_server.url, clock)
    asked_by_the_feed = len(fault_server.requests)
    assert asked_by_the_feed > 0

    def remote(settings: Settings, as_of: dt.date | None) -> Source:
        return RemoteSource(settings, clock=clock, backoff=FAST)

    settings = remote_settings(feed_settings, nats_server.url)
    app = TapewatchApp(settings, source_factory=remote, clock=clock)
    async with app.run_test(size=(220, 60)) as pilot:
        await wait_for_data(pilot, app)
        await wait_until(
            pilot,
            lambda: all(f"{name} ok" in status_line(app) for name in ("yahoo", "finra", "sec")),
            "the feed's health",
        )
        line = status_line(app)
        assert "DESK LIVE" in line and "nats ok" in line
        assert "quotes 0s" in line  # the feed's fetch time, on the one clock
        await pilot.press("r")  # nothing to poll: still nothing asked of the market
        await pilot.pause(0.2)
    assert len(fault_server.requests) == asked_by_the_feed
