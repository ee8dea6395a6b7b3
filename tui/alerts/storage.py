"""Where alerts live on disk, and reading and writing them. Blocking file I/O: the app calls these
in a thread.

- The state of every rule (armed, when it fired, on what value, for which settlement) and the
  rules made in the app are JSON files in the user data folder, each written atomically (a
  temporary file in the same folder, fsync, then a rename), so a crash leaves the old file or the
  new one, never half of one. The config file is never written.
- Each firing is one JSON line in `alerts.log` in the user log folder (the ALRT screen's history,
  `tapewatch alerts --history`), kept to about a megabyte plus one older file.

A file that cannot be read is logged and set aside (renamed ``*.bad``), never fatal: an alert's
state costs at most one repeated firing, a saved rule is listed in the log to be made again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import platformdirs

from tui.alerts.engine import SubjectState
from tui.alerts.rules import Rule
from tui.config import AlertRule, Basket, ConfigError, read_alert_rule

log = logging.getLogger("tapewatch.alerts")

FORMAT_VERSION = 1
LOG_LIMIT_BYTES = 1_000_000
HISTORY_LINES = 200

States = dict[str, dict[str, SubjectState]]  # rule id -> subject -> state


@dataclass(frozen=True, slots=True)
class AlertPaths:
    """The files alerts use."""

    state: Path
    rules: Path
    log: Path

    @classmethod
    def default(cls) -> AlertPaths:
        """In the user data folder (e.g. ``~/.local/share/tapewatch/alerts``) and the user log
        folder (``~/.local/state/tapewatch/log/alerts.log`` on Linux)."""
        data = platformdirs.user_data_path("tapewatch", appauthor=False) / "alerts"
        logs = platformdirs.user_log_path("tapewatch", appauthor=False)
        return cls(data / "state.json", data / "rules.json", logs / "alerts.log")


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One firing, as the alert log keeps it."""

    at: dt.datetime  # wall clock, UTC
    rule: str  # the rule's id
    origin: str
    subject: str  # "MSFT in Mag 7"
    field: str
    value: float
    text: str  # the whole firing in one line: "MSFT in Mag 7 corr to peers 0.05 < 0.10"
    note: str = ""
    lag_key: str | None = None  # the settlement or file date it fired for
    source: str = ""  # "DEMO", "LIVE"


# -- atomic JSON files ---------------------------------------------------------------------------


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` through a temporary file, fsync and a rename. Raises
    OSError when it cannot (the caller logs it); the old file is then untouched."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable (POSIX)
        folder = os.open(path.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def _read_json(path: Path, what: str) -> Any:
    """The JSON in ``path``; None when there is no file, or (logged, set aside) a bad one."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as error:
        log.warning("cannot read the alert %s %s: %s", what, path, error)
        return None
    try:
        data = json.loads(text)
    except ValueError as error:
        _set_aside(path, f"not JSON ({error})", what)
        return None
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
        _set_aside(path, "not a version 1 file", what)
        return None
    return data


def _set_aside(path: Path, reason: str, what: str) -> None:
    aside = path.with_name(path.name + ".bad")
    log.warning("the alert %s %s is unreadable (%s); moved to %s", what, path, reason, aside)
    with contextlib.suppress(OSError):
        os.replace(path, aside)


def _timestamp(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _number(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


# -- state ---------------------------------------------------------------------------------------


def load_states(path: Path) -> States:
    """Every rule's state per subject, as last saved (empty when there is none)."""
    data = _read_json(path, "state")
    rules = data.get("rules") if data is not None else None
    if not isinstance(rules, dict):
        return {}
    states: States = {}
    for rule_id, subjects in rules.items():
        if not isinstance(subjects, dict):
            continue
        for subject, saved in subjects.items():
            if not isinstance(saved, dict):
                continue
            fired_for = saved.get("fired_for")
            states.setdefault(str(rule_id), {})[str(subject)] = SubjectState(
                armed=saved.get("armed") is not False,
                fired_at=_timestamp(saved.get("fired_at")),
                fired_value=_number(saved.get("fired_value")),
                fired_for=fired_for if isinstance(fired_for, str) else None,
            )
    return states


def save_states(path: Path, states: Mapping[str, Mapping[str, SubjectState]]) -> None:
    """Write every rule's state atomically (only subjects that differ from a fresh rule)."""
    rules = {
        rule_id: {
            subject: {
                "armed": state.armed,
                "fired_at": state.fired_at.isoformat() if state.fired_at else None,
                "fired_value": state.fired_value,
                "fired_for": state.fired_for,
            }
            for subject, state in subjects.items()
            if state != SubjectState()
        }
        for rule_id, subjects in states.items()
    }
    kept = {rule_id: subjects for rule_id, subjects in rules.items() if subjects}
    write_atomically(path, json.dumps({"version": FORMAT_VERSION, "rules": kept}, indent=1))


# -- rules made in the app -----------------------------------------------------------------------


def rule_table(spec: AlertRule) -> dict[str, Any]:
    """A rule as the TOML-like table it is checked as (no empty keys)."""
    table = asdict(spec)
    table["command"] = list(spec.command)
    return {key: value for key, value in table.items() if value not in (None, "", [])}


def load_app_rules(path: Path, baskets: Sequence[Basket]) -> list[Rule]:
    """The rules made in the app, each checked as a config rule is: one that no longer fits the
    config (its basket is gone) is logged and left out."""
    data = _read_json(path, "rules")
    saved = data.get("rules") if data is not None else None
    if not isinstance(saved, list):
        return []
    rules: list[Rule] = []
    for index, entry in enumerate(saved):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            log.warning("alert rule %d in %s has no id; left out", index, path)
            continue
        table = entry.get("rule")
        try:
            spec = read_alert_rule(table if isinstance(table, dict) else {}, baskets, "rule")
        except ConfigError as error:
            problems = "; ".join(str(problem) for problem in error.problems)
            log.warning("alert rule %s in %s left out: %s", entry["id"], path, problems)
            continue
        rules.append(Rule(entry["id"], "app", spec))
    return rules


def save_app_rules(path: Path, rules: Sequence[Rule]) -> None:
    """Write the rules made in the app atomically."""
    entries = [{"id": rule.id, "rule": rule_table(rule.spec)} for rule in rules]
    write_atomically(
        path, json.dumps({"version": FORMAT_VERSION, "rules": entries}, indent=1) + "\n"
    )


# -- the alert log -------------------------------------------------------------------------------


def append_log(path: Path, entries: Sequence[LogEntry]) -> None:
    """Add one line per firing; past LOG_LIMIT_BYTES the file becomes ``alerts.log.1``."""
    if not entries:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        if path.stat().st_size > LOG_LIMIT_BYTES:
            os.replace(path, path.with_name(path.name + ".1"))
    lines = []
    for entry in entries:
        record = asdict(entry)
        record["at"] = entry.at.isoformat()
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    with path.open("a", encoding="utf-8") as file:
        file.writelines(lines)


def read_log(path: Path, limit: int = HISTORY_LINES) -> list[LogEntry]:
    """The last ``limit`` firings, oldest first; lines that cannot be read are skipped."""
    try:
        with path.open(encoding="utf-8", errors="replace") as file:
            lines = file.readlines()[-limit:]
    except FileNotFoundError:
        return []
    except OSError as error:
        log.warning("cannot read the alert log %s: %s", path, error)
        return []
    entries = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        entry = _log_entry(record) if isinstance(record, dict) else None
        if entry is not None:
            entries.append(entry)
    return entries


def _log_entry(record: dict[str, Any]) -> LogEntry | None:
    at = _timestamp(record.get("at"))
    value = _number(record.get("value"))
    texts = [record.get(key) for key in ("rule", "origin", "subject", "field", "text")]
    if at is None or value is None or not all(isinstance(text, str) for text in texts):
        return None
    rule, origin, subject, field, text = (str(text) for text in texts)
    lag_key = record.get("lag_key")
    return LogEntry(
        at=at,
        rule=rule,
        origin=origin,
        subject=subject,
        field=field,
        value=value,
        text=text,
        note=str(record.get("note") or ""),
        lag_key=lag_key if isinstance(lag_key, str) else None,
        source=str(record.get("source") or ""),
    )
