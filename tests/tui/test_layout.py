"""The dashboard uses the terminal: what a trader sees at 200x60, 160x50, 120x40, 80x24 and 40x30.

At 120x40 and wider the four panes stand in a grid, every one on screen with its first rows; free
width goes to whole names, then to the sparklines and bars; free rows to the panes with more to
show; columns stand still when the data arrives; `z` zooms a pane with every column.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
from textual.pilot import Pilot
from textual.widgets import Footer

from tests.tui.harness import (
    demo_app,
    demo_settings,
    frozen_demo,
    panes,
    screen_text,
    wait_for_data,
    wait_until,
)
from tui.app import TapewatchApp
from tui.config import Settings
from tui.models import Pane
from tui.presenters.table import cell_text
from tui.sources.base import Source
from widgets.pane import DataPane
from widgets.status import StatusBar
from widgets.table import LiveTable

SIZES = [(200, 60), (160, 50), (120, 40), (80, 24), (40, 30)]
IDS = [f"{width}x{height}" for width, height in SIZES]
TITLES = {
    Pane.INDICES: "Indices",
    Pane.SECTORS: "Sector flows",
    Pane.SHORTS: "Most shorted",
    Pane.CORRELATIONS: "Correlations",
}


def table_lines(table: LiveTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


def every_line_fits(table: LiveTable) -> bool:
    """No line is wider than the table (a number is never cut by the edge)."""
    return all(len(line) <= table.size.width for line in table_lines(table))


async def zoom(pilot: Pilot[int], pane: DataPane[object], width: int) -> None:
    """Focus ``pane``'s table, press z and wait until the pane is ``width`` wide."""
    pane.table.focus()
    await pilot.press("z")
    await wait_until(pilot, lambda: pane.region.width == width, "the zoom")


def free_width(table: LiveTable) -> int:
    """The table's columns that no column uses."""
    used = max(
        (offset + table.column_widths[key] for key, offset in table.column_offsets.items()),
        default=0,
    )
    return table.scrollable_content_region.width - used


def cut_labels(table: LiveTable) -> list[str]:
    """The names on screen that end in "…" in the table's text columns."""
    cut = []
    for column in table.visible_columns:
        if not column.is_text:
            continue
        start, width = table.column_offsets[column.key], table.column_widths[column.key]
        for line in table_lines(table)[1:]:
            text = line[start : start + width].strip()
            if text.endswith("…"):
                cut.append(text)
    return cut


async def test_at_120x40_every_pane_and_its_first_rows_are_on_screen() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        screen = "\n".join(screen_text(app))
        grid = app.dashboard.query_one("#panes")
        assert grid.max_scroll_y == 0  # nothing below the fold
        for pane, widget in panes(app).items():
            assert f"─ {TITLES[pane]} ─" in screen
            region = widget.region
            assert region.bottom <= 38 and region.right <= 120, pane  # above status and footer
            table = widget.table
            # The essential columns are there, and the first three rows are on screen.
            assert table.rows and len(table.visible_columns) >= 4, pane
            for row in table.rows[:3]:
                first_cell = cell_text(row.cells[0]).strip()
                assert first_cell in screen, (pane, first_cell)
        # Side by side: two columns of 60.
        regions = {pane: widget.region for pane, widget in panes(app).items()}
        assert regions[Pane.INDICES].width == regions[Pane.SECTORS].width == 60
        assert regions[Pane.INDICES].y == regions[Pane.SECTORS].y == 0


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_no_name_is_cut_where_its_pane_has_free_width(size: tuple[int, int]) -> None:
    app = demo_app()
    async with app.run_test(size=size) as pilot:
        await wait_for_data(pilot, app)
        for pane, widget in panes(app).items():
            table = widget.table
            cut = cut_labels(table)
            assert not cut or free_width(table) == 0, (pane, cut, free_width(table))
            assert every_line_fits(table), pane


async def test_at_200x60_names_are_whole_and_the_graphics_use_the_width() -> None:
    app = demo_app()
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_for_data(pilot, app)
        screen = "\n".join(screen_text(app))
        # Sector flows has more figures than its 100 columns hold with the long names: its
        # sectors read whole in their short forms, beside every figure but two.
        for name in ("Large-cap software", "AI infrastructure", "Info Tech", "Comm Svcs"):
            assert name in screen
        assert "…" not in screen
        widths = {pane: widget.table.column_widths for pane, widget in panes(app).items()}
        # Wider than their narrowest, and no table leaves a blank band on its right.
        assert widths[Pane.INDICES]["intraday"] > 20
        assert widths[Pane.SECTORS]["bar"] >= 7
        assert widths[Pane.CORRELATIONS]["series"] > 40
        for pane in (Pane.INDICES, Pane.SECTORS, Pane.CORRELATIONS):
            assert free_width(panes(app)[pane].table) == 0, pane
        # Zoomed, the sectors have their long names and the bar its room, up to its widest.
        sectors = panes(app)[Pane.SECTORS]
        await zoom(pilot, sectors, 200)
        screen = "\n".join(screen_text(app))
        for name in ("Information Technology", "Communication Services"):
            assert name in screen
        assert 20 < sectors.table.column_widths["bar"] <= 41


async def test_free_rows_go_to_the_panes_with_more_rows_to_show() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        shown = panes(app)
        for pane in (Pane.INDICES, Pane.SECTORS):
            table = shown[pane].table
            assert table.size.height == len(table.rows) + 1, pane  # every row, no scrolling
        # The long list takes the rest of its column.
        indices, shorts = shown[Pane.INDICES].region, shown[Pane.SHORTS].region
        assert shorts.height > 2 * indices.height and shorts.bottom == 38
    app = demo_app()
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_for_data(pilot, app)
        correlations = panes(app)[Pane.CORRELATIONS]
        view = correlations.view
        assert view is not None
        listed = {row.key for row in correlations.table.rows}
        for basket in view.baskets:  # every basket's members, not only the open one's
            assert all(f"member:{basket.name}:{m.label}" in listed for m in basket.members)


class HeldStart:
    """A demo market whose source is made only when the test releases it (in the scheduler's
    start-up thread): until then every pane shows "loading…"."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def __call__(self, settings: Settings, as_of: dt.date | None) -> Source:
        self.release.wait(timeout=30)
        return frozen_demo(settings, as_of)


@pytest.fixture
def held() -> Iterator[HeldStart]:
    start = HeldStart()
    yield start
    start.release.set()


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_columns_stand_in_the_same_place_before_and_after_the_data(
    size: tuple[int, int], held: HeldStart
) -> None:
    app = TapewatchApp(demo_settings(), source_factory=held, clock=lambda: dt.datetime.now(dt.UTC))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        tables = {pane: widget.table for pane, widget in panes(app).items()}
        await wait_until(
            pilot,
            lambda: all(table.column_offsets for table in tables.values()),
            "the empty tables' layout",
        )
        assert all(not table.rows for table in tables.values())
        before = {pane: table.column_offsets for pane, table in tables.items()}
        held.release.set()
        await wait_for_data(pilot, app)
        await pilot.pause()
        for pane, table in tables.items():
            after = table.column_offsets
            # Every column shown before is where it was (the x of "vs bm 5d" moved by 4 when
            # data arrived once).
            assert {key: after.get(key) for key in before[pane]} == before[pane], pane


def visible_on_screen(app: TapewatchApp, widget: DataPane[object]) -> bool:
    return widget.region.area > 0 and widget in app.screen._compositor.visible_widgets


@pytest.mark.parametrize("size", [(120, 40), (40, 30)], ids=["120x40", "40x30"])
async def test_z_zooms_each_pane_to_the_screen_with_every_column_and_back(
    size: tuple[int, int],
) -> None:
    width = size[0]
    app = demo_app()
    async with app.run_test(size=size) as pilot:
        await wait_for_data(pilot, app)
        dashboard = app.dashboard
        status = dashboard.query_one(StatusBar)
        for widget in panes(app).values():
            # Stacked panes scroll: after the zoom the focused one is scrolled into view.
            grid_region = widget.virtual_region
            await zoom(pilot, widget, width)
            assert dashboard.maximized is widget
            assert widget.region.y == 0 and widget.region.bottom == status.region.y
            table = widget.table
            # Every column but the extended-hours ones (the demo's clock is in the regular session).
            every = [c.key for c in table.columns if not c.optional]
            assert [c.key for c in table.visible_columns] == every
            others = [other for other in panes(app).values() if other is not widget]
            assert not any(visible_on_screen(app, other) for other in others)
            assert status.region.height == 1  # the status bar stays
            assert app.focused is table
            # Back with z, then with Esc.
            await pilot.press("z")
            await wait_until(
                pilot, lambda w=widget, r=grid_region: w.virtual_region == r, "the grid"
            )
            assert not table.every_column
            await pilot.press("z", "escape")
            await wait_until(pilot, lambda w=widget, r=grid_region: w.virtual_region == r, "Esc")
            assert dashboard.maximized is None and app.focused is table
        if width >= 80:
            assert "z Zoom" in "\n".join(screen_text(app))
            assert dashboard.query_one(Footer).display


async def test_a_zoomed_pane_in_40_columns_scrolls_sideways_its_names_staying() -> None:
    app = demo_app()
    async with app.run_test(size=(40, 30)) as pilot:
        await wait_for_data(pilot, app)
        indices = panes(app)[Pane.INDICES]
        await zoom(pilot, indices, 40)
        table = indices.table
        await wait_until(pilot, lambda: table.max_scroll_x > 0, "a table wider than the screen")
        await pilot.press(*["right"] * 60)
        await wait_until(pilot, lambda: table.scroll_x == table.max_scroll_x, "scrolled right")
        lines = table_lines(table)
        assert lines[1].startswith("S&P 500")  # the names stay put
        assert "vs bm" in lines[0]  # the last column is in view


@pytest.mark.parametrize("start", [(200, 60), (40, 30)], ids=["from-wide", "from-narrow"])
async def test_resizing_live_keeps_every_pane_right(start: tuple[int, int]) -> None:
    app = demo_app()
    async with app.run_test(size=start) as pilot:
        await wait_for_data(pilot, app)
        for size in [*SIZES, start]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
            wide = size[0] >= 120
            await wait_until(
                pilot,
                lambda w=wide: app.dashboard.has_class("-wide") == w,
                f"the layout at {size}",
            )
            await pilot.pause()
            regions = [widget.region for widget in panes(app).values()]
            xs = {region.x for region in regions}
            assert len(xs) == (2 if wide else 1), size
            for widget in panes(app).values():
                table = widget.table
                assert table.rows and table.visible_columns and every_line_fits(table)


async def test_a_zoomed_pane_gives_way_to_the_too_small_hint_and_comes_back() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        shorts = panes(app)[Pane.SHORTS]
        await zoom(pilot, shorts, 120)
        await pilot.resize_terminal(30, 10)
        hint = app.dashboard.query_one("#too-small")
        await wait_until(pilot, lambda: hint.region.area > 0, "the too-small hint")
        assert "too small" in "\n".join(screen_text(app))
        assert not visible_on_screen(app, shorts)
        await pilot.resize_terminal(120, 40)
        await wait_until(pilot, lambda: shorts.region.width == 120, "the zoom again")
        await wait_until(pilot, lambda: app.focused is shorts.table, "the focus back")
        assert hint.region.area == 0


async def test_a_watchlist_in_a_place_of_the_grid_is_laid_out_like_the_others(
    held: HeldStart,
) -> None:
    """Any pane can take any place ([layout] panes): the Watchlist in the top right, on screen
    with the others at 120x40, its columns where they were before the data."""
    from tui.config.settings import LayoutSettings

    layout = LayoutSettings(("indices", "watchlist", "shorts", "correlations"))
    app = TapewatchApp(
        demo_settings(layout=layout), source_factory=held, clock=lambda: dt.datetime.now(dt.UTC)
    )
    async with app.run_test(size=(120, 40)) as pilot:
        watchlist = app.dashboard.query_one("#watchlist", DataPane)
        await wait_until(pilot, lambda: bool(watchlist.table.column_offsets), "the empty table")
        before = watchlist.table.column_offsets
        held.release.set()
        await wait_until(pilot, lambda: bool(watchlist.table.rows), "the watchlist's rows")
        await pilot.pause()
        after = watchlist.table.column_offsets
        assert {key: after.get(key) for key in before} == before
        region = watchlist.region
        assert (region.x, region.y, region.width) == (60, 0, 60)
        screen = "\n".join(screen_text(app))
        for title in ("Indices", "Watchlist", "Most shorted", "Correlations"):
            assert f"─ {title} ─" in screen
        assert watchlist.table.size.height == len(watchlist.table.rows) + 1  # every row
