"""Messages that cross panes: a pane's new view (or why it has none), the status bar's new state.

Each carries an immutable view model. A newer message for the same pane replaces an older one
still waiting in the queue (`can_replace`), so a backlog collapses to the newest data.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from tui.models import Pane, StatusView
from tui.presenters.registry import PaneView
from tui.presenters.ticks import PriceMove


@dataclass
class PaneUpdated(Message):
    """A pane's view was rebuilt from newer data."""

    pane: Pane
    view: PaneView

    def can_replace(self, message: Message) -> bool:
        # Newer figures replace older ones, and a failure to compute that came before them.
        return isinstance(message, PaneUpdated | PaneNotComputed) and message.pane == self.pane


@dataclass
class PaneNotComputed(Message):
    """A pane's figures could not be computed from the newest data (``error`` says why); the
    pane keeps what it showed."""

    pane: Pane
    error: str

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, PaneNotComputed) and message.pane == self.pane


@dataclass
class StatusUpdated(Message):
    """Source health or dataset freshness changed."""

    status: StatusView

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StatusUpdated)


@dataclass
class PricesMoved(Message):
    """Streamed prices moved (coalesced, a few times a second at most): the rows showing these
    symbols update their price cells. Never replaced by a newer one: each carries other moves."""

    moves: tuple[PriceMove, ...]
