"""The scheduler: when each job runs, what is rebuilt when its data arrives, and what the status
bar says. No textual: the dashboard runs it in one worker, `tapewatch snapshot` runs one round of
it, and a headless feed daemon can run the same scheduler with no screen at all.

- One polling loop per job (tui.jobs): fetch (tui.feed), store (tui.store), then wait for the
  job's cadence — or less after a failure (back-off, or the source's own retry time; tui.health)
  — or until woken: by `wake` (the dashboard's `r`), or by a job whose new data it follows.
- One rebuild loop: the panes fed by new data are marked dirty, and built one batch at a time in
  a thread (tui.analytics.builders.BUILDERS), each reported as soon as it is built, in Pane order.
  The first batch of polled data waits for the first round to settle (at most FIRST_ROUND_S).
  A builder that raises is logged and reported (`PaneFailed`); the other panes go on updating.
  A pane that failed is built again after the next poll, whatever it brought; so is every pane
  when a poll finds the market clock in another session than the panes were built for (a new
  day, or files whose clock stops at their last session once they are read).
- A source that another process polls (a desk's remote source, `PushingSource`) is not polled:
  it pushes each dataset's frame as the feed publishes it (`accept_published`), with the feed's
  fetch time, health and cadence, so ages, stale marks and health read as they do locally.
- What happens is reported through one callback, as small immutable reports (tui.reports:
  `PaneBuilt`, `PaneFailed`, `StatusChanged`, `JobFinished`); the dashboard turns them into
  messages. The status says how each dataset's last poll went, how old it is (on the demo
  market's own clock for the demo, so ages agree with the panes' times), which sources are slow
  now, and whether nothing could be reached (tui.scheduler_status); the words are the
  presentation layer's (tui.presenters.status).

Everything the event loop does here is short: fetching waits on the network, and parsing,
merging, building and the disk copy run in threads. Waiting is injectable (`wait`), so tests
drive the cadences without sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

from tui import market_hours
from tui.analytics.builders import BUILDERS, PaneBuilder
from tui.analytics.market import MarketData
from tui.cache import Cache
from tui.clock import utc_now
from tui.config import Settings
from tui.feed import Feed
from tui.health import Health
from tui.jobs import JOBS, REFRESH_ORDER, JobName, panes_of, spec
from tui.models import Pane, SourceHealth, StatusView
from tui.presenters.indices import IndicesView
from tui.presenters.registry import PaneView
from tui.presenters.sectors import SectorsView
from tui.presenters.shorts import ShortsView
from tui.presenters.ticks import PriceMove
from tui.presenters.watchlist import WatchlistView
from tui.reports import (
    JobFinished,
    JobResult,
    PaneBuilt,
    PaneFailed,
    PricesTicked,
    Report,
    Reporter,
    StatusChanged,
)
from tui.scheduler_status import (
    budget_waiting,
    data_through,
    dataset_freshness,
    source_health,
    unreachable,
)
from tui.sources.base import Failed, FailureKind, Fetched, Source
from tui.store import Store, Stored, combine
from tui.stream import PriceStream, overlay

if TYPE_CHECKING:
    from tui.recording import Recorder
    from tui.sources.streaming.ticks import Tick

log = logging.getLogger("tapewatch.scheduler")


# Waits ``seconds`` or until ``wake`` is set, whichever comes first.
Waiter = Callable[[asyncio.Event, float], Awaitable[None]]

# At most this long after start, the panes show what has come, whether or not every source has.
FIRST_ROUND_S = 1.5


@runtime_checkable
class PushedFrames(Protocol):
    """A source that hands the scheduler its frames itself, at their own times, instead of
    being polled (a recorded session played back, tui.playback)."""

    async def play(self, accept: Callable[[JobName, Fetched], Awaitable[bool]]) -> None: ...


async def wait_or_wake(wake: asyncio.Event, seconds: float) -> None:
    """Wait ``seconds`` on the event loop's clock, or until ``wake`` is set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(wake.wait(), timeout=seconds)


def _ignore(report: Report) -> None:
    """The reporter of a scheduler nobody listens to (a one-round snapshot)."""


# How long a one-round refresh waits for a pushing source to bring every dataset.
PUSHED_ROUND_S = 10.0


@runtime_checkable
class PushingSource(Protocol):
    """A source that another process polls (a desk's feed): it pushes what that process stored
    instead of being polled."""

    async def follow(self, scheduler: Scheduler) -> None:
        """Hand every frame to ``scheduler.accept_published`` as it comes, until cancelled."""
        ...

    def connection(self, now: dt.datetime) -> tuple[SourceHealth, str | None]:
        """The connection to the feed, for the status bar: its health, and a note in plain
        words while it is down."""
        ...


class Scheduler:
    """Polls every job of one source on its cadence and keeps what they bring."""

    def __init__(
        self,
        settings: Settings,
        source: Source,
        *,
        cache: Cache | None = None,
        clock: Callable[[], dt.datetime] = utc_now,
        report: Reporter = _ignore,
        wait: Waiter = wait_or_wake,
        builders: Mapping[Pane, PaneBuilder] = BUILDERS,
        recorder: Recorder | None = None,
        stream: PriceStream | None = None,
    ) -> None:
        self.settings = settings
        self.recorder = recorder  # `--record`: every frame taken in, and every tick
        self.clock = clock  # the wall clock: ages, retry times
        self.store = Store(source.name, cache)  # the last good frame of every job, on disk too
        self.feed = Feed(settings, source, self.store, clock=clock)
        self.health: Health[JobName] = Health()
        self._report = report
        self._wait = wait
        self._builders = builders
        self._wake = {job: asyncio.Event() for job in JobName}
        self._accepting = {job: asyncio.Lock() for job in JobName}
        self._dirty: set[Pane] = set()
        self._rebuild_wanted = asyncio.Event()
        self._building = False
        self._failed_panes: set[Pane] = set()  # their last build raised: built again next poll
        # The market session the panes were last built for: figures ("today", 5 d) depend on
        # it, so a poll that finds the market clock in another session rebuilds every pane.
        self._built_for: dt.date | None = None
        # When each job's frame was fetched on the demo market's own clock (demo sources only).
        self._market_fetched: dict[JobName, dt.datetime] = {}
        # The first round: jobs not yet polled, loops inside a poll, and whether all is quiet.
        self._unpolled = set(JobName)
        self._polling = 0
        self._first_round_settled = asyncio.Event()
        self._published_cadence: dict[JobName, float] = {}  # a feed's own, for pushed jobs
        # Streamed prices (tui.stream), run beside the polls; None: polling only.
        self.stream = stream
        if stream is not None:
            self.feed.streaming = lambda: stream.live_symbols

    @property
    def source(self) -> Source:
        return self.feed.source

    def cadence_s(self, job: JobName) -> float:
        """Seconds between two polls of ``job``: as configured, or as the feed that pushes it
        says it polls it."""
        published = self._published_cadence.get(job)
        return published if published is not None else spec(job).cadence_s(self.settings.refresh)

    # -- running -----------------------------------------------------------------------------

    async def run(self) -> None:
        """Restore the disk copy, then poll every job and rebuild what changes, until cancelled.
        A bug in a loop ends them all and is raised, so it is seen, never swallowed."""
        await self.restore()
        # What arrives outside a poll (the quotes of the short candidates) is kept as it comes.
        self.feed.deliver = self.accept
        async with asyncio.TaskGroup() as group:
            if isinstance(self.source, PushedFrames):  # a replay: nothing to poll
                self._first_round_settled.set()
                group.create_task(self.source.play(self._played), name="replay")
            elif isinstance(self.source, PushingSource):  # a desk's feed polls for it
                group.create_task(self.source.follow(self), name="follow")
            else:
                for job_spec in JOBS:
                    group.create_task(self._poll(job_spec.name), name=f"poll {job_spec.name}")
            if self.recorder is not None:
                group.create_task(self.recorder.run(), name="recorder")
            group.create_task(self._rebuild_loop(), name="rebuild")
            if self.stream is not None:
                group.create_task(self.stream.run(self), name="stream")

    async def _played(self, job: JobName, fetched: Fetched) -> bool:
        """A frame a replay hands over: kept as a poll's answer would be."""
        changed = await self.accept(job, fetched)
        self._report(StatusChanged(self.status()))
        return changed

    def record_tick(self, tick: Tick) -> None:
        """Keep a streamed tick in the recording, when there is one (the stream calls it)."""
        if self.recorder is not None:
            self.recorder.record_tick(tick)

    def wake(self, *jobs: JobName) -> None:
        """Poll ``jobs`` now (every job when none is named, the candidates' quotes included),
        whatever their cadence says."""
        if not jobs:
            self.feed.ask_everything_next()
        for job in jobs or tuple(JobName):
            self._wake[job].set()

    def reconfigure(
        self, settings: Settings, panes: Iterable[Pane], jobs: Iterable[JobName] = ()
    ) -> None:
        """Use ``settings`` from now on (the user edited a watchlist): rebuild ``panes`` from
        what is stored at once, and poll ``jobs`` now for what the new settings ask for."""
        self.settings = settings
        self.feed.settings = settings
        self._mark_dirty(panes)
        wanted = tuple(jobs)
        if wanted:
            self.wake(*wanted)

    async def refresh_all(self) -> list[JobResult]:
        """One round: every job once, each after the jobs whose data names its symbols (from a
        pushing source: the latest frame of every dataset, waited for at most PUSHED_ROUND_S)."""
        if isinstance(self.source, PushingSource):
            return await self._follow_one_round(self.source)
        return [await self.refresh(job) for job in REFRESH_ORDER]

    async def _follow_one_round(self, source: PushingSource) -> list[JobResult]:
        following = asyncio.create_task(source.follow(self), name="follow")
        settled = asyncio.create_task(self._first_round_settled.wait())
        try:
            await asyncio.wait(
                {following, settled}, timeout=PUSHED_ROUND_S, return_when=asyncio.FIRST_COMPLETED
            )
            if following.done():
                following.result()  # a bug in the source is raised, never swallowed
        finally:
            for task in (following, settled):
                task.cancel()
            await asyncio.gather(following, settled, return_exceptions=True)
        health, note = source.connection(self.clock())
        results = []
        for job in REFRESH_ORDER:
            if self.store.has_data(job):
                results.append(JobResult(job, True))
                continue
            label = spec(job).label
            why = note or f"the feed has published no {label} data (is `tapewatch feed` running?)"
            results.append(JobResult(job, False, Failed(health.name, FailureKind.OFFLINE, why)))
        return results

    async def aclose(self) -> None:
        """Release the source (call it once `run` has ended or been cancelled)."""
        await self.feed.aclose()

    async def _poll(self, job: JobName) -> None:
        wake = self._wake[job]
        while True:
            wake.clear()
            self._polling += 1
            started = self.clock()
            try:
                result = await self.refresh(job)
            finally:
                self._polling -= 1
            self._unpolled.discard(job)
            self._note_quiet()
            if result.retry_in_s is not None:
                delay = result.retry_in_s
            else:  # cadence from start to start: a poll the request budget spaced out is no later
                elapsed = (self.clock() - started).total_seconds()
                delay = max(0.0, self._next_poll_s(job) - max(0.0, elapsed))
            await self._wait(wake, delay)

    def _next_poll_s(self, job: JobName) -> float:
        """Seconds until ``job``'s next poll: its cadence, slower for quotes while a stream
        prices them."""
        cadence = self.cadence_s(job)
        if job is JobName.QUOTES and self.stream is not None:
            return self.stream.quotes_cadence(cadence)
        return cadence

    def _note_quiet(self) -> None:
        """The first round has settled once every job has been polled and no poll runs or is
        about to (the follow-ups that new data wakes included)."""
        if self._unpolled or self._polling:
            return
        if not any(wake.is_set() for wake in self._wake.values()):
            self._first_round_settled.set()

    # -- one poll ----------------------------------------------------------------------------

    async def refresh(self, job: JobName) -> JobResult:
        """Poll ``job`` once: on success store what came, on failure keep what was there."""
        outcome = await self.feed.fetch(job)
        if outcome is None:  # nothing to ask yet: nothing changes
            result = JobResult(job, False, asked=False)
        elif isinstance(outcome, Failed):
            retry_in = self._failed(job, outcome)
            result = JobResult(job, False, outcome, retry_in)
        elif outcome.refresh_failed is not None:
            # An older copy the source kept: shown, stale, with the failure in its health.
            changed = await self.accept(job, outcome)
            retry_in = self._failed(job, outcome.refresh_failed)
            result = JobResult(job, changed, outcome.refresh_failed, retry_in)
        else:
            result = JobResult(job, await self.accept(job, outcome))
        self._mark_due_panes()
        self._report(JobFinished(result))
        self._report(StatusChanged(self.status()))
        return result

    def _mark_due_panes(self) -> None:
        """After new data, whatever it changed: the panes whose last build failed, and every
        pane when the market clock has moved to another session than they were built for."""
        if self._failed_panes:
            self._mark_dirty(self._failed_panes)
        session = market_hours.last_session_date(self.source.now())
        if self._built_for is not None and session != self._built_for:
            self._mark_dirty(Pane)

    def _failed(self, job: JobName, failure: Failed) -> float:
        """Record a failure of ``job``; the seconds until it runs again."""
        log.warning("%s failed (%s): %s", job, failure.kind.value, failure.message)
        return self.health.failed(
            job,
            failure.source,
            failure.kind,
            failure.message,
            cadence_s=self.cadence_s(job),
            retry_at=failure.retry_at,
            now=self.clock(),
        )

    async def accept(self, job: JobName, fetched: Fetched) -> bool:
        """Keep what ``job`` brought — a poll's answer, or frames a streaming source pushes —
        mark the panes it feeds for rebuilding and wake the jobs that follow it when it changed
        anything, and write it to disk. True when it changed the stored frame."""
        if fetched.refresh_failed is None:  # else the caller records the failure
            self.health.succeeded(job, self.feed.source_name(job), fetched.bad_rows)
        if self.recorder is not None:
            self.recorder.record_frame(job, fetched, at=self.clock(), market_at=self.source.now())
        async with self._accepting[job]:  # a poll and a frame pushed meanwhile: one at a time
            previous = self.store.get(job)
            stream = self.stream if job is JobName.QUOTES else None
            if stream is not None:  # a poll never takes back a newer streamed price
                streamed = stream.streamed()
                frame = await asyncio.to_thread(overlay, fetched.frame, streamed)
                fetched = dataclasses.replace(fetched, frame=frame)
            stored, changed = await asyncio.to_thread(combine, previous, job, fetched, self.clock())
            self.store.put(job, stored)
            if stream is not None:
                stream.seed(stored.frame)
            if self.source.is_demo:
                self._market_fetched[job] = self.source.now()
            if changed:
                self._mark_dirty(spec(job).panes)
                for follower in spec(job).wakes:
                    self._wake[follower].set()
            if self.store.cache is not None:
                # Inside the lock: two writes of one job in two threads would interleave the
                # frame and its checksum (the next start would find them apart and discard the
                # frame), and an older frame could land on disk after a newer one.
                await asyncio.to_thread(self.store.save, job, stored)
        return changed

    async def accept_published(
        self,
        job: JobName,
        stored: Stored,
        health: SourceHealth,
        *,
        cadence_s: float | None = None,
        market_fetched_at: dt.datetime | None = None,
    ) -> bool:
        """Keep what another process's scheduler stored for ``job`` (a desk's feed): its frame
        whole, its own fetch time (so ages and stale marks follow the feed), the health of the
        source that answered it, the feed's cadence for it and, on a demo market, when on its
        clock the frame was fetched (ages shown on the market's clock, as on the feed). True
        when the frame changed."""
        self.health.reported(job, health)
        if cadence_s is not None:
            self._published_cadence[job] = cadence_s
        self._record_stored(job, stored)  # a monitor recording what its desk's feed sends
        async with self._accepting[job]:  # one write of a job's frame and checksum at a time
            previous = self.store.get(job)
            stream = self.stream if job is JobName.QUOTES else None
            if stream is not None:  # the feed's ticks since it polled stay: it streams them too
                frame = await asyncio.to_thread(overlay, stored.frame, stream.streamed())
                stored = dataclasses.replace(stored, frame=frame)
            changed = previous is None or (
                previous.frame is not stored.frame
                and not await asyncio.to_thread(previous.frame.equals, stored.frame)
            )
            self.store.put(job, stored)
            if stream is not None:
                stream.seed(stored.frame)
            if self.source.is_demo and market_fetched_at is not None:
                self._market_fetched[job] = market_fetched_at
            if changed:
                self._mark_dirty(spec(job).panes)
            self._mark_due_panes()
            if self.store.cache is not None:
                await asyncio.to_thread(self.store.save, job, stored)
        self._unpolled.discard(job)
        self._note_quiet()
        self._report(StatusChanged(self.status()))
        return changed

    def _record_stored(self, job: JobName, stored: Stored) -> None:
        """Keep a frame that arrived whole (from disk, or from a desk's feed) in the recording."""
        if self.recorder is not None:
            fetched = Fetched(
                stored.frame, stored.as_of, stored.problems, fetched_at=stored.fetched_at
            )
            self.recorder.record_frame(job, fetched, at=self.clock(), market_at=self.source.now())

    # -- the price stream (tui.stream calls these) ------------------------------------------

    def prices_moved(self, moves: list[PriceMove]) -> None:
        """Coalesced streamed prices: reported for the rows that show them."""
        self._report(PricesTicked(tuple(moves)))

    async def fold_streamed(self) -> None:
        """Write what the stream changed into the stored quotes and rebuild the panes they
        feed: the quotes are as fresh as the newest price."""
        async with self._accepting[JobName.QUOTES]:  # not over a poll's answer being kept
            stream, stored = self.stream, self.store.get(JobName.QUOTES)
            if stream is None or stored is None:
                return
            frame = await asyncio.to_thread(overlay, stored.frame, stream.streamed())
            newest = frame.get_column("ts").max()
            as_of = newest if isinstance(newest, dt.datetime) else stored.as_of
            self.store.put(JobName.QUOTES, Stored(frame, as_of, self.clock(), stored.problems))
            stream.seed(frame)
            self._mark_dirty(spec(JobName.QUOTES).panes)

    def stream_changed(self, live: bool) -> None:
        """The stream went live (the quotes poll slows down) or stopped (poll now)."""
        if not live:
            self.wake(JobName.QUOTES)
        self._report(StatusChanged(self.status()))

    def watch_symbols(self, owner: str, symbols: Iterable[str]) -> None:
        """``owner`` (the drill-down) shows these symbols: stream them too."""
        if self.stream is not None:
            self.stream.watch(owner, symbols)

    async def restore(self) -> list[JobName]:
        """Show the last good data on disk at once (the polls then replace it)."""
        found = await asyncio.to_thread(self.store.read_disk)
        restored = self.store.restore(found, self.clock())
        for job in restored:  # what the panes start from is part of the session
            self._record_stored(job, found[job])
        if restored:
            self._mark_dirty(panes_of(restored))
            self._report(StatusChanged(self.status()))
        return restored

    # -- building views ----------------------------------------------------------------------

    def _mark_dirty(self, panes: Iterable[Pane]) -> None:
        self._dirty.update(panes)
        self._rebuild_wanted.set()

    @property
    def first_round_done(self) -> bool:
        """Every job has been polled since `run` began, and the follow-ups are done."""
        return self._first_round_settled.is_set()

    @property
    def rebuilding(self) -> bool:
        """Panes are waiting to be built, or being built."""
        return self._building or self._rebuild_wanted.is_set()

    async def _rebuild_loop(self) -> None:
        # The disk copy, restored before the polls began, is shown at once. What the first
        # round brings is built once that round has settled (or after FIRST_ROUND_S, however
        # slow a source is): the first picture is whole, and a table is not re-ranked row by row
        # as each dataset lands.
        if self._rebuild_wanted.is_set():
            await self._rebuild_batch()
        await self._wait(self._first_round_settled, FIRST_ROUND_S)
        while True:
            await self._rebuild_wanted.wait()
            await self._rebuild_batch()

    async def _rebuild_batch(self) -> None:
        self._rebuild_wanted.clear()
        self._building = True
        try:
            await self._rebuild()
        finally:
            self._building = False

    async def _rebuild(self) -> None:
        """Build the dirty panes from one snapshot, one after the other in Pane order (Indices
        first), each reported as soon as it is built: views never arrive out of order."""
        panes, self._dirty = self._dirty, set()
        data = self.feed.market_data()
        self._built_for = market_hours.last_session_date(data.now)
        # A headless feed builds nothing: it has no builders.
        for pane in (pane for pane in Pane if pane in panes and pane in self._builders):
            try:
                view = await asyncio.to_thread(self._builders[pane], data, self.settings)
            except Exception as error:  # one broken pane must not stop the others updating
                log.exception("the %s pane could not be built", pane.value)
                self._failed_panes.add(pane)
                self._report(PaneFailed(pane, f"{type(error).__name__}: {error}"))
                continue
            self._failed_panes.discard(pane)
            if self.stream is not None:
                self.stream.watch(pane.value, _symbols_shown(view))
            self._report(PaneBuilt(pane, view))

    async def build(self, panes: Iterable[Pane], data: MarketData) -> dict[Pane, PaneView]:
        """The views of ``panes`` from ``data``, built in a thread (for a one-round snapshot)."""

        def build_all() -> dict[Pane, PaneView]:
            return {pane: self._builders[pane](data, self.settings) for pane in panes}

        return await asyncio.to_thread(build_all)

    # -- status ------------------------------------------------------------------------------

    def status(self, note: str | None = None) -> StatusView:
        """The status bar's view now: each dataset's age and last poll, each source's health,
        where the figures stand against the market calendar, the note."""
        now = self.clock()
        market_now = self.source.now()
        through, behind = data_through(self.source, now)
        health = source_health(self.health, self.source)
        if isinstance(self.source, PushingSource):  # the link to the feed is a source too
            link, link_note = self.source.connection(now)
            health = (*health, link)
            note = note or link_note
        return StatusView(
            source_label=self.source.label,
            is_demo=self.source.is_demo,
            session=market_hours.session_at(market_now).value,
            market_time=market_now,
            wall_time=now,
            datasets=tuple(
                dataset_freshness(
                    job_spec,
                    now,
                    market_now,
                    store=self.store,
                    health=self.health,
                    cadence_s=self.cadence_s,
                    market_fetched=self._market_fetched,
                )
                for job_spec in JOBS
            ),
            health=health,
            note=note,
            unreachable=self.unreachable(),
            data_through=through,
            sessions_behind=behind,
            budget_waiting=budget_waiting(self.source),
            stream=self.stream.view() if self.stream is not None else None,
        )

    def unreachable(self) -> Literal["cached", "empty"] | None:
        """Whether no price could be fetched since start: "cached" while the disk copy shows,
        "empty" with nothing to show, None once a price came (tui.scheduler_status)."""
        return unreachable(self.health, self.store)


def _symbols_shown(view: PaneView) -> list[str]:
    """The symbols a pane's rows price (a basket's row and the correlation lines price none)."""
    match view:
        case IndicesView():
            return [row.symbol for row in view.rows if row.kind != "basket"]
        case SectorsView() | ShortsView():
            return [row.symbol for row in view.rows]
        case WatchlistView():
            return [row.symbol for listed in view.lists for row in listed.rows]
        case _:
            return []
