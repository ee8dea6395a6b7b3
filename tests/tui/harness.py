"""A tapewatch App on the demo market with every clock fixed, for Pilot and snapshot tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from textual.pilot import Pilot
from textual.widget import Widget

from tui.app import TapewatchApp
from tui.config import Settings
from tui.models import Pane
from tui.sources.base import Source
from widgets.pane import DataPane

if TYPE_CHECKING:
    from tui.screens.ticker import TickerScreen

# 11:30 in New York on the demo's session day: two hours of intraday data, the sell-off visible.
MARKET_START = dt.time(11, 30)
WALL_CLOCK = dt.datetime(2026, 2, 11, 16, 30, tzinfo=dt.UTC)


def demo_settings(**changes: object) -> Settings:
    return replace(Settings(source="demo"), **changes)  # type: ignore[arg-type]


def frozen_demo(settings: Settings, as_of: dt.date | None) -> Source:
    """The demo market with its clock stopped, so every run shows the same figures."""
    from tui.sources.demo import DemoMarket

    return DemoMarket(
        settings.demo.seed, settings.demo.speed, start_time=MARKET_START, monotonic=lambda: 0.0
    )


def demo_app(settings: Settings | None = None) -> TapewatchApp:
    return TapewatchApp(
        settings or demo_settings(), source_factory=frozen_demo, clock=lambda: WALL_CLOCK
    )


def panes(app: TapewatchApp) -> dict[Pane, DataPane[object]]:
    """The panes on the dashboard (the four its layout shows), by pane."""
    return {
        Pane(widget.id): widget
        for widget in app.dashboard.query(DataPane)
        if widget.id in {pane.value for pane in Pane}
    }


async def wait_for_data(pilot: Pilot[int], app: TapewatchApp, seconds: float = 20.0) -> None:
    """Wait until every pane shows a view (the feed runs in workers; bounded wait)."""
    loop_for = int(seconds / 0.05)
    for _ in range(loop_for):
        if app.dashboard.is_mounted and all(p.view is not None for p in panes(app).values()):
            await pilot.pause()
            return
        await pilot.pause(0.05)
    missing = [pane.value for pane, p in panes(app).items() if p.view is None]
    raise AssertionError(f"panes without data after {seconds}s: {missing}")


async def wait_until(
    pilot: Pilot[int], condition: Callable[[], bool], what: str, seconds: float = 10.0
) -> None:
    """Pause until ``condition`` holds; fail naming ``what`` after ``seconds``."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            await pilot.pause()
            return
        await pilot.pause(0.05)
    raise AssertionError(f"still waiting after {seconds:g}s for {what}")


def displayed(widget: Widget) -> bool:
    """Whether ``widget`` and every container around it are displayed."""
    return all(node.display for node in widget.ancestors_with_self)


async def wait_for_drill_down(
    pilot: Pilot[int], app: TapewatchApp, symbol: str, seconds: float = 20.0
) -> TickerScreen:
    """Wait until the drill-down of ``symbol`` shows its figures and its charts, laid out at their
    final place and size (the figures' height decides where the charts go)."""
    from tui.screens.ticker import TickerScreen
    from widgets.charts import KeyNumbers, TickerChart

    def ready() -> bool:
        screen = app.screen
        if not isinstance(screen, TickerScreen) or screen.symbol != symbol:
            return False
        found = screen.query(KeyNumbers)  # none until the screen has composed
        view = found.first().view if found else None
        if view is None:
            return False
        numbers = found.first()
        lines = len(numbers.figures(view, numbers.size.width or None).plain.splitlines())
        # Every chart has the view; those shown (the sections that apply) are laid out.
        charts = list(screen.query(TickerChart))
        return numbers.size.height == lines and all(
            chart.view is view and (chart.size.area > 0 or not displayed(chart)) for chart in charts
        )

    await wait_until(pilot, ready, f"the drill-down of {symbol}", seconds)
    await pilot.wait_for_scheduled_animations()
    screen = app.screen
    assert isinstance(screen, TickerScreen)
    return screen


def screen_text(app: TapewatchApp) -> list[str]:
    """What the terminal shows, line by line, as the compositor renders the current screen."""
    return [strip.text for strip in app.screen._compositor.render_strips()]
