"""A fault-injecting HTTP/1.1 server on 127.0.0.1 for tests (asyncio streams, no framework).

Each path has a script of behaviours consumed in order, then a default; unknown paths get the
server's fallback (404). Every request is logged with its path, query, headers and arrival time;
the server also counts connections and keeps the peak number of requests it answered at once.

    server.script("/quote", server_error(), server_error(), Reply(200, b"ok"))
    server.serve("/chart", lambda request: Reply(200, body_for(request.query["interval"])))

Use it as an async context manager, or through the ``fault_server`` fixture: bind it in the test
module with ``fault_server = faultserver.fault_server`` (after ``from tests import faultserver``;
a plain ``from ... import fault_server`` makes ruff flag every test parameter as F811).

Hostile modes, for the client's bounds: ``endless`` (a chunked body that never ends),
``huge_content_length`` (announces 500 MiB), ``gzip_bomb`` (about 1 MB on the wire, 1 GiB inflated;
built at run time), ``drip`` (one byte per interval), ``silent`` (reads the request, never answers)
and ``redirect`` (to any location, another host included).

Every wait is bounded: connections idle longer than ``idle_timeout_s`` are closed and ``stop``
cancels whatever is still being answered, an endless or silent reply included.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import http
import json
import socket
import struct
import time
import zlib
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
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

    ``chunked`` frames the body with Transfer-Encoding: chunked instead of a Content-Length;
    ``content_length`` announces that length instead of the body's; ``endless`` sends the body
    over and over, until the announced length if there is one, else until the client goes away
    or the server stops; ``silent`` never answers at all.
    """

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    chunk_size: int = 0
    chunk_delay_s: float = 0.0
    cut_after: int | None = None
    reset: bool = False
    chunked: bool = False
    content_length: int | None = None
    endless: bool = False
    silent: bool = False


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


FILLER = b"x" * 65_536
MIB = 1 << 20


def endless(block: bytes = FILLER) -> Reply:
    """A 200 with a chunked body that never ends."""
    return Reply(200, block, chunked=True, endless=True)


def huge_content_length(length: int = 500 * MIB, block: bytes = FILLER) -> Reply:
    """A 200 that announces ``length`` bytes (500 MiB) and sends them, as fast as it is read."""
    return Reply(200, block, content_length=length, endless=True)


def drip(body: bytes, interval_s: float = 1.0) -> Reply:
    """A 200 whose body arrives one byte per ``interval_s``."""
    return Reply(200, body, chunk_size=1, chunk_delay_s=interval_s)


def silent() -> Reply:
    """Accept the connection, read the request, and never answer."""
    return Reply(silent=True)


def redirect(location: str, status: int = 302) -> Reply:
    """A redirect to ``location`` (a path, or a URL on any host)."""
    return Reply(status, b"", {"Location": location})


def gzip_bomb(inflated: int = 1 << 30) -> Reply:
    """A 200 whose gzip body (about 1 MB on the wire for the default) inflates to ``inflated``
    zero bytes, a multiple of 1 MiB."""
    return Reply(200, gzip_zeros(inflated), {"Content-Encoding": "gzip"})


@functools.cache
def gzip_zeros(inflated: int) -> bytes:
    """A valid gzip stream of ``inflated`` zero bytes (a multiple of 1 MiB), built fast: after a
    full flush the compressor starts afresh, so every 1 MiB block compresses to the same bytes,
    which are repeated instead of compressing 1 GiB."""
    blocks, rest = divmod(inflated, MIB)
    if rest or not blocks:
        raise ValueError("a gzip bomb inflates to a whole number of MiB")
    zeros = bytes(MIB)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    end = deflate.flush()
    crc = functools.reduce(lambda crc, _: zlib.crc32(zeros, crc), range(blocks), 0)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # gzip, deflate, no name, no time
    trailer = struct.pack("<II", crc, inflated & 0xFFFFFFFF)
    return header + block * blocks + end + trailer


class FaultServer:
    """An HTTP/1.1 server on 127.0.0.1 with scripted, per-path misbehaviour."""

    def __init__(self, *, latency_s: float = 0.0, idle_timeout_s: float = 10.0) -> None:
        self.latency_s = latency_s  # added before every reply's headers
        self.idle_timeout_s = idle_timeout_s
        self.fallback: Behaviour = Reply(404, b"Not Found")
        self.requests: list[RecordedRequest] = []
        self.max_in_flight = 0
        self.connections_accepted = 0
        self.body_bytes_sent = 0  # over every reply: how much a client let through
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
        if reply.silent:
            await asyncio.Event().wait()  # until stop() cancels the connection
        await asyncio.sleep(self.latency_s + reply.delay_s)
        head = [f"HTTP/1.1 {reply.status} {http.HTTPStatus(reply.status).phrase}"]
        headers = {"Content-Type": "text/plain", **reply.headers}
        if reply.chunked:
            headers["Transfer-Encoding"] = "chunked"
        else:
            length = len(reply.body) if reply.content_length is None else reply.content_length
            headers["Content-Length"] = str(length)
        head.extend(f"{name}: {value}" for name, value in headers.items())
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        for piece in _pieces(reply):
            writer.write(b"%x\r\n%b\r\n" % (len(piece), piece) if reply.chunked else piece)
            self.body_bytes_sent += len(piece)
            await writer.drain()
            if reply.chunk_size > 0 or reply.endless:
                await asyncio.sleep(reply.chunk_delay_s)  # also lets an endless reply be cancelled
        if reply.chunked and reply.cut_after is None:
            writer.write(b"0\r\n\r\n")
            await writer.drain()
        if reply.cut_after is not None and reply.reset:
            await asyncio.sleep(0.05)  # let the partial body arrive before the reset
        return reply.cut_after is None


def _pieces(reply: Reply) -> Iterator[bytes]:
    """The body as it goes out: whole, in chunks, cut, or repeated without end."""
    if reply.endless:
        left = reply.content_length  # None: no end at all
        while reply.body and (left is None or left > 0):
            piece = reply.body if left is None else reply.body[:left]
            if left is not None:
                left -= len(piece)
            yield piece
        return
    body = reply.body if reply.cut_after is None else reply.body[: reply.cut_after]
    if reply.chunk_size <= 0:
        if body:
            yield body
        return
    for start in range(0, len(body), reply.chunk_size):
        yield body[start : start + reply.chunk_size]


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


async def wait_until(condition: Callable[[], bool], what: str, seconds: float = 5.0) -> None:
    """Pause until ``condition`` holds (checked every 10 ms); fail naming ``what`` after
    ``seconds``."""
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"still waiting after {seconds:g} s for {what}")


def open_connections(server: FaultServer) -> int:
    """Connections the server is still serving (an answer being written, or idle keep-alive)."""
    return len(server._connections)


@pytest_asyncio.fixture
async def fault_server() -> AsyncIterator[FaultServer]:
    """A running FaultServer, stopped after the test."""
    async with FaultServer() as server:
        yield server
