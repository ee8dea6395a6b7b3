"""The App: the stylesheet, the global keys, the command palette, and the dashboard screen; the
codes typed after `/` or in the palette, and the user's watchlists.

The data work lives on the screens: the dashboard runs the scheduler, the drill-down fetches its
ticker, the members, CORR and watchlist screens build their views from the dashboard's data (the
App passes each new pane view on to them).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import App
from textual.binding import Binding, BindingType

from tui.codes import (
    Codes,
    Command,
    OpenAlerts,
    OpenMatrix,
    OpenPane,
    OpenTicker,
    OpenWatchlist,
    TickerSection,
)
from tui.commands import TapewatchCommands
from tui.config import Settings
from tui.jobs import JobName
from tui.messages import PaneUpdated
from tui.models import Pane
from tui.screens.dashboard import DashboardScreen, SourceFactory
from tui.symbols import SymbolEntry, directory
from tui.themes import THEMES, tone_variables
from tui.watchlists import WatchlistKeeper, WatchlistStore
from widgets.messages import (
    AlertRequested,
    BasketSelected,
    MatrixSelected,
    TickerSelected,
    WatchlistRemove,
    WatchlistShown,
)

if TYPE_CHECKING:
    from tui.feed import Feed
    from tui.presenters.registry import PaneView

log = logging.getLogger("tapewatch.app")

# What a watchlist edit asks the scheduler for at once: a new ticker's prices and history.
WATCHLIST_JOBS = (JobName.QUOTES, JobName.INTRADAY, JobName.DAILY)


def breakpoint_classes(width: int, height: int) -> list[str]:
    """The classes HORIZONTAL_BREAKPOINTS and VERTICAL_BREAKPOINTS give a screen of this size."""
    chosen = []
    for size, breakpoints in (
        (width, TapewatchApp.HORIZONTAL_BREAKPOINTS),
        (height, TapewatchApp.VERTICAL_BREAKPOINTS),
    ):
        fitting = [name for threshold, name in breakpoints if size >= threshold]
        if fitting:
            chosen.append(fitting[-1])
    return chosen


class TapewatchApp(App[int]):
    """tapewatch: index moves, sector flows, the most shorted names, basket correlations."""

    TITLE = "tapewatch"
    CSS_PATH = "tapewatch.tcss"
    COMMANDS = App.COMMANDS | {TapewatchCommands}
    # Width classes drive the layout: the panes in two columns from 120, stacked panes, or one
    # compact column.
    # (No ClassVar: Textual annotates these as `ClassVar[...] | None`, which mypy reads as
    # instance variables.)
    HORIZONTAL_BREAKPOINTS = [  # noqa: RUF012
        (0, "-tiny"),
        (36, "-compact"),
        (80, "-stacked"),
        (120, "-wide"),
    ]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (12, "-tall")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Help", id="help"),
        # A priority binding: the App runs it as soon as it reads the key, before it hands the
        # next keys on, so the keys typed right after `/` go to the prompt (see action_find).
        Binding("slash", "find", "Find ticker", id="find", priority=True),
        Binding("A", "alerts", "Alerts", id="alerts", show=False),
        # Any table: the ticker under the cursor (or one typed) goes on the watchlist shown. A
        # priority binding like `/`: the keys typed right after it reach its prompt.
        Binding("plus", "watch_add", "Watch", id="watch_add", show=False, priority=True),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        as_of: dt.date | None = None,
        source_factory: SourceFactory | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        watchlist_store: WatchlistStore | None = None,
        record: Path | None = None,
    ) -> None:
        super().__init__()
        for theme in THEMES:
            self.register_theme(theme)
        # The config's watchlists with the edits the user made in the app (a small file).
        self.watchlists = WatchlistKeeper(
            settings.watchlists, watchlist_store, on_save_error=self._watchlists_not_saved
        )
        self.settings = replace(settings, watchlists=self.watchlists.lists())
        self.latest_views: dict[Pane, PaneView] = {}
        self.dashboard = DashboardScreen(
            self.settings, as_of=as_of, source_factory=source_factory, clock=clock, record=record
        )

    def get_css_variables(self) -> dict[str, str]:
        # Strong gain and loss colours under every theme (see tui/themes.py); a theme's own
        # variables still win.
        theme = self.current_theme
        variables = {**super().get_css_variables(), **tone_variables(theme), **theme.variables}
        self.theme_variables = variables
        return variables

    def on_mount(self) -> None:
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        else:
            self.notify(
                f"Unknown theme {self.settings.theme!r}; using {self.theme}.",
                severity="warning",
                markup=False,
            )
        if self.settings.keys:
            self.set_keymap(dict(self.settings.keys))
        # The layout classes Textual would add on the first resize, added before the first
        # styling: otherwise every widget is styled twice before the first frame.
        self.dashboard.add_class(*breakpoint_classes(self.size.width, self.size.height))
        self.push_screen(self.dashboard)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("find", "watch_add"):
            from textual.widgets import Input

            # In a text field (the prompt itself, the command palette, the alert form) `/` and
            # `+` are characters.
            return not isinstance(self.focused, Input)
        return True

    # Screens other than the dashboard are imported when first opened: the first frame does not
    # wait for them (help's Markdown alone costs ~50 ms of imports).

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.settings.keys))

    async def action_find(self) -> None:
        from tui.screens.prompt import TickerPrompt

        if isinstance(self.screen, TickerPrompt):
            return
        prompt = TickerPrompt(
            self.dashboard.symbol_checker(), self.symbol_lister(), codes=self.codes()
        )
        # Awaited, with the input focused before this returns: the App handles its keys one at
        # a time, so the keys typed right after `/` wait until the prompt can take them instead
        # of reaching the screen below (or an unfocused prompt) while it mounts.
        await self.push_screen(prompt, self.run_command)
        prompt.focus_input()

    def codes(self) -> Codes:
        """The codes of this configuration: its baskets, its watchlists, alerts if any."""
        return Codes(
            [basket.name for basket in self.settings.baskets],
            self.watchlists.names(),
            alerts=True,
        )

    def symbol_lister(self) -> Callable[[], list[SymbolEntry]]:
        """For the prompt and the palette: a function that lists every symbol the source knows
        with its name (slow for a whole market: call it in a thread; the feed is taken here, on
        the event loop). It lists none while the market data is still starting."""
        feed = self.dashboard.feed
        if feed is None:
            return list
        return lambda: directory(feed.known_symbols(), feed.source.describe)

    def action_alerts(self) -> None:
        """Open ALRT: every alert rule, its state, and the history of firings."""
        from tui.screens.alerts import AlertsScreen, market_of

        if isinstance(self.screen, AlertsScreen):
            return
        monitor = self.dashboard.alerts
        if monitor is None:
            self.notify("Alerts are still loading; try again in a moment.", severity="warning")
            return
        self.push_screen(
            AlertsScreen(monitor, market_of(self.dashboard), self.dashboard.settings.baskets)
        )

    # -- codes -----------------------------------------------------------------------------

    def run_command(self, command: Command | None) -> None:
        """Do what a code (or a ticker) typed at the prompt or in the palette asks for."""
        match command:
            case None:
                return
            case OpenTicker(symbol, section):
                self.open_ticker(symbol, section)
            case OpenPane(pane):
                self.show_pane(pane)
            case OpenMatrix(basket):
                self.open_matrix(basket)
            case OpenWatchlist(name):
                self.open_watchlist(name)
            case OpenAlerts():
                self.action_alerts()

    def _back_to_dashboard(self) -> None:
        while len(self.screen_stack) > 1 and self.screen is not self.dashboard:
            self.pop_screen()

    def show_pane(self, pane: Pane) -> None:
        """Go back to the dashboard with ``pane``'s table focused."""
        found = self.dashboard.query(f"#{pane.value}")
        if not found:
            self.notify(
                f"The {pane.value} pane is not on the dashboard ([layout] panes in the config).",
                severity="warning",
            )
            return
        self._back_to_dashboard()
        from widgets.pane import DataPane

        widget = found.first()
        if isinstance(widget, DataPane):
            widget.table.focus()

    def _feed_or_warn(self) -> Feed | None:
        feed = self.dashboard.feed
        if feed is None:
            self.notify("Still loading market data; try again in a moment.", severity="warning")
        return feed

    @on(AlertRequested)
    def _alert_requested(self, message: AlertRequested) -> None:
        """`a` on a row of a screen over the dashboard's data: the dashboard opens the form."""
        self.dashboard.request_alert(Pane(message.pane), message.key)

    @on(TickerSelected)
    def _drill_down(self, message: TickerSelected) -> None:
        """Enter on a ticker's row, in any pane: open its drill-down."""
        self.open_ticker(message.symbol)

    def open_ticker(self, symbol: str | None, section: TickerSection | None = None) -> None:
        """Drill into a ticker, at ``section`` if given (no-op for a cancelled prompt)."""
        if not symbol:
            return
        feed = self._feed_or_warn()
        if feed is None:
            return
        from tui.screens.ticker import TickerScreen  # loads plotext

        if isinstance(self.screen, TickerScreen):
            self.pop_screen()
        self.push_screen(
            TickerScreen(
                feed,
                symbol,
                self.settings,
                self.dashboard.status_now,
                watch=self.dashboard.watch_symbols,
                section=section,
            )
        )

    @on(BasketSelected)
    def _open_members(self, message: BasketSelected) -> None:
        """Enter on a basket, in Indices or Correlations: its members."""
        message.stop()
        self.open_members(message.name)

    def open_members(self, basket: str) -> None:
        """The members of ``basket``: contributions, correlation to peers, short interest."""
        from tui.screens.members import MembersScreen

        feed = self._feed_or_warn()
        if feed is not None:
            self.push_screen(MembersScreen(feed, self.settings, basket))

    @on(MatrixSelected)
    def _open_matrix(self, message: MatrixSelected) -> None:
        message.stop()
        self.open_matrix(message.name)

    def open_matrix(self, basket: str) -> None:
        """CORR: the correlation matrix of ``basket``."""
        from tui.screens.corr_matrix import CorrScreen

        feed = self._feed_or_warn()
        if feed is not None:
            self.push_screen(CorrScreen(feed, self.settings, basket))

    def open_watchlist(self, name: str | None = None) -> None:
        """The watchlist screen, on the list ``name`` (None: the one last shown)."""
        feed = self._feed_or_warn()
        if feed is None:
            return
        from tui.presenters.watchlist import WatchlistView
        from tui.screens.watchlist import WatchlistScreen

        if isinstance(self.screen, WatchlistScreen):
            self.screen.show_list(name or self.screen.pane.list_name or "")
            return
        view = self.latest_views.get(Pane.WATCHLIST)
        self.push_screen(
            WatchlistScreen(
                feed,
                self.settings,
                name or self.watchlists.shown,
                view if isinstance(view, WatchlistView) else None,
                streamed=self.dashboard.streams,
            )
        )

    @on(PaneUpdated)
    def _pass_on_pane_view(self, message: PaneUpdated) -> None:
        """The dashboard rebuilt a pane: the screens over the same data rebuild theirs."""
        from tui.screens.market import MarketScreen

        self.latest_views[message.pane] = message.view
        for screen in self.screen_stack:
            if isinstance(screen, MarketScreen):
                screen.market_updated(message.pane, message.view)

    # -- watchlists ------------------------------------------------------------------------

    @on(WatchlistShown)
    def _note_watchlist_shown(self, message: WatchlistShown) -> None:
        self.watchlists.shown = message.name

    def cursor_symbol(self) -> str | None:
        """The ticker under the cursor of the focused table, or of the drill-down shown."""
        from tui.screens.ticker import TickerScreen
        from widgets.corr_matrix import CorrelationGrid
        from widgets.pane import DataPane

        if isinstance(self.screen, TickerScreen):
            return self.screen.symbol
        focused = self.focused
        for node in focused.ancestors_with_self if focused is not None else ():
            if isinstance(node, DataPane):
                return node.cursor_symbol()
            if isinstance(node, CorrelationGrid):
                pair = node.cursor_pair
                return pair[0] if pair is not None else None
        return None

    async def action_watch_add(self) -> None:
        """Ask which ticker to add to the watchlist shown, the one under the cursor filled in."""
        from tui.screens.prompt import TickerPrompt

        target = self.watchlists.target
        if target is None or isinstance(self.screen, TickerPrompt):
            return
        prompt = TickerPrompt(
            self.dashboard.symbol_checker(),
            self.symbol_lister(),
            title=f"Add to {target}",
            value=self.cursor_symbol() or "",
        )

        def add(command: Command | None) -> None:
            if isinstance(command, OpenTicker):
                self.edit_watchlist(target, command.symbol, add=True)

        await self.push_screen(prompt, add)
        prompt.focus_input()

    @on(WatchlistRemove)
    def _remove_from_watchlist(self, message: WatchlistRemove) -> None:
        message.stop()
        self.edit_watchlist(message.name, message.symbol, add=False)

    def edit_watchlist(self, name: str, symbol: str, *, add: bool) -> None:
        """Add ``symbol`` to the watchlist ``name`` or remove it (the edit is saved), and have
        the scheduler fetch and show the list as it now is."""
        if not self.watchlists.edit(name, symbol, add=add):
            where = "already in" if add else "not in"
            self.notify(f"{symbol} is {where} {name}.", timeout=3, markup=False)
            return
        self.settings = replace(self.settings, watchlists=self.watchlists.lists())
        self.dashboard.settings = self.settings
        scheduler = self.dashboard.scheduler
        if scheduler is not None:
            scheduler.reconfigure(self.settings, {Pane.WATCHLIST}, WATCHLIST_JOBS if add else ())
        from tui.screens.market import MarketScreen

        for screen in self.screen_stack:
            if isinstance(screen, MarketScreen):
                screen.settings = self.settings
        change = f"{symbol} added to {name}" if add else f"{symbol} removed from {name}"
        self.notify(change, timeout=3, markup=False)

    def _watchlists_not_saved(self, error: BaseException) -> None:
        """From the saver's thread: say so (the log has the details)."""
        message = f"Could not save the watchlists: {error}"
        # The App may have stopped meanwhile: the log has it then.
        with contextlib.suppress(RuntimeError):
            self.call_from_thread(self.notify, message, severity="error", markup=False)


def run_app(
    settings: Settings,
    *,
    as_of: dt.date | None = None,
    record: Path | None = None,
    source_factory: SourceFactory | None = None,
) -> int:
    """Run the monitor until the user quits; the process exit status. ``record``: keep the
    session's log there (tui.recording); ``source_factory``: another source (a replay)."""
    from tui.logs import configure_file_logging

    configure_file_logging()
    app = TapewatchApp(settings, as_of=as_of, record=record, source_factory=source_factory)
    try:
        result = app.run()
    finally:
        app.watchlists.close()  # the last edits reach the disk
    return result if isinstance(result, int) else app.return_code or 0
