"""What each alert field is: its label, how its value reads, which jobs it is computed from (for
the stale check), whether it is published with a lag (once per settlement or file), and the
margin by which it must come back before its alert re-arms."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from tui.config import AlertField
from tui.jobs import JobName
from tui.presenters import format as fmt

Lag = Literal["settlement", "file"]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field an alert can watch."""

    name: AlertField
    label: str  # how the screen calls it: "SV z", "corr to peers"
    jobs: tuple[JobName, ...]  # the datasets it is computed from: stale data never fires
    text: Callable[[float | None], str]  # a value (or a bound) as the screen shows it
    # Lagged figures fire once per new settlement or short-volume file, so they need no margin.
    lag: Lag | None = None
    # Re-arm only once the figure is back past the level by this much (in the field's units),
    # or by this fraction of the level for a price: a figure hovering at the level fires once.
    margin: float = 0.0
    relative_margin: bool = False

    def margin_for(self, level: float) -> float:
        """The re-arm margin at ``level``."""
        return abs(level) * self.margin if self.relative_margin else self.margin


def _signed_percent(value: float | None) -> str:
    return fmt.signed_percent(value, 2)


def _sv_percent(value: float | None) -> str:
    return fmt.percent(value, 0)


_QUOTES = (JobName.QUOTES,)

FIELDS: Mapping[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec("last", "last", _QUOTES, fmt.price, margin=0.0025, relative_margin=True),
        FieldSpec("change_pct", "chg %", _QUOTES, _signed_percent, margin=0.25),
        FieldSpec("ext_change_pct", "ext chg %", _QUOTES, _signed_percent, margin=0.25),
        FieldSpec("rel_vol", "rel vol", (JobName.QUOTES, JobName.DAILY), fmt.ratio, margin=0.1),
        FieldSpec(
            "si_pct",
            "SI %",
            (JobName.SHORT_INTEREST, JobName.SHARES),
            fmt.percent,
            lag="settlement",
        ),
        FieldSpec(
            "si_change_pct",
            "SI chg",
            (JobName.SHORT_INTEREST,),
            fmt.signed_percent,
            lag="settlement",
        ),
        FieldSpec(
            "days_to_cover",
            "DTC",
            (JobName.SHORT_INTEREST,),
            fmt.days_to_cover,
            lag="settlement",
        ),
        FieldSpec("sv_pct", "SV %", (JobName.SHORT_VOLUME,), _sv_percent, lag="file"),
        FieldSpec("sv_z", "SV z", (JobName.SHORT_VOLUME,), fmt.zscore, lag="file"),
        FieldSpec("corr_to_peers", "corr to peers", (JobName.DAILY,), fmt.correlation, margin=0.02),
        FieldSpec("basket_corr", "basket corr", (JobName.DAILY,), fmt.correlation, margin=0.02),
    )
}

# Every field, in the order the config documents them.
FIELD_NAMES: tuple[AlertField, ...] = get_args(AlertField)


def field_spec(name: str) -> FieldSpec:
    """The spec of the field ``name`` (one of FIELD_NAMES)."""
    return FIELDS[name]
