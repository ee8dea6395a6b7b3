"""`AlertMonitor`: every alert rule, its state, and what happens when one fires. No textual.

It is fed the scheduler's reports (`note`): each pane's newest view. After new views it evaluates
every rule (`check`): the value each rule reads from those views (or, for a symbol no pane row
shows, from its drill-down figures, worked out in a thread), whether the datasets behind it are
stale, and the crossing logic of `tui.alerts.engine`. Each firing is then

- handed to ``deliver`` (the app's toast, bell and desktop escape; a headless process may log it),
- written as a line of the alert log, with the new state, in a thread,
- and its command, if any, started without waiting for it (`tui.alerts.notify.run_command`).

The dashboard runs it beside the scheduler; `tapewatch alerts` evaluates once with `evaluate`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from tui.alerts.engine import ARMED, Step, SubjectState, margin, step
from tui.alerts.fields import field_spec
from tui.alerts.notify import command_argv, run_command
from tui.alerts.readings import Reading, SymbolFigures, Views, figure_symbols, readings
from tui.alerts.rules import (
    Rule,
    condition_text,
    config_rules,
    default_rules,
    subject_text,
)
from tui.alerts.storage import (
    HISTORY_LINES,
    AlertPaths,
    LogEntry,
    States,
    append_log,
    load_app_rules,
    load_states,
    read_log,
    save_app_rules,
    save_states,
)
from tui.clock import utc_now
from tui.config import AlertRule, Settings
from tui.jobs import JOBS, JobName
from tui.models import DatasetFreshness, Pane, StatusView
from tui.presenters import format as fmt
from tui.presenters.alerts import AlertRow, AlertsView, AlertTone, HistoryRow
from tui.presenters.registry import PaneView
from tui.reports import PaneBuilt, Report, StatusChanged

if TYPE_CHECKING:
    from tui.analytics.market import MarketData

log = logging.getLogger("tapewatch.alerts")

Deliver = Callable[["Firing"], None]
Warn = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Evidence:
    """What one evaluation reads."""

    views: Views  # each pane's newest view
    figures: Mapping[str, SymbolFigures]  # drill-down figures of the symbols rules name
    freshness: Mapping[JobName, DatasetFreshness]  # each dataset's age and stale mark
    now: dt.datetime  # wall clock, UTC
    source: str = ""  # "DEMO", "LIVE": for the log


def freshness_of(status: StatusView | None) -> dict[JobName, DatasetFreshness]:
    """Each job's freshness in a status (none before the first poll)."""
    if status is None or len(status.datasets) != len(JOBS):
        return {}
    return {spec.name: fresh for spec, fresh in zip(JOBS, status.datasets, strict=True)}


@dataclass(frozen=True, slots=True)
class Firing:
    """A rule that fired for one subject."""

    rule: Rule
    reading: Reading
    value: float
    at: dt.datetime
    source: str = ""

    @property
    def value_text(self) -> str:
        return field_spec(self.rule.field).text(self.value)

    @property
    def bound(self) -> float | None:
        """The level it crossed."""
        spec = self.rule.spec
        if spec.below is not None and self.value < spec.below:
            return spec.below
        return spec.above

    @property
    def text(self) -> str:
        """The firing in one line: "MSFT in Mag 7 corr to peers 0.05 < 0.10"."""
        label = field_spec(self.rule.field).label
        text = f"{self.reading.label} {label} {self.value_text} {condition_text(self.rule.spec)}"
        lag = field_spec(self.rule.field).lag
        if lag is not None and self.reading.lag_key is not None:
            day = dt.date.fromisoformat(self.reading.lag_key)
            text += f" ({'settled' if lag == 'settlement' else 'SV'} {fmt.short_date(day)})"
        return text

    @property
    def message(self) -> str:
        """The text with the rule's note: what a toast or a notification says."""
        note = self.rule.spec.note
        return f"{self.text} — {note}" if note else self.text

    def placeholders(self) -> dict[str, str]:
        """What a command's placeholders stand for."""
        bound = self.bound
        return {
            "symbol": self.reading.symbol,
            "basket": self.reading.basket,
            "field": self.rule.field,
            "value": self.value_text,
            "bound": "" if bound is None else field_spec(self.rule.field).text(bound),
            "note": self.rule.spec.note,
            "message": self.message,
        }

    def log_entry(self) -> LogEntry:
        return LogEntry(
            at=self.at,
            rule=self.rule.id,
            origin=self.rule.origin,
            subject=self.reading.label,
            field=self.rule.field,
            value=self.value,
            text=self.text,
            note=self.rule.spec.note,
            lag_key=self.reading.lag_key,
            source=self.source,
        )


@dataclass(frozen=True, slots=True)
class Outcome:
    """One subject's evaluation."""

    reading: Reading
    step: Step


@dataclass(frozen=True, slots=True)
class RuleResult:
    """One rule's latest evaluation: a subject, or one per row for ``symbol = "*"``."""

    rule: Rule
    outcomes: tuple[Outcome, ...]

    @property
    def true(self) -> bool:
        """Its condition holds now, on fresh data, for at least one subject."""
        return any(o.step.verdict in ("fired", "triggered") for o in self.outcomes)

    @property
    def true_outcomes(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.step.verdict in ("fired", "triggered")]


@dataclass(slots=True)
class Evaluation:
    """What evaluating every rule gives: the new states, each rule's result, the firings."""

    states: States
    results: dict[str, RuleResult] = field(default_factory=dict)
    firings: list[Firing] = field(default_factory=list)


def evaluate(rules: Iterable[Rule], states: States, evidence: Evidence) -> Evaluation:
    """Every rule against ``evidence``, from ``states`` (untouched; the new ones are returned)."""
    evaluation = Evaluation({rule_id: dict(subjects) for rule_id, subjects in states.items()})
    for rule in rules:
        subjects = evaluation.states.setdefault(rule.id, {})
        outcomes = []
        for reading in readings(rule.spec, evidence.views, evidence.figures):
            previous = subjects.get(reading.subject, ARMED)
            result = step(rule.spec, reading, previous, evidence.freshness, evidence.now)
            if result.state != previous:
                subjects[reading.subject] = result.state
            if result.fired and reading.value is not None:
                evaluation.firings.append(
                    Firing(rule, reading, reading.value, evidence.now, evidence.source)
                )
            outcomes.append(Outcome(reading, result))
        evaluation.results[rule.id] = RuleResult(rule, tuple(outcomes))
    return evaluation


class AlertMonitor:
    """The rules (the config's, the defaults switched on, the app's own), their states and the
    alert log, kept up to date as views arrive."""

    def __init__(
        self,
        settings: Settings,
        *,
        paths: AlertPaths,
        app_rules: Sequence[Rule] = (),
        states: States | None = None,
        history: Sequence[LogEntry] = (),
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.settings = settings
        self.paths = paths
        self.clock = clock
        self.deliver: Deliver | None = None  # the app's toast, bell and desktop escape
        self.warn: Warn | None = None  # a command that failed, a file that could not be written
        self._fixed = [
            *config_rules(settings.alerts, settings.baskets),
            *default_rules(settings.alerting.defaults),
        ]
        self._app_rules = list(app_rules)
        self._states: States = states if states is not None else {}
        self._history = list(history)
        self._results: dict[str, RuleResult] = {}
        self._views: dict[Pane, PaneView] = {}
        self._dirty = asyncio.Event()
        self._save_lock = asyncio.Lock()
        self._commands: set[asyncio.Task[None]] = set()
        self.checks = 0  # evaluations so far (tests wait on it)

    @classmethod
    def load(
        cls,
        settings: Settings,
        paths: AlertPaths | None = None,
        *,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> AlertMonitor:
        """The monitor with the rules, states and history saved on disk (blocking I/O: call it
        in a thread)."""
        paths = paths or AlertPaths.default()
        return cls(
            settings,
            paths=paths,
            app_rules=load_app_rules(paths.rules, settings.baskets),
            states=load_states(paths.state),
            history=read_log(paths.log),
            clock=clock,
        )

    # -- rules -------------------------------------------------------------------------------

    @property
    def rules(self) -> list[Rule]:
        """Every rule: the config's, the defaults, then the ones made in the app."""
        return [*self._fixed, *self._app_rules]

    def app_symbols(self) -> list[str]:
        """The symbols the rules made in the app name (the fetch plan prices them)."""
        return [rule.spec.symbol for rule in list(self._app_rules) if rule.spec.symbol]

    def rule(self, rule_id: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.id == rule_id), None)

    async def add_rule(self, spec: AlertRule) -> Rule:
        """Keep a rule made in the app (saved in the user data folder) and evaluate it."""
        rule = Rule(f"app-{uuid.uuid4().hex[:12]}", "app", spec)
        self._app_rules.append(rule)
        await self._save_rules()
        return rule

    async def replace_rule(self, rule_id: str, spec: AlertRule) -> Rule | None:
        """Change a rule made in the app; it starts afresh (armed, never fired)."""
        index = next((i for i, rule in enumerate(self._app_rules) if rule.id == rule_id), None)
        if index is None:
            return None
        rule = replace(self._app_rules[index], spec=spec)
        self._app_rules[index] = rule
        self._states.pop(rule_id, None)
        self._results.pop(rule_id, None)
        await self._save_rules()
        return rule

    async def delete_rule(self, rule_id: str) -> bool:
        """Forget a rule made in the app; False for any other (the config is never written)."""
        rule = self.rule(rule_id)
        if rule is None or rule.origin != "app":
            return False
        self._app_rules.remove(rule)
        self._states.pop(rule_id, None)
        self._results.pop(rule_id, None)
        await self._save_rules()
        return True

    async def _save_rules(self) -> None:
        rules, states = list(self._app_rules), self._snapshot_states()
        self._dirty.set()  # evaluate the changed rules with the views at hand

        def save() -> None:
            save_app_rules(self.paths.rules, rules)
            save_states(self.paths.state, states)

        await self._write("the alert rules", save)

    # -- evaluating --------------------------------------------------------------------------

    def note(self, report: Report) -> None:
        """A scheduler report: a pane's new view is what the rules read next, and a poll's new
        status may have made a dataset stale (or fresh again)."""
        if isinstance(report, PaneBuilt):
            self._views[report.pane] = report.view
            self._dirty.set()
        elif isinstance(report, StatusChanged):
            self._dirty.set()

    @property
    def views(self) -> Views:
        """Each pane's newest view, as the rules read them."""
        return dict(self._views)

    async def run(
        self,
        market: Callable[[], MarketData | None],
        status: Callable[[], StatusView | None],
    ) -> None:
        """Evaluate every rule whenever views or a status have come (a burst of them once), until
        cancelled. ``market`` and ``status`` give the stored frames and the datasets' freshness
        at that moment."""
        failing = False
        try:
            while True:
                await self._dirty.wait()
                self._dirty.clear()
                try:
                    await self.check(market(), status())
                except Exception as error:  # a bug in one evaluation must not end alerting
                    log.exception("the alerts could not be evaluated")
                    if not failing:  # told once per failing spell; the log has each
                        self._warn(f"alerts could not be evaluated: {error} (details in the log)")
                    failing = True
                else:
                    failing = False
        finally:
            await self.aclose()

    async def check(self, data: MarketData | None, status: StatusView | None) -> list[Firing]:
        """Evaluate every rule once on the newest views; fire what crossed."""
        figures: Mapping[str, SymbolFigures] = {}
        symbols = figure_symbols([rule.spec for rule in self.rules])
        if data is not None and symbols:
            from tui.alerts.figures import symbol_figures  # polars: in the thread only

            figures = await asyncio.to_thread(symbol_figures, data, sorted(symbols))
        evidence = Evidence(
            self.views,
            figures,
            freshness_of(status),
            self.clock(),
            status.source_label if status is not None else "",
        )
        evaluation = evaluate(self.rules, self._states, evidence)
        changed = evaluation.states != self._states
        self._states = evaluation.states
        self._results = evaluation.results
        self.checks += 1
        await self._fire(evaluation.firings, changed)
        return evaluation.firings

    async def _fire(self, firings: list[Firing], state_changed: bool) -> None:
        for firing in firings:
            log.info("alert: %s", firing.message)
            if self.deliver is not None:
                try:
                    self.deliver(firing)
                except Exception:  # a broken channel must not stop the others
                    log.exception("could not show the alert %s", firing.text)
            self._start_command(firing)
        entries = [firing.log_entry() for firing in firings]
        self._history = [*self._history, *entries][-HISTORY_LINES:]
        if not entries and not state_changed:
            return
        states = self._snapshot_states()

        def save() -> None:
            append_log(self.paths.log, entries)
            save_states(self.paths.state, states)

        await self._write("the alert log and state", save)

    def _snapshot_states(self) -> States:
        return {rule_id: dict(subjects) for rule_id, subjects in self._states.items()}

    async def _write(self, what: str, save: Callable[[], None]) -> None:
        """Run a blocking save in a thread, one at a time (a later state is never overwritten by
        an earlier one); a disk error is logged and told, never raised."""
        async with self._save_lock:
            try:
                await asyncio.to_thread(save)
            except OSError as error:
                log.warning("could not save %s: %s", what, error)
                self._warn(f"could not save {what}: {error.strerror or error}")

    def _start_command(self, firing: Firing) -> None:
        template = firing.rule.spec.command or self.settings.alerting.on_alert
        if not template:
            return
        argv = command_argv(template, firing.placeholders())
        task = asyncio.create_task(self._run_command(argv), name=f"alert command {argv[0]}")
        self._commands.add(task)
        task.add_done_callback(self._commands.discard)

    async def _run_command(self, argv: list[str]) -> None:
        problem = await run_command(argv, self.settings.alerting.command_timeout)
        if problem is not None:
            self._warn(problem)

    def _warn(self, message: str) -> None:
        if self.warn is not None:
            self.warn(message)

    async def commands_done(self) -> None:
        """Wait for the commands started so far (tests, and a headless process before exit)."""
        while self._commands:
            await asyncio.gather(*list(self._commands), return_exceptions=True)

    async def aclose(self) -> None:
        """Stop the commands still running."""
        for task in list(self._commands):
            task.cancel()
        await asyncio.gather(*list(self._commands), return_exceptions=True)

    # -- what the ALRT screen shows ----------------------------------------------------------

    def result(self, rule_id: str) -> RuleResult | None:
        return self._results.get(rule_id)

    def view(self) -> AlertsView:
        """Every rule with its value, distance, state and last firing; the history, newest
        first."""
        now = self.clock()
        rows = tuple(
            alert_row(rule, self._results.get(rule.id), self._states.get(rule.id, {}))
            for rule in self.rules
        )
        history = tuple(
            HistoryRow(entry.at, entry.text, entry.note, entry.source)
            for entry in reversed(self._history)
        )
        return AlertsView(rows, history, now)


# -- one rule as a row ---------------------------------------------------------------------------


def distance_text(spec: AlertRule, value: float) -> str:
    """How far the figure must move to fire: "↓ 0.05" (fall), "↑ 1.2" (rise), "met"."""
    candidates = []
    if spec.below is not None:
        candidates.append(("↓", value - spec.below))
    if spec.above is not None:
        candidates.append(("↑", spec.above - value))
    arrow, gap = min(candidates, key=lambda candidate: candidate[1])
    if gap < 0:
        return "met"
    decimals = 2 if abs(gap) < 100 else 0
    return f"{arrow} {fmt.number(gap, decimals)}"


_STATUS_WORDS: dict[str, str] = {
    "fired": "fired",
    "triggered": "fired",
    "armed": "armed",
    "disarmed": "re-arms",
    "waiting": "waiting",
    "no data": "no data",
}

_VERDICT_TONES: dict[str, AlertTone] = {
    "fired": "fired",
    "triggered": "triggered",
    "armed": "armed",
    "disarmed": "muted",
    "waiting": "waiting",
    "no data": "muted",
}


def _rearm_text(spec: AlertRule) -> str:
    """Where a fired rule re-arms: "re-arms ≥ 0.12" (or "≤ …" for an upper level)."""
    text = field_spec(spec.field).text
    parts = []
    if spec.below is not None:
        parts.append(f"≥ {text(spec.below + margin(spec, spec.below))}")
    if spec.above is not None:
        parts.append(f"≤ {text(spec.above - margin(spec, spec.above))}")
    return "re-arms " + " and ".join(parts)


def _state_text(outcome: Outcome, spec: AlertRule) -> str:
    verdict, reason = outcome.step.verdict, outcome.step.reason
    if verdict in ("fired", "triggered"):
        return "fired"
    if verdict == "disarmed":
        return f"fired · {_rearm_text(spec)}"
    if verdict == "waiting":
        return f"waiting: {reason}"
    if verdict == "no data":
        return reason if reason and reason.startswith("no data") else f"no data: {reason}"
    return "armed"


_NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)


def _nearest(outcomes: Sequence[Outcome], spec: AlertRule) -> Outcome | None:
    """The subject to show for a rule over many: one that is true, else the closest to firing,
    else one that waits, else any."""
    if not outcomes:
        return None
    true = [o for o in outcomes if o.step.verdict in ("fired", "triggered")]
    if true:
        return max(true, key=lambda o: o.step.state.fired_at or _NEVER)
    valued = [o for o in outcomes if o.reading.value is not None and o.step.verdict != "waiting"]
    if valued:

        def gap(outcome: Outcome) -> float:
            value = outcome.reading.value or 0.0
            gaps = []
            if spec.below is not None:
                gaps.append(value - spec.below)
            if spec.above is not None:
                gaps.append(spec.above - value)
            return min(gaps)

        return min(valued, key=gap)
    return outcomes[0]


def alert_row(
    rule: Rule, result: RuleResult | None, states: Mapping[str, SubjectState]
) -> AlertRow:
    """One rule as the ALRT screen shows it."""
    spec = rule.spec
    fired = [state.fired_at for state in states.values() if state.fired_at is not None]
    last_fired = max(fired) if fired else None
    name = f"{subject_text(spec)} {field_spec(spec.field).label}"
    base = AlertRow(
        rule_id=rule.id,
        origin=rule.origin,
        rule=name,
        condition=condition_text(spec),
        value=fmt.MISSING,
        distance="",
        status="loading",
        state="loading",
        tone="muted",
        last_fired=last_fired,
        note=spec.note,
    )
    outcome = None if result is None else _nearest(result.outcomes, spec)
    if result is not None and outcome is None:
        return replace(base, status="no data", state="no row shows this figure yet")
    if outcome is None:
        return base
    value = outcome.reading.value
    value_text = field_spec(spec.field).text(value)
    if rule.is_any and value is not None:
        value_text = f"{value_text} {outcome.reading.label}"
    state = _state_text(outcome, spec)
    if rule.is_any and result is not None:
        count = len(result.true_outcomes)
        state = f"{state} ({count} of {len(result.outcomes)})" if count else state
    return replace(
        base,
        value=value_text,
        distance="" if value is None else distance_text(spec, value),
        status=_STATUS_WORDS[outcome.step.verdict],
        state=state,
        tone=_VERDICT_TONES[outcome.step.verdict],
    )
