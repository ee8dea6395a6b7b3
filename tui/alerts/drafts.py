"""A new alert from a row: whose figures the row shows, which fields it can watch with their
current values, and levels either side of the value to start from. No textual: the form shows a
draft and hands back a table that `tui.config.read_alert_rule` checks like a config rule."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tui.alerts.fields import FIELD_NAMES, field_spec
from tui.alerts.readings import SymbolFigures, Views, readings
from tui.config import (
    BASKET_ALERT_FIELDS,
    MEMBER_ALERT_FIELDS,
    AlertField,
    AlertRule,
)
from tui.models import Pane
from tui.presenters.correlations import MEMBER_PREFIX
from tui.presenters.indices import IndicesView
from tui.presenters.sectors import SectorsView
from tui.presenters.table import basket_of

# How far either side of the current value a new alert's levels start.
BAND = 0.05

# What a row's symbol can be watched on: every field but a basket's and a member's own (the
# extended-hours change is left out while no view shows it).
_SYMBOL_FIELDS: tuple[AlertField, ...] = tuple(
    name
    for name in FIELD_NAMES
    if name not in BASKET_ALERT_FIELDS | MEMBER_ALERT_FIELDS and name != "ext_change_pct"
)
_BASKET_FIELDS: tuple[AlertField, ...] = ("basket_corr", "last", "change_pct")
_MEMBER_FIELDS: tuple[AlertField, ...] = ("corr_to_peers", *_SYMBOL_FIELDS)

# The field a row's pane is about, offered first.
_PANE_FIELD: Mapping[Pane, AlertField] = {
    Pane.INDICES: "last",
    Pane.SECTORS: "change_pct",
    Pane.SHORTS: "si_pct",
    Pane.CORRELATIONS: "corr_to_peers",
    Pane.WATCHLIST: "change_pct",
}


@dataclass(frozen=True, slots=True)
class AlertDraft:
    """What the alert form starts from."""

    symbol: str  # "" for a basket's own figures
    basket: str  # the basket of a basket row, or whose peers a member row's correlation is to
    choices: tuple[tuple[AlertField, float | None], ...]  # fields with their current values
    field: AlertField  # the one chosen first
    below: float | None = None
    above: float | None = None
    note: str = ""
    rule_id: str | None = None  # the rule being edited, None for a new one
    name: str = ""  # what the row calls the symbol: "S&P 500", "Information Technology"

    @property
    def title(self) -> str:
        """Whose figures: "MSFT", "MSFT in Mag 7", "Mag 7", "^GSPC S&P 500"."""
        if self.symbol and self.basket:
            return f"{self.symbol} in {self.basket}"
        if self.symbol and self.name:
            return f"{self.symbol} {self.name}"
        return self.symbol or self.basket

    def value(self, field: str) -> float | None:
        """The current value of ``field`` (None when unknown)."""
        return next((value for name, value in self.choices if name == field), None)


def row_subject(pane: Pane, key: str) -> tuple[str, str] | None:
    """(symbol, basket) of the row ``key`` in ``pane``: a basket row gives ("", name), a
    Correlations member row (symbol, its basket), any other row (symbol, "")."""
    basket = basket_of(key)
    if basket is not None:
        return "", basket
    if key.startswith(MEMBER_PREFIX):
        basket, _, symbol = key.removeprefix(MEMBER_PREFIX).rpartition(":")
        return (symbol, basket) if symbol and basket else None
    return (key, "") if key else None


def rule_subject(field: str, symbol: str, basket: str) -> dict[str, str]:
    """The subject keys of a rule on ``field`` for a draft's (symbol, basket): a member's
    correlation names both, a basket's own figure the basket, any other a symbol's the symbol."""
    if field in MEMBER_ALERT_FIELDS:
        return {"symbol": symbol, "basket": basket}
    if field in BASKET_ALERT_FIELDS or not symbol:
        return {"basket": basket}
    return {"symbol": symbol}


def current_value(
    field: AlertField,
    symbol: str,
    basket: str,
    views: Views,
    figures: Mapping[str, SymbolFigures],
) -> float | None:
    """The value of ``field`` for the subject, as the rule would read it now."""
    subject = rule_subject(field, symbol, basket)
    spec = AlertRule(field, symbol=subject.get("symbol", ""), basket=subject.get("basket", ""))
    found = readings(spec, views, figures)
    return found[0].value if found else None


def draft_for_row(
    pane: Pane,
    key: str,
    views: Views,
    figures: Mapping[str, SymbolFigures],
) -> AlertDraft | None:
    """A new alert for the row ``key`` of ``pane``: the fields its subject has a value for (the
    pane's own first), levels 5 % either side of the first one's value. None for a row with no
    figure to watch."""
    subject = row_subject(pane, key)
    if subject is None:
        return None
    symbol, basket = subject
    if not symbol:
        fields = _BASKET_FIELDS
    elif basket:
        fields = _MEMBER_FIELDS
    else:
        fields = _SYMBOL_FIELDS
    first = _PANE_FIELD[pane] if symbol else "basket_corr"
    if pane is Pane.INDICES and not symbol:
        first = "last"
    ordered = sorted(fields, key=lambda name: name != first)
    choices = tuple(
        (name, value)
        for name in ordered
        if (value := current_value(name, symbol, basket, views, figures)) is not None
    )
    if not choices:
        return None
    chosen, value = choices[0]
    below, above = levels_around(value)
    return AlertDraft(
        symbol, basket, choices, chosen, below, above, name=_row_name(views, pane, symbol)
    )


def _row_name(views: Views, pane: Pane, symbol: str) -> str:
    """What an Indices or Sector flows row calls its symbol ("S&P 500")."""
    view = views.get(pane)
    if isinstance(view, IndicesView):
        return next((row.label for row in view.rows if row.symbol == symbol), "")
    if isinstance(view, SectorsView):
        return next((row.sector for row in view.rows if row.symbol == symbol), "")
    return ""


def levels_around(value: float | None) -> tuple[float | None, float | None]:
    """Levels ``BAND`` either side of ``value`` (by its size, so below a negative value is more
    negative), rounded to what the figure shows; nothing without a value."""
    if value is None or not math.isfinite(value):
        return None, None
    step = abs(value) * BAND or 0.01
    decimals = 2 if abs(value) >= 1 else 3
    return round(value - step, decimals), round(value + step, decimals)


def form_table(
    draft: AlertDraft,
    field: AlertField,
    below: float | None,
    above: float | None,
    note: str,
) -> dict[str, Any]:
    """The rule the form describes, as the table `read_alert_rule` checks."""
    table: dict[str, Any] = {"field": field, **rule_subject(field, draft.symbol, draft.basket)}
    if below is not None:
        table["below"] = below
    if above is not None:
        table["above"] = above
    if note.strip():
        table["note"] = note.strip()
    return table


def draft_for_rule(
    spec: AlertRule,
    rule_id: str,
    views: Views,
    figures: Mapping[str, SymbolFigures],
) -> AlertDraft:
    """The form for editing a rule made in the app: its own levels and note, its field first."""
    symbol, basket = spec.symbol, spec.basket
    if not symbol:
        fields: Sequence[AlertField] = _BASKET_FIELDS
    elif spec.field in MEMBER_ALERT_FIELDS:
        fields = _MEMBER_FIELDS
    else:
        fields = _SYMBOL_FIELDS
    ordered = sorted(fields, key=lambda name: name != spec.field)
    choices = tuple((name, current_value(name, symbol, basket, views, figures)) for name in ordered)
    return AlertDraft(
        symbol, basket, choices, spec.field, spec.below, spec.above, spec.note, rule_id
    )


def choice_label(field: str, value: float | None) -> str:
    """A field as the form offers it: "corr to peers (now 0.05)"."""
    spec = field_spec(field)
    return spec.label if value is None else f"{spec.label} (now {spec.text(value)})"
