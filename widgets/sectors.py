"""The Sector flows pane: the 11 sector ETFs as tui/presenters/sectors.py shows them. Enter
opens the ETF."""

from __future__ import annotations

from textual.message import Message

from tui.presenters.sectors import PRESENTER, SectorsView
from widgets.messages import TickerSelected
from widgets.pane import DataPane


class SectorsPane(DataPane[SectorsView]):
    """The 11 sector ETFs: change, strength vs the S&P 500, estimated flows, relative volume."""

    presenter = PRESENTER
    HAS_LEGEND = True  # what ≈ means, when a relative volume is estimated (shown only then)

    def _activation(self, key: str) -> Message:
        return TickerSelected(key)
