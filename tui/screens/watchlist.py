"""The watchlist screen: one of the user's watchlists, full screen. Tab and Shift+Tab (or the
number keys) switch lists, `+` adds a ticker (the App's key, anywhere), `-` removes the one under
the cursor, Enter opens it, `s` sorts.

Its view is the scheduler's: the dashboard builds the watchlists with every poll, whether or not
a Watchlist pane is on it, and the App passes each new view on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Static

from tui.config import Settings
from tui.messages import PricesMoved
from tui.models import Pane
from tui.presenters.watchlist import WatchlistView
from tui.screens.market import MarketScreen
from widgets.watchlist import WatchlistPane

if TYPE_CHECKING:
    from tui.analytics.market import MarketData
    from tui.feed import Feed
    from tui.presenters.registry import PaneView

HINTS = "Tab: next list · +: add · -: remove"


class WatchlistScreen(MarketScreen[WatchlistView]):
    """The user's watchlists, one at a time."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        # Not in the footer: the title says it (a footer that lists it is cut at 80 columns).
        Binding("tab", "next_list(1)", "Next list", id="next_list", show=False),
        Binding("shift+tab", "next_list(-1)", "Previous list", id="prev_list", show=False),
    ]

    def __init__(
        self,
        feed: Feed,
        settings: Settings,
        list_name: str | None,
        view: WatchlistView | None,
        *,
        streamed: bool = False,
    ) -> None:
        """``streamed``: whether streamed prices may move its rows (its Last column keeps room
        for their mark)."""
        super().__init__(feed, settings)
        self.list_name = list_name
        self.view = view
        self.streamed = streamed

    @property
    def pane(self) -> WatchlistPane:
        return self.query_one(WatchlistPane)

    def compose(self) -> ComposeResult:
        yield Static(classes="screen-title")
        pane = WatchlistPane(list_name=self.list_name, id="watchlist-screen-pane")
        pane.streamed = self.streamed
        yield pane
        yield Footer()

    def on_mount(self) -> None:
        self.set_title(f"Watchlists · {HINTS}")
        self.pane.table.focus()
        if self.view is not None:
            self.pane.show(self.view)
        else:
            self.reload()  # the dashboard has not built one yet

    def build(self, data: MarketData) -> WatchlistView:
        from tui.analytics.watchlist import build_watchlist

        return build_watchlist(data, self.settings)

    def show(self, view: WatchlistView) -> None:
        self.pane.show(view)

    def market_updated(self, pane: Pane, view: PaneView) -> None:
        if pane is Pane.WATCHLIST and isinstance(view, WatchlistView):
            self.view = view
            self.show(view)

    @on(PricesMoved)
    def _tick(self, message: PricesMoved) -> None:
        """Streamed prices moved: the rows of those tickers follow at once."""
        self.pane.tick({move.symbol: move for move in message.moves})

    def show_list(self, name: str) -> None:
        """Show the list called ``name``."""
        self.pane.show_list(name)

    def action_next_list(self, step: int) -> None:
        """The next list (1) or the previous one (-1)."""
        self.pane.action_next_list(step)
