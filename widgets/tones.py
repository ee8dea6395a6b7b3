"""The colours widgets give their text, defined once: the live tables, the drill-down's key
numbers and the status bar all take them from here.

A widget that colours text declares `tone_classes(prefix)` among its component classes, adds
`tone_css(selector, prefix)` to its DEFAULT_CSS (both with `ALL_ROLES` if it also warns), and asks
`tone_style` for the style of a role (success, error, warning, muted) or of a presenter's tone
(up, down, muted). The theme decides the actual colours, so every theme (and NO_COLOR) applies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from rich.style import Style
from textual.widget import Widget

from tui.presenters.table import Tone

Role = Literal["success", "error", "warning", "muted"]

ROLE_COLOURS: Mapping[Role, str] = {
    "success": "$text-success",
    "error": "$text-error",
    "warning": "$text-warning",
    "muted": "$text-muted",
}

# What each role and each presenter's tone is shown as: a rise in the success colour, a fall in
# the error colour.
_ROLE_OF: Mapping[Role | Tone, Role] = {
    "success": "success",
    "error": "error",
    "warning": "warning",
    "muted": "muted",
    "up": "success",
    "down": "error",
}

# The roles a presenter's tones take: what tables and figures colour.
TONE_ROLES: tuple[Role, ...] = ("success", "error", "muted")
ALL_ROLES: tuple[Role, ...] = tuple(ROLE_COLOURS)


def tone_classes(prefix: str, roles: Sequence[Role] = TONE_ROLES) -> set[str]:
    """The component classes of ``roles``, for a widget's COMPONENT_CLASSES. (Only the roles a
    widget uses: each component class costs styling time at start-up.)"""
    return {f"{prefix}--{role}" for role in roles}


def tone_css(selector: str, prefix: str, roles: Sequence[Role] = TONE_ROLES) -> str:
    """The rules that colour those component classes, for a widget's DEFAULT_CSS."""
    rules = "\n".join(
        f"    & > .{prefix}--{role} {{ color: {ROLE_COLOURS[role]}; }}" for role in roles
    )
    return f"\n{selector} {{\n{rules}\n}}\n"


def tone_style(
    widget: Widget, prefix: str, tone: Role | Tone | None, *, partial: bool = False
) -> Style | None:
    """The style ``widget`` gives text of ``tone`` (a role, or a presenter's tone); None for no
    tone."""
    if tone is None:
        return None
    return widget.get_component_rich_style(f"{prefix}--{_ROLE_OF[tone]}", partial=partial)
