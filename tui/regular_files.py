"""Reading a file that may not be one: the config, a cache entry, the user's data files. No
polars, no textual.

A path can name a FIFO (opening it waits for a writer that never comes), a device such as
/dev/zero or /dev/urandom (reading it never ends), or a symbolic link to one of those; a regular
file can be far larger than anything tapewatch writes or expects. `read_regular_file` opens
without blocking, checks what the path resolves to before reading a byte, and reads at most a
limit, so none of these can hang tapewatch or exhaust its memory: each is an `OSError` with a
message in plain words.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

KB = 1024
MB = 1024 * KB

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class NotARegularFile(OSError):
    """The path does not lead to a regular file, or to one within the size limit."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(errno.EINVAL, problem, str(path))


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "a special file")


def size_text(size: int) -> str:
    """A byte count for a message: "4 MB", "512 KB", "300 bytes"."""
    if size >= MB:
        return f"{size / MB:g} MB"
    if size >= KB:
        return f"{size / KB:g} KB"
    return f"{size} bytes"


def read_regular_file(path: Path, limit: int) -> bytes:
    """The content of the regular file at ``path`` (symbolic links followed), at most ``limit``
    bytes: see `read_regular_file_and_status`."""
    return read_regular_file_and_status(path, limit)[0]


def read_regular_file_and_status(path: Path, limit: int) -> tuple[bytes, os.stat_result]:
    """The content of the regular file at ``path`` (symbolic links followed), at most ``limit``
    bytes, and its status as read from the open handle.

    Raises `NotARegularFile` (an `OSError`) when the path leads to anything else — a FIFO, a
    device, a folder, a socket — or to a file larger than ``limit``, and `OSError` as `open`
    does (FileNotFoundError included). Never blocks on a FIFO or a device: the path is opened
    non-blocking and checked with fstat on the open handle (the thing actually opened, not what
    the path named a moment before) before anything is read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    handle = os.open(path, flags)
    try:
        status = os.fstat(handle)
        if not stat.S_ISREG(status.st_mode):
            raise NotARegularFile(path, f"{_kind(status.st_mode)}, not a regular file")
        if status.st_size > limit:
            raise NotARegularFile(path, f"larger than {size_text(limit)}")
        chunks: list[bytes] = []
        read = 0
        while chunk := os.read(handle, min(MB, limit + 1 - read)):
            chunks.append(chunk)
            read += len(chunk)
            if read > limit:  # grew while being read
                raise NotARegularFile(path, f"larger than {size_text(limit)}")
        return b"".join(chunks), status
    finally:
        os.close(handle)
