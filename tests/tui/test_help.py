"""Help matches the screen: every header any table can show, at any size, is explained in help;
nothing in help, the footers or the prompt is cut at the supported sizes."""

from __future__ import annotations

import re

import pytest
from textual.widgets import Markdown

from tests.tui.harness import (
    demo_app,
    panes,
    screen_text,
    wait_for_data,
    wait_for_drill_down,
    wait_until,
)
from tui.presenters.registry import PRESENTERS, SCREEN_PRESENTERS
from tui.presenters.table import Column
from tui.screens.help import HelpScreen, figures_markdown, keys_markdown

SIZES = [(200, 60), (120, 40), (80, 24), (40, 30)]
SIZE_IDS = [f"{w}x{h}" for w, h in SIZES]


def explained() -> dict[str, str]:
    """Each header help explains (in bold, as the glossary writes it) -> its explanation."""
    terms: dict[str, str] = {}
    for line in figures_markdown().splitlines():
        match = re.fullmatch(r"- \*\*(.+?)\*\*(?: \(narrow: \*\*(.+?)\*\*\))? — (.+)", line)
        if match:
            header, short, text = match.groups()
            terms[header] = text
            if short:
                terms[short] = text
    return terms


def every_table() -> dict[str, tuple[Column, ...]]:
    """The columns of every pane and of every screen opened from them (members, CORR)."""
    tables = {presenter.title: tuple(presenter.columns) for presenter in PRESENTERS.values()}
    return {**tables, **SCREEN_PRESENTERS}


def test_every_header_and_short_header_of_every_pane_is_explained() -> None:
    terms = explained()
    for title, columns in every_table().items():
        for column in columns:
            for header in column.headers:
                assert header in terms, f"{title}: {header!r} is not in help"
                assert len(terms[header].split()) >= 3, f"{header!r} is barely explained"


def test_help_names_no_column_the_tables_do_not_have() -> None:
    """Every header help explains is one a table can show (help said RS, vs bmk, Rel vol and
    SV ratio while the tables said vs S&P, vs bm 5d, RelVol and SV %)."""
    headers = {
        header
        for columns in every_table().values()
        for column in columns
        for header in column.headers
    }
    assert set(explained()) == headers


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
async def test_every_header_shown_at_any_size_is_explained_in_help(size: tuple[int, int]) -> None:
    terms = explained()
    app = demo_app()
    async with app.run_test(size=size) as pilot:
        await wait_for_data(pilot, app)
        for pane in panes(app).values():
            table = pane.table
            if table.size.width == 0:
                continue  # scrolled out of a short terminal: its headers are those of a width
            header_line = table.render_line(0).text
            for header in table.shown_headers:
                assert header in header_line
                assert header in terms, f"{size}: {pane.presenter.title} shows {header!r}"


@pytest.mark.parametrize("width", [40, 80, 120])
async def test_help_is_never_cut(width: int) -> None:
    app = demo_app()
    # Tall enough to show all of help at once; the width is what wraps or cuts it.
    async with app.run_test(size=(width, 560)) as pilot:
        await wait_for_data(pilot, app)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        markdown = app.screen.query_one("#help-text", Markdown)
        await wait_until(pilot, lambda: markdown.size.height > 50, "help's text")
        body = app.screen.query_one("#help-body").region
        lines = screen_text(app)[body.y : body.bottom]
        text = "\n".join(line[body.x : body.right] for line in lines)
        assert "…" not in text
        for phrase in (
            "Shift+Tab",
            "dashboard",
            "est today",
            "flow 1d",
            "vs bm 5d",
            "SV z",
            "1y ago",
        ):
            assert phrase in text


def test_the_key_list_wraps_instead_of_a_table() -> None:
    assert "|" not in keys_markdown({})


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 60)], ids=["80", "120", "200"])
async def test_footers_show_every_key_they_list_in_full(size: tuple[int, int]) -> None:
    app = demo_app()
    async with app.run_test(size=size) as pilot:
        await wait_for_data(pilot, app)
        for screen_name in ("dashboard", "drill-down", "W", "CORR", "members"):
            if screen_name == "drill-down":
                await pilot.press("enter")
                await wait_for_drill_down(pilot, app, "^GSPC")
            elif screen_name == "members":
                app.open_members("Mag 7")
            elif screen_name != "dashboard":
                app.run_command(app.codes().parse(screen_name))
            await wait_until(pilot, lambda: app.screen.is_mounted, screen_name)
            await pilot.pause()
            footer = screen_text(app)[-1]
            shown = [
                active.binding.description
                for active in app.screen.active_bindings.values()
                if active.binding.show and active.enabled
            ]
            assert shown
            for description in shown:
                assert description in footer, f"{screen_name} at {size}: {footer!r}"
            assert "palette" in footer


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
async def test_the_dashboard_cuts_no_header_key_or_status(size: tuple[int, int]) -> None:
    app = demo_app()
    async with app.run_test(size=size) as pilot:
        await wait_for_data(pilot, app)
        for pane in panes(app).values():
            if pane.table.size.width:
                assert "…" not in pane.table.render_line(0).text
        text = screen_text(app)
        assert "…" not in text[-1] and "…" not in text[-2]  # the footer (or status) lines
        if size[0] >= 120:
            assert not [line for line in text if "…" in line]  # names in full too


async def test_the_drill_downs_title_and_range_keys_wrap_at_40_columns() -> None:
    app = demo_app()
    async with app.run_test(size=(40, 30)) as pilot:
        await wait_for_data(pilot, app)
        app.open_ticker("MSFT")
        await wait_for_drill_down(pilot, app, "MSFT")
        text = " ".join(" ".join(screen_text(app)).split())
        assert "Microsoft Corporation · Information Technology" in text
        assert "[ ] change range" in text
