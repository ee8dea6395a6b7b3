"""`tapewatch snapshot`: the dashboard's four panes computed once, headless, as plain tables or
JSON — for scripts, cron and tmux status lines.

It runs one round of the dashboard's scheduler and the same view builders, and prints the same
rows the panes show (tui.presenters.rows), so a script and the screen never disagree.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from tui.analytics.market import MarketData
from tui.clock import NEW_YORK
from tui.config import Settings
from tui.jobs import spec
from tui.models import (
    PANE_TITLES,
    CorrelationsView,
    IndicesView,
    Pane,
    PaneView,
    SectorsView,
    ShortsView,
    StatusView,
    to_jsonable,
)
from tui.presenters import format as fmt
from tui.presenters import rows as table_rows
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
    if len(failures) == len(snapshot.results):
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
        **{pane.value: to_jsonable(view) for pane, view in snapshot.views.items()},
    }


def _section(title: str, subtitle: str, lines: Sequence[str]) -> list[str]:
    return [f"{title} — {subtitle}", *lines, ""]


def snapshot_text(views: dict[Pane, PaneView], status: StatusView) -> list[str]:
    """The four panes as aligned plain-text tables, each titled with its as-of."""
    label = f"[{status.source_label}]" if status.is_demo else status.source_label
    lines = [
        f"tapewatch {label} · {status.session} · {fmt.clock(status.market_time)}"
        f" {status.market_time.astimezone(NEW_YORK):%Y-%m-%d}",
        "",
    ]
    indices = views.get(Pane.INDICES)
    if isinstance(indices, IndicesView):
        rows = [table_rows.index_row(row) for row in indices.rows]
        lines += _section(
            PANE_TITLES[Pane.INDICES],
            f"as of {fmt.clock(indices.as_of)}",
            table_rows.plain_table(table_rows.INDEX_COLUMNS, rows),
        )
    sectors = views.get(Pane.SECTORS)
    if isinstance(sectors, SectorsView):
        lines += _section(
            PANE_TITLES[Pane.SECTORS],
            f"as of {fmt.clock(sectors.as_of)} · flow is an estimate (signed dollar volume)",
            table_rows.plain_table(table_rows.SECTOR_COLUMNS, table_rows.sector_rows(sectors.rows)),
        )
    shorts = views.get(Pane.SHORTS)
    if isinstance(shorts, ShortsView):
        rows = [table_rows.short_row(row) for row in shorts.rows]
        lines += _section(
            PANE_TITLES[Pane.SHORTS],
            table_rows.shorts_legend(shorts),
            table_rows.plain_table(table_rows.SHORT_COLUMNS, rows),
        )
    correlations = views.get(Pane.CORRELATIONS)
    if isinstance(correlations, CorrelationsView):
        rows = []
        for basket in correlations.baskets:
            rows.append(
                table_rows.correlation_row(
                    table_rows.basket_key(basket.name), basket.name, basket.average
                )
            )
            rows += [
                table_rows.correlation_row(
                    table_rows.member_key(basket.name, member.label), f"  {member.label}", member
                )
                for member in basket.members
            ]
        lines += _section(
            PANE_TITLES[Pane.CORRELATIONS],
            f"{correlations.window} d window, to {fmt.short_date(correlations.as_of)}",
            table_rows.plain_table(table_rows.CORRELATION_COLUMNS, rows),
        )
    return lines
