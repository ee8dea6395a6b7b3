"""`tapewatch doctor --nats URL`: is the desk's NATS server there, does it hold the feed's
bucket, and how old is each dataset in it?

One row per check, like the sources' doctor: source ("nats"), what was checked, status (ok, FAIL,
skipped), whether the monitors need it, latency, and the detail in plain words. Each frame is
read back whole (chunks gathered, digest and schema checked), so an ok row means a monitor can
use it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import nats
import nats.js.errors
import polars as pl
from nats.aio.client import Client

from tui.clock import NEW_YORK, utc_now
from tui.desk.bucket import (
    FRAME_KEY_PREFIX,
    FrameSuperseded,
    job_of_subject,
    key_subject,
    read_body,
    stream_name,
)
from tui.desk.frames import FrameMeta, FrameRejected, decode_body, read_meta
from tui.desk.link import connect_once, plain_error
from tui.desk.options import DEFAULT_BUCKET, NatsOptions

SOURCE = "nats"
STALE_AFTER_CADENCES = 2  # as on the dashboard: older than twice its cadence is stale


@dataclass(frozen=True, slots=True)
class NatsCheck:
    """One row of the doctor's table."""

    source: str
    what: str
    status: str  # "ok", "FAIL", "skipped"
    required: bool  # the monitors cannot do without it (a failure makes the doctor exit 1)
    latency_s: float
    detail: str


def age_text(seconds: float) -> str:
    """4 s, 3 min, 2 h, 5 d."""
    seconds = max(0.0, seconds)
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} d"


def _size_text(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"


async def check_nats(
    options: NatsOptions,
    *,
    bucket: str = DEFAULT_BUCKET,
    schemas: Mapping[str, pl.Schema] | None = None,
    cadences: Mapping[str, float] | None = None,
    clock: Callable[[], dt.datetime] = utc_now,
) -> list[NatsCheck]:
    """Check the connection, the bucket and every dataset in it.

    ``cadences`` (job -> seconds between polls) names the datasets the monitors expect: one
    missing, or older than twice its cadence, fails (the cadence a frame carries from the feed
    comes first). ``schemas`` (job -> frame schema) checks
    each frame's columns; without it only the metadata is read."""
    started = time.perf_counter()
    try:
        client = await connect_once(options)
    except Exception as error:
        detail = f"{options.display_url}: {plain_error(error)}"
        return [
            NatsCheck(SOURCE, "connection", "FAIL", True, time.perf_counter() - started, detail),
            NatsCheck(SOURCE, f"bucket {bucket}", "skipped", True, 0.0, "no connection"),
        ]
    try:
        return await _check_connected(client, options, bucket, schemas, cadences, clock, started)
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.close(), 2.0)


async def _check_connected(
    client: Client,
    options: NatsOptions,
    bucket: str,
    schemas: Mapping[str, pl.Schema] | None,
    cadences: Mapping[str, float] | None,
    clock: Callable[[], dt.datetime],
    started: float,
) -> list[NatsCheck]:
    server = client.connected_server_version
    version = f"{server.major}.{server.minor}.{server.patch}"
    rows = [
        NatsCheck(
            SOURCE,
            "connection",
            "ok",
            True,
            time.perf_counter() - started,
            f"{options.display_url}: nats-server {version}, "
            f"messages up to {_size_text(client.max_payload)}",
        )
    ]
    js = client.jetstream()
    started = time.perf_counter()
    try:
        stream = await js.stream_info(
            stream_name(bucket), subjects_filter=key_subject(bucket, f"{FRAME_KEY_PREFIX}>")
        )
    except nats.js.errors.NotFoundError:
        detail = f"no bucket `{bucket}`: is `tapewatch feed` running against this server?"
        return [*rows, NatsCheck(SOURCE, f"bucket {bucket}", "FAIL", True, _since(started), detail)]
    except nats.js.errors.ServiceUnavailableError:
        detail = "JetStream is not enabled on this server (start nats-server with -js)"
        return [*rows, NatsCheck(SOURCE, f"bucket {bucket}", "FAIL", True, _since(started), detail)]
    except Exception as error:
        detail = plain_error(error)
        return [*rows, NatsCheck(SOURCE, f"bucket {bucket}", "FAIL", True, _since(started), detail)]
    subjects = stream.state.subjects or {}
    jobs = sorted(job for subject in subjects if (job := job_of_subject(bucket, subject)))
    rows.append(
        NatsCheck(
            SOURCE,
            f"bucket {bucket}",
            "ok",
            True,
            _since(started),
            f"{len(jobs)} dataset(s), {_size_text(stream.state.bytes)} stored",
        )
    )
    expected = dict(cadences or {})
    for job in sorted(set(jobs) | set(expected)):
        rows.append(await _check_key(js, bucket, job, jobs, schemas, expected.get(job), clock))
    return rows


def _since(started: float) -> float:
    return time.perf_counter() - started


async def _check_key(
    js: nats.js.JetStreamContext,
    bucket: str,
    job: str,
    present: list[str],
    schemas: Mapping[str, pl.Schema] | None,
    cadence_s: float | None,
    clock: Callable[[], dt.datetime],
) -> NatsCheck:
    what = f"{FRAME_KEY_PREFIX}{job}"
    required = cadence_s is not None
    started = time.perf_counter()
    if job not in present:
        return NatsCheck(SOURCE, what, "FAIL", required, 0.0, "never published")
    try:
        head = await js.get_msg(stream_name(bucket), subject=key_subject(bucket, what), direct=True)
        headers = head.headers or {}
        meta: FrameMeta
        if schemas is None:
            meta = read_meta(headers)
            rows_text = f"{meta.rows:,} rows"
        else:
            body = await read_body(js, bucket, job, headers, head.data or b"")
            update = await asyncio.to_thread(decode_body, headers, body, schemas)
            meta = update.meta
            rows_text = f"{update.frame.height:,} rows, {_size_text(len(body))}"
    except FrameRejected as rejected:
        return NatsCheck(SOURCE, what, "FAIL", required, _since(started), rejected.reason)
    except FrameSuperseded:
        detail = "being replaced right now: run the doctor again"
        return NatsCheck(SOURCE, what, "FAIL", required, _since(started), detail)
    except Exception as error:
        return NatsCheck(SOURCE, what, "FAIL", required, _since(started), plain_error(error))
    latency = _since(started)
    age_s = (clock() - meta.published_at).total_seconds()
    health = meta.health
    source = meta.source if health.state == "ok" else f"{meta.source} ({health.state})"
    as_of = meta.as_of.astimezone(NEW_YORK)  # as a trader reads it
    detail = (
        f"{rows_text}, as of {as_of:%Y-%m-%d %H:%M} ET, "
        f"published {age_text(age_s)} ago from {source}"
    )
    # The feed says how often it polls the dataset; the monitor's own config is the fallback.
    if meta.feed.cadence_s is not None:
        cadence_s = meta.feed.cadence_s
    if cadence_s is not None and age_s > STALE_AFTER_CADENCES * cadence_s:
        stale = (
            f"stale: published {age_text(age_s)} ago, expected every {age_text(cadence_s)} "
            "(is `tapewatch feed` running?)"
        )
        return NatsCheck(SOURCE, what, "FAIL", required, latency, stale)
    return NatsCheck(SOURCE, what, "ok", required, latency, detail)
