"""The alert monitor: rules read the panes' views, fire once, persist their state atomically so a
restart does not fire them again, log each firing, run the user's command without waiting for it
(with a timeout, its failure told), and keep the rules made in the app."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from tui.alerts.monitor import AlertMonitor, Firing
from tui.alerts.notify import desktop_escapes, osc9, osc777, plain, tmux_passthrough
from tui.alerts.storage import AlertPaths, load_states, read_log
from tui.config import AlertRule, Settings, parse_settings
from tui.jobs import JOBS, JobName
from tui.models import DatasetFreshness, Pane, StatusView
from tui.presenters.correlations import BasketCorrelations, CorrelationLine, CorrelationsView
from tui.presenters.shorts import ShortRow, ShortsView
from tui.reports import PaneBuilt

NOW = dt.datetime(2026, 2, 11, 16, 30, tzinfo=dt.UTC)
MSFT_RULE = """
[[alerts]]
symbol = "MSFT"
basket = "Mag 7"
field = "corr_to_peers"
below = 0.1
note = "broke away"
"""


def correlations(msft: float | None) -> CorrelationsView:
    member = CorrelationLine("MSFT", (0.5, 0.3), msft, 0.53)
    average = CorrelationLine("Mag 7", (0.5, 0.3), 0.24, 0.52)
    basket = BasketCorrelations("Mag 7", ("AAPL", "MSFT"), average, (member,))
    return CorrelationsView((basket,), 60, dt.date(2026, 2, 10))


def shorts(si_change: float, settlement: dt.date, sv_z: float = 0.5) -> ShortsView:
    row = ShortRow(
        "MSFT", "Microsoft", 0.8, "float", 6e7, si_change, 1.1, 0.5, sv_z, -1.0,
        settlement, dt.date(2026, 2, 10),
    )  # fmt: skip
    return ShortsView((row,), settlement, dt.date(2026, 2, 10), None)


def status(*stale: JobName) -> StatusView:
    return StatusView(
        "DEMO",
        True,
        "regular",
        NOW,
        NOW,
        tuple(DatasetFreshness(spec.label, 5.0, spec.name in stale) for spec in JOBS),
        (),
    )


class Recorder:
    def __init__(self) -> None:
        self.firings: list[Firing] = []
        self.warnings: list[str] = []


def monitor(tmp_path: Path, settings: Settings, recorder: Recorder | None = None) -> AlertMonitor:
    paths = AlertPaths(tmp_path / "data" / "state.json", tmp_path / "data" / "rules.json",
                       tmp_path / "log" / "alerts.log")  # fmt: skip
    loaded = AlertMonitor.load(settings, paths, clock=lambda: NOW)
    if recorder is not None:
        loaded.deliver = recorder.firings.append
        loaded.warn = recorder.warnings.append
    return loaded


async def check_with(alerts: AlertMonitor, *views: object, stale: tuple[JobName, ...] = ()):
    for view in views:
        pane = Pane.CORRELATIONS if isinstance(view, CorrelationsView) else Pane.SHORTS
        alerts.note(PaneBuilt(pane, view))  # type: ignore[arg-type]
    return await alerts.check(None, status(*stale))


async def test_a_rule_fires_once_with_its_message_logs_it_and_saves_its_state(
    tmp_path: Path,
) -> None:
    recorder = Recorder()
    alerts = monitor(tmp_path, parse_settings(MSFT_RULE), recorder)
    fired = await check_with(alerts, correlations(0.05))
    assert [firing.message for firing in fired] == [
        "MSFT in Mag 7 corr to peers 0.05 < 0.10 — broke away"
    ]
    assert recorder.firings == fired
    assert await check_with(alerts, correlations(0.04)) == []  # still below: not again
    (entry,) = read_log(alerts.paths.log)
    assert (entry.subject, entry.field, entry.value, entry.source) == (
        "MSFT in Mag 7",
        "corr_to_peers",
        0.05,
        "DEMO",
    )
    (states,) = load_states(alerts.paths.state).values()
    assert states["MSFT@Mag 7"].armed is False
    assert states["MSFT@Mag 7"].fired_at == NOW


async def test_the_state_survives_a_restart_and_the_rule_does_not_fire_again(
    tmp_path: Path,
) -> None:
    settings = parse_settings(MSFT_RULE)
    assert len(await check_with(monitor(tmp_path, settings), correlations(0.05))) == 1
    restarted = monitor(tmp_path, settings)
    assert await check_with(restarted, correlations(0.05)) == []
    (row,) = restarted.view().rows
    assert (row.state, row.last_fired, row.value, row.distance) == ("fired", NOW, "0.05", "met")
    assert restarted.view().history[0].text == "MSFT in Mag 7 corr to peers 0.05 < 0.10"
    # Back above the level and its margin (0.12), then below again: it fires again.
    assert await check_with(restarted, correlations(0.2)) == []
    assert len(await check_with(restarted, correlations(0.08))) == 1


async def test_stale_data_never_fires_and_the_row_says_why(tmp_path: Path) -> None:
    alerts = monitor(tmp_path, parse_settings(MSFT_RULE))
    assert await check_with(alerts, correlations(0.05), stale=(JobName.DAILY,)) == []
    (row,) = alerts.view().rows
    assert row.state == "waiting: daily stale (5s old)"
    assert row.tone == "waiting"
    assert len(await check_with(alerts, correlations(0.05))) == 1


async def test_a_rule_without_data_yet_says_so(tmp_path: Path) -> None:
    alerts = monitor(tmp_path, parse_settings(MSFT_RULE))
    assert alerts.view().rows[0].state == "loading"
    await check_with(alerts, correlations(None))
    assert alerts.view().rows[0].state == "no data"


async def test_short_interest_fires_once_per_settlement_across_restarts(tmp_path: Path) -> None:
    settings = parse_settings('[[alerts]]\nsymbol = "MSFT"\nfield = "si_change_pct"\nabove = 10\n')
    january = dt.date(2026, 1, 30)
    fired = await check_with(monitor(tmp_path, settings), shorts(12.2, january))
    assert [firing.text for firing in fired] == ["MSFT SI chg +12.2% > +10.0% (settled Jan 30)"]
    restarted = monitor(tmp_path, settings)
    assert await check_with(restarted, shorts(12.2, january)) == []
    assert await check_with(restarted, shorts(12.2, january)) == []
    fired = await check_with(restarted, shorts(14.0, dt.date(2026, 2, 13)))
    assert [firing.reading.lag_key for firing in fired] == ["2026-02-13"]


async def test_the_defaults_watch_every_row(tmp_path: Path) -> None:
    settings = parse_settings("[alerting.defaults]\nsv_spikes = true\ncorrelation_breaks = true\n")
    alerts = monitor(tmp_path, settings)
    fired = await check_with(
        alerts, correlations(0.05), shorts(1.0, dt.date(2026, 1, 30), sv_z=3.4)
    )
    assert sorted(firing.text for firing in fired) == [
        "MSFT SV z +3.4σ > +3.0σ (SV Feb 10)",
        "MSFT in Mag 7 corr to peers 0.05 < 0.10",
    ]
    rows = {row.rule: row for row in alerts.view().rows}
    assert rows["any Most shorted SV z"].value == "+3.4σ MSFT"
    assert rows["any Most shorted SV z"].state == "fired (1 of 1)"


# -- commands ------------------------------------------------------------------------------------


def python_command(code: str) -> str:
    return json.dumps([sys.executable, "-c", code, "{symbol}", "{value}", "{note}"])


async def test_the_command_runs_without_a_shell_with_the_placeholders_filled_in(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out.txt"
    code = f"import sys; open({str(out)!r}, 'w').write('|'.join(sys.argv[1:]))"
    settings = parse_settings(MSFT_RULE + f"command = {python_command(code)}\n")
    recorder = Recorder()
    alerts = monitor(tmp_path, settings, recorder)
    await check_with(alerts, correlations(0.05))
    await asyncio.wait_for(alerts.commands_done(), 30)
    assert out.read_text() == "MSFT|0.05|broke away"
    assert recorder.warnings == []


async def test_a_failing_command_is_told_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    code = "import sys; sys.stderr.write('boom'); sys.exit(3)"
    settings = parse_settings(f"[alerting]\non_alert = {python_command(code)}\n" + MSFT_RULE)
    recorder = Recorder()
    alerts = monitor(tmp_path, settings, recorder)
    await check_with(alerts, correlations(0.05))
    await asyncio.wait_for(alerts.commands_done(), 30)
    (warning,) = recorder.warnings
    assert warning.endswith("failed with exit status 3: boom")
    assert "failed with exit status 3" in caplog.text


async def test_a_command_that_never_ends_is_stopped_at_its_timeout(tmp_path: Path) -> None:
    code = "import time; time.sleep(60)"
    settings = parse_settings(
        f"[alerting]\non_alert = {python_command(code)}\ncommand_timeout = 0.5\n" + MSFT_RULE
    )
    recorder = Recorder()
    alerts = monitor(tmp_path, settings, recorder)
    started = time.monotonic()
    fired = await check_with(alerts, correlations(0.05))
    assert fired and time.monotonic() - started < 5  # firing never waits for the command
    await asyncio.wait_for(alerts.commands_done(), 30)
    assert time.monotonic() - started < 30
    assert recorder.warnings[0].endswith("did not finish within 0.5 s; stopped")


async def test_a_command_that_cannot_start_is_told(tmp_path: Path) -> None:
    settings = parse_settings(
        '[alerting]\non_alert = ["/nonexistent/tapewatch-notify", "{symbol}"]\n' + MSFT_RULE
    )
    recorder = Recorder()
    alerts = monitor(tmp_path, settings, recorder)
    await check_with(alerts, correlations(0.05))
    await asyncio.wait_for(alerts.commands_done(), 30)
    assert "could not start" in recorder.warnings[0]


# -- rules made in the app -----------------------------------------------------------------------


async def test_rules_made_in_the_app_are_saved_reloaded_edited_and_deleted(
    tmp_path: Path,
) -> None:
    settings = parse_settings(MSFT_RULE)
    alerts = monitor(tmp_path, settings)
    spec = AlertRule("corr_to_peers", symbol="MSFT", basket="Mag 7", below=0.2, note="mine")
    made = await alerts.add_rule(spec)
    saved = json.loads(alerts.paths.rules.read_text())
    assert saved["rules"] == [
        {
            "id": made.id,
            "rule": {
                "field": "corr_to_peers",
                "symbol": "MSFT",
                "basket": "Mag 7",
                "below": 0.2,
                "note": "mine",
            },
        }
    ]
    reloaded = monitor(tmp_path, settings)
    assert [rule.spec for rule in reloaded.rules] == [settings.alerts[0], spec]
    await check_with(reloaded, correlations(0.15))
    assert reloaded.view().rows[1].state == "fired"
    changed = await reloaded.replace_rule(made.id, replace(spec, below=0.1))
    assert changed is not None and changed.id == made.id
    assert reloaded.view().rows[1].state == "loading"  # a changed rule starts afresh
    assert not await reloaded.delete_rule(reloaded.rules[0].id)  # the config's: never
    assert await reloaded.delete_rule(made.id)
    assert [rule.origin for rule in monitor(tmp_path, settings).rules] == ["config"]


async def test_a_saved_rule_that_no_longer_fits_the_config_is_left_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    alerts = monitor(tmp_path, Settings())
    await alerts.add_rule(AlertRule("basket_corr", basket="Mag 7", below=0.2))
    fewer = parse_settings('[[baskets]]\nname = "Banks"\nsymbols = ["JPM", "BAC"]\n')
    assert monitor(tmp_path, fewer).rules == []
    assert "unknown basket `Mag 7`" in caplog.text


def test_unreadable_files_are_set_aside_not_fatal(tmp_path: Path) -> None:
    alerts = monitor(tmp_path, Settings())
    alerts.paths.state.parent.mkdir(parents=True)
    alerts.paths.state.write_text("{not json")
    alerts.paths.rules.write_text('{"version": 1, "rules": [{"rule": {}}]}')
    reloaded = monitor(tmp_path, Settings())
    assert reloaded.rules == []
    assert alerts.paths.state.with_name("state.json.bad").exists()


# -- desktop notification escapes ----------------------------------------------------------------


def test_osc_9_and_777_escapes_and_their_tmux_wrapping() -> None:
    assert osc9("MSFT: corr 0.05") == "\x1b]9;MSFT: corr 0.05\x07"
    assert osc777("tapewatch; MSFT", "corr 0.05") == "\x1b]777;notify;tapewatch, MSFT;corr 0.05\x07"
    assert tmux_passthrough("\x1b]9;hi\x07") == "\x1bPtmux;\x1b\x1b]9;hi\x07\x1b\\"
    assert desktop_escapes("t", "b", "both", in_tmux=False) == ["\x1b]9;t: b\x07", osc777("t", "b")]
    assert desktop_escapes("t", "b", "osc777", in_tmux=True) == [tmux_passthrough(osc777("t", "b"))]
    assert desktop_escapes("t", "b", "off", in_tmux=True) == []


def test_text_from_data_cannot_end_or_start_an_escape() -> None:
    assert plain("MSFT\x1b]0;pwned\x07 low\x9b") == "MSFT low"
    assert osc9("a\x07b").count("\x07") == 1


async def test_an_evaluation_that_raises_is_told_once_and_alerting_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = Recorder()
    alerts = monitor(tmp_path, parse_settings(MSFT_RULE), recorder)
    fired = asyncio.Event()
    alerts.deliver = lambda firing: (recorder.firings.append(firing), fired.set())
    evaluated: asyncio.Queue[int] = asyncio.Queue()
    real_check = alerts.check
    calls = 0

    async def flaky(data: object, status: StatusView | None) -> list[Firing]:
        nonlocal calls
        calls += 1
        evaluated.put_nowait(calls)
        if calls <= 2:  # the first two evaluations raise
            raise RuntimeError("a bug")
        return await real_check(None, status)

    monkeypatch.setattr(alerts, "check", flaky)
    task = asyncio.create_task(alerts.run(lambda: None, lambda: status()))
    for _ in range(3):
        alerts.note(PaneBuilt(Pane.CORRELATIONS, correlations(0.05)))
        await asyncio.wait_for(evaluated.get(), 10)
    await asyncio.wait_for(fired.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert recorder.warnings == ["alerts could not be evaluated: a bug (details in the log)"]
    assert len(recorder.firings) == 1
