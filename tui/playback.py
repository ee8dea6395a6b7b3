"""Play a recorded session back (tui.recording reads the log). No textual.

``tapewatch replay PATH [--speed 10] [--from 10:30]`` plays a log back through the same
scheduler, store and panes: `ReplaySource` hands the scheduler each frame at the market time it
came (its clock is the replay's), and answers the drill-down from the frames played so far. It
can be paused, stepped one frame at a time and sped up or slowed down.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Final

import polars as pl

from tui.clock import NEW_YORK
from tui.jobs import PRICE_JOBS, JobName
from tui.recording import Recorded, RecordedTick, Recording, RecordingError
from tui.sources.base import (
    BarInterval,
    Failed,
    FailureKind,
    Fetched,
    FetchOutcome,
    SourceRole,
    SymbolInfo,
)
from tui.sources.streaming.ticks import Tick
from tui.store import merge_by_symbol

Accept = Callable[[JobName, Fetched], Awaitable[bool]]
SPEEDS: Final = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 600.0)


class ReplaySource:
    """A recorded session as a source: the scheduler is handed each frame at the market time it
    came (`play`), on the replay's own clock (`now`). Paused, stepped, sped up and slowed down
    by the keys of the dashboard (`toggle_pause`, `step`, `faster`, `slower`)."""

    name = "replay"
    is_demo = False

    def __init__(
        self,
        recording: Recording,
        *,
        speed: float = 1.0,
        start: dt.datetime | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not recording.events:
            raise RecordingError("the recording holds nothing to play")
        self.recording = recording
        self._monotonic = monotonic
        self.speed = speed
        first = recording.events[0].market_at
        self.start = max(start, first) if start is not None else first
        self._anchor_market = self.start
        self._anchor_real = monotonic()
        self.paused = False
        self.ended = False
        self._steps = 0
        self._changed = asyncio.Event()
        self._latest: dict[JobName, pl.DataFrame] = {}
        self.on_tick: Callable[[Tick], None] | None = None  # who shows replayed ticks
        self.label = ""
        self._relabel()

    # -- the controls ------------------------------------------------------------------------

    def _relabel(self) -> None:
        """The status bar's label: REPLAY, and how it plays."""
        if self.ended:
            self.label = "REPLAY ended"
        elif self.paused:
            self.label = "REPLAY ⏸ paused"
        else:
            self.label = f"REPLAY ×{self.speed:g}"

    def now(self) -> dt.datetime:
        """Where the replay stands, on the recorded market clock."""
        if self.paused or self.ended:
            return self._anchor_market
        elapsed = (self._monotonic() - self._anchor_real) * self.speed
        return self._anchor_market + dt.timedelta(seconds=elapsed)

    def _reanchor(self) -> None:
        self._anchor_market = self.now()
        self._anchor_real = self._monotonic()

    def toggle_pause(self) -> None:
        self._reanchor()
        self.paused = not self.paused
        self._relabel()
        self._changed.set()

    def step(self) -> None:
        """Paused: play the next frame or tick (pauses first when playing)."""
        if not self.paused:
            self.toggle_pause()
        self._steps += 1
        self._changed.set()

    def faster(self) -> None:
        self._set_speed(next((s for s in SPEEDS if s > self.speed), self.speed))

    def slower(self) -> None:
        self._set_speed(next((s for s in reversed(SPEEDS) if s < self.speed), self.speed))

    def _set_speed(self, speed: float) -> None:
        self._reanchor()
        self.speed = speed
        self._relabel()
        self._changed.set()

    # -- playing -----------------------------------------------------------------------------

    async def play(self, accept: Accept) -> None:
        """Hand the scheduler every frame at its time (those before the start at once), and
        every tick to `on_tick`; then stand at the end."""
        events = self.recording.events
        index = 0
        while index < len(events) and events[index].market_at <= self.start:
            await self._apply(events[index], accept)
            index += 1
        self._anchor_real = self._monotonic()
        while index < len(events):
            event = events[index]
            if self.paused:
                if self._steps:
                    self._steps -= 1
                    self._anchor_market = max(self._anchor_market, event.market_at)
                    await self._apply(event, accept)
                    index += 1
                    continue
                await self._wait(None)
                continue
            remaining = (event.market_at - self.now()).total_seconds() / self.speed
            if remaining > 0:
                await self._wait(remaining)
                continue
            await self._apply(event, accept)
            index += 1
        self._reanchor()
        self.ended = True
        self._relabel()

    async def _wait(self, seconds: float | None) -> None:
        self._changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout=seconds)

    async def _apply(self, event: Recorded, accept: Accept) -> None:
        if isinstance(event, RecordedTick):
            if self.on_tick is not None:
                self.on_tick(event.tick)
            return
        frame = event.fetched.frame
        held = self._latest.get(event.job)
        if held is not None and event.job in PRICE_JOBS:
            frame = merge_by_symbol(held, frame)
        self._latest[event.job] = frame
        # Fetched when it came on the replay's clock, as the live scheduler took it.
        await accept(event.job, dataclasses.replace(event.fetched, fetched_at=None))

    # -- the Source protocol: the drill-down asks for what was played so far ------------------

    def source_for(self, role: SourceRole) -> str:
        return self.name

    def describe(self, symbol: str) -> SymbolInfo | None:
        from tui.sources import universe

        return universe.SYMBOLS.get(symbol)

    def known_symbols(self) -> Sequence[str]:
        quotes = self._latest.get(JobName.QUOTES)
        return sorted(quotes.get_column("symbol").unique().to_list()) if quotes is not None else []

    def _played(self, job: JobName, symbols: Sequence[str] | None) -> FetchOutcome:
        frame = self._latest.get(job)
        if frame is None:
            message = f"the recording holds no {job.value} up to {self.now():%H:%M} UTC"
            return Failed(self.name, FailureKind.NOT_AVAILABLE, message)
        if symbols is not None:
            frame = frame.filter(pl.col("symbol").is_in(list(symbols)))
        return Fetched(frame, self.now())

    async def quotes(self, symbols: Sequence[str]) -> FetchOutcome:
        return self._played(JobName.QUOTES, symbols)

    async def bars(self, symbols: Sequence[str], interval: BarInterval, days: int) -> FetchOutcome:
        return self._played(JobName.DAILY if interval == "1d" else JobName.INTRADAY, symbols)

    async def short_interest(
        self, symbols: Sequence[str] | None, settlements: int = 1
    ) -> FetchOutcome:
        return self._played(JobName.SHORT_INTEREST, symbols)

    async def short_volume(self, symbols: Sequence[str] | None, days: int) -> FetchOutcome:
        return self._played(JobName.SHORT_VOLUME, symbols)

    async def shares(self, symbols: Sequence[str]) -> FetchOutcome:
        return self._played(JobName.SHARES, symbols)

    async def aclose(self) -> None:
        self.ended = True
        self._relabel()
        self._changed.set()


def replay_start(recording: Recording, clock_time: dt.time | None) -> dt.datetime | None:
    """``--from 10:30``: that New York time on the recording's first day."""
    if clock_time is None:
        return None
    first = recording.events[0].market_at.astimezone(NEW_YORK)
    return dt.datetime.combine(first.date(), clock_time, tzinfo=NEW_YORK).astimezone(dt.UTC)
