"""A provider key, from an environment variable or from a file only its owner can read.

Keys are never logged: ``Secret`` prints as ``***`` and only ``reveal()`` gives the value.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tui.regular_files import KB, read_regular_file


class KeyUnavailable(Exception):
    """No key, or a key file that is unsafe or unreadable; the message says what to do."""


@dataclass(frozen=True, slots=True)
class Secret:
    """A key or token that never shows up in a repr, a log line or an exception."""

    _value: str = field(repr=False)

    def reveal(self) -> str:
        """The value, for the one place that sends it to the provider."""
        return self._value

    def __str__(self) -> str:
        return "***"


def read_secret(
    env_var: str, path: Path | None, *, environ: Mapping[str, str] | None = None
) -> Secret:
    """The key in ``env_var`` if set, else the first line of the file at ``path``.

    A file that its group or other users may read is refused: a key in it may already be
    known to others, and the message says how to make it private.
    """
    environ = os.environ if environ is None else environ
    value = environ.get(env_var, "").strip()
    if value:
        return Secret(value)
    if path is None:
        raise KeyUnavailable(f"no key: set {env_var} or name a key file")
    lines = read_private_file(path)
    if not lines:
        raise KeyUnavailable(f"the key file {path} is empty")
    return Secret(lines[0])


def read_private_file(path: Path) -> list[str]:
    """The non-empty lines of a file only its owner can read (mode 600 or stricter)."""
    try:
        status = path.stat()
    except FileNotFoundError:
        raise KeyUnavailable(f"the key file {path} does not exist") from None
    except OSError as error:
        raise KeyUnavailable(f"cannot read the key file {path} ({error.strerror})") from None
    if os.name == "posix":
        if status.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            mode = stat.filemode(status.st_mode)
            raise KeyUnavailable(
                f"the key file {path} can be read by other users ({mode}); "
                f"make it private with: chmod 600 {path}"
            )
        if status.st_uid != os.getuid():
            raise KeyUnavailable(f"the key file {path} belongs to another user")
    try:  # a FIFO or a device named by mistake is refused, never waited on
        text = read_regular_file(path, 64 * KB).decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise KeyUnavailable(f"cannot read the key file {path} ({error})") from None
    return [line.strip() for line in text.splitlines() if line.strip()]
