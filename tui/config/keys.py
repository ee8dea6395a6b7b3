"""Key names: the binding ids a user may remap under ``[keys]``, and keys in Textual's notation."""

from __future__ import annotations

import re
import unicodedata

# Binding ids the user may rebind under [keys]: the ids of the bindings of the App, its screens
# and the panes (tests/tui/test_bindings.py checks both ways; the table widget's own ids,
# `table.*`, are not remappable here).
BINDING_IDS: tuple[str, ...] = (
    "quit",
    "help",
    "find",
    "refresh",
    "sort",
    "reverse_sort",
    "next_pane",
    "prev_pane",
    "zoom",
    "back",
    "range_prev",
    "range_next",
    "use_demo",
    "alert",
    "alerts",
    "delete_alert",
    "watch_add",
    "watch_remove",
    "next_list",
    "prev_list",
    "toggle_change",
    "replay_pause",
    "replay_step",
    "replay_faster",
    "replay_slower",
)

# The keys each binding has unless the config remaps it, in Textual's notation: the remappable
# ones, and the tables' own (not remappable, but a binding must not take their only key).
# tests/tui/test_bindings.py checks these against the real bindings.
DEFAULT_KEYS: dict[str, tuple[str, ...]] = {
    "quit": ("q",),
    "help": ("question_mark",),
    "find": ("slash",),
    "refresh": ("r",),
    "sort": ("s",),
    "reverse_sort": ("S",),
    "next_pane": ("tab",),
    "prev_pane": ("shift+tab",),
    "zoom": ("z",),
    "back": ("escape",),
    "range_prev": ("left_square_bracket",),
    "range_next": ("right_square_bracket",),
    "use_demo": ("d",),
    "alert": ("a",),
    "alerts": ("A",),
    "delete_alert": ("x",),
    "watch_add": ("plus",),
    "watch_remove": ("minus",),
    "next_list": ("tab",),
    "prev_list": ("shift+tab",),
    "toggle_change": ("c",),
    "replay_pause": ("p",),
    "replay_step": ("n",),
    "replay_faster": ("greater_than_sign",),
    "replay_slower": ("less_than_sign",),
    "table.activate": ("enter",),
    "table.cursor_up": ("up", "k"),
    "table.cursor_down": ("down", "j"),
    "table.cursor_top": ("home", "g"),
    "table.cursor_bottom": ("end", "G"),
    "table.page_up": ("pageup",),
    "table.page_down": ("pagedown",),
}

_MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")
# Terminal multiplexers take these before the application ever sees them.
RESERVED_KEYS = {
    "ctrl+b": "tmux's prefix key",
    "ctrl+a": "GNU screen's command key (and a common tmux prefix)",
}
# Textual names a punctuation key after its Unicode name, with these shortenings.
_CHARACTER_KEY_NAMES = {
    "solidus": "slash",
    "reverse_solidus": "backslash",
    "commercial_at": "at",
    "hyphen_minus": "minus",
    "plus_sign": "plus",
    "low_line": "underscore",
}


def _character_key(character: str) -> str:
    """Textual's name for the key that types ``character`` (``?`` -> ``question_mark``)."""
    if character.isalnum():
        return character
    try:
        name = unicodedata.name(character).lower().replace("-", "_").replace(" ", "_")
    except ValueError:
        raise ValueError(f"{character!r} is not a key") from None
    return _CHARACTER_KEY_NAMES.get(name, name)


def normalize_key(text: str) -> str:
    """One key in Textual's notation (``ctrl+shift+f1``, ``question_mark``, ``G``)."""
    key = text.strip()
    if not key:
        raise ValueError("a key name is empty")
    if len(key) == 1:
        return _character_key(key)
    *modifiers, base = (part.strip() for part in key.split("+"))
    for modifier in modifiers:
        if modifier.lower() not in _MODIFIERS:
            raise ValueError(
                f"`{modifier}` in `{key}` is not a modifier (use {', '.join(_MODIFIERS)})"
            )
    if len(base) == 1:
        base = _character_key(base)
    elif not re.fullmatch(r"\w+", base):
        raise ValueError(f"`{key}` is not a key name")
    else:
        base = base.lower()  # named keys (escape, f1, pageup) are lower-case in Textual
    return "+".join([*(modifier.lower() for modifier in modifiers), base])
