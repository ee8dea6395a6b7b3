"""Record a live session in a log, and read the log back. No textual.

``tapewatch --record [PATH]`` keeps every frame the scheduler takes in (each poll's answer, the
disk copy it starts from, frames pushed to it) and every streamed tick, in an append-only log
of parquet files under PATH, one folder per New York day::

    PATH/2026-02-11/events/seg-000000000001.parquet     one row per frame: when it came, its
                                                        job, as-of, problems, row count
    PATH/2026-02-11/frames/quotes/seg-….parquet          the frames' rows, with their `_seq`
    PATH/2026-02-11/ticks/seg-….parquet                  the ticks

Why this shape: a parquet file cannot be appended to, and one that is cut short is unreadable,
so the log is made of small files, each written whole (through `tui.cache`: a temporary file,
fsync, rename, fsync of the folder, and a checksum beside it), once a second when anything came.
A killed process loses what came in its last second at most, and never damages what was
written: a segment either exists whole or not at all, and the events are written last, so an
event is never without its rows. Every row carries a sequence number, so the reader needs no
manifest: it reads the folders in order and keeps each number once. So that a long session
does not leave thousands of files, a folder's segments are merged into one part file every
`COMPACT_AFTER` segments and when the recorder closes (a crash in the middle leaves both, which
the sequence numbers make harmless). The files are plain parquet: `pl.scan_parquet(
"PATH/*/frames/quotes/*.parquet")` reads every recorded quote.

`read_recording` reads a log back; `tapewatch replay` plays it (tui.playback).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl

from tui.cache import CHECKSUM_SUFFIX, FRAME_SUFFIX, Cache
from tui.clock import NEW_YORK, utc_now
from tui.jobs import JobName
from tui.sources.base import UTC_TS, Fetched
from tui.sources.streaming.ticks import Tick
from tui.store import JOB_SCHEMAS

log = logging.getLogger("tapewatch.recording")

FLUSH_EVERY_S: Final = 1.0
COMPACT_AFTER: Final = 300  # segments in a folder before they are merged into one part
SEQ: Final = "_seq"

EVENTS_SCHEMA = pl.Schema(
    {
        "seq": pl.Int64(),
        "at": UTC_TS,  # the wall clock when it came
        "market_at": UTC_TS,  # the market clock when it came: what a replay runs on
        "job": pl.String(),
        "as_of": UTC_TS,
        "fetched_at": UTC_TS,  # null: fetched when it came
        "problems": pl.String(),  # JSON
        "rows": pl.Int64(),
    }
)

TICKS_SCHEMA = pl.Schema(
    {
        "seq": pl.Int64(),
        "at": UTC_TS,
        "market_at": UTC_TS,
        "symbol": pl.String(),
        "ts": UTC_TS,
        "price": pl.Float64(),
        "source": pl.String(),
        "session": pl.String(),
        "change": pl.Float64(),
        "change_pct": pl.Float64(),
        "day_volume": pl.Float64(),
        "size": pl.Float64(),
        "bid": pl.Float64(),
        "ask": pl.Float64(),
        "volume_is_consolidated": pl.Boolean(),
    }
)

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_SEGMENT = re.compile(r"(seg|part)-(\d{12})")


def default_recordings_folder() -> Path:
    """Where `--record` writes without a PATH: the user data folder's recordings."""
    import platformdirs

    return platformdirs.user_data_path("tapewatch", appauthor=False) / "recordings"


def _day(moment: dt.datetime) -> str:
    return f"{moment.astimezone(NEW_YORK):%Y-%m-%d}"


@dataclass(frozen=True, slots=True)
class RecordedFrame:
    """A frame as it came in the recorded session."""

    seq: int
    at: dt.datetime
    market_at: dt.datetime
    job: JobName
    fetched: Fetched


@dataclass(frozen=True, slots=True)
class RecordedTick:
    seq: int
    at: dt.datetime
    market_at: dt.datetime
    tick: Tick


Recorded = RecordedFrame | RecordedTick


class Recorder:
    """Keeps what comes in memory and writes it to the log once a second (`run`)."""

    def __init__(
        self,
        root: Path,
        *,
        clock: Callable[[], dt.datetime] = utc_now,
        market_clock: Callable[[], dt.datetime] = utc_now,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.root = root
        self._files = Cache(root)
        self._clock = clock
        self._market_clock = market_clock
        self._sleep = sleep
        self._frames: list[RecordedFrame] = []
        self._ticks: list[RecordedTick] = []
        self._seq = _last_seq(root) + 1  # an existing log is appended to
        self._written: set[str] = set()  # folders written to: compacted on close

    def record_frame(
        self, job: JobName, fetched: Fetched, *, at: dt.datetime, market_at: dt.datetime
    ) -> None:
        """Keep a frame that came for ``job`` (written within a second)."""
        self._frames.append(RecordedFrame(self._next(), at, market_at, job, fetched))

    def record_tick(self, tick: Tick) -> None:
        """Keep a streamed tick (written within a second)."""
        self._ticks.append(RecordedTick(self._next(), self._clock(), self._market_clock(), tick))

    def _next(self) -> int:
        seq, self._seq = self._seq, self._seq + 1
        return seq

    async def run(self) -> None:
        """Write what came once a second, until cancelled; then write the rest and merge the
        day's segments."""
        try:
            while True:
                await self._sleep(FLUSH_EVERY_S)
                await asyncio.to_thread(self.flush)
        finally:
            self.close()

    def close(self) -> None:
        """Write what is left and merge every folder written to into one part (blocking)."""
        self.flush()
        for folder in sorted(self._written):
            self._compact(folder, force=True)

    def flush(self) -> None:
        """Write what came since the last flush (blocking): frames' rows, ticks, then events."""
        frames, self._frames = self._frames, []
        ticks, self._ticks = self._ticks, []
        events: dict[str, list[RecordedFrame]] = {}
        for frame in frames:
            events.setdefault(_day(frame.market_at), []).append(frame)
        for day, day_frames in events.items():
            by_job: dict[JobName, list[RecordedFrame]] = {}
            for frame in day_frames:
                by_job.setdefault(frame.job, []).append(frame)
            for job, job_frames in by_job.items():
                rows = pl.concat(
                    [
                        item.fetched.frame.with_columns(pl.lit(item.seq, pl.Int64()).alias(SEQ))
                        for item in job_frames
                    ],
                    how="vertical_relaxed",
                )
                self._write(f"{day}/frames/{job.value}", job_frames[0].seq, rows)
        by_day: dict[str, list[RecordedTick]] = {}
        for tick in ticks:
            by_day.setdefault(_day(tick.market_at), []).append(tick)
        for day, day_ticks in by_day.items():
            self._write(f"{day}/ticks", day_ticks[0].seq, _ticks_frame(day_ticks))
        for day, day_frames in events.items():  # last: an event never lacks its rows
            self._write(f"{day}/events", day_frames[0].seq, _events_frame(day_frames))

    def _write(self, folder: str, first_seq: int, frame: pl.DataFrame) -> None:
        self._files.write_frame(f"{folder}/seg-{first_seq:012d}", frame)
        self._written.add(folder)
        if len(_segments(self.root / folder, "seg")) >= COMPACT_AFTER:
            self._compact(folder)

    def _compact(self, folder: str, *, force: bool = False) -> None:
        """Merge a folder's segments (and earlier parts, on close) into one part file, then
        delete them: a crash in between leaves rows twice, which their sequence numbers undo."""
        path = self.root / folder
        merged = _segments(path, "seg") + (_segments(path, "part") if force else [])
        if len(merged) < 2:
            return
        frames = _read_files(self._files, folder, merged)
        if not frames:
            return
        rows = pl.concat(frames, how="vertical_relaxed")
        first = min(int(_SEGMENT.fullmatch(name)[2]) for name in merged)  # type: ignore[index]
        part = f"part-{first:012d}"
        self._files.write_frame(f"{folder}/{part}", rows)
        for name in merged:
            if name != part:
                for suffix in (FRAME_SUFFIX, CHECKSUM_SUFFIX):
                    with contextlib.suppress(FileNotFoundError):
                        (path / (name + suffix)).unlink()


def _events_frame(frames: Sequence[RecordedFrame]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            (
                item.seq,
                item.at,
                item.market_at,
                item.job.value,
                item.fetched.as_of,
                item.fetched.fetched_at,
                json.dumps(dict(item.fetched.problems)),
                item.fetched.frame.height,
            )
            for item in frames
        ],
        schema=EVENTS_SCHEMA,
        orient="row",
    )


def _ticks_frame(ticks: Sequence[RecordedTick]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            (
                item.seq,
                item.at,
                item.market_at,
                item.tick.symbol,
                item.tick.ts,
                item.tick.price,
                item.tick.source,
                item.tick.session.value if item.tick.session is not None else None,
                item.tick.change,
                item.tick.change_pct,
                item.tick.day_volume,
                item.tick.size,
                item.tick.bid,
                item.tick.ask,
                item.tick.volume_is_consolidated,
            )
            for item in ticks
        ],
        schema=TICKS_SCHEMA,
        orient="row",
    )


def _segments(folder: Path, kind: str) -> list[str]:
    """The names (no suffix) of a folder's segment or part files, oldest first."""
    if not folder.is_dir():
        return []
    names = [
        entry.name.removesuffix(FRAME_SUFFIX)
        for entry in folder.iterdir()
        if entry.name.endswith(FRAME_SUFFIX) and not entry.name.startswith(".")
    ]
    return sorted(
        name
        for name in names
        if (match := _SEGMENT.fullmatch(name)) is not None and match[1] == kind
    )


def _folder_schema(folder: str) -> Mapping[str, pl.DataType]:
    """The columns of a log folder's files ("2026-02-11/events", ".../frames/quotes")."""
    kind = folder.split("/")[-1]
    if kind == "events":
        return EVENTS_SCHEMA
    if kind == "ticks":
        return TICKS_SCHEMA
    return {**JOB_SCHEMAS[JobName(kind)], SEQ: pl.Int64()}


def _read_files(files: Cache, folder: str, names: Iterable[str]) -> list[pl.DataFrame]:
    """Each file's rows (checksums checked; an unreadable file is left out, with a log line)."""
    schema = _folder_schema(folder)
    frames = []
    for name in names:
        frame = files.read_frame(f"{folder}/{name}", schema)
        if frame is not None:
            frames.append(frame)
    return frames


def _last_seq(root: Path) -> int:
    """The highest sequence number in an existing log (0 for none)."""
    last = 0
    if not root.is_dir():
        return last
    for day in root.iterdir():
        if not _DAY.fullmatch(day.name):
            continue
        for folder in [day / "events", day / "ticks"]:
            for frame in _read_files(
                Cache(root),
                str(folder.relative_to(root)),
                _segments(folder, "part") + _segments(folder, "seg"),
            ):
                if frame.height:
                    last = max(last, int(frame.get_column("seq").max()))  # type: ignore[arg-type]
    return last


# -- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Recording:
    """A log read back: frames and ticks in the order they came."""

    events: tuple[Recorded, ...]

    @property
    def frames(self) -> tuple[RecordedFrame, ...]:
        return tuple(event for event in self.events if isinstance(event, RecordedFrame))

    @property
    def ticks(self) -> tuple[RecordedTick, ...]:
        return tuple(event for event in self.events if isinstance(event, RecordedTick))


class RecordingError(ValueError):
    """A folder that holds no recording."""


def read_recording(root: Path) -> Recording:
    """Everything a log under ``root`` holds, in order (blocking). What a killed recorder was
    writing is not there; anything else is."""
    files = Cache(root)
    days = (
        sorted(path.name for path in root.iterdir() if _DAY.fullmatch(path.name))
        if root.is_dir()
        else []
    )
    if not days:
        raise RecordingError(f"{root} holds no recording (no day folders such as 2026-02-11)")
    events: list[Recorded] = []
    for day in days:
        events += _read_day(files, root / day, day)
    events.sort(key=lambda event: event.seq)
    return Recording(tuple(events))


def _read_day(files: Cache, folder: Path, day: str) -> list[Recorded]:
    def rows(sub: str) -> pl.DataFrame | None:
        names = _segments(folder / sub, "part") + _segments(folder / sub, "seg")
        found = _read_files(files, f"{day}/{sub}", names)
        if not found:
            return None
        return _once_per_seq(found, SEQ if sub.startswith("frames/") else "seq")

    events: list[Recorded] = []
    table = rows("events")
    if table is not None:
        by_job: dict[str, dict[int, pl.DataFrame]] = {}
        for job in {str(name) for name in table.get_column("job").unique().to_list()}:
            if job not in JobName._value2member_map_:
                continue
            frame_rows = rows(f"frames/{job}")
            if frame_rows is None:
                by_job[job] = {}
                continue
            by_job[job] = {
                int(seq[0]): part.drop(SEQ)
                for seq, part in frame_rows.partition_by(SEQ, as_dict=True).items()
            }
        for row in table.sort("seq").iter_rows(named=True):
            job_rows = by_job.get(row["job"])
            if job_rows is None:
                continue
            frame = job_rows.get(row["seq"])
            if frame is None:
                if row["rows"]:
                    continue  # its rows were lost: leave the frame out, never show half
                frame = pl.DataFrame(schema=JOB_SCHEMAS[JobName(row["job"])])
            problems = {str(k): str(v) for k, v in json.loads(row["problems"]).items()}
            fetched = Fetched(frame, row["as_of"], problems, fetched_at=row["fetched_at"])
            events.append(
                RecordedFrame(row["seq"], row["at"], row["market_at"], JobName(row["job"]), fetched)
            )
    ticks = rows("ticks")
    if ticks is not None:
        for row in ticks.sort("seq").iter_rows(named=True):
            events.append(RecordedTick(row["seq"], row["at"], row["market_at"], _tick(row)))
    return events


def _once_per_seq(frames: Sequence[pl.DataFrame], column: str) -> pl.DataFrame:
    """The files' rows, each sequence number's from the first file that has it (a crash while
    merging segments leaves some twice)."""
    seen: set[int] = set()
    kept = []
    for frame in frames:
        numbers = set(frame.get_column(column).unique().to_list())
        fresh = numbers - seen
        if fresh:
            kept.append(frame.filter(pl.col(column).is_in(sorted(fresh))))
        seen |= numbers
    return pl.concat(kept, how="vertical_relaxed")


def _tick(row: dict[str, object]) -> Tick:
    from tui.market_hours import Session

    session = row["session"]
    return Tick(
        symbol=str(row["symbol"]),
        ts=row["ts"],  # type: ignore[arg-type]
        price=float(row["price"]),  # type: ignore[arg-type]
        source=str(row["source"]),
        session=Session(session) if isinstance(session, str) else None,
        change=row["change"],  # type: ignore[arg-type]
        change_pct=row["change_pct"],  # type: ignore[arg-type]
        day_volume=row["day_volume"],  # type: ignore[arg-type]
        size=row["size"],  # type: ignore[arg-type]
        bid=row["bid"],  # type: ignore[arg-type]
        ask=row["ask"],  # type: ignore[arg-type]
        volume_is_consolidated=bool(row["volume_is_consolidated"]),
    )
