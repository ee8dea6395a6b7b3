"""The test fixture's own promises: which binary it runs, and a port taken before it starts."""

from __future__ import annotations

import os
import socket
import sys
import sysconfig
from pathlib import Path

import pytest

from tests import natsserver


def test_the_wheels_binary_is_found_beside_this_python() -> None:
    binary = natsserver.nats_server_binary()
    assert binary is not None
    assert binary.parent == Path(sysconfig.get_path("scripts"))


def test_a_nats_server_on_path_is_the_fallback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    debian = bin_dir / "nats-server"
    debian.write_text("#!/bin/sh\n")
    debian.chmod(0o755)
    monkeypatch.setattr(sysconfig, "get_path", lambda name: str(tmp_path / "venv-bin"))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "venv-bin" / "python"))
    monkeypatch.setenv("PATH", str(bin_dir))
    assert natsserver.nats_server_binary() == debian
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert natsserver.nats_server_binary() is None


def test_a_port_taken_before_the_first_start_is_traded_for_another(tmp_path: Path) -> None:
    server = natsserver.NatsServer(tmp_path)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", server.port))
        squatter.listen()
        taken = server.port
        with server:
            assert server.port != taken
            assert server.running
    assert not server.running
    assert os.path.exists(server.log_path)
