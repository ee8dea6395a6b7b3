"""`LiveTable`: a line-API table for live data.

Textual's DataTable repaints every visible cell on any change. The dashboard's tables update every
few seconds with most rows unchanged, so this widget diffs each new set of rows against the rows it
shows, re-renders only the rows that differ (one cached strip per row) and repaints only their
lines; an update that changes nothing repaints nothing.

Which columns show and how wide they are is `tui.presenters.widths.layout_columns`'s rule: widths
from the column definitions and the table's width (columns stand still when data arrives), whole
low-priority columns hidden when the table is too narrow, so a number is never cut mid-way, and
the optional ones (the extended-hours figures) unless `show_optional`; room to spare goes to
whole names, then to the sparklines and bars, which are drawn at the width they get. The sorted
column's header is marked ▼ (largest first) or ▲. Cells are plain strings, Rich `Text`, `Cell`s
that carry a tone (up / down / muted) which the stylesheet turns into theme colours, or
sparklines and bars (`Sparkline`, `SignedBar`). Scrolled sideways (a zoomed pane in a narrow
terminal), the first column stays put.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.presenters.table import (
    SORTED_ASCENDING,
    SORTED_DESCENDING,
    Align,
    Cell,
    CellValue,
    Column,
    Graphic,
    Row,
    Tone,
    text_width,
)
from tui.presenters.widths import COLUMN_GAP, ColumnLayout, layout_columns
from widgets.tones import tone_classes, tone_css, tone_style

HEADER_HEIGHT = 1


def _fit(text: Text, width: int, align: Align) -> Text:
    """``text`` cut to ``width`` with an ellipsis if it is longer, padded to ``width``."""
    text.truncate(width, overflow="ellipsis")
    text.align(align, width)
    return text


def _runs(indices: Sequence[int]) -> Iterator[tuple[int, int]]:
    """(start, length) of each run of consecutive integers in sorted ``indices``."""
    start = previous = -2
    for index in indices:
        if index != previous + 1:
            if start >= 0:
                yield start, previous - start + 1
            start = index
        previous = index
    if start >= 0:
        yield start, previous - start + 1


class LiveTable(ScrollView, can_focus=True):
    """A keyboard-driven table that repaints only the rows that changed.

    Feed it with `set_rows`. The cursor stays on the same key when rows are re-ordered; it moves
    with up/down or j/k, g/G or home/end, page up/down, or a mouse click. Cursor moves post
    `RowHighlighted`; Enter (or a click on the cursor row) posts `RowActivated`.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "activate", "Open", show=False, id="table.activate"),
        Binding("up,k", "cursor_up", "Up", show=False, id="table.cursor_up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="table.cursor_down"),
        Binding("home,g", "cursor_top", "Top", show=False, id="table.cursor_top"),
        Binding("end,G", "cursor_bottom", "Bottom", show=False, id="table.cursor_bottom"),
        Binding("pageup", "cursor_page_up", "Page up", show=False, id="table.page_up"),
        Binding("pagedown", "cursor_page_down", "Page down", show=False, id="table.page_down"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "live-table--header",
        "live-table--cursor",
        *tone_classes("live-table"),
    }

    DEFAULT_CSS = """
    LiveTable {
        height: auto;
        max-height: 100%;
        background: $surface;
        color: $foreground;
        scrollbar-size-vertical: 1;
        scrollbar-size-horizontal: 1;
        & > .live-table--header {
            text-style: bold;
            color: $text-muted;
        }
        & > .live-table--cursor {
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .live-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """ + tone_css("LiveTable", "live-table")

    class _RowMessage(Message):
        def __init__(self, table: LiveTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> LiveTable:
            return self.table

    class RowHighlighted(_RowMessage):
        """The cursor moved to the row with ``key``."""

    class RowActivated(_RowMessage):
        """Enter was pressed (or the cursor row clicked) on the row with ``key``."""

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        placeholder: str = "",
        sortable: Collection[str] = (),
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """``sortable``: the keys of the columns a sort can mark (their headers keep room for
        the mark)."""
        super().__init__(name=name, id=id, classes=classes)
        self._columns = tuple(columns)
        self._sortable = frozenset(sortable)
        self._placeholder = placeholder
        self._rows: list[Row] = []
        self._index_of: dict[str, int] = {}
        self._cursor_index = 0
        self._sorted: tuple[str, bool] | None = None  # (column key, descending)
        # Per column: the widest text of its cells (sparklines and bars count 0), and the same
        # with the cells that have a short form in it.
        self._widest_cells: list[int] = []
        self._widest_short: list[int] = []
        self._measure()
        self._every_column = False
        self._show_optional = False
        self._visible: tuple[int, ...] = ()
        self._widths: tuple[int, ...] = ()
        self._short_headers = False
        self._layout_width = -1
        # Rendered rows by key: (the Row object rendered, rendered as the cursor row, strip).
        self._strips: dict[str, tuple[Row, bool, Strip]] = {}
        self._header_strip: Strip | None = None

    # Public API

    @property
    def columns(self) -> tuple[Column, ...]:
        """All columns, shown or not."""
        return self._columns

    def set_columns(self, columns: Sequence[Column]) -> None:
        """Define the columns again (the same keys, other widths: a tick column's room for a
        streamed price's mark); the rows are laid out and drawn again."""
        columns = tuple(columns)
        if columns == self._columns:
            return
        if [column.key for column in columns] != [column.key for column in self._columns]:
            raise ValueError("set_columns keeps the columns' keys and order")
        self._columns = columns
        self._measure()
        self._update_layout()
        self._clear_strips()
        self.refresh()
        self._update_virtual_size()

    @property
    def visible_columns(self) -> tuple[Column, ...]:
        """The columns that fit the current width, in order."""
        return tuple(self._columns[index] for index in self._visible)

    @property
    def shown_headers(self) -> tuple[str, ...]:
        """The headers of the visible columns as they read now (short in a narrow table),
        without the sort marker."""
        return tuple(self._header_text(self._columns[index]) for index in self._visible)

    @property
    def column_widths(self) -> dict[str, int]:
        """The width of each visible column, by column key."""
        return {
            self._columns[index].key: width
            for index, width in zip(self._visible, self._widths, strict=True)
        }

    @property
    def column_offsets(self) -> dict[str, int]:
        """The x of each visible column's first cell, by column key (unscrolled)."""
        offsets: dict[str, int] = {}
        x = 0
        for index, width in zip(self._visible, self._widths, strict=True):
            offsets[self._columns[index].key] = x
            x += width + COLUMN_GAP
        return offsets

    @property
    def every_column(self) -> bool:
        """Whether every column is shown, scrolling sideways if need be (a zoomed pane), rather
        than the low-priority ones hidden to fit."""
        return self._every_column

    @every_column.setter
    def every_column(self, every: bool) -> None:
        if every != self._every_column:
            self._every_column = every
            if self._update_layout():
                self.refresh()
            self._update_virtual_size()
            if not every:
                self.scroll_to(x=0, animate=False, immediate=True)

    @property
    def show_optional(self) -> bool:
        """Whether the optional columns (the extended-hours figures) are laid out: the screen
        says so from the market's session, before their figures come."""
        return self._show_optional

    @show_optional.setter
    def show_optional(self, show: bool) -> None:
        if show != self._show_optional:
            self._show_optional = show
            if self._update_layout():
                self.refresh()
            self._update_virtual_size()

    @property
    def wanted_height(self) -> int:
        """The lines the table needs to show every row: the header and the rows (or the
        placeholder's line)."""
        return HEADER_HEIGHT + max(len(self._rows), 1 if self._placeholder else 0)

    @property
    def sorted_by(self) -> tuple[str, bool] | None:
        """The key of the column marked as sorted and whether it is descending, or None."""
        return self._sorted

    def mark_sorted(self, column_key: str | None, descending: bool = True) -> None:
        """Mark the column ``column_key`` as sorted, ▼ when descending and ▲ when ascending
        (None: no column is marked). The rows' order is the caller's."""
        marked = None if column_key is None else (column_key, descending)
        if marked == self._sorted:
            return
        self._sorted = marked
        self._header_strip = None
        if self._update_layout():
            self.refresh()
        else:
            self.refresh_lines(0, HEADER_HEIGHT)
        self._update_virtual_size()

    @property
    def rows(self) -> tuple[Row, ...]:
        """The rows shown, in order."""
        return tuple(self._rows)

    @property
    def cursor_row(self) -> int:
        """Index of the cursor row (0 when the table is empty)."""
        return self._cursor_index

    @property
    def cursor_key(self) -> str | None:
        """Key of the cursor row, None when the table is empty."""
        return self._rows[self._cursor_index].key if self._rows else None

    @property
    def placeholder(self) -> str:
        """Text shown (muted) while the table has no rows, e.g. "loading…"."""
        return self._placeholder

    @placeholder.setter
    def placeholder(self, text: str) -> None:
        if text != self._placeholder:
            self._placeholder = text
            if not self._rows:
                self.refresh_lines(HEADER_HEIGHT)
                self._update_virtual_size()  # no placeholder: no line for it

    def row_index(self, key: str) -> int | None:
        """Index of the row with ``key``, None if there is none."""
        return self._index_of.get(key)

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Show ``rows``, repainting only the lines whose row or cursor state changed."""
        keys = [row.key for row in rows]
        if len(set(keys)) != len(keys):
            raise ValueError("LiveTable rows need unique keys")
        previous_by_key = {row.key: row for row in self._rows}
        # Keep the old object for an unchanged row: the strip cache then matches by identity.
        new_rows = [
            previous if (previous := previous_by_key.get(row.key)) == row else row for row in rows
        ]
        old_rows, old_cursor, old_key = self._rows, self._cursor_index, self.cursor_key
        self._rows = new_rows
        self._index_of = {row.key: index for index, row in enumerate(new_rows)}
        if old_key is not None and old_key in self._index_of:
            self._cursor_index = self._index_of[old_key]
        else:
            self._cursor_index = max(0, min(old_cursor, len(new_rows) - 1))
        for key in previous_by_key.keys() - self._index_of.keys():
            self._strips.pop(key, None)

        self._measure()
        if self._update_layout():
            self.refresh()
        else:
            self._refresh_changed(old_rows, old_cursor)
        self._update_virtual_size()
        new_key = self.cursor_key
        if new_key is not None and new_key != old_key:
            self.post_message(self.RowHighlighted(self, new_key))
        if self._cursor_index != old_cursor:
            self._scroll_cursor_into_view()

    def move_cursor(self, index: int) -> None:
        """Put the cursor on row ``index`` (clamped), scroll it into view, post RowHighlighted."""
        if not self._rows:
            return
        index = max(0, min(index, len(self._rows) - 1))
        if index != self._cursor_index:
            previous = self._cursor_index
            self._cursor_index = index
            self._refresh_rows([previous, index])
            self.post_message(self.RowHighlighted(self, self._rows[index].key))
        self._scroll_cursor_into_view()

    # Actions

    def action_cursor_up(self) -> None:
        """Move the cursor one row up."""
        self.move_cursor(self._cursor_index - 1)

    def action_cursor_down(self) -> None:
        """Move the cursor one row down."""
        self.move_cursor(self._cursor_index + 1)

    def action_cursor_top(self) -> None:
        """Move the cursor to the first row."""
        self.move_cursor(0)

    def action_cursor_bottom(self) -> None:
        """Move the cursor to the last row."""
        self.move_cursor(len(self._rows) - 1)

    def action_cursor_page_up(self) -> None:
        """Move the cursor up by a screenful."""
        self.move_cursor(self._cursor_index - self._page_rows())

    def action_cursor_page_down(self) -> None:
        """Move the cursor down by a screenful."""
        self.move_cursor(self._cursor_index + self._page_rows())

    def action_activate(self) -> None:
        """Post RowActivated for the cursor row."""
        key = self.cursor_key
        if key is not None:
            self.post_message(self.RowActivated(self, key))

    # Events

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < HEADER_HEIGHT:
            return
        index = offset.y - HEADER_HEIGHT + round(self.scroll_y)
        if index >= len(self._rows):
            return
        event.stop()
        if index == self._cursor_index:
            self.action_activate()
        else:
            self.move_cursor(index)

    def on_resize(self, event: events.Resize) -> None:
        self._clear_strips()
        self._update_layout()
        self._update_virtual_size()
        self.refresh()

    def notify_style_update(self) -> None:
        # Theme, focus and class changes can change every colour: drop the rendered strips.
        super().notify_style_update()
        self._clear_strips()

    # Rendering

    def render_line(self, y: int) -> Strip:
        if self._available_width() != self._layout_width and self._update_layout():
            # The width changed without a resize (a scrollbar came or went): repaint it all,
            # and say how wide the table is now once this frame is drawn.
            self.refresh()
            self.call_after_refresh(self._update_virtual_size)
        scroll_x, scroll_y = self.scroll_offset
        width = max(self.size.width, self._layout_total())
        if y < HEADER_HEIGHT:
            strip = self._header()
        else:
            index = y - HEADER_HEIGHT + scroll_y
            if index < len(self._rows):
                strip = self._row_strip(index)
            elif index == 0 and self._placeholder:
                strip = self._placeholder_strip()
            else:
                return Strip.blank(self.size.width, self.rich_style)
        strip = strip.extend_cell_length(width, self.rich_style)
        frozen = self._widths[0] + COLUMN_GAP if self._widths else 0
        if scroll_x == 0 or frozen >= self.size.width:
            return strip.crop(scroll_x, scroll_x + self.size.width)
        # Scrolled sideways, the first column (the name or symbol) stays put.
        return Strip.join(
            [
                strip.crop(0, frozen),
                strip.crop(frozen + scroll_x, scroll_x + self.size.width),
            ]
        )

    def _header(self) -> Strip:
        if self._header_strip is None:
            style = self.get_component_rich_style("live-table--header")
            line = Text()
            columns = zip(self._visible, self._widths, strict=True)
            for position, (index, width) in enumerate(columns):
                if position:
                    line.append(" " * COLUMN_GAP)
                column = self._columns[index]
                header = self._header_text(column) + self._sort_marker(column)
                line.append_text(_fit(Text(header), width, column.align))
            self._header_strip = self._to_strip(line, style)
        return self._header_strip

    def _header_text(self, column: Column, short: bool | None = None) -> str:
        use_short = self._short_headers if short is None else short
        return column.short_header if use_short else column.header

    def _sort_marker(self, column: Column) -> str:
        if self._sorted is None or self._sorted[0] != column.key:
            return ""
        return SORTED_DESCENDING if self._sorted[1] else SORTED_ASCENDING

    def _placeholder_strip(self) -> Strip:
        style = self.get_component_rich_style("live-table--muted")
        return self._to_strip(Text(self._placeholder, style=style), self.rich_style)

    def _row_strip(self, index: int) -> Strip:
        row = self._rows[index]
        is_cursor = index == self._cursor_index
        cached = self._strips.get(row.key)
        if cached is not None and cached[0] is row and cached[1] == is_cursor:
            return cached[2]
        strip = self._render_row(row, is_cursor)
        self._strips[row.key] = (row, is_cursor, strip)
        return strip

    def _render_row(self, row: Row, is_cursor: bool) -> Strip:
        row_style = (
            self.get_component_rich_style("live-table--cursor") if is_cursor else self.rich_style
        )
        line = Text()
        positions = list(zip(self._visible, self._widths, strict=True))
        for position, (index, width) in enumerate(positions):
            if position:
                line.append(" " * COLUMN_GAP)
            if index >= len(row.cells) and row.note is not None:
                span = sum(w for _, w in positions[position:]) + COLUMN_GAP * (
                    len(positions) - position - 1
                )
                note = Text(row.note, style=self._tone_style("muted", is_cursor))
                line.append_text(_fit(note, span, "left"))
                break
            cell = row.cells[index] if index < len(row.cells) else ""
            # Where the column is too narrow for its longest text, every cell with a short form
            # uses it, so that the column reads one way.
            abbreviate = width < self._widest_cells[index]
            text = self._cell_text(cell, width, is_cursor, abbreviate)
            line.append_text(_fit(text, width, self._columns[index].align))
        return self._to_strip(line, row_style)

    def _cell_text(self, cell: CellValue, width: int, is_cursor: bool, abbreviate: bool) -> Text:
        """The cell as styled text for a column ``width`` wide: sparklines and bars drawn at that
        width, a text's short form when ``abbreviate``."""
        if isinstance(cell, Text):
            return cell.copy()
        if isinstance(cell, Graphic):
            text, tone = cell.draw(width), cell.tone
        elif isinstance(cell, Cell):
            text, tone = cell.text, cell.tone
            if cell.short is not None and abbreviate:
                text = cell.short
        else:
            return Text(cell)
        if tone is None:
            return Text(text)
        return Text(text, style=self._tone_style(tone, is_cursor))

    def _tone_style(self, tone: Tone, is_cursor: bool) -> Style:
        # On the cursor row the cursor's colours win: signs and arrows still carry the direction.
        if is_cursor:
            return Style()
        return tone_style(self, "live-table", tone) or Style()

    def _to_strip(self, line: Text, style: Style) -> Strip:
        # Text.render leaves unstyled stretches unstyled: put the row's style underneath.
        strip = Strip(list(line.render(self.app.console)), line.cell_len).apply_style(style)
        return strip.extend_cell_length(max(self.size.width, self._layout_total()), style)

    # Layout

    def _available_width(self) -> int:
        return self.scrollable_content_region.width

    def _measure(self) -> None:
        """The widest text of each column's cells (the layout widens a column only where its
        figures would not fit the width its definition gives)."""
        widest = [0] * len(self._columns)
        widest_short = [0] * len(self._columns)
        for row in self._rows:
            for index, cell in enumerate(row.cells[: len(widest)]):
                widest[index] = max(widest[index], text_width(cell))
                short = cell_len(cell.short) if isinstance(cell, Cell) and cell.short else None
                widest_short[index] = max(widest_short[index], short or text_width(cell))
        self._widest_cells = widest
        self._widest_short = widest_short

    def _update_layout(self) -> bool:
        """Choose the columns that fit the available width, their headers and widths; True if
        the layout changed."""
        available = self._available_width()
        self._layout_width = available
        layout: ColumnLayout = layout_columns(
            self._columns,
            available,
            widest=self._widest_cells,
            widest_short=self._widest_short,
            # The sorted column has room for its mark even if it was not declared sortable.
            sortable=self._sortable | {self._sorted[0]} if self._sorted else self._sortable,
            every_column=self._every_column,
            with_optional=self._show_optional,
        )
        visible, widths, short_headers = layout.visible, layout.widths, layout.short_headers
        if (visible, widths, short_headers) == (self._visible, self._widths, self._short_headers):
            return False
        self._visible, self._widths = visible, widths
        self._short_headers = short_headers
        self._clear_strips()
        return True

    def _layout_total(self) -> int:
        return sum(self._widths) + COLUMN_GAP * max(0, len(self._widths) - 1)

    def _update_virtual_size(self) -> None:
        height = HEADER_HEIGHT + max(len(self._rows), 1 if self._placeholder else 0)
        size = Size(self._layout_total(), height)
        if size != self.virtual_size:
            self.virtual_size = size
            if self.is_mounted:
                # Decide the scrollbars again now (as Textual's OptionList does): a table that
                # became narrower than its container after a resize (a zoom ending) would
                # otherwise keep a horizontal scrollbar it no longer needs.
                self._scroll_update(size)

    def _clear_strips(self) -> None:
        self._strips.clear()
        self._header_strip = None

    # Repainting

    def _viewport_rows(self) -> range:
        """Indices of the rows currently on screen."""
        top = round(self.scroll_y)
        return range(top, top + max(0, self.scrollable_content_region.height - HEADER_HEIGHT))

    def _page_rows(self) -> int:
        return max(1, len(self._viewport_rows()) - 1)

    def _refresh_rows(self, indices: Sequence[int]) -> None:
        """Repaint the on-screen lines of the rows at ``indices``."""
        viewport = self._viewport_rows()
        on_screen = sorted({index for index in indices if index in viewport})
        for start, count in _runs(on_screen):
            self.refresh_lines(HEADER_HEIGHT + start, count)

    def _refresh_changed(self, old_rows: Sequence[Row], old_cursor: int) -> None:
        """Repaint the lines whose row, or whose cursor state, differs from before."""
        shared = min(len(old_rows), len(self._rows))
        changed = [
            index
            for index in range(shared)
            if old_rows[index] is not self._rows[index]
            or (index == old_cursor) != (index == self._cursor_index)
        ]
        changed.extend(range(shared, max(len(old_rows), len(self._rows))))
        if not old_rows or not self._rows:
            changed.append(0)  # the placeholder line appears or goes
        self._refresh_rows(changed)

    def _scroll_cursor_into_view(self) -> None:
        if not self.is_mounted:
            return
        region = Region(0, HEADER_HEIGHT + self._cursor_index, 1, 1)
        self.scroll_to_region(
            region,
            spacing=Spacing(top=HEADER_HEIGHT),
            animate=False,
            force=True,
            x_axis=False,
        )
