"""The environment a tapewatch process under test starts in, as a user's would be on a fresh
machine: HOME and the XDG folders under the test's own folder (never the user's config, cache,
data or log), a UTF-8 locale, PATH, the terminal type tmux gives, and the config file to read;
nothing else of the test runner's (no COLUMNS or LINES)."""

from __future__ import annotations

import os
from pathlib import Path


def clean_env(
    home: Path, *, config: Path | None = None, term: str | None = "xterm-256color"
) -> dict[str, str]:
    """A fresh user under ``home``; ``config`` as TAPEWATCH_CONFIG; ``term`` as TERM (None:
    no TERM, for a process with no terminal)."""
    env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_DATA_HOME": str(home / "data"),
        "PATH": os.environ.get("PATH", ""),
        "LANG": "C.UTF-8",
    }
    if config is not None:
        env["TAPEWATCH_CONFIG"] = str(config)
    if term is not None:
        env["TERM"] = term
    return env
