"""The Most shorted pane: the most shorted names as tui/presenters/shorts.py shows them, with a
legend line for the as-of dates and marks. Enter opens the name."""

from __future__ import annotations

from textual.message import Message

from tui.presenters.shorts import PRESENTER, ShortsView
from widgets.messages import TickerSelected
from widgets.pane import DataPane


class ShortsPane(DataPane[ShortsView]):
    """The most shorted names: short interest, its change, days to cover, short-sale volume."""

    presenter = PRESENTER
    HAS_LEGEND = True
    TICK_COLUMN = "price_change"  # a streamed price marks this cell ▴ or ▾
    # The list is longer than the pane: its scrollbar is there from the start, so that the
    # columns do not move when the names arrive and the scrollbar with them.
    DEFAULT_CSS = """
    ShortsPane > LiveTable {
        overflow-y: scroll;
    }
    """

    def _activation(self, key: str) -> Message:
        return TickerSelected(key)
