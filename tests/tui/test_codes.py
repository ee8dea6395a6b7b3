"""Codes after `/` and in the command palette: WEI, SECF, MOST, CORR [basket], W [list], ALRT and
<TICKER> [DES|SI|CORR]; the prompt suggests them as they are typed; help lists them."""

from __future__ import annotations

import pytest
from textual.command import CommandList, CommandPalette
from textual.containers import VerticalScroll
from textual.pilot import Pilot
from textual.widgets import Markdown, OptionList

from tests.tui.harness import (
    demo_app,
    panes,
    wait_for_data,
    wait_for_drill_down,
    wait_until,
)
from tui.app import TapewatchApp
from tui.models import Pane
from tui.screens.corr_matrix import CorrScreen
from tui.screens.help import HelpScreen
from tui.screens.prompt import TickerPrompt
from tui.screens.watchlist import WatchlistScreen


async def type_code(pilot: Pilot[int], app: TapewatchApp, text: str) -> TickerPrompt:
    await pilot.press("slash")
    prompt = app.screen
    assert isinstance(prompt, TickerPrompt)
    await pilot.press(*("space" if character == " " else character for character in text))
    await wait_until(pilot, lambda: prompt.matched_text == text, f"the suggestions for {text}")
    return prompt


def suggested(prompt: TickerPrompt) -> list[str]:
    options = prompt.query_one("#prompt-suggestions", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


@pytest.mark.parametrize(
    ("typed", "basket"),
    [("CORR Mag 7", "Mag 7"), ("corr ai", "AI infrastructure"), ("CORR", "Mag 7")],
)
async def test_corr_opens_a_baskets_matrix(typed: str, basket: str) -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        prompt = await type_code(pilot, app, typed)
        assert suggested(prompt)[0].startswith(f"CORR {basket}")
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, CorrScreen) and app.screen.basket == basket,
            f"CORR {basket}",
        )


async def test_w_opens_the_watchlists() -> None:
    app = demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(pilot, app)
        await type_code(pilot, app, "W")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, WatchlistScreen), "the watchlists")


@pytest.mark.parametrize(("code", "pane"), [("WEI", Pane.INDICES), ("MOST", Pane.SHORTS)])
async def test_pane_codes_go_to_their_pane(code: str, pane: Pane) -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        app.open_matrix("Mag 7")
        await wait_until(pilot, lambda: isinstance(app.screen, CorrScreen), "CORR")
        await type_code(pilot, app, code.lower())
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen is app.dashboard, "the dashboard")
        await pilot.pause()
        assert app.focused is panes(app)[pane].table


async def test_a_ticker_code_opens_its_drill_down_at_that_section() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        prompt = await type_code(pilot, app, "MSFT ")
        assert suggested(prompt)[:3] == [
            "MSFT DES  · drill-down",
            "MSFT SI  · drill-down at its short interest",
            "MSFT CORR  · drill-down at its correlation to peers",
        ]
        await pilot.press("S", "I", "enter")
        screen = await wait_for_drill_down(pilot, app, "MSFT")
        body = screen.query_one("#ticker-body", VerticalScroll)
        charts = screen.query_one("#short-charts")
        await wait_until(pilot, lambda: body.scroll_y > 0, "the scroll to short interest")
        # The short-interest charts are in view.
        top = charts.region.y
        assert body.region.y <= top < body.region.bottom


async def test_a_section_that_does_not_apply_says_so() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        app.open_ticker("^GSPC", "short_interest")
        screen = await wait_for_drill_down(pilot, app, "^GSPC")
        await pilot.pause()
        assert screen.query_one("#ticker-body", VerticalScroll).scroll_y == 0
        messages = [notification.message for notification in app._notifications]
        assert "^GSPC has no short interest section." in messages


async def test_alrt_opens_the_alerts() -> None:
    from tui.screens.alerts import AlertsScreen

    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        prompt = await type_code(pilot, app, "alrt")
        assert suggested(prompt)[0].startswith("ALRT")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, AlertsScreen), "ALRT")


async def test_the_palette_runs_codes() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        await pilot.press(*"CORR Large")
        hits = app.screen.query_one(CommandList)

        def code_first() -> bool:
            first = hits.get_option_at_index(0) if hits.option_count else None
            return first is not None and "CORR Large-cap software" in str(first.prompt)

        # The code typed in full comes first, before tickers whose names match the letters.
        await wait_until(pilot, code_first, "the code first among the palette's hits")
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: (
                isinstance(app.screen, CorrScreen) and app.screen.basket == "Large-cap software"
            ),
            "CORR Large-cap software from the palette",
        )


async def test_help_lists_the_codes() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        markdown = app.screen.query_one("#help-text", Markdown).source
        for code in ("`WEI`", "`SECF`", "`MOST`", "`CORR [basket]`", "`W [list]`", "`ALRT`"):
            assert code in markdown
        assert "`<TICKER> [DES|SI|CORR]`" in markdown
