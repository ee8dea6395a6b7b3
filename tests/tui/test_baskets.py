"""A basket's members (Enter on a basket) and its correlation matrix (CORR), on the demo market:
the member that broke away stands out, at every supported size."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from tests.tui.harness import demo_app, panes, screen_text, wait_for_data, wait_until
from tui.app import TapewatchApp
from tui.models import Pane
from tui.presenters.indices import IndicesView
from tui.presenters.table import basket_key, cell_text
from tui.screens.corr_matrix import CorrScreen, PairScreen
from tui.screens.members import MembersScreen
from widgets.charts import PairChart
from widgets.corr_matrix import CorrelationGrid
from widgets.members import MembersPane

SIZES = [(200, 60), (120, 40), (80, 24), (40, 30)]
SIZE_IDS = [f"{w}x{h}" for w, h in SIZES]


async def wait_for_members(pilot: Pilot[int], app: TapewatchApp, basket: str) -> MembersScreen:
    def ready() -> bool:
        screen = app.screen
        return isinstance(screen, MembersScreen) and screen.view is not None

    await wait_until(pilot, ready, f"the members of {basket}")
    screen = app.screen
    assert isinstance(screen, MembersScreen) and screen.basket == basket
    return screen


async def wait_for_matrix(pilot: Pilot[int], app: TapewatchApp, basket: str) -> CorrScreen:
    def ready() -> bool:
        screen = app.screen
        if not isinstance(screen, CorrScreen):
            return False
        grids = screen.query(CorrelationGrid)  # none until the screen has composed
        return bool(grids) and grids.first().view is not None

    await wait_until(pilot, ready, f"the matrix of {basket}")
    screen = app.screen
    assert isinstance(screen, CorrScreen) and screen.basket == basket
    return screen


@pytest.mark.parametrize("source", [Pane.INDICES, Pane.CORRELATIONS])
async def test_enter_on_a_basket_opens_its_members(source: Pane) -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        table = panes(app)[source].table
        table.focus()
        index = table.row_index(basket_key("Mag 7"))
        assert index is not None
        table.move_cursor(index)
        await pilot.press("enter")
        screen = await wait_for_members(pilot, app, "Mag 7")
        rows = screen.query_one(MembersPane).table.rows
        # The basket's own row, then the members by correlation to peers, lowest first.
        assert rows[0].key == basket_key("Mag 7")
        assert rows[1].key == "MSFT"
        # The contributions add up to the basket's move as the Indices pane shows it.
        view = screen.view
        assert view is not None
        total = sum(row.contribution_pct or 0.0 for row in view.members)
        indices = panes(app)[Pane.INDICES].view
        assert isinstance(indices, IndicesView)
        (mag7,) = [row for row in indices.rows if row.label == "Mag 7"]
        assert total == pytest.approx(mag7.change_pct, abs=1e-9)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.dashboard


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
async def test_corr_shows_the_member_that_broke_away_first(size: tuple[int, int]) -> None:
    app = demo_app()
    async with app.run_test(size=size) as pilot:
        await wait_for_data(pilot, app)
        app.open_matrix("Mag 7")
        screen = await wait_for_matrix(pilot, app, "Mag 7")
        grid = screen.query_one(CorrelationGrid)
        view = grid.view
        assert view is not None
        assert view.symbols[0] == "MSFT"
        assert view.means[0] == pytest.approx(0.05, abs=0.03)
        assert all(mean is not None and mean > 0.15 for mean in view.means[1:])
        await pilot.pause()
        text = screen_text(app)
        first_row = next(line for line in text if line.startswith(" MSFT "))
        assert "·" in first_row  # MSFT with itself, a number in every other cell
        assert "CORR Mag 7" in " ".join(text)

        await pilot.press("c")
        await pilot.pause()
        assert grid.mode == "change"
        assert view.mean(0, "change") == pytest.approx(view.means[0] - view.means_year_ago[0])
        assert any("▓−0." in line or "█−0." in line for line in screen_text(app))
        await pilot.press("c")
        assert grid.mode == "now"


async def test_enter_on_a_cell_shows_the_pair() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        app.open_matrix("Mag 7")
        screen = await wait_for_matrix(pilot, app, "Mag 7")
        grid = screen.query_one(CorrelationGrid)
        assert grid.cursor_pair is not None and grid.cursor_pair[0] == "MSFT"
        await pilot.press("right", "down", "enter")

        def charted() -> bool:
            pair = app.screen
            return isinstance(pair, PairScreen) and all(
                chart.view is not None for chart in pair.query(PairChart)
            )

        await wait_until(pilot, charted, "the pair's charts")
        pair_screen = app.screen
        assert isinstance(pair_screen, PairScreen)
        first, second = grid.view.symbols[1], grid.view.symbols[2]  # type: ignore[union-attr]
        assert (pair_screen.first, pair_screen.second) == (first, second)
        pair = pair_screen.query(PairChart).first().view
        assert pair is not None
        assert pair.correlation.now == pytest.approx(grid.view.now[1][2], abs=1e-9)  # type: ignore[union-attr]
        await pilot.pause()
        text = "\n".join(screen_text(app))
        assert "0.00" in text  # the zero line is labelled where it is drawn
        assert f"{first} and {second}" in text
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_enter_on_the_basket_row_of_members_opens_its_matrix() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        app.open_members("AI infrastructure")
        screen = await wait_for_members(pilot, app, "AI infrastructure")
        table = screen.query_one(MembersPane).table
        table.move_cursor(0)
        await pilot.press("enter")
        await wait_for_matrix(pilot, app, "AI infrastructure")


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
async def test_the_members_view_keeps_its_essential_columns_at_every_size(
    size: tuple[int, int],
) -> None:
    app = demo_app()
    async with app.run_test(size=size) as pilot:
        await wait_for_data(pilot, app)
        app.open_members("Mag 7")
        screen = await wait_for_members(pilot, app, "Mag 7")
        await pilot.pause()
        table = screen.query_one(MembersPane).table
        shown = {column.key for column in table.visible_columns}
        assert {"symbol", "change_pct", "contribution", "correlation"} <= shown
        header = table.render_line(0).text
        assert "…" not in header
        msft = next(row for row in table.rows if row.key == "MSFT")
        assert cell_text(msft.cells[7]) == "0.05"
