"""CORR: a basket's correlation matrix, now or (`c`) its change against a year ago; Enter on a
cell shows that pair: its rolling correlation over a year and both prices at 100.

The members are ordered by their mean correlation to their peers, lowest first, so the member
that broke away heads the rows and the columns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Static

from tui.config import Settings
from tui.models import Pane
from tui.presenters.corr_matrix import MatrixMode, MatrixView, PairView, matrix_title, shade_legend
from tui.screens.market import MarketScreen
from widgets.corr_matrix import CorrelationGrid
from widgets.messages import PairSelected

if TYPE_CHECKING:
    from tui.analytics.market import MarketData
    from tui.feed import Feed

HINTS = "c: change vs 1y ago · Enter: the pair · Esc: back"


class CorrScreen(MarketScreen[MatrixView]):
    """The pairwise correlations of one basket's members."""

    FOLLOWS = frozenset({Pane.CORRELATIONS})

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("c", "toggle_change", "Change vs 1y", id="toggle_change"),
    ]

    def __init__(self, feed: Feed, settings: Settings, basket: str) -> None:
        super().__init__(feed, settings)
        self.basket = basket
        self.mode: MatrixMode = "now"

    def compose(self) -> ComposeResult:
        yield Static(classes="screen-title")
        yield CorrelationGrid(id="corr-grid")
        yield Static(id="corr-legend")
        yield Footer()

    def on_mount(self) -> None:
        self.set_title(f"CORR {self.basket} · loading…")
        self.query_one(CorrelationGrid).focus()
        self.reload()

    def build(self, data: MarketData) -> MatrixView | None:
        from tui.analytics.corr_matrix import build_matrix

        return build_matrix(data, self.settings, self.basket)

    def show(self, view: MatrixView) -> None:
        self.set_title(matrix_title(view, self.mode))
        self.query_one(CorrelationGrid).show(view, self.mode)
        measure = "level" if self.mode == "now" else "size of the change"
        self.query_one("#corr-legend", Static).update(
            Text(
                f"shade ({measure}): {shade_legend(self.mode)} · rows by mean correlation to "
                f"peers, lowest first · {HINTS}"
            )
        )

    def action_toggle_change(self) -> None:
        """Show the change against a year ago, or the matrix now again."""
        self.mode = "change" if self.mode == "now" else "now"
        if self.view is not None:
            self.show(self.view)

    def missing(self) -> None:
        self.notify(f"There is no basket called {self.basket!r}.", severity="warning", markup=False)
        self.dismiss()

    @on(PairSelected)
    def _open_pair(self, message: PairSelected) -> None:
        message.stop()
        self.app.push_screen(
            PairScreen(self.feed, self.settings, self.basket, message.first, message.second)
        )


class PairScreen(MarketScreen[PairView]):
    """Two members of a basket: their rolling correlation over a year, and both prices."""

    FOLLOWS = frozenset({Pane.CORRELATIONS})

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
    ]

    def __init__(
        self, feed: Feed, settings: Settings, basket: str, first: str, second: str
    ) -> None:
        super().__init__(feed, settings)
        self.basket = basket
        self.first = first
        self.second = second

    def compose(self) -> ComposeResult:
        from widgets.charts import PairCorrelationChart, PairPricesChart  # loads plotext

        yield Static(classes="screen-title")
        yield PairCorrelationChart(id="pair-correlation")
        yield PairPricesChart(id="pair-prices")
        yield Footer()

    def on_mount(self) -> None:
        self.set_title(f"CORR {self.basket} · {self.first} and {self.second}")
        self.reload()

    def build(self, data: MarketData) -> PairView:
        from tui.analytics.corr_matrix import build_pair

        return build_pair(data, self.settings, self.basket, self.first, self.second)

    def show(self, view: PairView) -> None:
        from widgets.charts import PairChart

        for chart in self.query(PairChart):
            chart.view = view
