"""Finnhub's real-time trades websocket (free with a Finnhub key).

Format: connect to ``wss://ws.finnhub.io?token=KEY`` (so the URL holds the key and is never
logged); send ``{"type":"subscribe","symbol":"AAPL"}`` (and ``unsubscribe``) one symbol per
message; receive ``{"type":"trade","data":[{"s":symbol,"p":price,"t":epoch ms,"v":volume,
"c":[conditions]}, ...]}``, ``{"type":"ping"}`` now and then, and ``{"type":"error","msg":...}``.

Finnhub's free US trades come from a subset of venues, so their volumes are not the consolidated
figure: the ticks carry ``volume_is_consolidated=False``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

from websockets.asyncio.client import ClientConnection

from tui.market_hours import session_at
from tui.sources.streaming.client import (
    AuthRejected,
    FrameError,
    json_frame,
    json_number,
    subscription_changes,
)
from tui.sources.streaming.keys import Secret, read_secret
from tui.sources.streaming.ticks import Tick
from tui.symbols import canonical, dotted

logger = logging.getLogger("tapewatch.stream.finnhub")

FINNHUB_URL: Final = "wss://ws.finnhub.io"
SOURCE: Final = "finnhub"
TOKEN_ENV: Final = "FINNHUB_API_KEY"

_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# Words in an error message that mean the key itself was refused (not a passing fault).
_KEY_WORDS: Final = ("api key", "token", "unauthori", "subscription required")


def load_finnhub_token(
    path: Path | None = None, *, environ: Mapping[str, str] | None = None
) -> Secret:
    """The token from FINNHUB_API_KEY, else from the first line of a private file."""
    return read_secret(TOKEN_ENV, path, environ=environ)


def _trade(item: Any) -> Tick:
    if not isinstance(item, dict):
        raise FrameError("a trade that is not an object")
    symbol, price, stamp = item.get("s"), json_number(item.get("p")), json_number(item.get("t"))
    if not isinstance(symbol, str) or not symbol:
        raise FrameError("trade without a symbol")
    if price is None or price <= 0:
        raise FrameError(f"trade with a bad price: {item.get('p')!r}")
    if stamp is None or stamp <= 0:
        raise FrameError(f"trade with a bad time: {item.get('t')!r}")
    ts = _EPOCH + dt.timedelta(milliseconds=stamp)
    return Tick(
        symbol=canonical(symbol),  # BRK.B -> BRK-B, as every source spells it
        ts=ts,
        price=price,
        source=SOURCE,
        session=session_at(ts),
        size=json_number(item.get("v")),
        volume_is_consolidated=False,
    )


def parse_finnhub_frame(frame: str | bytes) -> list[Tick]:
    """The trades in one frame; pings give none; an error naming the key raises AuthRejected,
    any other error is logged."""
    message = json_frame(frame)
    if not isinstance(message, dict):
        raise FrameError("not a JSON object")
    kind = message.get("type")
    if kind == "trade":
        data = message.get("data")
        if not isinstance(data, list):
            raise FrameError("trade message without data")
        return [_trade(item) for item in data]
    if kind == "error":
        text = str(message.get("msg") or "unknown error")
        if any(word in text.lower() for word in _KEY_WORDS):
            raise AuthRejected(f"Finnhub refused the key ({text})")
        logger.warning("finnhub: %s", text)
    return []


class FinnhubStream:
    """The StreamProvider for Finnhub's trades."""

    source = SOURCE
    name = "Finnhub"
    resubscribe_s: float | None = None  # Finnhub keeps subscriptions for the connection's life

    def __init__(self, token: Secret, url: str = FINNHUB_URL) -> None:
        self._token = token
        self._base_url = url

    @property
    def url(self) -> str:
        return f"{self._base_url}?token={quote(self._token.reveal(), safe='')}"

    @property
    def secrets(self) -> Sequence[str]:
        token = self._token.reveal()
        return (token, quote(token, safe=""))

    async def handshake(self, connection: ClientConnection) -> None:
        """The token travels in the URL: a refused one fails the HTTP upgrade (401)."""

    def subscription_messages(
        self, wanted: frozenset[str], sent: frozenset[str], *, resend: bool
    ) -> list[str]:
        added, removed = subscription_changes(wanted, sent, resend=resend)
        return [json.dumps({"type": "unsubscribe", "symbol": dotted(s)}) for s in removed] + [
            json.dumps({"type": "subscribe", "symbol": dotted(s)}) for s in added
        ]

    def parse(self, frame: str | bytes) -> list[Tick]:
        return parse_finnhub_frame(frame)
