"""A live session recorded with --record and played back: the panes show what they showed, the
status bar says REPLAY, and the replay's keys pause and step it. The session is the loopback
market's (tests.loopback_market), driven by one manual clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests import faultserver
from tests.faultserver import FaultServer
from tests.loopback_market import LoopbackMarket, ManualClock
from tests.tui.harness import panes, screen_text, wait_until
from tests.tui.test_live_app import (
    BASE_SETTINGS,
    ObservedLiveSource,
    load_completely,
    refresh,
    shown_rows,
    status_line,
)
from tui.app import TapewatchApp
from tui.cache import Cache
from tui.config import Settings
from tui.playback import ReplaySource
from tui.recording import read_recording
from tui.sources.base import Source

pytestmark = pytest.mark.timeout(60)
fault_server = faultserver.fault_server


def recording_app(
    market: LoopbackMarket, clock: ManualClock, settings: Settings, log: Path
) -> TapewatchApp:
    """The app on the loopback market, keeping its session's log under ``log``."""

    def live(settings: Settings, as_of: dt.date | None) -> Source:
        return ObservedLiveSource(
            settings, cache=Cache.default(), clock=clock, transport=market.transport()
        )

    return TapewatchApp(settings, source_factory=live, clock=clock, record=log)


async def test_a_recorded_session_replays_to_the_same_panes(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    market = await LoopbackMarket.start(fault_server)
    clock = ManualClock(market.truth.moment)
    settings = market.settings(BASE_SETTINGS)
    log = tmp_path / "session"
    app = recording_app(market, clock, settings, log)
    async with app.run_test(size=(120, 40)) as pilot:
        await load_completely(pilot, app)
        clock.advance(60)
        await refresh(pilot, app)  # a second round, a minute later
        recorded = shown_rows(app)
    assert all(recorded.values())

    recording = read_recording(log)
    moments = sorted({frame.market_at for frame in recording.frames})
    assert moments[0] == market.truth.moment and moments[-1] == clock.now
    replay: ReplaySource | None = None

    def replayed(settings: Settings, as_of: dt.date | None) -> Source:
        nonlocal replay
        replay = ReplaySource(read_recording(log), speed=600.0)
        return replay

    app = TapewatchApp(settings, source_factory=replayed, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: replay is not None and replay.ended, "the replay's end")
        await wait_until(pilot, lambda: shown_rows(app) == recorded, "the recorded panes")
        await wait_until(pilot, lambda: "REPLAY ended" in status_line(app), "the REPLAY label")
        assert "LIVE" not in status_line(app)
        assert all(panes(app)[pane].view is not None for pane in panes(app))


async def test_the_replay_keys_pause_step_and_change_the_speed(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    market = await LoopbackMarket.start(fault_server)
    clock = ManualClock(market.truth.moment)
    settings = market.settings(BASE_SETTINGS)
    log = tmp_path / "session"
    app = recording_app(market, clock, settings, log)
    async with app.run_test(size=(120, 40)) as pilot:
        await load_completely(pilot, app)
        for _ in range(2):  # two more rounds, an hour apart: a slow replay waits for them
            clock.advance(3600)
            await refresh(pilot, app)
        footer = app.screen.active_bindings
        assert not any(
            active.enabled for active in footer.values() if "replay" in active.binding.action
        )

    frames = len(read_recording(log).frames)
    replay: ReplaySource | None = None
    handed: list[str] = []

    def replayed(settings: Settings, as_of: dt.date | None) -> Source:
        nonlocal replay
        replay = ReplaySource(read_recording(log), speed=1.0)
        return replay

    app = TapewatchApp(settings, source_factory=replayed, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(
            pilot, lambda: replay is not None and app.dashboard.scheduler is not None, "the replay"
        )
        assert replay is not None
        scheduler = app.dashboard.scheduler
        assert scheduler is not None
        accept = scheduler.accept

        async def counted(job, fetched):  # type: ignore[no-untyped-def]
            handed.append(job.value)
            return await accept(job, fetched)

        scheduler.accept = counted  # type: ignore[method-assign]
        await wait_until(pilot, lambda: "REPLAY ×1" in status_line(app), "playing at 1 x")
        await wait_until(
            pilot,
            lambda: "p n > < Replay" in screen_text(app)[-1],
            "the replay's keys in the footer",
        )
        # The narrowest footer (80 columns, stacked panes) still shows Quit beside them.
        await pilot.resize_terminal(80, 40)
        await wait_until(
            pilot, lambda: "q Quit" in screen_text(app)[-1], "Quit in an 80-column footer"
        )
        await pilot.resize_terminal(120, 40)
        await pilot.press("greater_than_sign")
        await wait_until(pilot, lambda: "REPLAY ×2" in status_line(app), "2 x")
        await pilot.press("less_than_sign", "less_than_sign")
        await wait_until(pilot, lambda: "REPLAY ×0.5" in status_line(app), "0.5 x")
        await pilot.press("p")
        await wait_until(pilot, lambda: "REPLAY ⏸ paused" in status_line(app), "paused")
        before = len(handed)
        await pilot.press("n")
        await wait_until(pilot, lambda: len(handed) == before + 1, "one frame stepped")
        assert not replay.ended and before + 1 < frames
        for _ in range(frames):
            await pilot.press("n")
        await wait_until(pilot, lambda: replay is not None and replay.ended, "the end, stepped")
        assert "REPLAY ended" in status_line(app)
