"""`a` on a row works on every screen with rows of symbols, not only the dashboard: the watchlist
screen and a basket's members open the same alert form, prefilled for the row."""

from __future__ import annotations

from tests.tui.harness import demo_app, wait_for_data, wait_until
from tests.tui.test_baskets import wait_for_members
from tests.tui.test_watchlists import open_watchlists
from tui.config import AlertRule
from tui.jobs import JobName
from tui.presenters.table import basket_key
from tui.screens.alerts import AlertForm
from tui.screens.members import MembersScreen
from tui.screens.watchlist import WatchlistScreen
from widgets.members import MembersPane


async def test_a_on_a_watchlist_row_opens_the_form_for_its_symbol() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        await wait_until(pilot, lambda: app.dashboard.alerts is not None, "the alert monitor")
        pane = await open_watchlists(pilot, app)
        pane.table.focus()
        symbol = pane.table.cursor_key
        assert symbol is not None
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, AlertForm), "the alert form")
        form = app.screen
        assert isinstance(form, AlertForm)
        assert form.draft.symbol == symbol and form.draft.basket == ""
        assert form.draft.choices[0][0] == "change_pct"  # the watchlist's own figure first
        await pilot.press("escape")
        assert isinstance(app.screen, WatchlistScreen)


async def test_a_on_a_member_offers_its_correlation_and_on_the_basket_row_the_baskets() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        await wait_until(pilot, lambda: app.dashboard.alerts is not None, "the alert monitor")
        app.open_members("Mag 7")
        screen = await wait_for_members(pilot, app, "Mag 7")
        table = screen.query_one(MembersPane).table
        table.focus()
        member = next(row.key for row in table.rows if row.key == "MSFT")
        index = table.row_index(member)
        assert index is not None
        table.move_cursor(index)
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, AlertForm), "the alert form")
        form = app.screen
        assert isinstance(form, AlertForm)
        assert (form.draft.symbol, form.draft.basket) == ("MSFT", "Mag 7")
        assert form.draft.choices[0][0] == "corr_to_peers"
        await pilot.press("escape")
        assert isinstance(app.screen, MembersScreen)
        basket_row = table.row_index(basket_key("Mag 7"))
        assert basket_row is not None
        table.move_cursor(basket_row)
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, AlertForm), "the basket's form")
        form = app.screen
        assert isinstance(form, AlertForm)
        assert (form.draft.symbol, form.draft.basket) == ("", "Mag 7")
        assert form.draft.choices[0][0] == "basket_corr"


async def test_a_rule_made_in_the_app_gets_its_symbol_priced_though_no_pane_shows_it() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        await wait_until(pilot, lambda: app.dashboard.alerts is not None, "the alert monitor")
        monitor, feed = app.dashboard.alerts, app.dashboard.feed
        assert monitor is not None and feed is not None
        assert "KO" not in (feed.symbols_for(JobName.QUOTES) or [])
        await monitor.add_rule(AlertRule("last", symbol="KO", below=50.0))
        assert "KO" in (feed.symbols_for(JobName.QUOTES) or [])
