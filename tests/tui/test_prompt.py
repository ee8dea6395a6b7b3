"""The `/` prompt: every key typed after `/` reaches it, however fast; any spelling of a symbol
and company names find it."""

from __future__ import annotations

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from tests.tui.harness import demo_app, wait_for_data, wait_for_drill_down, wait_until
from tui.app import TapewatchApp
from tui.screens.dashboard import DashboardScreen
from tui.screens.prompt import TickerPrompt


def type_at_once(app: TapewatchApp, text: str) -> None:
    """Post the keys of ``text`` (then Enter) to the App in one go, as the terminal driver does
    when they arrive in one read: nothing is handled between them."""
    for character in text:
        key = "slash" if character == "/" else character
        app.post_message(events.Key(key, character))
    app.post_message(events.Key("enter", "\r"))


async def test_keys_typed_right_after_slash_go_to_the_prompt() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        type_at_once(app, "/ORCL")
        await wait_for_drill_down(pilot, app, "ORCL")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        # `s` sorts the dashboard's tables; after `/` it is a letter of the symbol.
        type_at_once(app, "/msft")
        await wait_for_drill_down(pilot, app, "MSFT")


async def _open_prompt(pilot: Pilot[int], app: TapewatchApp, text: str) -> TickerPrompt:
    await pilot.press("slash")
    prompt = app.screen
    assert isinstance(prompt, TickerPrompt)
    await pilot.press(*("space" if character == " " else character for character in text))
    await wait_until(pilot, lambda: prompt.matched_text == text, "the suggestions for " + text)
    return prompt


def suggested(prompt: TickerPrompt) -> list[str]:
    options = prompt.query_one("#prompt-suggestions", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


@pytest.mark.parametrize(
    ("typed", "suggestions", "symbol"),
    [
        # Any spelling of a class share, and a company's name.
        ("brk.b", ["BRK-B  Berkshire Hathaway Inc. (Class B)"], "BRK-B"),
        ("BRK/B", ["BRK-B  Berkshire Hathaway Inc. (Class B)"], "BRK-B"),
        ("brk-b", ["BRK-B  Berkshire Hathaway Inc. (Class B)"], "BRK-B"),
        ("microsoft", ["MSFT   Microsoft Corporation"], "MSFT"),
    ],
)
async def test_a_spelling_or_a_name_finds_the_symbol(
    typed: str, suggestions: list[str], symbol: str
) -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        prompt = await _open_prompt(pilot, app, typed)
        assert suggested(prompt)[: len(suggestions)] == suggestions
        await pilot.press("enter")
        await wait_for_drill_down(pilot, app, symbol)


async def test_a_name_typed_fast_with_enter_waits_for_the_names() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        type_at_once(app, "/oracle")
        await wait_for_drill_down(pilot, app, "ORCL")


async def test_arrows_choose_among_the_closest_symbols() -> None:
    app = demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(pilot, app)
        prompt = await _open_prompt(pilot, app, "micro")
        options = suggested(prompt)
        assert len(options) >= 2 and any(option.startswith("MSFT ") for option in options)
        choice = next(i for i, option in enumerate(options) if option.startswith("MSFT "))
        highlighted = prompt.query_one("#prompt-suggestions", OptionList)
        assert highlighted.highlighted == 0
        for _ in range(choice):
            await pilot.press("down")
        await pilot.press("up", "down")
        assert highlighted.highlighted == choice
        assert isinstance(app.focused, Input)  # the keys stay in the input
        await pilot.press("enter")
        await wait_for_drill_down(pilot, app, "MSFT")


async def test_a_symbol_not_in_the_market_says_so_and_offers_nothing_it_cannot_open() -> None:
    app = demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(pilot, app)
        prompt = await _open_prompt(pilot, app, "ZZZZ")
        assert suggested(prompt) == []
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is prompt
        message = prompt.query_one("#prompt-message", Static).render()
        assert "Cannot open ZZZZ: ZZZZ is not in the demo market." in str(message)
