"""Where tapewatch writes its log: the user log folder, never the terminal it draws on."""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path
from typing import IO, Any

import platformdirs

# Only the user reads the log (it names the symbols watched and the sources' replies), as only
# the user reads the cache.
LOG_MODE = 0o600


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose files, the rotated ones included, are created readable by the user
    only; an existing file of another mode is made private when opened."""

    def _open(self) -> IO[Any]:  # type: ignore[override]  # typeshed: a TextIOWrapper
        stream = open(  # noqa: SIM115 - the handler owns and closes the stream
            self.baseFilename,
            self.mode,
            encoding=self.encoding,
            errors=self.errors,
            opener=lambda path, flags: os.open(path, flags, LOG_MODE),
        )
        os.chmod(stream.fileno(), LOG_MODE)
        return stream


def log_path() -> Path:
    return platformdirs.user_log_path("tapewatch", appauthor=False) / "tapewatch.log"


def configure_file_logging(level: int = logging.INFO) -> Path | None:
    """Send the `tapewatch` loggers to a rotating file; returns its path (None if not writable).

    Failed requests, discarded cache files and source errors go there so a user can see why a
    pane is stale. Secrets never reach a log line: sources log URLs and statuses, not headers.
    """
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = PrivateRotatingFileHandler(
            path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        # No log file: records are dropped rather than printed over the interface by Python's
        # last-resort handler.
        logging.getLogger("tapewatch").addHandler(logging.NullHandler())
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("tapewatch")
    logger.setLevel(level)
    for old in [h for h in logger.handlers if isinstance(h, logging.handlers.RotatingFileHandler)]:
        logger.removeHandler(old)  # configured twice: one file, one line per record
        old.close()
    logger.addHandler(handler)
    # Records still propagate: the root logger has no handler, so nothing reaches the terminal
    # the app draws on (Python's last-resort stderr handler only acts when no handler exists).
    return path
