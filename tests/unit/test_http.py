"""The shared HTTP client against the fault-injecting server (and a few mock transports)."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import gzip
import logging
import random
import socket
import ssl
import subprocess
import sys
import time
import tracemalloc
import zlib
from collections.abc import Callable

import httpx
import pytest

from tests import faultserver
from tests.faultserver import (
    FaultServer,
    Reply,
    drip,
    endless,
    failing,
    gzip_bomb,
    huge_content_length,
    rate_limited,
    redirect,
    reset_mid_body,
    server_error,
    silent,
    slow,
    truncated,
    wait_until,
)
from tui.config import HttpSettings
from tui.sources.base import Failed, FailureKind
from tui.sources.http import (
    BACKOFF_BASE_S,
    BACKOFF_CAP_S,
    MAX_REDIRECTS,
    RETRY_AFTER_DEFAULT_S,
    RETRY_AFTER_MAX_S,
    RETRY_AFTER_MIN_S,
    HttpClient,
    HttpReply,
    redact_url,
    retry_after_seconds,
)
from tui.sources.http_body import DEFAULT_REPLY_LIMIT, MB, ReplyLimit

pytestmark = pytest.mark.timeout(30)
fault_server = faultserver.fault_server

BODY = b'{"ok": true, "padding": "' + b"x" * 400 + b'"}'
T0 = dt.datetime(2026, 2, 10, 15, 0, tzinfo=dt.UTC)
SETTINGS = HttpSettings(
    connect_timeout=1.0,
    read_timeout=0.2,
    per_host_concurrency=8,
    retries=2,
    requests_per_minute=6000,
    budget_burst=100,
)
CONTACT = {"User-Agent": "tapewatch Jane Doe jane@example.com"}  # the SEC's, never sent elsewhere


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: dt.datetime = T0) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


class RecordingSleep:
    """Back-off sleeps recorded instead of waited."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


class FakeMonotonic:
    """A monotonic clock that moves only when told to, or when an AdvancingSleep sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class AdvancingSleep(RecordingSleep):
    """Sleeps recorded, and passed on the fake monotonic clock instead of waited."""

    def __init__(self, monotonic: FakeMonotonic) -> None:
        super().__init__()
        self.monotonic = monotonic

    async def __call__(self, seconds: float) -> None:
        await super().__call__(seconds)
        self.monotonic.now += seconds


def make_client(
    settings: HttpSettings = SETTINGS,
    *,
    clock: FakeClock | None = None,
    monotonic: FakeMonotonic | None = None,
    sleep: RecordingSleep | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> HttpClient:
    return HttpClient(
        settings,
        transport=transport,
        clock=clock or FakeClock(),
        monotonic=monotonic or time.monotonic,
        sleep=sleep or RecordingSleep(),
        rng=random.Random(7),
    )


async def test_a_good_reply_comes_back_whole(fault_server: FaultServer) -> None:
    fault_server.serve("/data", Reply(200, BODY, {"X-Answer": "42"}))
    client = make_client()
    try:
        reply = await client.get(f"{fault_server.url}/data", source="test", params={"q": "1"})
    finally:
        await client.aclose()
    assert isinstance(reply, HttpReply)
    assert (reply.status, reply.content) == (200, BODY)
    assert reply.headers["x-answer"] == "42"
    assert reply.url == f"{fault_server.url}/data?q=1"
    assert reply.elapsed_s > 0
    (request,) = fault_server.requests
    assert request.query == {"q": "1"}
    assert request.headers["user-agent"] == SETTINGS.user_agent


async def test_per_call_headers_override_the_user_agent(fault_server: FaultServer) -> None:
    fault_server.serve("/sec", Reply(200, b"{}"))
    client = make_client()
    try:
        await client.get(
            f"{fault_server.url}/sec", source="sec", headers={"User-Agent": "Jane jane@example.com"}
        )
    finally:
        await client.aclose()
    assert fault_server.requests[0].headers["user-agent"] == "Jane jane@example.com"


async def test_redirects_within_the_host_are_followed_with_the_headers(
    fault_server: FaultServer,
) -> None:
    fault_server.serve("/old", redirect("/new"))
    fault_server.serve("/new", Reply(200, b"moved"))
    client = make_client()
    try:
        reply = await client.get(f"{fault_server.url}/old", source="sec", headers=CONTACT)
    finally:
        await client.aclose()
    assert isinstance(reply, HttpReply) and reply.content == b"moved"
    assert reply.url == f"{fault_server.url}/new"
    assert fault_server.requests_to("/new")[0].headers["user-agent"] == CONTACT["User-Agent"]


async def test_slow_reply_is_retried_then_fails_as_timeout(fault_server: FaultServer) -> None:
    fault_server.serve("/slow", slow(BODY, before_headers_s=5))
    sleep = RecordingSleep()
    client = make_client(sleep=sleep)
    try:
        outcome = await client.get(f"{fault_server.url}/slow", source="yahoo")
    finally:
        await client.aclose()
    assert isinstance(outcome, Failed)
    assert (outcome.source, outcome.kind) == ("yahoo", FailureKind.TIMEOUT)
    assert "did not answer in time" in outcome.message and "3 attempts" in outcome.message
    assert len(fault_server.requests) == SETTINGS.retries + 1
    assert len(sleep.delays) == SETTINGS.retries


async def test_slow_body_is_a_timeout_too(fault_server: FaultServer) -> None:
    fault_server.serve("/drip", slow(BODY, between_chunks_s=2))
    client = make_client()
    try:
        outcome = await client.get(f"{fault_server.url}/drip", source="yahoo")
    finally:
        await client.aclose()
    assert isinstance(outcome, Failed) and outcome.kind is FailureKind.TIMEOUT


async def test_server_errors_are_retried_until_success(fault_server: FaultServer) -> None:
    fault_server.script("/flaky", *failing(2, Reply(200, BODY)))
    sleep = RecordingSleep()
    client = make_client(sleep=sleep)
    try:
        reply = await client.get(f"{fault_server.url}/flaky", source="test")
    finally:
        await client.aclose()
    assert isinstance(reply, HttpReply) and reply.content == BODY
    assert len(fault_server.requests) == 3
    # Full jitter: each wait lies in [0, base * 2^(n-1)).
    assert len(sleep.delays) == 2
    for attempt, delay in enumerate(sleep.delays, start=1):
        assert 0 <= delay < BACKOFF_BASE_S * 2 ** (attempt - 1)


async def test_back_off_is_capped() -> None:
    attempts = 0

    def always_503(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        return httpx.Response(503)

    sleep = RecordingSleep()
    settings = HttpSettings(retries=10, requests_per_minute=6000, budget_burst=100)
    client = make_client(settings, sleep=sleep, transport=httpx.MockTransport(always_503))
    try:
        outcome = await client.get("https://example.test/x", source="test")
    finally:
        await client.aclose()
    assert isinstance(outcome, Failed) and outcome.kind is FailureKind.HTTP
    assert attempts == 11
    assert max(sleep.delays) <= BACKOFF_CAP_S
    assert max(sleep.delays) > BACKOFF_BASE_S * 2**3  # the later waits did grow


async def test_persistent_server_error_fails_as_http(fault_server: FaultServer) -> None:
    fault_server.serve("/down", server_error(503))
    client = make_client()
    try:
        outcome = await client.get(f"{fault_server.url}/down", source="yahoo")
    finally:
        await client.aclose()
    assert isinstance(outcome, Failed)
    assert outcome.kind is FailureKind.HTTP
    assert "yahoo answered 503 (service unavailable)" in outcome.message
    assert len(fault_server.requests) == 3


async def test_without_retries_one_attempt_is_made(fault_server: FaultServer) -> None:
    fault_server.serve("/down", server_error(503))
    client = make_client(HttpSettings(retries=0, requests_per_minute=6000, budget_burst=100))
    try:
        outcome = await client.get(f"{fault_server.url}/down", source="yahoo")
    finally:
        await client.aclose()
    assert isinstance(outcome, Failed) and outcome.message.endswith("gave up after 1 attempt")
    assert len(fault_server.requests) == 1


async def test_429_opens_the_circuit_until_retry_after(fault_server: FaultServer) -> None:
    fault_server.script("/q", rate_limited("120"))
    fault_server.serve("/q", Reply(200, BODY))
    fault_server.serve("/other", Reply(200, BODY))
    clock = FakeClock()
    client = make_client(clock=clock)
    host = "127.0.0.1"
    try:
        first = await client.get(f"{fault_server.url}/q", source="yahoo")
        assert isinstance(first, Failed)
        assert first.kind is FailureKind.RATE_LIMITED
        assert first.retry_at == T0 + dt.timedelta(seconds=120)
        assert "429" in first.message
        # In New York time, as a trader reads it (T0 is 10:00 there).
        assert first.message.endswith("next request to 127.0.0.1 at 10:02:00 ET")
        assert client.circuit_until(host) == first.retry_at
        assert len(fault_server.requests) == 1  # a 429 is not retried

        clock.advance(119)
        for path in ("/q", "/other"):  # the whole host is closed, not just the path
            blocked = await client.get(f"{fault_server.url}{path}", source="yahoo")
            assert isinstance(blocked, Failed)
            assert (blocked.kind, blocked.retry_at) == (FailureKind.RATE_LIMITED, first.retry_at)
            assert blocked.message.endswith("at 10:02:00 ET")
        assert len(fault_server.requests) == 1

        clock.advance(1)
        assert client.circuit_until(host) is None
        again = await client.get(f"{fault_server.url}/q", source="yahoo")
        assert isinstance(again, HttpReply)
        assert len(fault_server.requests) == 2
    finally:
        await client.aclose()


async def test_requests_queued_behind_a_429_are_not_sent() -> None:
    settings = HttpSettings(
        per_host_concurrency=1, retries=0, requests_per_minute=6000, budget_burst=100
    )
    async with FaultServer(latency_s=0.05) as server:
        server.script("/q", rate_limited("30"))
        server.serve("/q", Reply(200, BODY))
        client = make_client(settings)
        try:
            outcomes = await asyncio.gather(
                *(client.get(f"{server.url}/q", source="yahoo") for _ in range(5))
            )
        finally:
            await client.aclose()
        assert len(server.requests) == 1
    assert all(isinstance(o, Failed) and o.kind is FailureKind.RATE_LIMITED for o in outcomes)


@pytest.mark.parametrize(
    ("retry_after", "expected_s"),
    [
        ("Tue, 10 Feb 2026 15:05:00 GMT", 300.0),
        (None, RETRY_AFTER_DEFAULT_S),
        ("999999", RETRY_AFTER_MAX_S),
        ("soon", RETRY_AFTER_DEFAULT_S),
    ],
)
async def test_429_retry_after_forms(
    fault_server: FaultServer, retry_after: str | None, expected_s: float
) -> None:
    fault_server.serve("/q", rate_limited(retry_after))
    client = make_client()
    try:
        outcome = await client.get(f"{fault_server.url}/q", source="yahoo")
    finally:
        await client.aclose()
    assert isinstance(outcome, Failed)
    assert outcome.retry_at == T0 + dt.timedelta(seconds=expected_s)


def test_retry_after_parsing() -> None:
    assert retry_after_seconds("120", T0) == 120.0
    assert retry_after_seconds(" 7 ", T0) == 7.0
    assert retry_after_seconds("0", T0) == RETRY_AFTER_MIN_S
    assert retry_after_seconds("Tue, 10 Feb 2026 15:02:00 GMT", T0) == 120.0
    assert retry_after_seconds("Tue, 10 Feb 2026 14:00:00 GMT", T0) == RETRY_AFTER_MIN_S
    assert retry_after_seconds("-5", T0) == RETRY_AFTER_DEFAULT_S
    assert retry_after_seconds("", T0) == RETRY_AFTER_DEFAULT_S
    assert retry_after_seconds(None, T0) == RETRY_AFTER_DEFAULT_S
    assert retry_after_seconds("86400", T0) == RETRY_AFTER_MAX_S


@pytest.mark.parametrize("broken", [reset_mid_body(BODY), truncated(BODY)], ids=["reset", "cut"])
async def test_broken_bodies_are_retried(fault_server: FaultServer, broken: Reply) -> None:
    fault_server.script("/b", broken, broken)
    fault_server.serve("/b", Reply(200, BODY))
    client = make_client()
    try:
        reply = await client.get(f"{fault_server.url}/b", source="test")
    finally:
        await client.aclose()
    assert isinstance(reply, HttpReply) and reply.content == BODY
    assert len(fault_server.requests) == 3


@pytest.mark.parametrize("broken", [reset_mid_body(BODY), truncated(BODY)], ids=["reset", "cut"])
async def test_persistently_broken_bodies_fail(fault_server: FaultServer, broken: Reply) -> None:
    fault_server.serve("/b", broken)
    client = make_client()
    try:
        outcome = await client.get(f"{fault_server.url}/b", source="finra")
    finally:
        await client.aclose()
    assert isinstance(outcome, Failed)
    assert outcome.kind is FailureKind.OFFLINE
    assert "broke before the reply was complete" in outcome.message
    assert len(fault_server.requests) == 3


async def test_concurrency_per_host_is_bounded() -> None:
    settings = HttpSettings(
        per_host_concurrency=4, retries=0, requests_per_minute=6000, budget_burst=100
    )
    async with FaultServer(latency_s=0.05) as server:
        server.serve("/c", Reply(200, BODY))
        client = make_client(settings)
        try:
            replies = await asyncio.gather(
                *(client.get(f"{server.url}/c", source="test") for _ in range(24))
            )
        finally:
            await client.aclose()
        assert all(isinstance(reply, HttpReply) for reply in replies)
        assert server.max_in_flight == 4


async def test_a_paced_host_gets_no_more_than_its_rate() -> None:
    """The SEC asks for at most 10 requests a second: concurrent requests are spaced out, on the
    client's own clock and sleep, so the spacing is exact."""
    monotonic = FakeMonotonic()
    sleep = AdvancingSleep(monotonic)
    sent_at: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent_at.append(monotonic.now)
        return httpx.Response(200, content=BODY)

    client = make_client(monotonic=monotonic, sleep=sleep, transport=httpx.MockTransport(answer))
    try:
        replies = await asyncio.gather(
            *(client.get("https://sec.test/p", source="sec", per_second=20) for _ in range(6))
        )
    finally:
        await client.aclose()
    assert all(isinstance(reply, HttpReply) for reply in replies)
    assert sleep.delays == pytest.approx([0.05] * 5)  # 1/20 s between starts, no slack
    assert monotonic.now == pytest.approx(0.25)
    for position, when in enumerate(sorted(sent_at)):
        assert when >= position * 0.05 - 1e-9


async def test_404_is_a_reply_only_when_accepted(fault_server: FaultServer) -> None:
    fault_server.serve("/missing", Reply(404, b"not posted yet"))
    client = make_client()
    try:
        accepted = await client.get(f"{fault_server.url}/missing", source="finra", accept=(404,))
        refused = await client.get(f"{fault_server.url}/missing", source="finra")
    finally:
        await client.aclose()
    assert isinstance(accepted, HttpReply)
    assert (accepted.status, accepted.content) == (404, b"not posted yet")
    assert isinstance(refused, Failed) and refused.kind is FailureKind.HTTP
    assert "404 (not found)" in refused.message
    assert len(fault_server.requests) == 2  # neither was retried


async def test_other_client_errors_are_not_retried(fault_server: FaultServer) -> None:
    fault_server.serve("/forbidden", Reply(403, b"no"))
    client = make_client()
    try:
        outcome = await client.get(f"{fault_server.url}/forbidden", source="sec")
    finally:
        await client.aclose()
    assert isinstance(outcome, Failed)
    assert outcome.kind is FailureKind.HTTP and "403" in outcome.message
    assert len(fault_server.requests) == 1


async def test_connection_refused_is_offline() -> None:
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleep = RecordingSleep()
    client = make_client(sleep=sleep)
    try:
        outcome = await client.get(f"http://127.0.0.1:{port}/x", source="yahoo")
    finally:
        await client.aclose()
    assert isinstance(outcome, Failed)
    assert outcome.kind is FailureKind.OFFLINE and "could not connect" in outcome.message
    assert len(sleep.delays) == SETTINGS.retries


async def test_a_host_that_refuses_every_connection_is_left_alone_for_a_while() -> None:
    """Offline, a poll of many symbols must fail in seconds, not wait out every request's
    retries: after one failed connection per slot, the host's other requests fail at once."""
    attempts = 0

    def refusing(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        raise httpx.ConnectError("connection refused", request=request)

    clock = FakeClock()
    settings = HttpSettings(
        per_host_concurrency=2, retries=3, requests_per_minute=6000, budget_burst=100
    )
    client = make_client(settings, clock=clock, transport=httpx.MockTransport(refusing))
    try:
        outcomes = await asyncio.gather(
            *(client.get(f"https://down.test/{n}", source="yahoo") for n in range(20))
        )
        assert all(isinstance(o, Failed) and o.kind is FailureKind.OFFLINE for o in outcomes)
        assert attempts == 2  # one per slot, not 20 requests x 4 attempts
        paused = [o for o in outcomes if isinstance(o, Failed) and "unreachable" in o.message]
        assert len(paused) == 20
        assert all(o.retry_at == T0 + dt.timedelta(seconds=15) for o in paused)
        assert all(o.message.endswith("next try at 10:00:15 ET") for o in paused)

        await client.get("https://elsewhere.test/x", source="sec")
        assert attempts > 2  # other hosts are still asked

        clock.advance(15)
        attempts = 0
        await client.get("https://down.test/again", source="yahoo")
        assert attempts >= 1  # after the pause the host is tried again
    finally:
        await client.aclose()


async def test_a_bad_certificate_is_not_retried() -> None:
    attempts = 0

    def untrusted(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        raise httpx.ConnectError("handshake") from ssl.SSLCertVerificationError("self-signed")

    client = make_client(transport=httpx.MockTransport(untrusted))
    try:
        outcome = await client.get("https://example.test/x", source="sec")
    finally:
        await client.aclose()
    assert isinstance(outcome, Failed)
    assert outcome.kind is FailureKind.OFFLINE and "certificate" in outcome.message
    assert attempts == 1


async def test_unexpected_errors_become_failures() -> None:
    def explode(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("boom")

    client = make_client(transport=httpx.MockTransport(explode))
    try:
        outcome = await client.get("https://example.test/x", source="test")
    finally:
        await client.aclose()
    assert isinstance(outcome, Failed) and "RuntimeError" in outcome.message


async def test_an_invalid_url_is_logged_without_its_query(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = make_client()
    try:
        outcome = await client.get("http://example.test:port/x?token=hush", source="test")
    finally:
        await client.aclose()
    assert isinstance(outcome, Failed) and outcome.kind is FailureKind.HTTP
    assert "invalid URL" in outcome.message
    assert "invalid URL" in caplog.text and "hush" not in caplog.text


async def test_cancellation_propagates(fault_server: FaultServer) -> None:
    fault_server.serve("/slow", slow(BODY, before_headers_s=10))
    client = make_client(HttpSettings(read_timeout=10, requests_per_minute=6000, budget_burst=100))
    try:
        task = asyncio.create_task(client.get(f"{fault_server.url}/slow", source="test"))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        await client.aclose()


async def test_failures_are_logged_without_secrets_or_headers(
    fault_server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    fault_server.script("/log", server_error(502))
    fault_server.serve("/log", Reply(200, BODY))
    fault_server.serve("/gone", Reply(410, b""))
    client = make_client()
    caplog.set_level(logging.INFO, logger="tapewatch.http")
    try:
        await client.get(
            f"{fault_server.url}/log",
            source="yahoo",
            params={"crumb": "s3cr3t-crumb", "interval": "5m"},
            headers={"Cookie": "session=top-secret-cookie"},
        )
        await client.get(f"{fault_server.url}/gone", source="yahoo")
    finally:
        await client.aclose()
    records = [r for r in caplog.records if r.name == "tapewatch.http"]
    retried, final = records
    assert retried.levelno == logging.INFO and final.levelno == logging.WARNING
    text = retried.getMessage()
    assert text.startswith(f"GET {fault_server.url}/log?")
    assert "interval=5m" in text and "crumb=REDACTED" in text
    assert "502" in text and "attempt 1 of 3" in text
    assert "410" in final.getMessage()
    logged = caplog.text
    for secret in ("s3cr3t-crumb", "top-secret-cookie", SETTINGS.user_agent):
        assert secret not in logged


def test_redact_url_drops_user_info_and_secret_values() -> None:
    url = httpx.URL("https://me:pw@example.test/a/%5EGSPC?apikey=k1&range=1d&Token=t2")
    redacted = redact_url(url)
    assert redacted == "https://example.test/a/%5EGSPC?apikey=REDACTED&range=1d&Token=REDACTED"
    assert redact_url(httpx.URL("https://example.test/a")) == "https://example.test/a"


# --- hostile servers: replies are bounded in size, time and where they lead --------------------

SMALL = ReplyLimit("one test reply", 64_000)
QUICK = HttpSettings(
    connect_timeout=1.0,
    read_timeout=10.0,
    request_deadline=0.5,
    retries=2,
    requests_per_minute=6000,
    budget_burst=100,
)


async def bounded_get(client: HttpClient, url: str, **options: object) -> HttpReply | Failed:
    """``client.get`` that fails the test instead of hanging when the client has no bound."""
    return await asyncio.wait_for(client.get(url, **options), timeout=5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "hostile",
    [endless(), huge_content_length(), gzip_bomb()],
    ids=["endless chunked", "500 MiB content-length", "gzip bomb"],
)
async def test_a_reply_larger_than_its_limit_is_refused_unretried(
    fault_server: FaultServer, hostile: Reply
) -> None:
    fault_server.serve("/big", hostile)
    client = make_client()
    try:
        outcome = await bounded_get(client, f"{fault_server.url}/big", source="yahoo", limit=SMALL)
    finally:
        await client.aclose()
    assert isinstance(outcome, Failed) and outcome.kind is FailureKind.HTTP
    assert outcome.message == "yahoo sent more than 64 kB for one test reply; ignored"
    assert len(fault_server.requests) == 1  # retrying a bomb is pointless
    assert fault_server.body_bytes_sent < 64 << 20  # reading stopped; the rest was never sent


async def test_a_gzip_bomb_is_never_inflated_past_the_limit(fault_server: FaultServer) -> None:
    """A 64 KiB piece of the bomb inflates to 64 MB: decoding stops at the limit, not at the end
    of whatever piece arrived."""
    fault_server.serve("/bomb", gzip_bomb())
    client = make_client()
    tracemalloc.start()
    try:
        outcome = await bounded_get(
            client, f"{fault_server.url}/bomb", source="sec", limit=ReplyLimit("a bomb", 1 * MB)
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        await client.aclose()
    assert isinstance(outcome, Failed) and "more than 1 MB for a bomb" in outcome.message
    assert peak < 16 * MB


async def test_the_default_limit_holds_without_one_named(fault_server: FaultServer) -> None:
    fault_server.serve("/huge", huge_content_length())
    client = make_client()
    try:
        outcome = await bounded_get(client, f"{fault_server.url}/huge", source="finra")
    finally:
        await client.aclose()
    assert isinstance(outcome, Failed)
    assert outcome.message == (
        f"finra sent more than {DEFAULT_REPLY_LIMIT.max_bytes // MB} MB for one reply; ignored"
    )


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_reply_of_exactly_the_limit_is_whole(
    fault_server: FaultServer, chunked: bool
) -> None:
    fault_server.serve("/fits", Reply(200, b"y" * 1000, chunked=chunked))
    fault_server.serve("/over", Reply(200, b"y" * 1001, chunked=chunked))
    limit = ReplyLimit("one line", 1000)
    client = make_client()
    try:
        fits = await client.get(f"{fault_server.url}/fits", source="test", limit=limit)
        over = await client.get(f"{fault_server.url}/over", source="test", limit=limit)
    finally:
        await client.aclose()
    assert isinstance(fits, HttpReply) and fits.content == b"y" * 1000
    assert isinstance(over, Failed)
    assert over.message == "test sent more than 1 kB for one line; ignored"


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", raw_deflate),
        ("identity", lambda data: data),
    ],
    ids=["gzip", "x-gzip", "zlib deflate", "raw deflate", "identity"],
)
@pytest.mark.parametrize("piece", [0, 1], ids=["whole", "byte by byte"])
async def test_compressed_replies_are_inflated(
    fault_server: FaultServer, encoding: str, encode: Callable[[bytes], bytes], piece: int
) -> None:
    fault_server.serve(
        "/z", Reply(200, encode(BODY * 50), {"Content-Encoding": encoding}, chunk_size=piece)
    )
    client = make_client()
    try:
        reply = await client.get(f"{fault_server.url}/z", source="test")
    finally:
        await client.aclose()
    assert isinstance(reply, HttpReply) and reply.content == BODY * 50
    assert fault_server.requests[0].headers["accept-encoding"] == "gzip, deflate"


@pytest.mark.parametrize(
    ("body", "encoding", "message"),
    [
        (b"not gzip at all", "gzip", "test sent a compressed reply that could not be"),
        (gzip.compress(BODY)[:-12], "gzip", "test sent a compressed reply that could not be"),
        (BODY, "br", "test sent its reply in an encoding it was not asked for (br)"),
        (BODY, "gzip, gzip", "in an encoding it was not asked for (gzip, gzip)"),
    ],
    ids=["not gzip", "gzip cut short", "brotli", "twice gzipped"],
)
async def test_undecodable_replies_fail_unretried(
    fault_server: FaultServer, body: bytes, encoding: str, message: str
) -> None:
    fault_server.serve("/z", Reply(200, body, {"Content-Encoding": encoding}))
    client = make_client()
    try:
        outcome = await client.get(f"{fault_server.url}/z", source="test")
    finally:
        await client.aclose()
    assert isinstance(outcome, Failed) and outcome.kind is FailureKind.HTTP
    assert message in outcome.message
    assert len(fault_server.requests) == 1


@pytest.mark.parametrize("hostile", [drip(BODY, 0.05), silent()], ids=["drip", "silent"])
async def test_a_reply_that_never_completes_ends_at_the_deadline_unretried(
    fault_server: FaultServer, hostile: Reply
) -> None:
    """No single read waits longer than the read timeout (10 s), yet the whole attempt is cut
    at the request deadline (0.5 s)."""
    fault_server.serve("/stuck", hostile)
    client = make_client(QUICK)
    started = time.perf_counter()
    try:
        outcome = await bounded_get(client, f"{fault_server.url}/stuck", source="yahoo")
    finally:
        await client.aclose()
    assert isinstance(outcome, Failed) and outcome.kind is FailureKind.TIMEOUT
    assert outcome.message == "yahoo (127.0.0.1) sent no complete reply within 0.5 s"
    assert 0.5 <= time.perf_counter() - started < 3
    assert len(fault_server.requests) == 1


async def test_the_deadline_frees_the_slots_of_stuck_requests(fault_server: FaultServer) -> None:
    """Every slot held by a silent server: the next request goes out once the deadline frees
    one, instead of waiting for as long as the server likes."""
    fault_server.serve("/stuck", silent())
    fault_server.serve("/ok", Reply(200, BODY))
    client = make_client(dataclasses.replace(QUICK, per_host_concurrency=2, retries=0))
    try:
        stuck = [
            asyncio.create_task(client.get(f"{fault_server.url}/stuck", source="yahoo"))
            for _ in range(2)
        ]
        await wait_until(lambda: len(fault_server.requests) == 2, "both slots to be taken")
        reply = await bounded_get(client, f"{fault_server.url}/ok", source="yahoo")
        assert isinstance(reply, HttpReply) and reply.content == BODY
        outcomes = await asyncio.gather(*stuck)
    finally:
        await client.aclose()
    assert all(isinstance(o, Failed) and o.kind is FailureKind.TIMEOUT for o in outcomes)
    assert fault_server.requests[-1].path == "/ok"


async def test_requests_in_flight_too_long_are_overdue(fault_server: FaultServer) -> None:
    """What the status bar needs to say "yahoo ⚠ slow" before the deadline makes it a failure."""
    fault_server.serve("/stuck", silent())
    fault_server.serve("/ok", Reply(200, BODY))
    monotonic = FakeMonotonic()
    settings = HttpSettings(
        read_timeout=10.0,
        request_deadline=10.0,
        retries=0,
        requests_per_minute=6000,
        budget_burst=100,
    )
    client = make_client(settings, monotonic=monotonic)
    try:
        assert client.overdue("yahoo") == 0 and client.oldest_in_flight_s("yahoo") is None
        stuck = [
            asyncio.create_task(client.get(f"{fault_server.url}/stuck", source="yahoo"))
            for _ in range(2)
        ]
        await wait_until(lambda: len(fault_server.requests) == 2, "both requests to arrive")
        monotonic.now += 4.0
        assert client.oldest_in_flight_s("yahoo") == 4.0
        assert client.overdue("yahoo") == 0  # not yet half the 10 s deadline
        monotonic.now += 2.0
        assert client.overdue("yahoo") == 2
        assert client.overdue("yahoo", older_than_s=7.0) == 0
        assert client.overdue("sec") == 0 and client.oldest_in_flight_s("sec") is None
        assert isinstance(await client.get(f"{fault_server.url}/ok", source="yahoo"), HttpReply)
        assert client.overdue("yahoo") == 2  # a quick one alongside changes nothing
        for task in stuck:
            task.cancel()
        await asyncio.gather(*stuck, return_exceptions=True)
        assert client.overdue("yahoo") == 0 and client.oldest_in_flight_s("yahoo") is None
    finally:
        await client.aclose()


async def test_a_redirect_to_another_host_is_not_followed(fault_server: FaultServer) -> None:
    port = fault_server.url.rsplit(":", 1)[1]
    fault_server.serve("/away", redirect(f"http://localhost:{port}/target"))
    fault_server.serve("/target", Reply(200, b"elsewhere"))
    client = make_client()
    try:
        outcome = await client.get(f"{fault_server.url}/away", source="sec", headers=CONTACT)
    finally:
        await client.aclose()
    assert isinstance(outcome, Failed) and outcome.kind is FailureKind.HTTP
    assert outcome.message == f"sec redirected to another host (localhost:{port}); not followed"
    assert fault_server.requests_to("/target") == []
    assert len(fault_server.requests) == 1  # not retried either


async def test_a_redirect_to_another_port_is_not_followed_and_the_contact_stays_home(
    fault_server: FaultServer,
) -> None:
    async with FaultServer() as elsewhere:
        elsewhere.fallback = Reply(200, b"elsewhere")
        fault_server.serve("/away", redirect(f"{elsewhere.url}/target", status=307))
        client = make_client()
        try:
            outcome = await client.get(f"{fault_server.url}/away", source="sec", headers=CONTACT)
        finally:
            await client.aclose()
        assert elsewhere.requests == []
    assert isinstance(outcome, Failed) and "redirected to another host" in outcome.message


def redirecting(moves: dict[str, str]) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    """A mock transport that redirects each URL in ``moves`` and answers 200 elsewhere."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        target = moves.get(str(request.url))
        if target is not None:
            return httpx.Response(301, headers={"Location": target})
        return httpx.Response(200, content=b"arrived")

    return httpx.MockTransport(answer), seen


async def test_a_redirect_from_https_to_http_is_not_followed() -> None:
    transport, seen = redirecting({"https://sec.test/a": "http://sec.test/b"})
    client = make_client(transport=transport)
    try:
        outcome = await client.get("https://sec.test/a", source="sec", headers=CONTACT)
    finally:
        await client.aclose()
    assert isinstance(outcome, Failed)
    assert outcome.message == "sec redirected from https to http; not followed"
    assert [str(request.url) for request in seen] == ["https://sec.test/a"]


async def test_a_redirect_from_http_to_https_on_the_same_host_is_followed() -> None:
    transport, seen = redirecting({"http://sec.test/a": "https://sec.test/a"})
    client = make_client(transport=transport)
    try:
        reply = await client.get("http://sec.test/a", source="sec", headers=CONTACT)
    finally:
        await client.aclose()
    assert isinstance(reply, HttpReply) and reply.url == "https://sec.test/a"
    assert seen[-1].headers["user-agent"] == CONTACT["User-Agent"]


async def test_endless_redirects_stop_after_a_few_hops(fault_server: FaultServer) -> None:
    fault_server.serve("/loop", redirect("/loop"))
    client = make_client()
    try:
        outcome = await bounded_get(client, f"{fault_server.url}/loop", source="yahoo")
    finally:
        await client.aclose()
    assert isinstance(outcome, Failed)
    assert (
        outcome.message
        == f"yahoo redirected more than {MAX_REDIRECTS} times in a row; not followed"
    )
    assert len(fault_server.requests) == MAX_REDIRECTS + 1


def test_the_client_imports_what_a_first_request_needs_when_it_is_built() -> None:
    """The dashboard builds its client in a thread; the imports httpx would otherwise make on
    the first request (its anyio backend, sniffio's answer) must not wait for the event loop."""
    code = (
        "import sys\n"
        "from tui.config import HttpSettings\n"
        "from tui.sources.http import HttpClient\n"
        "HttpClient(HttpSettings())\n"
        "import sniffio\n"
        "print('anyio._backends._asyncio' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "True"
