"""Alpaca's real-time stock trades from IEX (free with an Alpaca account's key).

Format (Alpaca's "Real-time Stock Data" documentation): every server message is a JSON array of
objects, each with a type ``T``.

- On connect: ``[{"T":"success","msg":"connected"}]``. The client must authenticate within 10 s
  with ``{"action":"auth","key":...,"secret":...}``; the answer is
  ``[{"T":"success","msg":"authenticated"}]`` or ``[{"T":"error","code":402,"msg":"auth failed"}]``.
- ``{"action":"subscribe","trades":[...]}`` (and ``unsubscribe``); the server confirms with
  ``{"T":"subscription",...}``.
- A trade: ``{"T":"t","S":symbol,"p":price,"s":size,"t":RFC-3339 time with nanoseconds,
  "x":exchange,"c":[conditions],"i":id,"z":tape}``.

IEX is one exchange: its volumes are a small share of the consolidated tape, so the ticks carry
``volume_is_consolidated=False`` and only their prices should be shown.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from websockets.asyncio.client import ClientConnection

from tui.market_hours import session_at
from tui.sources.streaming.client import (
    AuthRejected,
    FrameError,
    json_frame,
    json_number,
    subscription_changes,
)
from tui.sources.streaming.keys import KeyUnavailable, Secret, read_private_file
from tui.sources.streaming.ticks import Tick
from tui.symbols import canonical, dotted

logger = logging.getLogger("tapewatch.stream.alpaca")

ALPACA_IEX_URL: Final = "wss://stream.data.alpaca.markets/v2/iex"
SOURCE: Final = "alpaca-iex"
KEY_ID_ENV: Final = "APCA_API_KEY_ID"
SECRET_ENV: Final = "APCA_API_SECRET_KEY"

# Alpaca's error codes, in plain words, and whether trying again later can help.
ERRORS: Final[Mapping[int, tuple[str, bool]]] = {
    401: ("Alpaca says the connection is not authenticated", False),
    402: ("Alpaca refused the key (auth failed)", False),
    404: ("Alpaca closed the connection: authentication took too long", True),
    406: ("Alpaca allows one connection per key and another one is open", True),
    409: ("the Alpaca account's plan does not include this feed", False),
}


@dataclass(frozen=True, slots=True)
class AlpacaCredentials:
    """An Alpaca key id and its secret."""

    key_id: Secret
    secret: Secret

    @classmethod
    def load(
        cls, path: Path | None = None, *, environ: Mapping[str, str] | None = None
    ) -> AlpacaCredentials:
        """From APCA_API_KEY_ID and APCA_API_SECRET_KEY, else from a private file holding the
        key id on its first line and the secret on its second."""
        environ = os.environ if environ is None else environ
        key_id, secret = environ.get(KEY_ID_ENV, "").strip(), environ.get(SECRET_ENV, "").strip()
        if key_id and secret:
            return cls(Secret(key_id), Secret(secret))
        if path is None:
            raise KeyUnavailable(f"no Alpaca key: set {KEY_ID_ENV} and {SECRET_ENV}")
        lines = read_private_file(path)
        if len(lines) < 2:
            raise KeyUnavailable(f"the key file {path} needs the key id and the secret, one a line")
        return cls(Secret(lines[0]), Secret(lines[1]))


def _messages(frame: str | bytes) -> list[dict[str, Any]]:
    messages = json_frame(frame)
    if isinstance(messages, dict):
        messages = [messages]
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        raise FrameError("not a list of messages")
    return messages


def _refusal(message: Mapping[str, Any]) -> AuthRejected:
    code = message.get("code")
    fallback = (f"Alpaca error {code}: {message.get('msg')}", True)
    words, retry = ERRORS.get(code, fallback) if isinstance(code, int) else fallback
    return AuthRejected(words, retry=retry)


def _dotted(symbols: Sequence[str]) -> list[str]:
    """Symbols as Alpaca writes a share class (BRK.B)."""
    return [dotted(symbol) for symbol in symbols]


def _trade(message: Mapping[str, Any]) -> Tick:
    symbol, stamp, price = message.get("S"), message.get("t"), json_number(message.get("p"))
    if not isinstance(symbol, str) or not isinstance(stamp, str):
        raise FrameError("trade without a symbol or a time")
    if price is None or price <= 0:
        raise FrameError(f"trade with a bad price: {message.get('p')!r}")
    try:
        ts = dt.datetime.fromisoformat(stamp).astimezone(dt.UTC)
    except ValueError:
        raise FrameError(f"trade with a bad time: {stamp!r}") from None
    return Tick(
        symbol=canonical(symbol),  # BRK.B -> BRK-B, as every source spells it
        ts=ts,
        price=price,
        source=SOURCE,
        session=session_at(ts),
        size=json_number(message.get("s")),
        volume_is_consolidated=False,
    )


def parse_alpaca_frame(frame: str | bytes) -> list[Tick]:
    """The trades in one frame; control messages give none; an error that ends the session
    raises AuthRejected, any other is logged."""
    ticks = []
    for message in _messages(frame):
        kind = message.get("T")
        if kind == "t":
            ticks.append(_trade(message))
        elif kind == "error":
            refusal = _refusal(message)
            if not refusal.retry or message.get("code") in (401, 402, 406):
                raise refusal
            logger.warning("alpaca: %s", refusal.message)
    return ticks


class AlpacaStream:
    """The StreamProvider for Alpaca's IEX trades."""

    source = SOURCE
    name = "Alpaca"
    resubscribe_s: float | None = None  # Alpaca keeps subscriptions for the connection's life

    def __init__(self, credentials: AlpacaCredentials, url: str = ALPACA_IEX_URL) -> None:
        self._credentials = credentials
        self._url = url

    @property
    def url(self) -> str:
        return self._url

    @property
    def secrets(self) -> Sequence[str]:
        return (self._credentials.key_id.reveal(), self._credentials.secret.reveal())

    async def handshake(self, connection: ClientConnection) -> None:
        """Wait for "connected", authenticate, wait for "authenticated" (or the refusal)."""
        key_id, secret = self._credentials.key_id.reveal(), self._credentials.secret.reveal()
        sent = False
        while True:
            for message in _messages(await connection.recv()):
                kind, text = message.get("T"), message.get("msg")
                if kind == "error":
                    raise _refusal(message)
                if kind == "success" and text == "authenticated":
                    return
                if kind == "success" and text == "connected" and not sent:
                    await connection.send(
                        json.dumps({"action": "auth", "key": key_id, "secret": secret})
                    )
                    sent = True

    def subscription_messages(
        self, wanted: frozenset[str], sent: frozenset[str], *, resend: bool
    ) -> list[str]:
        messages = []
        added, removed = subscription_changes(wanted, sent, resend=resend)
        if removed:
            messages.append(json.dumps({"action": "unsubscribe", "trades": _dotted(removed)}))
        if added:
            messages.append(json.dumps({"action": "subscribe", "trades": _dotted(added)}))
        return messages

    def parse(self, frame: str | bytes) -> list[Tick]:
        return parse_alpaca_frame(frame)
