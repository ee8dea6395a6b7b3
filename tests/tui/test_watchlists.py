"""Watchlists in the app: the screen, several lists, `+` and `-`, edits that survive a restart
without the config file ever being rewritten, and a Watchlist pane in a place of the dashboard."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from tests.tui.harness import (
    demo_app,
    demo_settings,
    panes,
    wait_for_data,
    wait_for_drill_down,
    wait_until,
)
from tui.app import TapewatchApp
from tui.config import LayoutSettings, Watchlist, load_settings
from tui.models import Pane
from tui.screens.prompt import TickerPrompt
from tui.screens.watchlist import WatchlistScreen
from tui.watchlists import WatchlistStore
from widgets.watchlist import WatchlistPane

TWO_LISTS = (Watchlist("Tech", ("AAPL", "MSFT", "NVDA")), Watchlist("Energy", ("XOM", "CVX")))


def keys(pane: WatchlistPane) -> list[str]:
    return [row.key for row in pane.table.rows]


async def open_watchlists(pilot: Pilot[int], app: TapewatchApp) -> WatchlistPane:
    app.open_watchlist()

    def ready() -> bool:
        screen = app.screen
        if not isinstance(screen, WatchlistScreen):
            return False
        found = screen.query(WatchlistPane)
        return bool(found) and found.first().view is not None

    await wait_until(pilot, ready, "the watchlist screen")
    return app.screen.query_one(WatchlistPane)


async def add_with_plus(pilot: Pilot[int], app: TapewatchApp, typed: str | None = None) -> None:
    """`+`, then Enter on what the prompt holds (the cursor's ticker) or on ``typed``."""
    await pilot.press("plus")
    await wait_until(pilot, lambda: isinstance(app.screen, TickerPrompt), "the add prompt")
    if typed is not None:
        field = app.screen.query_one(Input)
        field.value = typed
        await wait_until(
            pilot,
            lambda: app.screen.matched_text == typed,  # type: ignore[attr-defined]
            "the suggestions",
        )
    await pilot.press("enter")
    await wait_until(pilot, lambda: not isinstance(app.screen, TickerPrompt), "the prompt done")


async def test_tab_and_number_keys_switch_lists_and_enter_opens_a_ticker() -> None:
    app = demo_app(demo_settings(watchlists=TWO_LISTS))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        pane = await open_watchlists(pilot, app)
        assert keys(pane) == ["AAPL", "MSFT", "NVDA"]
        assert "Tech (1/2)" in str(pane.border_title)
        await pilot.press("tab")
        assert keys(pane) == ["XOM", "CVX"]
        assert "Energy (2/2)" in str(pane.border_title)
        await pilot.press("shift+tab")
        assert keys(pane) == ["AAPL", "MSFT", "NVDA"]
        await pilot.press("2")
        assert pane.list_name == "Energy"
        # Sortable like every table.
        await pilot.press("s")
        assert pane.sort.label == "chg %"
        await pilot.press("enter")
        await wait_for_drill_down(pilot, app, pane.table.cursor_key or "")


async def test_plus_and_minus_edit_the_list_shown_and_the_edit_survives_a_restart(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('source = "demo"\n[[watchlists]]\nname = "Tech"\nsymbols = ["AAPL"]\n')
    before = config.read_bytes()
    settings = load_settings(config)
    app = demo_app(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        # `+` on another table adds the ticker under its cursor (after Enter in the prompt).
        sectors = panes(app)[Pane.SECTORS].table
        sectors.focus()
        symbol = sectors.cursor_key
        assert symbol is not None
        await add_with_plus(pilot, app)
        assert app.settings.watchlists == (Watchlist("Tech", ("AAPL", symbol)),)

        pane = await open_watchlists(pilot, app)
        await wait_until(pilot, lambda: keys(pane) == ["AAPL", symbol], "the list with it")
        # `+` here asks for one, typed; `-` removes the one under the cursor.
        await add_with_plus(pilot, app, "JPM")
        await wait_until(pilot, lambda: keys(pane) == ["AAPL", symbol, "JPM"], "JPM added")
        pane.table.move_cursor(0)
        await pilot.press("minus")
        await wait_until(pilot, lambda: keys(pane) == [symbol, "JPM"], "AAPL removed")
        # The new tickers are fetched like the dashboard's.
        await wait_until(
            pilot,
            lambda: all(row.problem is None for row in pane.view.lists[0].rows),  # type: ignore[union-attr]
            "JPM's prices",
        )

    app.watchlists.close()  # as `tapewatch` does once the App has stopped
    assert config.read_bytes() == before  # the config file is never rewritten
    assert WatchlistStore().path.exists()  # in the user data folder
    restarted = demo_app(load_settings(config))
    assert restarted.settings.watchlists == (Watchlist("Tech", (symbol, "JPM")),)


async def test_plus_on_a_row_without_a_ticker_asks_for_one() -> None:
    app = demo_app(demo_settings(watchlists=TWO_LISTS))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        correlations = panes(app)[Pane.CORRELATIONS].table
        correlations.focus()
        correlations.move_cursor(0)  # a basket's row
        await pilot.press("plus")
        await wait_until(pilot, lambda: isinstance(app.screen, TickerPrompt), "the add prompt")
        assert app.screen.query_one(Input).value == ""
        assert "Add to Tech" in str(app.screen.query_one("#prompt-box").border_title)
        await pilot.press("escape")
        await pilot.pause()
        assert app.settings.watchlists == TWO_LISTS


async def test_the_layout_can_put_a_watchlist_pane_in_a_place_of_the_dashboard() -> None:
    layout = LayoutSettings(panes=("indices", "watchlist", "shorts", "correlations"))
    app = demo_app(replace(demo_settings(watchlists=TWO_LISTS), layout=layout))
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_for_data(pilot, app)
        shown = panes(app)
        assert list(shown) == [Pane.INDICES, Pane.WATCHLIST, Pane.SHORTS, Pane.CORRELATIONS]
        pane = shown[Pane.WATCHLIST]
        assert isinstance(pane, WatchlistPane)
        assert keys(pane) == ["AAPL", "MSFT", "NVDA"]
        pane.table.focus()
        await pilot.press("2")
        assert keys(pane) == ["XOM", "CVX"]
        # `+` now adds to the list this pane shows.
        panes(app)[Pane.INDICES].table.focus()
        await add_with_plus(pilot, app)
        assert app.settings.watchlists[1].symbols == ("XOM", "CVX", "^GSPC")
        await wait_until(pilot, lambda: keys(pane) == ["XOM", "CVX", "^GSPC"], "^GSPC added")


@pytest.mark.parametrize("size", [(200, 60), (120, 40), (80, 24), (40, 30)])
async def test_the_watchlist_screen_keeps_its_essential_columns(size: tuple[int, int]) -> None:
    app = demo_app()
    async with app.run_test(size=size) as pilot:
        await wait_for_data(pilot, app)
        pane = await open_watchlists(pilot, app)
        await pilot.pause()
        shown = {column.key for column in pane.table.visible_columns}
        assert {"symbol", "last", "change_pct"} <= shown
        assert "…" not in pane.table.render_line(0).text


async def test_keys_typed_right_after_plus_reach_its_prompt() -> None:
    """`+NFLX` and Enter in one read: every key after `+` goes to the prompt (it replaces the
    ticker the prompt offers), none to the table behind it."""
    from textual import events

    app = demo_app(demo_settings(watchlists=TWO_LISTS))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        await open_watchlists(pilot, app)
        app.post_message(events.Key("plus", "+"))
        for character in "NFLX":
            app.post_message(events.Key(character, character))
        app.post_message(events.Key("enter", "\r"))
        await wait_until(
            pilot,
            lambda: app.settings.watchlists[0].symbols == ("AAPL", "MSFT", "NVDA", "NFLX"),
            "NFLX added",
        )
