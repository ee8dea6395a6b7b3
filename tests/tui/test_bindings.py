"""Binding ids agree everywhere: the ids the config lets a user remap (`BINDING_IDS`) and the ids
the help screen shows (`KEY_ROWS`) are declared by real `Binding(..., id=...)`s, and every real
binding id a user should remap is in `BINDING_IDS`.

The ids are read from the BINDINGS of the App, screen and widget classes themselves (found by
importing their modules), not from the source text, so a renamed or dropped Binding fails here
instead of silently ignoring a user's `[keys]` entry.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections import defaultdict

from textual.binding import BindingsMap
from textual.dom import DOMNode

import tui.app  # imported for its bindings: the App declares quit, help and find
import tui.screens
import widgets
from tui.config import BINDING_IDS
from tui.config.keys import DEFAULT_KEYS
from tui.screens.help import KEY_ROWS
from widgets.table import LiveTable

# The table widget's own ids (cursor moves, activate) stay with the widget: they are not
# remapped through the config's [keys] table.
TABLE_WIDGET_PREFIX = "table."


def tapewatch_classes() -> list[type[DOMNode]]:
    """The App and every screen and widget class tapewatch defines."""
    for package in (tui.screens, widgets):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)
    found: list[type[DOMNode]] = []
    pending: list[type[DOMNode]] = [DOMNode]
    while pending:
        cls = pending.pop()
        for subclass in cls.__subclasses__():
            pending.append(subclass)
            if subclass.__module__.startswith(("tui.", "widgets.")) and subclass not in found:
                found.append(subclass)
    return found


def declared_ids() -> dict[str, set[str]]:
    """Binding id -> the classes whose own BINDINGS declare it."""
    declared: dict[str, set[str]] = defaultdict(set)
    for cls in tapewatch_classes():
        own = BindingsMap(cls.__dict__.get("BINDINGS", []))
        for bindings in own.key_to_bindings.values():
            for binding in bindings:
                if binding.id:
                    declared[binding.id].add(f"{cls.__module__}.{cls.__qualname__}")
    return declared


HELP_IDS = {binding_id for binding_id, *_ in KEY_ROWS if binding_id is not None}


def test_the_classes_are_found() -> None:
    names = {cls.__qualname__ for cls in tapewatch_classes()}
    assert {"TapewatchApp", "DashboardScreen", "TickerScreen", "HelpScreen", "LiveTable"} <= names


def test_every_binding_id_of_the_config_is_declared_by_a_binding() -> None:
    assert set(BINDING_IDS) - set(declared_ids()) == set()


def test_every_binding_id_of_the_help_is_declared_and_remappable() -> None:
    assert HELP_IDS - set(declared_ids()) == set()
    assert HELP_IDS - set(BINDING_IDS) == set()


def test_every_remappable_binding_is_listed_in_the_help() -> None:
    assert set(BINDING_IDS) - HELP_IDS == set()


def test_every_binding_id_outside_the_table_widget_is_remappable() -> None:
    declared = declared_ids()
    not_remappable = {
        binding_id: sorted(owners)
        for binding_id, owners in declared.items()
        if binding_id not in BINDING_IDS and not binding_id.startswith(TABLE_WIDGET_PREFIX)
    }
    assert not_remappable == {}


def test_table_ids_are_declared_only_by_the_table_widget() -> None:
    owners = {
        owner
        for binding_id, classes in declared_ids().items()
        if binding_id.startswith(TABLE_WIDGET_PREFIX)
        for owner in classes
    }
    assert owners == {f"{LiveTable.__module__}.{LiveTable.__qualname__}"}
    assert not any(binding_id.startswith(TABLE_WIDGET_PREFIX) for binding_id in BINDING_IDS)


def declared_keys() -> dict[str, set[str]]:
    """Binding id -> the keys its Bindings declare (in Textual's notation)."""
    keys: dict[str, set[str]] = defaultdict(set)
    for cls in tapewatch_classes():
        for key, bindings in BindingsMap(cls.__dict__.get("BINDINGS", [])).key_to_bindings.items():
            for binding in bindings:
                if binding.id:
                    keys[binding.id].add(key)
    return keys


def test_the_configs_default_keys_are_the_real_bindings_keys() -> None:
    """The config refuses a key that is another binding's only key: it must know them all."""
    declared = declared_keys()
    assert {name: set(keys) for name, keys in DEFAULT_KEYS.items()} == dict(declared)
