"""Settings: TOML -> frozen, validated dataclasses. No textual import.

- `settings`: the dataclasses, the single description of every setting, with their defaults.
- `loading`: which file is read (``--config``, ``$TAPEWATCH_CONFIG``, the user's config folder),
  reading and parsing it, and the commented example file.
- `reader`: the generic TOML -> dataclass reader, the checks beyond the type, and the problems
  they report (every problem, with its key path).
- `keys`: the binding ids a user may remap under ``[keys]`` and key names in Textual's notation.

Import from here (``from tui.config import Settings``); the modules are the package's own layout.
"""

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
from tui.config.reader import (
    COMMAND_PLACEHOLDERS,
    ConfigError,
    ConfigProblem,
    read_alert_rule,
)
from tui.config.settings import (
    ANY_SYMBOL,
    BASKET_ALERT_FIELDS,
    CORRELATION_ALERT_FIELDS,
    DEFAULT_BASKETS,
    DEFAULT_INDICES,
    DEFAULT_SECTORS,
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
    RefreshSettings,
    SecSettings,
    SectorSpec,
    Settings,
    ShortedSettings,
    SourceName,
    SourcesSettings,
    SsgaSettings,
    StreamProviderName,
    StreamSettings,
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
    "RefreshSettings",
    "SecSettings",
    "SectorSpec",
    "Settings",
    "ShortedSettings",
    "SourceName",
    "SourcesSettings",
    "SsgaSettings",
    "StreamProviderName",
    "StreamSettings",
    "YahooSettings",
    "config_path",
    "example_config_text",
    "expand_path",
    "load_settings",
    "locate_config",
    "parse_settings",
    "read_alert_rule",
]
