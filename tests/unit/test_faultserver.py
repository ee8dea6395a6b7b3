"""The fault-injecting test server does what it promises (other test modules rely on it)."""

from __future__ import annotations

import asyncio
import gzip
import struct
import time
import zlib

import httpx
import pytest

from tests import faultserver
from tests.faultserver import (
    FaultServer,
    RecordedRequest,
    Reply,
    drip,
    endless,
    failing,
    gzip_bomb,
    gzip_zeros,
    huge_content_length,
    json_reply,
    open_connections,
    rate_limited,
    redirect,
    reset_mid_body,
    server_error,
    silent,
    slow,
    truncated,
    wait_until,
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


# --- hostile modes -------------------------------------------------------------------------------


async def read_head_and_some_body(
    server: FaultServer, path: str, body_bytes: int
) -> tuple[bytes, bytes]:
    """Send one request, read its head and ``body_bytes`` of body, then hang up."""
    reader, writer = await asyncio.open_connection("127.0.0.1", int(server.url.rsplit(":", 1)[1]))
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
        body = await asyncio.wait_for(reader.readexactly(body_bytes), timeout=5)
        return head, body
    finally:
        writer.close()


async def test_endless_sends_chunks_until_the_client_hangs_up(fault_server: FaultServer) -> None:
    fault_server.serve("/endless", endless())
    head, body = await read_head_and_some_body(fault_server, "/endless", 3_000_000)
    assert b"Transfer-Encoding: chunked" in head and b"Content-Length" not in head
    assert body.startswith(b"10000\r\n" + b"x" * 100)  # 64 KiB chunks of filler
    await wait_until(lambda: open_connections(fault_server) == 0, "the server to hang up too")
    assert fault_server.body_bytes_sent >= 2_900_000


async def test_stop_ends_an_endless_reply_being_read() -> None:
    server = FaultServer()
    await server.start()
    server.serve("/endless", endless())
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:

        async def read_forever() -> None:
            async with client.stream("GET", "/endless") as response:
                async for _ in response.aiter_raw():
                    pass

        reading = asyncio.create_task(read_forever())
        await wait_until(lambda: server.body_bytes_sent >= 1_000_000, "1 MB to be read")
        started = time.perf_counter()
        await server.stop()
        with pytest.raises(httpx.HTTPError):
            await asyncio.wait_for(reading, timeout=5)
    assert time.perf_counter() - started < 2


async def test_huge_content_length_is_announced_and_streamed(fault_server: FaultServer) -> None:
    fault_server.serve("/huge", huge_content_length())
    head, body = await read_head_and_some_body(fault_server, "/huge", 1_000_000)
    assert b"Content-Length: 524288000" in head
    assert body == b"x" * 1_000_000


async def test_huge_content_length_stops_at_the_announced_length(
    fault_server: FaultServer,
) -> None:
    fault_server.serve("/huge", huge_content_length(100_000))
    async with httpx.AsyncClient(base_url=fault_server.url) as client:
        reply = await client.get("/huge")
    assert reply.content == b"x" * 100_000


def test_a_gzip_bomb_is_small_on_the_wire_and_inflates_to_its_size() -> None:
    assert gzip.decompress(gzip_zeros(8 << 20)) == bytes(8 << 20)
    bomb = gzip_bomb()
    assert bomb.headers == {"Content-Encoding": "gzip"}
    assert len(bomb.body) < 1_100_000  # about 1 MB on the wire...
    assert struct.unpack("<I", bomb.body[-4:]) == (1 << 30,)  # ...for 1 GiB inflated
    assert len(zlib.decompressobj(31).decompress(bomb.body[:100_000])) > 90 << 20
    with pytest.raises(ValueError):
        gzip_zeros(1000)


async def test_a_gzip_bomb_is_sent_as_gzip(fault_server: FaultServer) -> None:
    fault_server.serve("/bomb", gzip_bomb(4 << 20))
    async with httpx.AsyncClient(base_url=fault_server.url) as client:
        reply = await client.get("/bomb")
    assert reply.headers["content-encoding"] == "gzip"
    assert reply.content == bytes(4 << 20)  # httpx inflates it


async def test_drip_sends_one_byte_per_interval(fault_server: FaultServer) -> None:
    fault_server.serve("/drip", drip(b"0123456789", interval_s=0.02))
    arrivals: list[float] = []
    async with (
        httpx.AsyncClient(base_url=fault_server.url) as client,
        client.stream("GET", "/drip") as response,
    ):
        body = b""
        async for piece in response.aiter_raw():
            body += piece
            arrivals.append(time.perf_counter())
    assert body == b"0123456789"
    assert len(arrivals) >= 5 and arrivals[-1] - arrivals[0] >= 0.1


async def test_silent_reads_the_request_and_never_answers(fault_server: FaultServer) -> None:
    fault_server.serve("/silent", silent())
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", int(fault_server.url.rsplit(":", 1)[1])
    )
    try:
        writer.write(b"GET /silent HTTP/1.1\r\nHost: x\r\n\r\n")
        await writer.drain()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(reader.read(1), timeout=0.3)
        assert [request.path for request in fault_server.requests] == ["/silent"]
        started = time.perf_counter()
        await fault_server.stop()
        assert await asyncio.wait_for(reader.read(1), timeout=2) == b""
        assert time.perf_counter() - started < 2
    finally:
        writer.close()


async def test_redirect_points_anywhere(fault_server: FaultServer) -> None:
    fault_server.serve("/away", redirect("https://elsewhere.example/x", status=301))
    async with httpx.AsyncClient(base_url=fault_server.url) as client:
        reply = await client.get("/away")
    assert reply.status_code == 301
    assert reply.headers["location"] == "https://elsewhere.example/x"
