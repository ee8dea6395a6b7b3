"""The columns the stream branch brought, in the grid's layout: the Ext columns stand from the
market's clock (pre and post market), before their figures, and a streamed price's mark is
drawn in room the tick column keeps, so neither moves a column; a tick repaints its row's cells
at the grid's column offsets and nothing else."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Sequence

import pytest

from tests.tui.harness import WALL_CLOCK, demo_app, demo_settings, panes, wait_for_data
from tui.app import TapewatchApp
from tui.config import Settings, StreamSettings
from tui.models import Pane
from tui.presenters.table import Row, cell_text
from tui.presenters.ticks import PriceMove
from tui.screens.dashboard import DashboardScreen
from tui.sources.base import Source
from tui.sources.demo import DemoMarket
from widgets.pane import DataPane
from widgets.table import HEADER_HEIGHT, LiveTable

EXT_PANES = (Pane.INDICES, Pane.SHORTS)


class HeldDemo:
    """A frozen demo market whose clock stands at ``start`` New York time, made only once the
    test releases it (in the scheduler's start-up thread)."""

    def __init__(self, start: dt.time) -> None:
        self.start = start
        self.release = threading.Event()

    def __call__(self, settings: Settings, as_of: dt.date | None) -> Source:
        self.release.wait(timeout=30)
        return DemoMarket(
            settings.demo.seed, settings.demo.speed, start_time=self.start, monotonic=lambda: 0.0
        )


def watch_first_rows(table: LiveTable, seen: list[tuple[bool, dict[str, int]]]) -> None:
    """Record, when the table's first rows come, whether its optional columns were laid out
    and where its columns stood just before."""
    original = table.set_rows

    def set_rows(rows: Sequence[Row]) -> None:
        if rows and not seen:
            seen.append((table.show_optional, table.column_offsets))
        original(rows)

    table.set_rows = set_rows  # type: ignore[method-assign]


@pytest.mark.parametrize("size", [(120, 40), (200, 60)], ids=["120x40", "200x60"])
async def test_in_pre_market_the_ext_columns_stand_before_the_figures_come(
    size: tuple[int, int],
) -> None:
    held = HeldDemo(dt.time(8, 0))  # pre-market
    app = TapewatchApp(demo_settings(), source_factory=held, clock=lambda: WALL_CLOCK)
    first: dict[Pane, list[tuple[bool, dict[str, int]]]] = {pane: [] for pane in EXT_PANES}
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for pane in EXT_PANES:
            watch_first_rows(panes(app)[pane].table, first[pane])
        held.release.set()
        await wait_for_data(pilot, app)
        await pilot.pause()
        shorts = panes(app)[Pane.SHORTS].table
        for pane in EXT_PANES:
            table = panes(app)[pane].table
            ((laid_out, offsets),) = first[pane]
            assert laid_out, f"{pane.value}: the Ext column came after the figures"
            assert table.column_offsets == offsets, pane.value  # the figures moved nothing
        # The most shorted names traded before the bell: their figures are in the column, which
        # a 58-column pane in the 120-column grid shows before yesterday's Px %.
        assert "ext" in shorts.column_offsets
        ext = [column.key for column in shorts.columns].index("ext")
        figures = [cell_text(row.cells[ext]) for row in shorts.rows if len(row.cells) > ext]
        assert any(figure.startswith("pre ") for figure in figures)
        if size[0] >= 200:
            assert "ext" in panes(app)[Pane.INDICES].table.column_offsets


async def test_in_the_regular_session_no_ext_column_is_laid_out_even_zoomed() -> None:
    app = demo_app()  # the demo's clock at 11:30 New York time
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_for_data(pilot, app)
        for pane in EXT_PANES:
            widget = panes(app)[pane]
            assert not widget.extended_hours
            widget.zoomed = True
            await pilot.pause()
            assert "ext" not in widget.table.column_offsets


def price_move(widget: DataPane[object], key: str) -> tuple[PriceMove, str]:
    """A streamed price for the row ``key``, 1% above the one shown, and that price as the row
    will show it."""
    view = widget.view
    rows = getattr(view, "rows", ())
    (row,) = [row for row in rows if getattr(row, "symbol", None) == key]
    as_of = row.as_of if hasattr(row, "as_of") else None
    ts = (as_of or WALL_CLOCK) + dt.timedelta(seconds=1)
    price = round(row.last * 1.01, 2)
    return PriceMove(key, ts, "yahoo-stream", 1, last=price), f"{price:,.2f}"


def cells_at(table: LiveTable, key: str) -> dict[str, str]:
    """The row ``key`` as drawn, cut at the table's column offsets."""
    index = table.row_index(key)
    assert index is not None
    line = table.render_line(HEADER_HEIGHT + index).text
    return {
        column: line[offset : offset + table.column_widths[column]]
        for column, offset in table.column_offsets.items()
    }


@pytest.mark.parametrize("pane", [Pane.INDICES, Pane.SHORTS])
async def test_a_tick_repaints_its_rows_cells_at_the_grids_column_offsets(
    pane: Pane, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The dashboard of a streamed source, on the demo's figures.
    monkeypatch.setattr(DashboardScreen, "streams", property(lambda screen: True))
    held = HeldDemo(dt.time(11, 30))
    app = TapewatchApp(demo_settings(), source_factory=held, clock=lambda: WALL_CLOCK)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        widget = panes(app)[pane]
        table = widget.table
        assert widget.streamed  # before any figure
        empty_offsets = table.column_offsets
        held.release.set()
        await wait_for_data(pilot, app)
        assert table.column_offsets == empty_offsets  # the figures moved no column
        tick_column = type(widget).TICK_COLUMN
        assert tick_column is not None
        # The row whose figure is the widest (its mark must fit the room kept for it).
        key = max(
            table.rows[:8], key=lambda row: len(cells_at(table, row.key)[tick_column].strip())
        ).key
        before = cells_at(table, key)
        others = {row.key: cells_at(table, row.key) for row in table.rows[:8] if row.key != key}
        repainted: list[tuple[int, int]] = []
        original = table.refresh_lines

        def refresh_lines(y_start: int, line_count: int = 1) -> None:
            repainted.append((y_start, line_count))
            original(y_start, line_count)

        table.refresh_lines = refresh_lines  # type: ignore[method-assign]
        move, price = price_move(widget, key)
        widget.tick({key: move})
        after = cells_at(table, key)
        assert table.column_offsets == empty_offsets  # nor did the mark
        # Only that row's line was repainted, and its cells stand in their columns.
        assert repainted == [(HEADER_HEIGHT + table.row_index(key), 1)]  # type: ignore[operator]
        assert after[tick_column].lstrip().startswith("▴")
        if pane is Pane.INDICES:
            assert after["last"] == f"▴{price}".rjust(table.column_widths["last"])
            assert after["change_pct"] != before["change_pct"]  # the change followed
        first = table.visible_columns[0].key
        assert after[first] == before[first]
        assert {row: cells_at(table, row) for row in others} == others


async def test_without_a_stream_the_tick_column_keeps_no_room() -> None:
    """The demo never streams: its columns are the presenter's, as the snapshots show them."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        for widget in panes(app).values():
            assert not widget.streamed
            assert widget.table.columns == widget.presenter.columns


@pytest.mark.parametrize(
    ("changes", "streams"),
    [
        ({"source": "live"}, True),
        ({"source": "live", "stream": StreamSettings(provider="off")}, False),
        ({"source": "demo"}, False),
        ({"source": "files"}, False),
    ],
)
def test_the_dashboard_says_before_any_data_whether_prices_stream(
    changes: dict[str, object], streams: bool
) -> None:
    screen = DashboardScreen(dataclasses.replace(Settings(), **changes))  # type: ignore[arg-type]
    assert screen.streams is streams
    assert DashboardScreen(screen.settings, as_of=dt.date(2026, 2, 10)).streams is False
