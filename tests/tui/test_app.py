"""The app as a user meets it: the demo market at several terminal sizes, driven with keys."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence

import pytest
from textual.command import CommandList
from textual.pilot import Pilot
from textual.widgets import Markdown, Static
from textual.worker import WorkerState

from tests.tui.harness import (
    demo_app,
    demo_settings,
    frozen_demo,
    panes,
    wait_for_data,
    wait_for_drill_down,
    wait_until,
)
from tui.app import TapewatchApp, breakpoint_classes
from tui.config import Settings
from tui.models import Pane
from tui.screens.dashboard import DashboardScreen
from tui.screens.help import HelpScreen
from tui.screens.prompt import TickerPrompt
from tui.screens.ticker import TickerScreen
from tui.sources.base import BarInterval, Source
from widgets.charts import KeyNumbers
from widgets.status import StatusBar
from widgets.table import LiveTable

SIZES = [(200, 60), (120, 40), (80, 24), (40, 30)]


def table_text(table: LiveTable) -> list[str]:
    """What the table shows on screen, line by line (its visible height)."""
    return [table.render_line(y).text for y in range(table.size.height)]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_every_pane_fills_with_demo_data(size: tuple[int, int]) -> None:
    app = demo_app()
    async with app.run_test(size=size) as pilot:
        await wait_for_data(pilot, app)
        for pane, widget in panes(app).items():
            assert widget.table.rows, f"{pane.value} has no rows"
            assert "loading" not in str(widget.border_subtitle)
        status = app.dashboard.query_one(StatusBar)
        assert status.render().plain.startswith(" DEMO ")
        assert status.region.width == size[0] and status.region.height == 1


@pytest.mark.parametrize("size", [(200, 60), (160, 50), (120, 40)], ids=["200", "160", "120"])
async def test_wide_terminals_get_a_two_by_two_grid(size: tuple[int, int]) -> None:
    app = demo_app()
    async with app.run_test(size=size) as pilot:
        await wait_for_data(pilot, app)
        regions = {pane: widget.region for pane, widget in panes(app).items()}
        assert regions[Pane.INDICES].y == regions[Pane.SECTORS].y
        assert regions[Pane.SECTORS].x > regions[Pane.INDICES].x
        assert regions[Pane.SHORTS].y > regions[Pane.INDICES].y
        assert regions[Pane.CORRELATIONS].x == regions[Pane.SECTORS].x


@pytest.mark.parametrize("size", [(119, 40), (80, 24), (40, 30)], ids=["119", "80", "40"])
async def test_narrower_terminals_stack_the_panes(size: tuple[int, int]) -> None:
    app = demo_app()
    async with app.run_test(size=size) as pilot:
        await wait_for_data(pilot, app)
        widgets = list(panes(app).values())
        assert {widget.region.x for widget in widgets} == {0}
        assert [w.virtual_region.y for w in widgets] == sorted(w.virtual_region.y for w in widgets)


async def test_the_40_column_pane_shows_the_essentials_and_cuts_no_number() -> None:
    app = demo_app()
    async with app.run_test(size=(40, 30)) as pilot:
        await wait_for_data(pilot, app)
        essentials = {
            Pane.INDICES: {"name", "last", "change_pct"},
            Pane.SECTORS: {"etf", "change_pct", "flow"},
            Pane.SHORTS: {"symbol", "short_pct", "days_to_cover"},
            Pane.CORRELATIONS: {"name", "series", "now"},
        }
        for pane, widget in panes(app).items():
            shown = {column.key for column in widget.table.visible_columns}
            assert essentials[pane] <= shown, pane
            for line in table_text(widget.table):
                assert len(line) <= widget.table.size.width
        # A percentage is never cut mid-way: every "%" cell ends with the sign, digits and "%".
        indices = table_text(panes(app)[Pane.INDICES].table)
        assert any("%" in line for line in indices[1:])


async def test_a_terminal_too_small_shows_a_hint_not_a_crash() -> None:
    app = demo_app()
    async with app.run_test(size=(30, 10)) as pilot:
        hint = app.dashboard.query_one("#too-small", Static)
        await wait_until(pilot, lambda: hint.display and hint.region.width > 0, "the hint")
        assert "too small" in str(hint.render())
        assert not app.dashboard.query_one("#panes").display
        await pilot.resize_terminal(120, 40)
        await wait_for_data(pilot, app)
        assert not hint.display
        assert app.dashboard.query_one("#panes").display


async def test_enter_drills_into_the_row_under_the_cursor_and_escape_comes_back() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        indices = panes(app)[Pane.INDICES].table
        assert app.focused is indices
        await pilot.press("down")
        symbol = indices.cursor_key
        assert symbol == "^NDX"
        await pilot.press("enter")
        screen = await wait_for_drill_down(pilot, app, symbol)
        assert "Nasdaq-100" in str(screen.query_one("#ticker-title", Static).render())
        assert "DEMO" in str(screen.query_one("#ticker-title", Static).render())
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)


async def test_drill_down_ranges_switch_with_number_keys_and_brackets() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        app.open_ticker("MSFT")
        screen = await wait_for_drill_down(pilot, app, "MSFT")
        key_numbers = screen.query_one(KeyNumbers)
        assert key_numbers.view is not None and key_numbers.view.chart_range == "1D"
        for keys, expected in ((("3",), "1M"), (("]",), "6M"), (("[", "["), "5D"), (("5",), "1Y")):
            for key in keys:
                await pilot.press(key)
            for _ in range(100):
                view = key_numbers.view
                if view is not None and view.chart_range == expected:
                    break
                await pilot.pause(0.05)
            assert key_numbers.view is not None and key_numbers.view.chart_range == expected
        assert len(key_numbers.view.prices) > 200  # a year of daily closes


class HeldDrillDown:
    """The frozen demo market, except that the quote of one symbol on its own (what only the
    drill-down asks for) never comes: only cancelling the request ends it."""

    def __init__(self, inner: Source, symbol: str) -> None:
        self.inner = inner
        self.symbol = symbol
        self.held = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    async def quotes(self, symbols: Sequence[str]) -> object:
        if list(symbols) == [self.symbol]:
            self.held += 1
            await asyncio.Event().wait()  # never set
        return await self.inner.quotes(symbols)


async def test_leaving_the_drill_down_cancels_its_fetches() -> None:
    sources: list[HeldDrillDown] = []

    def factory(settings: Settings, as_of: dt.date | None) -> Source:
        sources.append(HeldDrillDown(frozen_demo(settings, as_of), "MSFT"))
        return sources[-1]  # type: ignore[return-value]

    app = TapewatchApp(demo_settings(), source_factory=factory)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        app.open_ticker("MSFT")
        await wait_until(pilot, lambda: sources[0].held > 0, "the drill-down's fetch")
        screen = app.screen
        assert isinstance(screen, TickerScreen)
        fetches = [worker for worker in app.workers if worker.node is screen]
        assert [worker.group for worker in fetches] == ["ticker-fetch"]
        assert [worker.state for worker in fetches] == [WorkerState.RUNNING]
        await pilot.press("escape")
        await wait_until(
            pilot,
            lambda: [worker.state for worker in fetches] == [WorkerState.CANCELLED],
            "the fetch to be cancelled",
        )
        assert isinstance(app.screen, DashboardScreen)


async def test_s_cycles_the_sort_of_the_focused_table() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        shorts = panes(app)[Pane.SHORTS]
        shorts.table.focus()
        await pilot.pause()
        before = [row.key for row in shorts.table.rows]
        assert "sort: SI %" in str(shorts.border_subtitle)
        await pilot.press("s")
        await pilot.pause()
        assert "sort: SI chg" in str(shorts.border_subtitle)
        after = [row.key for row in shorts.table.rows]
        assert sorted(after) == sorted(before) and after != before
        view = shorts.view
        assert view is not None
        changes = {row.symbol: row.short_change_pct for row in view.rows}
        shown = [changes[key] for key in after if changes[key] is not None]
        assert shown == sorted(shown, reverse=True)


async def test_tab_moves_between_the_panes() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        tables = [widget.table for widget in panes(app).values()]
        assert app.focused is tables[0]
        for table in tables[1:]:
            await pilot.press("tab")
            assert app.focused is table
        await pilot.press("shift+tab")
        assert app.focused is tables[2]


async def _prompt(pilot: Pilot[int], app: TapewatchApp, text: str) -> None:
    await pilot.press("slash")
    await pilot.pause()
    assert isinstance(app.screen, TickerPrompt)
    for character in text:
        await pilot.press(character if character != " " else "space")
    await pilot.press("enter")
    await pilot.pause()


async def test_slash_opens_a_ticker_by_symbol() -> None:
    app = demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(pilot, app)
        await _prompt(pilot, app, "msft")
        await wait_for_drill_down(pilot, app, "MSFT")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("ZZZZ", "ZZZZ is not in the demo market"),
        ("Q Q Q Q", "is not a ticker symbol"),  # nothing close either
    ],
)
async def test_slash_refuses_what_it_cannot_open_with_a_clear_message(
    typed: str, message: str
) -> None:
    app = demo_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_data(pilot, app)
        await _prompt(pilot, app, typed)
        assert isinstance(app.screen, TickerPrompt)
        assert message in str(app.screen.query_one("#prompt-message", Static).render())
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)


async def test_question_mark_shows_every_key_and_how_figures_are_computed() -> None:
    app = demo_app(demo_settings(keys={"sort": "o"}))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        markdown = app.screen.query_one("#help-text", Markdown)
        text = " ".join(markdown.source.split())
        assert "money-flow multiplier" in text and "z-score" in text
        assert "- `o` — sort the focused table" in text  # the user's own key, not `s`
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)


async def test_keys_remapped_in_the_config_work() -> None:
    app = demo_app(demo_settings(keys={"sort": "o"}))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        shorts = panes(app)[Pane.SHORTS]
        shorts.table.focus()
        await pilot.press("o")
        await pilot.pause()
        assert "sort: SI chg" in str(shorts.border_subtitle)


class CountingSource:
    """The frozen demo market, counting requests for daily bars (polled hourly, and woken by no
    other dataset: only `r` asks for them again within a test)."""

    def __init__(self, inner: Source) -> None:
        self.inner = inner
        self.daily_calls = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    async def bars(self, symbols: Sequence[str], interval: BarInterval, days: int) -> object:
        if interval == "1d":
            self.daily_calls += 1
        return await self.inner.bars(symbols, interval, days)


async def test_r_refreshes_now() -> None:
    sources: list[CountingSource] = []

    def factory(settings: Settings, as_of: dt.date | None) -> Source:
        source = CountingSource(frozen_demo(settings, as_of))
        sources.append(source)
        return source  # type: ignore[return-value]

    app = TapewatchApp(demo_settings(), source_factory=factory)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        await wait_until(pilot, lambda: sources[0].daily_calls > 0, "the first daily poll")
        before = sources[0].daily_calls
        await pilot.press("r")
        await wait_until(pilot, lambda: sources[0].daily_calls > before, "a daily poll after r")


async def test_no_color_still_shows_direction_with_signs_and_arrows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        assert app.no_color
        lines = table_text(panes(app)[Pane.INDICES].table)
        assert any("▼ −" in line for line in lines) and any("▲ +" in line for line in lines)


async def test_a_source_that_cannot_start_says_so_and_d_offers_the_demo() -> None:
    def broken(settings: Settings, as_of: dt.date | None) -> Source:
        if settings.source != "demo":
            raise OSError("no route to the data folder")
        return frozen_demo(settings, as_of)

    app = TapewatchApp(demo_settings(source="files"), source_factory=broken)
    async with app.run_test(size=(120, 40)) as pilot:
        status = app.dashboard.query_one(StatusBar)
        problem = "could not start the files source: no route to the data folder"
        await wait_until(pilot, lambda: problem in status.render().plain, "the problem")
        await pilot.press("d")
        await wait_for_data(pilot, app)
        assert app.dashboard.query_one(StatusBar).render().plain.startswith(" DEMO ")


async def test_the_command_palette_finds_tickers_by_name_and_opens_them() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        await pilot.press("ctrl+p")
        await pilot.pause()
        for character in "microsoft":
            await pilot.press(character)
        commands = app.screen.query_one(CommandList)
        for _ in range(100):  # the palette searches in a worker
            await pilot.pause(0.05)
            if commands.option_count and "MSFT" in str(commands.get_option_at_index(0).prompt):
                break
        assert "Microsoft" in str(commands.get_option_at_index(0).prompt)
        await pilot.press("enter")
        await wait_for_drill_down(pilot, app, "MSFT")


@pytest.mark.parametrize(
    ("typed", "sort"), [("sort focused", "SI chg ▼"), ("reverse sort", "SI % ▲")]
)
async def test_the_command_palette_sorts_the_focused_table(typed: str, sort: str) -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        shorts = panes(app)[Pane.SHORTS]
        shorts.table.focus()
        await pilot.press("ctrl+p")
        await pilot.press(*("space" if character == " " else character for character in typed))
        commands = app.screen.query_one(CommandList)
        await wait_until(pilot, lambda: commands.option_count > 0, "the palette's commands")
        await pilot.press("enter")
        await wait_until(pilot, lambda: shorts.sort.text == sort, f"the {sort} sort")
        assert app.focused is shorts.table


@pytest.mark.parametrize(
    ("size", "classes"),
    [
        ((200, 60), ["-wide", "-tall"]),
        ((120, 40), ["-wide", "-tall"]),
        ((119, 40), ["-stacked", "-tall"]),
        ((40, 30), ["-compact", "-tall"]),
        ((30, 10), ["-tiny", "-short"]),
    ],
)
async def test_layout_classes_are_on_the_dashboard_from_its_first_styling(
    size: tuple[int, int], classes: list[str]
) -> None:
    assert breakpoint_classes(*size) == classes
    app = demo_app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert app.dashboard.has_class(*classes)
