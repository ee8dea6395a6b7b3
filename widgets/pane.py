"""`DataPane`: the base of the dashboard's four panes, a bordered container around one LiveTable,
driven by its pane's presenter (tui/presenters/<pane>.py).

The screen hands a pane its view model with `show(view)` and whether the data is stale with
`set_stale(stale)`; the presenter turns the view into rows, the as-of text of the subtitle
and the legend line. `s` sorts by the presenter's next sort order, `S` reverses it; the sorted
column's header is marked ▼ or ▲ and the cursor goes to the new first row. Enter on a row posts
the message the subclass chooses (`TickerSelected`, or `BasketSelected` for a basket);
`a` asks for an alert on the row (`AlertRequested`).
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from tui.models import NO_DATA
from tui.presenters.registry import Presenter
from tui.presenters.table import Row, SortMode
from widgets.messages import AlertRequested
from widgets.table import LiveTable

STALE_MARK = "⚠ STALE"
LOADING = "loading…"


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
    }
    """

    presenter: Presenter[ViewT]
    ALLOW_MAXIMIZE = True  # the dashboard's `z` zooms a pane to the whole screen
    HAS_LEGEND: ClassVar[bool] = False  # a line under the table for the presenter's legend

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.view: ViewT | None = None
        self.sort_index = 0
        self._sort: SortMode[Any] = self.presenter.sorts[0]
        self._subtitle = ""
        self._legend_text = ""
        self.border_title = self.presenter.title
        self.table = LiveTable(
            self.presenter.columns,
            placeholder=LOADING,
            sortable={sort.column for sort in self.presenter.sorts if sort.column is not None},
        )
        self.table.mark_sorted(self._sort.column, self._sort.descending)
        self.legend = Static("", classes="legend") if self.HAS_LEGEND else None
        if self.legend is not None:
            self.legend.display = False  # until there is something to say
        self._update_subtitle()
        self._wanted: tuple[int, str] = (self.wanted_rows(), "")

    def compose(self) -> ComposeResult:
        yield self.table
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
        """Show ``view``; only the rows that changed are repainted."""
        self.view = view
        self._refresh_rows()
        self._update_subtitle()

    def wanted_rows(self) -> int:
        """The table rows this pane has to show (a pane with more gets more of the screen)."""
        return self.table.wanted_height - 1

    def wanted_height(self, width: int) -> int:
        """The lines this pane needs, ``width`` wide, to show every row without scrolling: its
        border, the table's header and rows, and the legend line as it wraps."""
        inner = max(1, width - self.styles.gutter.width)
        legend = 0
        if self.legend is not None and self._legend_text:
            legend = len(Text(self._legend_text).wrap(self.app.console, inner))
        return self.styles.gutter.height + 1 + self.wanted_rows() + legend

    @property
    def zoomed(self) -> bool:
        """Whether the pane fills the screen (`z`), showing every column."""
        return self.table.every_column

    @zoomed.setter
    def zoomed(self, zoomed: bool) -> None:
        self.table.every_column = zoomed

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
        self.table.placeholder = NO_DATA
        self.table.set_rows(self._rows(self.view))
        if self.legend is not None:
            legend = self.presenter.legend(self.view) or ""
            if legend != self._legend_text:  # an unchanged legend costs no repaint
                self._legend_text = legend
                self.legend.update(legend)
                self.legend.display = bool(legend)  # no blank line when there is nothing to say
        self._check_wanted_rows()

    def _check_wanted_rows(self) -> None:
        """Ask for a new layout when the rows (or the legend) this pane wants to show change: the
        dashboard gives panes the rows they want."""
        wanted = (self.wanted_rows(), self._legend_text)
        if wanted != self._wanted:
            self._wanted = wanted
            self.refresh(layout=True)

    def _update_subtitle(self) -> None:
        parts = [STALE_MARK] if self.has_class("stale") else []
        parts.append(LOADING if self.view is None else self.presenter.as_of_text(self.view))
        parts.append(f"sort: {self._sort.text}")
        subtitle = " · ".join(parts)
        # The screen re-sends staleness every second: an unchanged subtitle costs no repaint.
        if subtitle != self._subtitle:
            self._subtitle = subtitle
            self.border_subtitle = Text(subtitle)  # Text: no markup parsing of "[...]"

    def _rows(self, view: ViewT) -> list[Row]:
        """The table rows for ``view`` in the current sort order."""
        return self.presenter.rows(view, self.sort)

    def _activation(self, key: str) -> Message | None:
        """The message Enter on the row ``key`` posts (each subclass says which)."""
        raise NotImplementedError
