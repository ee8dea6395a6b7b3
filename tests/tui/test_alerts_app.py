"""Alerts in the app: a rule on the demo market fires a toast, the bell and a desktop escape within
one refresh and shows in ALRT; `a` on a row makes a rule from it; Enter edits and x deletes it."""

from __future__ import annotations

import json

import pytest
from textual.drivers.headless_driver import HeadlessDriver
from textual.widgets import Input, Select

from tests.alert_rules import STORY_MESSAGE, STORY_RULE
from tests.tui.harness import demo_app, panes, wait_for_data, wait_until
from tui.alerts.monitor import AlertMonitor
from tui.alerts.storage import AlertPaths
from tui.app import TapewatchApp
from tui.config import parse_settings
from tui.models import Pane
from tui.screens.alerts import AlertForm, AlertsScreen
from tui.screens.dashboard import DashboardScreen
from widgets.table import LiveTable

CONFIG = 'source = "demo"\n' + STORY_RULE + '[alerting]\ndesktop = "both"\n'


def notifications(app: TapewatchApp) -> list[str]:
    return [notification.message for notification in app._notifications]


def table_lines(table: LiveTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


async def test_a_rule_on_the_demo_market_fires_within_one_refresh_and_shows_in_alrt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    written: list[str] = []
    monkeypatch.setattr(HeadlessDriver, "write", lambda self, data: written.append(data))
    monkeypatch.delenv("TMUX", raising=False)
    bells: list[bool] = []
    app = demo_app(parse_settings(CONFIG))
    monkeypatch.setattr(app, "bell", lambda: bells.append(True))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        await wait_until(pilot, lambda: STORY_MESSAGE in notifications(app), "the alert's toast")
        assert "\x1b]9;tapewatch: MSFT in Mag 7: " + STORY_MESSAGE + "\x07" in written
        assert any(data.startswith("\x1b]777;notify;tapewatch: MSFT in Mag 7;") for data in written)
        assert bells == [True]
        # One refresh later nothing fires again.
        monitor = app.dashboard.alerts
        assert monitor is not None
        checks = monitor.checks
        await pilot.press("r")
        await wait_until(pilot, lambda: monitor.checks > checks, "the next evaluation")
        assert notifications(app).count(STORY_MESSAGE) == 1

        await pilot.press("A")
        await wait_until(pilot, lambda: isinstance(app.screen, AlertsScreen), "ALRT")
        screen = app.screen
        assert isinstance(screen, AlertsScreen)
        await wait_until(pilot, lambda: bool(screen.rules_table.rows), "the rules")
        rules = table_lines(screen.rules_table)
        assert rules[0].split() == ["Alert", "State", "Now", "When", "To", "fire", "Fired", "From"]
        assert "MSFT in Mag 7 corr to peers" in rules[1]
        assert "< 0.10" in rules[1] and "0.05" in rules[1] and "met" in rules[1]
        assert "fired" in rules[1] and "config" in rules[1]
        assert "MSFT in Mag 7 corr to peers 0.05 < 0.10" in "".join(
            table_lines(screen.history_table)
        )
        # A config rule is never deleted from the app.
        await pilot.press("x")
        await wait_until(
            pilot, lambda: any("in the config file" in n for n in notifications(app)), "a refusal"
        )
        assert len(monitor.rules) == 1
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_a_on_a_row_makes_a_rule_from_it_and_alrt_edits_and_deletes_it() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        await wait_until(pilot, lambda: app.dashboard.alerts is not None, "the alert monitor")
        correlations = panes(app)[Pane.CORRELATIONS]
        correlations.table.focus()
        index = correlations.table.row_index("member:Mag 7:MSFT")
        assert index is not None
        correlations.table.move_cursor(index)
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, AlertForm), "the alert form")
        form = app.screen
        assert isinstance(form, AlertForm)
        assert form.draft.title == "MSFT in Mag 7"
        assert form.query_one("#alert-field", Select).value == "corr_to_peers"
        # 5 % either side of 0.049.
        assert form.query_one("#alert-below", Input).value == "0.047"
        assert form.query_one("#alert-above", Input).value == "0.052"
        form.query_one("#alert-above", Input).value = ""
        form.query_one("#alert-below", Input).value = "0.1"
        await pilot.press("enter")
        monitor = app.dashboard.alerts
        assert monitor is not None
        await wait_until(pilot, lambda: len(monitor.rules) == 1, "the new rule")
        (rule,) = monitor.rules
        assert (rule.origin, rule.spec.symbol, rule.spec.basket, rule.spec.below) == (
            "app",
            "MSFT",
            "Mag 7",
            0.1,
        )
        saved = json.loads(AlertPaths.default().rules.read_text())
        assert saved["rules"][0]["rule"]["field"] == "corr_to_peers"
        await wait_until(
            pilot,
            lambda: any(
                n.startswith("MSFT in Mag 7 corr to peers 0.05") for n in notifications(app)
            ),
            "the new rule to fire",
        )

        await pilot.press("A")
        await wait_until(pilot, lambda: isinstance(app.screen, AlertsScreen), "ALRT")
        screen = app.screen
        assert isinstance(screen, AlertsScreen)
        await wait_until(pilot, lambda: bool(screen.rules_table.rows), "the rules")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, AlertForm), "the edit form")
        edit = app.screen
        assert isinstance(edit, AlertForm)
        assert edit.query_one("#alert-below", Input).value == "0.1"
        edit.query_one("#alert-note", Input).value = "broke away"
        await pilot.press("enter")
        await wait_until(pilot, lambda: monitor.rules[0].spec.note == "broke away", "the edit")
        assert monitor.rules[0].id == rule.id
        await wait_until(pilot, lambda: app.screen is screen, "back on ALRT")
        await pilot.press("x")
        await wait_until(pilot, lambda: monitor.rules == [], "the deletion")
        assert json.loads(AlertPaths.default().rules.read_text())["rules"] == []


async def test_a_on_a_most_shorted_row_offers_its_short_figures_and_a_bad_level_is_refused() -> (
    None
):
    app = demo_app()
    async with app.run_test(size=(40, 30)) as pilot:
        await wait_for_data(pilot, app)
        await wait_until(pilot, lambda: app.dashboard.alerts is not None, "the alert monitor")
        shorts = panes(app)[Pane.SHORTS]
        shorts.table.focus()
        symbol = shorts.table.cursor_key
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, AlertForm), "the alert form")
        form = app.screen
        assert isinstance(form, AlertForm)
        assert form.draft.title == symbol
        fields = [name for name, _ in form.draft.choices]
        assert fields[0] == "si_pct"
        assert {"si_change_pct", "days_to_cover", "sv_pct", "sv_z", "last"} <= set(fields)
        # The form fits a 40-column pane.
        for widget in form.query(Input):
            assert widget.region.right <= 40 and widget.region.width >= 10
        form.query_one("#alert-below", Input).value = "50"
        form.query_one("#alert-above", Input).value = "10"
        await pilot.press("enter")
        message = form.query_one("#alert-message")
        assert "both bounds inverted" in str(message.render())
        assert isinstance(app.screen, AlertForm)
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)
        assert app.dashboard.alerts is not None and app.dashboard.alerts.rules == []


async def test_alerts_that_cannot_load_are_told_and_the_dashboard_runs_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(AlertMonitor, "load", broken)
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        await wait_until(
            pilot,
            lambda: any("Alerts are off: disk on fire" in n for n in notifications(app)),
            "the notice",
        )
        assert app.dashboard.alerts is None
        await pilot.press("A")
        await wait_until(
            pilot, lambda: any("still loading" in n for n in notifications(app)), "a refusal"
        )
        assert isinstance(app.screen, DashboardScreen)
