"""The drill-down follows the market while it is open: it polls its ticker's quote and intraday
bars at the dashboard's quotes cadence, on its own workers (cancelled when it closes), and shows the
dashboard's status bar. Driven by the demo market's clock, which the test moves."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from tests.tui.harness import (
    MARKET_START,
    WALL_CLOCK,
    demo_settings,
    wait_for_data,
    wait_for_drill_down,
    wait_until,
)
from tui.app import TapewatchApp
from tui.config import RefreshSettings, Settings
from tui.presenters import format as fmt
from tui.screens.dashboard import DashboardScreen
from tui.sources.base import Source
from widgets.status import StatusBar
from widgets.ticker_figures import KeyNumbers

# Polls a few times a second, so the test waits on the demo clock, not on a 15 s cadence.
QUICK = RefreshSettings(quotes=0.2)


class DemoClock:
    """The demo market's monotonic clock, moved by the test (a market minute a second)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self) -> float:
        return self.seconds


def app_on(clock: DemoClock, settings: Settings) -> TapewatchApp:
    def factory(settings: Settings, as_of: dt.date | None) -> Source:
        from tui.sources.demo import DemoMarket

        return DemoMarket(
            settings.demo.seed, settings.demo.speed, start_time=MARKET_START, monotonic=clock
        )

    return TapewatchApp(settings, source_factory=factory, clock=lambda: WALL_CLOCK)


async def test_the_drill_down_moves_with_the_market_and_stops_polling_when_closed() -> None:
    clock = DemoClock()
    app = app_on(clock, demo_settings(refresh=QUICK))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        app.open_ticker("MSFT")
        screen = await wait_for_drill_down(pilot, app, "MSFT")
        numbers = screen.query_one(KeyNumbers)
        before = numbers.view
        assert before is not None and before.as_of is not None and before.last is not None
        assert fmt.clock(before.as_of) == "11:30 ET"
        assert "11:30 ET" in numbers.figures(before).plain

        clock.seconds += 45  # 45 market minutes later

        def moved() -> bool:
            view = numbers.view
            return view is not None and view.as_of is not None and view.as_of > before.as_of

        await wait_until(pilot, moved, "the drill-down's quote to move on")
        after = numbers.view
        assert after is not None and after.as_of is not None
        assert fmt.clock(after.as_of) == "12:15 ET"
        assert "12:15 ET" in numbers.figures(after).plain
        assert after.last != before.last
        # The 1D chart's intraday bars are polled too.
        await wait_until(
            pilot,
            lambda: numbers.view is not None and numbers.view.prices[-1].ts > before.prices[-1].ts,
            "newer intraday bars",
        )

        polls = [w for w in app.workers if w.node is screen and w.group == "ticker-poll"]
        assert polls and all(w.is_running for w in polls)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not any(w.is_running for w in polls), "polls cancelled")
        assert isinstance(app.screen, DashboardScreen)


async def test_the_drill_down_shows_the_dashboard_s_status_bar() -> None:
    clock = DemoClock()
    app = app_on(clock, demo_settings(refresh=replace(Settings().refresh, quotes=0.2)))
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for_data(pilot, app)
        app.open_ticker("MSFT")
        screen = await wait_for_drill_down(pilot, app, "MSFT")
        bar = screen.query_one(StatusBar)

        def line() -> str:
            return bar.render().plain

        await wait_until(pilot, lambda: line().startswith(" DEMO  REGULAR 11:30 ET"), "the bar")
        assert "quotes" in line() and "demo ok" in line()
        clock.seconds += 10
        await wait_until(pilot, lambda: "REGULAR 11:40 ET" in line(), "the market clock")
