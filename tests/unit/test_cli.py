"""The command line, run in-process: help, version, the config commands, dispatch, errors."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tui import __version__
from tui.cli import main
from tui.config import Settings, example_config_text
from tui.desk.options import NatsOptions
from tui.recording import default_recordings_folder

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every config location at the test's own folder."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("TAPEWATCH_CONFIG", raising=False)
    return tmp_path


@pytest.fixture
def default_config(tmp_path: Path) -> Path:
    return tmp_path / "xdg" / "tapewatch" / "config.toml"


Calls = list[tuple[str, tuple[Any, ...], dict[str, Any]]]


@pytest.fixture
def fake_commands(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """Stand-ins for the modules the CLI hands work to; each records how it was called."""
    calls: Calls = []

    def recorder(name: str) -> Callable[..., int]:
        def record(*args: Any, **kwargs: Any) -> int:
            calls.append((name, args, kwargs))
            return 0

        return record

    for module, functions in [
        ("tui.app", ["run_app"]),
        ("tui.snapshot", ["run_snapshot"]),
        ("tui.doctor", ["run_doctor", "run_nats_doctor"]),
        ("tui.daemon", ["run_feed"]),
        ("tui.cache", ["cache_command"]),
    ]:
        fake = types.ModuleType(module)
        for function in functions:
            setattr(fake, function, recorder(function))
        monkeypatch.setitem(sys.modules, module, fake)
    return calls


def write_config(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- help and version ----------------------------------------------------------------------------


def test_help_lists_every_command_and_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for word in [
        "--config",
        "--demo",
        "--as-of",
        "--version",
        "config",
        "snapshot",
        "doctor",
        "feed",
    ]:
        assert word in out
    assert "cache" in out.split("commands:")[1]
    assert "print the data cache's folder, or clear it" in out


def test_config_help_lists_its_actions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "--help"]) == 0
    out = capsys.readouterr().out
    assert "print the config file in use and whether it exists" in out
    assert "write the commented example config" in out
    assert "validate a config file and list every problem" in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"tapewatch {__version__}\n"


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["frobnicate"]) == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err


def test_config_without_an_action_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config"]) == 2
    assert "the following arguments are required: ACTION" in capsys.readouterr().err


# --- config path -------------------------------------------------------------------------------


def test_config_path_shows_the_missing_default(
    capsys: pytest.CaptureFixture[str], default_config: Path
) -> None:
    assert main(["config", "path"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == str(default_config)
    assert lines[1].startswith("  does not exist (the default location): the defaults apply")


def test_config_path_shows_an_existing_file_named_by_the_environment(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    named = write_config(tmp_path / "mine.toml", "")
    monkeypatch.setenv("TAPEWATCH_CONFIG", str(named))
    assert main(["config", "path"]) == 0
    assert capsys.readouterr().out == f"{named}\n  exists (named by $TAPEWATCH_CONFIG)\n"


def test_config_path_follows_the_config_option_before_or_after_the_command(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "other.toml"
    for argv in (
        ["--config", str(missing), "config", "path"],
        ["config", "path", "--config", str(missing)],
    ):
        assert main(argv) == 0
        out = capsys.readouterr().out
        assert out.startswith(f"{missing}\n  does not exist (named by --config)")
        assert "will not start until it does" in out


# --- config init -------------------------------------------------------------------------------


def test_config_init_writes_the_example_creating_folders(
    capsys: pytest.CaptureFixture[str], default_config: Path
) -> None:
    assert main(["config", "init"]) == 0
    assert default_config.read_text(encoding="utf-8") == example_config_text()
    assert capsys.readouterr().out == f"Wrote {default_config}\n"


def test_config_init_never_overwrites(
    capsys: pytest.CaptureFixture[str], default_config: Path
) -> None:
    write_config(default_config, "# mine\n")
    assert main(["config", "init"]) == 1
    assert default_config.read_text(encoding="utf-8") == "# mine\n"
    err = capsys.readouterr().err
    assert err == (
        f"tapewatch: {default_config} already exists; not overwritten "
        "(use --path to write elsewhere)\n"
    )


def test_config_init_writes_where_it_is_told(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, default_config: Path
) -> None:
    target = tmp_path / "deep" / "er" / "tapewatch.toml"
    assert main(["config", "init", "--path", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == example_config_text()
    assert not default_config.exists()
    named = tmp_path / "named.toml"
    assert main(["--config", str(named), "config", "init"]) == 0
    assert named.exists()


def test_config_init_reports_a_folder_it_cannot_create(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    blocker = write_config(tmp_path / "a-file", "")
    assert main(["config", "init", "--path", str(blocker / "config.toml")]) == 1
    assert capsys.readouterr().err.startswith(f"tapewatch: cannot write {blocker / 'config.toml'}:")


# --- config check --------------------------------------------------------------------------------


def test_config_check_accepts_the_example(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path / "ok.toml", example_config_text())
    assert main(["config", "check", str(path)]) == 0
    assert capsys.readouterr().out == f"OK: {path}\n"


def test_config_check_without_a_file_checks_the_one_in_use(
    capsys: pytest.CaptureFixture[str], default_config: Path
) -> None:
    assert main(["config", "check"]) == 0
    assert (
        capsys.readouterr().out == f"OK: {default_config} does not exist, so the defaults apply\n"
    )
    write_config(default_config, 'theme = "nord"\n')
    assert main(["config", "check"]) == 0
    assert capsys.readouterr().out == f"OK: {default_config}\n"


def test_config_check_reports_every_problem(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path / "bad.toml", "[refresh]\nquote = 5\n[demo]\nspeed = 0\n")
    assert main(["config", "check", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        f"tapewatch: 2 problems in {path}:",
        "  refresh.quote: unknown key (did you mean `refresh.quotes`?)",
        "  demo.speed: expected more than 0 and at most 600 market minutes a second, found 0 "
        "(600 replays a whole session in under a minute)",
    ]


def test_config_check_of_a_missing_file_is_an_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["config", "check", str(tmp_path / "nope.toml")]) == 2
    assert "file not found (named by --config)" in capsys.readouterr().err


# --- running the monitor and the other commands -------------------------------------------


def test_the_monitor_gets_the_settings_and_the_date(
    fake_commands: Calls, default_config: Path
) -> None:
    write_config(default_config, 'theme = "nord"\n')
    assert main(["--as-of", "2026-02-11"]) == 0
    [(name, args, kwargs)] = fake_commands
    assert name == "run_app"
    assert args[0].theme == "nord"
    assert args[0].source == "live"
    assert kwargs == {"as_of": dt.date(2026, 2, 11)}


def test_record_keeps_the_session_where_it_is_told_or_in_the_data_folder(
    fake_commands: Calls, default_config: Path, tmp_path: Path
) -> None:
    assert main(["--record", str(tmp_path / "session")]) == 0
    assert main(["--record"]) == 0
    [(_, _, told), (_, _, default)] = fake_commands
    assert told["record"] == tmp_path / "session"
    assert default["record"] == default_recordings_folder()


def test_replay_refuses_a_folder_without_a_recording(
    fake_commands: Calls, default_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replay", str(tmp_path)]) == 2
    assert "holds no recording" in capsys.readouterr().err
    assert fake_commands == []
    assert main(["replay", str(tmp_path), "--speed", "0"]) == 2
    assert "a speed is more than 0" in capsys.readouterr().err
    assert main(["replay", str(tmp_path), "--from", "half past ten"]) == 2
    assert "is not a time: use HH:MM" in capsys.readouterr().err


def test_replay_plays_the_recording_through_the_monitor(
    fake_commands: Calls, default_config: Path, tmp_path: Path
) -> None:
    (tmp_path / "2026-02-11").mkdir()
    assert main(["replay", str(tmp_path), "--speed", "10", "--from", "10:30"]) == 0
    [(name, _, kwargs)] = fake_commands
    assert name == "run_app" and callable(kwargs["source_factory"])


def test_demo_forces_the_demo_source(fake_commands: Calls, tmp_path: Path) -> None:
    path = write_config(tmp_path / "c.toml", 'source = "live"\n')
    assert main(["--demo", "--config", str(path)]) == 0
    [(_, args, kwargs)] = fake_commands
    assert args[0].source == "demo"
    assert args[0].path == path
    assert kwargs == {"as_of": None}


def test_a_bad_config_stops_the_monitor_with_every_problem(
    fake_commands: Calls, capsys: pytest.CaptureFixture[str], default_config: Path
) -> None:
    write_config(default_config, "theme = 1\n[correlation]\nwindow = 1\n")
    assert main([]) == 2
    assert fake_commands == []
    err = capsys.readouterr().err
    assert "2 problems in" in err
    assert "theme: expected a string, found 1" in err
    assert "correlation.window: expected 5 to 250 trading days, found 1" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--demo", "--as-of", "2026-02-11"], "the latest closed session is 2026-02-10"),
        (["--as-of", "2999-01-04"], "that session has not closed yet in the market"),
        (["snapshot", "--demo", "--as-of", "2026-03-02"], "has not closed yet in the demo market"),
    ],
)
def test_a_replay_needs_a_closed_session(
    argv: list[str], message: str, fake_commands: Calls, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert fake_commands == []


@pytest.mark.parametrize("text", ["2026-13-01", "yesterday", "11/02/2026"])
def test_a_bad_date_is_a_usage_error(
    text: str, fake_commands: Calls, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--as-of", text]) == 2
    assert f"argument --as-of: `{text}` is not a date: use YYYY-MM-DD" in capsys.readouterr().err
    assert fake_commands == []


def test_ctrl_c_exits_130_quietly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(settings: Settings, *, as_of: dt.date | None) -> int:
        raise KeyboardInterrupt

    fake = types.ModuleType("tui.app")
    fake.run_app = interrupted  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tui.app", fake)
    assert main([]) == 130
    assert capsys.readouterr() == ("", "")


def test_snapshot_dispatch(fake_commands: Calls) -> None:
    assert main(["snapshot", "--json", "--as-of", "2026-02-10", "--demo"]) == 0
    [(name, args, kwargs)] = fake_commands
    assert name == "run_snapshot"
    assert args[0].source == "demo"
    assert kwargs == {"as_json": True, "as_of": dt.date(2026, 2, 10)}


def test_snapshot_defaults_to_text_and_today(fake_commands: Calls) -> None:
    assert main(["snapshot"]) == 0
    assert fake_commands[0][2] == {"as_json": False, "as_of": None}


def test_doctor_dispatch(fake_commands: Calls) -> None:
    assert main(["doctor"]) == 0
    [(name, args, kwargs)] = fake_commands
    assert name == "run_doctor"
    assert args == (Settings(),)
    assert kwargs == {}


def test_feed_dispatch_with_the_nats_options(fake_commands: Calls, tmp_path: Path) -> None:
    creds = write_config(tmp_path / "desk.creds", "-----BEGIN NATS USER JWT-----")
    argv = ["feed", "--demo", "--nats", "nats://desk:4222", "--creds", str(creds)]
    assert main(argv) == 0
    [(name, args, kwargs)] = fake_commands
    assert name == "run_feed"
    settings, options = args
    assert settings.source == "demo"
    assert options == NatsOptions("nats://desk:4222", creds_file=creds, name="tapewatch feed")
    assert kwargs == {"as_of": None}


def test_feed_and_doctor_find_the_server_in_the_config(
    fake_commands: Calls, tmp_path: Path
) -> None:
    path = write_config(tmp_path / "c.toml", '[sources.remote]\nurl = "tls://desk:4222"\n')
    assert main(["feed", "--config", str(path), "--as-of", "2026-02-10"]) == 0
    assert main(["doctor", "--config", str(path), "--nats", "nats://other:4222"]) == 0
    remote = write_config(
        tmp_path / "r.toml", 'source = "remote"\n[sources.remote]\nurl = "nats://d:1"\n'
    )
    assert main(["doctor", "--config", str(remote)]) == 0
    (feed, doctor, remote_doctor) = fake_commands
    assert feed[0] == "run_feed" and feed[1][1].url == "tls://desk:4222"
    assert feed[2] == {"as_of": dt.date(2026, 2, 10)}
    assert doctor[0] == "run_nats_doctor" and doctor[1][1].url == "nats://other:4222"
    assert remote_doctor[0] == "run_nats_doctor" and remote_doctor[1][1].url == "nats://d:1"


@pytest.mark.parametrize(
    ("argv", "config", "message"),
    [
        (["feed", "--demo"], "", "where is the desk's NATS server? Give --nats nats://host:4222"),
        (["feed", "--nats", "http://desk:4222"], "", "--nats: expected a NATS server's URL"),
        (
            ["feed", "--nats", "nats://desk:4222", "--tls-ca", "/no/such/ca.pem"],
            "",
            "--tls-ca: no such file: /no/such/ca.pem",
        ),
        (
            ["feed", "--nats", "nats://desk:4222"],
            'source = "remote"\n[sources.remote]\nurl = "nats://desk:4222"\n',
            'the feed polls the sources itself: its config cannot say source = "remote"',
        ),
        (
            ["--as-of", "2026-02-10"],
            'source = "remote"\n[sources.remote]\nurl = "nats://desk:4222"\n',
            "replay on the feed (`tapewatch feed --as-of`)",
        ),
    ],
)
def test_a_desk_command_without_what_it_needs_is_a_usage_error(
    argv: list[str],
    config: str,
    message: str,
    fake_commands: Calls,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    path = write_config(tmp_path / "c.toml", config)
    assert main([*argv, "--config", str(path)]) == 2
    assert message in capsys.readouterr().err
    assert fake_commands == []


@pytest.mark.parametrize("action", ["path", "clear"])
def test_cache_dispatch(action: str, fake_commands: Calls) -> None:
    assert main(["cache", action]) == 0
    assert fake_commands == [("cache_command", (Settings(), action), {})]


def test_cache_needs_a_known_action(
    fake_commands: Calls, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cache", "wipe"]) == 2
    assert "invalid choice: 'wipe'" in capsys.readouterr().err
    assert fake_commands == []


def test_headless_commands_refuse_a_bad_config(
    fake_commands: Calls, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_config(tmp_path / "bad.toml", "[http]\nretries = 99\n")
    for argv in (["snapshot"], ["doctor"], ["cache", "path"]):
        assert main([*argv, "--config", str(path)]) == 2
        assert "http.retries: expected 0 to 10 retries, found 99" in capsys.readouterr().err
    assert fake_commands == []


# --- a real process: the quick commands import nothing heavy -------------------------------------

HEAVY_MODULES = ("textual", "polars", "httpx", "plotext", "textual_plotext")


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["config", "path"]])
def test_quick_commands_start_without_heavy_imports(argv: list[str], tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "tui", *argv],
        cwd=REPOSITORY,
        env={"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout
    imported = {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }
    assert "tui.cli" in imported
    assert {name.split(".")[0] for name in imported} & set(HEAVY_MODULES) == set()


# --- bad input is an error, never a hang or a traceback -------------------------------------


@pytest.mark.parametrize("command", [["snapshot", "--demo"], ["--demo"], ["serve", "--demo"]])
def test_a_date_before_1900_is_a_usage_error(
    command: list[str], fake_commands: Calls, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*command, "--as-of", "0001-01-01"]) == 2
    assert "0001-01-01 is before 1900-01-01: no source has data that old" in (
        capsys.readouterr().err
    )
    assert fake_commands == []


@pytest.mark.parametrize(
    "argv",
    [
        ["--config", "~nosuchuser-tapewatch/x.toml", "config", "path"],
        ["--config", "~nosuchuser-tapewatch/x.toml", "config", "check"],
        ["config", "check", "~nosuchuser-tapewatch/x.toml"],
        ["config", "init", "--path", "~nosuchuser-tapewatch/x.toml"],
        ["--config", "~nosuchuser-tapewatch/x.toml", "snapshot"],
        ["--config", "~nosuchuser-tapewatch/x.toml"],
    ],
)
def test_a_home_folder_that_cannot_be_found_is_a_usage_error(
    argv: list[str], fake_commands: Calls, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert "~nosuchuser-tapewatch/x.toml" in error
    assert "cannot expand the ~: no such user, or no home folder" in error
    assert fake_commands == []


@pytest.mark.parametrize("argv", [["config", "path"], ["config", "check"], ["snapshot"]])
def test_a_home_folder_that_cannot_be_found_in_the_environment_is_a_usage_error(
    argv: list[str],
    fake_commands: Calls,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TAPEWATCH_CONFIG", "~nosuchuser-tapewatch/x.toml")
    assert main(argv) == 2
    assert "cannot expand the ~" in capsys.readouterr().err
    assert fake_commands == []


@pytest.mark.timeout(10)  # reading a FIFO or a device would never end
@pytest.mark.parametrize("kind", ["fifo", "/dev/zero", "/dev/urandom", "link to /dev/zero"])
def test_a_config_that_is_not_a_regular_file_is_refused_at_once(
    kind: str, tmp_path: Path, fake_commands: Calls, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind.startswith("link"):
        path.symlink_to("/dev/zero")
    else:
        path = Path(kind)
    for argv in (["--config", str(path), "snapshot"], ["config", "check", str(path)]):
        assert main(argv) == 2
        error = capsys.readouterr().err
        assert "cannot read the file: a " in error and ", not a regular file" in error
    assert fake_commands == []


def test_a_deeply_nested_value_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("a = " + "[" * 500 + "]" * 500 + "\n")
    assert main(["config", "check", str(path)]) == 2
    assert "values nested too deeply to be settings" in capsys.readouterr().err


def test_a_megabyte_symbol_is_not_echoed_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "big.toml"
    path.write_text(f'benchmark = "{"A" * 1_000_000}"\n[keys]\nquit = "ctrl+{"q" * 100_000}"\n')
    assert main(["config", "check", str(path)]) == 2
    error = capsys.readouterr().err
    assert len(error) < 1_000
    assert "is not a ticker symbol" in error
