"""PaneGrid: slots in columns, each pane as tall as its rows want, the rest to those with more;
any widget can stand in a slot."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.widget import Widget
from textual.widgets import Static

from widgets.pane_grid import PaneGrid, share_rows


@pytest.mark.parametrize(
    ("wanted", "available", "heights"),
    [
        ([12, 53], 38, [12, 26]),  # Indices whole, Most shorted the rest
        ([16, 13], 38, [16, 22]),  # both fit: the bottom one takes the lines left over
        ([53, 40], 38, [19, 19]),  # both want more than half: halves
        ([53, 12], 39, [27, 12]),  # the short one is whole wherever it stands
        ([None, 5], 30, [25, 5]),  # a widget that does not say takes what is left
        ([5, 5, 50], 30, [5, 5, 20]),
        ([40, 40, 40], 31, [11, 10, 10]),  # the odd line goes to the upper one
        ([], 30, []),
        ([10], 0, [0]),
    ],
)
def test_rows_go_to_the_panes_that_have_more_to_show(
    wanted: list[int | None], available: int, heights: list[int]
) -> None:
    assert share_rows(wanted, available) == heights
    assert sum(heights) == (max(0, available) if heights else 0)


class Rows(Static):
    """A stand-in pane that wants a fixed number of lines."""

    def __init__(self, lines: int, name: str) -> None:
        super().__init__(name)
        self.lines = lines

    def wanted_height(self, width: int) -> int:
        return self.lines


class GridApp(App[None]):
    CSS = """
    #panes { height: 1fr; }
    #panes.grid { layout: grid; grid-size: 2; }
    """

    def __init__(self, slots: list[Widget]) -> None:
        super().__init__()
        self.slots = slots

    def compose(self) -> ComposeResult:
        with PaneGrid(id="panes", classes="grid"):
            yield from self.slots


async def test_the_grid_stacks_each_columns_slots_by_the_rows_they_want() -> None:
    # Reading order: slots 1 and 3 on the left, 2 and 4 on the right; any widget can be a slot.
    slots: list[Widget] = [Rows(12, "a"), Rows(16, "b"), Rows(53, "c"), Static("d")]
    app = GridApp(slots)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        a, b, c, d = (slot.region for slot in slots)
        assert (a.x, a.y, a.width, a.height) == (0, 0, 60, 12)
        assert (c.x, c.y, c.width, c.height) == (0, 12, 60, 28)
        assert (b.x, b.y, b.width, b.height) == (60, 0, 60, 16)
        assert (d.x, d.y, d.width, d.height) == (60, 16, 60, 24)


async def test_without_layout_grid_the_stylesheets_own_layout_places_the_slots() -> None:
    slots: list[Widget] = [Rows(4, "a"), Rows(50, "b")]
    app = GridApp(slots)
    async with app.run_test(size=(60, 30)) as pilot:
        await pilot.pause()
        assert slots[0].region.width == 30  # two slots: one per column
        app.query_one(PaneGrid).remove_class("grid")  # Textual's vertical layout
        await pilot.pause()
        assert slots[0].region.width == 60 and slots[1].region.y > slots[0].region.y
