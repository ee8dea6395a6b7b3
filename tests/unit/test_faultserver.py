"""The fault-injecting test server does what it promises (other test modules rely on it)."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests import faultserver
from tests.faultserver import (
    FaultServer,
    RecordedRequest,
    Reply,
    failing,
    json_reply,
    rate_limited,
    reset_mid_body,
    server_error,
    slow,
    truncated,
)

pytestmark = pytest.mark.timeout(20)
fault_server = faultserver.fault_server

BODY = b"0123456789" * 20


async def raw_exchange(server: FaultServer, path: str) -> bytes:
    """Send one request on a fresh socket and read until the server closes it."""
    reader, writer = await asyncio.open_connection("127.0.0.1", int(server.url.rsplit(":", 1)[1]))
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        await writer.drain()
        return await asyncio.wait_for(reader.read(-1), timeout=5)
    finally:
        writer.close()


async def test_script_is_consumed_in_order_then_default_then_fallback(
    fault_server: FaultServer,
) -> None:
    fault_server.script("/a", Reply(201, b"first"), Reply(202, b"second"))
    fault_server.serve("/a", Reply(200, b"default"))
    async with httpx.AsyncClient(base_url=fault_server.url) as client:
        replies = [await client.get("/a") for _ in range(4)]
        unknown = await client.get("/elsewhere")
    assert [(r.status_code, r.content) for r in replies] == [
        (201, b"first"),
        (202, b"second"),
        (200, b"default"),
        (200, b"default"),
    ]
    assert unknown.status_code == 404


async def test_requests_are_logged_with_decoded_path_query_headers_and_time(
    fault_server: FaultServer,
) -> None:
    before = time.monotonic()
    async with httpx.AsyncClient(base_url=fault_server.url) as client:
        await client.get("/v8/%5EGSPC", params={"range": "1d"}, headers={"X-Probe": "yes"})
        await client.get("/other")
    first, second = fault_server.requests
    assert first.method == "GET"
    assert first.path == "/v8/^GSPC"
    assert first.query == {"range": "1d"}
    assert first.headers["x-probe"] == "yes"
    assert before <= first.time <= second.time <= time.monotonic()
    assert fault_server.requests_to("/other") == [second]


async def test_a_responder_sees_the_request(fault_server: FaultServer) -> None:
    def echo(request: RecordedRequest) -> Reply:
        return Reply(200, request.query["word"].encode())

    fault_server.serve("/echo", echo)
    async with httpx.AsyncClient(base_url=fault_server.url) as client:
        reply = await client.get("/echo", params={"word": "hello"})
    assert reply.content == b"hello"


async def test_a_broken_responder_answers_500(fault_server: FaultServer) -> None:
    def broken(request: RecordedRequest) -> Reply:
        raise KeyError("missing")

    fault_server.serve("/broken", broken)
    async with httpx.AsyncClient(base_url=fault_server.url) as client:
        reply = await client.get("/broken")
    assert reply.status_code == 500
    assert b"KeyError" in reply.content


async def test_helpers_build_the_replies_they_name(fault_server: FaultServer) -> None:
    fault_server.script(
        "/h", json_reply({"a": 1}), rate_limited("30"), rate_limited(), *failing(1, Reply(204))
    )
    async with httpx.AsyncClient(base_url=fault_server.url) as client:
        replies = [await client.get("/h") for _ in range(4)]
    assert replies[0].json() == {"a": 1}
    assert replies[0].headers["content-type"].startswith("application/json")
    assert (replies[1].status_code, replies[1].headers["retry-after"]) == (429, "30")
    assert replies[2].status_code == 429 and "retry-after" not in replies[2].headers
    assert [r.status_code for r in replies[3:]] == [500]
    assert server_error(503).status == 503


async def test_latency_delays_every_reply() -> None:
    async with (
        FaultServer(latency_s=0.05) as server,
        httpx.AsyncClient(base_url=server.url) as client,
    ):
        server.serve("/x", Reply(200, b"ok"))
        started = time.perf_counter()
        for _ in range(3):
            await client.get("/x")
        assert time.perf_counter() - started >= 0.15


async def test_slow_headers_exceed_a_short_read_timeout(fault_server: FaultServer) -> None:
    fault_server.serve("/slow", slow(BODY, before_headers_s=2.0))
    async with httpx.AsyncClient(base_url=fault_server.url, timeout=0.2) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.get("/slow")


async def test_slow_body_chunks_exceed_a_short_read_timeout(fault_server: FaultServer) -> None:
    fault_server.serve("/drip", slow(BODY, between_chunks_s=1.0))
    async with httpx.AsyncClient(base_url=fault_server.url, timeout=0.2) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.get("/drip")


async def test_slow_body_chunks_arrive_whole_when_patient(fault_server: FaultServer) -> None:
    fault_server.serve("/drip", slow(BODY, between_chunks_s=0.001))
    async with httpx.AsyncClient(base_url=fault_server.url, timeout=2) as client:
        reply = await client.get("/drip")
    assert reply.content == BODY


async def test_truncated_body_announces_more_than_it_sends(fault_server: FaultServer) -> None:
    fault_server.serve("/cut", truncated(BODY))
    raw = await raw_exchange(fault_server, "/cut")
    head, _, body = raw.partition(b"\r\n\r\n")
    assert f"Content-Length: {len(BODY)}".encode() in head
    assert body == BODY[: len(BODY) // 2]
    async with httpx.AsyncClient(base_url=fault_server.url) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get("/cut")


async def test_reset_mid_body_resets_the_connection(fault_server: FaultServer) -> None:
    fault_server.serve("/reset", reset_mid_body(BODY))
    with pytest.raises(ConnectionResetError):
        await raw_exchange(fault_server, "/reset")
    async with httpx.AsyncClient(base_url=fault_server.url) as client:
        with pytest.raises(httpx.ReadError):
            await client.get("/reset")


async def test_connections_are_kept_alive_between_requests(fault_server: FaultServer) -> None:
    fault_server.serve("/k", Reply(200, b"ok"))
    async with httpx.AsyncClient(base_url=fault_server.url) as client:
        for _ in range(3):
            await client.get("/k")
    assert len(fault_server.requests) == 3
    assert fault_server.connections_accepted == 1


async def test_max_in_flight_measures_concurrent_requests() -> None:
    async with FaultServer(latency_s=0.1) as server:
        server.serve("/c", Reply(200, b"ok"))
        async with httpx.AsyncClient(base_url=server.url) as client:
            await asyncio.gather(*(client.get("/c") for _ in range(5)))
            assert server.max_in_flight == 5
            await client.get("/c")
        assert server.max_in_flight == 5


async def test_stop_cuts_replies_still_pending() -> None:
    server = FaultServer()
    await server.start()
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        arrived = asyncio.Event()

        def hang(request: RecordedRequest) -> Reply:
            arrived.set()
            return slow(b"x", before_headers_s=60)

        server.serve("/forever", hang)
        pending = asyncio.create_task(client.get("/forever"))
        await asyncio.wait_for(arrived.wait(), timeout=5)
        started = time.perf_counter()
        await server.stop()
        with pytest.raises(httpx.HTTPError):
            await pending
    assert time.perf_counter() - started < 2
    with pytest.raises(RuntimeError):
        _ = server.url
