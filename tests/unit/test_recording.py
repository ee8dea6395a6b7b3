"""Recording a session and reading it back (tui.recording): frames and ticks in the order they
came, partitioned by New York day, merged into parts, appended to; a process killed with
SIGKILL leaves a log that reads; a replay hands frames over at their recorded times and can be
paused, stepped, sped up and started later."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import polars as pl
import pytest

from tests.unit.scripted import quotes_frame, short_interest_frame
from tui.jobs import JobName
from tui.market_hours import Session
from tui.playback import ReplaySource, replay_start
from tui.recording import COMPACT_AFTER, Recorder, RecordingError, read_recording
from tui.sources.base import Fetched
from tui.sources.streaming.ticks import Tick

pytestmark = pytest.mark.timeout(60)

OPEN = dt.datetime(2026, 2, 11, 14, 30, tzinfo=dt.UTC)  # 9:30 in New York


class Clock:
    def __init__(self, start: dt.datetime = OPEN) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now


def tick(symbol: str, price: float, at: dt.datetime) -> Tick:
    return Tick(
        symbol=symbol,
        ts=at,
        price=price,
        source="yahoo-stream",
        session=Session.REGULAR,
        change=0.5,
        change_pct=0.2,
        day_volume=1e6,
        bid=price - 0.01,
        ask=price + 0.01,
    )


def quotes(prices: dict[str, float], at: dt.datetime) -> Fetched:
    return Fetched(quotes_frame(prices), at, {"GONE": "not found"})


def test_frames_and_ticks_read_back_in_the_order_they_came(tmp_path: Path) -> None:
    clock = Clock()
    recorder = Recorder(tmp_path, clock=clock, market_clock=clock)
    first = quotes({"AAPL": 270.0, "MSFT": 410.0}, OPEN)
    recorder.record_frame(JobName.QUOTES, first, at=OPEN, market_at=OPEN)
    clock.now = OPEN + dt.timedelta(seconds=1)
    recorder.record_tick(tick("AAPL", 270.5, clock.now))
    si = Fetched(short_interest_frame({"GME": (10.0, 1e6)}), OPEN)
    recorder.record_frame(JobName.SHORT_INTEREST, si, at=clock.now, market_at=clock.now)
    recorder.flush()
    clock.now = OPEN + dt.timedelta(seconds=2)
    later = quotes({"AAPL": 271.0}, clock.now)
    recorder.record_frame(JobName.QUOTES, later, at=clock.now, market_at=clock.now)
    recorder.record_tick(tick("MSFT", 411.0, clock.now))
    recorder.flush()

    recording = read_recording(tmp_path)
    kinds = [
        (type(event).__name__, getattr(event, "job", None) or event.tick.symbol)  # type: ignore[union-attr]
        for event in recording.events
    ]
    assert kinds == [
        ("RecordedFrame", JobName.QUOTES),
        ("RecordedTick", "AAPL"),
        ("RecordedFrame", JobName.SHORT_INTEREST),
        ("RecordedFrame", JobName.QUOTES),
        ("RecordedTick", "MSFT"),
    ]
    frames = recording.frames
    assert frames[0].fetched.frame.equals(first.frame)
    assert frames[0].fetched.problems == {"GONE": "not found"}
    assert frames[0].fetched.as_of == OPEN
    assert frames[1].fetched.frame.equals(si.frame)
    assert frames[2].fetched.frame.equals(later.frame)
    assert recording.ticks[0].tick == tick("AAPL", 270.5, OPEN + dt.timedelta(seconds=1))
    # Plain parquet: any tool reads a day's quotes.
    rows = pl.read_parquet(tmp_path / "2026-02-11" / "frames" / "quotes" / "*.parquet")
    assert sorted(rows["_seq"].unique().to_list()) == [frames[0].seq, frames[2].seq]


def test_each_new_york_day_has_its_folder_and_a_log_is_appended_to(tmp_path: Path) -> None:
    clock = Clock()
    recorder = Recorder(tmp_path, clock=clock, market_clock=clock)
    recorder.record_frame(JobName.QUOTES, quotes({"AAPL": 1.0}, OPEN), at=OPEN, market_at=OPEN)
    recorder.close()
    # 8 pm in New York on the 12th is already the 13th in UTC: still the 12th's folder.
    evening = dt.datetime(2026, 2, 13, 1, 0, tzinfo=dt.UTC)
    again = Recorder(tmp_path, clock=clock, market_clock=clock)
    again.record_frame(
        JobName.QUOTES, quotes({"AAPL": 2.0}, evening), at=evening, market_at=evening
    )
    again.close()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["2026-02-11", "2026-02-12"]
    frames = read_recording(tmp_path).frames
    assert [frame.fetched.frame["last"].to_list() for frame in frames] == [[1.0], [2.0]]
    assert frames[1].seq > frames[0].seq  # numbering goes on


def test_segments_are_merged_into_parts(tmp_path: Path) -> None:
    clock = Clock()
    recorder = Recorder(tmp_path, clock=clock, market_clock=clock)
    for second in range(COMPACT_AFTER + 5):
        clock.now = OPEN + dt.timedelta(seconds=second)
        recorder.record_tick(tick("AAPL", 100.0 + second, clock.now))
        recorder.flush()
    folder = tmp_path / "2026-02-11" / "ticks"
    parts = sorted(path.name for path in folder.glob("*.parquet"))
    assert len(parts) <= 6 and parts[0].startswith("part-")
    recorder.close()
    assert [path.name.split("-")[0] for path in folder.glob("*.parquet")] == ["part"]
    prices = [event.tick.price for event in read_recording(tmp_path).ticks]
    assert prices == [100.0 + second for second in range(COMPACT_AFTER + 5)]


def test_a_merge_cut_short_leaves_no_row_twice(tmp_path: Path) -> None:
    """A crash after the part was written and before the segments were deleted: each row is
    read once."""
    clock = Clock()
    recorder = Recorder(tmp_path, clock=clock, market_clock=clock)
    for second in range(3):
        clock.now = OPEN + dt.timedelta(seconds=second)
        recorder.record_tick(tick("AAPL", 100.0 + second, clock.now))
        recorder.flush()
    folder = tmp_path / "2026-02-11" / "ticks"
    kept = {path.name: path.read_bytes() for path in folder.iterdir()}
    recorder.close()
    for name, data in kept.items():  # the segments come back, beside the part
        (folder / name).write_bytes(data)
    assert [event.tick.price for event in read_recording(tmp_path).ticks] == [100.0, 101.0, 102.0]


def test_a_folder_without_a_recording_says_so(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="holds no recording"):
        read_recording(tmp_path)


KILLED_RECORDER = textwrap.dedent(
    """
    import asyncio, datetime as dt, sys
    from pathlib import Path
    from tests.unit.scripted import quotes_frame
    from tui.jobs import JobName
    from tui.recording import Recorder
    from tui.sources.base import Fetched

    async def main():
        recorder = Recorder(Path(sys.argv[1]))
        task = asyncio.create_task(recorder.run())
        count = 0
        while True:
            now = dt.datetime.now(dt.UTC)
            frame = quotes_frame({"AAPL": 100.0 + count})
            recorder.record_frame(JobName.QUOTES, Fetched(frame, now), at=now, market_at=now)
            count += 1
            if count == 5:
                print("recording", flush=True)
            await asyncio.sleep(0.05)

    asyncio.run(main())
    """
)


def test_a_recorder_killed_with_sigkill_leaves_a_log_that_reads(tmp_path: Path) -> None:
    """kill -9 mid-session: what was written reads back whole, in order, and at most the last
    second's frames are missing."""
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_RECORDER, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "recording"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:  # at least two flushes on disk
            if len(list(tmp_path.glob("*/events/seg-*.parquet"))) >= 2:
                break
            time.sleep(0.05)
        time.sleep(0.5)
        killed_at = time.time()
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    frames = read_recording(tmp_path).frames
    prices = [frame.fetched.frame["last"].item() for frame in frames]
    assert len(prices) >= 20
    assert prices == [100.0 + index for index in range(len(prices))]  # none lost in between
    newest = frames[-1].at.timestamp()
    assert killed_at - newest <= 1.0 + 0.5  # the last second at most (and a slow machine)


# --- playing back ----------------------------------------------------------------------------


def recorded(tmp_path: Path) -> list[dt.datetime]:
    """Three quotes frames a minute apart, and a tick between the first two."""
    clock = Clock()
    recorder = Recorder(tmp_path, clock=clock, market_clock=clock)
    times = [OPEN + dt.timedelta(minutes=minute) for minute in range(3)]
    for index, moment in enumerate(times):
        clock.now = moment
        recorder.record_frame(
            JobName.QUOTES, quotes({"AAPL": 100.0 + index}, moment), at=moment, market_at=moment
        )
        if index == 0:
            clock.now = moment + dt.timedelta(seconds=30)
            recorder.record_tick(tick("AAPL", 100.5, clock.now))
    recorder.close()
    return times


class Monotonic:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_a_replay_hands_over_each_frame_at_its_time(tmp_path: Path) -> None:
    times = recorded(tmp_path)
    monotonic = Monotonic()
    replay = ReplaySource(read_recording(tmp_path), speed=60.0, monotonic=monotonic)
    got: list[tuple[float, dt.datetime, float]] = []
    ticks: list[Tick] = []
    replay.on_tick = ticks.append

    async def accept(job: JobName, fetched: Fetched) -> bool:
        got.append((monotonic.now, replay.now(), fetched.frame["last"].item()))
        assert fetched.fetched_at is None  # fetched now, on the replay's clock
        return True

    playing = asyncio.create_task(replay.play(accept))
    await asyncio.sleep(0.01)
    assert [price for _, _, price in got] == [100.0]  # the first at once
    assert replay.label == "REPLAY ×60"
    monotonic.now = 0.6  # 36 market seconds at 60 x: the tick, not the next frame
    replay.faster()  # any change wakes the player
    replay.slower()
    await asyncio.sleep(0.01)
    assert [t.price for t in ticks] == [100.5] and len(got) == 1
    monotonic.now = 1.0
    replay.faster()
    replay.slower()
    await asyncio.sleep(0.01)
    assert [price for _, _, price in got] == [100.0, 101.0]
    assert got[1][1] >= times[1]
    replay.toggle_pause()
    assert replay.label == "REPLAY ⏸ paused"
    monotonic.now = 100.0  # paused: nothing plays however long
    replay.faster()
    await asyncio.sleep(0.01)
    assert len(got) == 2
    replay.step()  # one frame, at its own time
    await asyncio.sleep(0.01)
    assert [price for _, _, price in got] == [100.0, 101.0, 102.0]
    assert replay.now() == times[2]
    await asyncio.wait_for(playing, 1)
    assert replay.label == "REPLAY ended" and replay.now() == times[2]


async def test_a_replay_from_a_later_time_starts_with_everything_before_it(tmp_path: Path) -> None:
    times = recorded(tmp_path)
    recording = read_recording(tmp_path)
    start = replay_start(recording, dt.time(9, 31))  # the second frame's New York time
    assert start == times[1]
    replay = ReplaySource(recording, speed=1.0, start=start, monotonic=Monotonic())
    replay.toggle_pause()
    got: list[float] = []

    async def accept(job: JobName, fetched: Fetched) -> bool:
        got.append(fetched.frame["last"].item())
        return True

    playing = asyncio.create_task(replay.play(accept))
    await asyncio.sleep(0.01)
    assert got == [100.0, 101.0] and replay.now() == times[1]
    outcome = await replay.quotes(["AAPL", "MSFT"])  # the drill-down asks what was played
    assert isinstance(outcome, Fetched) and outcome.frame["last"].to_list() == [101.0]
    playing.cancel()
    await asyncio.gather(playing, return_exceptions=True)
