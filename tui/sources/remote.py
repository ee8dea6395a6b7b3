"""A desk's feed as a source (``source = "remote"``): what `tapewatch feed` publishes to NATS
JetStream, followed instead of polled. No textual import.

The scheduler does not poll this source (it is a `tui.scheduler.PushingSource`): `follow` hands
it each dataset's latest frame as the feed publishes it — at once on start and after every
reconnection, then as each changes — with the feed's own fetch time, the health of the source
that answered it and the feed's cadence, so ages, stale marks and health read exactly as they
would on the feed. Nothing here talks to Yahoo, FINRA or the SEC.

With each quotes frame, the quotes of the symbols this monitor's own config prices and the feed
does not (a watchlist, alert rules) are asked of the feed and kept beside the published ones.

The Source calls (`quotes`, `bars`, …) serve what the rest of the monitor asks for beyond the
dashboard — a drill-down, a sector ETF's members: from the published frames
when they hold the symbols as deep as asked, else from the feed over NATS request/reply
(`FrameWatcher.request_symbols`). Calls made together (a drill-down asks for six datasets at
once) go as one request per set of symbols, at most MAX_SYMBOLS symbols each: the feed allows
each monitor a few requests at a time (see tui.desk.service).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

from tui.clock import NEW_YORK, utc_now
from tui.config import ANY_SYMBOL, Settings
from tui.desk.frames import FeedContext, FrameRejected, FrameUpdate
from tui.desk.link import Backoff, LinkState, LinkStatus
from tui.desk.options import DEFAULT_BUCKET, NatsOptions, options_from_settings
from tui.desk.service import MAX_SYMBOLS, DeskRequestError, RequestRefused
from tui.desk.watcher import FrameWatcher
from tui.jobs import JobName, spec
from tui.models import HealthState, SourceHealth
from tui.sources import universe
from tui.sources.base import (
    BarInterval,
    Failed,
    FailureKind,
    Fetched,
    FetchOutcome,
    SourceRole,
    SymbolInfo,
)
from tui.store import JOB_SCHEMAS, Stored

if TYPE_CHECKING:
    from tui.scheduler import Scheduler

log = logging.getLogger("tapewatch.remote")

LINK = "nats"  # the connection's name in the status bar's health
FEED = "feed"  # the feed's name there, once it has gone quiet
# The feed republishes a dataset after every poll: quiet for this many of its quickest cadence,
# with the link up, it has stopped (killed, hung, or lost its own server connection).
SILENT_AFTER_CADENCES = 2
LABEL = "DESK"  # the status bar's label, before the feed has said what it publishes
# Calls made within this long of each other go to the feed as one request.
BATCH_WINDOW_S = 0.02
REQUEST_TIMEOUT_S = 20.0

_KIND_OF_STATE: dict[HealthState, FailureKind] = {
    "rate_limited": FailureKind.RATE_LIMITED,
    "offline": FailureKind.OFFLINE,
    "unavailable": FailureKind.NOT_AVAILABLE,
    "retrying": FailureKind.HTTP,
    "ok": FailureKind.HTTP,
}


def link_note(status: LinkStatus) -> str | None:
    """What the status bar adds while the link is not up (its health says "nats retrying in
    4s"): why, in plain words."""
    because = f" ({status.detail})" if status.detail else ""
    match status.state:
        case LinkState.CONNECTED:
            return None
        case LinkState.CONNECTING:
            return f"nats connecting to {status.server}"
        case LinkState.WAITING:
            return f"nats: {status.detail}"
        case LinkState.RECONNECTING:
            return f"nats reconnecting{because}"
        case LinkState.DISCONNECTED:
            return f"nats disconnected{because}"


def outcome_of(update: FrameUpdate) -> FetchOutcome:
    """A frame the feed sent in answer to a request: an empty one with a health that is not ok
    is the feed's failure to fetch it."""
    health = update.health
    if health.state != "ok" and update.frame.is_empty():
        kind = _KIND_OF_STATE[health.state]
        message = health.detail or f"the feed's {health.name} is {health.state}"
        return Failed(health.name, kind, message, retry_at=health.until)
    return Fetched(update.frame, update.as_of, dict(update.meta.problems))


def combine_outcomes(outcomes: Sequence[FetchOutcome]) -> FetchOutcome:
    """Several answers for one dataset (held rows, and requests of at most MAX_SYMBOLS each) as
    one: the frames together, the failures named per symbol; Failed only when nothing came."""
    fetched = [outcome for outcome in outcomes if isinstance(outcome, Fetched)]
    if not fetched:
        return outcomes[0]
    problems: dict[str, str] = {}
    for outcome in fetched:
        problems.update(outcome.problems)
    frames = [outcome.frame for outcome in fetched]
    frame = frames[0] if len(frames) == 1 else pl.concat(frames, how="vertical")
    return Fetched(frame, max(outcome.as_of for outcome in fetched), problems)


@dataclass(slots=True)
class _Ask:
    """One call waiting to go to the feed."""

    job: JobName
    symbols: tuple[str, ...]
    answer: asyncio.Future[FetchOutcome]


@dataclass
class FeedSilence:
    """When the feed last published each dataset, on this monitor's wall clock, and how often
    it polls it: says when the feed has gone quiet while the NATS link itself is up."""

    heard: dict[JobName, tuple[dt.datetime, float | None]] = field(default_factory=dict)

    def note(self, job: JobName, at: dt.datetime, cadence_s: float | None) -> None:
        self.heard[job] = (at, cadence_s)

    def silent_since(self, now: dt.datetime) -> dt.datetime | None:
        """The last time the feed published anything, once nothing has come for
        SILENT_AFTER_CADENCES of its quickest dataset's cadence; None while it keeps up (or
        before its first frame, or when it has said no cadence)."""
        cadences = [cadence for _, cadence in self.heard.values() if cadence]
        if not cadences:
            return None
        last = max(at for at, _ in self.heard.values())
        quiet_s = (now - last).total_seconds()
        return last if quiet_s > SILENT_AFTER_CADENCES * min(cadences) else None


class RemoteSource:
    """What a desk's feed publishes, as a Source the scheduler follows."""

    name = "remote"

    def __init__(
        self,
        settings: Settings,
        *,
        options: NatsOptions | None = None,
        bucket: str = DEFAULT_BUCKET,
        clock: Callable[[], dt.datetime] = utc_now,
        backoff: Backoff | None = None,
        client_name: str = "tapewatch monitor",
    ) -> None:
        self.settings = settings
        self.options = options or options_from_settings(settings.sources.remote, name=client_name)
        self.bucket = bucket
        self.label = LABEL
        self.is_demo = False
        self._clock = clock
        self._backoff = backoff
        self._client_name = client_name
        self._watcher: FrameWatcher | None = None
        self._link = LinkStatus(LinkState.CONNECTING, self.options.display_url)
        self._held: dict[JobName, Stored] = {}
        self._sources: dict[JobName, str] = {}  # the feed's source that answers each job
        self._market: tuple[FeedContext, dt.datetime] | None = None  # newest, its publish time
        self._silence = FeedSilence()
        self._depth: Callable[[JobName], int] = lambda job: 1
        self._asks: list[_Ask] = []
        self._flush: asyncio.Task[None] | None = None
        self._known: tuple[int, tuple[str, ...]] | None = None

    # -- following the feed ----------------------------------------------------------------

    async def follow(self, scheduler: Scheduler) -> None:
        """Hand every frame the feed publishes to the scheduler, until cancelled; the link
        reconnects with back-off by itself."""
        self._depth = scheduler.feed.depth  # how deep the feed's own polls ask
        watcher = FrameWatcher(
            self.options,
            schemas={job.value: schema for job, schema in JOB_SCHEMAS.items()},
            bucket=self.bucket,
            on_status=self._on_link,
            on_rejected=self._on_rejected,
            backoff=self._backoff,
        )
        self._watcher = watcher
        try:
            async for update in watcher:
                await self._take(scheduler, update)
        finally:
            self._watcher = None
            await watcher.aclose()

    async def _take(self, scheduler: Scheduler, update: FrameUpdate) -> bool:
        """Hand one frame to the scheduler; True when it changed what the monitor shows."""
        try:
            job = JobName(update.job)
        except ValueError:
            return False  # a dataset of a newer feed: the watcher's schemas let none through
        meta = update.meta
        stored = Stored(update.frame, meta.as_of, meta.fetched_at, dict(meta.problems))
        self._held[job] = stored
        if job is JobName.QUOTES:
            stored = await self._with_own_symbols(stored)
        self._sources[job] = meta.source
        self._silence.note(job, self._clock(), meta.feed.cadence_s)
        self._note_feed(meta.feed, meta.published_at)
        # On the feed's market clock, when it fetched this frame (it published it just after).
        fetched_before_s = (meta.published_at - meta.fetched_at).total_seconds()
        return await scheduler.accept_published(
            job,
            stored,
            meta.health,
            cadence_s=meta.feed.cadence_s,
            market_fetched_at=meta.feed.market_now(-fetched_before_s),
        )

    def own_symbols(self) -> list[str]:
        """The symbols this monitor's own config asks to be priced whatever the panes show: its
        watchlist and the symbols its alert rules name (the feed prices those of its own)."""
        settings = self.settings
        watch = settings.shorted.watchlist if settings.shorted.universe == "watchlist" else ()
        alerted = [rule.symbol for rule in settings.alerts if rule.symbol not in ("", ANY_SYMBOL)]
        return list(dict.fromkeys([*watch, *alerted]))

    async def _with_own_symbols(self, published: Stored) -> Stored:
        """The published quotes, plus those of `own_symbols` the feed does not price, asked of
        the feed with each quotes frame (at most MAX_SYMBOLS of them)."""
        have = set(published.frame.get_column("symbol").to_list())
        missing = [symbol for symbol in self.own_symbols() if symbol not in have][:MAX_SYMBOLS]
        if not missing:
            return published
        asked = await self._request(JobName.QUOTES, missing)
        problems = dict(published.problems)
        if isinstance(asked, Failed):
            problems.update(dict.fromkeys(missing, asked.message))
            return Stored(published.frame, published.as_of, published.fetched_at, problems)
        problems.update(asked.problems)
        frame = pl.concat([published.frame, asked.frame], how="vertical")
        return Stored(frame, published.as_of, published.fetched_at, problems)

    def _note_feed(self, feed: FeedContext, published_at: dt.datetime) -> None:
        """The feed's label and market clock, from its newest frame."""
        if self._market is None or published_at >= self._market[1]:
            self._market = (feed, published_at)
        if feed.label:
            self.label = f"{LABEL} {feed.label}"
            # A feed publishing the demo market (or a replay of it) says so on every monitor.
            self.is_demo = "DEMO" in feed.label.split()

    def _on_link(self, status: LinkStatus) -> None:
        self._link = status

    def _on_rejected(self, rejected: FrameRejected) -> None:
        log.warning("a frame from the feed was not used: %s", rejected)

    def connection(self, now: dt.datetime) -> tuple[SourceHealth, str | None]:
        """The link to the feed, for the status bar: "nats ok", "nats retrying in 4s", and
        while it is down why ("nats reconnecting (connection refused)"); with the link up but
        the feed quiet for too long, "feed offline" and since when."""
        if self._link.state is LinkState.CONNECTED:
            since = self._silence.silent_since(now)
            if since is not None:
                when = f"{since.astimezone(NEW_YORK):%H:%M:%S} ET"
                why = f"the feed has published nothing since {when}: is `tapewatch feed` running?"
                return SourceHealth(FEED, "offline", detail=why), why
        return self._link.source_health(LINK), link_note(self._link)

    # -- the Source protocol ---------------------------------------------------------------

    def source_for(self, role: SourceRole) -> str:
        """The feed's source that plays ``role``, as its frames name it."""
        for job, source in self._sources.items():
            if spec(job).role is role:
                return source
        return LINK

    def now(self) -> dt.datetime:
        """The feed's market clock (the demo market's runs faster than the wall clock, a replay
        stands still); the wall clock until the feed has said."""
        wall = self._clock()
        if self._market is None:
            return wall
        feed, published_at = self._market
        market = feed.market_now((wall - published_at).total_seconds())
        return market if market is not None else wall

    def describe(self, symbol: str) -> SymbolInfo | None:
        """Names and sectors from the embedded universe (the feed sends prices, not names)."""
        return universe.SYMBOLS.get(symbol)

    def known_symbols(self) -> Sequence[str]:
        """The embedded universe and every symbol the feed prices or lists short interest of."""
        frames = [
            stored.frame
            for job in (JobName.QUOTES, JobName.SHORT_INTEREST)
            if (stored := self._held.get(job)) is not None
        ]
        version = hash(tuple(id(frame) for frame in frames))
        if self._known is None or self._known[0] != version:
            symbols = set(universe.SYMBOLS)
            for frame in frames:
                symbols.update(frame.get_column("symbol").to_list())
            self._known = (version, tuple(sorted(symbols)))
        return self._known[1]

    async def quotes(self, symbols: Sequence[str]) -> FetchOutcome:
        return await self._answer(JobName.QUOTES, symbols, 1)

    async def bars(self, symbols: Sequence[str], interval: BarInterval, days: int) -> FetchOutcome:
        # Intraday bars come in the feed's interval (its [sources.yahoo] intraday_interval).
        job = JobName.DAILY if interval == "1d" else JobName.INTRADAY
        return await self._answer(job, symbols, days)

    async def short_interest(
        self, symbols: Sequence[str] | None, settlements: int = 1
    ) -> FetchOutcome:
        return await self._answer(JobName.SHORT_INTEREST, symbols, settlements)

    async def short_volume(self, symbols: Sequence[str] | None, days: int) -> FetchOutcome:
        return await self._answer(JobName.SHORT_VOLUME, symbols, days)

    async def shares(self, symbols: Sequence[str]) -> FetchOutcome:
        return await self._answer(JobName.SHARES, symbols, 1)

    async def aclose(self) -> None:
        if self._flush is not None:
            self._flush.cancel()
        for ask in self._asks:
            ask.answer.cancel()
        self._asks.clear()
        if self._watcher is not None:
            await self._watcher.aclose()

    # -- answering -------------------------------------------------------------------------

    async def _answer(
        self, job: JobName, symbols: Sequence[str] | None, depth: int
    ) -> FetchOutcome:
        """From the published frame where it holds the symbols as deep as asked; the rest from
        the feed."""
        held = self._held.get(job)
        covers = held is not None and depth <= self._depth(job)
        if symbols is None:  # the whole market: what the feed publishes is all there is
            if held is not None:
                return Fetched(held.frame, held.as_of, dict(held.problems))
            return Failed(LINK, FailureKind.OFFLINE, self._nothing_yet(job))
        wanted = list(dict.fromkeys(symbols))
        present: set[str] = set()
        if covers and held is not None:
            present = set(held.frame.get_column("symbol").unique().to_list()) & set(wanted)
        missing = [symbol for symbol in wanted if symbol not in present]
        if not present or held is None:
            return await self._request(job, missing)
        frame = held.frame.filter(pl.col("symbol").is_in(list(present)))
        problems = {symbol: why for symbol, why in held.problems.items() if symbol in present}
        from_held = Fetched(frame, held.as_of, problems)
        if not missing:
            return from_held
        asked = await self._request(job, missing)
        if isinstance(asked, Failed):  # the held rows stand; the others say why they are not
            problems.update(dict.fromkeys(missing, asked.message))
            return Fetched(frame, held.as_of, problems)
        return combine_outcomes([from_held, asked])

    def _nothing_yet(self, job: JobName) -> str:
        why = link_note(self._link)
        return why or f"the feed has published no {spec(job).label} data yet"

    async def _request(self, job: JobName, symbols: Sequence[str]) -> FetchOutcome:
        """Queue a call for the feed; calls made together go as one request."""
        answer: asyncio.Future[FetchOutcome] = asyncio.get_running_loop().create_future()
        self._asks.append(_Ask(job, tuple(symbols), answer))
        if self._flush is None:
            self._flush = asyncio.create_task(self._send_soon(), name="remote requests")
        return await answer

    async def _send_soon(self) -> None:
        await asyncio.sleep(BATCH_WINDOW_S)
        asks, self._asks, self._flush = self._asks, [], None
        by_symbols: dict[tuple[str, ...], list[_Ask]] = defaultdict(list)
        for ask in asks:
            by_symbols[tuple(sorted(ask.symbols))].append(ask)
        await asyncio.gather(*(self._send(symbols, group) for symbols, group in by_symbols.items()))

    async def _send(self, symbols: tuple[str, ...], asks: list[_Ask]) -> None:
        jobs = sorted({ask.job for ask in asks})
        answers: dict[JobName, list[FetchOutcome]] = defaultdict(list)
        for start in range(0, len(symbols), MAX_SYMBOLS):
            chunk = symbols[start : start + MAX_SYMBOLS]
            for job, outcome in (await self._ask_feed(chunk, jobs)).items():
                answers[job].append(outcome)
        for ask in asks:
            if not ask.answer.done():
                found = answers.get(ask.job)
                ask.answer.set_result(
                    combine_outcomes(found)
                    if found
                    else Failed(LINK, FailureKind.PARSE, f"the feed sent no {ask.job} frame")
                )

    async def _ask_feed(
        self, symbols: Sequence[str], jobs: Iterable[JobName]
    ) -> dict[JobName, FetchOutcome]:
        """One request: each job's answer for ``symbols``, or the request's failure for all."""
        jobs = list(jobs)
        watcher = self._watcher
        try:
            if watcher is None:
                raise DeskRequestError(self._nothing_yet(jobs[0]))
            updates = await watcher.request_symbols(
                symbols,
                jobs=[job.value for job in jobs],
                timeout_s=REQUEST_TIMEOUT_S,
                client_name=self._client_name,
            )
        except RequestRefused as refused:
            retry_at = None
            if refused.retry_after_s is not None:
                retry_at = self._clock() + dt.timedelta(seconds=refused.retry_after_s)
            failure = Failed(LINK, FailureKind.RATE_LIMITED, f"the feed: {refused}", retry_at)
            return dict.fromkeys(jobs, failure)
        except DeskRequestError as error:
            return dict.fromkeys(jobs, Failed(LINK, FailureKind.OFFLINE, str(error)))
        except FrameRejected as rejected:
            return dict.fromkeys(jobs, Failed(LINK, FailureKind.PARSE, str(rejected)))
        answers: dict[JobName, FetchOutcome] = {}
        for update in updates:
            try:
                answers[JobName(update.job)] = outcome_of(update)
            except ValueError:
                continue
        return answers
