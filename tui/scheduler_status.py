"""What the scheduler's status bar view is built from: how old each dataset's frame is and how
its last poll went, each source's health (with "slow" for overdue requests), which sources' request
budgets hold requests back, where a source's data ends against the market calendar, and whether
no price could be reached at all. No textual (the headless feed daemon runs the scheduler)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Literal, Protocol, runtime_checkable

from tui import market_hours
from tui.health import SEVERITY, Health
from tui.jobs import JOBS, PRICE_JOBS, JobName, JobSpec
from tui.models import DatasetFreshness, SourceHealth
from tui.sources.base import Source
from tui.sources.budget import BudgetedRequests
from tui.store import Store


@runtime_checkable
class SlowRequests(Protocol):
    """A source that can tell how many of its requests to a part are overdue (the live
    source, from its HTTP client): the status says that part is slow before anything fails."""

    def overdue(self, source: str) -> int: ...


@runtime_checkable
class DataThrough(Protocol):
    """A source whose market clock stops at the end of its data (the files source): the status
    says as of which session the figures are, and how many sessions behind that is."""

    def data_through(self) -> dt.date | None: ...


def budget_waiting(source: Source) -> tuple[tuple[str, int], ...]:
    """Each source whose request budget holds requests back now, and how many."""
    if not isinstance(source, BudgetedRequests):
        return ()
    names = dict.fromkeys(source.source_for(job_spec.role) for job_spec in JOBS)
    counts = ((name, source.budget_waiting(name)) for name in names)
    return tuple((name, count) for name, count in counts if count)


def dataset_freshness(
    job_spec: JobSpec,
    now: dt.datetime,
    market_now: dt.datetime,
    *,
    store: Store,
    health: Health[JobName],
    cadence_s: Callable[[JobName], float],
    market_fetched: Mapping[JobName, dt.datetime],
) -> DatasetFreshness:
    """How old ``job_spec``'s frame is and how its last poll went. Stale: older than twice
    its cadence on the wall clock, or of unknown age. The age shown is on the demo market's
    own clock for the demo (``market_fetched``: when each frame was fetched on it)."""
    job = job_spec.name
    job_health = health.of(job)
    stored = store.get(job)
    if stored is None:
        return DatasetFreshness(job_spec.label, None, False, job_health)
    if store.age_unknown(job):
        return DatasetFreshness(job_spec.label, None, True, job_health)
    wall_age = max(0.0, (now - stored.fetched_at).total_seconds())
    stale = wall_age > 2 * cadence_s(job)
    fetched_on_market_clock = market_fetched.get(job)
    age = wall_age
    if fetched_on_market_clock is not None:
        age = max(0.0, (market_now - fetched_on_market_clock).total_seconds())
    return DatasetFreshness(job_spec.label, age, stale, job_health)


def source_health(health: Health[JobName], source: Source) -> tuple[SourceHealth, ...]:
    """Each source's health, "slow" for one with overdue requests that nothing worse
    describes (recomputed at every look: requests in flight come and go)."""
    by_name = {entry.name: entry for entry in health.sources()}
    if isinstance(source, SlowRequests):
        for name in dict.fromkeys(source.source_for(job_spec.role) for job_spec in JOBS):
            overdue = source.overdue(name)
            current = by_name.get(name)
            if overdue and (
                current is None or SEVERITY.index(current.state) > SEVERITY.index("slow")
            ):
                waiting = "1 request" if overdue == 1 else f"{overdue} requests"
                by_name[name] = SourceHealth(name, "slow", detail=f"{waiting} overdue")
    return tuple(by_name.values())


def data_through(source: Source, now: dt.datetime) -> tuple[dt.date | None, int]:
    """The session a source's data ends with, when its clock stops there, and how many
    sessions have closed since by ``now``."""
    if not isinstance(source, DataThrough):
        return None, 0
    through = source.data_through()
    if through is None:
        return None, 0
    return through, market_hours.sessions_closed_since(through, now)


def unreachable(health: Health[JobName], store: Store) -> Literal["cached", "empty"] | None:
    """Whether no price could be fetched since start: "cached" while the disk copy shows,
    "empty" with nothing to show, None once a price came (or before any poll failed).

    Prices decide it: the short-interest and share-count sources answer from their own
    on-disk copies of immutable files, so they succeed offline."""
    if any(health.reached(job) for job in PRICE_JOBS):
        return None
    if not any(health.failures(job) for job in PRICE_JOBS):
        return None
    return "cached" if store.showing_disk_copy else "empty"
