"""The store: the latest good frame of every job, the MarketData snapshot built from them, and
their copy on disk. No textual.

Frames are immutable polars frames replaced wholesale, so a snapshot (`market_data`) can be
handed to a thread while the event loop goes on storing. The store is written from one place —
the scheduler's polls on the event loop — and so needs no lock; a streaming source would push
its frames through `put` the same way. The disk copy is read and written by blocking calls
(`read_disk`, `save`): run them in a thread.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import polars as pl

from tui.analytics.market import MarketData, empty_market_data
from tui.cache import Cache
from tui.jobs import JOBS, JobName, spec
from tui.plain import plain
from tui.sources.base import SCHEMAS, Fetched, SymbolInfo, key_column

log = logging.getLogger("tapewatch.store")

# The schema of each job's frame: what the disk copy is read back as, and what a frame received
# for a job (a desk's feed) must have.
JOB_SCHEMAS: Mapping[JobName, pl.Schema] = {
    job_spec.name: SCHEMAS[job_spec.dataset] for job_spec in JOBS
}


@dataclass(frozen=True, slots=True)
class Stored:
    """The latest good result of a job."""

    frame: pl.DataFrame
    as_of: dt.datetime
    fetched_at: dt.datetime  # wall clock
    problems: Mapping[str, str] = field(default_factory=dict)


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


def combine(
    previous: Stored | None, job: JobName, fetched: Fetched, now: dt.datetime
) -> tuple[Stored, bool]:
    """What a successful poll of ``job`` stores over ``previous``, and whether its frame changed
    (CPU work on whole frames: call it in a thread)."""
    frame = fetched.frame
    if previous is not None and spec(job).merges_by_symbol:
        frame = merge_by_symbol(previous.frame, frame)
    # A problem only stands for a symbol with nothing to show: one that missed this poll but
    # kept its last rows shows those (its pane turns stale), not the problem.
    problems = dict(previous.problems) if previous is not None else {}
    problems.update(fetched.problems)
    shown = set(frame.get_column(key_column(spec(job).dataset)).unique().to_list())
    problems = {symbol: why for symbol, why in problems.items() if symbol not in shown}
    changed = previous is None or not previous.frame.equals(frame)
    # An older copy a source fell back on keeps the time it was fetched: its true age shows.
    fetched_at = fetched.fetched_at if fetched.fetched_at is not None else now
    return Stored(frame, fetched.as_of, fetched_at, problems), changed


class Store:
    """The latest good frame of every job, kept for one source (``source_name`` names its copy
    on disk; no ``cache``, no copy)."""

    def __init__(self, source_name: str, cache: Cache | None = None) -> None:
        self.source_name = source_name
        self.cache = cache
        self._stored: dict[JobName, Stored] = {}
        self._from_disk: set[JobName] = set()  # restored from disk, not refreshed since
        self._age_unknown: set[JobName] = set()  # restored with a fetch time in the future

    def get(self, job: JobName) -> Stored | None:
        """The latest good result of ``job``, if any."""
        return self._stored.get(job)

    def has_data(self, job: JobName) -> bool:
        return job in self._stored

    def put(self, job: JobName, stored: Stored) -> None:
        """Keep ``stored`` (see `combine`) as ``job``'s latest."""
        self._stored[job] = stored
        self._from_disk.discard(job)
        self._age_unknown.discard(job)

    def age_unknown(self, job: JobName) -> bool:
        """``job``'s frame came from disk with a fetch time in the future (a clock that was set
        back, or a damaged copy): how old it is cannot be told."""
        return job in self._age_unknown

    @property
    def showing_disk_copy(self) -> bool:
        """Some of what is kept came from disk and has not been refreshed since."""
        return bool(self._from_disk)

    def market_data(self, now: dt.datetime, info: Mapping[str, SymbolInfo]) -> MarketData:
        """A consistent snapshot of the latest frames, safe to hand to a thread. Problems come
        from the price jobs only (see JobSpec.merges_by_symbol)."""
        frames = {job.value: stored.frame for job, stored in self._stored.items()}
        problems: dict[str, str] = {}
        for job, stored in self._stored.items():
            if spec(job).merges_by_symbol:
                problems.update(stored.problems)
        return empty_market_data(now).replace(**frames, info=info, problems=problems)

    # -- the copy on disk (blocking: call these in a thread) -----------------------------------

    def save(self, job: JobName, stored: Stored) -> None:
        """Write ``job``'s frame and its times to disk. Only good data is ever written, so a
        failed poll never damages the copy."""
        if self.cache is None:
            return
        key = spec(job).cache_key(self.source_name)
        meta = {
            "as_of": stored.as_of.isoformat(),
            "fetched_at": stored.fetched_at.isoformat(),
            "problems": dict(stored.problems),
        }
        self.cache.write_frame(key, stored.frame)
        self.cache.write_bytes(key, json.dumps(meta).encode())

    def read_disk(self) -> dict[JobName, Stored]:
        """Every job's last good result on disk, unreadable entries skipped (with a log line).
        Restored data keeps its original fetch time, so its true age shows. Called at start, so
        it first clears away what killed writes left behind."""
        if self.cache is None:
            return {}
        self.cache.remove_stale_temporaries()
        found = {}
        for job_spec in JOBS:
            key = job_spec.cache_key(self.source_name)
            frame = self.cache.read_frame(key, JOB_SCHEMAS[job_spec.name])
            raw = self.cache.read_bytes(key)
            if frame is None or raw is None:
                continue
            try:
                meta = json.loads(raw)
                as_of = dt.datetime.fromisoformat(meta["as_of"])
                fetched_at = dt.datetime.fromisoformat(meta["fetched_at"])
                if as_of.tzinfo is None or fetched_at.tzinfo is None:
                    raise ValueError("times without a time zone")
                # Shown on screen: plain text, whatever the file says (tui.plain).
                problems = {plain(str(k)): plain(str(v)) for k, v in meta["problems"].items()}
            except (ValueError, KeyError, TypeError, AttributeError):
                log.warning("discarding unreadable cache metadata for %s", key)
                continue
            found[job_spec.name] = Stored(frame, as_of, fetched_at, problems)
        return found

    def restore(self, found: Mapping[JobName, Stored], now: dt.datetime) -> list[JobName]:
        """Keep what `read_disk` found for the jobs that have nothing yet (data fetched in this
        run is never replaced by an older copy); the jobs restored, in table order. A copy
        fetched after ``now`` is kept, but its age is unknown (`age_unknown`)."""
        restored = [job for job in _in_table_order(found) if job not in self._stored]
        for job in restored:
            self._stored[job] = found[job]
            self._from_disk.add(job)
            if found[job].fetched_at > now:
                log.warning(
                    "the copy of %s on disk says it was fetched at %s, after now: age unknown",
                    job.value,
                    found[job].fetched_at.isoformat(),
                )
                self._age_unknown.add(job)
        return restored


def _in_table_order(jobs: Iterable[JobName]) -> list[JobName]:
    wanted = set(jobs)
    return [job_spec.name for job_spec in JOBS if job_spec.name in wanted]
