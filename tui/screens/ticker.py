"""Drill-down into one ticker: price chart by range, volume, short interest, short volume ratio,
correlation to its peers, and the key numbers; for a sector ETF the fund's real daily flows and
the stocks of its sector. Only
the sections that apply to the ticker show (an index has no short interest).

Opened by a code at a section (`MSFT SI`, `MSFT CORR`), it scrolls there once the figures show.

Its fetches are workers of this screen, so leaving the screen cancels them. While it is open it
polls the ticker's quote and intraday bars at the dashboard's quotes cadence, so its chart and
its last price agree (tui.feed plans what is asked for), and shows the dashboard's status bar:
source, session, health, stale marks. The fetched data is kept while the screen is open:
switching range only rebuilds the view.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Static

from tui.codes import TickerSection
from tui.config import Settings
from tui.messages import PricesMoved
from tui.models import StatusView
from tui.presenters.ticker import CHART_RANGES, ChartRange, Section, TickerView
from tui.presenters.ticks import moved_ticker
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
from widgets.status import StatusBar

if TYPE_CHECKING:
    from tui.analytics.market import MarketData
    from tui.feed import Feed


# Who the price stream is told shows the drill-down's symbol.
WATCH_OWNER = "drill-down"

# The drill-down's optional parts and the section of the view each shows.
SECTION_WIDGETS: tuple[tuple[str, Section], ...] = (
    ("#volume-chart", "volume"),
    ("#flow-chart", "fund_flows"),
    ("#si-chart", "short_interest"),
    ("#sv-chart", "short_volume"),
    ("#corr-chart", "correlation"),
    ("#members", "members"),
)

# Where a code's section is on the screen, and what it is called when it does not apply.
SECTION_PLACES: dict[TickerSection, tuple[str, Section, str]] = {
    "description": ("#key-numbers", "price", "description"),
    "short_interest": ("#short-charts", "short_interest", "short interest"),
    "correlation": ("#corr-chart", "correlation", "correlation to peers"),
}


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

    def __init__(
        self,
        feed: Feed,
        symbol: str,
        settings: Settings,
        status: Callable[[], StatusView] | None = None,
        watch: Callable[[str, Iterable[str]], None] | None = None,
        *,
        section: TickerSection | None = None,
    ) -> None:
        super().__init__()
        self.feed = feed
        self.symbol = symbol
        self.settings = settings
        self.chart_range: ChartRange = "1D"
        self._data: MarketData | None = None
        self._status = status  # what the dashboard's status bar says now
        self._watch = watch  # tells the price stream what this screen shows
        self.section = section  # where a code asked to open it, until the first view shows

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
        yield StatusBar(id="ticker-status")
        yield Footer()

    def on_mount(self) -> None:
        self._set_title(f" {self.symbol}  loading…")
        self._load()
        if self._watch is not None:
            self._watch(WATCH_OWNER, [self.symbol])
        if self._status is not None:
            self._show_status()
            self.set_interval(1.0, self._show_status)  # cheap: the bar repaints on change only

    def on_unmount(self) -> None:
        if self._watch is not None:
            self._watch(WATCH_OWNER, [])

    @on(PricesMoved)
    def _tick(self, message: PricesMoved) -> None:
        """A streamed price of this ticker moved: its key numbers follow at once (its charts
        at the next poll)."""
        numbers = self.query_one(KeyNumbers)
        for move in message.moves:
            if numbers.view is not None and (moved := moved_ticker(numbers.view, move)):
                numbers.view = moved

    def _show_status(self) -> None:
        if self._status is not None:
            self.query_one(StatusBar).show(self._status())

    def _set_title(self, text: str, problem: str | None = None) -> None:
        """The title line: DEMO first (it must show however narrow the pane), then ``text`` and a
        ``problem`` in bold. Names and problems come from sources: Text, never markup."""
        title = Text()
        if self.feed.source.is_demo:
            title.append(" DEMO ", style="reverse")
            title.append(" ")
        title.append(text)
        if problem:
            title.append("  ")
            title.append(problem, style="bold")
        self.query_one("#ticker-title", Static).update(title)

    def _range_bar(self) -> str:
        parts = []
        for index, name in enumerate(CHART_RANGES, start=1):
            text = f"{index} {name}"
            parts.append(f"[reverse] {text} [/]" if name == self.chart_range else f" {text} ")
        return " ".join(parts) + "   [dim]\\[ ] change range[/]"

    @work(group="ticker-fetch", exclusive=True, exit_on_error=False)
    async def _load(self) -> None:
        from tui.sources.base import Failed

        self.workers.cancel_group(self, "ticker-poll")
        data = await self.feed.fetch_ticker(self.symbol)
        if isinstance(data, Failed):
            self._set_title(f" {self.symbol}  could not load: {data.message}")
            self.notify(f"{self.symbol}: {data.message}", severity="error", markup=False)
        else:
            self._data = data
            await self._rebuild()
        self._poll()  # a failed load is tried again by the polls

    @work(group="ticker-poll", exclusive=True, exit_on_error=False)
    async def _poll(self) -> None:
        """Poll the ticker's quote and intraday bars at the dashboard's quotes cadence, until
        the screen closes (its workers are cancelled then)."""
        while True:
            await asyncio.sleep(self.settings.refresh.quotes)
            data = self._data
            if data is None:  # the first load failed: try it whole again
                self._load()
                return
            self._data = await self.feed.poll_ticker(data, self.symbol)
            await self._rebuild()

    async def _rebuild(self) -> None:
        data = self._data
        if data is None:
            return
        view = await asyncio.to_thread(self.feed.build_ticker, data, self.symbol, self.chart_range)
        self._show(view)

    def _show(self, view: TickerView) -> None:
        title = f" {view.symbol}  {view.name}"
        if view.sector:
            title += f"  ·  {view.sector}"
        problem = self._data.problems.get(view.symbol) if self._data is not None else None
        shown = problem if view.last is None and not view.prices else None  # when nothing else
        self._set_title(title, shown)
        self.query_one("#range-bar", Static).update(self._range_bar())
        self.query_one(KeyNumbers).view = view
        for chart in self.query(TickerChart):
            chart.view = view
        self.query_one(MembersList).view = view
        self._show_sections(view)
        if self.section is not None:
            section, self.section = self.section, None
            self.call_after_refresh(self._go_to_section, view, section)

    def _go_to_section(self, view: TickerView, section: TickerSection) -> None:
        """Scroll the section a code asked for to the top, or say it does not apply."""
        selector, shown_as, name = SECTION_PLACES[section]
        if not view.shows(shown_as):
            self.notify(f"{view.symbol} has no {name} section.", timeout=4, markup=False)
            return
        body = self.query_one("#ticker-body", VerticalScroll)
        body.scroll_to_widget(self.query_one(selector), top=True, animate=False)

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
