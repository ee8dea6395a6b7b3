"""The one HTTP client every live source shares: timeouts, bounded concurrency per host, retries
with back-off, and a per-host circuit that opens on HTTP 429. No textual import.

``HttpClient.get`` never raises for network or HTTP problems: it returns a ``Failed`` whose message
a user can read. Only cancellation propagates.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import email.utils
import importlib
import logging
import random
import ssl
import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Final

import httpx

from tui.clock import utc_now
from tui.config import HttpSettings
from tui.sources.base import Failed, FailureKind

logger = logging.getLogger("tapewatch.http")

# Full-jitter exponential back-off between retries: a random wait in [0, min(cap, base * 2^n)).
BACKOFF_BASE_S: Final = 0.5
BACKOFF_CAP_S: Final = 8.0

# HTTP 429 without a usable Retry-After waits this long; an absurd one is clamped to these bounds.
RETRY_AFTER_DEFAULT_S: Final = 60.0
RETRY_AFTER_MIN_S: Final = 1.0
RETRY_AFTER_MAX_S: Final = 15 * 60.0

# Query parameters whose values never reach the log.
SECRET_PARAMS: Final = frozenset(
    {
        "access_token",
        "api_key",
        "apikey",
        "auth",
        "client_secret",
        "crumb",
        "key",
        "password",
        "secret",
        "sig",
        "signature",
        "token",
    }
)


# How long a host that refuses or drops every connection is left alone before it is tried again.
UNREACHABLE_PAUSE_S = 15.0


@dataclass(frozen=True, slots=True)
class HttpReply:
    """A complete reply: 2xx, or 404 when the caller accepts it. Header names are lower case."""

    url: str
    status: int
    content: bytes
    headers: Mapping[str, str]
    elapsed_s: float  # time the successful attempt took


@dataclass(frozen=True, slots=True)
class _Retryable:
    """An attempt that failed in a way another attempt may fix."""

    failure: Failed


def retry_after_seconds(value: str | None, now: dt.datetime) -> float:
    """Seconds to wait after a 429, from a Retry-After header (delta-seconds or an HTTP-date).

    Absent or unreadable values give the default; the result is clamped to a sane range so that a
    server cannot stop us for days nor make us hammer it.
    """
    if value is None:
        return RETRY_AFTER_DEFAULT_S
    text = value.strip()
    if text.isdigit():
        seconds = float(text)
    else:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return RETRY_AFTER_DEFAULT_S
        if when.tzinfo is None:  # HTTP-dates are always GMT
            when = when.replace(tzinfo=dt.UTC)
        seconds = (when - now).total_seconds()
    return min(max(seconds, RETRY_AFTER_MIN_S), RETRY_AFTER_MAX_S)


def redact_url(url: httpx.URL) -> str:
    """The URL as it may appear in a log: no user info, secret query values replaced."""
    params = [
        (name, "REDACTED" if name.lower() in SECRET_PARAMS else value)
        for name, value in url.params.multi_items()
    ]
    return str(url.copy_with(userinfo=b"", params=params or None))


def _reason(status: int) -> str:
    return httpx.codes.get_reason_phrase(status).lower() or "unknown status"


def _is_certificate_error(error: BaseException) -> bool:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


# httpx's connections run on anyio, which imports its asyncio half on the first request — on the
# event loop, where those ~50-90 ms of imports stall the screen. The client is built off the loop
# (the dashboard makes its source in a thread), so the import is done then instead.
_NETWORK_BACKEND = "anyio._backends._asyncio"


def _import_network_backend() -> None:
    with contextlib.suppress(ImportError):  # a private module: a later anyio may move it
        importlib.import_module(_NETWORK_BACKEND)


class HttpClient:
    """One ``httpx.AsyncClient`` shared by every live source."""

    def __init__(
        self,
        settings: HttpSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], dt.datetime] = utc_now,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._sleep = sleep
        self._rng = rng if rng is not None else random.Random()
        self._timeout = httpx.Timeout(
            connect=settings.connect_timeout,
            read=settings.read_timeout,
            write=settings.read_timeout,
            pool=settings.read_timeout,
        )
        self._client = httpx.AsyncClient(
            timeout=self._timeout,
            headers={"User-Agent": settings.user_agent},
            transport=transport,
            follow_redirects=True,
            verify=True,
        )
        self._host_slots: dict[str, asyncio.Semaphore] = {}
        self._connect_failures: dict[str, int] = {}  # in a row, per host
        self._unreachable_until: dict[str, dt.datetime] = {}
        self._pace_locks: dict[str, asyncio.Lock] = {}
        self._next_start: dict[str, float] = {}  # monotonic time a paced host may be asked again
        self._circuits: dict[str, dt.datetime] = {}
        _import_network_backend()

    def circuit_until(self, host: str) -> dt.datetime | None:
        """When requests to ``host`` may be sent again after a 429, or None if they may now."""
        until = self._circuits.get(host)
        if until is not None and until <= self._clock():
            del self._circuits[host]
            return None
        return until

    async def aclose(self) -> None:
        """Close the connections."""
        await self._client.aclose()

    async def get(
        self,
        url: str,
        *,
        source: str,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        accept: Collection[int] = (),
        per_second: float | None = None,
    ) -> HttpReply | Failed:
        """GET ``url``, retrying what a retry may fix; ``source`` names the data source in
        failures ("yahoo"). A 2xx is a reply; so is any status in ``accept`` (a 404 that means
        "no such symbol", or the 403 a file store answers for a file not posted yet); any other
        status is a failure. ``per_second`` caps the rate of requests to the URL's host (the SEC
        asks for at most 10 a second), on top of the per-host concurrency bound."""
        try:
            full_url = httpx.URL(url, params=params)
        except (httpx.InvalidURL, TypeError, ValueError) as error:
            # Unparsed, so its query cannot be redacted: log only what precedes it.
            logger.warning("GET %r not sent: invalid URL (%s)", url.partition("?")[0], error)
            return Failed(source, FailureKind.HTTP, f"{source}: invalid URL ({error})")
        host = full_url.host
        attempts = self._settings.retries + 1
        failure: Failed | None = None
        for attempt in range(1, attempts + 1):
            if blocked := self._blocked(full_url, source):
                return blocked
            async with self._slot(host):
                # Checked again after the wait for a slot: a 429 may have arrived meanwhile.
                if blocked := self._blocked(full_url, source):
                    return blocked
                if per_second is not None:
                    await self._pace(host, per_second)
                outcome = await self._attempt(full_url, source, headers, accept)
            if not isinstance(outcome, _Retryable):
                if isinstance(outcome, Failed):
                    self._log_failure(full_url, outcome, attempt, attempts, final=True)
                return outcome
            failure = outcome.failure
            final = attempt == attempts
            self._log_failure(full_url, failure, attempt, attempts, final=final)
            if not final:
                await self._sleep(self._backoff(attempt))
        assert failure is not None  # the loop runs at least once
        tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
        return Failed(source, failure.kind, f"{failure.message}; gave up after {tries}")

    def _connection_failed(self, host: str) -> None:
        """Count a failed connection; after one per concurrency slot in a row with no answer in
        between, the host is unreachable (offline, DNS gone): stop asking it for a while, so a
        poll of many symbols fails in seconds instead of waiting out every connect timeout."""
        failures = self._connect_failures.get(host, 0) + 1
        self._connect_failures[host] = failures
        if failures >= self._settings.per_host_concurrency:
            until = self._clock() + dt.timedelta(seconds=UNREACHABLE_PAUSE_S)
            self._unreachable_until[host] = until
            self._connect_failures[host] = 0
            logger.warning("%s unreachable: no request to it before %s", host, f"{until:%H:%M:%S}")

    async def _pace(self, host: str, per_second: float) -> None:
        """Wait until ``host`` may be sent another request at ``per_second`` requests a second."""
        lock = self._pace_locks.setdefault(host, asyncio.Lock())
        async with lock:  # one waiter at a time, so each takes the next free instant
            now = time.monotonic()
            start = max(now, self._next_start.get(host, now))
            self._next_start[host] = start + 1.0 / per_second
            if start > now:
                await asyncio.sleep(start - now)

    def _slot(self, host: str) -> asyncio.Semaphore:
        slot = self._host_slots.get(host)
        if slot is None:
            slot = asyncio.Semaphore(self._settings.per_host_concurrency)
            self._host_slots[host] = slot
        return slot

    def _backoff(self, attempt: int) -> float:
        return self._rng.uniform(0.0, min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** (attempt - 1)))

    def _blocked(self, url: httpx.URL, source: str) -> Failed | None:
        """A failure at once while the host's circuit is open (rate-limited, or unreachable),
        else None."""
        unreachable = self._unreachable_until.get(url.host)
        if unreachable is not None and unreachable > self._clock():
            message = (
                f"{source} ({url.host}) is unreachable; next try at {unreachable:%H:%M:%S} UTC"
            )
            return Failed(source, FailureKind.OFFLINE, message, retry_at=unreachable)
        until = self.circuit_until(url.host)
        if until is None:
            return None
        logger.debug("GET %s not sent: %s is rate-limited", redact_url(url), url.host)
        message = (
            f"{source} asked us to slow down; next request to {url.host} at {until:%H:%M:%S} UTC"
        )
        return Failed(source, FailureKind.RATE_LIMITED, message, retry_at=until)

    async def _attempt(
        self,
        url: httpx.URL,
        source: str,
        headers: Mapping[str, str] | None,
        accept: Collection[int],
    ) -> HttpReply | Failed | _Retryable:
        host = url.host
        started = time.perf_counter()
        try:
            response = await self._client.get(url, headers=headers)
        except httpx.ConnectTimeout:
            self._connection_failed(host)
            message = f"could not connect to {source} ({host}) in time"
            return _Retryable(Failed(source, FailureKind.OFFLINE, message))
        except httpx.TimeoutException:
            message = f"{source} ({host}) did not answer in time"
            return _Retryable(Failed(source, FailureKind.TIMEOUT, message))
        except httpx.ConnectError as error:
            if _is_certificate_error(error):
                message = f"the TLS certificate of {host} could not be verified"
                return Failed(source, FailureKind.OFFLINE, message)
            self._connection_failed(host)
            message = f"could not connect to {source} ({host})"
            return _Retryable(Failed(source, FailureKind.OFFLINE, message))
        except (httpx.NetworkError, httpx.RemoteProtocolError):
            message = f"the connection to {source} ({host}) broke before the reply was complete"
            return _Retryable(Failed(source, FailureKind.OFFLINE, message))
        except httpx.HTTPError as error:
            message = f"request to {source} ({host}) failed: {type(error).__name__}"
            return Failed(source, FailureKind.HTTP, message)
        except Exception as error:  # the contract: a Failed, never an exception (bar cancellation)
            message = f"request to {source} ({host}) failed unexpectedly: {type(error).__name__}"
            return Failed(source, FailureKind.HTTP, message)
        elapsed_s = time.perf_counter() - started
        self._connect_failures[host] = 0  # the host answered: it is reachable
        status = response.status_code
        if 200 <= status < 300 or status in accept:
            return HttpReply(
                url=str(response.url),
                status=status,
                content=response.content,
                headers={name.lower(): value for name, value in response.headers.items()},
                elapsed_s=elapsed_s,
            )
        answered = f"{source} answered {status} ({_reason(status)})"
        if status == 429:
            delay = retry_after_seconds(response.headers.get("retry-after"), self._clock())
            until = self._clock() + dt.timedelta(seconds=delay)
            self._circuits[host] = max(until, self._circuits.get(host, until))
            message = f"{answered}; next request to {host} at {until:%H:%M:%S} UTC"
            return Failed(source, FailureKind.RATE_LIMITED, message, retry_at=until)
        if status >= 500:
            return _Retryable(Failed(source, FailureKind.HTTP, answered))
        return Failed(source, FailureKind.HTTP, answered)

    def _log_failure(
        self, url: httpx.URL, failure: Failed, attempt: int, attempts: int, *, final: bool
    ) -> None:
        logger.log(
            logging.WARNING if final else logging.INFO,
            "GET %s failed (attempt %d of %d): %s",
            redact_url(url),
            attempt,
            attempts,
            failure.message,
        )
