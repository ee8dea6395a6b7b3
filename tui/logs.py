"""Where tapewatch writes its log: the user log folder, never the terminal it draws on."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

import platformdirs


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
        handler = logging.handlers.RotatingFileHandler(
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
