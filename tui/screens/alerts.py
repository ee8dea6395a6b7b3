"""Alerts in the app: the ALRT screen (every rule, its value, distance, state and last firing,
and the history of firings), the small form `a` opens on a row, and how a firing is told on the
terminal (a toast, the bell, a desktop notification escape).

The rules, their state and their evaluation are `tui.alerts.AlertMonitor` (no textual); the
dashboard runs it beside the scheduler (`attach_alerts`).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, Label, Select, Static

from tui.alerts.drafts import (
    AlertDraft,
    choice_label,
    draft_for_row,
    draft_for_rule,
    form_table,
    levels_around,
    row_subject,
)
from tui.alerts.monitor import AlertMonitor, Firing
from tui.alerts.notify import desktop_escapes
from tui.alerts.readings import SymbolFigures, figure_symbols
from tui.alerts.rules import rule_text
from tui.config import AlertingSettings, AlertRule, Basket, ConfigError, read_alert_rule
from tui.models import Pane
from tui.presenters.alerts import (
    COLUMNS,
    HISTORY_COLUMNS,
    AlertsView,
    alert_detail,
    alert_rows,
    history_rows,
)
from tui.screens.watched import WatchedScreen
from widgets.table import LiveTable

if TYPE_CHECKING:
    from tui.analytics.market import MarketData
    from tui.scheduler import Scheduler
    from tui.screens.dashboard import DashboardScreen

log = logging.getLogger("tapewatch.alerts")

Market = Callable[[], "MarketData | None"]


# -- telling a firing --------------------------------------------------------------------------


class TerminalNotifier:
    """Tells a firing on the terminal the app draws on: a toast, the bell, and a desktop
    notification escape (OSC 9 / 777, wrapped for tmux when $TMUX is set). Called on the event
    loop; the escapes go through the app's driver, in order with its own output."""

    def __init__(
        self,
        app: App[object],
        alerting: AlertingSettings,
        *,
        alerts_key: str = "A",
        in_tmux: bool | None = None,
    ) -> None:
        self.app = app
        self.alerting = alerting
        self.title = f"Alert · {alerts_key} lists them"
        self.in_tmux = bool(os.environ.get("TMUX")) if in_tmux is None else in_tmux

    def __call__(self, firing: Firing) -> None:
        self.app.notify(
            firing.message,
            title=self.title,
            severity="warning",
            timeout=12,
            markup=False,
        )
        escapes = desktop_escapes(
            f"tapewatch: {firing.reading.label}",
            firing.message,
            self.alerting.desktop,
            in_tmux=self.in_tmux,
        )
        driver = self.app._driver
        if driver is not None:
            for escape in escapes:
                driver.write(escape)
        if self.alerting.bell:
            self.app.bell()


async def attach_alerts(dashboard: DashboardScreen, scheduler: Scheduler) -> None:
    """Load the alert rules and state (once) and evaluate them on what ``scheduler`` brings, in
    a worker of the dashboard (a new scheduler, after `d`, replaces the old one's). Alerts that
    cannot start are told and logged; the dashboard runs on without them."""
    monitor = dashboard.alerts
    if monitor is None:
        try:
            monitor = await asyncio.to_thread(
                AlertMonitor.load, dashboard.settings, clock=dashboard.clock
            )
        except Exception as error:  # alerts must never keep the market data from coming
            log.exception("could not load the alerts")
            dashboard.notify(
                f"Alerts are off: {error} (details in the log)", severity="error", markup=False
            )
            return
        settings = dashboard.settings
        alerts_key = settings.keys.get("alerts", "A").split(",")[0]
        monitor.deliver = TerminalNotifier(dashboard.app, settings.alerting, alerts_key=alerts_key)
        monitor.warn = lambda text: dashboard.notify(
            text, severity="warning", timeout=10, markup=False
        )
        dashboard.alerts = monitor
    scheduler.feed.app_alerted = monitor.app_symbols
    dashboard.run_worker(
        monitor.run(scheduler.feed.market_data, scheduler.status),
        name="alerts",
        group="alerts",
        exclusive=True,
        exit_on_error=False,
    )


async def figures_for(
    market: Market, specs: list[AlertRule] | None = None, symbols: list[str] | None = None
) -> dict[str, SymbolFigures]:
    """The drill-down figures of ``symbols`` (or of those ``specs`` name), from the stored
    frames, in a thread."""
    data = market()
    wanted = sorted(figure_symbols(specs or [])) if symbols is None else symbols
    if data is None or not wanted:
        return {}
    from tui.alerts.figures import symbol_figures

    return await asyncio.to_thread(symbol_figures, data, wanted)


# -- the form --------------------------------------------------------------------------------


def _number(text: str, name: str) -> float | None:
    stripped = text.strip().replace(",", "").replace("−", "-")
    if not stripped:
        return None
    try:
        return float(stripped)
    except ValueError:
        raise ValueError(f"{name}: `{text.strip()}` is not a number") from None


class AlertForm(ModalScreen[AlertRule | None]):
    """A small form for one alert: the field, the levels, a note. Dismissed with the checked
    rule, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="back"),
        Binding("ctrl+s", "save", "Save", show=True),
    ]

    def __init__(self, draft: AlertDraft, baskets: tuple[Basket, ...]) -> None:
        super().__init__()
        self.draft = draft
        self.baskets = baskets

    def compose(self) -> ComposeResult:
        draft = self.draft
        options = [(choice_label(name, value), name) for name, value in draft.choices]
        with Vertical(id="alert-form"):
            with Horizontal(classes="alert-line"):
                yield Label("Field", classes="alert-label")
                yield Select(options, value=draft.field, allow_blank=False, id="alert-field")
            with Horizontal(classes="alert-line"):
                yield Label("Below", classes="alert-label")
                yield Input(_level(draft.below), id="alert-below", placeholder="none")
            with Horizontal(classes="alert-line"):
                yield Label("Above", classes="alert-label")
                yield Input(_level(draft.above), id="alert-above", placeholder="none")
            with Horizontal(classes="alert-line"):
                yield Label("Note", classes="alert-label")
                yield Input(draft.note, id="alert-note", placeholder="optional", max_length=120)
            yield Static("Enter save · Esc cancel", id="alert-message")

    def on_mount(self) -> None:
        verb = "Edit alert" if self.draft.rule_id else "New alert"
        self.query_one("#alert-form").border_title = Text(f"{verb}: {self.draft.title}")
        self.query_one("#alert-below", Input).focus()

    @on(Select.Changed, "#alert-field")
    def _field_changed(self, event: Select.Changed) -> None:
        """A newly chosen field starts from levels around its own value."""
        if not isinstance(event.value, str) or event.value == self.draft.field:
            return
        below, above = levels_around(self.draft.value(event.value))
        self.query_one("#alert-below", Input).value = _level(below)
        self.query_one("#alert-above", Input).value = _level(above)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.action_save()

    def action_save(self) -> None:
        field = self.query_one("#alert-field", Select).value
        message = self.query_one("#alert-message", Static)
        try:
            below = _number(self.query_one("#alert-below", Input).value, "below")
            above = _number(self.query_one("#alert-above", Input).value, "above")
            table = form_table(
                self.draft,
                field if isinstance(field, str) else self.draft.field,  # type: ignore[arg-type]
                below,
                above,
                self.query_one("#alert-note", Input).value,
            )
            rule = read_alert_rule(table, self.baskets)
        except ValueError as error:
            message.update(Text(str(error)))
            message.add_class("error")
            return
        except ConfigError as error:
            problems = "; ".join(problem.message for problem in error.problems)
            message.update(Text(problems))
            message.add_class("error")
            return
        self.dismiss(rule)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _level(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


async def open_alert_form(
    screen: Screen[Any], monitor: AlertMonitor, draft: AlertDraft, baskets: tuple[Basket, ...]
) -> None:
    """Show the form for ``draft`` and keep what is saved: a new rule, or the edited one's
    replacement. Call it from a worker (it waits for the form)."""
    rule = await screen.app.push_screen_wait(AlertForm(draft, baskets))
    if rule is None:
        return
    if draft.rule_id is None:
        await monitor.add_rule(rule)
        screen.notify(f"Alert saved: {rule_text(rule)}", timeout=4, markup=False)
    else:
        await monitor.replace_rule(draft.rule_id, rule)
        screen.notify(f"Alert changed: {rule_text(rule)}", timeout=4, markup=False)


def market_of(dashboard: DashboardScreen) -> Market:
    """The dashboard's stored frames, whichever scheduler runs (None before the first)."""

    def market() -> MarketData | None:
        feed = dashboard.feed
        return None if feed is None else feed.market_data()

    return market


async def new_alert_from_row(dashboard: DashboardScreen, pane: Pane, key: str) -> None:
    """`a` on a row: the form, prefilled for the row's symbol or basket (its pane's field, levels
    5 % either side of the value). Call it from a worker."""
    monitor = dashboard.alerts
    if monitor is None:
        dashboard.notify("Alerts are still loading; try again in a moment.", severity="warning")
        return
    subject = row_subject(pane, key)
    symbols = [subject[0]] if subject is not None and subject[0] else []
    figures = await figures_for(market_of(dashboard), symbols=symbols)
    draft = draft_for_row(pane, key, monitor.views, figures)
    if draft is None:
        dashboard.notify("This row has no figure to watch yet.", severity="warning")
        return
    await open_alert_form(dashboard, monitor, draft, dashboard.settings.baskets)


# -- the ALRT screen ---------------------------------------------------------------------------


class AlertsScreen(WatchedScreen[None]):
    """ALRT: every alert rule with its current value, how far it is from firing, its state and
    when it last fired; below, the history of firings. Enter edits and x deletes a rule made in
    the app (a config rule is changed in the config file)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("x", "delete_alert", "Delete", id="delete_alert"),
    ]

    def __init__(self, monitor: AlertMonitor, market: Market, baskets: tuple[Basket, ...]) -> None:
        super().__init__()
        self.monitor = monitor
        self.market = market
        self.baskets = baskets
        self.rules_table = LiveTable(COLUMNS, placeholder="no alert rules yet: press a on a row")
        self.history_table = LiveTable(HISTORY_COLUMNS, placeholder="no alert has fired yet")
        self._shown: AlertsView | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text(" ALRT  alerts"), id="alerts-title")
        with Vertical(id="alerts-rules", classes="alerts-box"):
            yield self.rules_table
            yield Static("", id="alerts-detail")
        with Vertical(id="alerts-history", classes="alerts-box"):
            yield self.history_table
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#alerts-rules").border_title = "Rules · Enter edit · x delete"
        self.query_one("#alerts-history").border_title = "History"
        self._refresh()
        self.rules_table.focus()
        # Values, distances and states change as the panes do; an unchanged view repaints nothing.
        self.set_interval(1.0, self._refresh)

    def _refresh(self) -> None:
        view = self.monitor.view()
        if view == self._shown:
            return
        self._shown = view
        self.rules_table.set_rows(alert_rows(view))
        self.history_table.set_rows(history_rows(view))
        self._show_detail()

    @on(LiveTable.RowHighlighted)
    def _highlighted(self, event: LiveTable.RowHighlighted) -> None:
        if event.table is self.rules_table:
            self._show_detail()

    def _show_detail(self) -> None:
        """Everything about the rule under the cursor, in a line a narrow pane wraps."""
        detail = self.query_one("#alerts-detail", Static)
        key = self.rules_table.cursor_key
        view = self._shown
        row = None
        if view is not None and key is not None:
            row = next((row for row in view.rows if row.rule_id == key), None)
        detail.update(Text(alert_detail(row, view.now)) if row is not None and view else "")

    @on(LiveTable.RowActivated)
    def _activated(self, event: LiveTable.RowActivated) -> None:
        event.stop()
        if event.table is self.rules_table:
            self._edit(event.key)

    @work(group="alert-form", exclusive=True, exit_on_error=False)
    async def _edit(self, rule_id: str) -> None:
        rule = self.monitor.rule(rule_id)
        if rule is None:
            return
        if rule.origin != "app":
            self.notify("This alert is in the config file: change it there.", severity="warning")
            return
        figures = await figures_for(self.market, [rule.spec])
        draft = draft_for_rule(rule.spec, rule.id, self.monitor.views, figures)
        await open_alert_form(self, self.monitor, draft, self.baskets)

    async def action_delete_alert(self) -> None:
        key = self.rules_table.cursor_key
        rule = self.monitor.rule(key) if key is not None else None
        if rule is None:
            return
        if rule.origin != "app":
            self.notify(
                "This alert is in the config file: remove it there (tapewatch never rewrites "
                "the config).",
                severity="warning",
                markup=False,
            )
            return
        await self.monitor.delete_rule(rule.id)
        self.notify(f"Alert deleted: {rule_text(rule.spec)}", timeout=4, markup=False)
        self._refresh()
