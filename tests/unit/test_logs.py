"""The log file: failed requests and discarded cache files land in the user log folder."""

from __future__ import annotations

import logging
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
