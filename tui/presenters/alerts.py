"""The ALRT screen as plain data: every alert rule with its current value, how far it is from
firing, its state and when it last fired; and the history of firings. `tapewatch alerts` prints
the same rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Literal

from tui.presenters import format as fmt
from tui.presenters.table import Cell, Column, Row

AlertTone = Literal["fired", "triggered", "armed", "waiting", "muted"]


@dataclasses.dataclass(frozen=True, slots=True)
class AlertRow:
    """One rule as the ALRT screen lists it."""

    rule_id: str
    origin: str  # "config", "app" (made here; x deletes, Enter edits), "default"
    rule: str  # whose figure: "MSFT in Mag 7 corr to peers"
    condition: str  # "< 0.10", "outside 380.00–420.00"
    value: str  # the figure now, as the panes show it ("0.05"), or "—"
    distance: str  # how far it must move to fire: "↓ 0.05", "met", ""
    status: str  # one word: "armed", "fired", "waiting", "no data", "loading"
    state: str  # the whole story: "fired · re-arms ≥ 0.12", "waiting: quotes stale (3m old)"
    tone: AlertTone
    last_fired: dt.datetime | None
    note: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class HistoryRow:
    """One firing, from the alert log."""

    at: dt.datetime
    text: str  # "MSFT in Mag 7 corr to peers 0.05 < 0.10"
    note: str
    source: str


@dataclasses.dataclass(frozen=True, slots=True)
class AlertsView:
    rows: tuple[AlertRow, ...]
    history: tuple[HistoryRow, ...]  # newest first
    now: dt.datetime  # for "fired 10:32 ET" against "fired Feb 10"


# A 40-column pane keeps the rule and its state; the line under the table tells the rest of the
# rule under the cursor (`alert_detail`).
COLUMNS: tuple[Column, ...] = (
    Column("rule", "Alert", min_width=28, align="left"),
    Column("status", "State", align="left"),
    Column("value", "Now", priority=1),
    Column("condition", "When", priority=2),
    Column("distance", "To fire", priority=3),
    Column("fired", "Fired", priority=4),
    Column("origin", "From", align="left", priority=5),
)

ORIGIN_TEXT = {
    "config": "from the config file: change or remove it there",
    "default": "a default of [alerting.defaults] in the config file",
    "app": "made here: Enter edits, x deletes",
}

HISTORY_COLUMNS: tuple[Column, ...] = (
    Column("at", "Fired", align="left"),
    Column("text", "Alert", align="left"),
    Column("note", "Note", align="left", priority=1),
)

_TONES: dict[AlertTone, Literal["up", "down", "muted"] | None] = {
    "fired": "down",
    "triggered": "down",
    "armed": None,
    "waiting": "muted",
    "muted": "muted",
}


def alert_row(row: AlertRow, now: dt.datetime) -> Row:
    """The table row of one rule."""
    return Row(
        row.rule_id,
        (
            row.rule,
            Cell(row.status, _TONES[row.tone]),
            row.value,
            row.condition,
            row.distance,
            _fired(row, now),
            row.origin,
        ),
    )


def _fired(row: AlertRow, now: dt.datetime) -> str:
    return fmt.as_of(row.last_fired, now) if row.last_fired is not None else ""


def alert_detail(row: AlertRow, now: dt.datetime) -> str:
    """Everything about one rule in a line (under the table, for the rule under the cursor):
    "MSFT in Mag 7 corr to peers < 0.10 · now 0.05 · fired · last fired 10:32 ET · note · …"."""
    parts = [f"{row.rule} {row.condition}", f"now {row.value}"]
    if row.distance and row.distance != "met":
        parts.append(f"to fire {row.distance}")
    parts.append(row.state)
    if row.last_fired is not None:
        parts.append(f"last fired {_fired(row, now)}")
    if row.note:
        parts.append(row.note)
    parts.append(ORIGIN_TEXT.get(row.origin, row.origin))
    return " · ".join(parts)


def alert_rows(view: AlertsView) -> list[Row]:
    """Every rule, in the order the monitor lists them (config, defaults, then the app's)."""
    return [alert_row(row, view.now) for row in view.rows]


def history_rows(view: AlertsView) -> list[Row]:
    """The firings, newest first."""
    return [
        Row(
            f"{index}",
            (fmt.as_of(row.at, view.now), row.text, row.note),
        )
        for index, row in enumerate(view.history)
    ]
