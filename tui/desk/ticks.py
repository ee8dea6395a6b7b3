"""Ticks on a plain NATS subject: small JSON batches, sent as they come and not kept.

A batch is ``{"v": 1, "ticks": [{"s": "AAPL", "t": "2026-02-05T15:31:02.125000+00:00",
"p": 231.5, "q": 100}, …]}`` — readable with any NATS tool. A reader skips a tick it cannot read
(and counts it) rather than dropping the whole batch.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("tapewatch.desk")  # the log folder's logger (tui.logs)

TICKS_SUBJECT = "tapewatch.ticks"
TICKS_VERSION = 1
_BATCH_OVERHEAD = 32  # bytes of the envelope around the ticks


@dataclass(frozen=True, slots=True)
class Tick:
    """One trade or quote update."""

    symbol: str
    ts: dt.datetime  # aware, UTC
    price: float
    size: float | None = None


@dataclass(frozen=True, slots=True)
class TickBatch:
    ticks: tuple[Tick, ...]
    unreadable: int = 0  # ticks in the message that could not be read


def _tick_json(tick: Tick) -> str:
    item: dict[str, Any] = {
        "s": tick.symbol,
        "t": tick.ts.astimezone(dt.UTC).isoformat(),
        "p": tick.price,
    }
    if tick.size is not None:
        item["q"] = tick.size
    return json.dumps(item, separators=(",", ":"), allow_nan=False)


def encode_tick_batches(ticks: Sequence[Tick], max_bytes: int) -> Iterator[bytes]:
    """The ticks as JSON messages of at most ``max_bytes`` each (a tick never splits)."""
    head = f'{{"v":{TICKS_VERSION},"ticks":['.encode()
    items: list[bytes] = []
    size = len(head) + 2
    for tick in ticks:
        item = _tick_json(tick).encode()
        if items and size + len(item) + 1 > max_bytes - _BATCH_OVERHEAD:
            yield head + b",".join(items) + b"]}"
            items, size = [], len(head) + 2
        items.append(item)
        size += len(item) + 1
    if items:
        yield head + b",".join(items) + b"]}"


def _read_tick(item: object) -> Tick | None:
    if not isinstance(item, dict):
        return None
    symbol, stamp, price, size = item.get("s"), item.get("t"), item.get("p"), item.get("q")
    if not isinstance(symbol, str) or not isinstance(stamp, str):
        return None
    if not isinstance(price, int | float) or isinstance(price, bool):
        return None
    if size is not None and (not isinstance(size, int | float) or isinstance(size, bool)):
        return None
    try:
        ts = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if ts.tzinfo is None:
        return None
    return Tick(symbol, ts, float(price), None if size is None else float(size))


def decode_ticks(data: bytes) -> TickBatch:
    """The ticks in one message; an unreadable message is an empty batch with a count of one."""
    try:
        message = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return TickBatch((), unreadable=1)
    if not isinstance(message, dict) or message.get("v") != TICKS_VERSION:
        return TickBatch((), unreadable=1)
    items = message.get("ticks")
    if not isinstance(items, list):
        return TickBatch((), unreadable=1)
    ticks = [tick for tick in map(_read_tick, items) if tick is not None]
    return TickBatch(tuple(ticks), unreadable=len(items) - len(ticks))
