"""The checks beyond a value's type that the settings' fields share: ranges, names and labels,
HTTP headers, URLs (http, websocket, NATS), files, New York clock times, symbols and lists of
them, unique names, key bindings and weights. Which field gets which is in
`tui.config.sections`."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tui.config.keys import BINDING_IDS, DEFAULT_KEYS, RESERVED_KEYS, normalize_key
from tui.config.reader import (
    INVALID,
    FieldCheck,
    Invalid,
    Reader,
    describe,
    did_you_mean,
    join_key,
)
from tui.config.themes import THEME_NAMES
from tui.plain import plain, shown
from tui.symbols import parse_symbol


def at_least(minimum: float, unit: str, why: str) -> FieldCheck:
    def check(value: float, key: str, reader: Reader) -> float:
        if value < minimum:
            reader.report(key, f"expected at least {minimum:g}{unit}, found {value:g} ({why})")
        return value

    return check


def between(low: int, high: int, unit: str, why: str) -> FieldCheck:
    def check(value: int, key: str, reader: Reader) -> int:
        if not low <= value <= high:
            reader.report(key, f"expected {low} to {high}{unit}, found {value} ({why})")
        return value

    return check


def positive(maximum: float | None, unit: str, why: str) -> FieldCheck:
    def check(value: float, key: str, reader: Reader) -> float:
        if value <= 0 or (maximum is not None and value > maximum):
            at_most = f" and at most {maximum:g}" if maximum is not None else ""
            reader.report(key, f"expected more than 0{at_most}{unit}, found {value:g} ({why})")
        return value

    return check


def known_theme(value: str, key: str, reader: Reader) -> str:
    name = value.strip()
    if name not in THEME_NAMES:
        suggestion = did_you_mean(name, THEME_NAMES)
        hint = (
            f"did you mean `{suggestion}`?" if suggestion else "themes: " + ", ".join(THEME_NAMES)
        )
        reader.report(key, f"unknown theme {describe(value)} ({hint})")
    return name


def non_empty(value: str, key: str, reader: Reader) -> str:
    if not value.strip():
        reader.wrong(key, "a non-empty string", value)
    return value.strip()


def label(value: str, key: str, reader: Reader) -> str:
    """A name shown on screen (an index's label, a basket's name): non-empty, and plain text,
    so no control character in it reaches the terminal (tui.plain)."""
    return non_empty(plain(value), key, reader)


def header_value(value: str, key: str, reader: Reader) -> str:
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


def http_url(value: str, key: str, reader: Reader) -> str:
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
        found = "a URL with credentials in it" if "@" in url else describe(url)
        return (
            f'expected a NATS server\'s URL ({schemes}) such as "nats://desk-host:4222", '
            f"found {found}"
        )
    return None


def nats_url(value: str, key: str, reader: Reader) -> str:
    """Empty (not set) or a NATS server's URL with a host: nats://desk-host:4222."""
    value = value.strip()
    if value and (problem := nats_url_problem(value)):
        reader.report(key, problem)
    return value


def existing_file(value: str, key: str, reader: Reader) -> str:
    """Empty (not set) or a file that exists (``~`` is the home folder)."""
    value = value.strip()
    if value and not Path(value).expanduser().is_file():
        reader.report(key, f"no such file: {describe(value)}")
    return value


def websocket_url(value: str, key: str, reader: Reader) -> str:
    if value and not value.startswith(("ws://", "wss://")):
        reader.wrong(key, 'a ws:// or wss:// URL (or "" for the provider\'s own)', value)
    return value


def clock_time(value: str, key: str, reader: Reader) -> str:
    """A New York time "HH:MM" between the pre-market open (04:00) and the post-market close."""
    hours, _, minutes = value.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        reader.wrong(key, 'a time "HH:MM"', value)
        return value
    moment = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or not 4 * 60 <= moment <= 20 * 60:
        reader.wrong(key, 'a New York time from "04:00" (pre-market) to "20:00"', value)
    return f"{int(hours):02d}:{minutes}"


def one_symbol(value: str, key: str, reader: Reader) -> str | Invalid:
    try:
        return parse_symbol(value)
    except ValueError as error:
        reader.report(key, str(error))
        return INVALID


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


def symbol_list(
    minimum: int = 0, why: str = "", maximum: int | None = None, too_many: str = ""
) -> FieldCheck:
    def check(
        values: tuple[str | Invalid, ...], key: str, reader: Reader
    ) -> tuple[str | Invalid, ...]:
        symbols = tuple(
            INVALID if isinstance(text, Invalid) else one_symbol(text, f"{key}[{index}]", reader)
            for index, text in enumerate(values)
        )
        first_seen: dict[str, int] = {}
        for index, symbol in enumerate(symbols):
            if isinstance(symbol, Invalid):
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


def unique(attribute: str, describe: str) -> FieldCheck:
    """Each item of an array of tables must differ in ``attribute`` (rows are keyed by it)."""

    def check(items: tuple[Any, ...], key: str, reader: Reader) -> tuple[Any, ...]:
        first_seen: dict[str, int] = {}
        for index, item in enumerate(items):
            if item is INVALID:
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


def key_bindings(keymap: dict[str, str | Invalid], key: str, reader: Reader) -> dict[str, str]:
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
                        join_key(key, binding_id),
                        f"`{bound_key}` is the only key of `{other}`: `{binding_id}` would take "
                        f"it and leave `{other}` without a key (choose another key, or give "
                        f"`{other}` one under [keys])",
                    )
    return normalized


def _bound_keys(keymap: dict[str, str | Invalid], key: str, reader: Reader) -> dict[str, str]:
    """Each known binding's keys in Textual's notation, comma-separated; reports unknown
    bindings, key names that are not keys, reserved keys and a key given to two bindings."""
    normalized: dict[str, str] = {}
    bound_to: dict[str, str] = {}
    for binding_id, keys_text in keymap.items():
        binding_key = join_key(key, binding_id)
        if binding_id not in BINDING_IDS:
            if suggestion := did_you_mean(binding_id, BINDING_IDS):
                hint = f"did you mean `{join_key(key, suggestion)}`?"
            else:
                hint = "bindings: " + ", ".join(BINDING_IDS)
            reader.report(binding_key, f"unknown binding ({hint})")
            continue
        if isinstance(keys_text, Invalid):
            continue
        try:
            keys = [normalize_key(part) for part in keys_text.split(",")]
        except ValueError as error:
            reader.report(
                binding_key,
                f"{shown(str(error), 120)}; expected key names separated by commas, such as "
                f'"ctrl+q,f10", found {describe(keys_text)}',
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


def positive_weights(values: tuple[float, ...], key: str, reader: Reader) -> tuple[float, ...]:
    for index, value in enumerate(values):
        if value <= 0:
            reader.report(
                f"{key}[{index}]",
                f"expected more than 0, found {value:g} (a weight is a member's share of the "
                "basket; leave a member out rather than give it no weight)",
            )
    return values
