"""LiveTable: diffed repaints, cursor keys, messages, column hiding."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from rich.style import Style
from textual.app import App, ComposeResult
from textual.color import Color
from textual.strip import Strip

from tui.presenters.table import Cell, Column, Row, SignedBar, Sparkline
from widgets.table import LiveTable

COLUMNS = (
    Column("symbol", "Symbol", align="left"),
    Column("last", "Last"),
    Column("change", "Chg %"),
    Column("volume", "Volume", priority=2),
    Column("flow", "Flow 5d", priority=3),
    Column("name", "Name", min_width=12, align="left", priority=4),
)


def make_row(index: int, last: float | None = None) -> Row:
    price = 100.0 + index if last is None else last
    return Row(
        f"S{index}",
        (
            f"S{index}",
            f"{price:,.2f}",
            Cell("+1.25%", "up"),
            "12.3M",
            "−$350M",
            "A very long company name",
        ),
    )


def make_rows(count: int = 8) -> list[Row]:
    return [make_row(index) for index in range(count)]


class TableApp(App[None]):
    """One LiveTable filling the screen; records the messages it posts."""

    def __init__(self, rows: Sequence[Row] = (), columns: Sequence[Column] = COLUMNS) -> None:
        super().__init__()
        self.initial_rows = list(rows)
        self.columns = tuple(columns)
        self.highlighted: list[str] = []
        self.activated: list[str] = []

    def compose(self) -> ComposeResult:
        yield LiveTable(self.columns, placeholder="loading…")

    def on_mount(self) -> None:
        table = self.query_one(LiveTable)
        if self.initial_rows:
            table.set_rows(self.initial_rows)
        table.focus()

    def on_live_table_row_highlighted(self, event: LiveTable.RowHighlighted) -> None:
        self.highlighted.append(event.key)

    def on_live_table_row_activated(self, event: LiveTable.RowActivated) -> None:
        self.activated.append(event.key)


def line_text(table: LiveTable, y: int) -> str:
    return table.render_line(y).text


def spy_render_line(table: LiveTable) -> list[int]:
    """Record the y of every line the compositor asks the table to render."""
    calls: list[int] = []
    original = table.render_line

    def render_line(y: int) -> Strip:
        calls.append(y)
        return original(y)

    table.render_line = render_line  # type: ignore[method-assign]
    return calls


def spy_refresh_lines(table: LiveTable) -> list[tuple[int, int]]:
    calls: list[tuple[int, int]] = []
    original = table.refresh_lines

    def refresh_lines(y_start: int, line_count: int = 1) -> None:
        calls.append((y_start, line_count))
        original(y_start, line_count)

    table.refresh_lines = refresh_lines  # type: ignore[method-assign]
    return calls


async def test_changing_one_row_repaints_only_its_line() -> None:
    app = TableApp(make_rows())
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(LiveTable)
        await pilot.pause()
        rendered = spy_render_line(table)
        refreshed = spy_refresh_lines(table)
        rows = make_rows()
        rows[3] = make_row(3, last=250.0)
        table.set_rows(rows)
        await pilot.pause()
        assert refreshed == [(4, 1)]  # the header is line 0, row 3 is line 4
        assert rendered == [4]
        assert "250.00" in line_text(table, 4)


async def test_an_update_that_changes_nothing_repaints_nothing() -> None:
    app = TableApp(make_rows())
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(LiveTable)
        await pilot.pause()
        rendered = spy_render_line(table)
        refreshed = spy_refresh_lines(table)
        table.set_rows(make_rows())  # equal rows, new objects
        await pilot.pause()
        assert refreshed == []
        assert rendered == []


async def test_swapping_two_rows_repaints_those_two_lines() -> None:
    app = TableApp(make_rows())
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(LiveTable)
        table.move_cursor(6)
        await pilot.pause()
        rendered = spy_render_line(table)
        rows = make_rows()
        rows[1], rows[2] = rows[2], rows[1]
        table.set_rows(rows)
        await pilot.pause()
        assert sorted(rendered) == [2, 3]
        assert line_text(table, 2).startswith("S2")
        assert line_text(table, 3).startswith("S1")


async def test_a_column_widening_repaints_the_whole_table() -> None:
    app = TableApp(make_rows())
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(LiveTable)
        await pilot.pause()
        rendered = spy_render_line(table)
        rows = make_rows()
        rows[0] = make_row(0, last=1_000_000.0)  # "1,000,000.00" widens the Last column
        table.set_rows(rows)
        await pilot.pause()
        assert set(range(len(rows) + 1)) <= set(rendered)
        header = line_text(table, 0)
        assert header.index("Chg %") > line_text(table, 1).index("1,000,000.00")


async def test_placeholder_shows_until_rows_arrive() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(LiveTable)
        await pilot.pause()
        assert line_text(table, 1).strip() == "loading…"
        table.set_rows(make_rows(2))
        await pilot.pause()
        assert line_text(table, 1).startswith("S0")


async def test_cursor_keys_move_the_cursor() -> None:
    app = TableApp(make_rows(30))
    async with app.run_test(size=(80, 12)) as pilot:
        table = app.query_one(LiveTable)
        assert table.cursor_row == 0
        await pilot.press("down", "j", "j")
        assert table.cursor_row == 3
        await pilot.press("k")
        assert table.cursor_row == 2
        await pilot.press("up")
        assert table.cursor_row == 1
        await pilot.press("G")
        assert table.cursor_row == 29
        await pilot.press("g")
        assert table.cursor_row == 0
        await pilot.press("end")
        assert table.cursor_key == "S29"
        await pilot.press("home")
        assert table.cursor_key == "S0"
        await pilot.press("up")
        assert table.cursor_row == 0  # clamped at the top


async def test_page_keys_move_by_a_screenful_and_keep_the_cursor_visible() -> None:
    app = TableApp(make_rows(50))
    async with app.run_test(size=(80, 12)) as pilot:
        table = app.query_one(LiveTable)
        await pilot.press("pagedown")
        page = table.cursor_row
        assert 5 <= page <= 11
        await pilot.press("pagedown", "pagedown")
        assert table.cursor_row == 3 * page
        await pilot.pause()
        visible = [line_text(table, y).split()[0] for y in range(1, table.size.height)]
        assert table.cursor_key in visible
        assert line_text(table, 0).startswith("Symbol")  # the header stays put
        await pilot.press("pageup")
        assert table.cursor_row == 2 * page


async def test_cursor_moves_post_row_highlighted() -> None:
    app = TableApp(make_rows())
    async with app.run_test(size=(80, 12)) as pilot:
        await pilot.pause()
        assert app.highlighted == ["S0"]  # the first rows put the cursor on S0
        await pilot.press("j", "j")
        await pilot.pause()
        assert app.highlighted == ["S0", "S1", "S2"]


async def test_cursor_stays_on_its_key_when_rows_are_reordered() -> None:
    app = TableApp(make_rows())
    async with app.run_test(size=(80, 12)) as pilot:
        table = app.query_one(LiveTable)
        await pilot.press("j", "j")
        assert table.cursor_key == "S2"
        table.set_rows(list(reversed(make_rows())))
        await pilot.pause()
        assert table.cursor_key == "S2"
        assert table.cursor_row == 5
        assert app.highlighted[-1] == "S2"  # unchanged key: no new highlight
        assert app.highlighted.count("S2") == 1


async def test_cursor_moves_to_a_neighbour_when_its_row_goes() -> None:
    app = TableApp(make_rows())
    async with app.run_test(size=(80, 12)) as pilot:
        table = app.query_one(LiveTable)
        await pilot.press("G")
        table.set_rows(make_rows(4))
        await pilot.pause()
        assert table.cursor_key == "S3"
        assert app.highlighted[-1] == "S3"


async def test_enter_posts_row_activated_with_the_cursor_key() -> None:
    app = TableApp(make_rows())
    async with app.run_test(size=(80, 12)) as pilot:
        await pilot.press("j", "enter")
        await pilot.pause()
        assert app.activated == ["S1"]


async def test_click_selects_a_row_and_a_second_click_activates_it() -> None:
    app = TableApp(make_rows())
    async with app.run_test(size=(80, 12)) as pilot:
        table = app.query_one(LiveTable)
        await pilot.click(LiveTable, offset=(2, 4))  # line 4 is row 3
        await pilot.pause()
        assert table.cursor_key == "S3"
        assert app.activated == []
        await pilot.click(LiveTable, offset=(2, 4))
        await pilot.pause()
        assert app.activated == ["S3"]


async def test_clicking_the_header_does_nothing() -> None:
    app = TableApp(make_rows())
    async with app.run_test(size=(80, 12)) as pilot:
        table = app.query_one(LiveTable)
        await pilot.click(LiveTable, offset=(2, 0))
        await pilot.pause()
        assert table.cursor_row == 0
        assert app.activated == []


async def test_cursor_bindings_can_be_remapped_by_id() -> None:
    app = TableApp(make_rows())
    async with app.run_test(size=(80, 12)) as pilot:
        table = app.query_one(LiveTable)
        app.set_keymap({"table.cursor_down": "n", "table.activate": "o"})
        await pilot.press("n", "n", "o")
        await pilot.pause()
        assert table.cursor_row == 2
        assert app.activated == ["S2"]


@pytest.mark.parametrize("width", [40, 120])
async def test_narrow_tables_hide_whole_columns_and_never_cut_a_number(width: int) -> None:
    rows = make_rows()
    app = TableApp(rows)
    async with app.run_test(size=(width, 14)) as pilot:
        table = app.query_one(LiveTable)
        await pilot.pause()
        shown = [column.key for column in table.visible_columns]
        assert shown[:3] == ["symbol", "last", "change"]
        for index, row in enumerate(rows):
            text = line_text(table, index + 1)
            assert len(text) <= width
            for column in table.visible_columns:
                position = [c.key for c in COLUMNS].index(column.key)
                cell = row.cells[position]
                value = cell.text if isinstance(cell, Cell) else str(cell)
                if not column.is_text:
                    assert value in text  # every shown figure is whole
    if width == 40:
        assert shown == ["symbol", "last", "change", "volume", "flow"]  # name (48 wide) hidden
    else:
        assert shown == [column.key for column in COLUMNS]


async def test_columns_are_hidden_lowest_priority_first_on_resize() -> None:
    app = TableApp(make_rows())
    async with app.run_test(size=(120, 14)) as pilot:
        table = app.query_one(LiveTable)
        await pilot.pause()
        await pilot.resize_terminal(26, 14)
        await pilot.pause()
        assert [column.key for column in table.visible_columns] == ["symbol", "last", "change"]
        await pilot.resize_terminal(120, 14)
        await pilot.pause()
        assert len(table.visible_columns) == len(COLUMNS)


async def test_capped_text_columns_end_in_an_ellipsis_only_without_room_to_spare() -> None:
    app = TableApp(make_rows(1))
    async with app.run_test(size=(48, 8)) as pilot:  # every column, the name at its cap
        table = app.query_one(LiveTable)
        await pilot.pause()
        assert "A very long…" in line_text(table, 1)
        await pilot.resize_terminal(52, 8)
        await pilot.pause()
        assert line_text(table, 1).rstrip().endswith("A very long com…")
        await pilot.resize_terminal(120, 8)
        await pilot.pause()
        assert "A very long company name" in line_text(table, 1)


async def test_a_note_replaces_the_missing_cells() -> None:
    rows = [*make_rows(2), Row("BAD", ("BAD",), note="not found")]
    app = TableApp(rows)
    async with app.run_test(size=(80, 8)) as pilot:
        table = app.query_one(LiveTable)
        await pilot.pause()
        assert line_text(table, 3).split() == ["BAD", "not", "found"]


def test_rows_need_unique_keys() -> None:
    table = LiveTable(COLUMNS)
    with pytest.raises(ValueError, match="unique"):
        table.set_rows([make_row(1), make_row(1)])


def _style_of(strip: Strip, text: str) -> Style:
    for segment in strip:
        if text in segment.text:
            assert segment.style is not None
            return segment.style
    raise AssertionError(f"{text!r} not in {strip.text!r}")


async def test_tones_take_their_colours_from_the_theme() -> None:
    app = TableApp(make_rows(3))
    async with app.run_test(size=(80, 8)) as pilot:
        table = app.query_one(LiveTable)
        await pilot.pause()
        success = Color.parse(app.theme_variables["text-success"]).rich_color
        assert _style_of(table.render_line(2), "+1.25%").color == success
        app.theme = "textual-light"
        await pilot.pause()
        light_success = Color.parse(app.theme_variables["text-success"]).rich_color
        assert light_success != success
        assert _style_of(table.render_line(2), "+1.25%").color == light_success


async def test_the_cursor_row_looks_different_when_focused() -> None:
    app = TableApp(make_rows(3))
    async with app.run_test(size=(80, 8)) as pilot:
        table = app.query_one(LiveTable)
        await pilot.pause()
        focused = _style_of(table.render_line(1), "S0")
        plain = _style_of(table.render_line(2), "S1")
        assert focused.bgcolor != plain.bgcolor
        table.blur()
        await pilot.pause()
        blurred = _style_of(table.render_line(1), "S0")
        assert blurred != focused


async def test_fixed_widths_hold_before_any_row_arrives() -> None:
    columns = (Column("name", "Name", align="left"), Column("spark", "Today", width=8))
    app = TableApp(columns=columns)
    async with app.run_test(size=(60, 8)) as pilot:
        table = app.query_one(LiveTable)
        await pilot.pause()
        assert line_text(table, 0).rstrip() == "Name    Today"


SHORT_COLUMNS = (
    Column("symbol", "Symbol", align="left"),
    Column("flow", "Five-day flow", short="5d", priority=1),
    Column("volume", "Relative volume", short="RVol", priority=2),
)


def short_row(index: int) -> Row:
    return Row(f"S{index}", (f"S{index}", "+$1.2B", "1.4×"))


async def test_short_headers_take_over_where_they_show_more_columns() -> None:
    app = TableApp([short_row(i) for i in range(3)], columns=SHORT_COLUMNS)
    # Full headers: 6 + 13 + 15 + 2 gaps = 36 columns; short ones: 6 + 6 + 4 + 2 = 18.
    async with app.run_test(size=(40, 8)) as pilot:
        table = app.query_one(LiveTable)
        await pilot.pause()
        assert table.shown_headers == ("Symbol", "Five-day flow", "Relative volume")
        await pilot.resize_terminal(30, 8)
        await pilot.pause()
        assert table.shown_headers == ("Symbol", "5d", "RVol")
        assert line_text(table, 0).split() == ["Symbol", "5d", "RVol"]
        assert line_text(table, 1).split() == ["S0", "+$1.2B", "1.4×"]
        await pilot.resize_terminal(14, 8)
        await pilot.pause()
        assert table.shown_headers == ("Symbol", "5d")


async def test_the_sorted_column_is_marked_and_widened_for_its_mark() -> None:
    app = TableApp(make_rows(2))
    async with app.run_test(size=(120, 8)) as pilot:
        table = app.query_one(LiveTable)
        await pilot.pause()
        table.mark_sorted("flow", descending=True)
        await pilot.pause()
        assert "Flow 5d▼" in line_text(table, 0)
        assert "−$350M" in line_text(table, 1)
        table.mark_sorted("symbol", descending=False)
        await pilot.pause()
        assert line_text(table, 0).startswith("Symbol▲")
        assert "▼" not in line_text(table, 0)
        table.mark_sorted(None)
        await pilot.pause()
        assert "▲" not in line_text(table, 0)
        assert table.sorted_by is None


LABEL_COLUMNS = (
    Column("symbol", "ETF", width=4, align="left"),
    Column("sector", "Sector", width=22, min_width=12, align="left"),
    Column("bar", "Flow", width=5, grows=True, align="left", priority=1),
)


def label_rows() -> list[Row]:
    return [
        Row(
            "XLK",
            ("XLK", Cell("Information Technology", short="Info Tech"), Sparkline((1, 2, 3, 4))),
        ),
        Row("XLU", ("XLU", Cell("Utilities"), SignedBar(-1.0, 2.0, "down"))),
    ]


async def test_a_narrow_text_column_shows_every_short_form_and_a_wide_one_the_names() -> None:
    app = TableApp(label_rows(), columns=LABEL_COLUMNS)
    async with app.run_test(size=(24, 6)) as pilot:  # 4 + 12 + 5 + 2 gaps = 23 (+1 spare)
        table = app.query_one(LiveTable)
        await pilot.pause()
        assert table.column_widths == {"symbol": 4, "sector": 13, "bar": 5}
        assert line_text(table, 1).split()[:3] == ["XLK", "Info", "Tech"]
        await pilot.resize_terminal(60, 6)
        await pilot.pause()
        assert "Information Technology" in line_text(table, 1)
        assert "Utilities" in line_text(table, 2)


async def test_sparklines_and_bars_fill_the_width_their_growing_column_gets() -> None:
    app = TableApp(label_rows(), columns=LABEL_COLUMNS)
    async with app.run_test(size=(40, 6)) as pilot:
        table = app.query_one(LiveTable)
        await pilot.pause()
        start, width = table.column_offsets["bar"], table.column_widths["bar"]
        assert width == 40 - 4 - 22 - 2  # what the ETF and the whole sector names leave
        spark = line_text(table, 1)[start : start + width]
        bar = line_text(table, 2)[start : start + width]
        assert spark.rstrip() == "▁▁▃▃▆▆██"  # four points, each drawn at most twice
        half = (width - 1) // 2
        assert bar.rstrip() == " " * (half - round(half / 2)) + "█" * round(half / 2) + "│"
        await pilot.resize_terminal(60, 6)
        await pilot.pause()
        assert table.column_widths["bar"] == width + 20


async def test_a_sort_mark_moves_no_column_of_a_sortable_table() -> None:
    class SortableApp(TableApp):
        def compose(self) -> ComposeResult:
            yield LiveTable(self.columns, sortable={"flow", "symbol"})

    app = SortableApp(make_rows(3))
    async with app.run_test(size=(120, 8)) as pilot:
        table = app.query_one(LiveTable)
        await pilot.pause()
        before = table.column_offsets
        table.mark_sorted("flow")
        await pilot.pause()
        assert "Flow 5d▼" in line_text(table, 0)
        assert table.column_offsets == before


async def test_every_column_shows_them_all_and_scrolls_sideways_keeping_the_first() -> None:
    app = TableApp(make_rows(3))
    async with app.run_test(size=(34, 8)) as pilot:
        table = app.query_one(LiveTable)
        await pilot.pause()
        assert len(table.visible_columns) < len(COLUMNS)
        table.every_column = True
        await pilot.pause()
        assert [column.key for column in table.visible_columns] == [c.key for c in COLUMNS]
        assert "A very long company name" not in line_text(table, 1)  # off to the right
        table.scroll_to(x=table.max_scroll_x, animate=False)
        await pilot.pause()
        line = line_text(table, 1)
        assert line.startswith("S0 ")  # the symbol stays put
        assert line.rstrip().endswith("A very long company name")
        table.every_column = False
        await pilot.pause()
        assert table.scroll_x == 0 and len(table.visible_columns) < len(COLUMNS)
