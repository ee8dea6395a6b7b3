"""Export the README's screenshots (SVG, saved by the app itself) from the fixed demo market.

    uv run python -m tests.snapshots.screenshots

Same app, clocks and seed as the snapshot tests, so the pictures match what the tests check.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot

from tests.tui.harness import demo_app, wait_for_data, wait_for_drill_down, wait_until
from tui.app import TapewatchApp
from tui.screens.market import MarketScreen
from tui.screens.prompt import TickerPrompt

FOLDER = Path(__file__).parent / "screenshots"

Setup = Callable[[Pilot[int], TapewatchApp], Awaitable[None]]


def drilled_into(ticker: str) -> Setup:
    async def setup(pilot: Pilot[int], app: TapewatchApp) -> None:
        app.open_ticker(ticker)
        await wait_for_drill_down(pilot, app, ticker)

    return setup


def opened(code: str, *keys: str) -> Setup:
    """The screen a code opens, with its view, then ``keys`` pressed."""

    async def setup(pilot: Pilot[int], app: TapewatchApp) -> None:
        app.run_command(app.codes().parse(code))

        def shown() -> bool:
            screen = app.screen
            return isinstance(screen, MarketScreen) and screen.view is not None

        await wait_until(pilot, shown, code)
        for key in keys:
            await pilot.press(key)
            await pilot.pause(0.3)
        await wait_until(pilot, shown, f"{code} after {keys}")
        await pilot.pause(0.5)

    return setup


async def members_of(pilot: Pilot[int], app: TapewatchApp) -> None:
    app.open_members("Mag 7")
    await wait_until(
        pilot,
        lambda: isinstance(app.screen, MarketScreen) and app.screen.view is not None,
        "the members",
    )
    await pilot.pause()


def typed(text: str) -> Setup:
    """The `/` prompt with ``text`` typed and its suggestions listed."""

    async def setup(pilot: Pilot[int], app: TapewatchApp) -> None:
        await pilot.press("slash")
        await pilot.press(*("space" if character == " " else character for character in text))
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, TickerPrompt) and app.screen.matched_text == text,
            "the suggestions",
        )
        await pilot.pause()

    return setup


async def export(name: str, size: tuple[int, int], setup: Setup | None = None) -> Path:
    app = demo_app()
    async with app.run_test(size=size) as pilot:
        await wait_for_data(pilot, app)
        if setup is not None:
            await setup(pilot, app)
        FOLDER.mkdir(exist_ok=True)
        path = app.save_screenshot(f"{name}.svg", str(FOLDER))
    return Path(path)


async def main() -> None:
    for name, size, setup in (
        ("dashboard", (120, 40), None),
        ("compact-40-columns", (40, 30), None),
        ("drill-down-msft", (120, 40), drilled_into("MSFT")),
        ("watchlist", (120, 24), opened("W")),
        ("members-mag7", (120, 16), members_of),
        ("corr-mag7", (100, 16), opened("CORR Mag 7")),
        ("corr-mag7-change", (100, 16), opened("CORR Mag 7", "c")),
        ("corr-pair", (120, 40), opened("CORR Mag 7", "down", "right", "enter")),
        ("codes", (100, 20), typed("co")),
    ):
        print(await export(name, size, setup))


if __name__ == "__main__":
    asyncio.run(main())
