"""Nothing from data reaches the terminal as code: names, problems and labels with Textual markup
and escape sequences go through every place a name is shown — the panes, the drill-down title,
the command palette, the prompt's errors, the snapshot's text and the doctor's table — and come
out as plain text: no control character, the markup shown as written."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from collections.abc import Sequence

import pytest
from rich.console import Console
from textual.command import CommandPalette
from textual.widgets import Static

from tests.tui.harness import (
    MARKET_START,
    WALL_CLOCK,
    wait_for_data,
    wait_for_drill_down,
    wait_until,
)
from tui.app import TapewatchApp
from tui.config import Settings, parse_settings
from tui.doctor import run_doctor
from tui.screens.prompt import TickerPrompt
from tui.snapshot import run_snapshot
from tui.sources.base import BarInterval, FetchOutcome, Source, SymbolInfo
from tui.sources.demo import DemoMarket

pytestmark = pytest.mark.timeout(60)

HOSTILE_NAME = "[bold red]HACKED[/] [@click=app.quit]click me[/] \x1b]0;PWNED\x07\x1b[2J"
HOSTILE_PROBLEM = "[link=https://evil.test]gone[/link]\x1b]0;PWNED\x07\x1b[2J"
NAMED = "SOUN"  # the demo's most shorted name
# The config, as a user could write it: labels with markup and escapes (TOML's \u escapes).
CONFIG = r"""
source = "demo"
[[indices]]
symbol = "^GSPC"
label = "S&P[b]500[/b]\u001b]0;PWNED\u0007"
[[indices]]
symbol = "^NOPE"
label = "Nope"
[[baskets]]
name = "[@click=app.quit]Mine[/]\u001b[2J"
symbols = ["AAPL", "MSFT", "ZZZZ"]
"""
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")  # every control but the line break


class HostileDemo(DemoMarket):
    """The demo market, but a name and every problem are what a hostile server would send."""

    def describe(self, symbol: str) -> SymbolInfo | None:
        info = super().describe(symbol)
        if info is not None and symbol == NAMED:
            return SymbolInfo(symbol, HOSTILE_NAME, info.sector, info.kind)
        return info

    def _hostile(self, outcome: FetchOutcome, symbols: Sequence[str]) -> FetchOutcome:
        problems = {
            symbol: HOSTILE_PROBLEM for symbol in symbols if symbol in ("^NOPE", "ZZZZ", "AAPL")
        }
        return dataclasses.replace(outcome, problems=problems) if problems else outcome

    async def quotes(self, symbols: Sequence[str]) -> FetchOutcome:
        return self._hostile(await super().quotes(symbols), symbols)

    async def bars(self, symbols: Sequence[str], interval: BarInterval, days: int) -> FetchOutcome:
        return self._hostile(await super().bars(symbols, interval, days), symbols)


def hostile_demo(settings: Settings, as_of: dt.date | None = None) -> Source:
    return HostileDemo(settings.demo.seed, start_time=MARKET_START, monotonic=lambda: 0.0)


def screen_text(app: TapewatchApp) -> str:
    """Everything the terminal would be sent for the screen (and the screens under a modal
    one), as text: what `App.export_screenshot` renders, without the SVG."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text()


def assert_plain(text: str) -> None:
    assert not CONTROL.search(text), repr(CONTROL.findall(text))
    assert "PWNED" not in text


async def test_names_labels_and_problems_are_shown_as_plain_text_everywhere() -> None:
    settings = parse_settings(CONFIG)
    app = TapewatchApp(settings, source_factory=hostile_demo, clock=lambda: WALL_CLOCK)
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_for_data(pilot, app)
        # Panes: a config label, a basket's name, a row's problem, the legend.
        text = screen_text(app)
        assert_plain(text)
        assert "S&P[b]500[/b]" in text
        assert "[@click=app.q" in text  # the basket's name, cut to its column
        assert "[link=https://evil.test]gone[/link]" in text  # ^NOPE's row note

        # The palette lists the hostile name, highlighted as text, and the screen stays drawn.
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"hacked")
        await wait_until(
            pilot, lambda: "[bold red]HACKED[/]" in screen_text(app), "the hostile name listed"
        )
        text = screen_text(app)
        assert_plain(text)
        assert f"{NAMED}  [bold red]HACKED[/] [@click=app.quit]click me[/]" in text

        # Its drill-down: the title holds the name as written, and nothing ran its action.
        await pilot.press("enter")
        screen = await wait_for_drill_down(pilot, app, NAMED)
        title = screen.query_one("#ticker-title", Static).visual
        assert f"{NAMED}  [bold red]HACKED[/] [@click=app.quit]click me[/]" in str(title)
        assert_plain(screen_text(app))
        await pilot.click("#ticker-title")  # a live action link would quit the app
        await pilot.pause()
        assert app.is_running

        # The prompt quotes what was typed as text.
        await pilot.press("escape", "slash")
        await wait_until(pilot, lambda: isinstance(app.screen, TickerPrompt), "the prompt")
        await pilot.press(*"[b]X[/b]", "enter")
        message = app.screen.query_one("#prompt-message", Static)
        await wait_until(pilot, lambda: "[b]X[/b]" in str(message.visual), "the prompt's error")
        assert str(message.visual).startswith("`[b]X[/b]` is not a ticker symbol")
        assert_plain(screen_text(app))


def test_the_snapshot_prints_plain_text() -> None:
    out, err = io.StringIO(), io.StringIO()
    run_snapshot(
        parse_settings(CONFIG), as_json=False, source=hostile_demo(Settings()), out=out, err=err
    )
    text = out.getvalue() + err.getvalue()
    assert_plain(text)
    assert "S&P[b]500[/b]" in text and "[link=https://evil.test]gone[/link]" in text


def test_the_doctor_prints_plain_text() -> None:
    out = io.StringIO()
    run_doctor(parse_settings(CONFIG), source=hostile_demo(Settings()), out=out)
    assert_plain(out.getvalue())
    assert "AAPL: [link=https://evil.test]gone[/link]" in out.getvalue()
