"""SVG snapshots of the dashboard and the drill-down, at a wide and a 40-column size, and of the
screens opened from them: a watchlist, a basket's members and its correlation matrix.

The demo market's clock and the wall clock are fixed (tests/tui/harness.py), so every run renders
the same figures. Regenerate on purpose with `uv run pytest tests/snapshots --snapshot-update`
after checking the report, e.g. when upgrading Textual (pinned exactly in pyproject.toml).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.tui.harness import demo_app, wait_for_data, wait_for_drill_down, wait_until
from tui.app import TapewatchApp
from tui.screens.market import MarketScreen

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


def _opened(app: TapewatchApp, code: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Before the picture: the dashboard's data, then the screen ``code`` opens, with its view."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_for_data(pilot, app)
        app.run_command(app.codes().parse(code))

        def shown() -> bool:
            screen = app.screen
            return isinstance(screen, MarketScreen) and screen.view is not None

        await wait_until(pilot, shown, code)
        await pilot.pause()

    return run_before


@pytest.mark.parametrize(
    ("code", "size"),
    [("W", (120, 40)), ("CORR Mag 7", (120, 40)), ("CORR AI", (80, 24))],
    ids=["watchlist-120x40", "corr-mag7-120x40", "corr-ai-80x24"],
)
def test_screens_opened_by_code(
    snap_compare: SnapCompare, code: str, size: tuple[int, int]
) -> None:
    app = demo_app()
    assert snap_compare(app, terminal_size=size, run_before=_opened(app, code))


def test_members(snap_compare: SnapCompare) -> None:
    app = demo_app()

    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_for_data(pilot, app)
        app.open_members("Mag 7")

        def shown() -> bool:
            screen = app.screen
            return isinstance(screen, MarketScreen) and screen.view is not None

        await wait_until(pilot, shown, "the members of Mag 7")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
