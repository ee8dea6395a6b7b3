"""`tapewatch serve`: loopback by default, --public with a warning, the app's options passed on.
(The page itself is tested in a real browser: tests/e2e/test_serve_browser.py.)"""

from __future__ import annotations

import io
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest

from tui import serve
from tui.cli import main


class FakeServer:
    """Stands in for textual-serve: records what it was asked to serve."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, int, str]] = []
        self.served = 0

    def __call__(self, command: str, host: str, port: int, url: str) -> Any:
        self.calls.append((command, host, port, url))

        def run() -> None:
            self.served += 1

        return run


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("desk.example.com", False),
    ],
)
def test_only_loopback_counts_as_loopback(host: str, loopback: bool) -> None:
    assert serve.is_loopback(host) is loopback


def test_another_address_is_refused_without_public() -> None:
    fake, err = FakeServer(), io.StringIO()
    status = serve.run_serve(
        host="0.0.0.0", port=8000, public=False, app_args=[], err=err, make_server=fake
    )
    assert status == 2
    assert fake.calls == []
    assert err.getvalue().startswith(
        "tapewatch: refusing to serve on 0.0.0.0:8000: the monitor has no authentication"
    )
    assert "Add --public" in err.getvalue()


def test_public_serves_with_a_warning_that_there_is_no_authentication() -> None:
    fake, err = FakeServer(), io.StringIO()
    status = serve.run_serve(
        host="10.1.2.3", port=8080, public=True, app_args=["--demo"], err=err, make_server=fake
    )
    assert status == 0
    assert fake.served == 1
    warning = err.getvalue()
    assert "WARNING: serving on 10.1.2.3:8080 with --public. There is no authentication" in warning
    assert fake.calls[0][1:] == ("10.1.2.3", 8080, "http://10.1.2.3:8080")


def test_loopback_serves_without_a_warning() -> None:
    fake, err = FakeServer(), io.StringIO()
    serve.run_serve(
        host="127.0.0.1", port=8000, public=False, app_args=[], err=err, make_server=fake
    )
    assert "WARNING" not in err.getvalue()
    assert "open http://127.0.0.1:8000 in a browser" in err.getvalue()


def test_each_session_runs_this_pythons_monitor_with_the_options() -> None:
    command = serve.app_command(["--config", "/tmp/my config.toml", "--demo"])
    assert shlex.split(command) == [
        sys.executable,
        "-m",
        "tui",
        "--config",
        "/tmp/my config.toml",
        "--demo",
    ]


def test_a_wildcard_address_is_shown_as_this_machines_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(serve.socket, "getfqdn", lambda: "box7.desk")
    assert serve.page_url("0.0.0.0", 8000) == "http://box7.desk:8000"
    assert serve.page_url("::1", 9000) == "http://[::1]:9000"


def test_the_cli_passes_config_demo_and_as_of_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(serve, "run_serve", lambda **kwargs: seen.update(kwargs) or 0)
    config = tmp_path / "desk.toml"
    config.write_text('source = "demo"\n')
    monkeypatch.chdir(tmp_path)
    status = main(["serve", "--config", "desk.toml", "--demo", "--as-of", "2026-02-04"])
    assert status == 0
    assert seen == {
        "host": "127.0.0.1",
        "port": 8000,
        "public": False,
        "app_args": ["--config", str(config), "--demo", "--as-of", "2026-02-04"],
    }


def test_a_bad_config_fails_before_anything_is_served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(serve, "run_serve", lambda **kwargs: pytest.fail("served anyway"))
    config = tmp_path / "bad.toml"
    config.write_text('source = "nowhere"\n')
    assert main(["serve", "--config", str(config)]) == 2
    assert "source" in capsys.readouterr().err
