"""Export the README's screenshots (SVG, saved by the app itself) from the fixed demo market.

    uv run python -m tests.snapshots.screenshots

Same app, clocks and seed as the snapshot tests, so the pictures match what the tests check.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.tui.harness import demo_app, wait_for_data, wait_for_drill_down

FOLDER = Path(__file__).parent / "screenshots"


async def export(name: str, size: tuple[int, int], ticker: str | None = None) -> Path:
    app = demo_app()
    async with app.run_test(size=size) as pilot:
        await wait_for_data(pilot, app)
        if ticker is not None:
            app.open_ticker(ticker)
            await wait_for_drill_down(pilot, app, ticker)
        FOLDER.mkdir(exist_ok=True)
        path = app.save_screenshot(f"{name}.svg", str(FOLDER))
    return Path(path)


async def main() -> None:
    for name, size, ticker in (
        ("dashboard", (120, 40), None),
        ("compact-40-columns", (40, 30), None),
        ("drill-down-msft", (120, 40), "MSFT"),
    ):
        print(await export(name, size, ticker))


if __name__ == "__main__":
    asyncio.run(main())
