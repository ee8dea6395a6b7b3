"""One connection to the desk's NATS server, kept up: connect, set up what runs on it, and when
the connection is lost wait with back-off and start again — saying so in plain words.

The NATS client's own reconnection is switched off: this loop owns it, so that it can say
"reconnecting in 4 s", re-create the subscriptions and consumers a restarted server has
forgotten, and stop at once when asked.

    link = NatsLink(options, setup, on_status=print)
    link.start()                     # runs until aclose()
    ...link.client...                # the live connection, or None
    await link.aclose()

``setup(client)`` runs after each connect (subscribe, find the bucket, re-send the latest frames).
It raises ``LinkWait`` when the server is there but not ready for us (no bucket yet): the link
then waits and tries again, in the state WAITING rather than RECONNECTING.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
import random
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import Any, Self

import nats
import nats.errors
from nats.aio.client import Client

from tui.clock import utc_now
from tui.desk.options import NatsOptions
from tui.models import HealthState, SourceHealth

log = logging.getLogger("tapewatch.desk")  # the log folder's logger (tui.logs)

CLOSE_TIMEOUT_S = 2.0
# Ping every 10 s and give up after two unanswered: a half-open connection (a cable pulled, a
# host gone without a reset) is noticed within about 30 s.
PING_INTERVAL_S = 10
MAX_OUTSTANDING_PINGS = 2

Setup = Callable[[Client], Awaitable[None]]


class LinkState(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    WAITING = "waiting"  # connected, but what we need is not there yet (no bucket)
    RECONNECTING = "reconnecting"
    DISCONNECTED = "disconnected"  # stopped: no further attempt


_HEALTH_OF_STATE: dict[LinkState, HealthState] = {
    LinkState.CONNECTING: "retrying",
    LinkState.CONNECTED: "ok",
    LinkState.WAITING: "retrying",
    LinkState.RECONNECTING: "retrying",
    LinkState.DISCONNECTED: "offline",
}


@dataclass(frozen=True, slots=True)
class LinkStatus:
    """Where a link stands; ``describe`` says it in plain words."""

    state: LinkState
    server: str  # the URL, password redacted
    retry_at: dt.datetime | None = None  # WAITING, RECONNECTING: the next attempt
    detail: str = ""  # why: the last error, or what we are waiting for

    def retry_in_s(self, now: dt.datetime | None = None) -> float | None:
        if self.retry_at is None:
            return None
        return max(0.0, (self.retry_at - (now or utc_now())).total_seconds())

    def describe(self, now: dt.datetime | None = None) -> str:
        """``connected to nats://desk:4222``, ``reconnecting in 4 s (connection refused)``…"""
        seconds = self.retry_in_s(now)
        retry = f" in {math.ceil(seconds)} s" if seconds is not None else ""
        because = f" ({self.detail})" if self.detail else ""
        match self.state:
            case LinkState.CONNECTING:
                return f"connecting to {self.server}"
            case LinkState.CONNECTED:
                return f"connected to {self.server}"
            case LinkState.WAITING:
                return f"connected to {self.server}, waiting: {self.detail}; checking again{retry}"
            case LinkState.RECONNECTING:
                return f"reconnecting to {self.server}{retry}{because}"
            case LinkState.DISCONNECTED:
                return f"disconnected from {self.server}{because}"

    def source_health(self, name: str = "nats") -> SourceHealth:
        """The link as the status bar shows a source: ok, retrying until hh:mm:ss, offline."""
        return SourceHealth(
            name=name,
            state=_HEALTH_OF_STATE[self.state],
            until=self.retry_at,
            detail=self.detail if self.state is not LinkState.CONNECTED else "",
        )


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delays between attempts: first_s, doubling up to max_s, each moved by up to ±jitter of
    itself so that twenty monitors do not all reconnect in the same instant."""

    first_s: float = 0.5
    max_s: float = 15.0
    factor: float = 2.0
    jitter: float = 0.2

    def delay_s(self, attempt: int, draw: Callable[[], float] = random.random) -> float:
        base = min(self.max_s, self.first_s * self.factor ** min(attempt, 32))
        return base * (1.0 + self.jitter * (2.0 * draw() - 1.0))


class LinkWait(Exception):
    """Raised by a setup: the server answers but is not ready for us; the message says why in
    plain words (``no bucket `tapewatch` yet: is `tapewatch feed` running?``)."""


def plain_error(error: BaseException) -> str:
    """What went wrong with a NATS connection, in words a trader can act on."""
    if isinstance(error, Unreachable):
        return str(error)
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, nats.errors.NoServersError):
        return "no server answered"
    if isinstance(error, nats.errors.AuthorizationError):
        return "not authorised: check the credentials"
    if isinstance(error, nats.errors.InvalidUserCredentialsError):
        return "the credentials file is not valid"
    if isinstance(error, ssl.SSLError | nats.errors.SecureConnFailedError):
        return f"TLS failed: {error}"
    if isinstance(error, nats.errors.SecureConnRequiredError):
        return "the server requires TLS: use a tls:// URL or TLS options"
    if isinstance(error, TimeoutError):  # nats.errors.TimeoutError is one too
        return "timed out"
    if isinstance(error, nats.errors.ConnectionClosedError | nats.errors.UnexpectedEOF):
        return "the connection was closed"
    if isinstance(error, FileNotFoundError):
        return f"file not found: {error.filename}"
    if isinstance(error, OSError):
        return error.strerror or str(error) or type(error).__name__
    text = str(error).strip()
    return text or type(error).__name__


class NatsLink:
    """Keeps one connection up and runs ``setup`` on each new connection."""

    def __init__(
        self,
        options: NatsOptions,
        setup: Setup,
        *,
        on_status: Callable[[LinkStatus], None] | None = None,
        backoff: Backoff | None = None,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.options = options
        self._setup = setup
        self._on_status = on_status
        self._backoff = backoff or Backoff()
        self._clock = clock
        self._status = LinkStatus(LinkState.CONNECTING, options.display_url)
        self._client: Client | None = None
        self._closing = asyncio.Event()
        self._connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._drop_reason: str | None = None
        self._lost: asyncio.Event | None = None

    @property
    def status(self) -> LinkStatus:
        return self._status

    @property
    def client(self) -> Client | None:
        """The live connection once set up, else None."""
        return self._client if self._status.state is LinkState.CONNECTED else None

    def start(self) -> None:
        """Start connecting in the background (once)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"nats link {self.options.name}")

    async def wait_connected(self, timeout_s: float) -> bool:
        """Wait (bounded) until the link is connected and set up; False if it was not in time."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), timeout_s)
        return self._status.state is LinkState.CONNECTED

    def drop(self, reason: str) -> None:
        """Give up the current connection and start again (after the usual back-off): for a
        session that finds its subscription broken while the connection still looks fine."""
        if self._lost is not None:
            self._drop_reason = reason
            self._lost.set()

    async def aclose(self) -> None:
        """Close the connection and stop reconnecting."""
        self._closing.set()
        if self._task is not None:
            # Cancelled wherever it is (connecting, setting up, holding): the connection is
            # closed on the way out.
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._set(LinkState.DISCONNECTED)

    def _set(
        self, state: LinkState, *, retry_at: dt.datetime | None = None, detail: str = ""
    ) -> None:
        if state is LinkState.CONNECTED:
            self._connected.set()
        else:
            self._connected.clear()
        status = LinkStatus(state, self.options.display_url, retry_at, detail)
        if status == self._status:
            return
        self._status = status
        log.info("nats: %s", status.describe(self._clock()))
        if self._on_status is not None:
            try:
                self._on_status(status)
            except Exception:  # a listener's bug must not stop the connection
                log.exception("nats: status listener failed")

    async def _run(self) -> None:
        attempt = 0
        while not self._closing.is_set():
            self._set(LinkState.CONNECTING)
            state, detail = await self._connect_and_hold()
            if self._closing.is_set():
                break
            if state is LinkState.CONNECTED:  # it was up: start the back-off afresh
                attempt = 0
                state = LinkState.RECONNECTING
            delay = self._backoff.delay_s(attempt)
            attempt += 1
            retry_at = self._clock() + dt.timedelta(seconds=delay)
            self._set(state, retry_at=retry_at, detail=detail)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), delay)
        self._set(LinkState.DISCONNECTED)

    async def _connect_and_hold(self) -> tuple[LinkState, str]:
        """One connection's life. Returns the state to report next (CONNECTED if it was up and
        then lost) and why it ended."""
        lost = asyncio.Event()
        last_error: list[str] = []

        async def on_lost() -> None:
            lost.set()

        async def on_error(error: Exception) -> None:
            last_error.append(plain_error(error))

        try:
            client = await connect_once(
                self.options, disconnected_cb=on_lost, closed_cb=on_lost, error_cb=on_error
            )
        except Exception as error:  # the client raises many kinds; all mean "not now"
            return LinkState.RECONNECTING, plain_error(error)
        self._client = client
        self._lost = lost
        self._drop_reason = None
        try:
            try:
                await self._setup(client)
            except LinkWait as waiting:
                return LinkState.WAITING, str(waiting)
            except Exception as error:
                log.warning(
                    "nats: setting up on %s failed", self.options.display_url, exc_info=True
                )
                return LinkState.RECONNECTING, plain_error(error)
            if lost.is_set():
                return LinkState.RECONNECTING, last_error[-1] if last_error else "connection lost"
            self._set(LinkState.CONNECTED)
            closing = asyncio.create_task(self._closing.wait())
            dropped = asyncio.create_task(lost.wait())
            try:
                await asyncio.wait({closing, dropped}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                closing.cancel()
                dropped.cancel()
            detail = self._drop_reason or (last_error[-1] if last_error else "connection lost")
            return LinkState.CONNECTED, detail
        finally:
            self._client = None
            self._lost = None
            await _close_quietly(client)


class Unreachable(ConnectionError):
    """A connection attempt that failed; the message is the reason in plain words."""


async def connect_once(
    options: NatsOptions,
    *,
    error_cb: Callable[[Exception], Awaitable[None]] | None = None,
    **callbacks: Any,
) -> Client:
    """One attempt to connect, bounded by the connect timeout, with no reconnection afterwards.

    Raises Unreachable naming the first cause (the client itself only says "no servers")."""
    causes: list[str] = []

    async def on_error(error: Exception) -> None:
        if len(causes) < 10:
            causes.append(plain_error(error))
        log.debug("nats: %s: %s", options.display_url, error)
        if error_cb is not None:
            await error_cb(error)

    # max_reconnect_attempts=1 with no wait: nats-py tries the server, then gives up (with 0 it
    # would retry forever); allow_reconnect=False leaves a lost connection closed.
    try:
        return await asyncio.wait_for(
            nats.connect(
                **options.connect_kwargs(),
                allow_reconnect=False,
                max_reconnect_attempts=1,
                reconnect_time_wait=0,
                ping_interval=PING_INTERVAL_S,
                max_outstanding_pings=MAX_OUTSTANDING_PINGS,
                error_cb=on_error,
                **callbacks,
            ),
            2 * options.connect_timeout_s + 1.0,
        )
    except Exception as error:
        raise Unreachable(causes[0] if causes else plain_error(error)) from error


class LinkUser:
    """Something that works over one kept-up link (publisher, watcher, service): start it, wait
    for it, close it, or use it as ``async with``."""

    _link: NatsLink

    @property
    def status(self) -> LinkStatus:
        """The link's state; ``status.describe()`` says it in plain words."""
        return self._link.status

    def start(self) -> None:
        """Start connecting in the background; returns at once."""
        self._link.start()

    async def wait_connected(self, timeout_s: float) -> bool:
        """Wait (bounded) until connected and set up; False if it was not in time."""
        return await self._link.wait_connected(timeout_s)

    async def aclose(self) -> None:
        """Disconnect and stop reconnecting."""
        await self._link.aclose()

    async def __aenter__(self) -> Self:
        self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


async def _close_quietly(client: Client) -> None:
    if client.is_closed:
        return
    with contextlib.suppress(Exception):
        await asyncio.wait_for(client.close(), CLOSE_TIMEOUT_S)
