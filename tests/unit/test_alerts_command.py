"""`tapewatch alerts`: every rule evaluated once against the demo market, the true ones printed;
exit status 1 when any is true, 0 when none is, 2 on a config error; `--history` prints the log.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import pytest

from tests.alert_rules import STORY_RULE
from tui.alerts.monitor import AlertMonitor
from tui.alerts.storage import AlertPaths, LogEntry, append_log
from tui.cli import main
from tui.config import AlertRule, Settings

FALSE_RULE = STORY_RULE.replace("below = 0.1", "above = 0.9")


def config(tmp_path: Path, text: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return str(path)


def test_a_true_rule_is_printed_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["alerts", "--demo", "--config", config(tmp_path, STORY_RULE)]) == 1
    captured = capsys.readouterr()
    assert (
        captured.out == "MSFT in Mag 7 corr to peers 0.05 < 0.10 — MSFT broke away from the Mag 7\n"
    )
    # Reading only: the app's state and log are untouched.
    paths = AlertPaths.default()
    assert not paths.state.exists() and not paths.log.exists()


def test_a_false_rule_prints_nothing_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["alerts", "--demo", "--config", config(tmp_path, FALSE_RULE)]) == 0
    assert capsys.readouterr().out == ""


def test_a_broken_config_exits_2_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = STORY_RULE.replace("below = 0.1", "below = 0.5\nabove = 0.1")
    assert main(["alerts", "--demo", "--config", config(tmp_path, broken)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "alerts[0].below: both bounds inverted" in captured.err


def test_json_lists_the_true_rules_with_their_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        STORY_RULE
        + FALSE_RULE
        + '[[alerts]]\nsymbol = "MSFT"\nfield = "ext_change_pct"\nabove = 1\n'
    )
    assert main(["alerts", "--demo", "--json", "--config", config(tmp_path, text)]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["source"] == "DEMO"
    (true,) = document["true"]
    assert (true["symbol"], true["basket"], true["field"], true["value_text"]) == (
        "MSFT",
        "Mag 7",
        "corr_to_peers",
        "0.05",
    )
    (unread,) = document["not_evaluated"]
    assert unread["reason"].startswith("no data")


def test_rules_made_in_the_app_are_evaluated_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alerts = AlertMonitor.load(Settings())
    spec = AlertRule("si_change_pct", symbol="MSFT", above=5.0)
    asyncio.run(alerts.add_rule(spec))
    assert main(["alerts", "--demo", "--config", config(tmp_path, "")]) == 1
    assert capsys.readouterr().out.startswith("MSFT SI chg +12.2% > +5.0% (settled Jan 30)")


def test_history_prints_the_alert_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["alerts", "--history"]) == 0
    assert capsys.readouterr().err == "tapewatch: no alert has fired yet\n"
    entry = LogEntry(
        at=dt.datetime(2026, 2, 11, 16, 30, tzinfo=dt.UTC),
        rule="config-1",
        origin="config",
        subject="MSFT in Mag 7",
        field="corr_to_peers",
        value=0.05,
        text="MSFT in Mag 7 corr to peers 0.05 < 0.10",
        note="broke away",
        source="DEMO",
    )
    append_log(AlertPaths.default().log, [entry])
    assert main(["alerts", "--history"]) == 0
    assert capsys.readouterr().out == (
        "2026-02-11 11:30 ET [DEMO]  MSFT in Mag 7 corr to peers 0.05 < 0.10 — broke away\n"
    )
    assert main(["alerts", "--history", "--json"]) == 0
    (record,) = json.loads(capsys.readouterr().out)
    assert record["text"] == entry.text and record["at"] == "2026-02-11T16:30:00+00:00"
