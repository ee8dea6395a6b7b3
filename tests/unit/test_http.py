"""The shared HTTP client against the fault-injecting server (and a few mock transports)."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
import random
import socket
import ssl

import httpx
import pytest

from tests import faultserver
from tests.faultserver import (
    FaultServer,
    Reply,
    failing,
    rate_limited,
    reset_mid_body,
    server_error,
    slow,
    truncated,
)
from tui.config import HttpSettings
from tui.sources.base import Failed, FailureKind
from tui.sources.http import (
    BACKOFF_BASE_S,
    BACKOFF_CAP_S,
    RETRY_AFTER_DEFAULT_S,
    RETRY_AFTER_MAX_S,
    RETRY_AFTER_MIN_S,
    HttpClient,
    HttpReply,
    redact_url,
    retry_after_seconds,
)

pytestmark = pytest.mark.timeout(30)
fault_server = faultserver.fault_server

BODY = b'{"ok": true, "padding": "' + b"x" * 400 + b'"}'
T0 = dt.datetime(2026, 2, 10, 15, 0, tzinfo=dt.UTC)
SETTINGS = HttpSettings(connect_timeout=1.0, read_timeout=0.2, per_host_concurrency=8, retries=2)


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


def make_client(
    settings: HttpSettings = SETTINGS,
    *,
    clock: FakeClock | None = None,
    sleep: RecordingSleep | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> HttpClient:
    return HttpClient(
        settings,
        transport=transport,
        clock=clock or FakeClock(),
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


async def test_redirects_are_followed(fault_server: FaultServer) -> None:
    fault_server.serve("/old", Reply(302, b"", {"Location": "/new"}))
    fault_server.serve("/new", Reply(200, b"moved"))
    client = make_client()
    try:
        reply = await client.get(f"{fault_server.url}/old", source="test")
    finally:
        await client.aclose()
    assert isinstance(reply, HttpReply) and reply.content == b"moved"


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
    settings = HttpSettings(retries=10)
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
    client = make_client(HttpSettings(retries=0))
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
        assert client.circuit_until(host) == first.retry_at
        assert len(fault_server.requests) == 1  # a 429 is not retried

        clock.advance(119)
        for path in ("/q", "/other"):  # the whole host is closed, not just the path
            blocked = await client.get(f"{fault_server.url}{path}", source="yahoo")
            assert isinstance(blocked, Failed)
            assert (blocked.kind, blocked.retry_at) == (FailureKind.RATE_LIMITED, first.retry_at)
        assert len(fault_server.requests) == 1

        clock.advance(1)
        assert client.circuit_until(host) is None
        again = await client.get(f"{fault_server.url}/q", source="yahoo")
        assert isinstance(again, HttpReply)
        assert len(fault_server.requests) == 2
    finally:
        await client.aclose()


async def test_requests_queued_behind_a_429_are_not_sent() -> None:
    settings = HttpSettings(per_host_concurrency=1, retries=0)
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
    settings = HttpSettings(per_host_concurrency=4, retries=0)
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


async def test_a_paced_host_gets_no_more_than_its_rate(fault_server: FaultServer) -> None:
    """The SEC asks for at most 10 requests a second: concurrent requests are spaced out."""
    fault_server.serve("/p", Reply(200, BODY))
    client = make_client()
    try:
        replies = await asyncio.gather(
            *(client.get(f"{fault_server.url}/p", source="sec", per_second=20) for _ in range(6))
        )
    finally:
        await client.aclose()
    assert all(isinstance(reply, HttpReply) for reply in replies)
    times = sorted(request.time for request in fault_server.requests)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert len(times) == 6 and min(gaps) >= 0.045  # 1/20 s, less timer slack


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
    settings = HttpSettings(per_host_concurrency=2, retries=3)
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
    client = make_client(HttpSettings(read_timeout=10))
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
