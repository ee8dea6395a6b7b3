"""Messages the widgets post for the screen: the user asked to open a ticker, a basket or a pair,
for an alert on a row, or to change a watchlist."""

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


class WatchlistShown(Message):
    """A watchlist pane now shows the list called ``name`` (where `+` adds a ticker)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class WatchlistRemove(Message):
    """The user asked to remove ``symbol`` from the watchlist called ``name`` (`-`)."""

    def __init__(self, name: str, symbol: str) -> None:
        super().__init__()
        self.name = name
        self.symbol = symbol


class PairSelected(Message):
    """The user asked for the pair ``first``, ``second`` of a correlation matrix (Enter)."""

    def __init__(self, first: str, second: str) -> None:
        super().__init__()
        self.first = first
        self.second = second


class MatrixSelected(Message):
    """The user asked for the correlation matrix of the basket called ``name``."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
