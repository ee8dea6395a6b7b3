"""The Indices pane: indices, rates and configured baskets, as tui/presenters/indices.py shows
them, with a legend line when some Today cells are empty. Enter opens a ticker, or the basket's
correlations."""

from __future__ import annotations

from textual.message import Message

from tui.presenters.indices import PRESENTER, IndicesView
from tui.presenters.table import basket_of
from widgets.messages import BasketSelected, TickerSelected
from widgets.pane import DataPane


class IndicesPane(DataPane[IndicesView]):
    """Indices, rates and configured baskets: last, change, 5-day and YTD moves, intraday."""

    presenter = PRESENTER
    HAS_LEGEND = True  # why Today cells are empty, when some are (shown only then)
    TICK_COLUMN = "last"  # a streamed price marks this cell ▴ or ▾

    def _activation(self, key: str) -> Message:
        basket = basket_of(key)
        return TickerSelected(key) if basket is None else BasketSelected(basket)
