"""Which Source call answers each job (`ask`), and the check every frame a source sends passes
before it is stored, cached or drawn (`sane`). No textual. The fetch plan (tui.feed) says what
each job asks for; the doctor and the feed daemon ask through here too."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence

from tui.jobs import JobName, spec
from tui.sources.base import (
    BarInterval,
    Dataset,
    Failed,
    FailureKind,
    FetchOutcome,
    FundSource,
    Source,
    SourceRole,
    daily_closes,
)
from tui.sources.sanity import screen


async def ask(
    source: Source,
    job: JobName,
    symbols: Sequence[str] | None,
    depth: int,
    *,
    intraday_interval: BarInterval,
) -> FetchOutcome:
    """The one place that says which Source call answers each job. ``depth`` is the sessions of
    bars, settlements of short interest or days of short volume or NAV asked for; ``symbols``
    None means the whole market (short data only). The fund jobs' symbols are fund tickers; a
    source without the funds' files (not a `FundSource`) answers them NOT_AVAILABLE. What comes
    back has passed `sane`."""
    job_spec = spec(job)
    return await sane(
        source,
        job_spec.role,
        job_spec.dataset,
        _call(source, job, symbols, depth, intraday_interval),
    )


def _call(
    source: Source,
    job: JobName,
    symbols: Sequence[str] | None,
    depth: int,
    intraday_interval: BarInterval,
) -> Awaitable[FetchOutcome]:
    match job:
        case JobName.QUOTES:
            return source.quotes(_named(job, symbols))
        case JobName.INTRADAY:
            return source.bars(_named(job, symbols), intraday_interval, depth)
        case JobName.DAILY:
            return source.bars(_named(job, symbols), "1d", depth)
        case JobName.SHORT_INTEREST:
            return source.short_interest(symbols, depth)
        case JobName.SHORT_VOLUME:
            return source.short_volume(symbols, depth)
        case JobName.SHARES:
            return source.shares(_named(job, symbols))
        case JobName.MEMBER_BARS:
            return daily_closes(source, _named(job, symbols), depth)
        case JobName.FUND_NAV | JobName.FUND_HOLDINGS:
            if not isinstance(source, FundSource):
                return _no_fund_files(source, job)
            if job is JobName.FUND_NAV:
                return source.fund_nav_history(_named(job, symbols), depth)
            return source.fund_holdings(_named(job, symbols))


async def _no_fund_files(source: Source, job: JobName) -> FetchOutcome:
    message = f"the {source.name} source has no fund files"
    return Failed(source.source_for(spec(job).role), FailureKind.NOT_AVAILABLE, message)


async def sane(
    source: Source, role: SourceRole, dataset: Dataset, call: Awaitable[FetchOutcome]
) -> FetchOutcome:
    """The outcome of ``call`` without the rows whose values cannot be right (tui.sources.sanity),
    checked in a thread. Every frame a source sends passes here before it is stored, cached or
    drawn: the dashboard's polls (and so `snapshot` and the doctor, through `ask`), the
    drill-down's fetches, its polls and its member quotes."""
    outcome = await call
    return await asyncio.to_thread(screen, outcome, dataset, source.now(), source.source_for(role))


def _named(job: JobName, symbols: Sequence[str] | None) -> Sequence[str]:
    if symbols is None:
        raise ValueError(f"the {job} job needs the symbols named: no source serves the market")
    return symbols
