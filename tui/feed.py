"""The feed: which data to fetch, when, and what to rebuild when it arrives. No textual import.

The dashboard screen runs one async worker per job (`Feed.jobs`), each looping refresh -> rebuild
the panes that depend on it -> sleep. `tapewatch snapshot` runs every job once and builds the same
views, so the dashboard and the headless snapshot share one path.

Frames are immutable polars frames replaced wholesale, so the views can be built in a thread from a
`MarketData` snapshot while the event loop goes on polling.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from tui import market_hours
from tui.analytics import views
from tui.analytics.builders import BUILDERS
from tui.analytics.market import MarketData, empty_market_data
from tui.cache import Cache
from tui.clock import utc_now
from tui.config import Settings
from tui.models import (
    ChartRange,
    DatasetFreshness,
    Pane,
    PaneView,
    SourceHealth,
    StatusView,
    TickerView,
)
from tui.sources.base import (
    BARS_SCHEMA,
    QUOTES_SCHEMA,
    SHARES_SCHEMA,
    SHORT_INTEREST_SCHEMA,
    SHORT_VOLUME_SCHEMA,
    Failed,
    FailureKind,
    Fetched,
    Source,
    SymbolInfo,
    answering_source,
)

log = logging.getLogger("tapewatch.feed")


@dataclass(frozen=True, slots=True)
class Job:
    """One dataset poll: what it is called, how often it runs, which panes it feeds."""

    name: str  # also the MarketData field it fills
    label: str  # shown in the status bar
    cadence_s: float
    panes: frozenset[Pane]


@dataclass(frozen=True, slots=True)
class Stored:
    """The latest good result of a job."""

    frame: pl.DataFrame
    as_of: dt.datetime
    fetched_at: dt.datetime  # wall clock
    problems: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class JobResult:
    """What one refresh did: `changed` is True when new data replaced the old."""

    job: Job
    changed: bool
    failure: Failed | None = None
    retry_in_s: float | None = None  # when the job should run again after a failure


# Jobs whose frames hold prices: merged per symbol, and the only ones whose per-symbol problems
# ("not found", "delisted") mark rows — a symbol the SEC does not know still has prices.
PRICE_JOBS = frozenset({"quotes", "intraday", "daily"})

# When several jobs of one source disagree, the status bar shows the worst.
HEALTH_SEVERITY = ("rate_limited", "offline", "retrying", "unavailable", "ok")

JOB_SCHEMAS: dict[str, pl.Schema] = {
    "quotes": QUOTES_SCHEMA,
    "intraday": BARS_SCHEMA,
    "daily": BARS_SCHEMA,
    "short_interest": SHORT_INTEREST_SCHEMA,
    "short_volume": SHORT_VOLUME_SCHEMA,
    "shares": SHARES_SCHEMA,
}


def make_jobs(settings: Settings) -> tuple[Job, ...]:
    cadence = settings.refresh
    return (
        Job(
            "quotes", "quotes", cadence.quotes, frozenset({Pane.INDICES, Pane.SECTORS, Pane.SHORTS})
        ),
        Job("intraday", "intraday", cadence.intraday, frozenset({Pane.INDICES})),
        Job(
            "daily",
            "daily",
            cadence.daily,
            frozenset({Pane.INDICES, Pane.SECTORS, Pane.CORRELATIONS}),
        ),
        Job("short_interest", "SI", cadence.short_interest, frozenset({Pane.SHORTS})),
        Job("short_volume", "SV", cadence.short_volume, frozenset({Pane.SHORTS})),
        Job("shares", "shares", cadence.shares, frozenset({Pane.SHORTS})),
    )


def merge_by_symbol(old: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
    """Replace the old rows of every symbol present in `new`; keep the others.

    A poll that could not fetch some symbols must not blank them: they keep their last data.
    """
    if old.is_empty():
        return new
    if new.is_empty():
        return old
    kept = old.filter(~pl.col("symbol").is_in(new.get_column("symbol").unique().implode()))
    return pl.concat([kept, new], how="vertical")


class Feed:
    """Latest frames per job, the symbols each job needs, and the health of each source."""

    def __init__(
        self,
        settings: Settings,
        source: Source,
        *,
        clock: Callable[[], dt.datetime] = utc_now,
        cache: Cache | None = None,
    ) -> None:
        self.settings = settings
        self.source = source
        self.clock = clock
        self.cache = cache  # the last good frame of every job, so a restart paints at once
        self.jobs = make_jobs(settings)
        self._stored: dict[str, Stored] = {}
        self._failures: dict[str, int] = {}
        self._job_health: dict[str, SourceHealth] = {}
        self._from_cache: set[str] = set()  # jobs showing cached data not yet refreshed
        self._priced_since_start = False  # a price job has reached its source since start

    # -- what to fetch ---------------------------------------------------------------------

    def job(self, name: str) -> Job:
        return next(job for job in self.jobs if job.name == name)

    def _core_symbols(self) -> list[str]:
        """Indices, sector ETFs, the benchmark and every basket member and benchmark."""
        settings = self.settings
        symbols = [spec.symbol for spec in settings.indices]
        symbols.append(settings.benchmark)
        symbols += [sector.symbol for sector in settings.sectors]
        for basket in settings.baskets:
            symbols += basket.symbols
            if basket.benchmark:
                symbols.append(basket.benchmark)
        return list(dict.fromkeys(symbols))

    def _short_symbols(self) -> list[str] | None:
        shorted = self.settings.shorted
        if shorted.universe == "watchlist":
            return list(shorted.watchlist)
        return None

    def symbols_for(self, job: Job) -> list[str]:
        """The symbols a price job asks for this time."""
        if job.name == "quotes":
            candidates = views.short_candidates(
                self.market_data(), self.settings, 2 * self.settings.shorted.rows
            )
            watch = self._short_symbols() or []
            return list(dict.fromkeys([*self._core_symbols(), *watch, *candidates]))
        if job.name == "intraday":
            symbols = [spec.symbol for spec in self.settings.indices]
            for basket in self.settings.baskets:
                symbols += basket.symbols
            return list(dict.fromkeys(symbols))
        return self._core_symbols()

    def daily_sessions(self) -> int:
        """Daily bars needed: a year of correlation history plus its window, and some slack."""
        correlation = self.settings.correlation
        return correlation.history + correlation.window + 5

    async def _fetch(self, job: Job) -> Fetched | Failed:
        source = self.source
        match job.name:
            case "quotes":
                return await source.quotes(self.symbols_for(job))
            case "intraday":
                interval = self.settings.sources.yahoo.intraday_interval
                return await source.bars(self.symbols_for(job), interval, 1)
            case "daily":
                return await source.bars(self.symbols_for(job), "1d", self.daily_sessions())
            case "short_interest":
                return await source.short_interest(self._short_symbols(), 1)
            case "short_volume":
                return await source.short_volume(self._short_symbols(), 21)
            case "shares":
                symbols = self._short_symbols()
                if symbols is None:
                    stored = self._stored.get("short_interest")
                    symbols = (
                        stored.frame.get_column("symbol").unique().sort().to_list()
                        if stored is not None
                        else []
                    )
                return await source.shares(symbols)
        raise ValueError(f"unknown job {job.name}")

    # -- refreshing ------------------------------------------------------------------------

    async def refresh(self, job: Job) -> JobResult:
        """Fetch one job's data; on success store it, on failure keep what was there."""
        try:
            outcome = await self._fetch(job)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a source bug must not take the dashboard down
            log.exception("%s: unexpected error from %s", job.name, self.source.name)
            message = f"internal error: {error}"
            outcome = Failed(self._source_name(job), FailureKind.PARSE, message)
        if isinstance(outcome, Failed):
            return self._record_failure(job, outcome)
        self._failures[job.name] = 0
        self._priced_since_start |= job.name in PRICE_JOBS
        self._from_cache.discard(job.name)
        self._job_health[job.name] = SourceHealth(self._source_name(job), "ok")
        previous = self._stored.get(job.name)
        frame = outcome.frame
        if previous is not None and job.name in PRICE_JOBS:
            frame = merge_by_symbol(previous.frame, frame)
        changed = previous is None or not previous.frame.equals(frame)
        # A problem only stands for a symbol with nothing to show: one that missed this poll
        # but kept its last rows shows those (its pane turns stale), not the problem.
        problems = dict(previous.problems) if previous is not None else {}
        problems.update(outcome.problems)
        shown = set(frame.get_column("symbol").unique().to_list())
        problems = {symbol: why for symbol, why in problems.items() if symbol not in shown}
        stored = Stored(frame, outcome.as_of, self.clock(), problems)
        self._stored[job.name] = stored
        if self.cache is not None:
            # Only good data is written, so a failed poll never damages the cached copy.
            await asyncio.to_thread(self._save, job.name, stored)
        return JobResult(job, changed)

    # -- the on-disk copy ------------------------------------------------------------------

    def _cache_key(self, job_name: str) -> str:
        return f"snapshot/{self.source.name}/{job_name}"

    def _save(self, job_name: str, stored: Stored) -> None:
        assert self.cache is not None
        key = self._cache_key(job_name)
        meta = {
            "as_of": stored.as_of.isoformat(),
            "fetched_at": stored.fetched_at.isoformat(),
            "problems": dict(stored.problems),
        }
        self.cache.write_frame(key, stored.frame)
        self.cache.write_bytes(key, json.dumps(meta).encode())

    def load_cached(self) -> list[Job]:
        """Restore every job's last good frame from disk (blocking: call it in a thread).

        Restored data keeps its original fetch time, so the status bar shows its true age and
        marks it stale until a poll replaces it.
        """
        if self.cache is None:
            return []
        restored = []
        for job in self.jobs:
            key = self._cache_key(job.name)
            frame = self.cache.read_frame(key, JOB_SCHEMAS[job.name])
            raw = self.cache.read_bytes(key)
            if frame is None or raw is None or job.name in self._stored:
                continue
            try:
                meta = json.loads(raw)
                as_of = dt.datetime.fromisoformat(meta["as_of"])
                fetched_at = dt.datetime.fromisoformat(meta["fetched_at"])
                if as_of.tzinfo is None or fetched_at.tzinfo is None:
                    raise ValueError("times without a time zone")
                problems = {str(k): str(v) for k, v in meta["problems"].items()}
                stored = Stored(frame, as_of, fetched_at, problems)
            except (ValueError, KeyError, TypeError, AttributeError):
                log.warning("discarding unreadable cache metadata for %s", key)
                continue
            self._stored[job.name] = stored
            self._from_cache.add(job.name)
            restored.append(job)
        return restored

    def _source_name(self, job: Job) -> str:
        return answering_source(self.source, job.name)

    def _record_failure(self, job: Job, failure: Failed) -> JobResult:
        count = self._failures.get(job.name, 0) + 1
        self._failures[job.name] = count
        now = self.clock()
        if failure.retry_at is not None:
            retry_in = max(1.0, (failure.retry_at - now).total_seconds())
        else:
            # Back off: 5 s, 10 s, 20 s ... never longer than the job's own cadence.
            retry_in = min(job.cadence_s, 5.0 * 2 ** (count - 1))
        retry_at = now + dt.timedelta(seconds=retry_in)
        state: str
        if failure.kind is FailureKind.RATE_LIMITED:
            state = "rate_limited"
        elif failure.kind is FailureKind.NOT_AVAILABLE:
            state = "unavailable"
        elif failure.kind in (FailureKind.OFFLINE, FailureKind.TIMEOUT) and count >= 2:
            state = "offline"
        else:
            state = "retrying"
        self._job_health[job.name] = SourceHealth(
            failure.source,
            state,  # type: ignore[arg-type]
            retry_at,
            failure.message,
        )
        log.warning("%s failed (%s): %s", job.name, failure.kind.value, failure.message)
        return JobResult(job, False, failure, retry_in)

    def health(self) -> tuple[SourceHealth, ...]:
        """Each source's health: the worst state among the jobs it serves."""
        worst: dict[str, SourceHealth] = {}
        for health in self._job_health.values():
            current = worst.get(health.name)
            rank = HEALTH_SEVERITY.index(health.state)
            if current is None or rank < HEALTH_SEVERITY.index(current.state):
                worst[health.name] = health
        return tuple(worst.values())

    async def refresh_all(self) -> list[JobResult]:
        """Run every job once, in dependency order (shares and quotes need short interest)."""
        order = ("short_interest", "short_volume", "shares", "daily", "intraday", "quotes")
        return [await self.refresh(self.job(name)) for name in order]

    # -- building views --------------------------------------------------------------------

    def market_data(self) -> MarketData:
        """A consistent snapshot of the latest frames, safe to hand to a thread."""
        frames = {name: stored.frame for name, stored in self._stored.items()}
        problems: dict[str, str] = {}
        for name, stored in self._stored.items():
            if name in PRICE_JOBS:
                problems.update(stored.problems)
        data = empty_market_data(self.source.now())
        return data.replace(**frames, info=_InfoLookup(self.source), problems=problems)

    def build(self, panes: Iterable[Pane], data: MarketData) -> dict[Pane, PaneView]:
        """Compute the views of `panes` (CPU work: call it in a thread)."""
        return {pane: BUILDERS[pane](data, self.settings) for pane in panes}

    def has_data(self, job_name: str) -> bool:
        return job_name in self._stored

    # -- status ----------------------------------------------------------------------------

    def unreachable_note(self) -> str | None:
        """What to tell the user while no price could be fetched since start.

        Prices decide it: the short-interest and share-count sources answer from their own
        on-disk copies of immutable files, so they succeed offline."""
        price_failures = any(self._failures.get(name) for name in PRICE_JOBS)
        if self._priced_since_start or not price_failures:
            return None
        if self._from_cache:
            return "sources unreachable: showing cached data · d: demo market"
        return "sources unreachable: no data yet · d: demo market"

    def status(self, note: str | None = None) -> StatusView:
        now = self.clock()
        freshness = []
        for job in self.jobs:
            stored = self._stored.get(job.name)
            if stored is None:
                freshness.append(DatasetFreshness(job.label, None, False))
                continue
            age = max(0.0, (now - stored.fetched_at).total_seconds())
            freshness.append(DatasetFreshness(job.label, age, age > 2 * job.cadence_s))
        market_now = self.source.now()
        label = str(
            getattr(self.source, "label", None)
            or ("DEMO" if self.source.is_demo else self.source.name.upper())
        )
        if self.source.is_demo and "DEMO" not in label:
            label = f"DEMO {label}"  # a replay of the demo market says both
        return StatusView(
            source_label=label,
            is_demo=self.source.is_demo,
            session=market_hours.session_at(market_now).value,
            market_time=market_now,
            wall_time=now,
            datasets=tuple(freshness),
            health=self.health(),
            note=note or self.unreachable_note(),
        )

    # -- drill-down ------------------------------------------------------------------------

    async def fetch_ticker(self, symbol: str) -> MarketData | Failed:
        """Everything the drill-down needs for one symbol, merged over the dashboard's frames."""
        peers = self._peers(symbol)
        source = self.source
        interval = self.settings.sources.yahoo.intraday_interval
        try:
            results = await asyncio.gather(
                source.quotes([symbol]),
                source.bars([symbol], interval, 5),
                source.bars([symbol, *peers], "1d", self.daily_sessions()),
                source.short_interest([symbol], 24),
                source.short_volume([symbol], 60),
                source.shares([symbol]),
            )
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a source bug: say so on the screen, do not hang it
            log.exception("drill-down of %s: unexpected error from %s", symbol, source.name)
            return Failed(source.name, FailureKind.PARSE, f"internal error: {error}")
        quotes, intraday, daily, short_interest, short_volume, shares = results
        if isinstance(quotes, Failed) and isinstance(daily, Failed):
            return quotes
        base = self.market_data()

        def pick(result: Fetched | Failed, fallback: pl.DataFrame) -> pl.DataFrame:
            if isinstance(result, Failed):
                return fallback
            return merge_by_symbol(fallback, result.frame)

        problems = dict(base.problems)
        for result in (quotes, intraday, daily):  # as in market_data: price problems only
            if isinstance(result, Fetched):
                problems.update(result.problems)
        return base.replace(
            quotes=pick(quotes, base.quotes),
            intraday=pick(intraday, base.intraday.filter(pl.col("symbol") == symbol)),
            daily=pick(daily, base.daily),
            short_interest=pick(short_interest, base.short_interest),
            short_volume=pick(short_volume, base.short_volume),
            shares=pick(shares, base.shares),
            problems=problems,
        )

    def _peers(self, symbol: str) -> list[str]:
        for basket in self.settings.baskets:
            if symbol in basket.symbols:
                return [member for member in basket.symbols if member != symbol]
        info = self.source.describe(symbol)
        if info is not None and info.sector is not None:
            for sector in self.settings.sectors:
                if sector.name == info.sector:
                    return [sector.symbol]
        return []

    def build_ticker(self, data: MarketData, symbol: str, chart_range: ChartRange) -> TickerView:
        """The drill-down view (CPU work: call it in a thread)."""
        return views.build_ticker(data, symbol, chart_range, self.settings)

    def known_symbols(self) -> Sequence[str]:
        return self.source.known_symbols()

    async def aclose(self) -> None:
        await self.source.aclose()


class _InfoLookup(Mapping[str, SymbolInfo]):
    """`MarketData.info` backed by the source's `describe`, so any symbol it knows has a name."""

    def __init__(self, source: Source) -> None:
        self._source = source

    def __getitem__(self, symbol: str) -> SymbolInfo:
        info = self._source.describe(symbol)
        if info is None:
            raise KeyError(symbol)
        return info

    def __iter__(self) -> Iterator[str]:
        return iter(self._source.known_symbols())

    def __len__(self) -> int:
        return len(self._source.known_symbols())
