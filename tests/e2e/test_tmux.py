"""End to end: the real `tapewatch --demo` in a tmux pane, driven with keys, read off the screen.

Every session runs on a private tmux server (`tmux -L <socket>`), started for the test and killed
after it: running the tests never touches the user's own tmux sessions.
"""

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

from tests.clean_env import clean_env

pytestmark = pytest.mark.e2e

TAPEWATCH = Path(sys.executable).with_name("tapewatch")


class Tmux:
    """A private tmux server: its own socket name, so the user's default server is never used."""

    def __init__(self, socket: str) -> None:
        self.socket = socket

    def __call__(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10
        )
        return done.stdout


class Terminal:
    """A detached tmux session running one command."""

    def __init__(self, tmux: Tmux, name: str) -> None:
        self.tmux = tmux
        self.name = name

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.name)

    def screen_with_colours(self) -> str:
        """The screen with its SGR escape codes, as tmux keeps them."""
        return self.tmux("capture-pane", "-e", "-p", "-t", self.name)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.name, *keys)

    def type(self, text: str) -> None:
        self.tmux("send-keys", "-t", self.name, "-l", text)

    def type_then_keys(self, text: str, *keys: str) -> None:
        """``text`` and then ``keys`` in one tmux command: they reach the terminal in one write,
        as fast as a quick typist (or a paste) sends them."""
        self.tmux(
            "send-keys", "-t", self.name, "-l", text, ";", "send-keys", "-t", self.name, *keys
        )

    def wait_for(self, predicate: Callable[[str], bool], what: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}; screen was:\n{screen}")

    def alive(self) -> bool:
        return self.tmux("list-panes", "-t", self.name, "-F", "#{pane_dead}").strip() == "0"


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    """A private tmux server for one test, killed with all its sessions afterwards."""
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed (.ci/run installs it)")
    server = Tmux(f"tapewatch-e2e-{uuid.uuid4().hex[:8]}")
    yield server
    server("kill-server")


@pytest.fixture
def terminal(tmp_path: Path, tmux: Tmux) -> Iterator[Callable[..., Terminal]]:
    if not TAPEWATCH.exists():
        pytest.fail(f"console script not found at {TAPEWATCH}")
    config = tmp_path / "config.toml"
    config.write_text('source = "demo"\n')
    env = clean_env(tmp_path, config=config)

    def start(width: int, height: int, term: str = "xterm-256color") -> Terminal:
        name = f"tapewatch-e2e-{uuid.uuid4().hex[:8]}"
        variables = {**env, "TERM": term}
        command = " ".join(
            [*(f"{key}='{value}'" for key, value in variables.items()), str(TAPEWATCH), "--demo"]
        )
        tmux(
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            str(width),
            "-y",
            str(height),
            # env -i: nothing inherited from the test runner (COLUMNS/LINES would fix the size).
            "env -i " + command,
        )
        tmux("set-option", "-t", name, "remain-on-exit", "on")
        return Terminal(tmux, name)

    yield start  # the `tmux` fixture kills the server, and these sessions with it


def test_dashboard_drill_down_help_and_quit_at_120x40(
    terminal: Callable[[int, int], Terminal],
) -> None:
    term = terminal(120, 40)
    screen = term.wait_for(
        lambda s: "Indices" in s and "S&P 500" in s and "DEMO" in s, "the dashboard with data"
    )
    assert "Sector flows" in screen
    # Demo data on screen: a sector ETF and a percentage.
    term.wait_for(lambda s: "XLK" in s and "%" in s, "sector rows")

    term.keys("/")
    term.wait_for(lambda s: "Open ticker" in s, "the ticker prompt")
    term.type("MSFT")
    term.keys("Enter")
    term.wait_for(lambda s: "Microsoft" in s and "1D" in s, "the MSFT drill-down")
    term.keys("3")
    term.wait_for(lambda s: "3 1M" in s, "the 1M range")
    term.keys("Escape")
    term.wait_for(lambda s: "Sector flows" in s, "back on the dashboard")

    term.keys("?")
    term.wait_for(lambda s: "How each figure is computed" in s or "Keys" in s, "the help screen")
    term.keys("Escape")
    # In the 120-column grid the panes' titles show above the help box: wait for the box to go.
    term.wait_for(lambda s: "Sector flows" in s and "tapewatch help" not in s, "help closed")

    term.keys("/")
    term.wait_for(lambda s: "Open ticker" in s, "the ticker prompt")
    term.type("ZZZZ")
    term.keys("Enter")
    term.wait_for(lambda s: "ZZZZ is not in the demo" in s, "an unknown-symbol message")
    term.keys("Escape")
    # Wait: an Escape followed at once by a key reads as Alt+key in a terminal.
    term.wait_for(lambda s: "Open ticker" not in s, "the prompt to close")

    term.keys("q")
    term.wait_for(lambda s: not term.alive(), "tapewatch to quit", timeout=10)


def test_compact_pane_at_40x30(terminal: Callable[[int, int], Terminal]) -> None:
    term = terminal(40, 30)
    screen = term.wait_for(
        lambda s: "DEMO" in s and "S&P 500" in s and "XLK" in s, "indices and sectors with data"
    )
    lines = screen.splitlines()
    assert all(len(line) <= 40 for line in lines)
    # Tab moves to the next pane; Enter drills into the ticker under the cursor.
    term.keys("Tab")
    term.keys("Enter")
    term.wait_for(lambda s: "1D" in s and "5D" in s, "a drill-down from the compact layout")
    term.keys("Escape")
    term.wait_for(lambda s: "Indices" in s and "1D" not in s, "back on the dashboard")
    term.keys("q")
    term.wait_for(lambda s: not term.alive(), "tapewatch to quit", timeout=10)


def test_keys_typed_right_after_slash_reach_the_prompt(
    terminal: Callable[[int, int], Terminal],
) -> None:
    """`/ORCL` and Enter in one write: every key after `/` goes to the prompt, none to the
    dashboard behind it (it used to open CL, the O and R lost on the way)."""
    term = terminal(120, 40)
    term.wait_for(lambda s: "XLK" in s and "SOUN" in s, "the dashboard with data")
    term.type_then_keys("/ORCL", "Enter")
    term.wait_for(lambda s: "ORCL" in s and "Oracle" in s and "1D" in s, "the ORCL drill-down")
    term.keys("Escape")
    term.wait_for(lambda s: "Sector flows" in s, "back on the dashboard")
    # S is a key of the dashboard too (reverse sort): typed after `/`, it is a letter of MSFT.
    term.type_then_keys("/MSFT", "Enter")
    term.wait_for(lambda s: "Microsoft" in s and "1D" in s, "the MSFT drill-down")


def test_codes_open_corr_and_a_watchlist_whose_edit_survives_a_restart(
    terminal: Callable[[int, int], Terminal], tmp_path: Path
) -> None:
    term = terminal(120, 40)
    term.wait_for(lambda s: "XLK" in s and "SOUN" in s, "the dashboard with data")

    term.keys("/")
    term.wait_for(lambda s: "Open ticker or code" in s, "the prompt")
    term.type("CORR Mag 7")
    term.wait_for(lambda s: "CORR Mag 7  · correlation matrix" in s, "the code suggested")
    term.keys("Enter")
    screen = term.wait_for(lambda s: "CORR Mag 7 · 60 d window" in s and "Mean" in s, "CORR")
    # The member that broke away heads the matrix: MSFT, its mean correlation near zero.
    rows = [line.split() for line in screen.splitlines() if line.split()[:2] == ["MSFT", "·"]]
    assert rows and rows[0][-1] in ("0.05", "0.04", "0.06"), screen
    term.keys("c")
    term.wait_for(lambda s: "change since the window" in s, "the change against a year ago")
    term.keys("Escape")
    term.wait_for(lambda s: "Sector flows" in s, "back on the dashboard")

    term.keys("/")
    term.wait_for(lambda s: "Open ticker or code" in s, "the prompt")
    term.type("W")
    term.keys("Enter")
    term.wait_for(lambda s: "Watchlists · Tab: next list" in s and "PLTR" in s, "the watchlist")
    term.keys("+")
    term.wait_for(lambda s: "Add to Watchlist" in s, "the add prompt")
    # It holds the ticker under the cursor, selected: what is typed replaces it.
    term.wait_for(lambda s: "AAPL   Apple Inc." in s, "the cursor's ticker offered")
    term.type("COIN")
    term.wait_for(lambda s: "Coinbase" in s, "COIN suggested")
    term.keys("Enter")
    term.wait_for(lambda s: "COIN added to Watchlist" in s, "COIN added")
    term.wait_for(lambda s: "COIN " in s and "Add to" not in s, "COIN in the list")
    term.keys("q")
    term.wait_for(lambda s: not term.alive(), "tapewatch to quit", timeout=10)
    assert "COIN" in (tmp_path / "data" / "tapewatch" / "watchlists.json").read_text()

    term = terminal(120, 40)
    term.wait_for(lambda s: "XLK" in s and "SOUN" in s, "the dashboard again")
    term.type_then_keys("/W", "Enter")
    term.wait_for(lambda s: "Watchlists · Tab" in s and "COIN" in s, "COIN still there")
    assert "COIN" not in (tmp_path / "config.toml").read_text()  # the config is untouched
    term.keys("q")
    term.wait_for(lambda s: not term.alive(), "tapewatch to quit", timeout=10)


def test_tmux_server_is_private(tmux: Tmux) -> None:
    """The tests' sessions live on their own server (its own socket), not the user's default."""
    tmux("new-session", "-d", "-s", "probe", "sleep 30")
    assert "probe" in tmux("list-sessions", "-F", "#{session_name}")
    socket = tmux("display-message", "-p", "-t", "probe", "#{socket_path}").strip()
    assert socket.endswith("/" + tmux.socket)


def test_gains_and_losses_in_ansi_green_and_red_on_a_16_colour_terminal(
    terminal: Callable[..., Terminal],
) -> None:
    """TERM=xterm has 16 colours: a gain and a loss used to be the same grey (ESC[37m)."""
    term = terminal(120, 40, term="xterm")
    term.wait_for(lambda s: "XLK" in s and "▲" in s and "▼" in s, "the dashboard with data")
    screen = term.screen_with_colours()
    gain = re.search(r"\x1b\[([0-9;]*)m▲ \+", screen)
    loss = re.search(r"\x1b\[([0-9;]*)m▼ −", screen)
    assert gain is not None and loss is not None, screen
    assert "92" in gain.group(1).split(";")
    assert "91" in loss.group(1).split(";")
