"""A dataset's frame on the wire: Arrow IPC bytes, its metadata in NATS headers.

The body is the frame's per-symbol problems as JSON (they can run to thousands of symbols, too
long for a header) followed by the frame as Arrow IPC (zstd: the smallest and, on these frames,
also the fastest to read back). The headers carry the job, the format version, the as-of,
fetched-at and published-at times, the source and its health, the row count and the body's
layout and SHA-256 digest, so a reader can tell what it has before reading the body.

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
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol, get_args
from urllib.parse import quote, unquote

import polars as pl

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
H_ROWS = "Tapewatch-Rows"
H_PROBLEMS_BYTES = "Tapewatch-Problems-Bytes"
H_BODY_BYTES = "Tapewatch-Body-Bytes"
H_DIGEST = "Tapewatch-Digest"
H_CHUNKS = "Tapewatch-Chunks"  # 0: the body is in this message; n: in n chunk messages
H_CHUNK = "Tapewatch-Chunk"  # on a chunk message: its index

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
    return Encoded(headers, body, digest)


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
    source = unquote(_header(headers, H_SOURCE, job))
    until = _parse_time(headers, H_HEALTH_UNTIL, job) if H_HEALTH_UNTIL in headers else None
    health_state: HealthState = state  # type: ignore[assignment]  # checked just above
    health = SourceHealth(
        name=source,
        state=health_state,
        until=until,
        detail=unquote(headers.get(H_HEALTH_DETAIL, "")),
    )
    return FrameMeta(
        job=job,
        as_of=_parse_time(headers, H_AS_OF, job),
        fetched_at=_parse_time(headers, H_FETCHED_AT, job),
        published_at=_parse_time(headers, H_PUBLISHED_AT, job),
        source=source,
        health=health,
        rows=_parse_int(headers, H_ROWS, job),
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
