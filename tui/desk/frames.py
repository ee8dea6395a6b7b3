"""A dataset's frame on the wire: Arrow IPC bytes, its metadata in NATS headers.

The body is the frame's per-symbol problems as JSON (they can run to thousands of symbols, too
long for a header) followed by the frame as Arrow IPC (zstd: the smallest and, on these frames,
also the fastest to read back). The headers carry the job, the format version, the as-of,
fetched-at and published-at times, the source and its health, the row count and the body's
layout and SHA-256 digest, so a reader can tell what it has before reading the body. Optional
headers say what a monitor needs to know about the feed itself (``FeedContext``): its source's
label, how often it polls the dataset, and its market clock; a frame without them is read with
the defaults, so they need no new format version.

Decoding checks everything it is handed: an unknown format version, an unknown job, a body that
is not the one the digest names, bytes that are not Arrow IPC, or a frame whose schema is not
the one expected for its job is *rejected* (``FrameRejected``, in plain words) — never a crash,
never a half-read frame shown as data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol, get_args
from urllib.parse import quote, unquote

import polars as pl

from tui.kinds import FailureKind
from tui.models import HealthState, SourceHealth
from tui.plain import plain

# The layout of headers and body, and the frame schemas: bump it when either changes, so an old
# monitor rejects a new feed's frames in plain words instead of misreading them.
FORMAT_VERSION = 1
IpcCompression = Literal["uncompressed", "lz4", "zstd"]
COMPRESSION: IpcCompression = "zstd"

H_FORMAT = "Tapewatch-Format"
H_JOB = "Tapewatch-Job"
H_AS_OF = "Tapewatch-As-Of"
H_FETCHED_AT = "Tapewatch-Fetched-At"
H_PUBLISHED_AT = "Tapewatch-Published-At"
H_SOURCE = "Tapewatch-Source"
H_HEALTH = "Tapewatch-Health"
H_HEALTH_UNTIL = "Tapewatch-Health-Until"
H_HEALTH_DETAIL = "Tapewatch-Health-Detail"
H_HEALTH_CAUSE = "Tapewatch-Health-Cause"  # optional: the kind of the last failure
H_ROWS = "Tapewatch-Rows"
H_PROBLEMS_BYTES = "Tapewatch-Problems-Bytes"
H_BODY_BYTES = "Tapewatch-Body-Bytes"
H_DIGEST = "Tapewatch-Digest"
H_CHUNKS = "Tapewatch-Chunks"  # 0: the body is in this message; n: in n chunk messages
H_CHUNK = "Tapewatch-Chunk"  # on a chunk message: its index
# Optional: the feed's context (FeedContext).
H_FEED_LABEL = "Tapewatch-Feed-Label"
H_CADENCE = "Tapewatch-Cadence"
H_MARKET_TIME = "Tapewatch-Market-Time"
H_MARKET_RATE = "Tapewatch-Market-Rate"

MAX_DETAIL_CHARS = 300  # a health detail is one error in plain words; headers stay small
_HEALTH_STATES: frozenset[str] = frozenset(get_args(HealthState))
# Printable ASCII stays as it is, so `nats kv get` shows readable headers; the rest is %-escaped.
_SAFE = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) != "%")


class StoredLike(Protocol):
    """What the scheduler's store keeps per job (``tui.store.Stored``)."""

    @property
    def frame(self) -> pl.DataFrame: ...
    @property
    def as_of(self) -> dt.datetime: ...
    @property
    def fetched_at(self) -> dt.datetime: ...
    @property
    def problems(self) -> Mapping[str, str]: ...


@dataclass(frozen=True, slots=True)
class FeedContext:
    """What a monitor needs to know about the feed beside a frame: the status bar's label of its
    source, how often it polls the dataset (so a monitor marks it stale when the feed's own
    cadence says so, whatever the monitor's config), and its market clock (a demo market runs
    faster than the wall clock; a replay stands still)."""

    label: str = ""  # the feed source's label: "LIVE", "DEMO", "REPLAY 2026-02-05"
    cadence_s: float | None = None  # seconds between the feed's polls of this dataset
    market_time: dt.datetime | None = None  # the feed's market clock when it published
    market_rate: float | None = None  # market seconds per wall second (demo: 60 x its speed)

    def market_now(self, elapsed_s: float) -> dt.datetime | None:
        """The feed's market clock ``elapsed_s`` wall seconds after it published."""
        if self.market_time is None:
            return None
        rate = 1.0 if self.market_rate is None else self.market_rate
        return self.market_time + dt.timedelta(seconds=elapsed_s * rate)

    def moved_on(self, elapsed_s: float) -> FeedContext:
        """The same context ``elapsed_s`` wall seconds later (a frame published again)."""
        if self.market_time is None or elapsed_s <= 0:
            return self
        return replace(self, market_time=self.market_now(elapsed_s))


@dataclass(frozen=True, slots=True)
class FrameMeta:
    """Everything about a published frame but its rows."""

    job: str  # a job name: quotes, intraday, daily, short_interest, short_volume, shares
    as_of: dt.datetime  # the market time the data describes
    fetched_at: dt.datetime  # when the feed fetched it (wall clock, UTC)
    published_at: dt.datetime  # when the feed published it
    source: str  # the source that answered the job: yahoo, finra, demo…
    health: SourceHealth  # that source's health when it was published
    problems: Mapping[str, str] = field(default_factory=dict)  # symbol -> what went wrong
    rows: int = 0
    feed: FeedContext = field(default_factory=FeedContext)


@dataclass(frozen=True, slots=True)
class FrameUpdate:
    """A frame as a monitor receives it: the frame, its metadata, and the bucket's revision."""

    meta: FrameMeta
    frame: pl.DataFrame
    revision: int = 0  # the key-value revision (stream sequence) it came from; 0: not from one
    digest: str = ""

    @property
    def job(self) -> str:
        return self.meta.job

    @property
    def as_of(self) -> dt.datetime:
        return self.meta.as_of

    @property
    def source(self) -> str:
        return self.meta.source

    @property
    def health(self) -> SourceHealth:
        return self.meta.health

    @property
    def published_at(self) -> dt.datetime:
        return self.meta.published_at


@dataclass(frozen=True, slots=True)
class Encoded:
    """A frame ready to send: headers (without the chunking ones) and body."""

    headers: dict[str, str]
    body: bytes
    digest: str


class FrameRejected(Exception):
    """A published frame that cannot be used; ``reason`` says why in plain words."""

    def __init__(self, job: str, reason: str) -> None:
        super().__init__(f"{job or 'a frame'}: {reason}")
        self.job = job
        self.reason = reason


def encode_text(text: str) -> str:
    """A header value from free text: printable ASCII kept, anything else %-escaped."""
    return quote(text, safe=_SAFE)


def _time(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("published times must be timezone-aware")
    return value.astimezone(dt.UTC).isoformat()


def encode_frame(
    meta: FrameMeta, frame: pl.DataFrame, *, compression: IpcCompression = COMPRESSION
) -> Encoded:
    """The headers and body of ``frame`` (``meta.rows`` is taken from the frame)."""
    ipc = io.BytesIO()
    frame.write_ipc(ipc, compression=compression)
    problems = json.dumps(dict(meta.problems), ensure_ascii=False, separators=(",", ":"))
    problem_bytes = problems.encode() if meta.problems else b""
    body = problem_bytes + ipc.getvalue()
    digest = hashlib.sha256(body).hexdigest()
    health = meta.health
    headers = {
        H_FORMAT: str(FORMAT_VERSION),
        H_JOB: meta.job,
        H_AS_OF: _time(meta.as_of),
        H_FETCHED_AT: _time(meta.fetched_at),
        H_PUBLISHED_AT: _time(meta.published_at),
        H_SOURCE: encode_text(meta.source),
        H_HEALTH: health.state,
        H_ROWS: str(frame.height),
        H_PROBLEMS_BYTES: str(len(problem_bytes)),
        H_BODY_BYTES: str(len(body)),
        H_DIGEST: digest,
    }
    if health.until is not None:
        headers[H_HEALTH_UNTIL] = _time(health.until)
    if health.detail:
        headers[H_HEALTH_DETAIL] = encode_text(health.detail[:MAX_DETAIL_CHARS])
    if health.cause is not None:
        headers[H_HEALTH_CAUSE] = health.cause.value
    headers.update(_feed_headers(meta.feed))
    return Encoded(headers, body, digest)


def _feed_headers(feed: FeedContext) -> dict[str, str]:
    headers = {}
    if feed.label:
        headers[H_FEED_LABEL] = encode_text(feed.label[:MAX_DETAIL_CHARS])
    if feed.cadence_s is not None:
        headers[H_CADENCE] = repr(float(feed.cadence_s))
    if feed.market_time is not None:
        headers[H_MARKET_TIME] = _time(feed.market_time)
    if feed.market_rate is not None:
        headers[H_MARKET_RATE] = repr(float(feed.market_rate))
    return headers


def _header(headers: Mapping[str, str], name: str, job: str) -> str:
    value = headers.get(name)
    if value is None:
        raise FrameRejected(job, f"the header {name} is missing")
    return value


def _parse_time(headers: Mapping[str, str], name: str, job: str) -> dt.datetime:
    text = _header(headers, name, job)
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise FrameRejected(job, f"{name} is not a time: {text!r}") from None
    if value.tzinfo is None:
        raise FrameRejected(job, f"{name} has no time zone: {text!r}")
    return value


def _parse_int(headers: Mapping[str, str], name: str, job: str) -> int:
    text = _header(headers, name, job)
    try:
        value = int(text)
    except ValueError:
        raise FrameRejected(job, f"{name} is not a whole number: {text!r}") from None
    if value < 0:
        raise FrameRejected(job, f"{name} is negative: {text!r}")
    return value


def _parse_float(headers: Mapping[str, str], name: str, job: str) -> float | None:
    """An optional non-negative, finite number."""
    text = headers.get(name)
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise FrameRejected(job, f"{name} is not a number: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise FrameRejected(job, f"{name} is not a finite number of at least 0: {text!r}")
    return value


def read_feed(headers: Mapping[str, str], job: str = "") -> FeedContext:
    """The feed's context in a frame's headers (defaults for the headers it lacks)."""
    cadence = _parse_float(headers, H_CADENCE, job)
    if cadence is not None and cadence <= 0:
        raise FrameRejected(job, f"{H_CADENCE} must be more than 0: {cadence!r}")
    market_time = _parse_time(headers, H_MARKET_TIME, job) if H_MARKET_TIME in headers else None
    return FeedContext(
        label=plain(unquote(headers.get(H_FEED_LABEL, ""))),
        cadence_s=cadence,
        market_time=market_time,
        market_rate=_parse_float(headers, H_MARKET_RATE, job),
    )


def read_meta(headers: Mapping[str, str]) -> FrameMeta:
    """The metadata in a frame's headers; FrameRejected if it is not a frame we can read."""
    job = headers.get(H_JOB, "")
    version = headers.get(H_FORMAT)
    if version != str(FORMAT_VERSION):
        raise FrameRejected(
            job,
            f"published in frame format {version or 'unknown'}; this tapewatch reads format "
            f"{FORMAT_VERSION}: run the same version of tapewatch as the feed",
        )
    if not job:
        raise FrameRejected(job, f"the header {H_JOB} is missing")
    state = _header(headers, H_HEALTH, job)
    if state not in _HEALTH_STATES:
        raise FrameRejected(job, f"unknown health state {state!r}")
    # Shown on screen (the status bar's label and health): plain text (tui.plain).
    source = plain(unquote(_header(headers, H_SOURCE, job)))
    until = _parse_time(headers, H_HEALTH_UNTIL, job) if H_HEALTH_UNTIL in headers else None
    health_state: HealthState = state  # type: ignore[assignment]  # checked just above
    cause_text = headers.get(H_HEALTH_CAUSE)
    try:
        cause = FailureKind(cause_text) if cause_text is not None else None
    except ValueError:
        raise FrameRejected(job, f"unknown failure kind {cause_text!r}") from None
    health = SourceHealth(
        name=source,
        state=health_state,
        until=until,
        detail=plain(unquote(headers.get(H_HEALTH_DETAIL, ""))),
        cause=cause,
    )
    return FrameMeta(
        job=job,
        as_of=_parse_time(headers, H_AS_OF, job),
        fetched_at=_parse_time(headers, H_FETCHED_AT, job),
        published_at=_parse_time(headers, H_PUBLISHED_AT, job),
        source=source,
        health=health,
        rows=_parse_int(headers, H_ROWS, job),
        feed=read_feed(headers, job),
    )


def schema_difference(expected: pl.Schema, found: pl.Schema) -> str:
    """How ``found`` differs from ``expected``, in words; empty when they are the same."""
    missing = [name for name in expected if name not in found]
    extra = [name for name in found if name not in expected]
    wrong = [
        f"{name} is {found[name]}, expected {dtype}"
        for name, dtype in expected.items()
        if name in found and found[name] != dtype
    ]
    parts = []
    if missing:
        parts.append("missing " + ", ".join(missing))
    if extra:
        parts.append("unexpected " + ", ".join(extra))
    parts.extend(wrong)
    if not parts and list(expected) != list(found):
        parts.append("columns in another order")
    return "; ".join(parts)


def decode_body(
    headers: Mapping[str, str],
    body: bytes,
    schemas: Mapping[str, pl.Schema],
    *,
    revision: int = 0,
) -> FrameUpdate:
    """The frame a complete body holds, checked against its digest and its job's schema."""
    meta = read_meta(headers)
    job = meta.job
    expected = schemas.get(job)
    if expected is None:
        raise FrameRejected(job, "a dataset this tapewatch does not know")
    digest = _header(headers, H_DIGEST, job)
    size = _parse_int(headers, H_BODY_BYTES, job)
    if len(body) != size:
        raise FrameRejected(job, f"the body is {len(body)} bytes, the header says {size}")
    if hashlib.sha256(body).hexdigest() != digest:
        raise FrameRejected(job, "the body does not match its digest (corrupt or incomplete)")
    problems_size = _parse_int(headers, H_PROBLEMS_BYTES, job)
    problems = _read_problems(body[:problems_size], job)
    try:
        frame = pl.read_ipc(io.BytesIO(body[problems_size:]))
    except Exception as error:  # polars raises several kinds for bytes that are not IPC
        raise FrameRejected(job, f"not a readable Arrow IPC frame ({error})") from None
    if difference := schema_difference(expected, frame.schema):
        raise FrameRejected(job, f"the frame's columns do not match the {job} schema: {difference}")
    if frame.height != meta.rows:
        raise FrameRejected(job, f"{frame.height} rows, the header says {meta.rows}")
    return FrameUpdate(replace(meta, problems=problems), frame, revision, digest)


def _read_problems(data: bytes, job: str) -> dict[str, str]:
    if not data:
        return {}
    try:
        problems = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise FrameRejected(job, "its problems are not JSON") from None
    if not isinstance(problems, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in problems.items()
    ):
        raise FrameRejected(job, "its problems are not a symbol -> text map")
    # Shown on screen: plain text, whatever the feed sent (tui.plain).
    return {plain(symbol): plain(why) for symbol, why in problems.items()}
