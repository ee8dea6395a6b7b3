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
    load_settings,
    locate_config,
    parse_settings,
)
from tui.config.reader import ConfigError, ConfigProblem, nats_url_problem, normalize_symbol
from tui.config.settings import (
    DEFAULT_BASKETS,
    DEFAULT_INDICES,
    DEFAULT_SECTORS,
    Basket,
    CorrelationSettings,
    DemoSettings,
    FilesSettings,
    FinraSettings,
    HttpSettings,
    IndexSpec,
    RefreshSettings,
    RemoteSettings,
    SecSettings,
    SectorSpec,
    Settings,
    ShortedSettings,
    SourceName,
    SourcesSettings,
    SsgaSettings,
    YahooSettings,
)

__all__ = [
    "BINDING_IDS",
    "CONFIG_ENV_VAR",
    "DEFAULT_BASKETS",
    "DEFAULT_INDICES",
    "DEFAULT_SECTORS",
    "Basket",
    "ConfigError",
    "ConfigLocation",
    "ConfigProblem",
    "CorrelationSettings",
    "DemoSettings",
    "FilesSettings",
    "FinraSettings",
    "HttpSettings",
    "IndexSpec",
    "RefreshSettings",
    "RemoteSettings",
    "SecSettings",
    "SectorSpec",
    "Settings",
    "ShortedSettings",
    "SourceName",
    "SourcesSettings",
    "SsgaSettings",
    "YahooSettings",
    "config_path",
    "example_config_text",
    "load_settings",
    "locate_config",
    "nats_url_problem",
    "normalize_symbol",
    "parse_settings",
]
