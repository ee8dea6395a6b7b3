"""Frames, schemas and bounded waits for the desk tests."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

import nats
import numpy as np
import polars as pl

from tui.desk.bucket import key_subject
from tui.desk.frames import H_CHUNKS, Encoded
from tui.desk.link import Backoff
from tui.desk.options import DEFAULT_BUCKET
from tui.models import SourceHealth
from tui.sources.base import BARS_SCHEMA, QUOTES_SCHEMA
from tui.store import JOB_SCHEMAS

T = TypeVar("T")

# Job -> the schema of its frame: what a monitor checks each frame against.
SCHEMAS: dict[str, pl.Schema] = dict(JOB_SCHEMAS)
FAST = Backoff(first_s=0.05, max_s=0.5)  # reconnect quickly: the tests wait on conditions
AS_OF = dt.datetime(2026, 2, 5, 20, 0, tzinfo=dt.UTC)
OK = SourceHealth(name="demo", state="ok")
WAIT_S = 15.0


def quotes_frame(*symbols: str, last: float = 100.0) -> pl.DataFrame:
    rows = [
        {
            "symbol": symbol,
            "ts": AS_OF,
            "last": last + index,
            "prev_close": last - 1,
            "open": last,
            "high": last + 2,
            "low": last - 2,
            "volume": 1e6,
            "session": "regular",
            "delayed_s": 0,
            "source": "demo",
        }
        for index, symbol in enumerate(symbols)
    ]
    return pl.DataFrame(rows, schema=QUOTES_SCHEMA)


def bars_frame(rows: int, *, seed: int = 1) -> pl.DataFrame:
    """Daily-bar-shaped rows of random prices: they do not compress, so ``rows`` sets the size
    (about 40 bytes a row on the wire)."""
    rng = np.random.default_rng(seed)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    return pl.DataFrame(
        {
            "symbol": [f"S{index % 500:03d}" for index in range(rows)],
            "ts": [start + dt.timedelta(minutes=index) for index in range(rows)],
            "open": rng.random(rows),
            "high": rng.random(rows),
            "low": rng.random(rows),
            "close": rng.random(rows),
            "volume": rng.random(rows),
            "interval": ["1d"] * rows,
        },
        schema=BARS_SCHEMA,
    )


async def wait_until(predicate: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> None:
    """Poll ``predicate`` until it holds; fail naming ``what`` when ``timeout_s`` has passed."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        await asyncio.sleep(0.02)


async def next_within(iterator: AsyncIterator[T], timeout_s: float = WAIT_S) -> T:
    """The iterator's next item, or a failure after ``timeout_s``."""
    return await asyncio.wait_for(anext(iterator), timeout_s)


async def publish_raw(url: str, job: str, encoded: Encoded, **headers: str) -> None:
    """Put a frame head into the bucket as a feed of another kind might: ``headers`` override
    the encoded ones (``Tapewatch_Format="99"`` sets Tapewatch-Format)."""
    extra = {name.replace("_", "-"): value for name, value in headers.items()}
    client = await nats.connect(url)
    try:
        await client.jetstream().publish(
            key_subject(DEFAULT_BUCKET, f"frame.{job}"),
            encoded.body,
            headers={**encoded.headers, H_CHUNKS: "0", **extra},
        )
    finally:
        await client.close()
