"""Ticks on a plain NATS subject: small JSON batches, sent as they come and not kept.

A batch is ``{"v": 1, "ticks": [{"s": "AAPL", "t": "2026-02-05T15:31:02.125000+00:00",
"p": 231.5, "q": 100}, …]}`` — readable with any NATS tool. Optional keys say what the feed's
stream said of the tick: ``src`` its provider's source ("yahoo-stream"), ``x`` its session
("pre", "regular", "post") and ``v`` the day's consolidated volume. A reader ignores keys it does
not know, and skips a tick it cannot read (and counts it) rather than dropping the whole batch.

The feed (tui.daemon) sends the ticks of its own price stream (`from_stream`), one batch per
flush of that stream; a remote monitor (tui.sources.remote) pushes them into its own
`tui.stream.PriceStream` (`Tick.to_stream`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeGuard

if TYPE_CHECKING:
    from tui.sources.streaming.ticks import Tick as StreamTick

log = logging.getLogger("tapewatch.desk")  # the log folder's logger (tui.logs)

TICKS_SUBJECT = "tapewatch.ticks"
TICKS_VERSION = 1
_BATCH_OVERHEAD = 32  # bytes of the envelope around the ticks
_SESSIONS = frozenset({"pre", "regular", "post"})


@dataclass(frozen=True, slots=True)
class Tick:
    """One trade or quote update."""

    symbol: str
    ts: dt.datetime  # aware, UTC
    price: float
    size: float | None = None
    source: str = ""  # the stream's source: "yahoo-stream", "alpaca-iex", "finnhub"
    session: str | None = None  # "pre", "regular", "post" when the stream said
    day_volume: float | None = None  # the day's consolidated volume, when the stream sent it

    def to_stream(self, default_source: str = "desk") -> StreamTick:
        """The tick as a price stream takes it (tui.stream.PriceStream.push)."""
        from tui.market_hours import Session
        from tui.sources.streaming.ticks import Tick as StreamTick

        return StreamTick(
            symbol=self.symbol,
            ts=self.ts,
            price=self.price,
            source=self.source or default_source,
            session=Session(self.session) if self.session else None,
            day_volume=self.day_volume,
            size=self.size,
        )


def from_stream(tick: StreamTick) -> Tick:
    """A price stream's tick as the feed sends it (a day volume that is not consolidated — one
    exchange's — is left out, as the monitor's own stream would not use it)."""
    return Tick(
        symbol=tick.symbol,
        ts=tick.ts,
        price=tick.price,
        size=tick.size,
        source=tick.source,
        session=tick.session.value if tick.session is not None else None,
        day_volume=tick.day_volume if tick.volume_is_consolidated else None,
    )


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
    if tick.source:
        item["src"] = tick.source
    if tick.session is not None:
        item["x"] = tick.session
    if tick.day_volume is not None:
        item["v"] = tick.day_volume
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


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _read_tick(item: object) -> Tick | None:
    if not isinstance(item, dict):
        return None
    symbol, stamp, price, size = item.get("s"), item.get("t"), item.get("p"), item.get("q")
    source, session, volume = item.get("src", ""), item.get("x"), item.get("v")
    if not isinstance(symbol, str) or not isinstance(stamp, str) or not _is_number(price):
        return None
    if (size is not None and not _is_number(size)) or not isinstance(source, str):
        return None
    if (session is not None and session not in _SESSIONS) or (
        volume is not None and not _is_number(volume)
    ):
        return None
    try:
        ts = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if ts.tzinfo is None:
        return None
    return Tick(
        symbol,
        ts,
        float(price),
        None if size is None else float(size),
        source,
        session,
        None if volume is None else float(volume),
    )


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
