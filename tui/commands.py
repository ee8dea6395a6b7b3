"""Command palette entries: every ticker the source knows, the codes (`WEI`, `CORR Mag 7`,
`MSFT SI`: tui/codes.py) and the dashboard's commands."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from tui.codes import OpenAlerts
from widgets.pane import DataPane

if TYPE_CHECKING:
    from tui.app import TapewatchApp

COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Refresh now", "Poll every dataset now", "screen.refresh"),
    ("Help", "Every key, and how each figure is computed", "app.help"),
    ("Find ticker", "Open a ticker by symbol", "app.find"),
    ("Alerts (ALRT)", "Every alert rule, its state, and the firings", "app.alerts"),
    ("Sort focused table", "Sort the focused table by its next column", "cycle_sort"),
    ("Reverse sort", "Sort the focused table the other way", "reverse_sort"),
    ("Use the demo market", "Switch to the embedded demo market", "screen.use_demo"),
)


def highlight(matcher: Matcher, text: str) -> Content:
    """``text`` with the letters the query matched highlighted, as plain text: a company name
    is never parsed as markup (Matcher.highlight would, and a "[" in a name breaks it)."""
    content = Content(text)
    _, offsets = matcher.fuzzy_search.match(matcher.query, text)
    for offset in offsets:
        if not text[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class TapewatchCommands(Provider):
    """Tickers ("MSFT Microsoft") and the dashboard's commands."""

    @property
    def tapewatch(self) -> TapewatchApp:
        return self.app  # type: ignore[return-value]

    async def _run(self, action: str) -> None:
        if action in ("cycle_sort", "reverse_sort"):
            # The focused table's pane sorts it.
            focused = self.screen.focused
            for node in focused.ancestors_with_self if focused is not None else ():
                if isinstance(node, DataPane):
                    await node.run_action(action)
                    return
            return
        await self.tapewatch.dashboard.run_action(action.removeprefix("screen."))

    async def discover(self) -> Hits:
        for name, help_text, action in COMMANDS:
            yield DiscoveryHit(name, partial(self._run, action), help=help_text)
        for suggestion in self.tapewatch.codes().every():
            if isinstance(suggestion.command, OpenAlerts):
                continue  # the Alerts (ALRT) command above
            yield DiscoveryHit(
                suggestion.text,
                partial(self.tapewatch.run_command, suggestion.command),
                help=suggestion.help,
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, action in COMMANDS:
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(name), partial(self._run, action), help=help_text
                )
        for suggestion in self.tapewatch.codes().suggest(query):
            if isinstance(suggestion.command, OpenAlerts):
                continue  # the Alerts (ALRT) command above
            # A code typed in full comes first; one it completes ranks by how it matches.
            score = 1.0 if suggestion.exact else matcher.match(suggestion.text)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(suggestion.text),
                    partial(self.tapewatch.run_command, suggestion.command),
                    help=suggestion.help,
                )
        for entry in await asyncio.to_thread(self.tapewatch.symbol_lister()):
            symbol = entry.symbol
            text = f"{symbol}  {entry.name}".strip()
            score = matcher.match(text)
            if score > 0:
                yield Hit(
                    score,
                    highlight(matcher, text),
                    partial(self.tapewatch.open_ticker, symbol),
                    help="Open the drill-down",
                )
