"""SVG snapshots of the dashboard and the drill-down, at a wide and a 40-column size.

The demo market's clock and the wall clock are fixed (tests/tui/harness.py), so every run renders
the same figures. Regenerate on purpose with `uv run pytest tests/snapshots --snapshot-update`
after checking the report, e.g. when upgrading Textual (pinned exactly in pyproject.toml).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.tui.harness import demo_app, wait_for_data
from tui.app import TapewatchApp
from tui.screens.ticker import TickerScreen
from widgets.charts import KeyNumbers

SnapCompare = Callable[..., bool]


def _loaded(app: TapewatchApp) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_for_data(pilot, app)

    return run_before


def _drilled_into(app: TapewatchApp, symbol: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_for_data(pilot, app)
        app.open_ticker(symbol)
        for _ in range(400):
            screen = app.screen
            if isinstance(screen, TickerScreen):
                numbers = screen.query(KeyNumbers)
                if numbers and numbers.first().view is not None:
                    # Let the charts lay out at their final size before the picture is taken.
                    await pilot.wait_for_scheduled_animations()
                    await pilot.pause(0.3)
                    return
            await pilot.pause(0.05)
        raise AssertionError(f"the drill-down of {symbol} never loaded")

    return run_before


@pytest.mark.parametrize("size", [(160, 50), (40, 30)], ids=["wide-160x50", "compact-40x30"])
def test_dashboard(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    app = demo_app()
    assert snap_compare(app, terminal_size=size, run_before=_loaded(app))


@pytest.mark.parametrize("size", [(120, 40), (40, 30)], ids=["120x40", "compact-40x30"])
def test_drill_down(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    app = demo_app()
    assert snap_compare(app, terminal_size=size, run_before=_drilled_into(app, "MSFT"))
