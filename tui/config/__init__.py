"""Settings: TOML -> frozen, validated dataclasses. No textual import.

- `settings`: the dataclasses, the single description of every setting, with their defaults.
- `loading`: which file is read (``--config``, ``$TAPEWATCH_CONFIG``, the user's config folder),
  reading and parsing it, and the commented example file.
- `reader`: the generic TOML -> dataclass reader and the problems it reports (every problem,
  with its key path).
- `checks`: the checks beyond the type that fields share (ranges, names, URLs, NATS URLs, files,
  clock times, symbols, key bindings); `alert_checks`: an alert rule's own.
- `sections`: which check each section's field gets, the checks of whole sections, and the
  reader of a config file or of one alert rule.
- `keys`: the binding ids a user may remap under ``[keys]`` and key names in Textual's notation.

Import from here (``from tui.config import Settings``); the modules are the package's own layout.
"""

from tui.config.alert_checks import COMMAND_PLACEHOLDERS
from tui.config.checks import nats_url_problem
from tui.config.keys import BINDING_IDS
from tui.config.loading import (
    CONFIG_ENV_VAR,
    ConfigLocation,
    config_path,
    example_config_text,
    expand_path,
    load_settings,
    locate_config,
    parse_settings,
)
from tui.config.reader import ConfigError, ConfigProblem
from tui.config.sections import read_alert_rule
from tui.config.settings import (
    ANY_SYMBOL,
    BASKET_ALERT_FIELDS,
    CORRELATION_ALERT_FIELDS,
    DEFAULT_BASKETS,
    DEFAULT_INDICES,
    DEFAULT_SECTORS,
    DEFAULT_WATCHLISTS,
    MEMBER_ALERT_FIELDS,
    SYMBOL_OR_BASKET_ALERT_FIELDS,
    AlertDefaults,
    AlertField,
    AlertingSettings,
    AlertRule,
    Basket,
    CorrelationSettings,
    DemoSettings,
    DesktopNotification,
    FilesSettings,
    FinraSettings,
    HttpSettings,
    IndexSpec,
    LayoutSettings,
    PaneName,
    RefreshSettings,
    RemoteSettings,
    SecSettings,
    SectorSpec,
    Settings,
    ShortedSettings,
    SourceName,
    SourcesSettings,
    SsgaSettings,
    StreamProviderName,
    StreamSettings,
    Watchlist,
    YahooSettings,
)

__all__ = [
    "ANY_SYMBOL",
    "BASKET_ALERT_FIELDS",
    "BINDING_IDS",
    "COMMAND_PLACEHOLDERS",
    "CONFIG_ENV_VAR",
    "CORRELATION_ALERT_FIELDS",
    "DEFAULT_BASKETS",
    "DEFAULT_INDICES",
    "DEFAULT_SECTORS",
    "DEFAULT_WATCHLISTS",
    "MEMBER_ALERT_FIELDS",
    "SYMBOL_OR_BASKET_ALERT_FIELDS",
    "AlertDefaults",
    "AlertField",
    "AlertRule",
    "AlertingSettings",
    "Basket",
    "ConfigError",
    "ConfigLocation",
    "ConfigProblem",
    "CorrelationSettings",
    "DemoSettings",
    "DesktopNotification",
    "FilesSettings",
    "FinraSettings",
    "HttpSettings",
    "IndexSpec",
    "LayoutSettings",
    "PaneName",
    "RefreshSettings",
    "RemoteSettings",
    "SecSettings",
    "SectorSpec",
    "Settings",
    "ShortedSettings",
    "SourceName",
    "SourcesSettings",
    "SsgaSettings",
    "StreamProviderName",
    "StreamSettings",
    "Watchlist",
    "YahooSettings",
    "config_path",
    "example_config_text",
    "expand_path",
    "load_settings",
    "locate_config",
    "nats_url_problem",
    "parse_settings",
    "read_alert_rule",
]
