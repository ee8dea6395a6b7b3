"""A cached frame damaged in the way that hurts most: one byte of a page header that makes
polars 2.1's parquet reader ask for 2 EiB and abort the whole process, a Rust backtrace on
stderr. Written through the cache (so with its checksum), then damaged on disk."""

from __future__ import annotations

import polars as pl

from tui.cache import FRAME_SUFFIX, Cache

# The frame, and the byte of its parquet file that, changed to this value, aborts the reader.
ABORTING_OFFSET = 15
ABORTING_VALUE = 195


def aborting_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {"symbol": [f"S{i}" for i in range(2000)], "x": [float(i) for i in range(2000)]}
    )


def write_damaged_frame(cache: Cache, key: str) -> None:
    """Write the frame under ``key``, then damage its file on disk (its checksum stays)."""
    cache.write_frame(key, aborting_frame())
    path = cache.path.joinpath(*key.split("/")).with_suffix(FRAME_SUFFIX)
    data = bytearray(path.read_bytes())
    data[ABORTING_OFFSET] = ABORTING_VALUE
    path.write_bytes(bytes(data))
