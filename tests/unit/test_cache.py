"""The on-disk cache: round trips, atomic writes, bad files discarded, keys, clear, age."""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import platformdirs
import polars as pl
import pytest

from tui.cache import Cache, cache_command
from tui.config import Settings
from tui.sources.base import BARS_SCHEMA

BARS = pl.DataFrame(
    {
        "symbol": ["AAPL", "MSFT"],
        "ts": [dt.datetime(2026, 2, 10, tzinfo=dt.UTC)] * 2,
        "open": [1.0, 2.0],
        "high": [1.5, 2.5],
        "low": [0.5, 1.5],
        "close": [1.2, 2.2],
        "volume": [100.0, None],
        "interval": ["1d", "1d"],
    },
    schema=BARS_SCHEMA,
)


@pytest.fixture
def cache(tmp_path: Path) -> Cache:
    return Cache(tmp_path / "cache")


def test_frame_round_trip_keeps_schema_and_nulls(cache: Cache) -> None:
    cache.write_frame("yahoo/bars/daily", BARS)
    assert (cache.path / "yahoo" / "bars" / "daily.parquet").is_file()
    frame = cache.read_frame("yahoo/bars/daily", BARS_SCHEMA)
    assert frame is not None
    assert frame.schema == BARS_SCHEMA
    assert frame.equals(BARS)


def test_read_frame_selects_schema_columns_in_order_and_casts(cache: Cache) -> None:
    stored = pl.DataFrame({"extra": ["x"], "b": [1], "a": ["2.5"]})
    cache.write_frame("k", stored)
    frame = cache.read_frame("k", {"a": pl.Float64(), "b": pl.Float64()})
    assert frame is not None
    assert frame.columns == ["a", "b"]
    assert frame.row(0) == (2.5, 1.0)


def test_bytes_round_trip_and_overwrite(cache: Cache) -> None:
    cache.write_bytes("finra/shrt20260130", b"first")
    cache.write_bytes("finra/shrt20260130", b"second|payload")
    assert cache.read_bytes("finra/shrt20260130") == b"second|payload"


def test_missing_entries_read_as_none(cache: Cache) -> None:
    assert cache.read_frame("nothing", BARS_SCHEMA) is None
    assert cache.read_bytes("nothing") is None
    assert cache.age_s("nothing") is None


def test_frames_and_bytes_under_one_key_do_not_collide(cache: Cache) -> None:
    cache.write_frame("same", BARS)
    cache.write_bytes("same", b"raw")
    assert cache.read_bytes("same") == b"raw"
    assert cache.read_frame("same", BARS_SCHEMA) is not None


def _leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_writer_crashing_mid_write_leaves_old_file(
    cache: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache.write_frame("snapshot/quotes", BARS)

    def crash_half_way(self: pl.DataFrame, file: Any, **kwargs: Any) -> None:
        file.write(b"PAR1 half a file")
        raise RuntimeError("killed mid-write")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", crash_half_way)
    with pytest.raises(RuntimeError, match="killed mid-write"):
        cache.write_frame("snapshot/quotes", BARS.head(1))
    monkeypatch.undo()

    frame = cache.read_frame("snapshot/quotes", BARS_SCHEMA)
    assert frame is not None and frame.equals(BARS)
    assert _leftovers(cache.path / "snapshot") == ["quotes.parquet", "quotes.parquet.sum"]


def test_disk_error_is_logged_not_raised_and_old_bytes_stay(
    cache: Cache, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    cache.write_bytes("k", b"old")

    def disk_full(handle: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with caplog.at_level(logging.WARNING, logger="tapewatch.cache"):
        cache.write_bytes("k", b"new")
    monkeypatch.undo()

    assert cache.read_bytes("k") == b"old"
    assert _leftovers(cache.path) == ["k.bytes"]
    assert [record.name for record in caplog.records] == ["tapewatch.cache"]
    assert "No space left" in caplog.records[0].getMessage()


def test_file_is_replaced_never_rewritten_in_place(cache: Cache) -> None:
    """A reader holding the old file keeps reading the old content while a write lands."""
    cache.write_bytes("k", b"old content")
    with (cache.path / "k.bytes").open("rb") as reader:
        cache.write_bytes("k", b"new content")
        assert reader.read() == b"old content"
    assert cache.read_bytes("k") == b"new content"


def test_concurrent_readers_only_ever_see_whole_files(cache: Cache) -> None:
    payloads = (b"a" * 1_000_000, b"b" * 1_500_000)
    cache.write_bytes("k", payloads[0])
    seen: list[bytes | None] = []

    def read_while_writing() -> None:
        for _ in range(200):
            seen.append(cache.read_bytes("k"))

    reader = threading.Thread(target=read_while_writing)
    reader.start()
    for round_number in range(40):
        cache.write_bytes("k", payloads[round_number % 2])
    reader.join(timeout=30)
    assert not reader.is_alive()
    assert len(seen) == 200
    assert all(data in payloads for data in seen)


@pytest.mark.parametrize(
    "content",
    [b"", b"not parquet at all", b"PAR1\x00\x00\x00\x00PAR1"],
    ids=["empty", "garbage", "bad-footer"],
)
def test_corrupt_frame_file_is_discarded_and_logged_once(
    cache: Cache, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    cache.write_frame("k", BARS)
    (cache.path / "k.parquet").write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="tapewatch.cache"):
        assert cache.read_frame("k", BARS_SCHEMA) is None
    assert not (cache.path / "k.parquet").exists()
    assert not (cache.path / "k.parquet.sum").exists()
    assert len(caplog.records) == 1
    assert caplog.records[0].name == "tapewatch.cache"
    assert "checksum mismatch" in caplog.records[0].getMessage()


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"", "magic bytes missing"),
        (b"PAR1 not really parquet", "magic bytes missing"),
        (b"PAR1" + b"\0" * 8 + b"\xff\xff\x00\x00PAR1", "footer length outside the file"),
    ],
    ids=["empty", "garbage", "bad-footer"],
)
def test_a_frame_file_without_a_checksum_is_read_only_when_its_structure_holds(
    cache: Cache, content: bytes, why: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Files written before checksums: a broken structure is discarded unread; a sound one is
    read."""
    cache.write_frame("k", BARS)
    (cache.path / "k.parquet.sum").unlink()
    assert (frame := cache.read_frame("k", BARS_SCHEMA)) is not None and frame.equals(BARS)
    (cache.path / "k.parquet").write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="tapewatch.cache"):
        assert cache.read_frame("k", BARS_SCHEMA) is None
    assert not (cache.path / "k.parquet").exists()
    assert why in caplog.records[0].getMessage()


def _run(code: str, cache_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, str(cache_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_damaged_frame_never_reaches_the_parquet_reader(tmp_path: Path) -> None:
    """A damaged cache file that would make polars abort the process with a Rust backtrace
    (on stderr, over the interface) is discarded unread: the process goes on, stderr stays
    empty."""
    write = """
import sys
from pathlib import Path
from tests.damaged_parquet import write_damaged_frame
from tui.cache import Cache
write_damaged_frame(Cache(Path(sys.argv[1])), "snapshot/live/quotes")
"""
    assert _run(write, tmp_path).returncode == 0
    read = """
import logging, sys, polars as pl
from pathlib import Path
from tui.cache import Cache
logging.basicConfig(filename=sys.argv[1] + "/log.txt")  # the app logs to a file, as here
frame = Cache(Path(sys.argv[1])).read_frame("snapshot/live/quotes", {"symbol": pl.String()})
print("discarded" if frame is None else "read")
"""
    done = _run(read, tmp_path)
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "discarded", "")
    assert not (tmp_path / "snapshot/live/quotes.parquet").exists()
    assert "checksum mismatch" in (tmp_path / "log.txt").read_text()


def test_truncated_frame_file_is_discarded(cache: Cache) -> None:
    cache.write_frame("k", BARS)
    path = cache.path / "k.parquet"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert cache.read_frame("k", BARS_SCHEMA) is None
    assert not path.exists()


def test_frame_missing_columns_is_discarded(cache: Cache, caplog: pytest.LogCaptureFixture) -> None:
    cache.write_frame("k", BARS.drop("close", "volume"))
    with caplog.at_level(logging.WARNING, logger="tapewatch.cache"):
        assert cache.read_frame("k", BARS_SCHEMA) is None
    assert not (cache.path / "k.parquet").exists()
    assert len(caplog.records) == 1
    assert "close, volume" in caplog.records[0].getMessage()


def test_frame_with_uncastable_column_is_discarded(
    cache: Cache, caplog: pytest.LogCaptureFixture
) -> None:
    cache.write_frame("k", BARS.with_columns(pl.lit("n/a").alias("close")))
    with caplog.at_level(logging.WARNING, logger="tapewatch.cache"):
        assert cache.read_frame("k", BARS_SCHEMA) is None
    assert not (cache.path / "k.parquet").exists()
    assert len(caplog.records) == 1
    assert "wrong column type" in caplog.records[0].getMessage()


def test_discard_spares_a_file_replaced_since_it_was_read(
    cache: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bad file that a writer has just replaced with a good one is not deleted."""
    cache.write_frame("k", BARS)
    path = cache.path / "k.parquet"
    path.write_bytes(b"garbage")
    real_check = Cache._damage

    def check_then_writer_lands(self: Cache, key: str, data: bytes) -> str | None:
        Cache(cache.path).write_frame("k", BARS)
        return real_check(self, key, data)

    monkeypatch.setattr(Cache, "_damage", check_then_writer_lands)
    assert cache.read_frame("k", BARS_SCHEMA) is None
    monkeypatch.undo()
    frame = cache.read_frame("k", BARS_SCHEMA)
    assert frame is not None and frame.equals(BARS)


@pytest.mark.parametrize(
    "key",
    ["", "/etc/passwd", "../outside", "a/../../b", "a//b", "a/", "./a", ".hidden", "a\\b", "a b"],
)
def test_keys_that_could_escape_or_clash_are_refused(cache: Cache, key: str) -> None:
    with pytest.raises(ValueError, match="invalid cache key"):
        cache.write_bytes(key, b"x")
    with pytest.raises(ValueError, match="invalid cache key"):
        cache.read_frame(key, BARS_SCHEMA)
    assert not cache.path.exists()


@pytest.mark.parametrize("key", ["finra/shrt20260130", "yahoo/^GSPC", "BRK.B", "EURUSD=X", "a-b_c"])
def test_ordinary_keys_are_accepted(cache: Cache, key: str) -> None:
    cache.write_bytes(key, b"x")
    assert cache.read_bytes(key) == b"x"


def test_age_follows_the_newest_write(cache: Cache) -> None:
    cache.write_frame("k", BARS)
    path = cache.path / "k.parquet"
    an_hour_ago = time.time() - 3600
    os.utime(path, (an_hour_ago, an_hour_ago))
    age = cache.age_s("k")
    assert age is not None and 3599 <= age <= 3660
    cache.write_bytes("k", b"fresh")
    age = cache.age_s("k")
    assert age is not None and age < 60


def test_clear_removes_only_cache_files(cache: Cache) -> None:
    cache.write_frame("finra/si", BARS)
    cache.write_bytes("finra/shrt20260130", b"x")
    cache.write_bytes("top", b"x")
    (cache.path / "finra" / ".si.parquet.abc123.tmp").write_bytes(b"left by a crash")
    (cache.path / "notes.txt").write_text("the user's own file")
    (cache.path / "mine").mkdir()
    (cache.path / "mine" / "data.csv").write_text("keep me")

    assert cache.clear() == 5  # the frame's checksum too
    assert sorted(str(path.relative_to(cache.path)) for path in cache.path.rglob("*")) == [
        "mine",
        "mine/data.csv",
        "notes.txt",
    ]
    assert cache.clear() == 0


def test_clear_on_a_missing_folder_removes_nothing(tmp_path: Path) -> None:
    assert Cache(tmp_path / "never-created").clear() == 0


def test_default_cache_is_the_per_user_cache_folder() -> None:
    assert Cache.default().path == platformdirs.user_cache_path("tapewatch", appauthor=False)


def test_cache_command_path_prints_the_folder(cache: Cache) -> None:
    out = io.StringIO()
    assert cache_command(Settings(), "path", out=out, cache=cache) == 0
    assert out.getvalue() == f"{cache.path}\n"


def test_cache_command_clear_says_how_many(cache: Cache) -> None:
    cache.write_bytes("a", b"x")
    cache.write_frame("b/c", BARS)
    out = io.StringIO()
    assert cache_command(Settings(), "clear", out=out, cache=cache) == 0
    assert out.getvalue() == f"Removed 3 cached files from {cache.path}\n"
    assert cache.read_bytes("a") is None


def test_cache_command_rejects_unknown_action(cache: Cache) -> None:
    out = io.StringIO()
    assert cache_command(Settings(), "purge", out=out, cache=cache) == 2
    assert "unknown cache action 'purge'" in out.getvalue()


# --- special files and interrupted writes ----------------------------------------------------


@pytest.mark.timeout(10)  # opening a FIFO for reading would wait for a writer for ever
@pytest.mark.parametrize("kind", ["fifo", "link to /dev/zero", "folder"])
def test_an_entry_that_is_not_a_regular_file_is_never_read_and_is_discarded(
    cache: Cache, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    cache.write_frame("snapshot/live/quotes", BARS)
    path = cache.path / "snapshot" / "live" / "quotes.parquet"
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    else:
        path.symlink_to("/dev/zero")
    with caplog.at_level(logging.WARNING, logger="tapewatch.cache"):
        assert cache.read_frame("snapshot/live/quotes", BARS_SCHEMA) is None
        assert cache.read_bytes("snapshot/live/quotes") is None
    assert "not a regular file" in caplog.text
    if kind != "folder":  # a folder is left alone: unlink cannot remove it
        assert not path.exists() and not path.is_symlink()


def test_an_entry_larger_than_the_limit_is_not_read(
    cache: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tui.cache.ENTRY_SIZE_LIMIT", 100)
    cache.write_bytes("snapshot/live/quotes", b"x" * 101)
    assert cache.read_bytes("snapshot/live/quotes") is None


def test_stale_temporaries_of_killed_writes_are_removed_fresh_ones_and_others_kept(
    cache: Cache,
) -> None:
    cache.write_frame("finra/shrt20260130", BARS)
    folder = cache.path / "finra"
    stale = folder / ".shrt20260130.parquet.k1l2m3.tmp"
    fresh = folder / ".shrt20260213.parquet.a1b2c3.tmp"
    someone_elses = folder / "notes.tmp"
    for path in (stale, fresh, someone_elses):
        path.write_bytes(b"x" * 1000)
    an_hour_ago = time.time() - 3600
    for path in (stale, someone_elses):
        os.utime(path, (an_hour_ago, an_hour_ago))
    assert cache.remove_stale_temporaries() == 1
    assert not stale.exists()
    assert fresh.exists() and someone_elses.exists()
    assert cache.read_frame("finra/shrt20260130", BARS_SCHEMA) is not None
