"""Reading only regular files, within a size limit: a FIFO, a device or a link to one never hangs
or swells tapewatch."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tui.regular_files import KB, NotARegularFile, read_regular_file, size_text

pytestmark = pytest.mark.timeout(10)  # a blocking read would hang: fail instead


def test_a_regular_file_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "a.toml"
    path.write_bytes(b"x" * 100)
    assert read_regular_file(path, 100) == b"x" * 100


def test_a_link_to_a_regular_file_is_followed(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_bytes(b"ok")
    (tmp_path / "link.toml").symlink_to(tmp_path / "a.toml")
    assert read_regular_file(tmp_path / "link.toml", 100) == b"ok"


def test_a_file_over_the_limit_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "big"
    path.write_bytes(b"x" * (2 * KB + 1))
    with pytest.raises(NotARegularFile) as caught:
        read_regular_file(path, 2 * KB)
    assert caught.value.strerror == "larger than 2 KB"


def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    with pytest.raises(NotARegularFile) as caught:
        read_regular_file(fifo, KB)
    assert caught.value.strerror == "a FIFO, not a regular file"


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_or_a_link_to_one_is_refused(tmp_path: Path, device: str) -> None:
    link = tmp_path / "link"
    link.symlink_to(device)
    for path in (Path(device), link):
        with pytest.raises(NotARegularFile) as caught:
            read_regular_file(path, KB)
        assert caught.value.strerror == "a character device, not a regular file"


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OSError, match=r"folder|directory"):
        read_regular_file(tmp_path, KB)


def test_a_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_regular_file(tmp_path / "none", KB)


def test_sizes_read_in_plain_units() -> None:
    assert (size_text(4 * 1024 * 1024), size_text(512 * KB), size_text(300)) == (
        "4 MB",
        "512 KB",
        "300 bytes",
    )
