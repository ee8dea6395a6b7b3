"""`CorrelationGrid`: a basket's correlation matrix with a cell cursor, as
tui/presenters/corr_matrix.py reads it.

Every cell holds its number and a shade character (so it reads without colour), and a background
of the same depth where the terminal has colour: the level of a correlation, or with `c` the size
of its change (falls in the loss colour, rises in the gain colour). The members' column stays in
place while a wide matrix scrolls sideways under it; the header row stays while it scrolls down.
Arrows or h j k l move the cursor; Enter on a cell asks for that pair (`PairSelected`), on a
member with itself or on its mean for that member (`TickerSelected`).
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.presenters.corr_matrix import CELL_WIDTH, MatrixMode, MatrixView, cell_text, shade
from widgets.messages import PairSelected, TickerSelected

GAP = 1
HEADER_HEIGHT = 1
MEAN_HEADER = "Mean"
SHADE_LEVELS = (1, 2, 3, 4)
# Background tints of each shade level, in percent of the theme colour.
TINTS = {1: 15, 2: 30, 3: 45, 4: 65}


def _tint_rules(prefix: str, colour: str) -> str:
    return "\n".join(
        f"    & > .corr-grid--{prefix}-{level} {{ background: {colour} {TINTS[level]}%; }}"
        for level in SHADE_LEVELS
    )


class CorrelationGrid(ScrollView, can_focus=True):
    """The pairwise correlations of a basket's members, with a cell cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1, 0)", "Up", show=False),
        Binding("down,j", "move(1, 0)", "Down", show=False),
        Binding("left,h", "move(0, -1)", "Left", show=False),
        Binding("right,l", "move(0, 1)", "Right", show=False),
        Binding("enter", "activate", "Open pair", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "corr-grid--header",
        "corr-grid--cursor",
        "corr-grid--muted",
        *(
            f"corr-grid--{kind}-{level}"
            for kind in ("level", "fall", "rise")
            for level in SHADE_LEVELS
        ),
    }

    DEFAULT_CSS = f"""
    CorrelationGrid {{
        height: auto;
        max-height: 100%;
        background: $surface;
        scrollbar-size-vertical: 1;
        scrollbar-size-horizontal: 1;
        & > .corr-grid--header {{
            text-style: bold;
            color: $text-muted;
        }}
        & > .corr-grid--muted {{
            color: $text-muted;
        }}
        & > .corr-grid--cursor {{
            text-style: reverse bold;
        }}
{_tint_rules("level", "$primary")}
{_tint_rules("fall", "$error")}
{_tint_rules("rise", "$success")}
    }}
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.view: MatrixView | None = None
        self.mode: MatrixMode = "now"
        self.cursor = (0, 1)  # (row, column); column len(symbols) is the mean

    # -- what it shows -----------------------------------------------------------------------

    def show(self, view: MatrixView, mode: MatrixMode) -> None:
        """Show ``view`` in ``mode``; the cursor stays on the same pair of members."""
        previous = self.cursor_pair
        self.view, self.mode = view, mode
        count = len(view.symbols)
        row, column = 0, 1 if count > 1 else 0
        if previous is not None and previous[0] in view.symbols:
            row = view.symbols.index(previous[0])
            column = view.symbols.index(previous[1]) if previous[1] in view.symbols else count
        self.cursor = (min(row, max(count - 1, 0)), min(column, count))
        self._update_virtual_size()
        self.refresh()
        self._scroll_to_cursor()

    def on_resize(self, event: events.Resize) -> None:
        self._update_virtual_size()
        self._scroll_to_cursor()

    def _update_virtual_size(self) -> None:
        """The matrix's size, its width rounded up so that scrolling right ends with a whole
        column at the left edge (a cut number would read as another number)."""
        if self.view is None:
            return
        label = self._label_width() + GAP
        cells = self._total_width() - label
        visible = self.scrollable_content_region.width - label
        width = self._total_width()
        if self.is_mounted and 0 < visible < cells:
            last_start = min(begin for begin in self._column_starts() if cells - begin <= visible)
            width = label + last_start + visible
        size = Size(width, HEADER_HEIGHT + len(self.view.symbols))
        if size != self.virtual_size:
            self.virtual_size = size

    @property
    def cursor_pair(self) -> tuple[str, str | None] | None:
        """The members of the cursor's row and column (None for the mean column)."""
        if self.view is None or not self.view.symbols:
            return None
        row, column = self.cursor
        symbols = self.view.symbols
        return symbols[row], symbols[column] if column < len(symbols) else None

    # -- keys --------------------------------------------------------------------------------

    def action_move(self, rows: int, columns: int) -> None:
        """Move the cursor ``rows`` down and ``columns`` right (kept within the matrix)."""
        if self.view is None or not self.view.symbols:
            return
        count = len(self.view.symbols)
        row = max(0, min(count - 1, self.cursor[0] + rows))
        column = max(0, min(count, self.cursor[1] + columns))
        if (row, column) != self.cursor:
            self.cursor = (row, column)
            self.refresh()
            self._scroll_to_cursor()

    def action_activate(self) -> None:
        """Ask for the pair under the cursor, or the member of a diagonal or mean cell."""
        pair = self.cursor_pair
        if pair is None:
            return
        first, second = pair
        if second is None or second == first:
            self.post_message(TickerSelected(first))
        else:
            self.post_message(PairSelected(first, second))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or self.view is None or offset.y < HEADER_HEIGHT:
            return
        row = offset.y - HEADER_HEIGHT + round(self.scroll_y)
        label = self._label_width() + GAP
        x = offset.x - label + round(self.scroll_x)
        if row >= len(self.view.symbols) or offset.x < label:
            return
        for column, start in enumerate(self._column_starts()):
            if start <= x < start + self._column_width(column):
                event.stop()
                if (row, column) == self.cursor:
                    self.action_activate()
                else:
                    self.cursor = (row, column)
                    self.refresh()
                return

    # -- layout ------------------------------------------------------------------------------

    def _label_width(self) -> int:
        symbols = self.view.symbols if self.view is not None else ()
        return max([CELL_WIDTH, *(cell_len(symbol) for symbol in symbols)])

    def _column_width(self, column: int) -> int:
        symbols = self.view.symbols if self.view is not None else ()
        header = symbols[column] if column < len(symbols) else MEAN_HEADER
        return max(CELL_WIDTH, cell_len(header))

    def _column_starts(self) -> list[int]:
        """Where each column starts, right of the members' column."""
        count = len(self.view.symbols) + 1 if self.view is not None else 0
        starts, position = [], 0
        for column in range(count):
            starts.append(position)
            position += self._column_width(column) + GAP
        return starts

    def _total_width(self) -> int:
        starts = self._column_starts()
        if not starts:
            return 0
        last = len(starts) - 1
        return self._label_width() + GAP + starts[last] + self._column_width(last)

    def _scroll_to_cursor(self) -> None:
        if self.view is None or not self.is_mounted:
            return
        row, column = self.cursor
        visible_width = self.scrollable_content_region.width - self._label_width() - GAP
        starts = self._column_starts()
        start = starts[column]
        end = start + self._column_width(column)
        x = self.scroll_x
        if start < x:
            x = start
        elif end > x + visible_width:
            # Whole columns from the left edge: the first one that leaves the cursor's in view.
            x = min(begin for begin in starts if begin >= end - visible_width)
        visible_rows = self.scrollable_content_region.height - HEADER_HEIGHT
        y = self.scroll_y
        if row < y:
            y = row
        elif row >= y + visible_rows:
            y = row - visible_rows + 1
        self.scroll_to(x=max(0, x), y=max(0, y), animate=False, force=True)

    # -- rendering ---------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self.view is None:
            return Strip.blank(width, self.rich_style)
        if y < HEADER_HEIGHT:
            line = self._header()
        else:
            row = y - HEADER_HEIGHT + round(self.scroll_y)
            if row >= len(self.view.symbols):
                return Strip.blank(width, self.rich_style)
            line = self._row(row)
        label = self._label_width() + GAP
        # Text.render leaves unstyled stretches unstyled: the widget's style goes underneath.
        strip = Strip(list(line.render(self.app.console)), line.cell_len).apply_style(
            self.rich_style
        )
        strip = strip.extend_cell_length(label + self._total_width(), self.rich_style)
        scroll_x = round(self.scroll_x)
        fixed = strip.crop(0, label)
        # Whole columns only: a number cut at the right edge would read as another number.
        shown = [
            begin + self._column_width(column) - scroll_x
            for column, begin in enumerate(self._column_starts())
            if begin >= scroll_x and begin + self._column_width(column) - scroll_x <= width - label
        ]
        moving = strip.crop(label + scroll_x, label + scroll_x + max(shown, default=0))
        return Strip.join([fixed, moving]).extend_cell_length(width, self.rich_style).crop(0, width)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"corr-grid--{name}")

    def _header(self) -> Text:
        assert self.view is not None
        header = self._style("header")
        line = Text()
        line.append(" " * (self._label_width() + GAP), style=header)
        cursor_column = self.cursor[1]
        for column, symbol in enumerate((*self.view.symbols, MEAN_HEADER)):
            if column:
                line.append(" " * GAP)
            style = header + Style(underline=True) if column == cursor_column else header
            line.append(f"{symbol:>{self._column_width(column)}}", style=style)
        return line

    def _row(self, row: int) -> Text:
        assert self.view is not None
        view, mode = self.view, self.mode
        symbols = view.symbols
        is_cursor_row = row == self.cursor[0]
        label_style = self._style("header") + Style(underline=is_cursor_row)
        line = Text()  # each part its own style: no base style under the cells
        line.append(f"{symbols[row]:<{self._label_width()}}", style=label_style)
        line.append(" " * GAP)
        for column in range(len(symbols) + 1):
            if column:
                line.append(" " * GAP)
            if column == len(symbols):
                value = view.mean(row, mode)
                text = cell_text(value, mode)
            else:
                value = view.value(row, column, mode)
                text = cell_text(value, mode, diagonal=row == column)
            style = self._cell_style(value, row == column and column < len(symbols))
            if (row, column) == self.cursor:
                style += self._style("cursor")
            line.append(f"{text:>{self._column_width(column)}}", style=style)
        return line

    def _cell_style(self, value: float | None, diagonal: bool) -> Style:
        if diagonal or value is None:
            return self._style("muted")
        level = shade(value, self.mode)
        if level == 0:
            return Style()
        kind = "level" if self.mode == "now" else ("fall" if value < 0 else "rise")
        return self._style(f"{kind}-{level}")
