"""The feed's price stream reaches the monitors: a FeedDaemon on the loopback market streams
from a loopback Yahoo streamer and sends its ticks on `tapewatch.ticks` through a real
nats-server; a remote monitor's scheduler (headless) pushes them into its own stream, so its
quotes move and its status says the stream is live. The remote monitor opens no websocket."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Callable

import pytest

from tests import natsserver
from tests.desk.helpers import FAST, wait_until
from tests.faultserver import (
    FaultServer,
    fault_server,  # noqa: F401 (a fixture)
)
from tests.loopback_market import DEFAULT_MOMENT, LoopbackMarket, ManualClock
from tests.streamserver import StreamServer, pricing_frame
from tui.config import Settings, StreamSettings
from tui.daemon import FeedDaemon, feed_stream
from tui.desk.options import NatsOptions
from tui.jobs import JobName
from tui.presenters.status import stream_text
from tui.reports import PricesTicked, Report
from tui.scheduler import Scheduler
from tui.sources.remote import RemoteSource

nats_server = natsserver.nats_server

pytestmark = pytest.mark.timeout(90)


def ms(moment_offset_s: float) -> int:
    return int((DEFAULT_MOMENT.timestamp() + moment_offset_s) * 1000)


def stored_last(scheduler: Scheduler, symbol: str) -> float | None:
    stored = scheduler.store.get(JobName.QUOTES)
    if stored is None:
        return None
    rows = stored.frame.filter(stored.frame["symbol"] == symbol)
    return rows["last"][0] if rows.height else None


async def push_until(
    streamer: StreamServer, frame: str, done: Callable[[], bool], what: str
) -> None:
    """Push ``frame`` until ``done`` (again each second: a stream client that reconnected under
    load missed it; the same tick twice moves nothing twice), failing after 30 s."""
    for _ in range(30):
        await streamer.push(frame)
        with contextlib.suppress(AssertionError):
            await wait_until(done, what, timeout_s=1.0)
            return
    raise AssertionError(f"timed out waiting for {what}")


@contextlib.asynccontextmanager
async def running(*tasks: asyncio.Task[None]) -> AsyncIterator[None]:
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def test_the_feeds_ticks_move_a_remote_monitors_quotes(
    nats_server: natsserver.NatsServer,
    fault_server: FaultServer,  # noqa: F811
) -> None:
    market = await LoopbackMarket.start(fault_server)
    clock = ManualClock(DEFAULT_MOMENT)
    options = NatsOptions(nats_server.url)
    async with StreamServer("yahoo") as streamer:
        settings = market.settings(
            dataclasses.replace(Settings(), stream=StreamSettings(url=streamer.url))
        )
        source = market.live_source(settings, clock=clock, cache=None)
        stream = feed_stream(settings, source, clock=clock)
        assert stream is not None and stream.name == "yahoo"
        feed = FeedDaemon(settings, source, options, clock=clock, backoff=FAST, stream=stream)
        remote = RemoteSource(Settings(source="remote"), options=options, clock=clock, backoff=FAST)
        moves: list[PricesTicked] = []

        def report(item: Report) -> None:
            if isinstance(item, PricesTicked):
                moves.append(item)

        monitor = Scheduler(
            remote.settings, remote, clock=clock, builders={}, report=report, stream=remote.stream
        )
        stop = asyncio.Event()
        feeding = asyncio.create_task(feed.run(stop))
        following = asyncio.create_task(monitor.run())
        async with running(feeding, following):
            # The feed streams every symbol it publishes, as soon as its quotes are in.
            await wait_until(lambda: "^GSPC" in streamer.subscribed, "the subscription", 30)
            await wait_until(lambda: stored_last(monitor, "^GSPC") is not None, "the quotes", 30)
            # The feed's frames say it streams (not live yet: no price has come).
            assert remote.stream.name == "yahoo"
            before = stored_last(monitor, "^GSPC")
            assert before is not None
            up = round(before + 25.0, 2)
            await push_until(
                streamer,
                pricing_frame("^GSPC", up, ms(2.0)),
                lambda: any(m.symbol == "^GSPC" and m.last == up for t in moves for m in t.moves),
                "the tick on the monitor",
            )
            (move,) = [m for t in moves for m in t.moves if m.symbol == "^GSPC"]
            assert move.direction == 1 and move.source == "yahoo-stream"
            assert remote.stream.live and feed.ticks_sent >= 1
            # Folded into the monitor's quotes, as a local stream's ticks are.
            await wait_until(lambda: stored_last(monitor, "^GSPC") == up, "the fold", 30)
            down = round(up - 50.0, 2)
            await push_until(
                streamer,
                pricing_frame("^GSPC", down, ms(3.0)),
                lambda: any(m.last == down and m.direction == -1 for t in moves for m in t.moves),
                "the move down",
            )
            stop.set()
            await asyncio.wait_for(feeding, 20)
        # The monitor never talked to the streamer: its only subscriber was the feed.
        assert feed.ticks_sent >= 2


def test_the_status_bar_says_what_a_remote_monitor_hears_of_the_feeds_stream() -> None:
    clock = ManualClock(DEFAULT_MOMENT)
    remote = RemoteSource(Settings(source="remote"), clock=clock)
    stream = remote.stream
    stream.watch("indices", ["^GSPC"])
    # A feed that streams nothing (or has not said yet): nothing is said, not "polling".
    assert stream_text(stream.view()) is None
    from tui.desk.frames import FeedContext
    from tui.desk.ticks import Tick, TickBatch

    stream.feed_says(FeedContext(stream="yahoo", stream_state="down"))
    assert stream_text(stream.view()) == "feed's yahoo stream ⚠ down"
    stream.feed_says(FeedContext(stream="yahoo", stream_state="live"))
    assert stream_text(stream.view()) == "feed's yahoo stream ⚠ no ticks"
    stream.take(TickBatch((Tick("^GSPC", DEFAULT_MOMENT, 6900.0, source="yahoo-stream"),)))
    assert stream.live and stream_text(stream.view()) == "stream live 0/s"
    clock.advance(31)
    stream.check(link_up=True)
    assert not stream.live
    assert stream_text(stream.view()) == "feed's yahoo stream ⚠ no ticks"
