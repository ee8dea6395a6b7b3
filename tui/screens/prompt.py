"""The `/` prompt: type a symbol (in any spelling) or part of a company's name; the closest symbols
are listed under the input, and Enter opens the highlighted one or the symbol typed. A symbol that
cannot be opened says why."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static

from tui.symbols import SymbolDirectory, SymbolEntry, SymbolMatch, parse_symbol

SUGGESTIONS = 6
HINT = "Enter: open · ↑ ↓: choose · Esc: cancel"


class TickerPrompt(ModalScreen[str | None]):
    """Ask for a ticker; dismiss with its symbol, or with None when cancelled.

    ``check`` says why a symbol cannot be opened (None when it can); ``directory`` lists the
    symbols and names to suggest from (it may be slow: it runs in a thread).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="back"),
        Binding("down", "highlight(1)", "Next suggestion", show=False),
        Binding("up", "highlight(-1)", "Previous suggestion", show=False),
    ]

    def __init__(
        self,
        check: Callable[[str], str | None],
        directory: Callable[[], Sequence[SymbolEntry]] = tuple,
    ) -> None:
        super().__init__()
        self.check = check
        self.directory = directory
        self.symbols = SymbolDirectory(())
        self.matches: list[SymbolMatch] = []
        self.matched_text = ""  # what `matches` were found for
        self._directory_loaded = asyncio.Event()

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-box"):
            yield Input(
                placeholder="symbol or company, e.g. MSFT or Microsoft",
                id="prompt-input",
                max_length=40,
            )
            suggestions = OptionList(id="prompt-suggestions")
            suggestions.can_focus = False  # the input keeps the keys; ↑ ↓ move the highlight
            suggestions.display = False
            yield suggestions
            yield Static(HINT, id="prompt-message")

    def on_mount(self) -> None:
        self.query_one("#prompt-box").border_title = "Open ticker"
        self.focus_input()
        self._load_directory()

    def focus_input(self) -> None:
        """Focus the input now, not after the next refresh (as `Widget.focus` would)."""
        self.set_focus(self.query_one("#prompt-input", Input))

    @property
    def suggestions(self) -> OptionList:
        return self.query_one("#prompt-suggestions", OptionList)

    @work(group="prompt-directory", exit_on_error=False)
    async def _load_directory(self) -> None:
        # A whole market's names take a moment to gather: in a thread, as every search does.
        try:
            self.symbols = await asyncio.to_thread(lambda: SymbolDirectory(self.directory()))
        finally:
            self._directory_loaded.set()
        await self._suggest(self.query_one("#prompt-input", Input).value)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        self._suggest_worker(event.value)

    @work(group="prompt-suggest", exclusive=True, exit_on_error=False)
    async def _suggest_worker(self, text: str) -> None:
        await self._suggest(text)

    async def _suggest(self, text: str) -> None:
        """List the closest symbols; highlight the first when Enter should open it: it is the
        symbol typed or a company's name, or what was typed cannot be opened as it stands."""
        matches = await asyncio.to_thread(self.symbols.find, text, SUGGESTIONS)
        if text != self.query_one("#prompt-input", Input).value:
            return  # typed on meanwhile: the newer search shows its own
        self.matches, self.matched_text = matches, text
        suggestions = self.suggestions
        suggestions.clear_options()
        suggestions.add_options(
            # Text, not markup: names come from the source.
            Text(f"{match.entry.symbol:<6} {match.entry.name}".rstrip())
            for match in matches
        )
        suggestions.display = bool(matches)
        first = matches[0] if matches else None
        pick = first is not None and (
            first.kind in ("symbol", "name") or self._problem(text) is not None
        )
        suggestions.highlighted = 0 if pick else None

    def _problem(self, text: str) -> str | None:
        """Why ``text`` cannot be opened as a symbol, None when it can."""
        try:
            symbol = parse_symbol(text)
        except ValueError as error:
            return str(error)
        problem = self.check(symbol)
        return None if problem is None else f"Cannot open {symbol}: {problem}."

    def action_highlight(self, step: int) -> None:
        """Move the highlight through the suggestions (from none, ↓ goes to the first)."""
        suggestions = self.suggestions
        if not self.matches:
            return
        current = suggestions.highlighted
        if current is None:
            index = 0 if step > 0 else len(self.matches) - 1
        else:
            index = max(0, min(len(self.matches) - 1, current + step))
        suggestions.highlighted = index

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        self._open(self.matches[event.option_index].entry.symbol)

    @on(Input.Submitted)
    async def _submit(self, event: Input.Submitted) -> None:
        # Enter typed right after the text waits for its suggestions.
        await self._directory_loaded.wait()
        if self.matched_text != event.value:
            await self._suggest(event.value)
        index = self.suggestions.highlighted
        if index is not None and index < len(self.matches):
            self._open(self.matches[index].entry.symbol)
            return
        problem = self._problem(event.value)
        if problem is not None:
            self._say(problem)
            return
        self.dismiss(parse_symbol(event.value))

    def _open(self, symbol: str) -> None:
        problem = self.check(symbol)
        if problem is not None:
            self._say(f"Cannot open {symbol}: {problem}.")
            return
        self.dismiss(symbol)

    def _say(self, problem: str) -> None:
        message = self.query_one("#prompt-message", Static)
        message.update(Text(problem))
        message.add_class("error")

    def action_cancel(self) -> None:
        self.dismiss(None)
