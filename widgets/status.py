"""`StatusBar`: where the data comes from, the market session and clock, how old each dataset is
and how each source is doing, on one line.

When the full line does not fit (a 40-column tmux pane) it falls back to a compact form: the
source label, session, time and one indicator for the worst problem. Problems are spelled out
with a "⚠" mark, so they read without colour. The words are tui.presenters.status's.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from tui.health import is_problem
from tui.models import SourceHealth, StatusView
from tui.presenters.status import (
    WARNING_MARK,
    budget_text,
    freshness_text,
    head_text,
    health_text,
    note_text,
    stream_text,
    worst_problem,
    worth_telling,
)
from widgets.tones import ALL_ROLES, tone_classes, tone_css

AgesShown = Literal["all", "telling", "none"]
OK_MARK = "✓"
SEPARATOR = " │ "


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
        # The widest form that fits: everything; the quotes' age and those of the datasets
        # that are stale or not served only (so staleness is never dropped first); with the
        # budget in short too ("yahoo ⏳3"); without ages; the compact form.
        forms = (
            self.full_text(self.view),
            self.full_text(self.view, ages="telling"),
            self.full_text(self.view, ages="telling", short_budget=True),
            self.full_text(self.view, ages="none", short_budget=True),
        )
        for form in forms:
            if form.cell_len <= self.size.width:
                return form
        return self.compact_text(self.view)

    def full_text(
        self, view: StatusView, *, ages: AgesShown = "all", short_budget: bool = False
    ) -> Text:
        """Label, session and time, the datasets' ages (``ages``: every one, the telling ones —
        the quotes' and any stale or not served — or none), each source's health and the
        requests its budget holds back (in short with ``short_budget``), the stream, the note."""
        line = self._head(view)
        shown = [
            dataset
            for index, dataset in enumerate(view.datasets)
            if ages == "all" or (ages == "telling" and (index == 0 or worth_telling(dataset)))
        ]
        if shown:
            line.append(SEPARATOR)
            for index, dataset in enumerate(shown):
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
        for name, waiting in view.budget_waiting:
            line.append(" · ")
            held = (
                f"{name} {budget_text(name, waiting, compact=True)}"
                if short_budget
                else budget_text(name, waiting)
            )
            line.append(held, style=self._style("status-bar--muted"))
        stream = stream_text(view.stream)
        if stream is not None:
            live = view.stream is not None and view.stream.live
            line.append(SEPARATOR)
            line.append(
                stream, style=self._style(f"status-bar--{'success' if live else 'warning'}")
            )
        note = note_text(view)
        if note:
            line.append(SEPARATOR)
            line.append(note, style=self._style("status-bar--warning"))
        return line

    def compact_text(self, view: StatusView) -> Text:
        """For narrow terminals: label, session, time and a single health indicator ("✓ live"
        while prices stream, "⚠ polling" while they should and do not), then the note when it
        fits whole (it says what to do: "d: demo market")."""
        line = self._head(view, compact=True)
        problem = worst_problem(view)
        stream = view.stream if view.stream is not None and view.stream.active else None
        line.append("  ")
        if problem is None and stream is not None and not stream.live:
            # Nothing worse: the one word says the prices are polled, not streamed.
            line.append(f"{WARNING_MARK} polling", style=self._style("status-bar--warning"))
        elif problem is None:
            word = "live" if stream is not None else "ok"
            line.append(f"{OK_MARK} {word}", style=self._style("status-bar--success"))
        else:
            style = "status-bar--error" if problem == "offline" else "status-bar--warning"
            line.append(f"{WARNING_MARK} {problem}", style=self._style(style))
        waiting = sum(count for _, count in view.budget_waiting)
        if waiting:
            line.append(
                f" {budget_text('', waiting, compact=True)}", style=self._style("status-bar--muted")
            )
        note = note_text(view)
        if note and line.cell_len + 2 + len(note) <= self.size.width:
            line.append(f"  {note}", style=self._style("status-bar--warning"))
        return line

    def _head(self, view: StatusView, *, compact: bool = False) -> Text:
        label_style = "status-bar--demo" if view.is_demo else "status-bar--label"
        line = Text()
        line.append(f" {view.source_label} ", style=self._style(label_style))
        style = "status-bar--warning" if view.sessions_behind and not compact else None
        line.append(
            f" {head_text(view, compact=compact)}", style=self._style(style) if style else ""
        )
        return line

    def _health_style(self, health: SourceHealth) -> Style:
        if health.bad_rows and not is_problem(health.state):  # answering, but rows left out
            return self._style("status-bar--warning")
        if health.state == "ok":
            return self._style("status-bar--success")
        if health.state == "offline":
            return self._style("status-bar--error")
        if not is_problem(health.state):  # not served, or not set up: nothing to warn about
            return self._style("status-bar--muted")
        return self._style("status-bar--warning")

    def _style(self, component: str) -> Style:
        return self.get_component_rich_style(component)
