"""Drill-down into one ticker: price chart by range, volume, short interest, short volume ratio,
correlation to its peers, and the key numbers; for a sector ETF the fund's real daily flows and
the stocks of its sector. Only
the sections that apply to the ticker show (an index has no short interest).

Its fetches are workers of this screen, so leaving the screen cancels them. The fetched data is kept
while the screen is open: switching range only rebuilds the view, it never refetches.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Static

from tui.config import Settings
from tui.presenters.ticker import CHART_RANGES, ChartRange, Section, TickerView
from tui.screens.watched import WatchedScreen
from widgets.charts import (
    CorrelationChart,
    FundFlowChart,
    KeyNumbers,
    MembersList,
    PriceChart,
    ShortInterestChart,
    ShortVolumeChart,
    TickerChart,
    VolumeChart,
)

if TYPE_CHECKING:
    from tui.analytics.market import MarketData
    from tui.feed import Feed

log = logging.getLogger("tapewatch.ticker")


# The drill-down's optional parts and the section of the view each shows.
SECTION_WIDGETS: tuple[tuple[str, Section], ...] = (
    ("#volume-chart", "volume"),
    ("#flow-chart", "fund_flows"),
    ("#si-chart", "short_interest"),
    ("#sv-chart", "short_volume"),
    ("#corr-chart", "correlation"),
    ("#members", "members"),
)


class TickerScreen(WatchedScreen[None]):
    """One ticker, in depth."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        # Not in the footer: the range bar above the chart shows them ("[ ] change range").
        Binding(
            "left_square_bracket", "shift_range(-1)", "Shorter range", id="range_prev", show=False
        ),
        Binding(
            "right_square_bracket", "shift_range(1)", "Longer range", id="range_next", show=False
        ),
        Binding("r", "reload", "Refresh", id="refresh"),
        *(
            Binding(str(index), f"set_range('{name}')", name, show=False)
            for index, name in enumerate(CHART_RANGES, start=1)
        ),
    ]

    def __init__(self, feed: Feed, symbol: str, settings: Settings) -> None:
        super().__init__()
        self.feed = feed
        self.symbol = symbol
        self.settings = settings
        self.chart_range: ChartRange = "1D"
        self._data: MarketData | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="ticker-title")
        with VerticalScroll(id="ticker-body"):
            yield KeyNumbers(id="key-numbers")
            yield Static(self._range_bar(), id="range-bar")
            yield PriceChart(id="price-chart")
            yield VolumeChart(id="volume-chart")
            yield FundFlowChart(id="flow-chart")
            with Horizontal(id="short-charts"):
                yield ShortInterestChart(id="si-chart")
                yield ShortVolumeChart(id="sv-chart")
            yield CorrelationChart(id="corr-chart")
            yield MembersList(id="members")
        yield Footer()

    def on_mount(self) -> None:
        demo = "[reverse] DEMO [/] " if self.feed.source.is_demo else ""
        self.query_one("#ticker-title", Static).update(f"{demo} {self.symbol}  loading…")
        self._load()

    def _range_bar(self) -> str:
        parts = []
        for index, name in enumerate(CHART_RANGES, start=1):
            text = f"{index} {name}"
            parts.append(f"[reverse] {text} [/]" if name == self.chart_range else f" {text} ")
        return " ".join(parts) + "   [dim]\\[ ] change range[/]"

    @work(group="ticker-fetch", exclusive=True, exit_on_error=False)
    async def _load(self) -> None:
        from tui.sources.base import Failed

        data = await self.feed.fetch_ticker(self.symbol)
        if isinstance(data, Failed):
            self.query_one("#ticker-title", Static).update(
                f" {self.symbol}  could not load: {data.message}"
            )
            self.notify(f"{self.symbol}: {data.message}", severity="error")
            return
        self._data = await self._with_member_quotes(data)
        await self._rebuild()

    async def _with_member_quotes(self, data: MarketData) -> MarketData:
        """A sector ETF lists its sector's stocks: fetch the quotes of those the dashboard does
        not hold already (a failed fetch leaves them unpriced, never blocks the screen)."""
        from tui.analytics.ticker import etf_members
        from tui.feed import merge_by_symbol
        from tui.sources.base import Fetched

        members = await asyncio.to_thread(etf_members, data, self.symbol)
        held = set(data.quotes.get_column("symbol").to_list())
        wanted = [symbol for symbol in members if symbol not in held]
        if not wanted:
            return data
        try:
            outcome = await self.feed.source.quotes(wanted)
        except asyncio.CancelledError:
            raise
        except Exception:  # a source bug costs the members their prices, not the screen
            log.exception("drill-down of %s: member quotes failed", self.symbol)
            return data
        if not isinstance(outcome, Fetched):
            return data
        return data.replace(quotes=merge_by_symbol(data.quotes, outcome.frame))

    async def _rebuild(self) -> None:
        data = self._data
        if data is None:
            return
        view = await asyncio.to_thread(self.feed.build_ticker, data, self.symbol, self.chart_range)
        self._show(view)

    def _show(self, view: TickerView) -> None:
        # DEMO first: in a narrow pane the end of the title is cut.
        title = "[reverse] DEMO [/] " if self.feed.source.is_demo else ""
        title += f" {view.symbol}  {view.name}"
        if view.sector:
            title += f"  ·  {view.sector}"
        problem = self._data.problems.get(view.symbol) if self._data is not None else None
        if problem and view.last is None and not view.prices:  # only when nothing else shows
            title += f"  [b]{problem}[/b]"
        self.query_one("#ticker-title", Static).update(title)
        self.query_one("#range-bar", Static).update(self._range_bar())
        self.query_one(KeyNumbers).view = view
        for chart in self.query(TickerChart):
            chart.view = view
        self.query_one(MembersList).view = view
        self._show_sections(view)

    def _show_sections(self, view: TickerView) -> None:
        """Show the sections that apply to this ticker, and only those."""
        for selector, section in SECTION_WIDGETS:
            self.query_one(selector).display = view.shows(section)
        shorts = view.shows("short_interest") or view.shows("short_volume")
        self.query_one("#short-charts").display = shorts

    @work(group="ticker-build", exclusive=True, exit_on_error=False)
    async def action_set_range(self, name: str) -> None:
        if name not in CHART_RANGES or name == self.chart_range:
            return
        self.chart_range = name
        self.query_one("#range-bar", Static).update(self._range_bar())
        await self._rebuild()

    def action_shift_range(self, step: int) -> None:
        index = CHART_RANGES.index(self.chart_range) + step
        if 0 <= index < len(CHART_RANGES):
            self.action_set_range(CHART_RANGES[index])

    def action_reload(self) -> None:
        self._load()
