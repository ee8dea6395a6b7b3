"""Yahoo Finance's price streamer (no key): ``wss://streamer.finance.yahoo.com/?version=2``.

Format, as recorded frames show (tests/fixtures/yahoo_stream/):

- The client sends JSON text: ``{"subscribe": ["AAPL", ...]}`` and ``{"unsubscribe": [...]}``.
  Yahoo keeps a subscription only for a while, so the whole set is sent again every 15 s (as
  public clients do); a symbol past the first 100 of a connection is dropped without a word.
- The server sends JSON text ``{"type": "pricing", "message": "<base64 PricingData>"}``; see
  pricing.proto. ``time`` is epoch milliseconds; prices are float32. ``market_hours`` 0 is both
  "pre-market" and "not sent" (proto3 cannot tell them apart).
- Prices come as snapshots about once a second per symbol, not as individual trades; right after
  subscribing Yahoo sends the last known price, which may be days old when the market is closed.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

from websockets.asyncio.client import ClientConnection

from tui.market_hours import Session
from tui.sources.streaming.client import FrameError, json_frame
from tui.sources.streaming.pricing import DecodeError, decode_pricing, float32_value
from tui.sources.streaming.ticks import Tick
from tui.symbols import subscription_order

YAHOO_STREAM_URL: Final = "wss://streamer.finance.yahoo.com/?version=2"
SOURCE: Final = "yahoo-stream"
RESUBSCRIBE_S: Final = 15.0
MAX_SYMBOLS: Final = 100  # Yahoo silently ignores symbols past the first 100 of a connection

HEARTBEAT_QUOTE_TYPE: Final = 7

SESSIONS: Final[Mapping[int, Session]] = {
    0: Session.PRE,
    1: Session.REGULAR,
    2: Session.POST,
    3: Session.CLOSED,  # "extended hours": overnight trading, outside pre/regular/post
}

_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def tick_from_pricing(message: Any) -> Tick | None:
    """A Tick from one decoded PricingData; None for a heartbeat. Raises FrameError when the
    message lacks a symbol, a price or a time (a truncated frame can decode to that)."""
    if message.quote_type == HEARTBEAT_QUOTE_TYPE:
        return None
    if not message.id or message.price <= 0 or message.time <= 0:
        raise FrameError("pricing message without a symbol, a price or a time")
    return Tick(
        symbol=message.id,
        ts=_EPOCH + dt.timedelta(milliseconds=message.time),
        price=float32_value(message.price),
        source=SOURCE,
        session=SESSIONS.get(message.market_hours),
        change=float32_value(message.change),
        change_pct=float32_value(message.change_percent),
        day_volume=float(message.day_volume) if message.day_volume else None,
        size=float(message.last_size) if message.last_size else None,
        bid=float32_value(message.bid) if message.bid else None,
        ask=float32_value(message.ask) if message.ask else None,
        volume_is_consolidated=True,
    )


def parse_yahoo_frame(frame: str | bytes) -> list[Tick]:
    """The tick in one streamer frame ([] for a heartbeat or another message type)."""
    envelope = json_frame(frame)
    if not isinstance(envelope, dict):
        raise FrameError("not a JSON object")
    if envelope.get("type", "pricing") != "pricing":
        return []
    encoded = envelope.get("message")
    if not isinstance(encoded, str) or not encoded:
        raise FrameError("no message")
    try:
        message = decode_pricing(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError, DecodeError) as error:
        raise FrameError(f"not a PricingData message ({error})") from None
    tick = tick_from_pricing(message)
    return [] if tick is None else [tick]


class YahooStream:
    """The StreamProvider for Yahoo's streamer."""

    source = SOURCE
    name = "Yahoo's streamer"
    resubscribe_s: float | None = RESUBSCRIBE_S
    secrets: Sequence[str] = ()

    def __init__(self, url: str = YAHOO_STREAM_URL) -> None:
        self._url = url

    @property
    def url(self) -> str:
        return self._url

    async def handshake(self, connection: ClientConnection) -> None:
        """No authentication."""

    def subscription_messages(
        self, wanted: frozenset[str], sent: frozenset[str], *, resend: bool
    ) -> list[str]:
        messages = []
        removed = sorted(sent - wanted)
        if removed:
            messages.append(json.dumps({"unsubscribe": removed}))
        if wanted and (resend or wanted - sent):
            # The whole set, in a stable order, so the first 100 are always the same ones.
            messages.append(json.dumps({"subscribe": subscription_order(wanted)[:MAX_SYMBOLS]}))
        return messages

    def parse(self, frame: str | bytes) -> list[Tick]:
        return parse_yahoo_frame(frame)
