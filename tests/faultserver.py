"""A fault-injecting HTTP/1.1 server on 127.0.0.1 for tests (asyncio streams, no framework).

Each path has a script of behaviours consumed in order, then a default; unknown paths get the
server's fallback (404). Every request is logged with its path, query, headers and arrival time;
the server also counts connections and keeps the peak number of requests it answered at once.

    server.script("/quote", server_error(), server_error(), Reply(200, b"ok"))
    server.serve("/chart", lambda request: Reply(200, body_for(request.query["interval"])))

Use it as an async context manager, or through the ``fault_server`` fixture: bind it in the test
module with ``fault_server = faultserver.fault_server`` (after ``from tests import faultserver``;
a plain ``from ... import fault_server`` makes ruff flag every test parameter as F811).

Every wait is bounded: connections idle longer than ``idle_timeout_s`` are closed and ``stop``
cancels whatever is still being answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import json
import socket
import struct
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest_asyncio


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """A request as the server saw it. ``path`` is percent-decoded; header names are lower case;
    ``time`` is ``time.monotonic()`` when the request head had arrived."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    time: float


@dataclass(frozen=True, slots=True)
class Reply:
    """What the server does with one request.

    ``delay_s`` waits before the status line (on top of the server's latency); a positive
    ``chunk_size`` sends the body in chunks with ``chunk_delay_s`` between them; ``cut_after``
    sends only that many body bytes (Content-Length still announces the whole body) and then
    closes the connection, or resets it (TCP RST) when ``reset`` is set.
    """

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    chunk_size: int = 0
    chunk_delay_s: float = 0.0
    cut_after: int | None = None
    reset: bool = False


Behaviour = Reply | Callable[[RecordedRequest], Reply]


def json_reply(payload: Any, status: int = 200) -> Reply:
    """A JSON reply."""
    body = json.dumps(payload).encode()
    return Reply(status, body, {"Content-Type": "application/json;charset=utf-8"})


def slow(body: bytes, *, before_headers_s: float = 0.0, between_chunks_s: float = 0.0) -> Reply:
    """A 200 that waits before its headers, or dribbles its body out in 16-byte chunks."""
    return Reply(
        200,
        body,
        delay_s=before_headers_s,
        chunk_size=16 if between_chunks_s > 0 else 0,
        chunk_delay_s=between_chunks_s,
    )


def rate_limited(retry_after: str | None = None) -> Reply:
    """HTTP 429, with a Retry-After header when given (seconds or an HTTP-date)."""
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    return Reply(429, b"Too Many Requests", headers)


def server_error(status: int = 500) -> Reply:
    """A 5xx reply."""
    return Reply(status, http.HTTPStatus(status).phrase.encode())


def failing(times: int, then: Reply, status: int = 500) -> list[Reply]:
    """``times`` server errors, then ``then``: pass to ``FaultServer.script`` with ``*``."""
    return [server_error(status)] * times + [then]


def reset_mid_body(body: bytes) -> Reply:
    """Send the headers and half the body, then reset the connection."""
    return Reply(200, body, cut_after=len(body) // 2, reset=True)


def truncated(body: bytes) -> Reply:
    """Announce the whole body, send half of it, then close the connection cleanly."""
    return Reply(200, body, cut_after=len(body) // 2)


class FaultServer:
    """An HTTP/1.1 server on 127.0.0.1 with scripted, per-path misbehaviour."""

    def __init__(self, *, latency_s: float = 0.0, idle_timeout_s: float = 10.0) -> None:
        self.latency_s = latency_s  # added before every reply's headers
        self.idle_timeout_s = idle_timeout_s
        self.fallback: Behaviour = Reply(404, b"Not Found")
        self.requests: list[RecordedRequest] = []
        self.max_in_flight = 0
        self.connections_accepted = 0
        self._in_flight = 0
        self._scripts: dict[str, deque[Behaviour]] = {}
        self._defaults: dict[str, Behaviour] = {}
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._port = 0

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:41234`` (no trailing slash)."""
        if self._server is None:
            raise RuntimeError("the fault server is not running")
        return f"http://127.0.0.1:{self._port}"

    def script(self, path: str, *behaviours: Behaviour) -> None:
        """Queue behaviours for ``path``; each request consumes the next one."""
        self._scripts.setdefault(path, deque()).extend(behaviours)

    def serve(self, path: str, behaviour: Behaviour) -> None:
        """What ``path`` does once its script is used up."""
        self._defaults[path] = behaviour

    def requests_to(self, path: str) -> list[RecordedRequest]:
        """The requests logged for ``path``, oldest first."""
        return [request for request in self.requests if request.path == path]

    async def start(self) -> None:
        """Listen on an ephemeral port of 127.0.0.1."""
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self._port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and cut every connection still open."""
        if self._server is None:
            return
        self._server.close()
        for task in self._connections:
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    async def __aenter__(self) -> FaultServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    def _reply_to(self, request: RecordedRequest) -> Reply:
        script = self._scripts.get(request.path)
        behaviour = script.popleft() if script else self._defaults.get(request.path, self.fallback)
        if isinstance(behaviour, Reply):
            return behaviour
        try:
            return behaviour(request)
        except Exception as error:  # a bug in a test's responder: make it visible to the client
            return Reply(500, f"responder failed: {error!r}".encode())

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        self.connections_accepted += 1
        reset = False
        try:
            reset = await self._converse(reader, writer)
        except asyncio.CancelledError:
            # Only stop() cancels a connection. Ending quietly spares asyncio (3.11) logging
            # "Exception in callback" for a cancelled stream handler.
            pass
        finally:
            self._connections.discard(task)
            if reset:
                _reset(writer)
            else:
                writer.close()
                with contextlib.suppress(ConnectionError):
                    await writer.wait_closed()

    async def _converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Answer requests on one connection until it ends; True when it must end in a reset."""
        while True:
            try:
                request = await asyncio.wait_for(_read_request(reader), timeout=self.idle_timeout_s)
            except (
                TimeoutError,
                ConnectionError,
                ValueError,
                asyncio.IncompleteReadError,
                asyncio.LimitOverrunError,
            ):
                return False
            if request is None:
                return False
            self.requests.append(request)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            try:
                reply = self._reply_to(request)
                keep_open = await self._send(writer, reply)
            except ConnectionError:
                return False
            finally:
                self._in_flight -= 1
            if not keep_open:
                return reply.reset
            if request.headers.get("connection", "").lower() == "close":
                return False

    async def _send(self, writer: asyncio.StreamWriter, reply: Reply) -> bool:
        """Write the reply; False when the connection must now be closed (a cut reply)."""
        await asyncio.sleep(self.latency_s + reply.delay_s)
        head = [f"HTTP/1.1 {reply.status} {http.HTTPStatus(reply.status).phrase}"]
        headers = {"Content-Type": "text/plain", **reply.headers}
        headers["Content-Length"] = str(len(reply.body))
        head.extend(f"{name}: {value}" for name, value in headers.items())
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        body = reply.body if reply.cut_after is None else reply.body[: reply.cut_after]
        if reply.chunk_size > 0:
            for start in range(0, len(body), reply.chunk_size):
                writer.write(body[start : start + reply.chunk_size])
                await writer.drain()
                await asyncio.sleep(reply.chunk_delay_s)
        else:
            writer.write(body)
            await writer.drain()
        if reply.cut_after is not None and reply.reset:
            await asyncio.sleep(0.05)  # let the partial body arrive before the reset
        return reply.cut_after is None


async def _read_request(reader: asyncio.StreamReader) -> RecordedRequest | None:
    """Read one request head (and skip its body); None when the client closed the connection."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        if not error.partial:
            return None
        raise
    lines = head.decode("latin-1").split("\r\n")
    method, target, _version = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    arrived = time.monotonic()
    length = int(headers.get("content-length", "0"))
    if length:
        await reader.readexactly(length)
    parts = urlsplit(target)
    return RecordedRequest(
        method=method,
        path=unquote(parts.path),
        query=dict(parse_qsl(parts.query, keep_blank_values=True)),
        headers=headers,
        time=arrived,
    )


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST: SO_LINGER on with a zero timeout, then abort."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


@pytest_asyncio.fixture
async def fault_server() -> AsyncIterator[FaultServer]:
    """A running FaultServer, stopped after the test."""
    async with FaultServer() as server:
        yield server
