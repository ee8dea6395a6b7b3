"""Alert rules as the monitor runs them: a validated `AlertRule` with a stable id and where it came
from (the config file, the app, or a default switched on in `[alerting.defaults]`), and how a rule
reads in a table or a notification."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from tui.alerts.fields import field_spec
from tui.config import (
    ANY_SYMBOL,
    MEMBER_ALERT_FIELDS,
    AlertDefaults,
    AlertField,
    AlertRule,
    Basket,
)

Origin = Literal["config", "app", "default"]

# Where a rule is changed: the app edits only its own rules, never the config file.
ORIGIN_TEXT: dict[Origin, str] = {"config": "config", "app": "app", "default": "default"}

SHORTS_FIELDS = frozenset({"si_pct", "si_change_pct", "days_to_cover", "sv_pct", "sv_z"})


@dataclass(frozen=True, slots=True)
class Rule:
    """One alert rule, identified by ``id`` (its state and its log lines use it)."""

    id: str
    origin: Origin
    spec: AlertRule

    @property
    def field(self) -> str:
        return self.spec.field

    @property
    def is_any(self) -> bool:
        """A rule over every row that shows its field (``symbol = "*"``)."""
        return self.spec.symbol == ANY_SYMBOL

    @property
    def lagged(self) -> bool:
        return field_spec(self.spec.field).lag is not None


def rule_id(spec: AlertRule, origin: Origin) -> str:
    """A stable id from what the rule watches and its levels: a config rule keeps its state
    across restarts, and a rule whose level changes starts afresh. (The note and the command
    are not part of it: rewording a note does not re-arm an alert.)"""
    identity = json.dumps(
        [spec.field, spec.symbol, spec.basket, spec.below, spec.above, spec.hysteresis]
    )
    return f"{origin}-{hashlib.sha256(identity.encode()).hexdigest()[:12]}"


def resolve_basket(spec: AlertRule, baskets: Sequence[Basket]) -> AlertRule:
    """A member's correlation rule with its basket named: the config may leave it out when the
    symbol is in exactly one basket."""
    if spec.field not in MEMBER_ALERT_FIELDS or spec.basket or spec.symbol == ANY_SYMBOL:
        return spec
    holding = [basket.name for basket in baskets if spec.symbol in basket.symbols]
    return replace(spec, basket=holding[0]) if len(holding) == 1 else spec


def config_rules(specs: Iterable[AlertRule], baskets: Sequence[Basket]) -> list[Rule]:
    """The config's `[[alerts]]`, each once (a repeated table is the same rule)."""
    rules: dict[str, Rule] = {}
    for spec in specs:
        resolved = resolve_basket(spec, baskets)
        identity = rule_id(resolved, "config")
        rules.setdefault(identity, Rule(identity, "config", resolved))
    return list(rules.values())


def default_rules(defaults: AlertDefaults) -> list[Rule]:
    """The alerts `[alerting.defaults]` switches on, over every row that shows their field."""
    switched: tuple[tuple[bool, AlertField, float | None, float | None, str], ...] = (
        (defaults.sv_spikes, "sv_z", None, defaults.sv_z, "short-sale volume far above its norm"),
        (
            defaults.si_jumps,
            "si_change_pct",
            None,
            defaults.si_change_pct,
            "short interest jumped at the new settlement",
        ),
        (
            defaults.correlation_breaks,
            "corr_to_peers",
            defaults.corr_to_peers,
            None,
            "broke away from its basket",
        ),
    )
    specs = [
        AlertRule(field, symbol=ANY_SYMBOL, below=below, above=above, note=note)
        for on, field, below, above, note in switched
        if on
    ]
    return [Rule(rule_id(spec, "default"), "default", spec) for spec in specs]


# -- how a rule reads ----------------------------------------------------------------------------


def subject_text(spec: AlertRule) -> str:
    """Whose figure the rule watches: "MSFT", "MSFT in Mag 7", "Mag 7", "any Most shorted"."""
    if spec.symbol == ANY_SYMBOL:
        if spec.field in MEMBER_ALERT_FIELDS:
            return f"any {spec.basket} member" if spec.basket else "any basket member"
        if spec.field in SHORTS_FIELDS:
            return "any Most shorted"
        if spec.field == "rel_vol":
            return "any sector"
        return "any row"
    if spec.field in MEMBER_ALERT_FIELDS and spec.basket:
        return f"{spec.symbol} in {spec.basket}"
    return spec.symbol or spec.basket


def condition_text(spec: AlertRule) -> str:
    """The level, as the screen shows the field: "< 0.10", "> +3.0σ", "outside 380.00–420.00"."""
    text = field_spec(spec.field).text
    if spec.below is not None and spec.above is not None:
        return f"outside {text(spec.below)}–{text(spec.above)}"
    if spec.below is not None:
        return f"< {text(spec.below)}"
    return f"> {text(spec.above)}"


def rule_text(spec: AlertRule) -> str:
    """The whole rule in one line: "MSFT in Mag 7 corr to peers < 0.10"."""
    return f"{subject_text(spec)} {field_spec(spec.field).label} {condition_text(spec)}"
