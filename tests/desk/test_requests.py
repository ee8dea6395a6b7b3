"""On-demand symbols through a real nats-server: answers, limits, refusals in plain words."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client
from polars.testing import assert_frame_equal

from tests import natsserver
from tests.desk.helpers import AS_OF, FAST, OK, SCHEMAS, bars_frame, quotes_frame, wait_until
from tui.desk.link import LinkState
from tui.desk.options import NatsOptions
from tui.desk.publisher import FramePublisher
from tui.desk.service import (
    RateLimit,
    ReplyFrame,
    RequestFailed,
    RequestRefused,
    SymbolRequest,
    SymbolService,
    request_symbols,
)
from tui.desk.watcher import FrameWatcher

nats_server = natsserver.nats_server


async def quotes_for(request: SymbolRequest) -> Sequence[ReplyFrame]:
    """A feed's handler: quotes for the symbols asked for."""
    frame = quotes_frame(*request.symbols)
    return [ReplyFrame("quotes", frame, AS_OF, AS_OF, "demo", OK, {"ZZZZ": "not found"})]


@pytest.fixture
async def client(nats_server: natsserver.NatsServer) -> AsyncIterator[Client]:
    connection = await nats.connect(nats_server.url)
    yield connection
    await connection.close()


async def test_a_monitor_gets_the_symbols_it_asks_for(
    nats_server: natsserver.NatsServer, client: Client
) -> None:
    seen: list[SymbolRequest] = []

    async def handler(request: SymbolRequest) -> Sequence[ReplyFrame]:
        seen.append(request)
        return await quotes_for(request)

    async with SymbolService(NatsOptions(nats_server.url), handler, backoff=FAST) as service:
        assert await service.wait_connected(10)
        updates = await request_symbols(
            client, ["nvda", "TSM"], schemas=SCHEMAS, jobs=["quotes"], client_name="desk 3 — ü"
        )
    assert [update.job for update in updates] == ["quotes"]
    assert_frame_equal(updates[0].frame, quotes_frame("NVDA", "TSM"))
    assert updates[0].meta.problems == {"ZZZZ": "not found"}
    assert seen[0].symbols == ("NVDA", "TSM")  # checked and upper-cased like config symbols
    assert seen[0].jobs == ("quotes",)
    assert seen[0].client_name == "desk 3 — ü"
    assert seen[0].client.startswith("_INBOX.")


async def test_a_burst_is_refused_politely_per_client(nats_server: natsserver.NatsServer) -> None:
    rate = RateLimit(burst=3, per_s=0.2)
    service = SymbolService(NatsOptions(nats_server.url), quotes_for, rate=rate, backoff=FAST)
    async with service:
        assert await service.wait_connected(10)
        greedy = await nats.connect(nats_server.url)
        polite = await nats.connect(nats_server.url)
        try:
            for _ in range(3):
                await request_symbols(greedy, ["AAPL"], schemas=SCHEMAS)
            with pytest.raises(RequestRefused) as refused:
                await request_symbols(greedy, ["AAPL"], schemas=SCHEMAS)
            # Another monitor has its own allowance.
            assert len(await request_symbols(polite, ["AAPL"], schemas=SCHEMAS)) == 1
        finally:
            await greedy.close()
            await polite.close()
    message = str(refused.value)
    assert message.startswith("too many requests from this monitor (at most 3 at once, then ")
    assert "one every 5 s); try again in " in message
    assert refused.value.retry_after_s is not None
    assert 0 < refused.value.retry_after_s <= 5.0


async def test_a_slow_feed_times_out_on_the_client_side(
    nats_server: natsserver.NatsServer, client: Client
) -> None:
    release = asyncio.Event()

    async def stuck(request: SymbolRequest) -> Sequence[ReplyFrame]:
        await release.wait()
        return []

    async with SymbolService(NatsOptions(nats_server.url), stuck, backoff=FAST) as service:
        assert await service.wait_connected(10)
        with pytest.raises(RequestFailed, match=r"^the feed did not answer within 0.5 s$"):
            await request_symbols(client, ["AAPL"], schemas=SCHEMAS, timeout_s=0.5)
        release.set()


async def test_no_feed_is_said_in_plain_words(client: Client) -> None:
    with pytest.raises(RequestFailed) as failed:
        await request_symbols(client, ["AAPL"], schemas=SCHEMAS, timeout_s=2)
    expected = "no feed answers on tapewatch.request.symbols: is `tapewatch feed` running?"
    assert str(failed.value) == expected


async def test_a_feed_that_subscribes_a_moment_late_is_asked_again(
    nats_server: natsserver.NatsServer, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = SymbolService(NatsOptions(nats_server.url), quotes_for, backoff=FAST)

    started: list[bool] = []

    async def feed_comes_up() -> None:  # in the pause before the next try
        if not started:
            started.append(True)
            service.start()
            assert await service.wait_connected(10)

    monkeypatch.setattr("tui.desk.service._before_asking_again", feed_comes_up)
    try:
        updates = await request_symbols(client, ["AAPL"], schemas=SCHEMAS)
    finally:
        await service.aclose()
    assert updates[0].frame.get_column("symbol").to_list() == ["AAPL"]


async def test_a_reply_over_the_limit_is_refused_with_what_to_do(
    nats_server: natsserver.NatsServer, client: Client
) -> None:
    async def whole_market(request: SymbolRequest) -> Sequence[ReplyFrame]:
        return [ReplyFrame("daily", bars_frame(5000), AS_OF, AS_OF, "demo", OK)]

    service = SymbolService(
        NatsOptions(nats_server.url), whole_market, max_reply_bytes=50_000, backoff=FAST
    )
    async with service:
        assert await service.wait_connected(10)
        with pytest.raises(RequestRefused) as refused:
            await request_symbols(client, ["SPY", "QQQ"], schemas=SCHEMAS)
    message = str(refused.value)
    assert message.startswith("the answer for 2 symbols is ")
    assert message.endswith(
        "bytes, over the 50,000 a reply may carry: ask for fewer symbols at a time"
    )


async def test_a_reply_never_exceeds_the_servers_max_payload(tmp_path: Path) -> None:
    async def whole_market(request: SymbolRequest) -> Sequence[ReplyFrame]:
        return [ReplyFrame("daily", bars_frame(2000), AS_OF, AS_OF, "demo", OK)]

    with natsserver.NatsServer(tmp_path, max_payload=16384) as server:
        async with SymbolService(NatsOptions(server.url), whole_market, backoff=FAST) as service:
            assert await service.wait_connected(10)
            client = await nats.connect(server.url)
            try:
                with pytest.raises(RequestRefused, match="over the 14,336 a reply may carry"):
                    await request_symbols(client, ["SPY"], schemas=SCHEMAS)
            finally:
                await client.close()


@pytest.mark.parametrize(
    ("symbols", "reason"),
    [
        (["AAPL; rm -rf /"], "`AAPL; rm -rf /` is not a ticker symbol"),
        ([f"S{index}" for index in range(51)], "51 symbols asked for; at most 50 at a time"),
        ([], "no symbols asked for"),
    ],
)
async def test_a_bad_request_is_refused_with_the_reason(
    nats_server: natsserver.NatsServer, client: Client, symbols: list[str], reason: str
) -> None:
    async with SymbolService(NatsOptions(nats_server.url), quotes_for, backoff=FAST) as service:
        assert await service.wait_connected(10)
        with pytest.raises(RequestRefused) as refused:
            await request_symbols(client, symbols, schemas=SCHEMAS)
    assert reason in str(refused.value)


async def test_a_failing_handler_answers_with_its_failure(
    nats_server: natsserver.NatsServer, client: Client
) -> None:
    async def broken(request: SymbolRequest) -> Sequence[ReplyFrame]:
        raise ConnectionError("yahoo is unreachable")

    async with SymbolService(NatsOptions(nats_server.url), broken, backoff=FAST) as service:
        assert await service.wait_connected(10)
        with pytest.raises(RequestFailed, match=r"^the feed failed to fetch AAPL: yahoo is unre"):
            await request_symbols(client, ["AAPL"], schemas=SCHEMAS)


async def test_a_watcher_asks_over_its_own_connection(nats_server: natsserver.NatsServer) -> None:
    options = NatsOptions(nats_server.url)
    async with (
        FramePublisher(options, backoff=FAST) as publisher,
        SymbolService(options, quotes_for, backoff=FAST) as service,
    ):
        assert await publisher.wait_connected(10)  # creates the bucket the watcher waits for
        assert await service.wait_connected(10)
        async with FrameWatcher(options, schemas=SCHEMAS, backoff=FAST) as watcher:
            await wait_until(lambda: watcher.status.state is LinkState.CONNECTED, "connected")
            updates = await watcher.request_symbols(["ORCL"])
            assert updates[0].frame.get_column("symbol").to_list() == ["ORCL"]
        with pytest.raises(RequestFailed, match=r"^not connected: disconnected from nats://"):
            await watcher.request_symbols(["ORCL"])
