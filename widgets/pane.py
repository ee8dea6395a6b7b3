"""`DataPane`: the base of the dashboard's four panes, a bordered container around one LiveTable,
driven by its pane's presenter (tui/presenters/<pane>.py).

The screen hands a pane its view model with `show(view)` and whether the data is stale with
`set_stale(stale)`; the presenter turns the view into rows, the as-of text of the subtitle
and the legend line. A pane without rows says "loading…" until the screen tells it why there is
no data (`set_missing`, once its sources failed); a pane whose figures could not be computed
says so over its last rows (`set_build_failure`). Both go in a notice line under the headers.
`s` sorts by the presenter's next sort order, `S` reverses it; the sorted column's header is
marked ▼ or ▲ and the cursor goes to the new first row. Enter on a row posts the message the
subclass chooses (`TickerSelected`, or `BasketSelected` for a basket); `a` asks for an alert on
the row (`AlertRequested`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar, Generic, TypeVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from tui.models import NO_DATA
from tui.presenters.registry import Presenter
from tui.presenters.status import build_failure_text
from tui.presenters.table import Cell, Column, Row, SortMode, Tone, cell_text
from tui.presenters.ticks import PriceMove, moved_view
from tui.presenters.widths import header_width
from widgets.messages import AlertRequested, TickerSelected
from widgets.table import LiveTable
from widgets.tones import tone_style

STALE_MARK = "⚠ STALE"
SUBTITLE_MARGIN = 6  # the border's corners and the blanks around its subtitle
LOADING = "loading…"

# A streamed price's cell is marked this long after it moved: ▴ up, ▾ down (never colour alone).
FLASH_S = 1.0
TICK_MARKS: Mapping[int, str] = {1: "▴", -1: "▾"}
MARK_ROOM = 1  # the mark's cell, before the figure
# Moves are applied again over a view rebuilt in the meantime (built from slightly older prices)
# for this long after they came.
RECENT_MOVES_S = 15.0


ViewT = TypeVar("ViewT")


class DataPane(Vertical, Generic[ViewT]):
    """A bordered pane around one LiveTable, with freshness, staleness and sort in its subtitle
    and, when its presenter has one, a legend line under the table.

    Subclasses name their presenter and say which message Enter on a row posts.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "cycle_sort", "Sort", id="sort"),
        Binding("S", "reverse_sort", "Reverse", id="reverse_sort"),
        # Off the footer (an 80-column footer has no room left); help and the README list it.
        Binding("a", "new_alert", "Alert", id="alert", show=False),
    ]

    DEFAULT_CSS = """
    DataPane {
        border: round $border-blurred;
        border-title-color: $foreground;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
        height: 1fr;
        &:focus-within {
            border: round $border;
        }
        &.stale {
            border-subtitle-color: $text-warning;
            border-subtitle-style: bold;
        }
        & > .legend {
            dock: bottom;
            height: auto;
            color: $text-muted;
        }
        & > .notice {
            height: auto;
            color: $text-warning;
        }
        /* Over rows, at the top: below them it would be pushed out of a full pane. */
        & > .notice.-over-rows {
            dock: top;
        }
    }
    """

    presenter: Presenter[ViewT]
    ALLOW_MAXIMIZE = True  # the dashboard's `z` zooms a pane to the whole screen
    HAS_LEGEND: ClassVar[bool] = False  # a line under the table for the presenter's legend
    # The column whose cell carries a streamed price's mark (None: ticks rebuild the pane whole).
    TICK_COLUMN: ClassVar[str | None] = None

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.view: ViewT | None = None
        self.sort_index = 0
        self._sort: SortMode[Any] = self.presenter.sorts[0]
        self._subtitle = ""
        self._legend_text = ""
        self._missing: str | None = None  # why there is no data, once the sources failed
        self._build_failure: str | None = None  # why the figures could not be computed
        self._notice_text = ""
        self.border_title = self.presenter.title
        self._streamed = False  # whether a price stream may tick it (its screen says)
        self.table = LiveTable(
            self._table_columns(streamed=False),
            placeholder=LOADING,
            sortable={sort.column for sort in self.presenter.sorts if sort.column is not None},
        )
        self.table.mark_sorted(self._sort.column, self._sort.descending)
        self.notice = Static("", classes="notice")
        self.notice.display = False  # until there is something to say
        self.legend = Static("", classes="legend") if self.HAS_LEGEND else None
        if self.legend is not None:
            self.legend.display = False  # until there is something to say
        # Streamed prices: the marked cells by row key (direction, until when on the monotonic
        # clock), and the moves of the last moments by symbol (with when they came).
        self._flashes: dict[str, tuple[int, float]] = {}
        self._recent: dict[str, tuple[PriceMove, float]] = {}
        self._update_subtitle()
        self._wanted: tuple[int, str, str] = (self.wanted_rows(), "", "")

    def compose(self) -> ComposeResult:
        yield self.table
        yield self.notice
        if self.legend is not None:
            yield self.legend

    @property
    def sort(self) -> SortMode[Any]:
        """The current sort order, in its current direction."""
        return self._sort

    @property
    def sort_label(self) -> str:
        """The label of the current sort order."""
        return self.sort.label

    def show(self, view: ViewT) -> None:
        """Show ``view``; only the rows that changed are repainted. Its figures were computed:
        a failure to compute them before is over."""
        if self._recent:
            # Built from the prices of a moment ago: the moves since then still stand.
            now = time.monotonic()
            self._recent = {
                symbol: (move, came)
                for symbol, (move, came) in self._recent.items()
                if now - came <= RECENT_MOVES_S
            }
            moves = {symbol: move for symbol, (move, _) in self._recent.items()}
            view, _ = moved_view(view, moves)
        self.view = view
        self._build_failure = None
        self._refresh_rows()
        self._update_subtitle()

    def tick(self, moves: Mapping[str, PriceMove]) -> None:
        """Streamed prices moved: the rows of those symbols change their price figures, and
        the cell of each that moved is marked ▴ or ▾ for a moment. Only those rows repaint."""
        if self.view is None or self.TICK_COLUMN is None:
            return
        view, changed = moved_view(self.view, moves)
        if not changed:
            return
        now = time.monotonic()
        for symbol in changed:
            self._recent[symbol] = (moves[symbol], now)
        for key, direction in changed.items():
            if direction:
                self._flashes[key] = (direction, now + FLASH_S)
        self.view = view
        self._refresh_rows()
        self._update_subtitle()
        self._arm_flash_timer()

    @property
    def flashing(self) -> dict[str, str]:
        """The rows whose price is marked now, with the mark (▴ or ▾)."""
        now = time.monotonic()
        return {
            key: TICK_MARKS[direction]
            for key, (direction, until) in self._flashes.items()
            if until > now
        }

    def _arm_flash_timer(self) -> None:
        if self._flashes:
            soonest = min(until for _, until in self._flashes.values())
            self.set_timer(max(0.05, soonest - time.monotonic()), self._expire_flashes)

    def _expire_flashes(self) -> None:
        now = time.monotonic()
        expired = [key for key, (_, until) in self._flashes.items() if until <= now]
        if not expired:
            return
        for key in expired:
            del self._flashes[key]
        self._refresh_rows()
        self._arm_flash_timer()

    @property
    def streamed(self) -> bool:
        """Whether a price stream may tick the pane: its tick column then keeps room for the
        mark. The screen says so from the settings and the source, before the first figures, so
        that neither they nor the first tick move a column; without a stream (the demo, a
        replay, your files) the room is not taken."""
        return self._streamed

    @streamed.setter
    def streamed(self, streamed: bool) -> None:
        if streamed != self._streamed:
            self._streamed = streamed
            self.table.set_columns(self._table_columns(streamed=streamed))
            self._refresh_rows()

    @classmethod
    def _table_columns(cls, *, streamed: bool) -> tuple[Column, ...]:
        """The presenter's columns; streamed, the tick column one cell wider for the mark."""

        def with_room(column: Column) -> Column:
            width = column.width or header_width(column, short=False, sortable=True)
            return replace(column, width=width + MARK_ROOM)

        return tuple(
            with_room(column) if streamed and column.key == cls.TICK_COLUMN else column
            for column in cls.presenter.columns
        )

    def _with_marks(self, rows: list[Row]) -> list[Row]:
        """Streamed, the tick column of each row with room for a mark before its figure, and
        the mark on the rows whose price just moved (in the direction's colour, reversed: the
        mark says it without it). A subclass that makes its own rows passes them through here
        too."""
        if not self._streamed:
            return rows
        columns = [column.key for column in self.presenter.columns]
        index = columns.index(self.TICK_COLUMN) if self.TICK_COLUMN in columns else None
        if index is None:
            return rows
        marks = self.flashing
        marked = []
        for row in rows:
            if index >= len(row.cells):
                marked.append(row)
                continue
            cell = row.cells[index]
            mark = marks.get(row.key)
            if mark is None:
                kept = cell.tone if isinstance(cell, Cell) else None
                new: Any = Cell(" " + cell_text(cell), kept)
            else:
                tone: Tone = "up" if mark == TICK_MARKS[1] else "down"
                style = tone_style(self.table, "live-table", tone) or Style()
                new = Text(mark + cell_text(cell), style=style + Style(reverse=True, bold=True))
            cells = (*row.cells[:index], new, *row.cells[index + 1 :])
            marked.append(Row(row.key, cells, row.note))
        return marked

    def wanted_rows(self) -> int:
        """The table rows this pane has to show (a pane with more gets more of the screen)."""
        return self.table.wanted_height - 1

    def wanted_height(self, width: int) -> int:
        """The lines this pane needs, ``width`` wide, to show every row without scrolling: its
        border, the table's header and rows, and the notice and legend lines as they wrap."""
        inner = max(1, width - self.styles.gutter.width)
        lines = 0
        for text in (self._notice_text, self._legend_text if self.legend is not None else ""):
            if text:
                lines += len(Text(text).wrap(self.app.console, inner))
        return self.styles.gutter.height + 1 + self.wanted_rows() + lines

    @property
    def zoomed(self) -> bool:
        """Whether the pane fills the screen (`z`), showing every column."""
        return self.table.every_column

    @zoomed.setter
    def zoomed(self, zoomed: bool) -> None:
        self.table.every_column = zoomed

    @property
    def extended_hours(self) -> bool:
        """Whether the market is in its pre- or post-market session: the pane's extended-hours
        column (optional) is laid out only then, whether or not its figures have come."""
        return self.table.show_optional

    @extended_hours.setter
    def extended_hours(self, extended: bool) -> None:
        self.table.show_optional = extended

    def set_missing(self, reason: str | None) -> None:
        """Why the pane has no data ("no data — yahoo unreachable, retrying 12:31 ET"), shown
        while it has no rows; None while it is loading, or once data came."""
        if reason != self._missing:
            self._missing = reason
            self._update_notice()
            self._update_subtitle()

    def set_build_failure(self, message: str | None) -> None:
        """The figures could not be computed (``message`` says why; None: they were). The
        last rows stay, under the notice."""
        if message != self._build_failure:
            self._build_failure = message
            self._update_notice()

    def set_stale(self, stale: bool) -> None:
        """Mark the data as stale, visibly, or not (the as-of text comes from the view)."""
        self.set_class(stale, "stale")
        self._update_subtitle()

    def action_cycle_sort(self) -> None:
        """Sort by the next sort order, in its usual direction."""
        self.sort_index = (self.sort_index + 1) % len(self.presenter.sorts)
        self._sort_by(self.presenter.sorts[self.sort_index])

    def action_reverse_sort(self) -> None:
        """Sort the other way."""
        self._sort_by(self._sort.reversed())

    def _sort_by(self, sort: SortMode[Any]) -> None:
        self._sort = sort
        self.table.mark_sorted(sort.column, sort.descending)
        self._update_subtitle()
        self._refresh_rows()
        # A new order is read from its top: the cursor goes to the first row, in view.
        self.table.move_cursor(0)

    def action_new_alert(self) -> None:
        """Ask for an alert on the row under the cursor (the screen opens the form)."""
        key = self.table.cursor_key
        if key is not None and self.id is not None:
            self.post_message(AlertRequested(self.id, key))

    @on(LiveTable.RowActivated)
    def _row_activated(self, event: LiveTable.RowActivated) -> None:
        event.stop()
        message = self._activation(event.key)
        if message is not None:
            self.post_message(message)

    def _refresh_rows(self) -> None:
        if self.view is None:
            return
        self.table.set_rows(self._rows(self.view))
        self._update_notice()
        if self.legend is not None:
            legend = self.presenter.legend(self.view) or ""
            if legend != self._legend_text:  # an unchanged legend costs no repaint
                self._legend_text = legend
                self.legend.update(Text(legend))  # it can quote a source: never markup
                self.legend.display = bool(legend)  # no blank line when there is nothing to say
        self._check_wanted_rows()

    def _check_wanted_rows(self) -> None:
        """Ask for a new layout when the rows (or the notice or legend) this pane wants to show
        change: the dashboard gives panes the rows they want."""
        wanted = (self.wanted_rows(), self._notice_text, self._legend_text)
        if wanted != self._wanted:
            self._wanted = wanted
            self.refresh(layout=True)

    def _update_notice(self) -> None:
        """The notice line: a failure to compute, or why there are no rows; the table's
        placeholder says "loading…" or "no data" when there is no notice to say more."""
        has_rows = bool(self.table.rows)
        text = ""
        if self._build_failure is not None:
            text = build_failure_text(self._build_failure)
        elif not has_rows and self._missing:
            text = self._missing
        if text:
            self.table.placeholder = ""  # the notice right under the headers says it all
        else:
            self.table.placeholder = LOADING if self.view is None else NO_DATA
        self.notice.set_class(has_rows, "-over-rows")
        if text != self._notice_text:
            self._notice_text = text
            self.notice.update(Text(text))  # Text: an error's "[...]" is not markup
            self.notice.display = bool(text)
            self._check_wanted_rows()

    @on(events.Resize)
    def _fit_subtitle(self) -> None:
        self._update_subtitle()  # a narrower pane may need the short form, a wider one not

    def _update_subtitle(self) -> None:
        subtitle = self._subtitle_text(short=False)
        # The border cuts a subtitle wider than its room with "…": say it shorter rather.
        room = self.size.width - SUBTITLE_MARGIN
        if self.size.width and cell_len(subtitle) > room:
            subtitle = self._subtitle_text(short=True)
        # The screen re-sends staleness every second: an unchanged subtitle costs no repaint.
        if subtitle != self._subtitle:
            self._subtitle = subtitle
            self.border_subtitle = Text(subtitle)  # Text: no markup parsing of "[...]"

    def _subtitle_text(self, *, short: bool) -> str:
        """Staleness, the as-of text and the sort order; ``short``: the presenter's short as-of
        text and the order without "sort:" (its ▼ or ▲ says it)."""
        parts = [STALE_MARK] if self.has_class("stale") else []
        if self.view is None:
            parts.append(NO_DATA if self._missing else LOADING)
        elif short:
            parts.append(self.presenter.short_as_of_text(self.view))
        else:
            parts.append(self.presenter.as_of_text(self.view))
        parts.append(self._sort.text if short else f"sort: {self._sort.text}")
        return " · ".join(parts)

    def _rows(self, view: ViewT) -> list[Row]:
        """The table rows for ``view`` in the current sort order (marked where a streamed price
        just moved)."""
        return self._with_marks(self.presenter.rows(view, self.sort))

    def _activation(self, key: str) -> Message | None:
        """The message Enter on the row ``key`` posts (each subclass says which)."""
        raise NotImplementedError

    def cursor_symbol(self) -> str | None:
        """The ticker of the cursor row (None on a row that is no ticker, such as a basket):
        what `+` adds to a watchlist."""
        key = self.table.cursor_key
        message = None if key is None else self._activation(key)
        return message.symbol if isinstance(message, TickerSelected) else None
