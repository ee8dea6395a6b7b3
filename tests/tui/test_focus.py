"""Focus survives a terminal too small for the panes: the focused pane and row come back."""

from __future__ import annotations

import pytest

from tests.tui.harness import demo_app, panes, wait_for_data, wait_until
from tui.models import Pane


@pytest.mark.parametrize("small", [(30, 20), (120, 8)], ids=["narrow", "short"])
async def test_the_focused_pane_and_row_come_back_after_a_too_small_terminal(
    small: tuple[int, int],
) -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        shorts = panes(app)[Pane.SHORTS]
        shorts.table.focus()
        await pilot.press("j", "j", "j")
        key = shorts.table.cursor_key
        await pilot.resize_terminal(*small)
        await pilot.pause()
        assert "Terminal too small" in str(app.dashboard.query_one("#too-small").render())
        await pilot.resize_terminal(120, 40)
        await wait_until(pilot, lambda: app.focused is shorts.table, "the table's focus")
        assert shorts.table.cursor_key == key
        await pilot.press("j")
        assert shorts.table.cursor_row == 4  # the keys work again, without Tab
        await pilot.press("s")
        assert shorts.sort.label == "SI chg"


async def test_the_cursor_row_is_in_view_after_a_too_small_terminal() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        table = panes(app)[Pane.SHORTS].table
        table.focus()
        await pilot.press("G")  # the last row: the table is scrolled to it
        key = table.cursor_key
        assert key is not None
        await pilot.resize_terminal(30, 20)
        await pilot.pause()
        await pilot.resize_terminal(120, 40)
        await wait_until(pilot, lambda: app.focused is table, "the table's focus")
        shown = [table.render_line(y).text.split()[:1] for y in range(1, table.size.height)]
        assert [key] in shown
