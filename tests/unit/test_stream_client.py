"""The stream client against loopback servers: ticks, resubscription, symbol changes, faults,
silence, back-off, refused keys, and keys kept out of the log."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from tests.streamserver import ManualClock, StreamServer, eventually, pricing_frame
from tui.sources.streaming import (
    AlpacaCredentials,
    AlpacaStream,
    Backoff,
    FinnhubStream,
    Secret,
    StreamClient,
    StreamPhase,
    StreamProvider,
    StreamState,
    Tick,
    YahooStream,
)

# Tuesday 10 February 2026, 11:00 New York: the market is open.
OPEN = dt.datetime(2026, 2, 10, 16, 0, tzinfo=dt.UTC)
NOW_MS = int(OPEN.timestamp() * 1000)
KEY_ID, SECRET = "PKTESTKEYID0123456789", "s3cr3t-Alpaca-value-xyz"
TOKEN = "finnhub-t0ken-abcdef"


class Recorder:
    """A client with a manual clock, recording ticks and every state change."""

    def __init__(
        self,
        provider: StreamProvider,
        *,
        market_open: bool = True,
        silence_s: float = 60.0,
    ) -> None:
        self.clock = ManualClock(OPEN)
        self.ticks: list[Tick] = []
        self.states: list[StreamState] = []
        self.client = StreamClient(
            provider,
            on_tick=self.ticks.append,
            on_state=self.states.append,
            clock=self.clock,
            market_open=lambda now: market_open,
            silence_s=silence_s,
            backoff=Backoff(base_s=2.0, cap_s=60.0, jitter=0.5),
            rng=random.Random(7),
            proxy=None,
        )

    @property
    def phases(self) -> list[StreamPhase]:
        return [state.phase for state in self.states]

    async def until(self, condition: Callable[[], bool]) -> None:
        await eventually(condition, step=lambda: asyncio.sleep(0.002))


@asynccontextmanager
async def running(recorder: Recorder, symbols: set[str]) -> AsyncIterator[Recorder]:
    recorder.client.subscribe(symbols)
    recorder.client.start()
    try:
        yield recorder
    finally:
        await recorder.client.stop()


async def idle(recorder: Recorder, sleepers: int) -> None:
    """Wait until the client's timers are all waiting on the manual clock."""
    await recorder.until(lambda: recorder.clock.sleepers >= sleepers)


# --- Yahoo ---------------------------------------------------------------------------------------


def yahoo_recorder(server: StreamServer, *, market_open: bool = True) -> Recorder:
    recorder = Recorder(YahooStream(server.url), market_open=market_open)
    server.clock = recorder.clock
    return recorder


async def test_ticks_arrive_and_the_stream_is_live() -> None:
    async with StreamServer("yahoo") as server:
        recorder = yahoo_recorder(server)
        async with running(recorder, {"AAPL", "MSFT"}):
            await server.wait_until(lambda: len(server.received) == 1)
            assert server.messages() == [{"subscribe": ["AAPL", "MSFT"]}]
            assert recorder.client.state.phase is StreamPhase.CONNECTING
            await server.push(pricing_frame("AAPL", 274.5, NOW_MS, change=1.5))
            await server.push(pricing_frame("TSLA", 400.0, NOW_MS))  # not subscribed: dropped
            await server.push(pricing_frame("MSFT", 409.0, NOW_MS))
            await recorder.until(lambda: len(recorder.ticks) == 2)
            assert [(t.symbol, t.price) for t in recorder.ticks] == [
                ("AAPL", 274.5),
                ("MSFT", 409.0),
            ]
            state = recorder.client.state
            assert state.live and state.ticks == 2
            assert state.ticks_per_s == pytest.approx(2 / 5)
            assert state.label(OPEN) == "live 0.4/s"
    assert recorder.client.state.phase is StreamPhase.STOPPED


async def test_the_subscription_is_resent_every_15_seconds() -> None:
    async with StreamServer("yahoo") as server:
        recorder = yahoo_recorder(server)
        async with running(recorder, {"AAPL"}):
            await server.wait_until(lambda: len(server.received) == 1)
            for _ in range(3):
                await idle(recorder, 2)  # the silence watch and the resubscription
                sent = len(server.received)
                recorder.clock.advance(15)
                await server.wait_for_messages(sent + 1)
                await server.push(pricing_frame("AAPL", 1.0, NOW_MS))  # keep the stream alive
            assert [r.at for r in server.received] == [0.0, 15.0, 30.0, 45.0]
            assert server.messages() == [{"subscribe": ["AAPL"]}] * 4
            assert server.connections == 1


async def test_a_new_symbol_set_replaces_the_old_one_while_running() -> None:
    async with StreamServer("yahoo") as server:
        recorder = yahoo_recorder(server)
        async with running(recorder, {"AAPL", "MSFT"}):
            await server.wait_until(lambda: len(server.received) == 1)
            recorder.client.subscribe(["AAPL", "NVDA"])
            await server.wait_until(lambda: len(server.received) == 3)
            assert server.messages()[1:] == [
                {"unsubscribe": ["MSFT"]},
                {"subscribe": ["AAPL", "NVDA"]},
            ]
            await server.push(pricing_frame("MSFT", 409.0, NOW_MS))
            await server.push(pricing_frame("NVDA", 180.0, NOW_MS))
            await recorder.until(lambda: len(recorder.ticks) == 1)
            assert recorder.ticks[0].symbol == "NVDA"
            assert recorder.client.symbols == {"AAPL", "NVDA"}


async def test_garbage_and_truncated_frames_are_skipped_and_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with StreamServer("yahoo") as server:
        recorder = yahoo_recorder(server)
        async with running(recorder, {"AAPL"}):
            await server.wait_until(lambda: len(server.received) == 1)
            good = pricing_frame("AAPL", 274.5, NOW_MS)
            await server.push("garbage{")
            await server.push(good[: len(good) // 2])
            await server.push(b"\x00\xff binary")
            await server.push(good)
            await recorder.until(lambda: len(recorder.ticks) == 1)
            state = recorder.client.state
            assert state.skipped_frames == 3 and state.live
            assert server.connections == 1
    assert "skipped a frame" in caplog.text


async def test_a_dropped_connection_reconnects_after_a_back_off_and_resubscribes() -> None:
    async with StreamServer("yahoo") as server:
        recorder = yahoo_recorder(server)
        async with running(recorder, {"AAPL", "MSFT"}):
            await server.wait_until(lambda: len(server.received) == 1)
            await server.push(pricing_frame("AAPL", 274.5, NOW_MS))
            await recorder.until(lambda: recorder.client.state.live)
            await server.disconnect()
            await recorder.until(lambda: recorder.client.state.phase is StreamPhase.RECONNECTING)
            state = recorder.client.state
            assert state.retry_at is not None
            wait_s = (state.retry_at - recorder.clock.now()).total_seconds()
            assert (
                1.0 <= wait_s <= 2.0
            )  # the first retry after a live connection: base 2 s, jittered
            assert state.label(recorder.clock.now()).startswith("reconnecting in ")
            assert server.connections == 1
            recorder.clock.advance(wait_s)
            await server.wait_until(lambda: server.messages(connection=2) != [])
            assert server.messages(connection=2) == [{"subscribe": ["AAPL", "MSFT"]}]
            await server.push(pricing_frame("MSFT", 409.0, NOW_MS))
            await recorder.until(lambda: recorder.client.state.live)
    assert recorder.phases[:3] == [StreamPhase.CONNECTING, StreamPhase.CONNECTING, StreamPhase.LIVE]
    assert StreamPhase.RECONNECTING in recorder.phases


async def test_silence_while_the_market_is_open_is_a_fault() -> None:
    async with StreamServer("yahoo") as server:
        recorder = yahoo_recorder(server)
        async with running(recorder, {"AAPL"}):
            await server.wait_until(lambda: len(server.received) == 1)
            await server.push(pricing_frame("AAPL", 274.5, NOW_MS))
            await recorder.until(lambda: recorder.client.state.live)
            await idle(recorder, 2)
            recorder.clock.advance(60)
            await recorder.until(lambda: recorder.client.state.phase is StreamPhase.RECONNECTING)
            assert StreamPhase.SILENT in recorder.phases
            silent = next(s for s in recorder.states if s.phase is StreamPhase.SILENT)
            assert silent.detail == "no price for 60s while the market is open"
            assert not silent.live  # the caller polls
            await server.wait_until(lambda: server.open_connections == 0)
            recorder.clock.advance(60)
            await server.wait_until(lambda: server.connections == 2)


async def test_silence_while_the_market_is_closed_is_not_a_fault() -> None:
    async with StreamServer("yahoo") as server:
        recorder = yahoo_recorder(server, market_open=False)
        async with running(recorder, {"AAPL"}):
            await server.wait_until(lambda: len(server.received) == 1)
            for _ in range(4):
                await idle(recorder, 2)
                sent = len(server.received)
                recorder.clock.advance(60)
                await server.wait_for_messages(sent + 1)
            assert StreamPhase.SILENT not in recorder.phases
            assert server.connections == 1


async def test_no_symbols_wanted_means_no_silence_fault() -> None:
    async with StreamServer("yahoo") as server:
        recorder = yahoo_recorder(server)
        async with running(recorder, set()):
            await server.wait_until(lambda: server.open_connections == 1)
            for _ in range(3):
                await idle(recorder, 2)
                recorder.clock.advance(60)
            await idle(recorder, 2)
            assert StreamPhase.SILENT not in recorder.phases
            assert server.connections == 1 and server.received == []


async def test_back_off_grows_while_connections_fail() -> None:
    async with StreamServer("yahoo") as server:
        url = server.url
    recorder = Recorder(YahooStream(url))  # nothing listens there any more
    async with running(recorder, {"AAPL"}):
        waits = []
        for attempt in range(1, 5):
            await until_reconnecting(recorder, attempt)
            state = recorder.client.state
            assert state.retry_at is not None
            waits.append((state.retry_at - recorder.clock.now()).total_seconds())
            assert "cannot reach Yahoo's streamer" in state.detail
            recorder.clock.advance(waits[-1])
    assert all(low * 0.5 <= w <= low for w, low in zip(waits, [4, 8, 16, 32], strict=True))


async def until_reconnecting(recorder: Recorder, times: int) -> None:
    """Wait until the client has gone into RECONNECTING ``times`` times."""

    def count() -> int:
        return sum(1 for s in recorder.states if s.phase is StreamPhase.RECONNECTING)

    await recorder.until(lambda: count() == times)


def test_back_off_is_jittered_and_capped() -> None:
    backoff, rng = Backoff(base_s=1.0, cap_s=60.0, jitter=0.5), random.Random(1)
    for attempt in range(12):
        ceiling = min(60.0, 2.0**attempt)
        assert ceiling / 2 <= backoff.delay(attempt, rng) <= ceiling
    assert len({round(backoff.delay(3, rng), 6) for _ in range(20)}) > 1


async def test_ticks_can_be_read_as_an_async_iterator() -> None:
    async with StreamServer("yahoo") as server:
        recorder = yahoo_recorder(server)
        received: list[Tick] = []

        async def read() -> None:
            async for tick in recorder.client.ticks():
                received.append(tick)

        reader = asyncio.create_task(read())
        async with running(recorder, {"AAPL"}):
            await server.wait_until(lambda: len(server.received) == 1)
            await server.push(pricing_frame("AAPL", 274.5, NOW_MS))
            await recorder.until(lambda: len(received) == 1)
        async with asyncio.timeout(5):
            await reader  # ends when the client stops
        assert received[0].price == 274.5


# --- Alpaca and Finnhub --------------------------------------------------------------------------


def alpaca(server: StreamServer, key_id: str = KEY_ID, secret: str = SECRET) -> Recorder:
    credentials = AlpacaCredentials(Secret(key_id), Secret(secret))
    return Recorder(AlpacaStream(credentials, server.url))


def alpaca_trade(symbol: str, price: float) -> str:
    trade = {"T": "t", "S": symbol, "p": price, "s": 100, "t": "2026-02-10T16:00:01.5Z", "x": "V"}
    return json.dumps([trade])


async def test_alpaca_authenticates_subscribes_and_streams_despite_slow_replies(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    async with StreamServer("alpaca", valid_key=(KEY_ID, SECRET), reply_delay_s=0.2) as server:
        recorder = alpaca(server)
        async with running(recorder, {"AAPL", "MSFT"}):
            await server.wait_until(lambda: len(server.received) == 2)
            auth, subscribe = server.messages()
            assert auth == {"action": "auth", "key": KEY_ID, "secret": SECRET}
            assert subscribe == {"action": "subscribe", "trades": ["AAPL", "MSFT"]}
            await server.push(alpaca_trade("AAPL", 274.61))
            await recorder.until(lambda: len(recorder.ticks) == 1)
            assert not recorder.ticks[0].volume_is_consolidated
            recorder.client.subscribe({"AAPL"})
            await server.wait_until(lambda: len(server.received) == 3)
            assert server.messages()[2] == {"action": "unsubscribe", "trades": ["MSFT"]}
    assert KEY_ID not in caplog.text and SECRET not in caplog.text


async def test_alpaca_refused_key_fails_in_plain_words_and_is_not_retried(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    async with StreamServer("alpaca", valid_key=(KEY_ID, SECRET)) as server:
        recorder = alpaca(server, secret="wrong-secret-value-123")
        recorder.client.subscribe({"AAPL"})
        async with asyncio.timeout(5):
            await recorder.client.run()  # returns: a wrong key is not worth retrying
        state = recorder.client.state
        assert state.phase is StreamPhase.FAILED
        assert state.detail == "Alpaca refused the key (auth failed)"
        assert server.connections == 1
        await recorder.client.stop()
        assert recorder.client.state.phase is StreamPhase.FAILED
    assert "wrong-secret-value-123" not in caplog.text and KEY_ID not in caplog.text
    assert "refused" in caplog.text


async def test_finnhub_streams_trades_with_a_good_token(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with StreamServer("finnhub", valid_key=(TOKEN,)) as server:
        recorder = Recorder(FinnhubStream(Secret(TOKEN), server.url.rstrip("/")))
        async with running(recorder, {"AAPL", "TSLA"}):
            await server.wait_until(lambda: len(server.received) == 2)
            assert server.messages() == [
                {"type": "subscribe", "symbol": "AAPL"},
                {"type": "subscribe", "symbol": "TSLA"},
            ]
            trade = '{"type":"trade","data":[{"s":"AAPL","p":274.6,"t":1770739201000,"v":3}]}'
            await server.push(trade)
            await recorder.until(lambda: len(recorder.ticks) == 1)
            assert recorder.ticks[0].size == 3.0
    assert TOKEN not in caplog.text


async def test_finnhub_refused_token_fails_in_plain_words(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with StreamServer("finnhub", valid_key=(TOKEN,)) as server:
        recorder = Recorder(FinnhubStream(Secret("bad-token-987"), server.url.rstrip("/")))
        recorder.client.subscribe({"AAPL"})
        async with asyncio.timeout(5):
            await recorder.client.run()
        assert recorder.client.state.phase is StreamPhase.FAILED
        assert recorder.client.state.detail == "Finnhub refused the key (HTTP 401)"
        assert server.refused == 1
    assert "bad-token-987" not in caplog.text


async def test_garbage_during_the_handshake_reconnects_instead_of_crashing() -> None:
    async with StreamServer("yahoo") as server:  # says nothing, so the test speaks for it
        recorder = alpaca(server)
        async with running(recorder, {"AAPL"}):
            await server.wait_until(lambda: server.open_connections == 1)
            await server.push("garbage{")
            await until_reconnecting(recorder, 1)
            assert recorder.client.state.detail.startswith("Alpaca: not JSON")
            assert recorder.client.state.phase is StreamPhase.RECONNECTING
