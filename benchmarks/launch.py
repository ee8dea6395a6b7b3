"""Shared by the start-up, idle-CPU and memory benchmarks: start a program in a clean terminal
(a pty or a tmux pane), watch what it draws, and read its CPU time and memory from /proc.

Every run gets a fresh HOME and XDG folders and an `env -i`-style environment, so nothing from
the caller (COLUMNS and LINES from a test runner, a user config, a warm data cache) changes what
is measured.
"""

from __future__ import annotations

import codecs
import contextlib
import fcntl
import os
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
PYTHON = Path(sys.executable)
TAPEWATCH = PYTHON.with_name("tapewatch")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# CSI (cursor moves, colours), OSC (titles, colour queries), DCS, charset picks, short escapes.
ESCAPE = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|P[^\x1b]*\x1b\\|[()][0-9A-Za-z]"
    r"|[@-Z\\-_=>78])"
)
CURSOR_MOVE = re.compile(r"\x1b\[[0-9;]*[HfABCDEFGd]")
SMAPS_HEADER = re.compile(r"^[0-9a-f]+-[0-9a-f]+ ")


# Environment


def clean_env(home: Path) -> dict[str, str]:
    """An `env -i`-style environment with every user folder under ``home``."""
    for folder in ("config", "cache", "state", "data"):
        (home / folder).mkdir(parents=True, exist_ok=True)
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_DATA_HOME": str(home / "data"),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
    }


@contextlib.contextmanager
def fresh_home() -> Iterator[Path]:
    """A temporary HOME, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="tapewatch-bench-") as folder:
        yield Path(folder)


def tapewatch_demo() -> list[str]:
    """The console script, as a user starts it."""
    if not TAPEWATCH.exists():
        raise SystemExit(f"console script not found at {TAPEWATCH}: run `uv sync` first")
    return [str(TAPEWATCH), "--demo"]


def bare_app() -> list[str]:
    """The bare Textual app with the dashboard's widget count (benchmarks/bare_app.py)."""
    return [str(PYTHON), str(BENCHMARKS / "bare_app.py")]


# Statistics


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def p95(samples: Sequence[float]) -> float:
    """The 95th percentile by the nearest-rank method (the maximum for fewer than 20 samples)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, -(-95 * len(ordered) // 100) - 1))]


# A pty that remembers when text first appeared


class ScreenText:
    """The text a program writes to a terminal, escape sequences removed, fed chunk by chunk.

    Cursor moves become newlines, so words from different places on the screen never join.
    A sequence cut between two reads is held back until its end arrives.
    """

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""
        self.text = ""

    def feed(self, data: bytes) -> str:
        """Add ``data``; returns the new plain text it completes."""
        pending = self._pending + self._decoder.decode(data)
        cut = pending.rfind("\x1b")
        if cut >= 0 and ESCAPE.match(pending, cut) is None and len(pending) - cut < 512:
            pending, self._pending = pending[:cut], pending[cut:]
        else:
            self._pending = ""
        plain = ESCAPE.sub("", CURSOR_MOVE.sub("\n", pending))
        self.text += plain
        return plain


@dataclass(frozen=True, slots=True)
class Marker:
    """Something to watch for: a name and a regular expression over the plain text."""

    name: str
    pattern: re.Pattern[str]

    @classmethod
    def literal(cls, text: str) -> Marker:
        return cls(text, re.compile(re.escape(text)))


class PtyProcess:
    """A program on the slave side of a new pty of ``columns`` x ``lines``.

    `t0` is taken just before the fork, so every time is "since process start". Output is read
    as it comes; `seen` holds the time each marker first appeared in it.
    """

    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        columns: int,
        lines: int,
        markers: Sequence[Marker] = (),
    ) -> None:
        self.markers = tuple(markers)
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        self.screen = ScreenText()
        self.first_output: float | None = None
        self.seen: dict[str, float] = {}  # marker name: seconds since start
        # Marker name: CPU seconds the program had used then, all threads and the main thread.
        self.cpu_seen: dict[str, tuple[float, float]] = {}
        self.t0 = time.monotonic()
        self.process = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=dict(env),
            cwd=ROOT,
            start_new_session=True,
            close_fds=True,
            preexec_fn=_take_controlling_terminal,
        )
        os.close(slave)
        self._tail = ""

    @property
    def pid(self) -> int:
        return self.process.pid

    def pump(self, timeout: float) -> bool:
        """Read what is there (waiting at most ``timeout`` s); False once the pty is closed."""
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.master, 65536)
        except OSError:  # EIO: every slave descriptor is closed, the program has gone
            return False
        if not data:
            return False
        now = time.monotonic() - self.t0
        if self.first_output is None:
            self.first_output = now
        plain = self.screen.feed(data)
        # A little of the previous text too: a marker may straddle two reads.
        recent = self._tail + plain
        self._tail = recent[-256:]
        for marker in self.markers:
            if marker.name not in self.seen and marker.pattern.search(recent):
                self.seen[marker.name] = now
                with contextlib.suppress(OSError):
                    self.cpu_seen[marker.name] = (
                        cpu_seconds(self.pid),
                        _stat_ticks(Path(f"/proc/{self.pid}/task/{self.pid}/stat")) / CLOCK_TICKS,
                    )
        return True

    def wait_for(self, markers: Sequence[Marker], timeout: float) -> float | None:
        """Seconds from start until every one of ``markers`` (given to the constructor) has
        appeared; None on timeout or exit."""
        deadline = time.monotonic() + timeout
        while not all(marker.name in self.seen for marker in markers):
            if time.monotonic() > deadline or not self.pump(0.05):
                return None
        return max(self.seen[marker.name] for marker in markers)

    def cpu_when(self, markers: Sequence[Marker]) -> tuple[float, float]:
        """CPU seconds the program had used when the last of ``markers`` appeared: all threads,
        and the main thread alone."""
        last = max(markers, key=lambda marker: self.seen[marker.name])
        return self.cpu_seen.get(last.name, (float("nan"), float("nan")))

    def drain(self, seconds: float) -> None:
        """Keep reading for ``seconds`` so the program never blocks on a full pty."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.pump(0.05):
            pass

    def quit(self, key: bytes = b"q", timeout: float = 5.0) -> None:
        """Press ``key`` and wait for the program to exit; end its process group if it does not."""
        with contextlib.suppress(OSError):
            os.write(self.master, key)
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            self.pump(0.05)
        if self.process.poll() is None:
            _end_group(self.process)
        os.close(self.master)


def _take_controlling_terminal() -> None:
    # In the child after setsid(): make the pty its controlling terminal, as a shell would.
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _end_group(process: subprocess.Popen[bytes]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=3)
            return
        except subprocess.TimeoutExpired:
            continue


# tmux


class TmuxPane:
    """A detached tmux session on its own server socket, running one command in a pane."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], columns: int, lines: int):
        self.socket = f"tapewatch-bench-{uuid.uuid4().hex[:8]}"
        self.session = "bench"
        exported = " ".join(f"{key}={_quote(value)}" for key, value in env.items())
        command = f"exec env -i {exported} {' '.join(_quote(arg) for arg in argv)}"
        self._tmux(
            "new-session", "-d", "-s", self.session, "-x", str(columns), "-y", str(lines), command
        )
        self._tmux("set-option", "-t", self.session, "remain-on-exit", "on")
        self.pid = int(self._tmux("display-message", "-p", "-t", self.session, "#{pane_pid}"))

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10
        )
        return done.stdout.strip()

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", self.session)

    def wait_for(self, markers: Sequence[Marker], timeout: float) -> str | None:
        """The screen once every marker is on it at once (None on timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if all(marker.pattern.search(screen) for marker in markers):
                return screen
            time.sleep(0.2)
        return None

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", self.session, *keys)

    def close(self) -> None:
        """Quit the program, then end this benchmark's own tmux server."""
        self.keys("q")
        deadline = time.monotonic() + 5
        while Path(f"/proc/{self.pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        self._tmux("kill-server")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


# /proc


@dataclass(frozen=True, slots=True)
class CpuSample:
    """CPU seconds a process (all its threads) has used, per thread, and its context switches."""

    at: float
    total_s: float
    threads: dict[str, float]
    voluntary_switches: int


def cpu_sample(pid: int) -> CpuSample:
    """utime + stime of the whole process (/proc/<pid>/stat sums every thread) and per thread:
    "main (tid)", then the others by their kernel name (Python threads carry the program's
    name, polars' pool "polars-N")."""
    at = time.monotonic()
    total = cpu_seconds(pid)
    threads: dict[str, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            name = "main" if task.name == str(pid) else (task / "comm").read_text().strip()
            threads[f"{name} ({task.name})"] = _stat_ticks(task / "stat") / CLOCK_TICKS
    switches = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            switches += int(_status_field(task / "status", "voluntary_ctxt_switches"))
    return CpuSample(at, total, threads, switches)


def cpu_seconds(pid: int) -> float:
    """utime + stime of the whole process, every thread included (10 ms resolution)."""
    return _stat_ticks(Path(f"/proc/{pid}/stat")) / CLOCK_TICKS


def _stat_ticks(path: Path) -> int:
    # The command name (field 2) may hold spaces: split after its closing parenthesis.
    fields = path.read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)


def _status_field(path: Path, name: str) -> str:
    for line in path.read_text().splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1].strip()
    raise KeyError(name)


def memory_mib(pid: int) -> dict[str, float]:
    """VmRSS, VmHWM (peak RSS), RssAnon and RssFile of ``pid`` in MiB."""
    status = Path(f"/proc/{pid}/status")
    return {
        name: int(_status_field(status, name).split()[0]) / 1024
        for name in ("VmRSS", "VmHWM", "RssAnon", "RssFile")
    }


def mapped_mib(pid: int, top: int = 4) -> dict[str, float]:
    """Resident MiB per mapped file of ``pid``, the ``top`` largest, then everything else
    anonymous (heap, thread stacks, allocator arenas) and all other files together."""
    resident: dict[str, float] = {}
    mapping = ""
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        fields = line.split()
        if SMAPS_HEADER.match(line):
            path = fields[5] if len(fields) > 5 else ""
            mapping = path if path.startswith("/") else "anonymous (heap, stacks, arenas)"
        elif fields[0] == "Rss:":
            resident[mapping] = resident.get(mapping, 0.0) + int(fields[1]) / 1024
    anonymous = resident.pop("anonymous (heap, stacks, arenas)", 0.0)
    files = sorted(resident.items(), key=lambda item: -item[1])
    shown = {Path(path).name: value for path, value in files[:top]}
    shown["other mapped files"] = sum(value for _, value in files[top:])
    shown["anonymous (heap, stacks, arenas)"] = anonymous
    return shown
