"""Source health: what a failure means for the status bar, when to try again, and the one order
of how bad each state is. No polars, no textual: the status bar's compact indicator ranks its
problems by the same order, before the first frame.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable
from dataclasses import replace
from typing import Generic, Literal, TypeVar

from tui.kinds import FailureKind
from tui.models import HealthState, SourceHealth

# A source's state, or "stale": a dataset older than twice its cadence (not a state of a source,
# but ranked among them when one word must say what is wrong).
Condition = HealthState | Literal["stale", "bad_rows"]

# Worst first. Offline is the worst a trader can be told: nothing will come until the network
# does. Rate-limited data resumes at a known time; retrying is a single failure; stale data is
# still on screen; bad rows are figures a source sent that could not be right, left out (the
# rest is shown); slow is requests taking long, before anything failed. Below "ok", and no
# problem at all: a dataset the source never serves, or an optional one the user has not set up
# — a source that serves anything else is "ok".
SEVERITY: tuple[Condition, ...] = (
    "offline",
    "rate_limited",
    "retrying",
    "stale",
    "bad_rows",
    "slow",
    "ok",
    "unavailable",
    "not_configured",
)

# Back-off after failures: 5 s, 10 s, 20 s ... never longer than the job's own cadence.
FIRST_RETRY_S = 5.0
# A retry time already past (or a second away): try again soon, not at once.
MIN_RETRY_S = 1.0
# Timeouts and refused connections this many times in a row: offline, not retrying.
OFFLINE_AFTER = 2


def worst(conditions: Iterable[Condition]) -> Condition | None:
    """The most serious of ``conditions`` (None when there are none)."""
    return min(conditions, key=SEVERITY.index, default=None)


def is_problem(condition: Condition) -> bool:
    """Whether ``condition`` is something to warn about (ranked above "ok")."""
    return SEVERITY.index(condition) < SEVERITY.index("ok")


def state_after(kind: FailureKind, consecutive: int) -> HealthState:
    """The state of a source after ``consecutive`` failures in a row, the last of ``kind``."""
    if kind is FailureKind.RATE_LIMITED:
        return "rate_limited"
    if kind is FailureKind.NOT_AVAILABLE:
        return "unavailable"
    if kind is FailureKind.NOT_CONFIGURED:
        return "not_configured"
    if kind in (FailureKind.OFFLINE, FailureKind.TIMEOUT) and consecutive >= OFFLINE_AFTER:
        return "offline"
    return "retrying"


def retry_delay_s(
    consecutive: int, cadence_s: float, retry_at: dt.datetime | None, now: dt.datetime
) -> float:
    """Seconds until a job that failed ``consecutive`` times in a row runs again: when the source
    said (``retry_at``, even beyond the cadence), else a doubling back-off capped at the cadence."""
    if retry_at is not None:
        return max(MIN_RETRY_S, (retry_at - now).total_seconds())
    backoff: float = FIRST_RETRY_S * 2.0 ** (consecutive - 1)
    return min(cadence_s, backoff)


JobT = TypeVar("JobT", bound=Hashable)


class Health(Generic[JobT]):
    """The health of each source, from the outcome of each job it serves."""

    def __init__(self) -> None:
        self._by_job: dict[JobT, SourceHealth] = {}
        self._failures: dict[JobT, int] = {}
        self._reached: set[JobT] = set()  # jobs that have succeeded since start

    def succeeded(self, job: JobT, source: str, bad_rows: int = 0) -> None:
        """``job`` reached ``source`` and got an answer (with ``bad_rows`` left out of it)."""
        self._failures[job] = 0
        self._reached.add(job)
        self._by_job[job] = SourceHealth(source, "ok", bad_rows=bad_rows)

    def failed(
        self,
        job: JobT,
        source: str,
        kind: FailureKind,
        message: str,
        *,
        cadence_s: float,
        retry_at: dt.datetime | None,
        now: dt.datetime,
    ) -> float:
        """Record a failure of ``job``; returns the seconds until it should run again."""
        count = self._failures.get(job, 0) + 1
        self._failures[job] = count
        delay = retry_delay_s(count, cadence_s, retry_at, now)
        if kind in (FailureKind.NOT_AVAILABLE, FailureKind.NOT_CONFIGURED):
            delay = cadence_s  # asking sooner would not change the answer
        until = now + dt.timedelta(seconds=delay)
        self._by_job[job] = SourceHealth(source, state_after(kind, count), until, message, kind)
        return delay

    def reported(self, job: JobT, health: SourceHealth) -> None:
        """``job``'s health as another process saw it (a desk's feed, which polls the source):
        shown as it is, its retry time included."""
        self._by_job[job] = health
        if health.state == "ok":
            self._failures[job] = 0
            self._reached.add(job)

    def of(self, job: JobT) -> SourceHealth | None:
        """How the last poll of ``job`` went (None before the first)."""
        return self._by_job.get(job)

    def failures(self, job: JobT) -> int:
        """Failures of ``job`` in a row (0 after a success)."""
        return self._failures.get(job, 0)

    def reached(self, job: JobT) -> bool:
        """``job`` has succeeded at least once since start."""
        return job in self._reached

    def sources(self) -> tuple[SourceHealth, ...]:
        """Each source's health: the worst state among the jobs it serves (a source that serves
        some jobs is "ok" however many others it does not serve), with the bad rows of their
        latest answers added up."""
        worst_of: dict[str, SourceHealth] = {}
        bad_rows: dict[str, int] = {}
        for health in self._by_job.values():
            bad_rows[health.name] = bad_rows.get(health.name, 0) + health.bad_rows
            current = worst_of.get(health.name)
            if current is None or SEVERITY.index(health.state) < SEVERITY.index(current.state):
                worst_of[health.name] = health
        return tuple(replace(health, bad_rows=bad_rows[name]) for name, health in worst_of.items())
