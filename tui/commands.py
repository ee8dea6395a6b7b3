"""Command palette entries: every ticker the source knows, and the dashboard's commands."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

if TYPE_CHECKING:
    from tui.app import TapewatchApp

COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Refresh now", "Poll every dataset now", "screen.refresh"),
    ("Help", "Every key, and how each figure is computed", "app.help"),
    ("Find ticker", "Open a ticker by symbol", "app.find"),
    ("Sort focused table", "Cycle the sort of the focused table", "sort"),
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

    def _tickers(self) -> list[tuple[str, str]]:
        feed = self.tapewatch.dashboard.feed
        if feed is None:
            return []
        tickers = []
        for symbol in feed.known_symbols():
            info = feed.source.describe(symbol)
            tickers.append((symbol, info.name if info is not None else ""))
        return tickers

    async def _run(self, action: str) -> None:
        if action == "sort":
            focused = self.screen.focused
            if focused is not None:
                await focused.run_action("cycle_sort")
            return
        await self.tapewatch.dashboard.run_action(action.removeprefix("screen."))

    async def discover(self) -> Hits:
        for name, help_text, action in COMMANDS:
            yield DiscoveryHit(name, partial(self._run, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, action in COMMANDS:
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(name), partial(self._run, action), help=help_text
                )
        for symbol, company in self._tickers():
            text = f"{symbol}  {company}".strip()
            score = matcher.match(text)
            if score > 0:
                yield Hit(
                    score,
                    highlight(matcher, text),
                    partial(self.tapewatch.open_ticker, symbol),
                    help="Open the drill-down",
                )
