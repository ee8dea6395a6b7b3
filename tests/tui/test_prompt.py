"""The `/` prompt: every key typed after `/` reaches it, however fast."""

from __future__ import annotations

from textual import events

from tests.tui.harness import demo_app, wait_for_data, wait_for_drill_down
from tui.app import TapewatchApp
from tui.screens.dashboard import DashboardScreen


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
