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

from tests.tui.harness import demo_app, wait_for_data, wait_for_drill_down
from tui.app import TapewatchApp

SnapCompare = Callable[..., bool]


def _loaded(app: TapewatchApp) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_for_data(pilot, app)

    return run_before


def _drilled_into(app: TapewatchApp, symbol: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_for_data(pilot, app)
        app.open_ticker(symbol)
        # The picture is taken once the charts are laid out at their final size.
        await wait_for_drill_down(pilot, app, symbol)

    return run_before


@pytest.mark.parametrize("size", [(120, 40), (40, 30)], ids=["grid-120x40", "compact-40x30"])
def test_dashboard(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    app = demo_app()
    assert snap_compare(app, terminal_size=size, run_before=_loaded(app))


@pytest.mark.parametrize("size", [(120, 40), (40, 30)], ids=["120x40", "compact-40x30"])
def test_drill_down(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    app = demo_app()
    assert snap_compare(app, terminal_size=size, run_before=_drilled_into(app, "MSFT"))
