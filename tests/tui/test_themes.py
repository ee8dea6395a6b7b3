"""Themes: the names the config accepts are the themes the app has, and gains and losses are
drawn in strong colours that survive 256- and 16-colour terminals (ANSI green and red there)."""

from __future__ import annotations

import pytest
from rich.color import ColorSystem
from rich.segment import Segment
from textual.strip import Strip
from textual.theme import BUILTIN_THEMES

from tests.tui.harness import demo_app, demo_settings, panes, wait_for_data
from tui.config.themes import TAPEWATCH_THEMES, TEXTUAL_THEMES, THEME_NAMES
from tui.models import Pane
from tui.themes import THEMES


def test_the_configs_theme_names_are_textuals_builtin_themes_and_ours() -> None:
    assert set(TEXTUAL_THEMES) == set(BUILTIN_THEMES)
    assert set(TAPEWATCH_THEMES) == {theme.name for theme in THEMES}
    assert len(THEME_NAMES) == len(set(THEME_NAMES))


async def test_the_app_has_exactly_the_themes_the_config_accepts() -> None:
    app = demo_app()
    async with app.run_test(size=(80, 24)):
        assert set(app.available_themes) == set(THEME_NAMES)


def foreground(segment: Segment, color_system: ColorSystem) -> str:
    """The foreground colour a terminal of ``color_system`` is sent for ``segment``: the SGR
    parameters "92" (bright green) or "38;5;41" (256-colour entry 41)."""
    assert segment.style is not None
    assert segment.style.color is not None
    rendered = segment.style.color.downgrade(color_system).get_ansi_codes(foreground=True)
    return ";".join(rendered)


def toned_segments(strips: list[Strip]) -> tuple[Segment, Segment]:
    """The first gain (▲) and the first loss (▼) of the rows."""
    segments = [segment for strip in strips for segment in strip]
    gain = next(segment for segment in segments if segment.text.strip().startswith("▲"))
    loss = next(segment for segment in segments if segment.text.strip().startswith("▼"))
    return gain, loss


# color system -> (SGR of a gain, SGR of a loss), by theme.
STANDARD, EIGHT_BIT = ColorSystem.STANDARD, ColorSystem.EIGHT_BIT
EXPECTED = {
    "textual-dark": {STANDARD: ("92", "91"), EIGHT_BIT: ("38;5;41", "38;5;203")},
    "textual-light": {STANDARD: ("32", "31"), EIGHT_BIT: ("38;5;28", "38;5;160")},
    "tapewatch-colorblind": {STANDARD: ("96", "93"), EIGHT_BIT: ("38;5;75", "38;5;214")},
}


@pytest.mark.parametrize("theme", list(EXPECTED))
async def test_gains_and_losses_in_16_and_256_colours(theme: str) -> None:
    app = demo_app(demo_settings(theme=theme))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        table = panes(app)[Pane.INDICES].table
        rows = [table.render_line(y) for y in range(2, len(table.rows) + 1)]  # not the cursor's
        gain, loss = toned_segments(rows)
        for color_system, expected in EXPECTED[theme].items():
            # (Before: both 37, the same grey, in 16 colours; pale 115 and 174 in 256.)
            assert (foreground(gain, color_system), foreground(loss, color_system)) == expected
