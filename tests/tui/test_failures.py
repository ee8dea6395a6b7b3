"""Failures surface: a worker of a screen that raises is logged with its traceback and the user
is told, on the dashboard and the drill-down alike; a pane that cannot be built says so while
the others go on updating."""

from __future__ import annotations

import datetime as dt
import itertools
import logging

import pytest
from textual import work
from textual.app import App

from tests.tui.harness import (
    MARKET_START,
    WALL_CLOCK,
    demo_settings,
    frozen_demo,
    panes,
    wait_until,
)
from tui.analytics.builders import BUILDERS
from tui.analytics.market import MarketData
from tui.app import TapewatchApp
from tui.config import Settings
from tui.models import Pane
from tui.presenters.registry import PaneView
from tui.screens.dashboard import DashboardScreen
from tui.screens.ticker import TickerScreen
from tui.screens.watched import WatchedScreen
from tui.sources.base import Source


class FailingScreen(WatchedScreen[None]):
    def on_mount(self) -> None:
        self.fail()

    @work(exit_on_error=False, name="the failing job")
    async def fail(self) -> None:
        raise RuntimeError("it broke")


class ScreenApp(App[None]):
    def on_mount(self) -> None:
        self.push_screen(FailingScreen())


async def test_a_worker_that_raises_is_logged_and_notified(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = ScreenApp()
    with caplog.at_level(logging.ERROR, logger="tapewatch.screens"):
        async with app.run_test() as pilot:
            for _ in range(100):  # bounded: until the notification is posted
                if app._notifications:
                    break
                await pilot.pause(0.02)
            (notification,) = list(app._notifications)
    assert notification.severity == "error"
    assert "the failing job" in notification.message and "it broke" in notification.message
    (record,) = [r for r in caplog.records if r.name == "tapewatch.screens"]
    assert "the failing job" in record.getMessage()
    assert record.exc_info is not None and isinstance(record.exc_info[1], RuntimeError)


def test_the_dashboard_and_the_drill_down_watch_their_workers() -> None:
    assert issubclass(DashboardScreen, WatchedScreen)
    assert issubclass(TickerScreen, WatchedScreen)


async def test_a_pane_that_cannot_be_built_is_notified_once_and_the_others_fill(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(data: MarketData, settings: Settings) -> PaneView:
        raise RuntimeError("no shorts today")

    monkeypatch.setitem(BUILDERS, Pane.SHORTS, broken)  # type: ignore[index]

    def failures() -> int:
        return sum("shorts pane could not be built" in r.getMessage() for r in caplog.records)

    def moving_demo(settings: Settings, as_of: dt.date | None) -> Source:
        """The demo market a minute on at every look at its clock: each poll brings new prices."""
        from tui.sources.demo import DemoMarket

        minutes = itertools.count()
        return DemoMarket(start_time=MARKET_START, monotonic=lambda: float(next(minutes)))

    app = TapewatchApp(demo_settings(), source_factory=moving_demo, clock=lambda: WALL_CLOCK)
    with caplog.at_level(logging.ERROR, logger="tapewatch.scheduler"):
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(200):  # bounded: until the other panes show data
                shown = {pane for pane, widget in panes(app).items() if widget.view is not None}
                if len(shown) == 3 and failures():
                    break
                await pilot.pause(0.05)
            assert shown == {Pane.INDICES, Pane.SECTORS, Pane.CORRELATIONS}
            before = failures()
            await pilot.press("r")  # another round: the pane fails again, said only once
            for _ in range(200):
                if failures() > before:
                    break
                await pilot.pause(0.05)
            assert failures() > before
            await pilot.pause()
            messages = [n.message for n in app._notifications if n.severity == "error"]
    assert messages == ["Most shorted could not be updated: RuntimeError: no shorts today"]
    assert all(r.exc_info is not None for r in caplog.records if "shorts pane" in r.getMessage())


async def test_a_pane_whose_figures_fail_once_says_so_in_the_pane_and_recovers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A builder that raises once: the pane says "could not compute: …" under its headers (not
    "loading…" for good), the other panes fill, and the next refresh builds it."""
    raised: list[int] = []

    sectors = BUILDERS[Pane.SECTORS]

    def sectors_once_broken(data: MarketData, settings: Settings) -> PaneView:
        if not raised:
            raised.append(1)
            raise RuntimeError("sectors broke [once]")
        return sectors(data, settings)

    monkeypatch.setitem(BUILDERS, Pane.SECTORS, sectors_once_broken)  # type: ignore[index]
    app = TapewatchApp(demo_settings(), source_factory=frozen_demo, clock=lambda: WALL_CLOCK)
    async with app.run_test(size=(120, 40)) as pilot:
        widgets = panes(app)
        notice = widgets[Pane.SECTORS].notice

        def says_it() -> bool:
            return notice.display and "could not compute" in str(notice.render())

        await wait_until(pilot, says_it, "the failure in the pane")
        assert str(notice.render()) == "could not compute: RuntimeError: sectors broke [once]"
        assert widgets[Pane.SECTORS].view is None
        assert widgets[Pane.SECTORS].table.placeholder == ""  # the notice says it all
        await wait_until(
            pilot,
            lambda: all(
                widget.view is not None for p, widget in widgets.items() if p is not Pane.SECTORS
            ),
            "the other panes",
        )

        await pilot.press("r")

        await wait_until(pilot, lambda: widgets[Pane.SECTORS].view is not None, "sectors built")
        assert not notice.display
        assert widgets[Pane.SECTORS].table.rows
