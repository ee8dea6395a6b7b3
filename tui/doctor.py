"""`tapewatch doctor`: check each source end to end — reach it, parse its reply, find a known
symbol — and print source, check, status, latency and the error in plain words."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from tui.clock import NEW_YORK
from tui.config import Settings

if TYPE_CHECKING:
    from tui.desk.options import NatsOptions
from tui.job_calls import ask
from tui.jobs import JOBS, JobSpec, Probe
from tui.sources.base import Failed, FailureKind, FetchOutcome, Source

PROBE_SYMBOL = "AAPL"  # listed everywhere, in every source's files


@dataclass(frozen=True, slots=True)
class Check:
    source: str
    what: str
    required: bool  # the dashboard cannot do without it
    run: Callable[[], Awaitable[FetchOutcome]]
    symbol: str = PROBE_SYMBOL  # what it asks for: a found symbol is the check's proof


@dataclass(frozen=True, slots=True)
class CheckResult:
    check: Check
    status: str  # "ok", "FAIL", "skipped"
    latency_s: float
    detail: str


def checks_for(source: Source, settings: Settings) -> list[Check]:
    """A check of every job the job table says the doctor checks, asking for its probe symbol
    (a stock, or a fund for the funds' files) the way the dashboard's poll would, in the table's
    order."""
    interval = settings.sources.yahoo.intraday_interval

    def check(job_spec: JobSpec, probe: Probe) -> Check:
        symbol = probe.symbol or PROBE_SYMBOL
        return Check(
            source.source_for(job_spec.role),
            probe.what,
            probe.required,
            lambda: ask(source, job_spec.name, [symbol], probe.depth, intraday_interval=interval),
            symbol,
        )

    return [check(job_spec, job_spec.probe) for job_spec in JOBS if job_spec.probe is not None]


async def run_checks(checks: Sequence[Check]) -> list[CheckResult]:
    """Run the checks one after the other, so each latency is its own."""
    results = []
    for check in checks:
        started = time.perf_counter()
        try:
            outcome = await check.run()
        except Exception as error:  # a source bug fails its own check; the report goes on
            message = f"internal error: {type(error).__name__}: {error}"
            outcome = Failed(check.source, FailureKind.PARSE, message)
        latency = time.perf_counter() - started
        results.append(_judge(check, outcome, latency))
    return results


def _judge(check: Check, outcome: FetchOutcome, latency: float) -> CheckResult:
    if isinstance(outcome, Failed):
        not_served = (FailureKind.NOT_AVAILABLE, FailureKind.NOT_CONFIGURED)
        status = "skipped" if outcome.kind in not_served else "FAIL"
        return CheckResult(check, status, latency, outcome.message)
    problem = outcome.problems.get(check.symbol)
    if outcome.frame.is_empty() or problem is not None:
        reason = problem or "the reply held no rows"
        return CheckResult(check, "FAIL", latency, f"{check.symbol}: {reason}")
    count = outcome.frame.height
    rows = "1 row" if count == 1 else f"{count} rows"
    as_of = outcome.as_of.astimezone(NEW_YORK)
    return CheckResult(check, "ok", latency, f"{rows}, as of {as_of:%Y-%m-%d %H:%M} ET")


def format_results(results: Sequence[CheckResult]) -> list[str]:
    return format_rows(
        (r.check.source, r.check.what, r.status, r.latency_s, r.detail) for r in results
    )


def format_rows(results: Iterable[tuple[str, str, str, float, str]]) -> list[str]:
    """Source, check, status, latency and detail, in aligned columns under a header."""
    header = ("source", "check", "status", "latency", "detail")
    rows = [
        (source, what, status, f"{latency_s * 1000:.0f} ms", detail)
        for source, what, status, latency_s, detail in results
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True))
        + "  "
        + row[4]
        for row in [header, *rows]
    ]


def run_doctor(
    settings: Settings, *, source: Source | None = None, out: TextIO | None = None
) -> int:
    """Check every source; non-zero exit status when a required one fails."""
    out = out or sys.stdout
    if source is None:
        from tui.sources.factory import make_source

        source = make_source(settings)

    async def main(source: Source) -> list[CheckResult]:
        try:
            return await run_checks(checks_for(source, settings))
        finally:
            await source.aclose()

    results = asyncio.run(main(source))
    out.write("\n".join(format_results(results)) + "\n")
    failed = [r for r in results if r.status == "FAIL" and r.check.required]
    if failed:
        out.write(
            f"\n{len(failed)} required check(s) failed: the dashboard will show stale or "
            "missing data for them.\n"
        )
        return 1
    return 0


def run_nats_doctor(settings: Settings, options: NatsOptions, *, out: TextIO | None = None) -> int:
    """`tapewatch doctor --nats`: the desk's NATS server, its bucket and the age of every
    dataset in it (stale after twice the feed's cadence, or the config's); non-zero exit status
    when a required check fails."""
    from tui.desk.doctor import check_nats
    from tui.store import JOB_SCHEMAS

    out = out or sys.stdout
    cadences = {job.name.value: job.cadence_s(settings.refresh) for job in JOBS}
    schemas = {job.value: schema for job, schema in JOB_SCHEMAS.items()}
    rows = asyncio.run(check_nats(options, schemas=schemas, cadences=cadences))
    out.write(
        "\n".join(format_rows((r.source, r.what, r.status, r.latency_s, r.detail) for r in rows))
        + "\n"
    )
    failed = [row for row in rows if row.status == "FAIL" and row.required]
    if failed:
        out.write(
            f"\n{len(failed)} required check(s) failed: the desk's monitors will show stale or "
            "missing data.\n"
        )
        return 1
    return 0
