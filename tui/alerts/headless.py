"""`tapewatch alerts`: every rule evaluated once against fresh data, the true ones printed — for
cron and tmux status lines (exit status 1 when any is true) — and `--history`, the alert log.

It runs one round of the dashboard's scheduler and the same view builders as `tapewatch
snapshot`, and the rules read those views as they do in the app. It only reads: no state is
changed and nothing is logged, so it never stops the app from firing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
from dataclasses import asdict
from typing import TextIO

from tui.alerts.monitor import AlertMonitor, Evidence, Firing, RuleResult, evaluate, freshness_of
from tui.alerts.readings import figure_symbols
from tui.alerts.rules import condition_text, rule_text
from tui.alerts.storage import AlertPaths, read_log
from tui.clock import NEW_YORK
from tui.config import Settings
from tui.sources.base import Source

EXIT_NONE_TRUE = 0
EXIT_SOME_TRUE = 1
HISTORY_LIMIT = 100_000  # lines of the log `--history` reads


def run_alerts(
    settings: Settings,
    *,
    as_json: bool,
    as_of: dt.date | None = None,
    source: Source | None = None,
    paths: AlertPaths | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Print the rules that are true now; 1 when any is, 0 when none is."""
    out = out or sys.stdout
    err = err or sys.stderr
    from tui.alerts.figures import symbol_figures
    from tui.scheduler import Scheduler
    from tui.snapshot import collect

    monitor = AlertMonitor.load(settings, paths)
    if source is None:
        from tui.sources.factory import make_source

        source = make_source(settings, as_of=as_of)
    snapshot = asyncio.run(collect(Scheduler(settings, source)))
    for job_result in snapshot.results:
        if job_result.failure is not None:
            print(f"tapewatch: {job_result.job.value}: {job_result.failure.message}", file=err)
    symbols = figure_symbols([rule.spec for rule in monitor.rules])
    evidence = Evidence(
        snapshot.views,
        symbol_figures(snapshot.data, sorted(symbols)),
        freshness_of(snapshot.status),
        snapshot.status.wall_time,
        snapshot.status.source_label,
    )
    # From fresh states: a rule that is true now "fires" here, whatever the app last did.
    results = list(evaluate(monitor.rules, {}, evidence).results.values())
    true = [
        Firing(result.rule, outcome.reading, outcome.reading.value, evidence.now, evidence.source)
        for result in results
        for outcome in result.true_outcomes
        if outcome.reading.value is not None
    ]
    unread = [(result, reason) for result in results if (reason := _unread(result)) is not None]
    if as_json:
        json.dump(_as_json(evidence, true, unread), out, indent=2)
        out.write("\n")
    else:
        for firing in true:
            print(firing.message, file=out)
        for result, reason in unread:
            print(f"tapewatch: {rule_text(result.rule.spec)}: {reason}", file=err)
    return EXIT_SOME_TRUE if true else EXIT_NONE_TRUE


def _unread(result: RuleResult) -> str | None:
    """Why a rule could not be evaluated at all (stale data, no data), None when it was."""
    if not result.outcomes:
        return "no row shows this figure"
    if any(outcome.step.verdict not in ("waiting", "no data") for outcome in result.outcomes):
        return None
    return result.outcomes[0].step.reason or "no data"


def _as_json(
    evidence: Evidence, true: list[Firing], unread: list[tuple[RuleResult, str]]
) -> dict[str, object]:
    return {
        "source": evidence.source,
        "generated_at": evidence.now.isoformat(),
        "true": [
            {
                "rule": firing.rule.id,
                "origin": firing.rule.origin,
                "symbol": firing.reading.symbol,
                "basket": firing.reading.basket,
                "field": firing.rule.field,
                "value": firing.value,
                "value_text": firing.value_text,
                "condition": condition_text(firing.rule.spec),
                "as_of": firing.reading.lag_key,
                "note": firing.rule.spec.note,
                "text": firing.text,
            }
            for firing in true
        ],
        "not_evaluated": [
            {"rule": result.rule.id, "text": rule_text(result.rule.spec), "reason": reason}
            for result, reason in unread
        ],
    }


def print_history(
    *,
    as_json: bool,
    paths: AlertPaths | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Print the alert log, oldest first: the time (New York), the alert and its note."""
    out = out or sys.stdout
    err = err or sys.stderr
    entries = read_log((paths or AlertPaths.default()).log, HISTORY_LIMIT)
    if as_json:
        records = []
        for entry in entries:
            record = asdict(entry)
            record["at"] = entry.at.isoformat()
            records.append(record)
        json.dump(records, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return 0
    for entry in entries:
        when = entry.at.astimezone(NEW_YORK)
        note = f" — {entry.note}" if entry.note else ""
        source = f" [{entry.source}]" if entry.source else ""
        print(f"{when:%Y-%m-%d %H:%M} ET{source}  {entry.text}{note}", file=out)
    if not entries:
        print("tapewatch: no alert has fired yet", file=err)
    return 0
