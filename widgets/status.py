"""`StatusBar`: where the data comes from, the market session and clock, how old each dataset is
and how each source is doing, on one line.

When the full line does not fit (a 40-column tmux pane) it falls back to a compact form: the
source label, session, time and one indicator for the worst problem. Problems are spelled out
with a "⚠" mark, so they read without colour.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from tui.clock import NEW_YORK
from tui.health import Condition, worst
from tui.models import DatasetFreshness, SourceHealth, StatusView
from tui.presenters import format as fmt
from widgets.tones import ALL_ROLES, tone_classes, tone_css

WARNING_MARK = "⚠"
OK_MARK = "✓"
SEPARATOR = " │ "


def _hours_minutes(moment: dt.datetime) -> str:
    return f"{moment.astimezone(NEW_YORK):%H:%M}"


def health_text(health: SourceHealth, now: dt.datetime) -> str:
    """A source's state in plain words: "yahoo ok", "yahoo retrying in 12s",
    "yahoo rate-limited until 10:45", "finra offline", "sec unavailable"; rows it sent that
    could not be right, left out, are counted: "yahoo ⚠ 12 bad rows"."""
    text = _state_text(health, now)
    if health.bad_rows:
        rows = "row" if health.bad_rows == 1 else "rows"
        bad = f"{WARNING_MARK} {health.bad_rows} bad {rows}"
        text = f"{health.name} {bad}" if health.state == "ok" else f"{text} {bad}"
    return text


def _state_text(health: SourceHealth, now: dt.datetime) -> str:
    if health.state == "retrying":
        if health.until is None:
            return f"{health.name} retrying"
        return f"{health.name} retrying in {fmt.age((health.until - now).total_seconds())}"
    if health.state == "rate_limited":
        if health.until is None:
            return f"{health.name} rate-limited"
        return f"{health.name} rate-limited until {_hours_minutes(health.until)}"
    return f"{health.name} {health.state}"


def freshness_text(dataset: DatasetFreshness) -> str:
    """A dataset's age, marked when stale: "quotes 12s", "short interest 4d ⚠"."""
    text = f"{dataset.name} {fmt.age(dataset.age_s)}"
    return f"{text} {WARNING_MARK}" if dataset.stale else text


def worst_problem(view: StatusView) -> str | None:
    """The most serious problem in ``view`` as one word ("offline", "stale", ...), or None;
    ranked by the one severity order the feed ranks source health by (tui.health)."""
    problems: list[Condition] = [health.state for health in view.health if health.state != "ok"]
    if any(dataset.stale for dataset in view.datasets):
        problems.append("stale")
    problem = worst(problems)
    return None if problem is None else problem.replace("_", "-")


class StatusBar(Widget):
    """One line at the bottom of the dashboard, fed with `show(StatusView)`."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "status-bar--demo",
        "status-bar--label",
        *tone_classes("status-bar", ALL_ROLES),
    }

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        background: $panel;
        color: $foreground;
        & > .status-bar--demo {
            text-style: reverse bold;
        }
        & > .status-bar--label {
            text-style: bold;
        }
    }
    """ + tone_css("StatusBar", "status-bar", ALL_ROLES)

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.view: StatusView | None = None

    def show(self, view: StatusView) -> None:
        """Show ``view``. The view changes every second (its clocks do), but what the line says
        mostly does not: the bar repaints only when its text or styles change."""
        if view == self.view:
            return
        before = self.render()
        self.view = view
        after = self.render()
        if after.plain != before.plain or after.spans != before.spans:
            self.refresh()

    def render(self) -> Text:
        if self.view is None:
            return Text()
        # The widest form that fits: everything; without the dataset ages; the compact form.
        for form in (self.full_text(self.view), self.full_text(self.view, ages=False)):
            if form.cell_len <= self.size.width:
                return form
        return self.compact_text(self.view)

    def full_text(self, view: StatusView, *, ages: bool = True) -> Text:
        """Label, session and time, each dataset's age (unless not ``ages``), each source's
        health, the note."""
        line = self._head(view)
        if view.datasets and ages:
            line.append(SEPARATOR)
            for index, dataset in enumerate(view.datasets):
                if index:
                    line.append(" · ")
                style = "status-bar--warning" if dataset.stale else "status-bar--muted"
                line.append(freshness_text(dataset), style=self._style(style))
        if view.health:
            line.append(SEPARATOR)
            for index, health in enumerate(view.health):
                if index:
                    line.append(" · ")
                line.append(health_text(health, view.wall_time), style=self._health_style(health))
        if view.note:
            line.append(SEPARATOR)
            line.append(view.note, style=self._style("status-bar--warning"))
        return line

    def compact_text(self, view: StatusView) -> Text:
        """For narrow terminals: label, session, time and a single health indicator, then the
        note when it fits whole (it says what to do: "d: demo market")."""
        line = self._head(view)
        problem = worst_problem(view)
        line.append("  ")
        if problem is None:
            line.append(f"{OK_MARK} ok", style=self._style("status-bar--success"))
        else:
            style = "status-bar--error" if problem == "offline" else "status-bar--warning"
            line.append(f"{WARNING_MARK} {problem}", style=self._style(style))
        if view.note and line.cell_len + 2 + len(view.note) <= self.size.width:
            line.append(f"  {view.note}", style=self._style("status-bar--warning"))
        return line

    def _head(self, view: StatusView) -> Text:
        label_style = "status-bar--demo" if view.is_demo else "status-bar--label"
        line = Text()
        line.append(f" {view.source_label} ", style=self._style(label_style))
        line.append(f" {view.session.upper()} {fmt.clock(view.market_time)}")
        return line

    def _health_style(self, health: SourceHealth) -> Style:
        if health.state == "ok" and not health.bad_rows:
            return self._style("status-bar--success")
        if health.state == "offline":
            return self._style("status-bar--error")
        return self._style("status-bar--warning")

    def _style(self, component: str) -> Style:
        return self.get_component_rich_style(component)
