"""The settings' own rules: which check each section's fields get (`tui.config.checks`,
`tui.config.alert_checks`), the checks of a whole section (a basket's weights, the dashboard's
panes, the source a setting needs), and the reader that runs them for a config file or one alert
rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from tui.config.alert_checks import alert_baskets, alert_rule, alert_symbol, command_argv, stripped
from tui.config.checks import (
    MAX_BASKET_SYMBOLS,
    MAX_WATCHLIST_SYMBOLS,
    TOO_MANY_BASKET_SYMBOLS,
    TOO_MANY_WATCHLIST_SYMBOLS,
    at_least,
    between,
    clock_time,
    existing_file,
    header_value,
    http_url,
    key_bindings,
    known_theme,
    label,
    nats_url,
    non_empty,
    one_symbol,
    positive,
    positive_weights,
    symbol_list,
    unique,
    websocket_url,
)
from tui.config.reader import ConfigError, FieldCheck, ObjectCheck, Reader, join_key
from tui.config.settings import (
    DASHBOARD_SLOTS,
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


def _weights_match_symbols(basket: Basket, key: str, reader: Reader) -> None:
    if basket.weights and len(basket.weights) != len(basket.symbols):
        reader.report(
            join_key(key, "weights"),
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
            join_key(key, "watchlist"),
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
            join_key(key, "tls_key_file"),
            "a client key needs its certificate: set tls_cert_file too",
        )


def _settings_checks(settings: Settings, key: str, reader: Reader) -> None:
    _files_needed(settings, key, reader)
    _remote_url_needed(settings, key, reader)
    alert_baskets(settings.alerts, settings.baskets, "alerts", reader)


_CADENCE = at_least(1, " s", "polling faster than once a second would hammer the sources")
_NOT_NEGATIVE = at_least(0, "", "a negative limit filters nothing")
_TIMEOUT = positive(None, " s", "a request needs time to answer")
_REQUESTS_PER_MINUTE = between(
    1, 6000, " requests a minute", "more than 100 a second to one host is hammering it"
)

_FIELD_CHECKS: dict[tuple[type, str], FieldCheck] = {
    (Settings, "theme"): known_theme,
    (Settings, "benchmark"): one_symbol,
    (Settings, "indices"): unique("symbol", "the symbol"),
    (Settings, "sectors"): unique("symbol", "the symbol"),
    (Settings, "baskets"): unique("name", "the name"),
    (Settings, "watchlists"): unique("name", "the name"),
    (Settings, "keys"): key_bindings,
    (IndexSpec, "symbol"): one_symbol,
    (IndexSpec, "label"): label,
    (SectorSpec, "symbol"): one_symbol,
    (SectorSpec, "name"): label,
    (Basket, "name"): label,
    (Basket, "symbols"): symbol_list(
        2, "a basket's correlation needs pairs", MAX_BASKET_SYMBOLS, TOO_MANY_BASKET_SYMBOLS
    ),
    (Basket, "benchmark"): one_symbol,
    (Basket, "weights"): positive_weights,
    (Watchlist, "name"): label,
    (Watchlist, "symbols"): symbol_list(
        maximum=MAX_WATCHLIST_SYMBOLS, too_many=TOO_MANY_WATCHLIST_SYMBOLS
    ),
    (LayoutSettings, "panes"): _dashboard_panes,
    (ShortedSettings, "watchlist"): symbol_list(),
    (ShortedSettings, "rows"): between(1, 500, " rows", "the table shows at most 500 names"),
    (ShortedSettings, "min_price"): _NOT_NEGATIVE,
    (ShortedSettings, "min_avg_volume"): _NOT_NEGATIVE,
    (ShortedSettings, "min_float"): _NOT_NEGATIVE,
    **{(RefreshSettings, f.name): _CADENCE for f in fields(RefreshSettings)},
    (CorrelationSettings, "window"): between(
        5, 250, " trading days", "fewer than 5 returns say nothing; 250 is about a year"
    ),
    (CorrelationSettings, "history"): between(
        20, 1000, " trading days", "a sparkline needs 20 points; 1000 is about four years"
    ),
    (DemoSettings, "speed"): positive(
        600, " market minutes a second", "600 replays a whole session in under a minute"
    ),
    (DemoSettings, "start"): clock_time,
    (StreamSettings, "url"): websocket_url,
    (StreamSettings, "live_quotes"): _CADENCE,
    (HttpSettings, "connect_timeout"): _TIMEOUT,
    (HttpSettings, "read_timeout"): _TIMEOUT,
    (HttpSettings, "request_deadline"): positive(
        600, " s", "a reply that takes longer holds a connection for nothing"
    ),
    (HttpSettings, "per_host_concurrency"): between(
        1, 64, " requests", "more than 64 at once to one host invites rate limiting"
    ),
    (HttpSettings, "retries"): between(0, 10, " retries", "more than 10 only delays a failure"),
    (HttpSettings, "requests_per_minute"): _REQUESTS_PER_MINUTE,
    (HttpSettings, "budget_burst"): between(
        1, 100, " requests", "a burst of more than 100 is what rate limits are made for"
    ),
    (YahooSettings, "requests_per_minute"): between(
        0, 6000, " requests a minute (0: the [http] budget)", "more than 100 a second is hammering"
    ),
    (HttpSettings, "user_agent"): lambda value, key, reader: header_value(
        non_empty(value, key, reader), key, reader
    ),
    (YahooSettings, "base_url"): http_url,
    (FinraSettings, "base_url"): http_url,
    (SecSettings, "base_url"): http_url,
    (SecSettings, "tickers_url"): http_url,
    (SecSettings, "contact"): header_value,
    (SsgaSettings, "base_url"): http_url,
    (RemoteSettings, "url"): nats_url,
    (RemoteSettings, "creds_file"): existing_file,
    (RemoteSettings, "tls_ca_file"): existing_file,
    (RemoteSettings, "tls_cert_file"): existing_file,
    (RemoteSettings, "tls_key_file"): existing_file,
    (AlertRule, "symbol"): alert_symbol,
    (AlertRule, "basket"): stripped,
    (AlertRule, "note"): stripped,
    (AlertRule, "hysteresis"): at_least(0, "", "a negative margin would re-arm before the level"),
    (AlertRule, "command"): command_argv,
    (AlertingSettings, "on_alert"): command_argv,
    (AlertingSettings, "command_timeout"): positive(
        300, " s", "a command that needs longer should run in the background itself"
    ),
}

_OBJECT_CHECKS: dict[type, ObjectCheck] = {
    Basket: _weights_match_symbols,
    ShortedSettings: _watchlist_needed,
    RemoteSettings: _key_needs_certificate,
    AlertRule: alert_rule,
    Settings: _settings_checks,
}


def settings_reader() -> Reader:
    """A reader that checks what it reads as a config file's settings are checked."""
    return Reader(_FIELD_CHECKS, _OBJECT_CHECKS)


def read_alert_rule(
    table: dict[str, Any], baskets: Sequence[Basket], key: str = "alert"
) -> AlertRule:
    """One alert rule from TOML-like values (a rule made in the app, or saved by it), checked as
    `[[alerts]]` is. Raises :class:`ConfigError` listing every problem."""
    reader = settings_reader()
    rule = reader.read_dataclass(AlertRule, table, key)
    if isinstance(rule, AlertRule):
        alert_baskets([rule], baskets, key, reader)
    if reader.problems or not isinstance(rule, AlertRule):
        raise ConfigError(None, reader.problems)
    return rule
