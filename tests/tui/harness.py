"""A tapewatch App on the demo market with every clock fixed, for Pilot and snapshot tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from textual.pilot import Pilot

from tui.app import TapewatchApp
from tui.config import Settings
from tui.models import Pane
from tui.sources.base import Source
from widgets.panes import DataPane

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
    return {pane: app.dashboard.query_one(f"#{pane.value}", DataPane) for pane in Pane}


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
