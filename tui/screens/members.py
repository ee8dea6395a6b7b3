"""A basket's members: which member carries the basket's move, and which broke away from it.

Opened by Enter on a basket (Indices or Correlations). Its table is the members pane over the
dashboard's data, rebuilt when the prices or correlations it shows are; Enter on a member opens
its drill-down, on the basket's own row its correlation matrix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Static

from tui.config import Settings
from tui.models import Pane
from tui.presenters.members import MembersView
from tui.screens.market import MarketScreen
from widgets.members import MembersPane

if TYPE_CHECKING:
    from tui.analytics.market import MarketData
    from tui.feed import Feed


class MembersScreen(MarketScreen[MembersView]):
    """The members of one basket."""

    FOLLOWS = frozenset({Pane.INDICES, Pane.CORRELATIONS, Pane.SHORTS})

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
    ]

    def __init__(self, feed: Feed, settings: Settings, basket: str) -> None:
        super().__init__(feed, settings)
        self.basket = basket

    def compose(self) -> ComposeResult:
        yield Static(classes="screen-title")
        yield MembersPane(id="members-pane")
        yield Footer()

    def on_mount(self) -> None:
        self.set_title(f"{self.basket} · members  (Enter on Σ: the correlation matrix)")
        self.query_one(MembersPane).table.focus()
        self.reload()

    def build(self, data: MarketData) -> MembersView | None:
        from tui.analytics.members import build_members

        return build_members(data, self.settings, self.basket)

    def show(self, view: MembersView) -> None:
        self.query_one(MembersPane).show(view)

    def missing(self) -> None:
        self.notify(f"There is no basket called {self.basket!r}.", severity="warning", markup=False)
        self.dismiss()
