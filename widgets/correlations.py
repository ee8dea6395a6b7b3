"""The Correlations pane: each basket's average correlation as tui/presenters/correlations.py
shows it and, under the basket the cursor is on, its members' correlations to their peers (and
the other baskets' members too, as many as the pane has rows for)."""

from __future__ import annotations

from textual import events, on
from textual.message import Message

from tui.presenters.correlations import (
    PRESENTER,
    BasketCorrelations,
    CorrelationsView,
    member_symbols,
    ordered_baskets,
)
from tui.presenters.table import Row, basket_key, basket_of
from widgets.messages import BasketSelected, TickerSelected
from widgets.pane import DataPane
from widgets.table import HEADER_HEIGHT, LiveTable


class CorrelationsPane(DataPane[CorrelationsView]):
    """Each basket's average pairwise correlation; under the basket the cursor is on, each
    member's correlation to its peers. Moving the cursor onto another basket opens that one."""

    presenter = PRESENTER

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.open_basket: str | None = None

    def _rows(self, view: CorrelationsView) -> list[Row]:
        baskets = ordered_baskets(view, self.sort)
        names = [basket.name for basket in baskets]
        if self.open_basket not in names:
            self.open_basket = names[0] if names else None
        return PRESENTER.rows(view, self.sort, expanded=self._expanded(baskets))

    def _expanded(self, baskets: list[BasketCorrelations]) -> set[str]:
        """The baskets whose members are listed: the open one, then the others in order while
        the pane has the rows for them. Only where the layout sets the pane's height: a height
        that followed the rows (stacked panes) would never settle."""
        if self.open_basket is None:
            return set()
        expanded = {self.open_basket}
        height = self.styles.height
        if height is None or height.is_auto:
            return expanded
        lines = [line for line in (self.notice, self.legend) if line is not None and line.display]
        room = self.content_size.height - sum(line.outer_size.height for line in lines)
        room -= HEADER_HEIGHT + len(baskets)
        room -= sum(len(basket.members) for basket in baskets if basket.name in expanded)
        for basket in baskets:
            if basket.name not in expanded and len(basket.members) <= room:
                expanded.add(basket.name)
                room -= len(basket.members)
        return expanded

    def wanted_rows(self) -> int:
        """Every basket with its members: the pane lists them all when it has the rows."""
        if self.view is None:
            return super().wanted_rows()
        return sum(1 + len(basket.members) for basket in self.view.baskets)

    def on_resize(self, event: events.Resize) -> None:
        # Taller or shorter, the pane may list more baskets' members, or fewer.
        self._refresh_rows()

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
        name = basket_of(event.key)
        if name is not None and name != self.open_basket:
            self.open_basket = name
            self._refresh_rows()

    def _activation(self, key: str) -> Message | None:
        basket = basket_of(key)
        if basket is not None:
            return BasketSelected(basket)
        symbol = member_symbols(self.view).get(key) if self.view is not None else None
        return None if symbol is None else TickerSelected(symbol)
