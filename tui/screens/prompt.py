"""The `/` prompt: type a symbol (in any spelling), part of a company's name, or a code (`WEI`,
`CORR Mag 7`, `MSFT SI`: tui/codes.py); the matching codes and the closest symbols are listed
under the input, and Enter runs the highlighted one or what was typed. A symbol that cannot be
opened says why.

The same prompt, without codes, asks for the ticker `+` adds to a watchlist."""

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

from tui.codes import Codes, Command, OpenTicker, Suggestion
from tui.symbols import SymbolDirectory, SymbolEntry, SymbolMatch, parse_symbol

SUGGESTIONS = 6
CODE_SUGGESTIONS = 3  # at most this many of the suggestions are codes
HINT = "Enter: open · ↑ ↓: choose · Esc: cancel"
TITLE = "Open ticker or code"
PLACEHOLDER = "symbol, company or code: MSFT, Microsoft, CORR"


class TickerPrompt(ModalScreen[Command | None]):
    """Ask for a ticker or a code; dismiss with the command it asks for (`OpenTicker` for a
    symbol), or with None when cancelled.

    ``check`` says why a symbol cannot be opened (None when it can); ``directory`` lists the
    symbols and names to suggest from (it may be slow: it runs in a thread); ``codes`` (None:
    symbols only) reads codes.
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
        *,
        codes: Codes | None = None,
        title: str = TITLE,
        value: str = "",
    ) -> None:
        super().__init__()
        self.check = check
        self.directory = directory
        self.codes = codes
        self.title_text = title
        self.initial_value = value
        self.symbols = SymbolDirectory(())
        self.matches: list[SymbolMatch] = []
        self.code_matches: list[Suggestion] = []
        self.matched_text = ""  # what `matches` were found for
        self._directory_loaded = asyncio.Event()

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-box"):
            yield Input(
                self.initial_value,
                placeholder=PLACEHOLDER
                if self.codes is not None
                else "symbol or company, e.g. MSFT or Microsoft",
                id="prompt-input",
                max_length=40,
            )
            suggestions = OptionList(id="prompt-suggestions")
            suggestions.can_focus = False  # the input keeps the keys; ↑ ↓ move the highlight
            suggestions.display = False
            yield suggestions
            yield Static(HINT, id="prompt-message")

    def on_mount(self) -> None:
        self.query_one("#prompt-box").border_title = Text(self.title_text)
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
        """List the codes that match and the closest symbols; highlight the first when Enter
        should run it: it is the code or the symbol typed, a company's name, or what was typed
        cannot be opened as it stands."""
        codes = self.codes.suggest(text)[:CODE_SUGGESTIONS] if self.codes is not None else []
        matches = await asyncio.to_thread(self.symbols.find, text, SUGGESTIONS - len(codes))
        if text != self.query_one("#prompt-input", Input).value:
            return  # typed on meanwhile: the newer search shows its own
        self.code_matches, self.matches, self.matched_text = codes, matches, text
        suggestions = self.suggestions
        suggestions.clear_options()
        suggestions.add_options(
            [Text(f"{code.text}  · {code.help}") for code in codes]
            # Text, not markup: names come from the source.
            + [Text(f"{match.entry.symbol:<6} {match.entry.name}".rstrip()) for match in matches]
        )
        suggestions.display = bool(codes or matches)
        if codes:
            pick = codes[0].exact or self._problem(text) is not None
        elif self.codes is not None and self.codes.parse(text) is not None:
            pick = False  # a code not offered as such (ALRT without alerts): Enter runs it
        else:
            first = matches[0] if matches else None
            pick = first is not None and (
                first.kind in ("symbol", "name") or self._problem(text) is not None
            )
        suggestions.highlighted = 0 if pick else None

    @property
    def choices(self) -> list[Command]:
        """What each suggestion runs, in the order listed."""
        return [code.command for code in self.code_matches] + [
            OpenTicker(match.entry.symbol) for match in self.matches
        ]

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
        count = len(self.choices)
        if not count:
            return
        current = suggestions.highlighted
        if current is None:
            index = 0 if step > 0 else count - 1
        else:
            index = max(0, min(count - 1, current + step))
        suggestions.highlighted = index

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        self._run(self.choices[event.option_index])

    @on(Input.Submitted)
    async def _submit(self, event: Input.Submitted) -> None:
        # Enter typed right after the text waits for its suggestions.
        await self._directory_loaded.wait()
        if self.matched_text != event.value:
            await self._suggest(event.value)
        index = self.suggestions.highlighted
        choices = self.choices
        if index is not None and index < len(choices):
            self._run(choices[index])
            return
        command = self.codes.parse(event.value) if self.codes is not None else None
        if command is not None:
            self._run(command)
            return
        problem = self._problem(event.value)
        if problem is not None:
            self._say(problem)
            return
        self.dismiss(OpenTicker(parse_symbol(event.value)))

    def _run(self, command: Command) -> None:
        """Dismiss with ``command``; a ticker that cannot be opened says why instead."""
        if isinstance(command, OpenTicker):
            problem = self.check(command.symbol)
            if problem is not None:
                self._say(f"Cannot open {command.symbol}: {problem}.")
                return
        self.dismiss(command)

    def _say(self, problem: str) -> None:
        message = self.query_one("#prompt-message", Static)
        message.update(Text(problem))
        message.add_class("error")

    def action_cancel(self) -> None:
        self.dismiss(None)
