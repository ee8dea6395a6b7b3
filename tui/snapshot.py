"""`tapewatch snapshot`: the dashboard's four panes computed once, headless, as plain tables or
JSON — for scripts, cron and tmux status lines.

It runs one round of the dashboard's scheduler and the same view builders, and prints what the
panes' presenters make of them (tui.presenters.registry), so a script and the screen never
disagree.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
from dataclasses import dataclass
from typing import TextIO

from tui.analytics.market import MarketData
from tui.clock import NEW_YORK
from tui.config import Settings
from tui.jobs import spec
from tui.models import Pane, StatusView, to_jsonable
from tui.presenters import format as fmt
from tui.presenters.registry import PRESENTERS, PaneView
from tui.presenters.table import plain_table
from tui.reports import JobResult
from tui.scheduler import Scheduler
from tui.sources.base import Source

EXIT_OK = 0
EXIT_INCOMPLETE = 1  # something was printed, but at least one dataset could not be fetched
EXIT_NO_DATA = 3  # nothing could be fetched at all


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What one headless round fetched and built."""

    results: list[JobResult]
    data: MarketData
    views: dict[Pane, PaneView]
    status: StatusView


async def collect(scheduler: Scheduler) -> Snapshot:
    """Run every job once and build every pane: what the dashboard would show right now."""
    try:
        results = await scheduler.refresh_all()
        data = scheduler.feed.market_data()
        views = await scheduler.build(list(Pane), data)
        return Snapshot(results, data, views, scheduler.status())
    finally:
        await scheduler.aclose()


def run_snapshot(
    settings: Settings,
    *,
    as_json: bool,
    as_of: dt.date | None = None,
    source: Source | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Print the snapshot; the exit status says whether every dataset could be fetched."""
    out = out or sys.stdout
    err = err or sys.stderr
    if source is None:
        from tui.sources.factory import make_source

        source = make_source(settings, as_of=as_of)
    snapshot = asyncio.run(collect(Scheduler(settings, source)))
    failures = [(r.job, r.failure) for r in snapshot.results if r.failure is not None]
    for job, failure in failures:
        print(f"tapewatch: {spec(job).label}: {failure.message}", file=err)
    if as_json:
        json.dump(snapshot_json(snapshot), out, indent=2)
        out.write("\n")
    else:
        out.write("\n".join(snapshot_text(snapshot.views, snapshot.status)) + "\n")
    if len(failures) == len([result for result in snapshot.results if result.asked]):
        return EXIT_NO_DATA
    return EXIT_INCOMPLETE if failures else EXIT_OK


def snapshot_json(snapshot: Snapshot) -> dict[str, object]:
    """Every figure with its as-of time, as JSON-ready values."""
    status = snapshot.status
    return {
        "source": status.source_label,
        "is_demo": status.is_demo,
        "generated_at": status.wall_time.isoformat(),
        "market_time": status.market_time.isoformat(),
        "session": status.session,
        "datasets": to_jsonable(status.datasets),
        "health": to_jsonable(status.health),
        "problems": dict(sorted(snapshot.data.problems.items())),
        **{
            pane.value: to_jsonable(snapshot.views[pane])
            for pane in PRESENTERS
            if pane in snapshot.views
        },
    }


def snapshot_text(views: dict[Pane, PaneView], status: StatusView) -> list[str]:
    """The panes as aligned plain-text tables, each titled with its as-of."""
    label = f"[{status.source_label}]" if status.is_demo else status.source_label
    lines = [
        f"tapewatch {label} · {status.session} · {fmt.clock(status.market_time)}"
        f" {status.market_time.astimezone(NEW_YORK):%Y-%m-%d}",
        "",
    ]
    for pane, presenter in PRESENTERS.items():
        view = views.get(pane)
        if view is None:
            continue
        lines.append(f"{presenter.title} — {presenter.headline(view)}")
        lines += plain_table(presenter.columns, presenter.rows(view))
        lines.append("")
    return lines
