"""When an alert fires: a crossing, once, re-armed with hysteresis; lagged figures once per
settlement or file; never on stale data. Pure functions of a rule, a reading and the last state.

- A price-like figure (last, change %, relative volume, correlations) fires when its condition
  becomes true while the rule is armed, and the rule is then disarmed. It re-arms once the figure
  is back inside the level by the margin (the rule's `hysteresis`, else its field's), so a figure
  hovering at the level fires once, not on every tick.
- A lagged figure (short interest per settlement, short volume per daily file) fires when its
  condition holds on a settlement or file it has not fired for yet: once per new settlement, and
  never again for the same one (the state remembers which, across restarts).
- A reading whose datasets are stale, or that has no value, changes nothing: it neither fires nor
  re-arms, and says why it is waiting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

from tui.alerts.fields import field_spec
from tui.alerts.readings import Reading
from tui.config import AlertRule
from tui.jobs import SPECS, JobName
from tui.models import DatasetFreshness
from tui.presenters import format as fmt


@dataclass(frozen=True, slots=True)
class SubjectState:
    """What a rule remembers about one subject (persisted across restarts)."""

    armed: bool = True
    fired_at: dt.datetime | None = None  # when it last fired (wall clock, UTC)
    fired_value: float | None = None  # the value it fired on
    fired_for: str | None = None  # lagged fields: the settlement or file date it fired for


ARMED = SubjectState()

# armed: watching; fired: fired on this evaluation; triggered: true, and already fired (for this
# settlement); disarmed: fired, not true now, and not yet back by the margin; waiting: stale data;
# no data: nothing to read.
Verdict = Literal["armed", "fired", "triggered", "disarmed", "waiting", "no data"]


@dataclass(frozen=True, slots=True)
class Step:
    """One evaluation of one subject: its new state, whether it fired, and what it is doing."""

    state: SubjectState
    fired: bool
    verdict: Verdict
    reason: str | None = None  # why it waits, or has no data


def is_true(spec: AlertRule, value: float) -> bool:
    """The condition: below the lower level or above the upper one."""
    return (spec.below is not None and value < spec.below) or (
        spec.above is not None and value > spec.above
    )


def margin(spec: AlertRule, level: float) -> float:
    """How far back past ``level`` the figure must come before the rule re-arms."""
    if spec.hysteresis is not None:
        return spec.hysteresis
    return field_spec(spec.field).margin_for(level)


def is_back(spec: AlertRule, value: float) -> bool:
    """The figure is back inside the levels by their margins: the rule re-arms."""
    if spec.below is not None and value < spec.below + margin(spec, spec.below):
        return False
    return not (spec.above is not None and value > spec.above - margin(spec, spec.above))


def stale_reason(
    jobs: tuple[JobName, ...], freshness: Mapping[JobName, DatasetFreshness]
) -> str | None:
    """Why a figure computed from ``jobs`` must not fire now: one of them is stale or was never
    loaded (None when all are fresh)."""
    for job in jobs:
        fresh = freshness.get(job)
        label = SPECS[job].label
        if fresh is None or fresh.age_s is None:
            return f"waiting for {label}"
        if fresh.stale:
            return f"{label} stale ({fmt.age(fresh.age_s)} old)"
    return None


def step(
    spec: AlertRule,
    reading: Reading,
    state: SubjectState,
    freshness: Mapping[JobName, DatasetFreshness],
    now: dt.datetime,
) -> Step:
    """Evaluate ``reading`` of a rule whose last state was ``state``."""
    if reading.value is None:
        return Step(state, False, "no data", reading.missing)
    waiting = stale_reason(reading.jobs, freshness)
    if waiting is not None:
        return Step(state, False, "waiting", waiting)
    value = reading.value
    true = is_true(spec, value)
    lagged = field_spec(spec.field).lag is not None
    if lagged:
        if reading.lag_key is None:
            return Step(state, False, "no data", "no as-of date")
        if true and state.fired_for != reading.lag_key:
            fired = SubjectState(False, now, value, reading.lag_key)
            return Step(fired, True, "fired")
        if true:
            return Step(state, False, "triggered")
        return Step(replace(state, armed=True), False, "armed")
    if true and state.armed:
        return Step(SubjectState(False, now, value, None), True, "fired")
    if true:
        return Step(state, False, "triggered")
    if not state.armed and is_back(spec, value):
        return Step(replace(state, armed=True), False, "armed")
    return Step(state, False, "armed" if state.armed else "disarmed")
