"""Messages the widgets post for the screen: the user asked to open a ticker or a basket, or for
an alert on a row."""

from __future__ import annotations

from textual.message import Message


class TickerSelected(Message):
    """The user asked to open ``symbol`` (Enter on its row)."""

    def __init__(self, symbol: str) -> None:
        super().__init__()
        self.symbol = symbol


class BasketSelected(Message):
    """The user asked to open the basket called ``name`` (Enter on its row)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class AlertRequested(Message):
    """The user asked for an alert on the row ``key`` of the pane ``pane`` (`a` on a row)."""

    def __init__(self, pane: str, key: str) -> None:
        super().__init__()
        self.pane = pane
        self.key = key
