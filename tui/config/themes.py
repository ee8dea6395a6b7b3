"""The colour themes a config may name: Textual's built-in themes and tapewatch's own.

No textual import (the config is read before Textual is), so the names are listed here;
tests/tui/test_themes.py checks them against Textual's built-in themes and the themes the app
registers.
"""

from __future__ import annotations

# Textual's built-in themes (textual.theme.BUILTIN_THEMES in the pinned version).
TEXTUAL_THEMES: tuple[str, ...] = (
    "textual-dark",
    "textual-light",
    "nord",
    "gruvbox",
    "catppuccin-mocha",
    "catppuccin-latte",
    "catppuccin-frappe",
    "catppuccin-macchiato",
    "dracula",
    "tokyo-night",
    "monokai",
    "flexoki",
    "solarized-light",
    "solarized-dark",
    "rose-pine",
    "rose-pine-moon",
    "rose-pine-dawn",
    "atom-one-dark",
    "atom-one-light",
    "ansi-dark",
    "ansi-light",
)

# tapewatch's own: gains in blue and losses in orange, told apart without red and green.
COLORBLIND_THEME = "tapewatch-colorblind"
TAPEWATCH_THEMES: tuple[str, ...] = (COLORBLIND_THEME,)

THEME_NAMES: tuple[str, ...] = TEXTUAL_THEMES + TAPEWATCH_THEMES
