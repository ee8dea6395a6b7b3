"""End to end: the real `tapewatch --demo` in tmux (a private server) with the story rule. Its raw
output, read through `pipe-pane`, holds the desktop notification escapes (OSC 9 and OSC 777,
wrapped for tmux's passthrough) and the terminal bell of a real firing; after a restart the rule
does not fire again."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.alert_rules import STORY_RULE
from tests.clean_env import clean_env

pytestmark = pytest.mark.e2e

TAPEWATCH = Path(sys.executable).with_name("tapewatch")
CONFIG = 'source = "demo"\n' + STORY_RULE + '[alerting]\ndesktop = "both"\n'
# What tmux's passthrough makes of an escape: ESC P tmux; ... ESC \, every ESC inside doubled.
OSC9 = "\x1bPtmux;\x1b\x1b]9;tapewatch: MSFT in Mag 7: MSFT in Mag 7 corr to peers 0.05 < 0.10"
OSC777 = "\x1bPtmux;\x1b\x1b]777;notify;tapewatch: MSFT in Mag 7;MSFT in Mag 7 corr to peers"
# Escape sequences that end in BEL or ST, so that a BEL left over is the bell itself.
SEQUENCES = re.compile(r"\x1bPtmux;.*?\x1b\\|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)", re.S)


class Tmux:
    """A private tmux server (its own socket), never the user's."""

    def __init__(self) -> None:
        self.socket = f"tapewatch-alerts-{uuid.uuid4().hex[:8]}"

    def __call__(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            timeout=10,
        )
        return done.stdout


class Run:
    """One tapewatch in a tmux session, its raw output piped to a file."""

    def __init__(self, tmux: Tmux, name: str, raw: Path) -> None:
        self.tmux, self.name, self.raw = tmux, name, raw

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.name)

    def output(self) -> str:
        return self.raw.read_bytes().decode("utf-8", "replace") if self.raw.exists() else ""

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.name, *keys)

    def wait_for(self, predicate: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}; screen was:\n{self.screen()}")

    def alive(self) -> bool:
        return self.tmux("list-panes", "-t", self.name, "-F", "#{pane_dead}").strip() == "0"


@pytest.fixture
def tapewatch(tmp_path: Path) -> Iterator[Callable[[str], Run]]:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed (.ci/run installs it)")
    if not TAPEWATCH.exists():
        pytest.fail(f"console script not found at {TAPEWATCH}")
    tmux = Tmux()
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    env = clean_env(tmp_path, config=config)
    assignments = " ".join(f"{key}='{value}'" for key, value in env.items())

    def start(label: str) -> Run:
        name = f"run-{label}"
        gate = tmp_path / f"{name}.go"
        # The app starts once its output is piped (the gate), so no byte of it is missed; env -i
        # keeps the test runner's environment out, except TMUX, which tells it to wrap escapes.
        command = (
            f"while [ ! -e '{gate}' ]; do sleep 0.05; done; "
            f'exec env -i TMUX="$TMUX" {assignments} {TAPEWATCH} --demo'
        )
        tmux("new-session", "-d", "-s", name, "-x", "120", "-y", "40", "sh", "-c", command)
        tmux("set-option", "-t", name, "remain-on-exit", "on")
        tmux("set-option", "-t", name, "allow-passthrough", "on")
        raw = tmp_path / f"{name}.raw"
        tmux("pipe-pane", "-t", name, f"cat >> '{raw}'")
        gate.touch()
        return Run(tmux, name, raw)

    yield start
    tmux("kill-server")


def test_a_real_firing_writes_the_escapes_and_the_bell_and_a_restart_does_not_refire(
    tapewatch: Callable[[str], Run],
) -> None:
    first = tapewatch("first")
    first.wait_for(lambda: "MSFT in Mag 7 corr to peers" in first.screen(), "the alert's toast")
    first.wait_for(lambda: OSC9 in first.output(), "the OSC 9 escape")
    output = first.output()
    assert OSC777 in output
    assert output.count(OSC9) == 1
    assert "\x07" in SEQUENCES.sub("", output), "no terminal bell outside the escapes"

    first.keys("A")
    first.wait_for(lambda: "ALRT" in first.screen() and "History" in first.screen(), "ALRT")
    screen = first.screen()
    assert "config" in screen and "fired" in screen and "MSFT broke away" in screen
    first.keys("q")
    first.wait_for(lambda: not first.alive(), "tapewatch to quit", timeout=10)

    second = tapewatch("second")
    second.wait_for(lambda: "S&P 500" in second.screen(), "the dashboard with data")
    second.keys("A")
    second.wait_for(
        lambda: "ALRT" in second.screen() and "fired" in second.screen(),
        "ALRT with the rule's state read back",
    )
    output = second.output()
    assert "]9;" not in output and "]777;" not in output
    assert "corr to peers 0.05 < 0.10 — MSFT broke away" not in second.screen()
    second.keys("q")
    second.wait_for(lambda: not second.alive(), "tapewatch to quit", timeout=10)
