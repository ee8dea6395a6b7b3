"""The generic TOML -> dataclass reader and the problems it reports: it walks the data against
the settings dataclasses' types, and runs the checks beyond the type that it is given (the
checks themselves are in `tui.config.checks`, `tui.config.alert_checks` and
`tui.config.sections`)."""

from __future__ import annotations

import difflib
import math
import types
from collections.abc import Callable, Mapping, Sequence
from dataclasses import MISSING, dataclass, fields, is_dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from tui.config.settings import Settings
from tui.plain import plain, shorten, shown


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One thing wrong with a config file: where (a key path such as ``baskets[1].symbols[3]``,
    empty for the file as a whole) and what was expected and found."""

    key: str
    message: str

    def __post_init__(self) -> None:
        # Printed to the terminal: what is quoted from the file is plain text, and a problem is
        # a line, never a page (values are cut where they are quoted; this is the backstop).
        object.__setattr__(self, "key", shorten(plain(self.key), 200))
        object.__setattr__(self, "message", shorten(plain(self.message), 500))

    def __str__(self) -> str:
        return f"{self.key}: {self.message}" if self.key else self.message


class ConfigError(Exception):
    """A config file that cannot be used, with every problem found in it."""

    def __init__(self, path: Path | None, problems: Sequence[ConfigProblem]) -> None:
        self.path = path
        self.problems = tuple(problems)
        super().__init__(self.report())

    def report(self) -> str:
        """Every problem, one a line, under a heading naming the file."""
        count = len(self.problems)
        where = str(self.path) if self.path is not None else "the settings"
        heading = f"{count} problem{'' if count == 1 else 's'} in {where}"
        if any("[" in problem.key for problem in self.problems):
            heading += " (array positions count from 0)"
        return "\n".join([heading + ":", *(f"  {problem}" for problem in self.problems)])


# --- the generic TOML -> dataclass reader ------------------------------------------------------


class Invalid:
    """Stands for a value that failed validation (its problem is already reported)."""


INVALID = Invalid()

# What to say beside "expected ..., found ..." at these keys.
_SHAPE_HINTS: dict[str, str] = {
    "alerts": " (write one [[alerts]] table per rule; on_alert and the defaults go under "
    "[alerting] and [alerting.defaults])",
}

# Fields that never come from the file.
_NOT_IN_FILE: frozenset[tuple[type, str]] = frozenset({(Settings, "path")})

_SINGULARS: dict[Any, str] = {
    str: "a string",
    int: "a whole number",
    float: "a number",
    bool: "true or false",
}
_PLURALS: dict[Any, str] = {
    str: "strings",
    int: "whole numbers",
    float: "numbers",
    bool: "true/false values",
}


@cache
def _type_hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def join_key(parent: str, name: str) -> str:
    """A key path; a name from the file is cut (it is quoted in problems)."""
    name = shown(name, 40)
    return f"{parent}.{name}" if parent else name


def describe(value: object) -> str:
    """How a TOML value reads in a problem report: a string cut and without control
    characters, so that a megabyte or an escape sequence is never echoed."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + shown(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return f"an array of {len(value)} item{'' if len(value) == 1 else 's'}"
    return f"the date/time {value}"


def _expected(hint: Any) -> str:
    """What a value of a settings type looks like, for a problem report."""
    origin = get_origin(hint)
    if hint in _SINGULARS:
        return _SINGULARS[hint]
    if origin is Literal:
        options = [f'"{option}"' for option in get_args(hint)]
        return "one of " + ", ".join(options[:-1]) + " or " + options[-1]
    if origin in (Union, types.UnionType):
        return _expected(_non_none(hint))
    if origin is tuple:
        item = get_args(hint)[0]
        return "an array of " + ("tables" if is_dataclass(item) else _PLURALS.get(item, "names"))
    if origin is dict:
        return f"a table of {_PLURALS[get_args(hint)[1]]}"
    return "a table"


def _non_none(hint: Any) -> Any:
    (inner,) = [arg for arg in get_args(hint) if arg is not type(None)]
    return inner


def did_you_mean(word: str, options: Sequence[str]) -> str | None:
    close = difflib.get_close_matches(word, options, n=1)
    return close[0] if close else None


class Reader:
    """Walks TOML data against the settings dataclasses, collecting every problem; a field's
    and a dataclass's checks beyond the type come from the tables it is given."""

    def __init__(
        self,
        field_checks: Mapping[tuple[type, str], FieldCheck],
        object_checks: Mapping[type, ObjectCheck],
    ) -> None:
        self.problems: list[ConfigProblem] = []
        self.field_checks = field_checks
        self.object_checks = object_checks

    def report(self, key: str, message: str) -> None:
        self.problems.append(ConfigProblem(key, message))

    def wrong(self, key: str, expected: str, value: object) -> Invalid:
        hint = _SHAPE_HINTS.get(key)
        self.report(key, f"expected {expected}, found {describe(value)}{hint or ''}")
        return INVALID

    def read_dataclass(self, cls: type, table: object, key: str) -> Any:
        if not isinstance(table, dict):
            return self.wrong(key, "a table", table)
        hints = _type_hints(cls)
        settable = [f for f in fields(cls) if (cls, f.name) not in _NOT_IN_FILE]
        names = [f.name for f in settable]
        for name in table:
            if name not in names:
                if suggestion := did_you_mean(name, names):
                    hint = f"did you mean `{join_key(key, suggestion)}`?"
                else:
                    hint = "valid keys here: " + ", ".join(names)
                self.report(join_key(key, name), f"unknown key ({hint})")
        problems_before = len(self.problems)
        values: dict[str, Any] = {}
        for settable_field in settable:
            name = settable_field.name
            field_key = join_key(key, name)
            if name not in table:
                if settable_field.default is MISSING and settable_field.default_factory is MISSING:
                    self.report(field_key, f"missing key (expected {_expected(hints[name])})")
                continue
            value = self.read_value(table[name], hints[name], field_key)
            if value is not INVALID and (check := self.field_checks.get((cls, name))):
                value = check(value, field_key, self)
            values[name] = value
        if len(self.problems) > problems_before:
            return INVALID
        instance = cls(**values)
        if object_check := self.object_checks.get(cls):
            object_check(instance, key, self)
        return instance if len(self.problems) == problems_before else INVALID

    def read_value(self, value: object, hint: Any, key: str) -> Any:
        origin = get_origin(hint)
        if hint is bool:
            return value if isinstance(value, bool) else self.wrong(key, _SINGULARS[bool], value)
        if hint is str:
            return value if isinstance(value, str) else self.wrong(key, _SINGULARS[str], value)
        if hint is int:
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            return self.wrong(key, _SINGULARS[int], value)
        if hint is float:
            if isinstance(value, int | float) and not isinstance(value, bool):
                if math.isfinite(value):
                    return float(value)
                return self.wrong(key, "a finite number", value)
            return self.wrong(key, _SINGULARS[float], value)
        if origin is Literal:
            options = get_args(hint)
            if value in options:
                return value
            message = f"expected {_expected(hint)}, found {describe(value)}"
            if isinstance(value, str) and (suggestion := did_you_mean(value, options)):
                message += f' (did you mean "{suggestion}"?)'
            self.report(key, message)
            return INVALID
        if origin in (Union, types.UnionType):
            return self.read_value(value, _non_none(hint), key)
        if origin is tuple:
            if not isinstance(value, list):
                return self.wrong(key, _expected(hint), value)
            item_hint = get_args(hint)[0]
            items = [
                self.read_value(item, item_hint, f"{key}[{index}]")
                for index, item in enumerate(value)
            ]
            # Invalid items stay in place (already reported) so that checks across the array,
            # such as duplicate names, still run on the others with their true positions.
            return tuple(items)
        if origin is dict:
            if not isinstance(value, dict):
                return self.wrong(key, _expected(hint), value)
            value_hint = get_args(hint)[1]
            entries = {
                name: self.read_value(item, value_hint, join_key(key, name))
                for name, item in value.items()
            }
            return entries
        if isinstance(hint, type) and is_dataclass(hint):
            return self.read_dataclass(hint, value, key)
        raise TypeError(f"settings type {hint!r} at {key} is not supported by the loader")


# What a check beyond the type is given: the value read (or the dataclass built), its key path,
# and the reader to report problems to.
FieldCheck = Callable[[Any, str, Reader], Any]
ObjectCheck = Callable[[Any, str, Reader], None]
