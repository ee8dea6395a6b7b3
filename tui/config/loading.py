"""Loading: which config file is read, reading and parsing it, and the example file."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import platformdirs

from tui.config.reader import ConfigError, ConfigProblem
from tui.config.sections import settings_reader
from tui.config.settings import Settings
from tui.plain import shown
from tui.regular_files import MB, read_regular_file

CONFIG_ENV_VAR = "TAPEWATCH_CONFIG"
# A config file lists settings, baskets and watchlists: a thousand baskets of a thousand symbols
# fit in well under this.
CONFIG_SIZE_LIMIT = 4 * MB


@dataclass(frozen=True, slots=True)
class ConfigLocation:
    """The config file tapewatch reads, and what chose it."""

    path: Path
    origin: Literal["--config", "TAPEWATCH_CONFIG", "default"]

    @property
    def required(self) -> bool:
        """A file the user named must exist; the default one may be absent (defaults apply)."""
        return self.origin != "default"


def config_path() -> Path:
    """The default config file: ``config.toml`` in the user's config folder."""
    return platformdirs.user_config_path("tapewatch", appauthor=False) / "config.toml"


def expand_path(path: Path) -> Path:
    """``path`` with a leading ``~`` or ``~user`` expanded; ConfigError when it cannot be (no
    such user, or no home folder)."""
    try:
        return path.expanduser()
    except RuntimeError:
        problem = ConfigProblem("", "cannot expand the ~: no such user, or no home folder")
        raise ConfigError(Path(shown(str(path))), [problem]) from None


def locate_config(
    path: Path | None = None, *, env: Mapping[str, str] = os.environ
) -> ConfigLocation:
    """The config file in use: ``path`` (from ``--config``), else ``$TAPEWATCH_CONFIG``, else
    :func:`config_path`. Raises ConfigError for a ``~user`` that cannot be expanded."""
    if path is not None:
        return ConfigLocation(expand_path(path), "--config")
    if named := env.get(CONFIG_ENV_VAR, "").strip():
        return ConfigLocation(expand_path(Path(named)), "TAPEWATCH_CONFIG")
    return ConfigLocation(config_path(), "default")


def load_settings(path: Path | None = None, *, env: Mapping[str, str] = os.environ) -> Settings:
    """Read and validate the config file chosen by :func:`locate_config`.

    A missing default file means the defaults; a missing file named by ``--config`` or
    ``TAPEWATCH_CONFIG`` is an error, and so is anything but a regular file (a FIFO, a device
    such as /dev/zero, a link to one) or a file over CONFIG_SIZE_LIMIT: it is never read, so it
    cannot hang or exhaust memory. Raises :class:`ConfigError` listing every problem.
    """
    location = locate_config(path, env=env)
    try:
        raw = read_regular_file(location.path, CONFIG_SIZE_LIMIT)
    except FileNotFoundError:
        if not location.required:
            return Settings()
        problem = ConfigProblem("", f"file not found (named by {location.origin})")
        raise ConfigError(location.path, [problem]) from None
    except OSError as error:
        problem = ConfigProblem("", f"cannot read the file: {error.strerror or error}")
        raise ConfigError(location.path, [problem]) from None
    try:
        text = raw.decode("utf-8-sig")  # tolerate the byte-order mark some editors write
    except UnicodeDecodeError as error:
        problem = ConfigProblem("", f"not UTF-8 text (bad byte at offset {error.start})")
        raise ConfigError(location.path, [problem]) from None
    return parse_settings(text, location.path)


def parse_settings(text: str, path: Path | None = None) -> Settings:
    """Settings from TOML text; ``path`` is recorded in them and named in errors.

    Keys left out keep their defaults; an array of tables (``[[baskets]]``) replaces the default
    list. Raises :class:`ConfigError` listing every problem.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(path, [ConfigProblem("", f"TOML syntax error: {error}")]) from None
    except RecursionError:  # arrays or inline tables nested hundreds deep
        problem = ConfigProblem("", "values nested too deeply to be settings")
        raise ConfigError(path, [problem]) from None
    reader = settings_reader()
    settings = reader.read_dataclass(Settings, data, "")
    if reader.problems or not isinstance(settings, Settings):
        raise ConfigError(path, reader.problems)
    return replace(settings, path=path)


def example_config_text() -> str:
    """The commented example config (``config.example.toml``), which documents every setting.

    An installed wheel carries it as package data in this package (pyproject.toml's
    force-include puts it at ``tui/config/config.example.toml``); a source checkout has it at the
    repository's top level, two folders up.
    """
    package = Path(__file__).resolve().parent
    for candidate in (package / "config.example.toml", package.parents[1] / "config.example.toml"):
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    raise FileNotFoundError("config.example.toml is missing from this installation of tapewatch")
