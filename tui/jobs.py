"""The job table: every dataset tapewatch polls, declared once. No polars, no textual.

A job is one poll of one dataset: the latest quotes, today's intraday bars, a year of daily bars,
the newest short interest, three weeks of short-sale volume, share counts, the sector funds'
NAV history and holdings, and their members' daily bars. Its spec says what the
status bar calls it, how often it runs, which panes it feeds, which frame schema it holds, which
source role answers it, which jobs it wakes when it brings new data, and how `tapewatch doctor`
checks it. Everything else is derived from the table below — the panes' stale marks
(PANE_JOBS), the follow-up polls (FOLLOWERS), the order of a one-round refresh (REFRESH_ORDER),
the doctor's checks, the on-disk copy's keys — so adding a job is one entry here plus how to
fetch it (tui.feed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from tui.config import RefreshSettings
from tui.kinds import Dataset, SourceRole
from tui.models import DatasetFreshness, Pane


class JobName(StrEnum):
    """A job; its value is also the MarketData field its frame fills."""

    QUOTES = "quotes"
    INTRADAY = "intraday"
    DAILY = "daily"
    SHORT_INTEREST = "short_interest"
    SHORT_VOLUME = "short_volume"
    SHARES = "shares"
    MEMBER_BARS = "member_bars"
    FUND_NAV = "fund_nav"
    FUND_HOLDINGS = "fund_holdings"


@dataclass(frozen=True, slots=True)
class Probe:
    """How `tapewatch doctor` checks a job: one probe symbol, asked for ``depth`` sessions,
    settlements or days."""

    what: str  # the check's name in the doctor's table: "quote", "daily bars"
    required: bool  # the dashboard cannot do without it (a failure makes the doctor exit 1)
    depth: int = 1
    symbol: str | None = None  # what it asks for; None: the doctor's probe stock


@dataclass(frozen=True, slots=True)
class JobSpec:
    """One job, declared once."""

    name: JobName
    label: str  # in the status bar: "quotes", "SI"
    cadence: Callable[[RefreshSettings], float]  # seconds between polls, from the settings
    panes: frozenset[Pane]  # rebuilt when it brings new data; marked stale when it is old
    dataset: Dataset  # the frame schema it holds
    role: SourceRole  # which source answers it (for a composite source, which part)
    wakes: tuple[JobName, ...] = ()  # jobs to poll at once when it brings new data
    probe: Probe | None = None  # how the doctor checks it; None: not checked
    # Its symbols come from another job's data (the funds' members, from their holdings): until
    # that names some it asks nothing and keeps nothing, so a pane is not built from nothing.
    waits_for_symbols: bool = False

    def cadence_s(self, refresh: RefreshSettings) -> float:
        """Seconds between two polls of this job."""
        return self.cadence(refresh)

    @property
    def merges_by_symbol(self) -> bool:
        """A poll that misses some symbols keeps their last rows (prices): the other jobs'
        frames are replaced whole. Only price jobs' per-symbol problems mark rows too — a symbol
        the SEC does not know still has prices."""
        return self.role is SourceRole.PRICES

    def cache_key(self, source_name: str) -> str:
        """Where the on-disk copy of this job's last good frame lives, per source."""
        return f"snapshot/{source_name}/{self.name.value}"


_PRICE_PANES = frozenset({Pane.INDICES, Pane.SECTORS, Pane.SHORTS, Pane.WATCHLIST})
# Sector flows reads the members' short data for its short pressure.
_SHORT_PANES = frozenset({Pane.SHORTS, Pane.WATCHLIST, Pane.SECTORS})
_PROBE_FUND = "XLK"  # a sector SPDR with both files at SSGA

# In the order the status bar lists the datasets: fastest-changing first.
JOBS: tuple[JobSpec, ...] = (
    JobSpec(
        JobName.QUOTES,
        "quotes",
        lambda refresh: refresh.quotes,
        _PRICE_PANES,
        Dataset.QUOTES,
        SourceRole.PRICES,
        probe=Probe("quote", required=True),
    ),
    JobSpec(
        JobName.INTRADAY,
        "intraday",
        lambda refresh: refresh.intraday,
        frozenset({Pane.INDICES, Pane.WATCHLIST}),
        Dataset.BARS,
        SourceRole.PRICES,
    ),
    JobSpec(
        JobName.DAILY,
        "daily",
        lambda refresh: refresh.daily,
        frozenset({Pane.INDICES, Pane.SECTORS, Pane.CORRELATIONS, Pane.WATCHLIST}),
        Dataset.BARS,
        SourceRole.PRICES,
        probe=Probe("daily bars", required=True, depth=5),
    ),
    JobSpec(
        JobName.SHORT_INTEREST,
        "SI",
        lambda refresh: refresh.short_interest,
        _SHORT_PANES,
        Dataset.SHORT_INTEREST,
        SourceRole.SHORT_DATA,
        # New short interest names new stocks: fetch their share counts and prices now, not at
        # the next (daily) share-count poll.
        wakes=(JobName.SHARES, JobName.QUOTES),
        probe=Probe("short interest", required=True),
    ),
    JobSpec(
        JobName.SHORT_VOLUME,
        "SV",
        lambda refresh: refresh.short_volume,
        _SHORT_PANES,
        Dataset.SHORT_VOLUME,
        SourceRole.SHORT_DATA,
        probe=Probe("short volume", required=True),
    ),
    JobSpec(
        JobName.SHARES,
        "shares",
        lambda refresh: refresh.shares,
        frozenset({Pane.SHORTS, Pane.WATCHLIST}),
        Dataset.SHARES,
        SourceRole.SHARES,
        # Share counts re-rank the short candidates the quotes job prices.
        wakes=(JobName.QUOTES,),
        probe=Probe("shares outstanding", required=False),
    ),
    JobSpec(
        JobName.MEMBER_BARS,
        "members",
        lambda refresh: refresh.member_bars,
        frozenset({Pane.SECTORS}),
        Dataset.BARS,
        SourceRole.PRICES,
        waits_for_symbols=True,
    ),
    JobSpec(
        JobName.FUND_NAV,
        "NAV",
        lambda refresh: refresh.fund_nav,
        frozenset({Pane.SECTORS}),
        Dataset.FUND_NAV,
        SourceRole.FUNDS,
        probe=Probe("fund NAV history", required=False, depth=5, symbol=_PROBE_FUND),
    ),
    JobSpec(
        JobName.FUND_HOLDINGS,
        "holdings",
        lambda refresh: refresh.fund_holdings,
        frozenset({Pane.SECTORS}),
        Dataset.FUND_HOLDINGS,
        SourceRole.FUNDS,
        # New members: fetch their bars (breadth) now. (Their short data, which only a
        # watchlist universe asks for by name, follows at the short jobs' next poll.)
        wakes=(JobName.MEMBER_BARS,),
        probe=Probe("fund holdings", required=False, symbol=_PROBE_FUND),
    ),
)

SPECS: Mapping[JobName, JobSpec] = {spec.name: spec for spec in JOBS}


def spec(job: JobName) -> JobSpec:
    """The spec of ``job``."""
    return SPECS[job]


def panes_of(jobs: Iterable[JobName]) -> frozenset[Pane]:
    """Every pane the given jobs feed."""
    return frozenset(pane for job in jobs for pane in SPECS[job].panes)


def refresh_order(specs: Iterable[JobSpec]) -> tuple[JobName, ...]:
    """Every job once, for a one-round refresh: each after the jobs that wake it (their data
    names the symbols it asks for), and otherwise in the reverse of the table's order — slow
    data first and prices last, so a round ends with its freshest figures and Yahoo's quotes
    reuse the bars just fetched (its daily closes and its intraday replies)."""
    remaining = list(reversed(list(specs)))
    order: list[JobName] = []
    while remaining:
        ready = next(
            (
                candidate
                for candidate in remaining
                if not any(candidate.name in other.wakes for other in remaining)
            ),
            None,
        )
        if ready is None:
            names = ", ".join(candidate.name for candidate in remaining)
            raise ValueError(f"the jobs {names} wake each other in a cycle")
        order.append(ready.name)
        remaining.remove(ready)
    return tuple(order)


# Jobs whose frames hold prices (see JobSpec.merges_by_symbol).
PRICE_JOBS: frozenset[JobName] = frozenset(spec.name for spec in JOBS if spec.merges_by_symbol)

# Which jobs each pane's figures come from, for its stale mark.
PANE_JOBS: Mapping[Pane, tuple[JobName, ...]] = {
    pane: tuple(spec.name for spec in JOBS if pane in spec.panes) for pane in Pane
}

# Jobs to poll at once when a job brings new data.
FOLLOWERS: Mapping[JobName, tuple[JobName, ...]] = {spec.name: spec.wakes for spec in JOBS}

REFRESH_ORDER: tuple[JobName, ...] = refresh_order(JOBS)


def stale_panes(datasets: Sequence[DatasetFreshness]) -> frozenset[Pane]:
    """The panes fed by a stale dataset. ``datasets``: one per job in the table's order, as the
    scheduler's status lists them (anything else, such as the placeholder before the first
    poll, marks nothing)."""
    if len(datasets) != len(JOBS):
        return frozenset()
    return panes_of(
        job_spec.name for job_spec, fresh in zip(JOBS, datasets, strict=True) if fresh.stale
    )


def pane_datasets(pane: Pane, datasets: Sequence[DatasetFreshness]) -> tuple[DatasetFreshness, ...]:
    """The datasets ``pane``'s figures come from, out of the scheduler's status (one per job,
    in the table's order; anything else gives none)."""
    if len(datasets) != len(JOBS):
        return ()
    return tuple(
        fresh for job_spec, fresh in zip(JOBS, datasets, strict=True) if pane in job_spec.panes
    )
