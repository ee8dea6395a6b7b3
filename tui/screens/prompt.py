"""The `/` prompt: type a symbol, Enter opens it; a symbol that cannot be opened says why."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui.config import normalize_symbol


class TickerPrompt(ModalScreen[str | None]):
    """Ask for a ticker symbol; dismiss with it, or with None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="back")]

    def __init__(self, check: Callable[[str], str | None]) -> None:
        super().__init__()
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-box"):
            yield Input(placeholder="ticker symbol, e.g. MSFT", id="prompt-input", max_length=15)
            yield Static("Enter to open · Esc to cancel", id="prompt-message")

    def on_mount(self) -> None:
        self.query_one("#prompt-box").border_title = "Open ticker"

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        message = self.query_one("#prompt-message", Static)
        try:
            symbol = normalize_symbol(event.value)
        except ValueError as error:
            message.update(Text(str(error)))  # it quotes what was typed: never markup
            message.add_class("error")
            return
        problem = self.check(symbol)
        if problem is not None:
            message.update(Text(f"Cannot open {symbol}: {problem}."))
            message.add_class("error")
            return
        self.dismiss(symbol)

    def action_cancel(self) -> None:
        self.dismiss(None)
