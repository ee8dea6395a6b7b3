"""The ALRT screen as plain data: every alert rule with its current value, how far it is from
firing, its state and when it last fired; and the history of firings. `tapewatch alerts` prints
the same rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Literal

from tui.clock import NEW_YORK
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
    state: str  # "armed", "fired", "waiting: quotes stale (3m old)", "no data: …"
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


COLUMNS: tuple[Column, ...] = (
    Column("rule", "Alert", max_width=28, align="left"),
    Column("condition", "When", priority=2),
    Column("value", "Now"),
    Column("distance", "To fire", priority=3),
    Column("state", "State", max_width=34, align="left", priority=1),
    Column("fired", "Fired", priority=4),
    Column("origin", "From", align="left", priority=5),
)

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
            row.condition,
            row.value,
            row.distance,
            Cell(row.state, _TONES[row.tone]),
            fmt.as_of(row.last_fired, now) if row.last_fired is not None else "",
            row.origin,
        ),
    )


def alert_rows(view: AlertsView) -> list[Row]:
    """Every rule, in the order the monitor lists them (config, defaults, then the app's)."""
    return [alert_row(row, view.now) for row in view.rows]


def history_rows(view: AlertsView) -> list[Row]:
    """The firings, newest first."""
    return [
        Row(
            f"{index}",
            (f"{row.at.astimezone(NEW_YORK):%b %d %H:%M} ET", row.text, row.note),
        )
        for index, row in enumerate(view.history)
    ]
