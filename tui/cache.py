"""The on-disk cache: frames as parquet and raw downloads as bytes, under one folder. No textual.

A key is a slash-separated name ("finra/shrt20260130", "snapshot/quotes") that maps to a file
under the cache folder: ``<key>.parquet`` for frames, ``<key>.bytes`` for raw bytes. Writes
are atomic (a temporary file in the same folder, fsync, then ``os.replace``), so a reader sees
either the old file or the new one, never half of one. A file that cannot be read back as what was
asked for is deleted with one log line on the ``tapewatch.cache`` logger and the read returns
None: the cache is an optimisation, so a bad entry costs a refetch, never a crash.

A damaged parquet file must never reach the parquet reader: polars can panic on one, printing a
Rust backtrace over the interface, or even abort the process (a page header that asks for an
absurd allocation does). So every frame is written with a checksum beside it
(``<key>.parquet.sum``: a BLAKE2b digest of the file and its size), and a file whose bytes do
not match is discarded unread. A file without one (written before checksums) is read only when
its parquet structure holds (the magic bytes at both ends, a footer length inside the file).
Capturing stderr around the read instead would not do: the interface itself is drawn on stderr
(Textual's driver writes there, from its own thread), so redirecting it would swallow frames.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import BinaryIO, TextIO

import platformdirs
import polars as pl

from tui.config import Settings
from tui.regular_files import MB, NotARegularFile, read_regular_file_and_status

logger = logging.getLogger("tapewatch.cache")

FRAME_SUFFIX = ".parquet"
CHECKSUM_SUFFIX = ".parquet.sum"
BYTES_SUFFIX = ".bytes"
TEMP_SUFFIX = ".tmp"
# The largest entry tapewatch writes (years of daily bars, or a FINRA file) is a few MB: a file
# past this is not one of ours, and is not read.
ENTRY_SIZE_LIMIT = 256 * MB
# A temporary file this old belongs to a write that was killed (a write takes well under a
# second), not to one in progress.
STALE_TEMPORARY_S = 60.0
PARQUET_MAGIC = b"PAR1"

# A key segment never starts with a dot: that keeps "." and ".." out and keeps every key apart from
# the hidden temporary files the atomic writes use.
_SEGMENT = re.compile(r"[A-Za-z0-9_^=+@-][A-Za-z0-9._^=+@-]*")


def _is_own_file(name: str) -> bool:
    """True for files this cache writes: entries and temporaries a crash left behind."""
    if name.startswith(".") and name.endswith(TEMP_SUFFIX):
        return True
    return not name.startswith(".") and name.endswith((FRAME_SUFFIX, CHECKSUM_SUFFIX, BYTES_SUFFIX))


def validate_key(key: str) -> tuple[str, ...]:
    """Split a key into its path segments; ValueError for a key that could escape the folder."""
    segments = tuple(key.split("/"))
    if not key or not all(_SEGMENT.fullmatch(segment) for segment in segments):
        raise ValueError(
            f"invalid cache key {key!r}: use slash-separated names of letters, digits and "
            "._^=+@- that do not start with a dot"
        )
    return segments


class Cache:
    """Frames and raw bytes kept on disk between runs, addressed by slash-separated keys."""

    def __init__(self, root: Path) -> None:
        self.path = root

    @classmethod
    def default(cls) -> Cache:
        """The per-user cache folder (e.g. ``~/.cache/tapewatch`` on Linux)."""
        return cls(platformdirs.user_cache_path("tapewatch", appauthor=False))

    def _file(self, key: str, suffix: str) -> Path:
        *folders, name = validate_key(key)
        return self.path.joinpath(*folders, name + suffix)

    def read_frame(self, key: str, schema: Mapping[str, pl.DataType]) -> pl.DataFrame | None:
        """The frame stored under ``key`` with ``schema``'s columns in order and types, or None
        when there is none or it is unreadable, lacks a column or holds an uncastable value (such a
        file is deleted and logged)."""
        path = self._file(key, FRAME_SUFFIX)
        loaded = self._load(path)
        if loaded is None:
            return None
        data, stamp = loaded
        if problem := self._damage(key, data):
            self._discard(path, stamp, problem)
            return None
        try:
            frame = pl.read_parquet(data)
        except (pl.exceptions.PolarsError, OSError, pl.exceptions.PanicException) as error:
            # A damaged page can make the parquet reader panic; that must not end the app either.
            self._discard(path, stamp, f"unreadable parquet: {_first_line(error)}")
            return None
        missing = [name for name in schema if name not in frame.columns]
        if missing:
            self._discard(path, stamp, f"lacks column(s) {', '.join(missing)}")
            return None
        try:
            return frame.select(
                pl.col(name).cast(dtype, strict=True) for name, dtype in schema.items()
            )
        except pl.exceptions.PolarsError as error:
            self._discard(path, stamp, f"wrong column type: {_first_line(error)}")
            return None

    def write_frame(self, key: str, frame: pl.DataFrame) -> None:
        """Store ``frame`` under ``key``, replacing any older one atomically, and its checksum
        beside it (a crash between the two leaves a mismatch: the entry is refetched)."""
        buffer = io.BytesIO()
        frame.write_parquet(buffer)
        data = buffer.getvalue()
        self._write(self._file(key, FRAME_SUFFIX), lambda file: file.write(data))
        self._write(self._file(key, CHECKSUM_SUFFIX), lambda file: file.write(_checksum(data)))

    def _damage(self, key: str, data: bytes) -> str | None:
        """Why a frame file must not be parsed, or None: its checksum does not match, or (a
        file without one) its parquet structure is broken."""
        checksum = self._load(self._file(key, CHECKSUM_SUFFIX))
        if checksum is not None:
            return None if checksum[0] == _checksum(data) else "checksum mismatch (damaged file)"
        if len(data) < 12 or not data.startswith(PARQUET_MAGIC) or not data.endswith(PARQUET_MAGIC):
            return "not a parquet file (magic bytes missing)"
        footer = int.from_bytes(data[-8:-4], "little")
        if footer <= 0 or footer > len(data) - 12:
            return "not a parquet file (footer length outside the file)"
        return None

    def read_bytes(self, key: str) -> bytes | None:
        """The bytes stored under ``key``, or None when there are none."""
        loaded = self._load(self._file(key, BYTES_SUFFIX))
        return None if loaded is None else loaded[0]

    def write_bytes(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``, replacing any older bytes atomically."""
        self._write(self._file(key, BYTES_SUFFIX), lambda file: file.write(data))

    def age_s(self, key: str) -> float | None:
        """Seconds since the entry under ``key`` (frame or bytes, the newer) was written; None
        when there is none."""
        mtimes = []
        for suffix in (FRAME_SUFFIX, BYTES_SUFFIX):
            with contextlib.suppress(FileNotFoundError):
                mtimes.append(self._file(key, suffix).stat().st_mtime)
        if not mtimes:
            return None
        return max(0.0, time.time() - max(mtimes))

    def clear(self) -> int:
        """Delete every file this cache wrote (and empty folders under it); returns how many
        files were removed. Files the cache did not write are left alone."""
        if not self.path.is_dir():
            return 0
        removed = 0
        for folder, subfolders, names in os.walk(self.path, topdown=False):
            for name in names:
                if _is_own_file(name):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(os.path.join(folder, name))
                        removed += 1
            for subfolder in subfolders:
                # Only empty folders go; one holding someone else's file stays.
                with contextlib.suppress(OSError):
                    os.rmdir(os.path.join(folder, subfolder))
        return removed

    def remove_stale_temporaries(self, older_than_s: float = STALE_TEMPORARY_S) -> int:
        """Delete the temporary files of writes that were killed before they could rename them
        (older than ``older_than_s``, so a write in progress in another process is left
        alone); returns how many. Call it at start, in a thread."""
        removed = 0
        cutoff = time.time() - older_than_s
        for folder, _, names in os.walk(self.path):
            for name in names:
                if not (name.startswith(".") and name.endswith(TEMP_SUFFIX)):
                    continue
                path = os.path.join(folder, name)
                with contextlib.suppress(OSError):
                    if os.lstat(path).st_mtime < cutoff:
                        os.unlink(path)
                        removed += 1
        if removed:
            logger.info("removed %d temporary file(s) left by interrupted writes", removed)
        return removed

    def _load(self, path: Path) -> tuple[bytes, tuple[int, int]] | None:
        """The file's content and identity (inode, mtime), read through one open handle. What
        is not a regular file within ENTRY_SIZE_LIMIT (a FIFO, a device, a link to one) is
        never read, and is discarded."""
        try:
            data, status = read_regular_file_and_status(path, ENTRY_SIZE_LIMIT)
        except FileNotFoundError:
            return None
        except NotARegularFile as error:
            logger.warning("discarded cache file %s: %s", path, error.strerror)
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        except OSError as error:
            logger.warning("cannot read cache file %s: %s", path, error)
            return None
        return data, (status.st_ino, status.st_mtime_ns)

    def _discard(self, path: Path, stamp: tuple[int, int], reason: str) -> None:
        logger.warning("discarded cache file %s: %s", path, reason)
        try:
            status = path.stat()
            # A writer may have replaced the bad file with a good one since it was read.
            if (status.st_ino, status.st_mtime_ns) == stamp:
                path.unlink()
                if path.suffix == FRAME_SUFFIX:
                    with contextlib.suppress(FileNotFoundError):
                        path.with_name(path.stem + CHECKSUM_SUFFIX).unlink()
        except OSError:
            pass

    def _write(self, path: Path, writer: Callable[[BinaryIO], object]) -> None:
        """Write through a temporary file in the target's folder, fsync it, then rename it over
        the target. A failing writer leaves the old file untouched and no temporary behind; disk
        errors are logged rather than raised, since a missing cache entry only costs a refetch."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp_name = tempfile.mkstemp(
                prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent
            )
        except OSError as error:
            logger.warning("cannot write cache file %s: %s", path, error)
            return
        try:
            with os.fdopen(handle, "wb") as file:
                writer(file)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temp_name, path)
        except BaseException as error:
            with contextlib.suppress(OSError):
                os.unlink(temp_name)
            if not isinstance(error, OSError):
                raise
            logger.warning("cannot write cache file %s: %s", path, error)
            return
        _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _checksum(data: bytes) -> bytes:
    """What ``<key>.parquet.sum`` holds for a frame file of ``data``."""
    return f"{hashlib.blake2b(data, digest_size=16).hexdigest()} {len(data)}\n".encode()


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def cache_command(
    settings: Settings, action: str, *, out: TextIO = sys.stdout, cache: Cache | None = None
) -> int:
    """``tapewatch cache path`` prints the cache folder; ``tapewatch cache clear`` deletes the
    cached files and says how many. Returns the process exit status (2 for an unknown action).

    ``settings`` is taken so every subcommand has the same shape; the cache folder is not
    configurable.
    """
    cache = cache or Cache.default()
    if action == "path":
        print(cache.path, file=out)
        return 0
    if action == "clear":
        removed = cache.clear()
        noun = "file" if removed == 1 else "files"
        print(f"Removed {removed} cached {noun} from {cache.path}", file=out)
        return 0
    print(f"unknown cache action {action!r}: use 'path' or 'clear'", file=out)
    return 2
