"""When an alert fires: crossings with hysteresis on synthetic series, lagged figures once per
settlement or file, never on stale data or without a value."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import pytest

from tui.alerts.engine import ARMED, SubjectState, is_back, margin, stale_reason, step
from tui.alerts.readings import Reading
from tui.config import AlertRule
from tui.jobs import JOBS, JobName
from tui.models import DatasetFreshness

NOW = dt.datetime(2026, 2, 11, 15, 0, tzinfo=dt.UTC)
FRESH = {spec.name: DatasetFreshness(spec.label, 1.0, False) for spec in JOBS}


def reading(
    value: float | None, lag_key: str | None = None, jobs: tuple[JobName, ...] = (JobName.QUOTES,)
) -> Reading:
    return Reading("MSFT", "MSFT", "MSFT", "", value, lag_key, "no data", jobs)


def fired_at(spec: AlertRule, values: Iterable[float | None]) -> list[int]:
    """The positions in a series at which the rule fires, its state carried along."""
    state = ARMED
    fired = []
    for index, value in enumerate(values):
        result = step(spec, reading(value), state, FRESH, NOW + dt.timedelta(seconds=index))
        state = result.state
        if result.fired:
            fired.append(index)
    return fired


def test_a_level_crossed_downwards_fires_once_and_not_while_it_stays_below() -> None:
    spec = AlertRule("last", symbol="MSFT", below=380.0)
    assert fired_at(spec, [400, 390, 381, 379.5, 378, 370, 379]) == [3]


def test_a_price_hovering_at_the_level_fires_once_thanks_to_the_margin() -> None:
    spec = AlertRule("last", symbol="MSFT", below=380.0)
    # 0.25 % of 380 is 0.95: the rule re-arms only at 380.95 or above.
    assert margin(spec, 380.0) == pytest.approx(0.95)
    hovering = [380.2, 379.9, 380.3, 379.8, 380.6, 379.7, 380.1, 379.95]
    assert fired_at(spec, hovering) == [1]


def test_a_figure_back_past_the_margin_re_arms_and_fires_again() -> None:
    spec = AlertRule("last", symbol="MSFT", below=380.0)
    assert fired_at(spec, [381, 379, 381.5, 379]) == [1, 3]


def test_an_upper_level_and_its_own_hysteresis() -> None:
    spec = AlertRule("change_pct", symbol="MSFT", above=2.0, hysteresis=0.5)
    assert fired_at(spec, [1.0, 2.1, 1.8, 2.2, 1.4, 2.05]) == [1, 5]
    assert not is_back(spec, 1.6)
    assert is_back(spec, 1.5)


def test_both_levels_fire_when_the_figure_leaves_the_range_either_way() -> None:
    spec = AlertRule("last", symbol="MSFT", below=380.0, above=420.0)
    assert fired_at(spec, [400, 421, 400, 379, 400]) == [1, 3]


def test_a_rule_already_true_when_first_seen_fires_at_once() -> None:
    spec = AlertRule("corr_to_peers", symbol="MSFT", basket="Mag 7", below=0.1)
    assert fired_at(spec, [0.05, 0.04, 0.06]) == [0]


def test_no_value_changes_nothing_and_says_why() -> None:
    spec = AlertRule("last", symbol="MSFT", below=380.0)
    result = step(spec, reading(None), ARMED, FRESH, NOW)
    assert (result.fired, result.state, result.verdict, result.reason) == (
        False,
        ARMED,
        "no data",
        "no data",
    )
    assert fired_at(spec, [None, 379, None, 379]) == [1]


def test_stale_data_never_fires_and_the_rule_waits_saying_why() -> None:
    spec = AlertRule("last", symbol="MSFT", below=380.0)
    stale = dict(FRESH)
    stale[JobName.QUOTES] = DatasetFreshness("quotes", 95.0, True)
    result = step(spec, reading(300.0), ARMED, stale, NOW)
    assert not result.fired
    assert result.state == ARMED  # still armed: fresh data that is still below fires
    assert result.verdict == "waiting"
    assert result.reason == "quotes stale (1m old)"
    assert step(spec, reading(300.0), result.state, FRESH, NOW).fired


def test_stale_data_does_not_re_arm_either() -> None:
    spec = AlertRule("last", symbol="MSFT", below=380.0)
    fired = SubjectState(False, NOW, 379.0, None)
    stale = {**FRESH, JobName.QUOTES: DatasetFreshness("quotes", 95.0, True)}
    assert step(spec, reading(400.0), fired, stale, NOW).state == fired


def test_a_dataset_never_loaded_waits() -> None:
    loading = {**FRESH, JobName.DAILY: DatasetFreshness("daily", None, False)}
    assert stale_reason((JobName.QUOTES, JobName.DAILY), loading) == "waiting for daily"
    assert stale_reason((JobName.QUOTES,), {}) == "waiting for quotes"
    assert stale_reason((JobName.QUOTES,), FRESH) is None


def lagged(
    spec: AlertRule, series: Sequence[tuple[float, str]], state: SubjectState = ARMED
) -> tuple[list[str], SubjectState]:
    fired = []
    for value, settlement in series:
        result = step(
            spec, reading(value, settlement, (JobName.SHORT_INTEREST,)), state, FRESH, NOW
        )
        state = result.state
        if result.fired:
            fired.append(settlement)
    return fired, state


def test_lagged_figures_fire_once_per_new_settlement() -> None:
    spec = AlertRule("si_change_pct", symbol="MSFT", above=10.0)
    series = [
        (12.0, "2026-01-15"),  # true: fires
        (12.0, "2026-01-15"),  # the same settlement polled again: not again
        (12.0, "2026-01-15"),
        (15.0, "2026-01-30"),  # a new settlement, still true: fires once more
        (4.0, "2026-02-13"),  # false: nothing
        (11.0, "2026-02-27"),  # true again: fires
    ]
    fired, _ = lagged(spec, series)
    assert fired == ["2026-01-15", "2026-01-30", "2026-02-27"]


def test_a_lagged_figure_remembered_for_its_settlement_does_not_fire_again() -> None:
    spec = AlertRule("sv_z", symbol="MSFT", above=3.0)
    remembered = SubjectState(False, NOW, 3.4, "2026-02-10")  # as a restart reads it back
    fired, _ = lagged(spec, [(3.4, "2026-02-10"), (3.6, "2026-02-10")], remembered)
    assert fired == []
    fired, _ = lagged(spec, [(3.1, "2026-02-11")], remembered)
    assert fired == ["2026-02-11"]


def test_a_lagged_figure_without_its_date_does_not_fire() -> None:
    spec = AlertRule("si_pct", symbol="MSFT", above=10.0)
    result = step(spec, reading(20.0, None, (JobName.SHORT_INTEREST,)), ARMED, FRESH, NOW)
    assert (result.fired, result.verdict) == (False, "no data")
