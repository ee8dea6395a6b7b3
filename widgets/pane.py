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

from typing import Any, ClassVar, Generic, TypeVar

from rich.cells import cell_len
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
from tui.presenters.table import Row, SortMode
from widgets.messages import AlertRequested, TickerSelected
from widgets.table import LiveTable

STALE_MARK = "⚠ STALE"
SUBTITLE_MARGIN = 6  # the border's corners and the blanks around its subtitle
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
        self.table = LiveTable(
            self.presenter.columns,
            placeholder=LOADING,
            sortable={sort.column for sort in self.presenter.sorts if sort.column is not None},
        )
        self.table.mark_sorted(self._sort.column, self._sort.descending)
        self.notice = Static("", classes="notice")
        self.notice.display = False  # until there is something to say
        self.legend = Static("", classes="legend") if self.HAS_LEGEND else None
        if self.legend is not None:
            self.legend.display = False  # until there is something to say
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
        self.view = view
        self._build_failure = None
        self._refresh_rows()
        self._update_subtitle()

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
        """The table rows for ``view`` in the current sort order."""
        return self.presenter.rows(view, self.sort)

    def _activation(self, key: str) -> Message | None:
        """The message Enter on the row ``key`` posts (each subclass says which)."""
        raise NotImplementedError

    def cursor_symbol(self) -> str | None:
        """The ticker of the cursor row (None on a row that is no ticker, such as a basket):
        what `+` adds to a watchlist."""
        key = self.table.cursor_key
        message = None if key is None else self._activation(key)
        return message.symbol if isinstance(message, TickerSelected) else None
