"""The dashboard's four panes: bordered containers that each hold one LiveTable.

The screen hands each pane its view model with `show(view)` and the data's age with
`set_freshness(text, stale)`; `s` cycles the pane's sort orders. Enter on a row posts
`TickerSelected` (or `BasketSelected` for a basket) for the screen to open the drill-down.
"""

from __future__ import annotations

from typing import ClassVar, Generic, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from tui.models import (
    PANE_TITLES,
    BasketCorrelations,
    CorrelationLine,
    CorrelationsView,
    IndicesView,
    Pane,
    SectorsView,
    ShortsView,
)
from tui.presenters.rows import (
    BASKET_PREFIX,
    CORRELATION_COLUMNS,
    CORRELATION_SORTS,
    INDEX_COLUMNS,
    INDEX_SORTS,
    SECTOR_COLUMNS,
    SECTOR_SORTS,
    SHORT_COLUMNS,
    SHORT_SORTS,
    Column,
    Row,
    SortMode,
    basket_key,
    correlation_row,
    index_row,
    member_key,
    ordered,
    sector_rows,
    short_row,
    shorts_legend,
)
from widgets.messages import BasketSelected, TickerSelected
from widgets.table import LiveTable

STALE_MARK = "⚠ STALE"
LOADING = "loading…"
NO_DATA = "no data"


ViewT = TypeVar("ViewT")


class DataPane(Vertical, Generic[ViewT]):
    """A bordered pane around one LiveTable, with freshness, staleness and sort in its subtitle.

    Subclasses give the pane, its columns and sort modes, how a view becomes rows, and which
    message Enter on a row posts.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "cycle_sort", "Sort", id="sort"),
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

    PANE: ClassVar[Pane]
    COLUMNS: ClassVar[tuple[Column, ...]]
    SORT_LABELS: ClassVar[tuple[str, ...]]

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.view: ViewT | None = None
        self.sort_index = 0
        self._freshness = ""
        self._subtitle = ""
        self.border_title = PANE_TITLES[self.PANE]
        self.table = LiveTable(self.COLUMNS, placeholder=LOADING)
        self._update_subtitle()

    def compose(self) -> ComposeResult:
        yield self.table

    @property
    def sort_label(self) -> str:
        """The label of the current sort order."""
        return self.SORT_LABELS[self.sort_index]

    def show(self, view: ViewT) -> None:
        """Show ``view``; only the rows that changed are repainted."""
        self.view = view
        self._refresh_rows()

    def set_freshness(self, text: str, stale: bool) -> None:
        """Show the data's as-of or age in the subtitle; ``stale`` marks it as such, visibly."""
        self._freshness = text
        self.set_class(stale, "stale")
        self._update_subtitle()

    def action_cycle_sort(self) -> None:
        """Switch to the next sort order."""
        self.sort_index = (self.sort_index + 1) % len(self.SORT_LABELS)
        self._update_subtitle()
        self._refresh_rows()

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

    def _update_subtitle(self) -> None:
        parts = [STALE_MARK] if self.has_class("stale") else []
        if self._freshness:
            parts.append(self._freshness)
        parts.append(f"sort: {self.sort_label}")
        subtitle = " · ".join(parts)
        # The screen re-sends freshness every second: an unchanged subtitle costs no repaint.
        if subtitle != self._subtitle:
            self._subtitle = subtitle
            self.border_subtitle = Text(subtitle)  # Text: no markup parsing of "[...]"

    def _rows(self, view: ViewT) -> list[Row]:
        """The table rows for ``view`` in the current sort order (each subclass says how)."""
        raise NotImplementedError

    def _activation(self, key: str) -> Message | None:
        """The message Enter on the row ``key`` posts (each subclass says which)."""
        raise NotImplementedError


# Indices


class IndicesPane(DataPane[IndicesView]):
    """Indices, rates and configured baskets: last, change, 5-day and YTD moves, intraday."""

    PANE = Pane.INDICES
    SORT_LABELS = tuple(mode.label for mode in INDEX_SORTS)
    COLUMNS = INDEX_COLUMNS

    def _rows(self, view: IndicesView) -> list[Row]:
        return [index_row(row) for row in ordered(view.rows, INDEX_SORTS[self.sort_index])]

    def _activation(self, key: str) -> Message:
        if key.startswith(BASKET_PREFIX):
            return BasketSelected(key.removeprefix(BASKET_PREFIX))
        return TickerSelected(key)


# Sector flows


class SectorsPane(DataPane[SectorsView]):
    """The 11 sector ETFs: change, strength vs the S&P 500, estimated flows, relative volume."""

    PANE = Pane.SECTORS
    SORT_LABELS = tuple(mode.label for mode in SECTOR_SORTS)
    COLUMNS = SECTOR_COLUMNS

    def _rows(self, view: SectorsView) -> list[Row]:
        return sector_rows(ordered(view.rows, SECTOR_SORTS[self.sort_index]))

    def _activation(self, key: str) -> Message:
        return TickerSelected(key)


# Most shorted


class ShortsPane(DataPane[ShortsView]):
    """The most shorted names: short interest, its change, days to cover, short-sale volume."""

    PANE = Pane.SHORTS
    SORT_LABELS = tuple(mode.label for mode in SHORT_SORTS)
    COLUMNS = SHORT_COLUMNS

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.legend = Static("", classes="legend")
        self._legend_text = ""

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield self.legend

    def _refresh_rows(self) -> None:
        super()._refresh_rows()
        if self.view is not None:
            legend = shorts_legend(self.view)
            if legend != self._legend_text:  # an unchanged legend costs no repaint
                self._legend_text = legend
                self.legend.update(legend)

    def _rows(self, view: ShortsView) -> list[Row]:
        return [short_row(row) for row in ordered(view.rows, SHORT_SORTS[self.sort_index])]

    def _activation(self, key: str) -> Message:
        return TickerSelected(key)


# Correlations


class CorrelationsPane(DataPane[CorrelationsView]):
    """Each basket's average pairwise correlation; under the basket the cursor is on, each
    member's correlation to its peers. Moving the cursor onto another basket opens that one."""

    PANE = Pane.CORRELATIONS
    SORT_LABELS = tuple(mode.label for mode in CORRELATION_SORTS)
    COLUMNS = CORRELATION_COLUMNS

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.open_basket: str | None = None
        self._member_symbols: dict[str, str] = {}

    def _rows(self, view: CorrelationsView) -> list[Row]:
        mode = CORRELATION_SORTS[self.sort_index]
        key = mode.key
        baskets = list(view.baskets)
        if key is not None:
            baskets.sort(key=lambda basket: key(basket.average))
        names = [basket.name for basket in baskets]
        if self.open_basket not in names:
            self.open_basket = names[0] if names else None
        self._member_symbols = {}
        rows: list[Row] = []
        for basket in baskets:
            rows.append(correlation_row(basket_key(basket.name), basket.name, basket.average))
            if basket.name == self.open_basket:
                rows.extend(self._member_rows(basket, mode))
        return rows

    def _member_rows(
        self, basket: BasketCorrelations, mode: SortMode[CorrelationLine]
    ) -> list[Row]:
        rows = []
        for member in ordered(basket.members, mode):
            key = member_key(basket.name, member.label)
            self._member_symbols[key] = member.label
            rows.append(correlation_row(key, f"  {member.label}", member))
        return rows

    def focus_basket(self, name: str) -> None:
        """Open the basket ``name``, put the cursor on it and focus the table (Enter on a basket
        elsewhere lands here). An unknown name changes nothing."""
        if self.view is None or name not in {basket.name for basket in self.view.baskets}:
            return
        self.open_basket = name
        self._refresh_rows()
        index = self.table.row_index(basket_key(name))
        if index is not None:
            self.table.move_cursor(index)
        self.table.focus()

    @on(LiveTable.RowHighlighted)
    def _open_highlighted_basket(self, event: LiveTable.RowHighlighted) -> None:
        if not event.key.startswith(BASKET_PREFIX):
            return
        name = event.key.removeprefix(BASKET_PREFIX)
        if name != self.open_basket:
            self.open_basket = name
            self._refresh_rows()

    def _activation(self, key: str) -> Message | None:
        if key.startswith(BASKET_PREFIX):
            return BasketSelected(key.removeprefix(BASKET_PREFIX))
        symbol = self._member_symbols.get(key)
        return None if symbol is None else TickerSelected(symbol)
