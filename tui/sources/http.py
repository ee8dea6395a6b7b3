"""The one HTTP client every live source shares: timeouts, bounded concurrency per host, retries
with back-off, and a per-host circuit that opens on HTTP 429. No textual import.

A hostile or broken server cannot hold us: every reply's decoded size is capped per kind of request
(``ReplyLimit``) and read as a stream that stops at the cap; every attempt has a total deadline
(connect, headers and whole body) after which its concurrency slot is free again; redirects are
followed only within the same host, so per-call headers (the SEC contact) never reach another one.

``HttpClient.get`` never raises for network or HTTP problems: it returns a ``Failed`` whose message
a user can read. Only cancellation propagates. Reading a reply's body within its cap, and
decoding it, is in tui.sources.http_body; the request budget each attempt waits for is in
tui.sources.budget.
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

from tui.clock import NEW_YORK, utc_now
from tui.config import HttpSettings
from tui.sources.base import Failed, FailureKind
from tui.sources.budget import RequestBudget
from tui.sources.http_body import ACCEPT_ENCODING, DEFAULT_REPLY_LIMIT, cut, read_body

# What the sources size their replies with (tui.sources.yahoo imports them from here).
from tui.sources.http_body import MB as MB
from tui.sources.http_body import ReplyLimit as ReplyLimit

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

# Redirects are followed within one host, at most this many in a row.
MAX_REDIRECTS: Final = 5
REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})

# A request in flight for longer than this share of the request deadline is overdue: the status
# bar can say the source is slow before the deadline turns it into a failure.
OVERDUE_SHARE_OF_DEADLINE: Final = 0.5


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


@dataclass(slots=True, eq=False)  # each call is its own entry
class _InFlight:
    source: str
    # On the client's monotonic clock, from when the request budget let it go; None while the
    # budget holds it back (that wait is not the server's slowness).
    started: float | None = None


def _new_york(moment: dt.datetime) -> str:
    """A time in a failure message, as a trader reads it: "12:48:49 ET" (logs keep UTC)."""
    return f"{moment.astimezone(NEW_YORK):%H:%M:%S} ET"


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
    """One ``httpx.AsyncClient`` shared by every live source.

    ``clock`` gives wall time (circuits, Retry-After); ``monotonic`` and ``sleep`` measure and
    wait intervals (pacing, back-off, the age of requests in flight), so tests can drive them.
    """

    def __init__(
        self,
        settings: HttpSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], dt.datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._monotonic = monotonic
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
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            transport=transport,
            follow_redirects=False,  # followed by hand, within one host only
            verify=True,
        )
        self._host_slots: dict[str, asyncio.Semaphore] = {}
        self._connect_failures: dict[str, int] = {}  # in a row, per host
        self._unreachable_until: dict[str, dt.datetime] = {}
        self._pace_locks: dict[str, asyncio.Lock] = {}
        self._next_start: dict[str, float] = {}  # monotonic time a paced host may be asked again
        self._circuits: dict[str, dt.datetime] = {}
        self._in_flight: set[_InFlight] = set()
        self._budgets: dict[str, RequestBudget] = {}
        _import_network_backend()

    def circuit_until(self, host: str) -> dt.datetime | None:
        """When requests to ``host`` may be sent again after a 429, or None if they may now."""
        until = self._circuits.get(host)
        if until is not None and until <= self._clock():
            del self._circuits[host]
            return None
        return until

    def oldest_in_flight_s(self, source: str) -> float | None:
        """Seconds since the oldest unfinished ``get`` for ``source`` was first let go by the
        request budget (waits for a slot and retries included), or None when none is in
        flight."""
        return max(self._ages_s(source), default=None)

    def overdue(self, source: str, *, older_than_s: float | None = None) -> int:
        """How many ``get`` calls for ``source`` have been in flight longer than ``older_than_s``
        (default: half the request deadline): more than none means the source is slow now."""
        if older_than_s is None:
            older_than_s = self._settings.request_deadline * OVERDUE_SHARE_OF_DEADLINE
        return sum(1 for age in self._ages_s(source) if age > older_than_s)

    def budget_waiting(self, source: str) -> int:
        """How many ``get`` calls for ``source`` the request budget holds back now."""
        return sum(
            1 for request in self._in_flight if request.source == source and request.started is None
        )

    def _ages_s(self, source: str) -> list[float]:
        now = self._monotonic()
        return [
            now - request.started
            for request in self._in_flight
            if request.source == source and request.started is not None
        ]

    def _budget(self, host: str, per_minute: float | None) -> RequestBudget:
        """The host's request budget: the caller's rate for it, else the settings' default."""
        settings = self._settings
        rate = per_minute if per_minute is not None else settings.requests_per_minute
        budget = self._budgets.get(host)
        if budget is None:
            budget = RequestBudget(
                rate, burst=settings.budget_burst, monotonic=self._monotonic, sleep=self._sleep
            )
            self._budgets[host] = budget
        elif per_minute is not None and budget.per_minute != int(per_minute):
            budget.configure(per_minute, burst=settings.budget_burst)
        return budget

    async def aclose(self) -> None:
        """Close the connections."""
        for budget in self._budgets.values():
            await budget.aclose()
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
        per_minute: float | None = None,
        limit: ReplyLimit = DEFAULT_REPLY_LIMIT,
    ) -> HttpReply | Failed:
        """GET ``url``, retrying what a retry may fix; ``source`` names the data source in
        failures ("yahoo"). A 2xx is a reply; so is any status in ``accept`` (a 404 that means
        "no such symbol", or the 403 a file store answers for a file not posted yet); any other
        status is a failure. ``per_second`` caps the rate of requests to the URL's host (the SEC
        asks for at most 10 a second), on top of the per-host concurrency bound. Every attempt
        first waits for the host's request budget (tui.sources.budget), in the priority the
        caller's context gives (`request_priority`): ``per_minute`` requests a minute, by
        default `HttpSettings.requests_per_minute`. A reply larger than ``limit`` once decoded
        is a failure, not retried."""
        try:
            full_url = httpx.URL(url, params=params)
        except (httpx.InvalidURL, TypeError, ValueError) as error:
            # Unparsed, so its query cannot be redacted: log only what precedes it.
            logger.warning("GET %r not sent: invalid URL (%s)", url.partition("?")[0], error)
            return Failed(source, FailureKind.HTTP, f"{source}: invalid URL ({error})")
        request = _InFlight(source)
        self._in_flight.add(request)
        try:
            budget = self._budget(full_url.host, per_minute)
            return await self._get(full_url, request, budget, headers, accept, per_second, limit)
        finally:
            self._in_flight.discard(request)

    async def _get(
        self,
        full_url: httpx.URL,
        request: _InFlight,
        budget: RequestBudget,
        headers: Mapping[str, str] | None,
        accept: Collection[int],
        per_second: float | None,
        limit: ReplyLimit,
    ) -> HttpReply | Failed:
        host = full_url.host
        source = request.source
        attempts = self._settings.retries + 1
        failure: Failed | None = None
        for attempt in range(1, attempts + 1):
            if blocked := self._blocked(full_url, source):
                return blocked
            # Every attempt is a request the host sees: each waits for the budget, before it
            # takes a connection slot (a queue of history must not hold the slots).
            sent_first, request.started = request.started, None
            granted_at = await budget.acquire()
            if blocked := self._blocked(full_url, source):
                budget.refund(granted_at)  # a 429 came while it waited: nothing was sent
                return blocked
            request.started = sent_first if sent_first is not None else self._monotonic()
            async with self._slot(host):
                # Checked again after the wait for a slot: a 429 may have arrived meanwhile.
                if blocked := self._blocked(full_url, source):
                    return blocked
                if per_second is not None:
                    await self._pace(host, per_second)
                # The deadline frees the slot. A server that dripped or stalled for all of it is
                # not asked again in this call: the next poll will.
                deadline_s = self._settings.request_deadline
                try:
                    async with asyncio.timeout(deadline_s):
                        outcome = await self._attempt(full_url, source, headers, accept, limit)
                except TimeoutError:
                    message = f"{source} ({host}) sent no complete reply within {deadline_s:g} s"
                    outcome = Failed(source, FailureKind.TIMEOUT, message)
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
            now = self._monotonic()
            start = max(now, self._next_start.get(host, now))
            self._next_start[host] = start + 1.0 / per_second
            if start > now:
                await self._sleep(start - now)

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
            message = f"{source} ({url.host}) is unreachable; next try at {_new_york(unreachable)}"
            return Failed(source, FailureKind.OFFLINE, message, retry_at=unreachable)
        until = self.circuit_until(url.host)
        if until is None:
            return None
        logger.debug("GET %s not sent: %s is rate-limited", redact_url(url), url.host)
        message = (
            f"{source} asked us to slow down; next request to {url.host} at {_new_york(until)}"
        )
        return Failed(source, FailureKind.RATE_LIMITED, message, retry_at=until)

    async def _attempt(
        self,
        url: httpx.URL,
        source: str,
        headers: Mapping[str, str] | None,
        accept: Collection[int],
        limit: ReplyLimit,
    ) -> HttpReply | Failed | _Retryable:
        host = url.host
        started = time.perf_counter()
        try:
            for _hop in range(MAX_REDIRECTS + 1):
                async with self._client.stream("GET", url, headers=headers) as response:
                    self._connect_failures[host] = 0  # the host answered: it is reachable
                    status = response.status_code
                    location = response.headers.get("location")
                    if status in REDIRECT_STATUSES and location is not None:
                        target = _redirect_target(url, location, source)
                        if isinstance(target, Failed):
                            return target
                        url = target
                        continue
                    if not (200 <= status < 300 or status in accept):
                        return self._refusal(status, response.headers, source, host)
                    content = await read_body(response, source, limit)
                    if isinstance(content, Failed):
                        return content
                    return HttpReply(
                        url=str(url),
                        status=status,
                        content=content,
                        headers={name.lower(): value for name, value in response.headers.items()},
                        elapsed_s=time.perf_counter() - started,
                    )
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
        message = f"{source} redirected more than {MAX_REDIRECTS} times in a row; not followed"
        return Failed(source, FailureKind.HTTP, message)

    def _refusal(
        self, status: int, headers: httpx.Headers, source: str, host: str
    ) -> Failed | _Retryable:
        """The failure a status outside 2xx and ``accept`` means; its body is not read."""
        answered = f"{source} answered {status} ({_reason(status)})"
        if status == 429:
            delay = retry_after_seconds(headers.get("retry-after"), self._clock())
            until = self._clock() + dt.timedelta(seconds=delay)
            self._circuits[host] = max(until, self._circuits.get(host, until))
            message = f"{answered}; next request to {host} at {_new_york(until)}"
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


def _redirect_target(origin: httpx.URL, location: str, source: str) -> httpx.URL | Failed:
    """Where a redirect from ``origin`` leads, if it stays on the same host and port and does not
    fall from https to http; else the failure that says why it is not followed."""
    try:
        target = origin.join(location)
    except (httpx.InvalidURL, TypeError, ValueError):
        message = f"{source} redirected to an invalid address ({cut(location)!r}); not followed"
        return Failed(source, FailureKind.HTTP, message)
    if target.host != origin.host or target.port != origin.port:
        elsewhere = cut(target.host + (f":{target.port}" if target.port else ""))
        message = f"{source} redirected to another host ({elsewhere}); not followed"
        return Failed(source, FailureKind.HTTP, message)
    if target.scheme not in ("http", "https") or (
        origin.scheme == "https" and target.scheme != "https"
    ):
        message = f"{source} redirected from {origin.scheme} to {cut(target.scheme)}; not followed"
        return Failed(source, FailureKind.HTTP, message)
    return target
