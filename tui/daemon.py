"""`tapewatch feed --nats URL`: the desk's one process that polls the sources, headless.

It runs the monitor's scheduler and sources — the same job table, cadences, back-off and disk
copy — with no interface and no pane builders, and after every poll publishes the dataset's
latest frame to the NATS JetStream bucket (tui.desk.publisher), with its as-of and fetch times,
the health of the source that answered it, and the feed's context (its source's label, the
dataset's cadence, its market clock). A poll that failed publishes the last good frame again
with the failing health, so every monitor shows "yahoo retrying in 12s" as the feed sees it.

When its source is live (not the demo, not a replay) it also streams prices as a live monitor
would (``[stream]``, tui.stream.make_stream), for every symbol of the quotes it publishes, and
sends each flush of that stream's ticks (the newest of each symbol) on the ticks subject
(``tapewatch.ticks``): the monitors' rows move with them. Every frame it publishes says whether
the stream is live (FeedContext.stream_state), so a monitor can tell "the feed streams nothing"
from "its stream is down".

It answers the monitors' requests for symbols it does not publish (a drill-down, a sector's
members, an alert's symbol) through tui.desk.service.SymbolService: fetched from the same
sources at the drill-down's depths, at most MAX_SYMBOLS a request, each monitor rate-limited.

It is the only process of a desk that talks to the sources and holds their keys. It logs to the
log folder (tui.logs), says on stderr where it publishes and when its connection changes, and
stops cleanly on SIGTERM or SIGINT (ctrl+c): publisher, service and sources closed, exit 0.

No textual on this path (an import-linter contract and a test keep it so).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, TextIO

import polars as pl

from tui.cache import Cache
from tui.clock import utc_now
from tui.config import Settings
from tui.desk.frames import FeedContext, FeedStreamState
from tui.desk.link import Backoff, LinkStatus
from tui.desk.options import DEFAULT_BUCKET, NatsOptions
from tui.desk.publisher import FramePublisher
from tui.desk.service import RateLimit, ReplyFrame, SymbolRequest, SymbolService
from tui.desk.ticks import TICKS_SUBJECT, from_stream
from tui.feed import (
    SHORT_VOLUME_DAYS,
    TICKER_INTRADAY_SESSIONS,
    TICKER_SETTLEMENTS,
    TICKER_SHORT_VOLUME_DAYS,
)
from tui.health import state_after
from tui.job_calls import ask
from tui.jobs import JOBS, JobName, spec
from tui.models import SourceHealth
from tui.reports import JobFinished, Report
from tui.scheduler import Scheduler
from tui.sources.base import Failed, FetchOutcome, Source, empty_frame
from tui.stream import PriceStream, make_stream

if TYPE_CHECKING:
    from tui.sources.streaming import Tick as StreamTick

log = logging.getLogger("tapewatch.daemon")

EXIT_OK = 0
EXIT_FAILURE = 1
# A monitor's request is fetched within this long, or answered with why not.
REQUEST_TIMEOUT_S = 15.0
# On SIGTERM, the polls and the publishing are given this long to end before the rest closes.
STOP_TIMEOUT_S = 10.0
STREAM_OWNER = "feed"  # what the feed's stream watches: every symbol of its published quotes


def request_depth(scheduler: Scheduler, job: JobName) -> int:
    """How deep a monitor's request for ``job`` is fetched: as a drill-down asks (five
    sessions of intraday bars, two years of settlements, 60 days of short volume); daily bars
    as deep as the feed's own polls."""
    match job:
        case JobName.INTRADAY:
            return TICKER_INTRADAY_SESSIONS
        case JobName.SHORT_INTEREST:
            return TICKER_SETTLEMENTS
        case JobName.SHORT_VOLUME:
            return max(TICKER_SHORT_VOLUME_DAYS, SHORT_VOLUME_DAYS)
        case _:
            return scheduler.feed.depth(job)


class MarketClock:
    """The feed source's market clock as monitors follow it: where it stands and how fast it
    runs against the wall clock (the demo market at 60 x its speed, a replay not at all),
    measured since the feed started."""

    def __init__(self, source: Source, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self._source = source
        self._clock = clock
        self._origin = (clock(), source.now())

    def context(self, label: str, cadence_s: float) -> FeedContext:
        wall, market = self._clock(), self._source.now()
        wall_s = (wall - self._origin[0]).total_seconds()
        rate = None
        if wall_s > 0:
            rate = round((market - self._origin[1]).total_seconds() / wall_s, 4)
        return FeedContext(label=label, cadence_s=cadence_s, market_time=market, market_rate=rate)


def feed_stream(
    settings: Settings,
    source: Source,
    as_of: dt.date | None = None,
    *,
    clock: Callable[[], dt.datetime] = utc_now,
) -> PriceStream | None:
    """The price stream the feed runs: the one ``[stream]`` asks for, as a live monitor's, when
    the source is live (not the demo, not a replay); else None."""
    if settings.source != "live" or source.is_demo or as_of is not None:
        return None
    return make_stream(settings, clock=clock)


class FeedDaemon:
    """The scheduler (with its price stream, if any), a publisher and a symbol service over
    one source."""

    def __init__(
        self,
        settings: Settings,
        source: Source,
        options: NatsOptions,
        *,
        cache: Cache | None = None,
        bucket: str = DEFAULT_BUCKET,
        clock: Callable[[], dt.datetime] = utc_now,
        backoff: Backoff | None = None,
        rate: RateLimit | None = None,
        on_status: Callable[[LinkStatus], None] | None = None,
        stream: PriceStream | None = None,
    ) -> None:
        self.settings = settings
        self.source = source
        self.scheduler = Scheduler(
            settings,
            source,
            cache=cache,
            clock=clock,
            report=self._on_report,
            builders={},
            stream=stream,
        )
        self.stream = stream
        if stream is not None:
            stream.relay_to(self._queue_ticks)
        self.publisher = FramePublisher(
            options, bucket=bucket, on_status=on_status, backoff=backoff, clock=clock
        )
        self.service = SymbolService(
            options,
            self.answer,
            rate=rate,
            handler_timeout_s=REQUEST_TIMEOUT_S,
            backoff=backoff,
            clock=clock,
        )
        self.market_clock = MarketClock(source, clock)
        self.published = 0  # frames handed to the publisher (the benchmark reads it)
        self.ticks_sent = 0  # ticks handed to the publisher
        self._ticks: list[StreamTick] = []
        self._ticks_wanted = asyncio.Event()
        self._clock = clock
        self._to_publish: set[JobName] = set()
        self._publish_wanted = asyncio.Event()
        self._closing = False

    # -- running -----------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Poll, publish and answer until ``stop`` is set (or the scheduler fails), then close
        everything. A failure of the scheduler is raised once all is closed."""
        self.publisher.start()
        self.service.start()
        polling = asyncio.create_task(self.scheduler.run(), name="scheduler")
        publishing = asyncio.create_task(self._publish_loop(), name="publish")
        relaying = asyncio.create_task(self._tick_loop(), name="ticks")
        stopping = asyncio.create_task(stop.wait(), name="stop")
        tasks = (polling, publishing, relaying, stopping)
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            # Said as well as cancelled: nats-py swallows a cancellation that arrives while it
            # flushes a publish, so the publishing loop also checks this flag.
            self._closing = True
            self._publish_wanted.set()
            self._ticks_wanted.set()
            for task in tasks:
                task.cancel()
            _, pending = await asyncio.wait(tasks, timeout=STOP_TIMEOUT_S)
            if pending:
                log.warning(
                    "stopping: %s did not end in time", ", ".join(t.get_name() for t in pending)
                )
            await self.aclose()
        for task in tasks:
            if task.done() and not task.cancelled() and (error := task.exception()) is not None:
                raise error

    async def aclose(self) -> None:
        """Close the publisher, the service and the sources (each even if another fails)."""
        for closing in (self.service.aclose, self.publisher.aclose, self.scheduler.aclose):
            try:
                await closing()
            except Exception:
                log.exception("closing the feed")

    # -- publishing --------------------------------------------------------------------------

    def _on_report(self, report: Report) -> None:
        """After every poll, its job's latest frame goes out (the scheduler calls this on the
        event loop; the publishing happens in its own task, newest frames first served)."""
        if isinstance(report, JobFinished):
            job = report.result.job
            self._to_publish.add(job)
            self._publish_wanted.set()
            stored = self.scheduler.store.get(job)
            if job is JobName.QUOTES and self.stream is not None and stored is not None:
                # Nothing is on the feed's screen: it streams every symbol it publishes.
                self.stream.watch(STREAM_OWNER, stored.frame.get_column("symbol").to_list())

    def _queue_ticks(self, ticks: list[StreamTick]) -> None:
        """A flush of the stream's ticks, to go out as one batch (called on the event loop)."""
        self._ticks.extend(ticks)
        self._ticks_wanted.set()

    async def _tick_loop(self) -> None:
        while not self._closing:
            await self._ticks_wanted.wait()
            self._ticks_wanted.clear()
            ticks, self._ticks = self._ticks, []
            if self._closing:
                return
            if ticks and await self.publisher.publish_ticks([from_stream(t) for t in ticks]):
                self.ticks_sent += len(ticks)

    async def _publish_loop(self) -> None:
        while not self._closing:
            await self._publish_wanted.wait()
            self._publish_wanted.clear()
            if self._closing:
                return
            jobs, self._to_publish = self._to_publish, set()
            for job_spec in JOBS:  # in the table's order: quotes first
                if self._closing:
                    return
                if job_spec.name in jobs:
                    await self.publish(job_spec.name)

    async def publish(self, job: JobName) -> bool:
        """Publish ``job``'s stored frame with its health; False if there is none yet or it did
        not go out (the publisher sends it once the connection is back)."""
        stored = self.scheduler.store.get(job)
        if stored is None:
            return False
        source_name = self.scheduler.feed.source_name(job)
        health = self.scheduler.health.of(job) or SourceHealth(source_name, "ok")
        context = self.market_clock.context(self.source.label, self.scheduler.cadence_s(job))
        if self.stream is not None:
            view = self.stream.view()
            state: FeedStreamState = "live" if view.live else "down" if view.active else "idle"
            context = replace(context, stream=view.provider, stream_state=state)
        self.published += 1
        receipt = await self.publisher.publish_stored(
            job, stored, source=source_name, health=health, feed=context
        )
        if not receipt.sent:
            log.info("%s not published yet: %s", job, receipt.detail)
        return receipt.sent

    # -- answering the monitors --------------------------------------------------------------

    async def answer(self, request: SymbolRequest) -> Sequence[ReplyFrame]:
        """Fetch what a monitor asked for from the sources, each dataset at the drill-down's
        depth; a dataset the source could not give comes back empty with why."""
        try:
            jobs = [JobName(job) for job in request.jobs] or list(JobName)
        except ValueError:
            known = ", ".join(job.value for job in JobName)
            raise ValueError(f"unknown dataset in {list(request.jobs)}; known: {known}") from None
        log.info(
            "request from %s: %s of %s",
            request.client_name or request.client,
            ", ".join(jobs),
            ", ".join(request.symbols),
        )
        interval = self.settings.sources.yahoo.intraday_interval
        outcomes = await asyncio.gather(
            *(
                ask(
                    self.source,
                    job,
                    request.symbols,
                    request_depth(self.scheduler, job),
                    intraday_interval=interval,
                )
                for job in jobs
            )
        )
        now = self._clock()
        return [self._reply(job, outcome, now) for job, outcome in zip(jobs, outcomes, strict=True)]

    def _reply(self, job: JobName, outcome: FetchOutcome, now: dt.datetime) -> ReplyFrame:
        source = self.scheduler.feed.source_name(job)
        if isinstance(outcome, Failed):
            health = SourceHealth(
                outcome.source, state_after(outcome.kind, 1), outcome.retry_at, outcome.message
            )
            frame: pl.DataFrame = empty_frame(spec(job).dataset)
            return ReplyFrame(job.value, frame, now, now, outcome.source, health)
        return ReplyFrame(
            job.value,
            outcome.frame,
            outcome.as_of,
            now,
            source,
            SourceHealth(source, "ok"),
            outcome.problems,
        )


def run_feed(
    settings: Settings,
    options: NatsOptions,
    *,
    as_of: dt.date | None = None,
    err: TextIO | None = None,
) -> int:
    """Run the feed until SIGTERM or SIGINT; the process exit status (0 on a clean stop)."""
    from tui.logs import configure_file_logging
    from tui.sources.factory import make_source

    err = err or sys.stderr
    log_file = configure_file_logging()

    def say(text: str) -> None:
        print(f"tapewatch feed: {text}", file=err, flush=True)

    def on_status(status: LinkStatus) -> None:
        say(f"nats: {status.describe()}")

    # Live data is kept on disk, as the monitor keeps it: a restarted feed publishes at once.
    keep = settings.source != "demo" and as_of is None
    cache = Cache.default() if keep else None
    source = make_source(settings, as_of=as_of, cache=cache)
    stream = feed_stream(settings, source, as_of)
    daemon = FeedDaemon(settings, source, options, cache=cache, on_status=on_status, stream=stream)
    where = f"; log: {log_file}" if log_file is not None else ""
    say(f"publishing {source.label} to {options.display_url} (bucket {DEFAULT_BUCKET}){where}")
    if stream is not None:
        say(f"streaming {stream.name} prices to {TICKS_SUBJECT}")

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        try:
            await daemon.run(stop)
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT):
                with contextlib.suppress(Exception):
                    loop.remove_signal_handler(signum)

    try:
        asyncio.run(main())
    except Exception:
        log.exception("the feed stopped on an error")
        say("stopped on an error (the log has the details)")
        return EXIT_FAILURE
    say("stopped")
    return EXIT_OK
