"""On-demand symbols: a monitor asks the feed for symbols that are not in the published frames
(a drill-down, a watchlist name, an alert's symbol) over NATS request/reply.

The feed runs a ``SymbolService`` with a handler of its own (fetch those symbols from its sources
and return frames); a monitor calls ``request_symbols``. Bounded on every side:
- a request names at most ``max_symbols`` symbols, each checked like a symbol in the config;
- each client (one monitor's connection, known by its reply inbox) gets a token bucket: a burst of
  ``RateLimit.burst`` requests, then ``RateLimit.per_s`` a second; past that it is refused
  politely, with how long to wait;
- at most ``max_concurrent`` requests are fetched at once, each within ``handler_timeout_s``;
- a reply never exceeds the server's max payload (nor ``max_reply_bytes``): a larger one is
  refused with what to ask for instead;
- the client waits at most ``timeout_s`` for the answer.

Wire format. Request: JSON ``{"symbols": [...], "jobs": [...]}``. Reply headers:
``Tapewatch-Status`` (ok, refused, failed), ``Tapewatch-Error`` and ``Tapewatch-Retry-After``;
an ok reply's body is its frames one after the other, each a 4-byte length and its headers as
JSON, then an 8-byte length and its body (as in the bucket, see tui.desk.frames).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
import struct
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote

import nats.errors
import polars as pl
from nats.aio.client import Client
from nats.aio.msg import Msg

from tui.clock import utc_now
from tui.desk.bucket import HEADER_ALLOWANCE
from tui.desk.frames import FrameMeta, FrameRejected, FrameUpdate, decode_body, encode_text
from tui.desk.frames import encode_frame as _encode_frame
from tui.desk.link import Backoff, LinkStatus, LinkUser, NatsLink, plain_error
from tui.desk.options import NatsOptions
from tui.models import SourceHealth
from tui.symbols import parse_symbol

log = logging.getLogger("tapewatch.desk")  # the log folder's logger (tui.logs)

REQUEST_SUBJECT = "tapewatch.request.symbols"
QUEUE_GROUP = "tapewatch-feed"  # two feeds on one desk share the requests instead of both answering
MAX_SYMBOLS = 50
NO_RESPONDERS_RETRY_S = 0.25
NO_RESPONDERS_TRIES = 3
H_STATUS = "Tapewatch-Status"
H_ERROR = "Tapewatch-Error"
H_RETRY_AFTER = "Tapewatch-Retry-After"
H_CLIENT = "Tapewatch-Client"
_JOB_NAME = re.compile(r"[a-z][a-z_]{0,31}")
_PART_HEAD = struct.Struct(">I")
_PART_BODY = struct.Struct(">Q")


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A token bucket: ``burst`` requests at once, refilled at ``per_s`` a second."""

    burst: int = 5
    per_s: float = 0.5


class RateLimiter:
    """One token bucket per client. Buckets that have refilled are forgotten, so the table
    stays as small as the number of clients that asked recently."""

    def __init__(
        self,
        limit: RateLimit,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 10_000,
    ) -> None:
        self.limit = limit
        self._clock = clock
        self._max_clients = max_clients
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, at)

    def take(self, client: str) -> float:
        """Take a token for ``client``: 0.0 if it may go ahead, else the seconds until it may."""
        now = self._clock()
        tokens, at = self._buckets.get(client, (float(self.limit.burst), now))
        tokens = min(float(self.limit.burst), tokens + (now - at) * self.limit.per_s)
        if tokens >= 1.0:
            self._buckets[client] = (tokens - 1.0, now)
            self._forget_full(now)
            return 0.0
        self._buckets[client] = (tokens, now)
        return (1.0 - tokens) / self.limit.per_s

    def _forget_full(self, now: float) -> None:
        if len(self._buckets) <= self._max_clients:
            return
        refill_s = self.limit.burst / self.limit.per_s
        self._buckets = {
            client: (tokens, at)
            for client, (tokens, at) in self._buckets.items()
            if now - at < refill_s
        }


@dataclass(frozen=True, slots=True)
class SymbolRequest:
    """What a monitor asked for."""

    symbols: tuple[str, ...]
    jobs: tuple[str, ...]  # empty: whatever the feed gives for a drill-down
    client: str  # who asked: the connection's reply inbox (what the rate limit is keyed on)
    client_name: str = ""  # the name the monitor gave, for the feed's log


@dataclass(frozen=True, slots=True)
class ReplyFrame:
    """One frame of an answer, as the feed's handler returns it."""

    job: str
    frame: pl.DataFrame
    as_of: dt.datetime
    fetched_at: dt.datetime
    source: str
    health: SourceHealth
    problems: Mapping[str, str] = field(default_factory=dict)


Handler = Callable[[SymbolRequest], Awaitable[Sequence[ReplyFrame]]]


class DeskRequestError(Exception):
    """A request the feed did not answer with frames; the message says why in plain words."""


class RequestRefused(DeskRequestError):
    """The feed refused the request (too many, too large, a bad symbol)."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class RequestFailed(DeskRequestError):
    """No answer in time, no feed listening, or the feed failed to fetch."""


def client_identity(reply_subject: str) -> str:
    """A client's identity: its reply inbox without the per-request token. A NATS client sends
    every request of one connection through one inbox prefix (``_INBOX.<id>.<token>``)."""
    prefix, _, _ = reply_subject.rpartition(".")
    return prefix or reply_subject


def _seconds(value: float) -> str:
    return f"{value:.0f} s" if value >= 1.5 else f"{value:.1f} s"


def parse_request(data: bytes, *, max_symbols: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The symbols and jobs a request names; ValueError in plain words if it is not one."""
    try:
        request = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError("the request is not JSON") from None
    if not isinstance(request, dict):
        raise ValueError("the request is not a JSON object")
    symbols = request.get("symbols")
    jobs = request.get("jobs", [])
    if not isinstance(symbols, list) or not all(isinstance(s, str) for s in symbols):
        raise ValueError("`symbols` must be a list of ticker symbols")
    if not symbols:
        raise ValueError("no symbols asked for")
    if len(symbols) > max_symbols:
        raise ValueError(f"{len(symbols)} symbols asked for; at most {max_symbols} at a time")
    if not isinstance(jobs, list) or not all(
        isinstance(j, str) and _JOB_NAME.fullmatch(j) for j in jobs
    ):
        raise ValueError("`jobs` must be a list of dataset names")
    normalized = tuple(dict.fromkeys(parse_symbol(symbol) for symbol in symbols))
    return normalized, tuple(dict.fromkeys(jobs))


def encode_reply_frames(frames: Sequence[ReplyFrame], published_at: dt.datetime) -> bytes:
    """The body of an ok reply: each frame's headers (JSON) and body, length-prefixed."""
    parts: list[bytes] = []
    for item in frames:
        meta = FrameMeta(
            job=item.job,
            as_of=item.as_of,
            fetched_at=item.fetched_at,
            published_at=published_at,
            source=item.source,
            health=item.health,
            problems=dict(item.problems),
            rows=item.frame.height,
        )
        encoded = _encode_frame(meta, item.frame)
        head = json.dumps(encoded.headers, separators=(",", ":")).encode()
        parts += [
            _PART_HEAD.pack(len(head)),
            head,
            _PART_BODY.pack(len(encoded.body)),
            encoded.body,
        ]
    return b"".join(parts)


def decode_reply_frames(body: bytes, schemas: Mapping[str, pl.Schema]) -> list[FrameUpdate]:
    """The frames of an ok reply, each checked as a published frame is (FrameRejected if not)."""
    updates = []
    offset = 0
    while offset < len(body):
        try:
            (head_size,) = _PART_HEAD.unpack_from(body, offset)
            offset += _PART_HEAD.size
            headers = json.loads(body[offset : offset + head_size])
            offset += head_size
            (body_size,) = _PART_BODY.unpack_from(body, offset)
            offset += _PART_BODY.size
        except (struct.error, UnicodeDecodeError, json.JSONDecodeError):
            raise FrameRejected("", "the reply is not a list of frames") from None
        part = body[offset : offset + body_size]
        offset += body_size
        if not isinstance(headers, dict) or len(part) != body_size:
            raise FrameRejected("", "the reply is cut short")
        updates.append(decode_body(headers, part, schemas))
    return updates


class SymbolService(LinkUser):
    """The feed's side: answers requests on ``subject`` with ``handler``'s frames."""

    def __init__(
        self,
        options: NatsOptions,
        handler: Handler,
        *,
        subject: str = REQUEST_SUBJECT,
        rate: RateLimit | None = None,
        max_symbols: int = MAX_SYMBOLS,
        max_reply_bytes: int | None = None,
        max_concurrent: int = 4,
        handler_timeout_s: float = 30.0,
        on_status: Callable[[LinkStatus], None] | None = None,
        backoff: Backoff | None = None,
        clock: Callable[[], dt.datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.subject = subject
        self._handler = handler
        self._limiter = RateLimiter(rate or RateLimit(), clock=monotonic)
        self._max_symbols = max_symbols
        self._max_reply_bytes = max_reply_bytes
        self._max_concurrent = max_concurrent
        self._handler_timeout_s = handler_timeout_s
        self._clock = clock
        self._tasks: set[asyncio.Task[None]] = set()
        self._link = NatsLink(
            options, self._on_connect, on_status=on_status, backoff=backoff, clock=clock
        )

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await super().aclose()

    async def _on_connect(self, client: Client) -> None:
        async def on_request(message: Msg) -> None:
            await self._on_request(client, message)

        await client.subscribe(self.subject, queue=QUEUE_GROUP, cb=on_request)
        await client.flush()  # subscribed at the server before we call ourselves connected

    async def _reply(
        self,
        client: Client,
        message: Msg,
        status: str,
        body: bytes = b"",
        *,
        error: str = "",
        retry_after_s: float | None = None,
    ) -> None:
        headers = {H_STATUS: status}
        if error:
            headers[H_ERROR] = encode_text(error)
        if retry_after_s is not None:
            headers[H_RETRY_AFTER] = f"{retry_after_s:.2f}"
        try:
            await client.publish(message.reply, body, headers=headers)
        except Exception as failure:  # the client has gone; nothing else to do
            log.info("nats: reply to %s not sent: %s", message.reply, plain_error(failure))

    async def _on_request(self, client: Client, message: Msg) -> None:
        if not message.reply:
            return  # a publish, not a request: nobody to answer
        identity = client_identity(message.reply)
        wait_s = self._limiter.take(identity)
        if wait_s > 0:
            limit = self._limiter.limit
            await self._reply(
                client,
                message,
                "refused",
                error=(
                    f"too many requests from this monitor (at most {limit.burst} at once, then "
                    f"one every {_seconds(1 / limit.per_s)}); try again in {_seconds(wait_s)}"
                ),
                retry_after_s=wait_s,
            )
            return
        try:
            symbols, jobs = parse_request(message.data, max_symbols=self._max_symbols)
        except ValueError as problem:
            await self._reply(client, message, "refused", error=str(problem))
            return
        if len(self._tasks) >= self._max_concurrent:
            await self._reply(
                client,
                message,
                "refused",
                error=f"the feed is busy with {len(self._tasks)} requests; try again in a moment",
                retry_after_s=1.0,
            )
            return
        name = unquote((message.headers or {}).get(H_CLIENT, ""))
        request = SymbolRequest(symbols, jobs, identity, name)
        task = asyncio.create_task(self._answer(client, message, request))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer(self, client: Client, message: Msg, request: SymbolRequest) -> None:
        asked = ", ".join(request.symbols)
        try:
            frames = await asyncio.wait_for(self._handler(request), self._handler_timeout_s)
            body = await asyncio.to_thread(encode_reply_frames, frames, self._clock())
        except TimeoutError:
            await self._reply(
                client,
                message,
                "failed",
                error=f"the feed could not fetch {asked} within {self._handler_timeout_s:.0f} s",
            )
            return
        except Exception as error:  # the handler's failure is the client's answer, not a crash
            log.warning("nats: request for %s failed", asked, exc_info=True)
            await self._reply(
                client, message, "failed", error=f"the feed failed to fetch {asked}: {error}"
            )
            return
        limit = client.max_payload - HEADER_ALLOWANCE
        if self._max_reply_bytes is not None:
            limit = min(limit, self._max_reply_bytes)
        if len(body) > limit:
            count = len(request.symbols)
            await self._reply(
                client,
                message,
                "refused",
                error=(
                    f"the answer for {count} symbol{'s' if count != 1 else ''} is "
                    f"{len(body):,} bytes, over the {limit:,} a reply may carry: "
                    "ask for fewer symbols at a time"
                ),
            )
            return
        await self._reply(client, message, "ok", body)


async def _before_asking_again() -> None:
    await asyncio.sleep(NO_RESPONDERS_RETRY_S)


async def _ask(
    client: Client, subject: str, payload: bytes, headers: dict[str, str] | None, deadline: float
) -> Msg:
    """One request, asked again after a moment while nobody answers (at most
    NO_RESPONDERS_TRIES times): a feed that has just (re)connected can have its subscription
    still on the way to the server (seen here on a loaded machine)."""
    for attempt in range(1, NO_RESPONDERS_TRIES + 1):
        remaining = max(0.1, deadline - time.monotonic())
        try:
            return await client.request(subject, payload, timeout=remaining, headers=headers)
        except nats.errors.NoRespondersError:
            if attempt == NO_RESPONDERS_TRIES or time.monotonic() >= deadline:
                raise
            await _before_asking_again()
    raise AssertionError("unreachable: the last try returns or raises")


async def request_symbols(
    client: Client,
    symbols: Sequence[str],
    *,
    schemas: Mapping[str, pl.Schema],
    jobs: Sequence[str] = (),
    timeout_s: float = 10.0,
    subject: str = REQUEST_SUBJECT,
    client_name: str = "",
) -> list[FrameUpdate]:
    """Ask the feed for ``symbols`` and wait (at most ``timeout_s``) for its frames.

    Raises RequestRefused (with ``retry_after_s`` when waiting helps) or RequestFailed, each in
    plain words, and FrameRejected for a frame that does not match its schema."""
    payload = json.dumps({"symbols": list(symbols), "jobs": list(jobs)}).encode()
    headers = {H_CLIENT: encode_text(client_name)} if client_name else None
    deadline = time.monotonic() + timeout_s
    try:
        reply = await _ask(client, subject, payload, headers, deadline)
    except nats.errors.NoRespondersError:
        raise RequestFailed(f"no feed answers on {subject}: is `tapewatch feed` running?") from None
    except TimeoutError:
        raise RequestFailed(f"the feed did not answer within {_seconds(timeout_s)}") from None
    except Exception as error:
        raise RequestFailed(f"the request could not be sent: {plain_error(error)}") from None
    reply_headers = reply.headers or {}
    status = reply_headers.get(H_STATUS, "")
    reason = unquote(reply_headers.get(H_ERROR, ""))
    if status == "refused":
        retry = reply_headers.get(H_RETRY_AFTER)
        try:
            retry_after_s = float(retry) if retry is not None else None
        except ValueError:
            retry_after_s = None
        raise RequestRefused(reason or "the feed refused the request", retry_after_s)
    if status != "ok":
        raise RequestFailed(reason or f"the feed answered with status {status or 'none'}")
    return await asyncio.to_thread(decode_reply_frames, reply.data, schemas)
