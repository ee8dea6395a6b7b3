"""The colours of gains and losses, and tapewatch's own theme.

Widgets colour a rise with `$text-success` and a fall with `$text-error` (widgets/tones.py).
Textual derives those from a theme's success and error colours by lightening them, which on a
256-colour terminal comes out as pale 115 and 174 and on a 16-colour one (TERM=xterm, screen,
vt100) as the same grey for both. The app replaces them with strong colours chosen to land on
exact entries of both palettes: in 256 colours 41 and 203 on a dark background (28 and 160 on a
light one), in 16 colours ANSI bright green and bright red (green and red). The colour-blind
theme keeps blue for gains and orange for losses (cyan and yellow in 16 colours).
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.theme import Theme

from tui.config.themes import COLORBLIND_THEME

# (gain, loss) on a dark and on a light background.
DARK_TONES = ("#00D75F", "#FF5F5F")
LIGHT_TONES = ("#008700", "#D70000")
COLORBLIND_TONES = ("#5FAFFF", "#FFAF00")


def _tones(gain: str, loss: str) -> dict[str, str]:
    return {"text-success": gain, "text-error": loss}


COLORBLIND = Theme(
    name=COLORBLIND_THEME,
    primary="#0178D4",
    secondary="#004578",
    accent="#56B4E9",
    warning="#F0E442",  # yellow: orange means a loss here
    error=COLORBLIND_TONES[1],
    success=COLORBLIND_TONES[0],
    foreground="#e0e0e0",
    dark=True,
    variables=_tones(*COLORBLIND_TONES),
)

THEMES: tuple[Theme, ...] = (COLORBLIND,)


def tone_variables(theme: Theme) -> Mapping[str, str]:
    """The gain and loss colours under ``theme``: its own if it sets them (the colour-blind
    theme), none for the ANSI themes (the terminal's own colours), else the strong defaults."""
    if theme.ansi or "text-success" in theme.variables:
        return {}
    return _tones(*(DARK_TONES if theme.dark else LIGHT_TONES))
