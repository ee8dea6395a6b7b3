"""The App: the stylesheet, the global keys, the command palette, and the dashboard screen.

The data work lives on the screens: the dashboard runs the scheduler, the drill-down fetches its
ticker.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import App
from textual.binding import Binding, BindingType

from tui.commands import TapewatchCommands
from tui.config import Settings
from tui.screens.dashboard import DashboardScreen, SourceFactory
from tui.symbols import SymbolEntry, directory
from tui.themes import THEMES, tone_variables
from widgets.messages import TickerSelected


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
    # Width classes drive the layout: a 2x2 grid, stacked panes, or one compact column.
    # (No ClassVar: Textual annotates these as `ClassVar[...] | None`, which mypy reads as
    # instance variables.)
    HORIZONTAL_BREAKPOINTS = [  # noqa: RUF012
        (0, "-tiny"),
        (36, "-compact"),
        (80, "-stacked"),
        (160, "-wide"),
    ]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (12, "-tall")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Help", id="help"),
        # A priority binding: the App runs it as soon as it reads the key, before it hands the
        # next keys on, so the keys typed right after `/` go to the prompt (see action_find).
        Binding("slash", "find", "Find ticker", id="find", priority=True),
        Binding("A", "alerts", "Alerts", id="alerts", show=False),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        as_of: dt.date | None = None,
        source_factory: SourceFactory | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        record: Path | None = None,
    ) -> None:
        super().__init__()
        for theme in THEMES:
            self.register_theme(theme)
        self.settings = settings
        self.dashboard = DashboardScreen(
            settings, as_of=as_of, source_factory=source_factory, clock=clock, record=record
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
                f"Unknown theme {self.settings.theme!r}; using {self.theme}.", severity="warning"
            )
        if self.settings.keys:
            self.set_keymap(dict(self.settings.keys))
        # The layout classes Textual would add on the first resize, added before the first
        # styling: otherwise every widget is styled twice before the first frame.
        self.dashboard.add_class(*breakpoint_classes(self.size.width, self.size.height))
        self.push_screen(self.dashboard)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "find":
            from textual.widgets import Input

            # In a text field (the prompt itself, the command palette) `/` is a character.
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
        prompt = TickerPrompt(self.dashboard.symbol_checker(), self.symbol_lister())
        # Awaited, with the input focused before this returns: the App handles its keys one at
        # a time, so the keys typed right after `/` wait until the prompt can take them instead
        # of reaching the screen below (or an unfocused prompt) while it mounts.
        await self.push_screen(prompt, self.open_ticker)
        prompt.focus_input()

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

    @on(TickerSelected)
    def _drill_down(self, message: TickerSelected) -> None:
        """Enter on a ticker's row, in any pane: open its drill-down."""
        self.open_ticker(message.symbol)

    def open_ticker(self, symbol: str | None) -> None:
        """Drill into a ticker (no-op for a cancelled prompt)."""
        if not symbol:
            return
        feed = self.dashboard.feed
        if feed is None:
            self.notify("Still loading market data; try again in a moment.", severity="warning")
            return
        from tui.screens.ticker import TickerScreen  # loads plotext

        if isinstance(self.screen, TickerScreen):
            self.pop_screen()
        self.push_screen(TickerScreen(feed, symbol, self.settings, self.dashboard.status_now))


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
    result = app.run()
    return result if isinstance(result, int) else app.return_code or 0
