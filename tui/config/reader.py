"""The generic TOML -> dataclass reader, the checks beyond the type (ranges, symbols, names,
keys), and the problems they report."""

from __future__ import annotations

import difflib
import math
import string
import types
from collections.abc import Callable, Sequence
from dataclasses import MISSING, dataclass, fields, is_dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints
from urllib.parse import urlsplit

from tui.config.keys import BINDING_IDS, DEFAULT_KEYS, RESERVED_KEYS, normalize_key
from tui.config.settings import (
    ANY_SYMBOL,
    BASKET_ALERT_FIELDS,
    CORRELATION_ALERT_FIELDS,
    DASHBOARD_SLOTS,
    MEMBER_ALERT_FIELDS,
    SYMBOL_OR_BASKET_ALERT_FIELDS,
    AlertingSettings,
    AlertRule,
    Basket,
    CorrelationSettings,
    DemoSettings,
    FinraSettings,
    HttpSettings,
    IndexSpec,
    LayoutSettings,
    RefreshSettings,
    RemoteSettings,
    SecSettings,
    SectorSpec,
    Settings,
    ShortedSettings,
    SsgaSettings,
    StreamSettings,
    Watchlist,
    YahooSettings,
)
from tui.config.themes import THEME_NAMES
from tui.plain import plain, shorten, shown
from tui.symbols import parse_symbol


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


class _Invalid:
    """Stands for a value that failed validation (its problem is already reported)."""


_INVALID = _Invalid()

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


def _join(parent: str, name: str) -> str:
    """A key path; a name from the file is cut (it is quoted in problems)."""
    name = shown(name, 40)
    return f"{parent}.{name}" if parent else name


def _describe(value: object) -> str:
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


def _did_you_mean(word: str, options: Sequence[str]) -> str | None:
    close = difflib.get_close_matches(word, options, n=1)
    return close[0] if close else None


class Reader:
    """Walks TOML data against the settings dataclasses, collecting every problem."""

    def __init__(self) -> None:
        self.problems: list[ConfigProblem] = []

    def report(self, key: str, message: str) -> None:
        self.problems.append(ConfigProblem(key, message))

    def wrong(self, key: str, expected: str, value: object) -> _Invalid:
        hint = _SHAPE_HINTS.get(key)
        self.report(key, f"expected {expected}, found {_describe(value)}{hint or ''}")
        return _INVALID

    def read_dataclass(self, cls: type, table: object, key: str) -> Any:
        if not isinstance(table, dict):
            return self.wrong(key, "a table", table)
        hints = _type_hints(cls)
        settable = [f for f in fields(cls) if (cls, f.name) not in _NOT_IN_FILE]
        names = [f.name for f in settable]
        for name in table:
            if name not in names:
                if suggestion := _did_you_mean(name, names):
                    hint = f"did you mean `{_join(key, suggestion)}`?"
                else:
                    hint = "valid keys here: " + ", ".join(names)
                self.report(_join(key, name), f"unknown key ({hint})")
        problems_before = len(self.problems)
        values: dict[str, Any] = {}
        for settable_field in settable:
            name = settable_field.name
            field_key = _join(key, name)
            if name not in table:
                if settable_field.default is MISSING and settable_field.default_factory is MISSING:
                    self.report(field_key, f"missing key (expected {_expected(hints[name])})")
                continue
            value = self.read_value(table[name], hints[name], field_key)
            if value is not _INVALID and (check := _FIELD_CHECKS.get((cls, name))):
                value = check(value, field_key, self)
            values[name] = value
        if len(self.problems) > problems_before:
            return _INVALID
        instance = cls(**values)
        if object_check := _OBJECT_CHECKS.get(cls):
            object_check(instance, key, self)
        return instance if len(self.problems) == problems_before else _INVALID

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
            message = f"expected {_expected(hint)}, found {_describe(value)}"
            if isinstance(value, str) and (suggestion := _did_you_mean(value, options)):
                message += f' (did you mean "{suggestion}"?)'
            self.report(key, message)
            return _INVALID
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
                name: self.read_value(item, value_hint, _join(key, name))
                for name, item in value.items()
            }
            return entries
        if isinstance(hint, type) and is_dataclass(hint):
            return self.read_dataclass(hint, value, key)
        raise TypeError(f"settings type {hint!r} at {key} is not supported by the loader")


# --- checks beyond the type: ranges, symbols, names, keys ----------------------------------------

FieldCheck = Callable[[Any, str, Reader], Any]
ObjectCheck = Callable[[Any, str, Reader], None]


def _at_least(minimum: float, unit: str, why: str) -> FieldCheck:
    def check(value: float, key: str, reader: Reader) -> float:
        if value < minimum:
            reader.report(key, f"expected at least {minimum:g}{unit}, found {value:g} ({why})")
        return value

    return check


def _between(low: int, high: int, unit: str, why: str) -> FieldCheck:
    def check(value: int, key: str, reader: Reader) -> int:
        if not low <= value <= high:
            reader.report(key, f"expected {low} to {high}{unit}, found {value} ({why})")
        return value

    return check


def _positive(maximum: float | None, unit: str, why: str) -> FieldCheck:
    def check(value: float, key: str, reader: Reader) -> float:
        if value <= 0 or (maximum is not None and value > maximum):
            at_most = f" and at most {maximum:g}" if maximum is not None else ""
            reader.report(key, f"expected more than 0{at_most}{unit}, found {value:g} ({why})")
        return value

    return check


def _theme(value: str, key: str, reader: Reader) -> str:
    name = value.strip()
    if name not in THEME_NAMES:
        suggestion = _did_you_mean(name, THEME_NAMES)
        hint = (
            f"did you mean `{suggestion}`?" if suggestion else "themes: " + ", ".join(THEME_NAMES)
        )
        reader.report(key, f"unknown theme {_describe(value)} ({hint})")
    return name


def _non_empty(value: str, key: str, reader: Reader) -> str:
    if not value.strip():
        reader.wrong(key, "a non-empty string", value)
    return value.strip()


def _label(value: str, key: str, reader: Reader) -> str:
    """A name shown on screen (an index's label, a basket's name): non-empty, and plain text,
    so no control character in it reaches the terminal (tui.plain)."""
    return _non_empty(plain(value), key, reader)


def _header_value(value: str, key: str, reader: Reader) -> str:
    """Text sent in an HTTP header (the User-Agent): printable ASCII on one line. A line break
    would end the header, and any other control or non-ASCII character makes every request
    fail before it is sent."""
    position = next(
        (index for index, character in enumerate(value) if not " " <= character <= "~"), None
    )
    if position is not None:
        reader.report(
            key,
            "expected printable ASCII on one line (it is sent in an HTTP header), found "
            f"U+{ord(value[position]):04X} at character {position + 1}",
        )
    return value


def _url(value: str, key: str, reader: Reader) -> str:
    if not value.startswith(("http://", "https://")):
        reader.wrong(key, "an http:// or https:// URL", value)
    return value


# The schemes a NATS client connects with: plain, TLS, and over websockets.
NATS_SCHEMES = ("nats", "tls", "ws", "wss")


def nats_url_problem(url: str) -> str | None:
    """Why ``url`` is not a NATS server's URL (nats://desk-host:4222), or None if it is one."""
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0  # a port that is not a number raises
    except ValueError:
        parts, port_ok = None, False
    if parts is None or not port_ok or parts.scheme not in NATS_SCHEMES or not parts.hostname:
        schemes = ", ".join(f"{scheme}://" for scheme in NATS_SCHEMES)
        # A URL can carry a password (user:password@host): never echo one.
        found = "a URL with credentials in it" if "@" in url else _describe(url)
        return (
            f'expected a NATS server\'s URL ({schemes}) such as "nats://desk-host:4222", '
            f"found {found}"
        )
    return None


def _nats_url(value: str, key: str, reader: Reader) -> str:
    """Empty (not set) or a NATS server's URL with a host: nats://desk-host:4222."""
    value = value.strip()
    if value and (problem := nats_url_problem(value)):
        reader.report(key, problem)
    return value


def _existing_file(value: str, key: str, reader: Reader) -> str:
    """Empty (not set) or a file that exists (``~`` is the home folder)."""
    value = value.strip()
    if value and not Path(value).expanduser().is_file():
        reader.report(key, f"no such file: {_describe(value)}")
    return value


def _websocket_url(value: str, key: str, reader: Reader) -> str:
    if value and not value.startswith(("ws://", "wss://")):
        reader.wrong(key, 'a ws:// or wss:// URL (or "" for the provider\'s own)', value)
    return value


def _clock_time(value: str, key: str, reader: Reader) -> str:
    """A New York time "HH:MM" between the pre-market open (04:00) and the post-market close."""
    hours, _, minutes = value.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        reader.wrong(key, 'a time "HH:MM"', value)
        return value
    moment = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or not 4 * 60 <= moment <= 20 * 60:
        reader.wrong(key, 'a New York time from "04:00" (pre-market) to "20:00"', value)
    return f"{int(hours):02d}:{minutes}"


def _symbol(value: str, key: str, reader: Reader) -> str | _Invalid:
    try:
        return parse_symbol(value)
    except ValueError as error:
        reader.report(key, str(error))
        return _INVALID


# The Correlations pane was measured to refresh a basket of this many members in under 200 ms and
# 300 MB (benchmarks/correlation_memory.py); its memory and time grow with the members.
MAX_BASKET_SYMBOLS = 1000
TOO_MANY_BASKET_SYMBOLS = (
    f"the Correlations pane is built to refresh a basket of up to {MAX_BASKET_SYMBOLS} members "
    "in under 200 ms and 300 MB; split a larger one into several baskets"
)
# Every symbol of a watchlist is quoted at each quotes poll, with the dashboard's own.
MAX_WATCHLIST_SYMBOLS = 200
TOO_MANY_WATCHLIST_SYMBOLS = (
    "each is quoted at every quotes poll, as often as the dashboard's own symbols; split a "
    "longer list into several watchlists"
)


def _symbols(
    minimum: int = 0, why: str = "", maximum: int | None = None, too_many: str = ""
) -> FieldCheck:
    def check(
        values: tuple[str | _Invalid, ...], key: str, reader: Reader
    ) -> tuple[str | _Invalid, ...]:
        symbols = tuple(
            _INVALID if isinstance(text, _Invalid) else _symbol(text, f"{key}[{index}]", reader)
            for index, text in enumerate(values)
        )
        first_seen: dict[str, int] = {}
        for index, symbol in enumerate(symbols):
            if isinstance(symbol, _Invalid):
                continue
            if symbol in first_seen:
                reader.report(
                    f"{key}[{index}]",
                    f"`{symbol}` is already listed at {key}[{first_seen[symbol]}]",
                )
            first_seen.setdefault(symbol, index)
        if len(values) < minimum:
            reader.report(key, f"expected at least {minimum} symbols, found {len(values)} ({why})")
        if maximum is not None and len(values) > maximum:
            reader.report(
                key, f"expected at most {maximum} symbols, found {len(values)} ({too_many})"
            )
        return symbols

    return check


def _unique(attribute: str, describe: str) -> FieldCheck:
    """Each item of an array of tables must differ in ``attribute`` (rows are keyed by it)."""

    def check(items: tuple[Any, ...], key: str, reader: Reader) -> tuple[Any, ...]:
        first_seen: dict[str, int] = {}
        for index, item in enumerate(items):
            if item is _INVALID:
                continue
            value = getattr(item, attribute)
            identity = value.casefold()
            if identity in first_seen:
                reader.report(
                    f"{key}[{index}].{attribute}",
                    f"{describe} `{shown(value)}` is already used by {key}[{first_seen[identity]}]",
                )
            first_seen.setdefault(identity, index)
        return items

    return check


def _key_bindings(keymap: dict[str, str | _Invalid], key: str, reader: Reader) -> dict[str, str]:
    normalized = _bound_keys(keymap, key, reader)
    # The keys every binding ends up with: a key bound here leaves any other binding that had
    # it as its only key with none (Textual takes it from the other binding).
    effective = {
        **DEFAULT_KEYS,
        **{name: tuple(keys.split(",")) for name, keys in normalized.items()},
    }
    for binding_id, keys in normalized.items():
        for bound_key in keys.split(","):
            for other, other_keys in effective.items():
                if other != binding_id and other_keys == (bound_key,):
                    reader.report(
                        _join(key, binding_id),
                        f"`{bound_key}` is the only key of `{other}`: `{binding_id}` would take "
                        f"it and leave `{other}` without a key (choose another key, or give "
                        f"`{other}` one under [keys])",
                    )
    return normalized


def _bound_keys(keymap: dict[str, str | _Invalid], key: str, reader: Reader) -> dict[str, str]:
    """Each known binding's keys in Textual's notation, comma-separated; reports unknown
    bindings, key names that are not keys, reserved keys and a key given to two bindings."""
    normalized: dict[str, str] = {}
    bound_to: dict[str, str] = {}
    for binding_id, keys_text in keymap.items():
        binding_key = _join(key, binding_id)
        if binding_id not in BINDING_IDS:
            if suggestion := _did_you_mean(binding_id, BINDING_IDS):
                hint = f"did you mean `{_join(key, suggestion)}`?"
            else:
                hint = "bindings: " + ", ".join(BINDING_IDS)
            reader.report(binding_key, f"unknown binding ({hint})")
            continue
        if isinstance(keys_text, _Invalid):
            continue
        try:
            keys = [normalize_key(part) for part in keys_text.split(",")]
        except ValueError as error:
            reader.report(
                binding_key,
                f"{shown(str(error), 120)}; expected key names separated by commas, such as "
                f'"ctrl+q,f10", found {_describe(keys_text)}',
            )
            continue
        for bound_key in keys:
            if reason := RESERVED_KEYS.get(bound_key.lower()):
                reader.report(
                    binding_key,
                    f"`{bound_key}` is {reason}: inside a terminal multiplexer it never reaches "
                    "tapewatch, so choose another key",
                )
            if other := bound_to.get(bound_key):
                reader.report(binding_key, f"`{shown(bound_key)}` is also bound to `{other}`")
            bound_to.setdefault(bound_key, binding_id)
        normalized[binding_id] = ",".join(keys)
    return normalized


def _positive_weights(values: tuple[float, ...], key: str, reader: Reader) -> tuple[float, ...]:
    for index, value in enumerate(values):
        if value <= 0:
            reader.report(
                f"{key}[{index}]",
                f"expected more than 0, found {value:g} (a weight is a member's share of the "
                "basket; leave a member out rather than give it no weight)",
            )
    return values


def _weights_match_symbols(basket: Basket, key: str, reader: Reader) -> None:
    if basket.weights and len(basket.weights) != len(basket.symbols):
        reader.report(
            _join(key, "weights"),
            f"expected one weight per symbol ({len(basket.symbols)}), found "
            f"{len(basket.weights)} (or none at all, for equal weights)",
        )


def _dashboard_panes(values: tuple[str, ...], key: str, reader: Reader) -> tuple[str, ...]:
    first_seen: dict[str, int] = {}
    for index, name in enumerate(values):
        if name in first_seen:
            reader.report(
                f"{key}[{index}]", f"`{name}` is already shown at {key}[{first_seen[name]}]"
            )
        first_seen.setdefault(name, index)
    if len(values) != DASHBOARD_SLOTS:
        reader.report(
            key,
            f"expected {DASHBOARD_SLOTS} panes, found {len(values)} (the dashboard has "
            f"{DASHBOARD_SLOTS} places: name the pane for each)",
        )
    return values


def _watchlist_needed(shorted: ShortedSettings, key: str, reader: Reader) -> None:
    if shorted.universe == "watchlist" and not shorted.watchlist:
        reader.report(
            _join(key, "watchlist"),
            'expected at least one symbol when universe is "watchlist", found none',
        )


def _files_needed(settings: Settings, key: str, reader: Reader) -> None:
    if settings.source == "files" and not settings.sources.files.bars.strip():
        reader.report(
            "sources.files.bars",
            'expected a folder or file of daily bars when source is "files", found ""',
        )


def _remote_url_needed(settings: Settings, key: str, reader: Reader) -> None:
    if settings.source == "remote" and not settings.sources.remote.url:
        reader.report(
            "sources.remote.url",
            'expected the NATS server `tapewatch feed` publishes to when source is "remote", '
            'such as "nats://desk-host:4222", found ""',
        )


def _key_needs_certificate(remote: RemoteSettings, key: str, reader: Reader) -> None:
    if remote.tls_key_file and not remote.tls_cert_file:
        reader.report(
            _join(key, "tls_key_file"),
            "a client key needs its certificate: set tls_cert_file too",
        )


# --- alerts ---------------------------------------------------------------------------------------

# What a command's arguments may name: str.format placeholders, filled in when an alert fires.
COMMAND_PLACEHOLDERS = ("symbol", "basket", "field", "value", "bound", "note", "message")


def _alert_symbol(value: str, key: str, reader: Reader) -> str | _Invalid:
    text = value.strip()
    if text in ("", ANY_SYMBOL):
        return text
    return _symbol(text, key, reader)


def _stripped(value: str, key: str, reader: Reader) -> str:
    return value.strip()


def _command(argv: tuple[str | _Invalid, ...], key: str, reader: Reader) -> tuple[str, ...]:
    """A program and its arguments, run without a shell; placeholders only from
    COMMAND_PLACEHOLDERS, without format specs (each is filled in as text)."""
    if argv and isinstance(argv[0], str) and not argv[0].strip():
        reader.report(f"{key}[0]", "expected the program to run, found an empty string")
    names = ", ".join(f"{{{name}}}" for name in COMMAND_PLACEHOLDERS)
    for index, part in enumerate(argv):
        if isinstance(part, _Invalid):
            continue
        try:
            pieces = list(string.Formatter().parse(part))
        except ValueError as error:
            reader.report(f"{key}[{index}]", f"{error} (write {{{{ or }}}} for a brace itself)")
            continue
        for _, name, spec, conversion in pieces:
            if name is None:
                continue
            if name not in COMMAND_PLACEHOLDERS:
                reader.report(
                    f"{key}[{index}]", f"unknown placeholder `{{{name}}}` (placeholders: {names})"
                )
            elif spec or conversion:
                reader.report(
                    f"{key}[{index}]",
                    f"`{{{name}}}` takes no format: it is filled in as the screen shows it",
                )
    return tuple(part for part in argv if isinstance(part, str))


def _alert_rule(rule: AlertRule, key: str, reader: Reader) -> None:
    """A rule names a level, bounds in order, and the subject its field belongs to."""
    field_name = rule.field
    if rule.below is None and rule.above is None:
        reader.report(key, "expected `below`, `above` or both: the level the figure crosses")
    if rule.below is not None and rule.above is not None and rule.below >= rule.above:
        reader.report(
            _join(key, "below"),
            f"both bounds inverted: below ({rule.below:g}) must be less than above "
            f"({rule.above:g}); with both, the alert fires when {field_name} leaves the range "
            "between them",
        )
    if field_name in CORRELATION_ALERT_FIELDS:
        for name, bound in (("below", rule.below), ("above", rule.above)):
            if bound is not None and not -1 <= bound <= 1:
                reader.report(
                    _join(key, name),
                    f"expected -1 to 1 (a correlation), found {bound:g}: it would never fire",
                )
    symbol_key, basket_key = _join(key, "symbol"), _join(key, "basket")
    if field_name in BASKET_ALERT_FIELDS:
        if not rule.basket:
            reader.report(
                basket_key, f'{field_name} is a basket\'s own figure: name it (basket = "Mag 7")'
            )
        if rule.symbol:
            reader.report(
                symbol_key,
                f"{field_name} is a basket's own figure, not a symbol's: remove symbol (a "
                "member's correlation to its peers is corr_to_peers)",
            )
    elif field_name in MEMBER_ALERT_FIELDS:
        if not rule.symbol:
            reader.report(
                symbol_key,
                f'{field_name} is a basket member\'s figure: name the symbol (or "*" for every '
                "member)",
            )
    elif field_name in SYMBOL_OR_BASKET_ALERT_FIELDS:
        if not rule.symbol and not rule.basket:
            reader.report(key, f"expected `symbol` or `basket`: whose {field_name} to watch")
        elif rule.symbol and rule.basket:
            reader.report(
                basket_key,
                f"{field_name} is a symbol's or a basket's: give symbol or basket, not both",
            )
    else:
        if not rule.symbol:
            reader.report(
                symbol_key,
                f'{field_name} is a stock\'s figure: name the symbol (or "*" for every row that '
                "shows it)",
            )
        if rule.basket:
            reader.report(
                basket_key,
                f"{field_name} is a stock's figure: basket goes only with basket_corr, "
                "corr_to_peers, last and change_pct",
            )


def _alert_baskets(
    rules: Sequence[AlertRule | _Invalid], baskets: Sequence[Basket], key: str, reader: Reader
) -> None:
    """Each rule's basket is a configured one, and a member's correlation names a member of it
    (or of exactly one basket, when no basket is named)."""
    by_name = {basket.name: basket for basket in baskets}
    for index, rule in enumerate(rules):
        if not isinstance(rule, AlertRule):
            continue
        rule_key = f"{key}[{index}]"
        basket = by_name.get(rule.basket) if rule.basket else None
        if rule.basket and basket is None:
            if suggestion := _did_you_mean(rule.basket, list(by_name)):
                hint = f'did you mean "{suggestion}"?'
            else:
                hint = "baskets: " + (", ".join(by_name) or "none configured")
            reader.report(_join(rule_key, "basket"), f"unknown basket `{rule.basket}` ({hint})")
            continue
        if rule.field not in MEMBER_ALERT_FIELDS or rule.symbol in ("", ANY_SYMBOL):
            continue
        if basket is not None:
            if rule.symbol not in basket.symbols:
                reader.report(
                    _join(rule_key, "symbol"),
                    f"`{rule.symbol}` is not a member of the basket `{basket.name}`",
                )
            continue
        holding = [basket.name for basket in baskets if rule.symbol in basket.symbols]
        if not holding:
            reader.report(
                _join(rule_key, "symbol"),
                f"`{rule.symbol}` is in no basket: corr_to_peers is its correlation to the other "
                "members of a basket",
            )
        elif len(holding) > 1:
            reader.report(
                _join(rule_key, "basket"),
                f"`{rule.symbol}` is in {len(holding)} baskets ({', '.join(holding)}): name one "
                f'with basket = "{holding[0]}"',
            )


def read_alert_rule(
    table: dict[str, Any], baskets: Sequence[Basket], key: str = "alert"
) -> AlertRule:
    """One alert rule from TOML-like values (a rule made in the app, or saved by it), checked as
    `[[alerts]]` is. Raises :class:`ConfigError` listing every problem."""
    reader = Reader()
    rule = reader.read_dataclass(AlertRule, table, key)
    if isinstance(rule, AlertRule):
        _alert_baskets([rule], baskets, key, reader)
    if reader.problems or not isinstance(rule, AlertRule):
        raise ConfigError(None, reader.problems)
    return rule


def _settings_checks(settings: Settings, key: str, reader: Reader) -> None:
    _files_needed(settings, key, reader)
    _remote_url_needed(settings, key, reader)
    _alert_baskets(settings.alerts, settings.baskets, "alerts", reader)


_CADENCE = _at_least(1, " s", "polling faster than once a second would hammer the sources")
_NOT_NEGATIVE = _at_least(0, "", "a negative limit filters nothing")
_TIMEOUT = _positive(None, " s", "a request needs time to answer")
_REQUESTS_PER_MINUTE = _between(
    1, 6000, " requests a minute", "more than 100 a second to one host is hammering it"
)

_FIELD_CHECKS: dict[tuple[type, str], FieldCheck] = {
    (Settings, "theme"): _theme,
    (Settings, "benchmark"): _symbol,
    (Settings, "indices"): _unique("symbol", "the symbol"),
    (Settings, "sectors"): _unique("symbol", "the symbol"),
    (Settings, "baskets"): _unique("name", "the name"),
    (Settings, "watchlists"): _unique("name", "the name"),
    (Settings, "keys"): _key_bindings,
    (IndexSpec, "symbol"): _symbol,
    (IndexSpec, "label"): _label,
    (SectorSpec, "symbol"): _symbol,
    (SectorSpec, "name"): _label,
    (Basket, "name"): _label,
    (Basket, "symbols"): _symbols(
        2, "a basket's correlation needs pairs", MAX_BASKET_SYMBOLS, TOO_MANY_BASKET_SYMBOLS
    ),
    (Basket, "benchmark"): _symbol,
    (Basket, "weights"): _positive_weights,
    (Watchlist, "name"): _label,
    (Watchlist, "symbols"): _symbols(
        maximum=MAX_WATCHLIST_SYMBOLS, too_many=TOO_MANY_WATCHLIST_SYMBOLS
    ),
    (LayoutSettings, "panes"): _dashboard_panes,
    (ShortedSettings, "watchlist"): _symbols(),
    (ShortedSettings, "rows"): _between(1, 500, " rows", "the table shows at most 500 names"),
    (ShortedSettings, "min_price"): _NOT_NEGATIVE,
    (ShortedSettings, "min_avg_volume"): _NOT_NEGATIVE,
    (ShortedSettings, "min_float"): _NOT_NEGATIVE,
    **{(RefreshSettings, f.name): _CADENCE for f in fields(RefreshSettings)},
    (CorrelationSettings, "window"): _between(
        5, 250, " trading days", "fewer than 5 returns say nothing; 250 is about a year"
    ),
    (CorrelationSettings, "history"): _between(
        20, 1000, " trading days", "a sparkline needs 20 points; 1000 is about four years"
    ),
    (DemoSettings, "speed"): _positive(
        600, " market minutes a second", "600 replays a whole session in under a minute"
    ),
    (DemoSettings, "start"): _clock_time,
    (StreamSettings, "url"): _websocket_url,
    (StreamSettings, "live_quotes"): _CADENCE,
    (HttpSettings, "connect_timeout"): _TIMEOUT,
    (HttpSettings, "read_timeout"): _TIMEOUT,
    (HttpSettings, "request_deadline"): _positive(
        600, " s", "a reply that takes longer holds a connection for nothing"
    ),
    (HttpSettings, "per_host_concurrency"): _between(
        1, 64, " requests", "more than 64 at once to one host invites rate limiting"
    ),
    (HttpSettings, "retries"): _between(0, 10, " retries", "more than 10 only delays a failure"),
    (HttpSettings, "requests_per_minute"): _REQUESTS_PER_MINUTE,
    (HttpSettings, "budget_burst"): _between(
        1, 100, " requests", "a burst of more than 100 is what rate limits are made for"
    ),
    (YahooSettings, "requests_per_minute"): _between(
        0, 6000, " requests a minute (0: the [http] budget)", "more than 100 a second is hammering"
    ),
    (HttpSettings, "user_agent"): lambda value, key, reader: _header_value(
        _non_empty(value, key, reader), key, reader
    ),
    (YahooSettings, "base_url"): _url,
    (FinraSettings, "base_url"): _url,
    (SecSettings, "base_url"): _url,
    (SecSettings, "tickers_url"): _url,
    (SecSettings, "contact"): _header_value,
    (SsgaSettings, "base_url"): _url,
    (RemoteSettings, "url"): _nats_url,
    (RemoteSettings, "creds_file"): _existing_file,
    (RemoteSettings, "tls_ca_file"): _existing_file,
    (RemoteSettings, "tls_cert_file"): _existing_file,
    (RemoteSettings, "tls_key_file"): _existing_file,
    (AlertRule, "symbol"): _alert_symbol,
    (AlertRule, "basket"): _stripped,
    (AlertRule, "note"): _stripped,
    (AlertRule, "hysteresis"): _at_least(0, "", "a negative margin would re-arm before the level"),
    (AlertRule, "command"): _command,
    (AlertingSettings, "on_alert"): _command,
    (AlertingSettings, "command_timeout"): _positive(
        300, " s", "a command that needs longer should run in the background itself"
    ),
}

_OBJECT_CHECKS: dict[type, ObjectCheck] = {
    Basket: _weights_match_symbols,
    ShortedSettings: _watchlist_needed,
    RemoteSettings: _key_needs_certificate,
    AlertRule: _alert_rule,
    Settings: _settings_checks,
}
