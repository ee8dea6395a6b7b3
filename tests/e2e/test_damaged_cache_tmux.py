"""End to end: a damaged cached frame costs a refetch, never a backtrace over the interface.
The real `tapewatch` (live, its sources unreachable) in a private tmux server, everything it
writes to its terminal (stdout and stderr: Textual draws on stderr) recorded with
`pipe-pane`, with a cached quotes frame damaged so that polars would abort the process reading
it."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.clean_env import clean_env
from tests.damaged_parquet import write_damaged_frame
from tui.cache import Cache

pytestmark = pytest.mark.e2e

TAPEWATCH = Path(sys.executable).with_name("tapewatch")
UNREACHABLE = "http://127.0.0.1:9"  # nothing listens there: refused at once
CONFIG = f"""source = "live"
[sources.yahoo]
base_url = "{UNREACHABLE}"
[sources.finra]
base_url = "{UNREACHABLE}"
[sources.sec]
base_url = "{UNREACHABLE}"
tickers_url = "{UNREACHABLE}/files/company_tickers.json"
"""


def tmux(socket: str, *args: str) -> str:
    done = subprocess.run(
        ["tmux", "-L", socket, *args], capture_output=True, text=True, timeout=10, check=False
    )
    return done.stdout


def test_a_damaged_cached_frame_prints_nothing_over_the_interface(tmp_path: Path) -> None:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed (.ci/run installs it)")
    cache = Cache(tmp_path / "cache" / "tapewatch")
    write_damaged_frame(cache, "snapshot/live/quotes")
    meta = {"as_of": "2026-02-11T16:30:00+00:00", "fetched_at": "2026-02-11T16:30:00+00:00"}
    cache.write_bytes("snapshot/live/quotes", json.dumps({**meta, "problems": {}}).encode())
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    output = tmp_path / "terminal.txt"
    env = clean_env(tmp_path, config=config)
    variables = " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items())
    command = f"env -i {variables} {TAPEWATCH}"
    socket = f"tapewatch-e2e-{uuid.uuid4().hex[:8]}"
    name = "damaged-cache"
    try:
        # Started on a shell that waits, so the recording begins before tapewatch writes.
        tmux(
            socket, "new-session", "-d", "-s", name, "-x", "120", "-y", "40", "sleep 1; " + command
        )
        tmux(socket, "set-option", "-t", name, "remain-on-exit", "on")
        tmux(socket, "pipe-pane", "-o", "-t", name, f"cat >> {shlex.quote(str(output))}")
        deadline = time.monotonic() + 30
        screen = ""
        while time.monotonic() < deadline:
            screen = tmux(socket, "capture-pane", "-p", "-t", name)
            if "LIVE" in screen and "unreachable" in screen:
                break
            time.sleep(0.2)
        else:
            raise AssertionError(f"the dashboard never said the sources are unreachable:\n{screen}")
        alive = tmux(socket, "list-panes", "-t", name, "-F", "#{pane_dead}").strip() == "0"
        assert alive, screen
        for trace in ("backtrace", "panicked", "memory allocation", "Traceback"):
            assert trace not in screen
        tmux(socket, "send-keys", "-t", name, "q")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if tmux(socket, "list-panes", "-t", name, "-F", "#{pane_dead}").strip() == "1":
                break
            time.sleep(0.2)
    finally:
        tmux(socket, "kill-server")
    written = output.read_text(errors="replace")
    assert "Indices" in written  # the recording holds the interface
    for trace in ("backtrace", "panicked", "memory allocation", "Traceback"):
        assert trace not in written
    assert not (cache.path / "snapshot" / "live" / "quotes.parquet").exists()  # discarded
    log = (tmp_path / "state" / "tapewatch" / "log" / "tapewatch.log").read_text()
    assert "checksum mismatch" in log
