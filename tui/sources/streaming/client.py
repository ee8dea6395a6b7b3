"""The websocket client every price stream runs on: connect, authenticate, subscribe, read ticks,
and keep at it. No textual import.

A provider (Yahoo's streamer, Alpaca, Finnhub) supplies the URL, the handshake, the subscribe
messages and the frame parser; this client supplies the life cycle:

- ``subscribe(symbols)`` replaces the wanted set at any time; the difference is sent at once when
  connected, and the whole set again after every reconnect.
- Providers that forget subscriptions (Yahoo) get the whole set again every ``resubscribe_s``.
- Silence is a fault: no frame for ``silence_s`` while the market is open closes the connection
  (phase SILENT) and reconnects after a jittered exponential back-off (phase RECONNECTING).
- A garbage or truncated frame is skipped, counted and logged; it never ends the connection.
- A refused key ends the client (phase FAILED) with the provider's reason in plain words.

Ticks reach the caller through ``on_tick`` (called on the event loop, must not block) and/or the
async iterator ``ticks()``; state changes through ``on_state`` and the ``state`` property. Only
phase LIVE means prices are arriving: in any other phase the caller polls.

Every wait goes through an injected ``StreamClock`` so tests can run the timers on a fake clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import random
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol

import websockets
from websockets.asyncio.client import ClientConnection, connect

from tui.clock import utc_now
from tui.market_hours import Session, session_at
from tui.sources.streaming.ticks import StreamPhase, StreamState, Tick

logger = logging.getLogger("tapewatch.stream")

# websockets logs handshakes (request lines, hence URLs with tokens) at DEBUG: never below INFO.
_wire_logger = logging.getLogger("tapewatch.stream.wire")
_wire_logger.setLevel(logging.INFO)

TICK_RATE_WINDOW_S: Final = 5.0
TICK_QUEUE_SIZE: Final = 10_000  # per ticks() iterator; the oldest tick goes when it is full
MAX_FRAME_BYTES: Final = 1 << 20


class FrameError(ValueError):
    """A frame that is not in the provider's format (garbage, truncated, wrong types)."""


def json_frame(frame: str | bytes) -> Any:
    """The JSON value of a frame; FrameError when it is not JSON."""
    try:
        return json.loads(frame)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FrameError(f"not JSON ({error})") from None


def json_number(value: object) -> float | None:
    """A JSON number as a float; None for anything else (null, a string, true/false)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def subscription_changes(
    wanted: frozenset[str], sent: frozenset[str], *, resend: bool
) -> tuple[list[str], list[str]]:
    """The symbols to subscribe (all of ``wanted`` when ``resend``) and to unsubscribe, sorted."""
    added = sorted(wanted if resend else wanted - sent)
    return added, sorted(sent - wanted)


class AuthRejected(Exception):
    """The provider refused the connection's credentials or its subscription.

    ``message`` is plain words for the status bar; ``retry`` says whether a later attempt may
    succeed (a connection limit) or not (a wrong key).
    """

    def __init__(self, message: str, *, retry: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.retry = retry


class StreamProvider(Protocol):
    """What differs between price streams. Implementations never log their secrets."""

    source: str  # the Tick.source and StreamState.source value: "yahoo-stream", "alpaca-iex"
    name: str  # plain words for messages: "Yahoo's streamer", "Alpaca"
    resubscribe_s: float | None  # resend the whole subscription this often; None: never

    @property
    def url(self) -> str:
        """Where to connect; may hold a secret (Finnhub's token), so never log it."""
        ...

    @property
    def secrets(self) -> Sequence[str]:
        """Strings that must never reach a log line or a state detail."""
        ...

    async def handshake(self, connection: ClientConnection) -> None:
        """Authenticate after the socket opens; raise AuthRejected if refused."""
        ...

    def subscription_messages(
        self, wanted: frozenset[str], sent: frozenset[str], *, resend: bool
    ) -> list[str]:
        """Messages that move the server from ``sent`` to ``wanted`` (all of ``wanted`` again
        when ``resend``)."""
        ...

    def parse(self, frame: str | bytes) -> list[Tick]:
        """The ticks in one frame ([] for control messages). Raises FrameError for garbage and
        AuthRejected for an in-band refusal."""
        ...


class StreamClock(Protocol):
    """Time for the client: a monotonic clock for timers, the wall clock, and sleeping."""

    def monotonic(self) -> float: ...

    def now(self) -> dt.datetime: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clocks."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> dt.datetime:
        return utc_now()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def us_market_open(now: dt.datetime) -> bool:
    """True from the pre-market open to the post-market close of a NYSE trading day."""
    return session_at(now) is not Session.CLOSED


@dataclass(frozen=True, slots=True)
class Backoff:
    """Jittered exponential back-off: attempt n waits base * 2**n, at most ``cap_s``, times a
    random factor in [1 - jitter, 1] so that many clients do not reconnect in step."""

    base_s: float = 1.0
    cap_s: float = 60.0
    jitter: float = 0.5

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before attempt ``attempt`` (0 = the first retry)."""
        ceiling = min(self.cap_s, self.base_s * 2.0 ** min(attempt, 30))
        return ceiling * rng.uniform(1.0 - self.jitter, 1.0)


class _Silence(Exception):
    """No frame arrived for too long while the market was open."""


class _Ended(Exception):
    """The server closed the connection, or the client is stopping."""


# What ends one connection and calls for another: the network, the protocol, a handshake reply
# that is not in the provider's format.
_ERRORS: Final = (
    OSError,
    asyncio.TimeoutError,
    websockets.exceptions.WebSocketException,
    FrameError,
)


class StreamClient:
    """One provider's stream: start it, feed it symbols, read ticks and states, stop it.

    ``run()`` runs until ``stop()`` (or a refused key); a scheduler owns it as one task, e.g.
    ``task = client.start()`` ... ``await client.stop()``.
    """

    def __init__(
        self,
        provider: StreamProvider,
        *,
        on_tick: Callable[[Tick], None] | None = None,
        on_state: Callable[[StreamState], None] | None = None,
        clock: StreamClock | None = None,
        market_open: Callable[[dt.datetime], bool] = us_market_open,
        silence_s: float = 60.0,
        handshake_timeout_s: float = 10.0,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
        proxy: str | Literal[True] | None = True,
    ) -> None:
        self._provider = provider
        self._on_tick = on_tick
        self._on_state = on_state
        self._clock = clock or SystemClock()
        self._market_open = market_open
        self._silence_s = silence_s
        self._handshake_timeout_s = handshake_timeout_s
        self._backoff = backoff or Backoff()
        self._rng = rng or random.Random()
        self._proxy = proxy
        self._wanted: frozenset[str] = frozenset()
        self._sent: frozenset[str] = frozenset()
        self._changed = asyncio.Event()
        self._connection: ClientConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._queues: list[asyncio.Queue[Tick | None]] = []
        self._tick_times: deque[float] = deque()
        self._ticks = 0
        self._skipped = 0
        self._last_frame = 0.0
        self._delivered = False  # this connection has brought a frame
        self._state = StreamState(
            provider.source, StreamPhase.STOPPED, "not started", self._clock.now()
        )

    # --- what the owner calls ---------------------------------------------------------------

    @property
    def symbols(self) -> frozenset[str]:
        """The symbols the caller wants streamed."""
        return self._wanted

    def subscribe(self, symbols: Iterable[str]) -> None:
        """Stream exactly these symbols from now on (replaces the previous set)."""
        wanted = frozenset(symbol for symbol in symbols if symbol)
        if wanted != self._wanted:
            self._wanted = wanted
            self._changed.set()

    @property
    def state(self) -> StreamState:
        """The current state, with the tick rate over the last few seconds."""
        self._prune_tick_times()
        rate = len(self._tick_times) / TICK_RATE_WINDOW_S
        return _replace_counts(self._state, rate, self._ticks, self._skipped)

    def start(self) -> asyncio.Task[None]:
        """Run the client in a new task on the running loop."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run(), name=f"stream {self._provider.source}")
        return self._task

    async def stop(self) -> None:
        """Close the connection and end ``run()`` and every ``ticks()`` iterator."""
        self._stopping = True
        task, self._task = self._task, None
        if task is not None and task is not asyncio.current_task() and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._close_connection()
        if self._state.phase is not StreamPhase.FAILED:
            self._set_phase(StreamPhase.STOPPED, "stopped")
        for queue in self._queues:
            _put_dropping_oldest(queue, None)

    async def ticks(self) -> AsyncIterator[Tick]:
        """Every tick from now until the client stops (a slow reader loses the oldest)."""
        queue: asyncio.Queue[Tick | None] = asyncio.Queue(TICK_QUEUE_SIZE)
        self._queues.append(queue)
        try:
            while (tick := await queue.get()) is not None:
                yield tick
        finally:
            self._queues.remove(queue)

    async def run(self) -> None:
        """Connect, stream, reconnect with back-off; return when stopped or refused."""
        self._task = self._task or asyncio.current_task()
        self._stopping = False
        attempt = 0
        while not self._stopping:
            self._set_phase(StreamPhase.CONNECTING, f"connecting to {self._provider.name}")
            self._delivered = False
            try:
                await self._session()
            except AuthRejected as refusal:
                reason = self._scrub(refusal.message)
                logger.warning("%s refused: %s", self._provider.source, reason)
                if not refusal.retry:
                    self._set_phase(StreamPhase.FAILED, reason)
                    return
            except _Silence:
                reason = f"no price for {self._silence_s:g}s while the market is open"
                self._set_phase(StreamPhase.SILENT, reason)
                logger.warning("%s silent: %s", self._provider.source, reason)
            except _Ended:
                reason = f"{self._provider.name} closed the connection"
            except _ERRORS as error:
                reason = self._describe(error)
                logger.warning("%s connection failed: %s", self._provider.source, reason)
            finally:
                await self._close_connection()
            if self._stopping:
                break
            # A connection that brought prices starts the back-off again from the shortest wait.
            attempt = 0 if self._delivered else attempt + 1
            delay = self._backoff.delay(attempt, self._rng)
            retry_at = self._clock.now() + dt.timedelta(seconds=delay)
            self._set_phase(StreamPhase.RECONNECTING, reason, retry_at=retry_at)
            await self._clock.sleep(delay)

    # --- one connection ---------------------------------------------------------------------

    async def _session(self) -> None:
        """One connection, from open to close; always ends by raising why it ended."""
        try:
            connection = await connect(
                self._provider.url,
                open_timeout=self._handshake_timeout_s,
                max_size=MAX_FRAME_BYTES,
                proxy=self._proxy,
                logger=_wire_logger,
            )
        except websockets.exceptions.InvalidStatus as error:
            status = error.response.status_code
            if status in (401, 403) and any(self._provider.secrets):
                refusal = f"{self._provider.name} refused the key (HTTP {status})"
                raise AuthRejected(refusal) from None
            raise
        async with connection:
            self._connection = connection
            await asyncio.wait_for(
                self._provider.handshake(connection), timeout=self._handshake_timeout_s
            )
            self._sent = frozenset()
            await self._send_subscription(resend=True)
            self._last_frame = self._clock.monotonic()
            self._set_phase(
                StreamPhase.CONNECTING, f"subscribed to {len(self._wanted)} symbols, waiting"
            )
            tasks = [
                asyncio.create_task(self._read(connection)),
                asyncio.create_task(self._watch_silence()),
                asyncio.create_task(self._follow_subscription()),
            ]
            if self._provider.resubscribe_s:
                tasks.append(asyncio.create_task(self._resubscribe(self._provider.resubscribe_s)))
            try:
                done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            for task in done:
                failure = task.exception()
                if failure is not None:
                    raise failure
            raise _Ended

    async def _read(self, connection: ClientConnection) -> None:
        async for frame in connection:
            self._last_frame = self._clock.monotonic()
            if not self._delivered:
                self._delivered = True
                self._set_phase(StreamPhase.LIVE, f"{len(self._wanted)} symbols")
            try:
                ticks = self._provider.parse(frame)
            except FrameError as error:
                self._skip(str(error))
                continue
            except (ValueError, TypeError, KeyError, AttributeError) as error:
                # A parser bug on an odd frame costs that frame, not the stream; it is logged.
                self._skip(f"unexpected {type(error).__name__}: {error}")
                continue
            wanted = self._wanted
            for tick in ticks:
                if tick.symbol in wanted:
                    self._deliver(tick)

    async def _watch_silence(self) -> None:
        while True:
            quiet_for = self._clock.monotonic() - self._last_frame
            # Silence is a fault only when prices are due: symbols wanted, the market open.
            due = bool(self._wanted) and self._market_open(self._clock.now())
            if quiet_for >= self._silence_s and due:
                raise _Silence
            wait = self._silence_s - quiet_for if quiet_for < self._silence_s else self._silence_s
            await self._clock.sleep(wait)

    async def _resubscribe(self, every_s: float) -> None:
        while True:
            await self._clock.sleep(every_s)
            await self._send_subscription(resend=True)

    async def _follow_subscription(self) -> None:
        while True:
            await self._changed.wait()
            self._changed.clear()
            await self._send_subscription(resend=False)

    async def _send_subscription(self, *, resend: bool) -> None:
        connection = self._connection
        if connection is None:
            return
        wanted = self._wanted
        for message in self._provider.subscription_messages(wanted, self._sent, resend=resend):
            await connection.send(message)
        self._sent = wanted

    # --- bookkeeping ------------------------------------------------------------------------

    def _deliver(self, tick: Tick) -> None:
        self._ticks += 1
        self._tick_times.append(self._clock.monotonic())
        if len(self._tick_times) > 4096:
            self._prune_tick_times()
        if self._on_tick is not None:
            self._on_tick(tick)
        for queue in self._queues:
            _put_dropping_oldest(queue, tick)

    def _skip(self, why: str) -> None:
        self._skipped += 1
        log = logger.warning if self._skipped == 1 else logger.debug
        log("%s skipped a frame (%d so far): %s", self._provider.source, self._skipped, why)

    def _prune_tick_times(self) -> None:
        horizon = self._clock.monotonic() - TICK_RATE_WINDOW_S
        times = self._tick_times
        while times and times[0] < horizon:
            times.popleft()

    def _set_phase(
        self, phase: StreamPhase, detail: str, *, retry_at: dt.datetime | None = None
    ) -> None:
        current = self._state
        if (current.phase, current.detail, current.retry_at) == (phase, detail, retry_at):
            return
        since = current.since if current.phase is phase else self._clock.now()
        self._state = StreamState(self._provider.source, phase, detail, since, retry_at)
        logger.info("%s %s: %s", self._provider.source, phase.value, detail)
        if self._on_state is not None:
            self._on_state(self.state)

    async def _close_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(*_ERRORS):
                await connection.close()

    def _describe(self, error: BaseException) -> str:
        if isinstance(error, websockets.exceptions.InvalidStatus):
            text = f"{self._provider.name} answered HTTP {error.response.status_code}"
        elif isinstance(error, asyncio.TimeoutError | TimeoutError):
            text = f"{self._provider.name} did not answer in time"
        elif isinstance(error, websockets.exceptions.ConnectionClosed):
            text = f"{self._provider.name} closed the connection"
        elif isinstance(error, OSError):
            text = f"cannot reach {self._provider.name} ({error.strerror or error})"
        else:
            text = f"{self._provider.name}: {error}"
        return self._scrub(text)

    def _scrub(self, text: str) -> str:
        for secret in self._provider.secrets:
            if secret:
                text = text.replace(secret, "***")
        return text


def _replace_counts(state: StreamState, rate: float, ticks: int, skipped: int) -> StreamState:
    return StreamState(
        state.source,
        state.phase,
        state.detail,
        state.since,
        state.retry_at,
        ticks_per_s=rate,
        ticks=ticks,
        skipped_frames=skipped,
    )


def _put_dropping_oldest(queue: asyncio.Queue[Tick | None], item: Tick | None) -> None:
    """Put without waiting: a reader that fell behind loses the oldest tick, not the newest."""
    if queue.full():
        queue.get_nowait()
    queue.put_nowait(item)
