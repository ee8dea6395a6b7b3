"""`MarketScreen`: the base of the screens over the dashboard's market data — a basket's members,
its correlation matrix and a pair of it, the watchlists.

Such a screen reads the frames the dashboard's scheduler keeps (never fetching on its own), builds
its view in a thread when it opens, and builds it again when the dashboard rebuilds a pane whose
data it shows (the App passes each new pane view on: `market_updated`). Its workers die with it.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

from rich.text import Text
from textual import work
from textual.widgets import Static

from tui.config import Settings
from tui.models import Pane
from tui.screens.watched import WatchedScreen

if TYPE_CHECKING:
    from tui.analytics.market import MarketData
    from tui.feed import Feed
    from tui.presenters.registry import PaneView

ViewT = TypeVar("ViewT")

DEMO_LABEL = " DEMO "


def screen_title(text: str, *, demo: bool) -> Text:
    """A screen's title line: DEMO first (in reverse video; a narrow pane cuts the end), then
    ``text`` as plain text (names from the config are not markup)."""
    title = Text()
    if demo:
        title.append(DEMO_LABEL, style="reverse")
        title.append(" ")
    title.append(f" {text}")
    return title


class MarketScreen(WatchedScreen[None], Generic[ViewT]):
    """A screen whose view is built from the dashboard's market data, in a thread."""

    # The dashboard panes whose new data this screen's view shows too.
    FOLLOWS: ClassVar[frozenset[Pane]] = frozenset()

    def __init__(self, feed: Feed, settings: Settings) -> None:
        super().__init__()
        self.feed = feed
        self.settings = settings
        self.view: ViewT | None = None

    @property
    def title_widget(self) -> Static:
        return self.query_one(".screen-title", Static)

    def set_title(self, text: str) -> None:
        self.title_widget.update(screen_title(text, demo=self.feed.source.is_demo))

    def market_updated(self, pane: Pane, view: PaneView) -> None:
        """The dashboard rebuilt ``pane``: rebuild this view if it shows the same data."""
        if pane in self.FOLLOWS:
            self.reload()

    def reload(self) -> None:
        """Build the view again from the latest data."""
        self._load()

    @work(group="market-screen", exclusive=True, exit_on_error=False)
    async def _load(self) -> None:
        data = self.feed.market_data()  # on the event loop: the store is not read from threads
        view = await asyncio.to_thread(self.build, data)
        if view is None:
            self.missing()
            return
        self.view = view
        self.show(view)

    def build(self, data: MarketData) -> ViewT | None:
        """The view from ``data`` (in a thread: no widget access); None when what the screen
        was opened for no longer exists (a basket renamed in the config)."""
        raise NotImplementedError

    def show(self, view: ViewT) -> None:
        """Show ``view`` (on the event loop)."""
        raise NotImplementedError

    def missing(self) -> None:
        """What the screen was opened for is gone: say so and go back."""
        self.notify("Nothing to show any more.", severity="warning")
        self.dismiss()
