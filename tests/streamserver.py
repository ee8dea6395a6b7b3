"""Loopback websocket servers that speak the price streams' framing, with faults, for the tests.

``StreamServer(dialect)`` listens on 127.0.0.1 and behaves like Yahoo's streamer, Alpaca's IEX
feed or Finnhub's trades feed as far as the clients need:

- yahoo: no handshake; records ``{"subscribe": [...]}`` / ``{"unsubscribe": [...]}``.
- alpaca: sends "connected", checks the auth message against ``valid_key`` (answering
  "authenticated" or error 402 "auth failed"), confirms subscriptions.
- finnhub: refuses the HTTP upgrade with 401 unless the URL's token is ``valid_key``.

Faults: ``disconnect()`` drops every connection mid-session; ``push()`` sends any frame (garbage,
a truncated frame); silence is simply not pushing; ``reply_delay_s`` slows the handshake and the
subscription replies. Every message a client sends is recorded with the time of an optional
``ManualClock``, so a test can check the resubscription cadence on a fake clock.

``ManualClock`` is a StreamClock whose time moves only when the test calls ``advance()``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from tui.sources.streaming.pricing import PricingData

Dialect = Literal["yahoo", "alpaca", "finnhub"]

# The server's own handshake log would print the test keys: the key-leak tests read the log.
_server_logger = logging.getLogger("tests.streamserver")
_server_logger.setLevel(logging.WARNING)


class ManualClock:
    """A StreamClock for tests: ``sleep`` waits until ``advance`` moves time past its deadline."""

    def __init__(self, start: dt.datetime) -> None:
        self._start = start
        self._elapsed = 0.0
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def monotonic(self) -> float:
        return self._elapsed

    def now(self) -> dt.datetime:
        return self._start + dt.timedelta(seconds=self._elapsed)

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (self._elapsed + seconds, waiter)
        self._sleepers.append(entry)
        try:
            await waiter
        finally:
            if entry in self._sleepers:
                self._sleepers.remove(entry)

    @property
    def sleepers(self) -> int:
        """How many sleeps are waiting (a test waits for the client to be idle)."""
        return len(self._sleepers)

    def advance(self, seconds: float) -> None:
        """Move time forward and wake every sleep whose deadline has passed."""
        self._elapsed += seconds
        for deadline, waiter in list(self._sleepers):
            if deadline <= self._elapsed and not waiter.done():
                waiter.set_result(None)


@dataclass(frozen=True, slots=True)
class Received:
    """One message a client sent."""

    connection: int  # 1 for the first connection the server accepted, 2 for the next, ...
    at: float | None  # the ManualClock's time when it arrived, if the server has one
    message: Any  # the JSON value


def pricing_frame(
    symbol: str,
    price: float,
    time_ms: int,
    *,
    market_hours: int = 1,
    change: float = 0.0,
    change_percent: float = 0.0,
    day_volume: int = 0,
    quote_type: int = 8,
) -> str:
    """A Yahoo streamer frame for one price (built with the decoder's own schema)."""
    message = PricingData(
        id=symbol,
        price=price,
        time=time_ms,
        quote_type=quote_type,
        market_hours=market_hours,
        change=change,
        change_percent=change_percent,
        day_volume=day_volume,
        exchange="NMS",
    )
    encoded = base64.b64encode(message.SerializeToString()).decode()
    return json.dumps({"type": "pricing", "message": encoded})


class StreamServer:
    """One dialect's server on 127.0.0.1; use as ``async with StreamServer("yahoo") as server``."""

    def __init__(
        self,
        dialect: Dialect,
        *,
        valid_key: tuple[str, ...] = (),
        reply_delay_s: float = 0.0,
        clock: ManualClock | None = None,
        port: int = 0,
    ) -> None:
        self.dialect = dialect
        self.wanted_port = port
        self.valid_key = valid_key
        self.reply_delay_s = reply_delay_s
        self.clock = clock
        self.received: list[Received] = []
        self.connections = 0
        self.refused = 0
        self._open: dict[int, ServerConnection] = {}
        self._server: Server | None = None
        self._changed = asyncio.Event()

    async def __aenter__(self) -> StreamServer:
        self._server = await serve(
            self._handle,
            "127.0.0.1",
            self.wanted_port,
            process_request=self._check_request,
            compression=None,
            logger=_server_logger,
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    # --- what tests call ----------------------------------------------------------------------

    async def push(self, frame: str | bytes) -> None:
        """Send a frame to every open connection."""
        for connection in list(self._open.values()):
            with contextlib.suppress(ConnectionClosed):
                await connection.send(frame)

    async def disconnect(self) -> None:
        """Drop every open connection (a server going away mid-session)."""
        for connection in list(self._open.values()):
            connection.transport.abort()

    @property
    def open_connections(self) -> int:
        return len(self._open)

    @property
    def subscribed(self) -> frozenset[str]:
        """The symbols the open connections are subscribed to now (Yahoo's framing)."""
        symbols: set[str] = set()
        for received in self.received:
            if received.connection not in self._open or not isinstance(received.message, dict):
                continue
            if isinstance(wanted := received.message.get("subscribe"), list):
                symbols.update(wanted)
            if isinstance(dropped := received.message.get("unsubscribe"), list):
                symbols.difference_update(dropped)
        return frozenset(symbols)

    async def wait_for_messages(self, count: int) -> None:
        """Wait until clients have sent ``count`` messages in all."""
        await self.wait_until(lambda: len(self.received) >= count)

    def messages(self, connection: int | None = None) -> list[Any]:
        """The JSON messages received (on one connection, if given)."""
        return [r.message for r in self.received if connection in (None, r.connection)]

    async def wait_until(self, condition: Callable[[], bool], within_s: float = 5.0) -> None:
        """Wait for ``condition`` to hold after something happened on the server."""
        async with asyncio.timeout(within_s):
            while not condition():
                self._changed.clear()
                await self._changed.wait()

    # --- the server side ----------------------------------------------------------------------

    def _check_request(self, connection: ServerConnection, request: Request) -> Response | None:
        if self.dialect != "finnhub":
            return None
        token = parse_qs(urlsplit(request.path).query).get("token", [""])[0]
        if (token,) == self.valid_key:
            return None
        self.refused += 1
        self._notify()
        body = b"Unauthorized"
        headers = Headers([("Content-Length", str(len(body)))])
        return Response(401, "Unauthorized", headers, body)

    async def _handle(self, connection: ServerConnection) -> None:
        self.connections += 1
        number = self.connections
        self._open[number] = connection
        self._notify()
        try:
            if self.dialect == "alpaca":
                await connection.send(json.dumps([{"T": "success", "msg": "connected"}]))
            async for text in connection:
                message = json.loads(text)
                at = self.clock.monotonic() if self.clock is not None else None
                self.received.append(Received(number, at, message))
                self._notify()
                await self._answer(connection, message)
        except ConnectionClosed:
            pass
        finally:
            del self._open[number]
            self._notify()

    async def _answer(self, connection: ServerConnection, message: Any) -> None:
        if self.dialect != "alpaca" or not isinstance(message, dict):
            return
        await self._later()
        if message.get("action") == "auth":
            if (message.get("key"), message.get("secret")) == self.valid_key:
                await connection.send(json.dumps([{"T": "success", "msg": "authenticated"}]))
            else:
                await connection.send(
                    json.dumps([{"T": "error", "code": 402, "msg": "auth failed"}])
                )
        elif message.get("action") in ("subscribe", "unsubscribe"):
            await connection.send(json.dumps([{"T": "subscription", "trades": message["trades"]}]))

    async def _later(self) -> None:
        if self.reply_delay_s:
            await asyncio.sleep(self.reply_delay_s)  # real time: a slow server, not a timer

    def _notify(self) -> None:
        self._changed.set()


async def eventually(
    condition: Callable[[], bool], *, within_s: float = 5.0, step: Callable[[], Awaitable[None]]
) -> None:
    """Wait, with a deadline, until ``condition`` holds, running ``step`` between checks."""
    async with asyncio.timeout(within_s):
        while not condition():
            await step()
