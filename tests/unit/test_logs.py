"""The log file: failed requests and discarded cache files land in the user log folder."""

from __future__ import annotations

import logging
import logging.handlers
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.logs import configure_file_logging, log_path


@pytest.fixture
def clean_logger() -> Iterator[logging.Logger]:
    logger = logging.getLogger("tapewatch")
    before, level = list(logger.handlers), logger.level
    yield logger
    logger.setLevel(level)
    for handler in logger.handlers:
        if handler not in before:
            logger.removeHandler(handler)
            handler.close()


def test_records_of_every_tapewatch_logger_go_to_one_file_in_the_user_log_folder(
    clean_logger: logging.Logger, isolated_user_dirs: Path
) -> None:
    path = configure_file_logging()
    assert path == log_path() and path is not None
    assert path.is_relative_to(isolated_user_dirs)
    configure_file_logging()  # twice: still one line per record
    logging.getLogger("tapewatch.http").warning("GET https://example.test/a failed: 503")
    logging.getLogger("tapewatch.cache").info("discarded snapshot/live/quotes")
    for handler in clean_logger.handlers:
        handler.flush()
    lines = path.read_text().splitlines()
    assert len(lines) == 2
    assert "WARNING tapewatch.http: GET https://example.test/a failed: 503" in lines[0]
    assert "INFO tapewatch.cache: discarded snapshot/live/quotes" in lines[1]


def test_without_a_writable_log_folder_nothing_is_printed_over_the_interface(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("a file where the log folder would go")
    code = (
        "import logging\n"
        "from tui.logs import configure_file_logging\n"
        "assert configure_file_logging() is None\n"
        "logging.getLogger('tapewatch.http').error('GET https://example.test failed')\n"
    )
    env = {**os.environ, "XDG_STATE_HOME": str(blocker), "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and done.stdout == ""


def test_the_log_and_its_rotated_files_are_readable_by_the_user_only(
    clean_logger: logging.Logger, isolated_user_dirs: Path
) -> None:
    path = log_path()
    path.parent.mkdir(parents=True)
    path.write_text("from an earlier version\n")
    path.chmod(0o644)
    assert configure_file_logging() == path
    assert path.stat().st_mode & 0o777 == 0o600  # an existing log is made private
    (handler,) = [h for h in clean_logger.handlers if isinstance(h, logging.FileHandler)]
    assert isinstance(handler, logging.handlers.RotatingFileHandler)
    handler.doRollover()
    assert path.stat().st_mode & 0o777 == 0o600
    assert (path.parent / "tapewatch.log.1").stat().st_mode & 0o777 == 0o600


def test_a_new_log_is_created_private_whatever_the_umask(
    clean_logger: logging.Logger, isolated_user_dirs: Path
) -> None:
    previous = os.umask(0o022)
    try:
        path = configure_file_logging()
    finally:
        os.umask(previous)
    assert path is not None and path.stat().st_mode & 0o777 == 0o600
