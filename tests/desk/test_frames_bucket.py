"""Frames through a real nats-server: the bucket, chunking, the watcher, and recovery from a
server that is killed and started again."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import nats
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import tui.desk.publisher
from tests import natsserver
from tests.desk.helpers import (
    AS_OF,
    FAST,
    OK,
    SCHEMAS,
    bars_frame,
    next_within,
    publish_raw,
    quotes_frame,
    wait_until,
)
from tui.desk.bucket import CHUNK_KEY_PREFIX, key_subject, stream_name
from tui.desk.frames import FrameMeta, FrameRejected, encode_frame
from tui.desk.link import LinkState, LinkStatus
from tui.desk.options import DEFAULT_BUCKET, NatsOptions
from tui.desk.publisher import FramePublisher, PublishReceipt
from tui.desk.ticks import Tick
from tui.desk.watcher import FrameWatcher, TickWatcher
from tui.models import SourceHealth

nats_server = natsserver.nats_server


async def _publish(
    publisher: FramePublisher, job: str, frame: pl.DataFrame, **extra: Any
) -> PublishReceipt:
    fields: dict[str, Any] = {
        "as_of": AS_OF,
        "fetched_at": AS_OF,
        "source": "demo",
        "health": OK,
    }
    fields.update(extra)
    return await publisher.publish(job, frame, **fields)


async def test_a_watcher_gets_every_dataset_at_once_then_each_update(
    nats_server: natsserver.NatsServer,
) -> None:
    options = NatsOptions(nats_server.url)
    async with FramePublisher(options, backoff=FAST) as publisher:
        assert await publisher.wait_connected(10), publisher.status.describe()
        quotes = quotes_frame("AAPL", "MSFT")
        daily = bars_frame(300)
        health = SourceHealth(name="yahoo", state="retrying", until=AS_OF, detail="HTTP 503 — ✗")
        assert (await _publish(publisher, "quotes", quotes, problems={"ZZZZ": "not found"})).sent
        assert (await _publish(publisher, "daily", daily, source="yahoo", health=health)).sent

        async with FrameWatcher(options, schemas=SCHEMAS, backoff=FAST) as watcher:
            updates = aiter(watcher)
            first = {update.job: update for update in [await next_within(updates) for _ in "ab"]}
            assert set(first) == {"quotes", "daily"}
            assert_frame_equal(first["quotes"].frame, quotes)
            assert first["quotes"].meta.problems == {"ZZZZ": "not found"}
            assert first["quotes"].as_of == AS_OF
            assert first["quotes"].source == "demo"
            assert_frame_equal(first["daily"].frame, daily)
            assert first["daily"].health == health  # the detail's non-ASCII text survives

            newer = quotes_frame("AAPL", "MSFT", last=250.0)
            receipt = await _publish(publisher, "quotes", newer)
            update = await next_within(updates)
            assert update.job == "quotes"
            assert update.revision == receipt.revision
            assert_frame_equal(update.frame, newer)
            assert update.published_at >= first["quotes"].published_at


async def test_a_frame_over_max_payload_is_chunked_and_read_back_whole(tmp_path: Path) -> None:
    with natsserver.NatsServer(tmp_path, max_payload=8192) as server:
        options = NatsOptions(server.url)
        async with FramePublisher(options, backoff=FAST) as publisher:
            assert await publisher.wait_connected(10)
            big = bars_frame(4000)  # about 160 KB on the wire: twenty-odd times max_payload
            receipt = await _publish(publisher, "daily", big)
            assert receipt.sent, receipt.detail
            assert receipt.body_bytes > 10 * 8192
            assert receipt.chunks >= 10

            async with FrameWatcher(options, schemas=SCHEMAS, backoff=FAST) as watcher:
                update = await next_within(aiter(watcher))
                assert update.job == "daily"
                assert_frame_equal(update.frame, big)

                # A smaller frame afterwards: inline, and the big one's chunk keys are purged.
                small = bars_frame(10, seed=2)
                assert (await _publish(publisher, "daily", small)).chunks == 0
                update = await next_within(aiter(watcher))
                assert_frame_equal(update.frame, small)

            client = await nats.connect(server.url)
            try:
                info = await client.jetstream().stream_info(
                    stream_name(DEFAULT_BUCKET),
                    subjects_filter=key_subject(DEFAULT_BUCKET, f"{CHUNK_KEY_PREFIX}>"),
                )
                # Purged keys keep only their purge marker: no chunk bytes are left.
                assert len(info.state.subjects or {}) == receipt.chunks
                for index in range(receipt.chunks):
                    subject = key_subject(DEFAULT_BUCKET, f"{CHUNK_KEY_PREFIX}daily.{index}")
                    message = await client.jetstream().get_msg(
                        stream_name(DEFAULT_BUCKET), subject=subject, direct=True
                    )
                    assert not message.data
            finally:
                await client.close()


async def test_a_frame_with_the_wrong_schema_is_rejected_not_yielded(
    nats_server: natsserver.NatsServer,
) -> None:
    options = NatsOptions(nats_server.url)
    rejected: list[FrameRejected] = []
    async with FramePublisher(options, backoff=FAST) as publisher:
        assert await publisher.wait_connected(10)
        # "quotes" with the columns of bars: what an out-of-date or buggy feed might send.
        assert (await _publish(publisher, "quotes", bars_frame(5))).sent
        async with FrameWatcher(
            options, schemas=SCHEMAS, backoff=FAST, on_rejected=rejected.append
        ) as watcher:
            next_update = asyncio.create_task(next_within(aiter(watcher)))
            await wait_until(lambda: bool(rejected), "the bad frame to be rejected")
            assert rejected[0].job == "quotes"
            assert "do not match the quotes schema" in rejected[0].reason
            assert "missing symbol" not in rejected[0].reason  # it has symbol; it lacks `last`
            assert "missing" in rejected[0].reason and "last" in rejected[0].reason
            assert not next_update.done()

            good = quotes_frame("AAPL")
            await _publish(publisher, "quotes", good)
            update = await next_update  # the bad one was never yielded
            assert_frame_equal(update.frame, good)


async def test_a_frame_of_another_format_version_is_rejected_in_plain_words(
    nats_server: natsserver.NatsServer,
) -> None:
    options = NatsOptions(nats_server.url)
    rejected: list[FrameRejected] = []
    async with FramePublisher(options, backoff=FAST) as publisher:
        assert await publisher.wait_connected(10)  # creates the bucket
    meta = FrameMeta("quotes", AS_OF, AS_OF, AS_OF, "demo", OK, rows=1)
    encoded = encode_frame(meta, quotes_frame("AAPL"))
    await publish_raw(nats_server.url, "quotes", encoded, Tapewatch_Format="99")
    async with FrameWatcher(
        options, schemas=SCHEMAS, backoff=FAST, on_rejected=rejected.append
    ) as watcher:
        aiter(watcher)
        consumer = asyncio.create_task(anext(watcher))
        try:
            await wait_until(lambda: bool(rejected), "the frame to be rejected")
        finally:
            consumer.cancel()
    assert "frame format 99" in rejected[0].reason
    assert "run the same version of tapewatch as the feed" in rejected[0].reason


async def test_a_watcher_started_before_the_feed_waits_for_the_bucket(
    nats_server: natsserver.NatsServer,
) -> None:
    options = NatsOptions(nats_server.url)
    statuses: list[LinkStatus] = []
    async with FrameWatcher(
        options, schemas=SCHEMAS, backoff=FAST, on_status=statuses.append
    ) as watcher:
        updates = aiter(watcher)
        await wait_until(lambda: watcher.status.state is LinkState.WAITING, "the waiting state")
        words = watcher.status.describe()
        assert "no bucket `tapewatch` yet (is `tapewatch feed` running?)" in words
        assert "checking again in" in words

        async with FramePublisher(options, backoff=FAST) as publisher:
            assert await publisher.wait_connected(10)
            await _publish(publisher, "shares", pl.DataFrame(schema=SCHEMAS["shares"]))
            update = await next_within(updates)
            assert update.job == "shares"
            assert update.frame.is_empty()
    assert watcher.status.state is LinkState.DISCONNECTED
    assert watcher.status.describe().startswith("disconnected from nats://127.0.0.1:")


async def test_both_sides_recover_when_the_server_is_killed_and_restarted(
    nats_server: natsserver.NatsServer,
) -> None:
    options = NatsOptions(nats_server.url)
    watcher_states: list[LinkState] = []
    async with (
        FramePublisher(options, backoff=FAST) as publisher,
        FrameWatcher(
            options,
            schemas=SCHEMAS,
            backoff=FAST,
            on_status=lambda status: watcher_states.append(status.state),
        ) as watcher,
    ):
        assert await publisher.wait_connected(10)
        await _publish(publisher, "quotes", quotes_frame("AAPL"))
        updates = aiter(watcher)
        assert (await next_within(updates)).job == "quotes"

        nats_server.kill()
        await wait_until(
            lambda: watcher.status.state is LinkState.RECONNECTING, "the watcher to notice"
        )
        assert watcher.status.describe().startswith(f"reconnecting to {nats_server.url} in ")
        await wait_until(
            lambda: publisher.status.state is not LinkState.CONNECTED, "the publisher to notice"
        )
        # Published while the server is down: not lost, sent when the connection is back.
        while_down = quotes_frame("AAPL", last=321.0)
        receipt = await _publish(publisher, "quotes", while_down)
        assert not receipt.sent
        assert "reconnecting" in receipt.detail or "connecting" in receipt.detail

        nats_server.start()  # the same port and store
        update = await next_within(updates, 30)
        while update.frame.get_column("last").to_list() != [321.0]:
            update = await next_within(updates, 30)  # the old head may come back first
        assert watcher.status.state is LinkState.CONNECTED
        # The publisher sends what waited while setting up its new connection, a moment before
        # it calls itself connected: the frame can arrive first.
        await wait_until(
            lambda: publisher.status.state is LinkState.CONNECTED, "the publisher connected"
        )

        after = quotes_frame("AAPL", last=400.0)
        await _publish(publisher, "quotes", after)
        update = await next_within(updates)
        assert_frame_equal(update.frame, after)
    assert LinkState.RECONNECTING in watcher_states
    assert watcher_states[-2:] == [LinkState.CONNECTED, LinkState.DISCONNECTED]


async def test_a_watcher_reconnects_to_a_server_that_was_not_there_at_start(
    tmp_path: Path,
) -> None:
    server = natsserver.NatsServer(tmp_path)
    options = NatsOptions(server.url)
    async with FrameWatcher(options, schemas=SCHEMAS, backoff=FAST) as watcher:
        await wait_until(
            lambda: watcher.status.state is LinkState.RECONNECTING, "a failed first attempt"
        )
        assert "connection refused" in watcher.status.describe()
        with server:
            async with FramePublisher(options, backoff=FAST) as publisher:
                assert await publisher.wait_connected(10)
                await _publish(publisher, "quotes", quotes_frame("MSFT"))
                update = await next_within(aiter(watcher), 30)
                assert update.frame.get_column("symbol").to_list() == ["MSFT"]


async def test_frames_published_while_connecting_are_all_sent_once_connected(
    nats_server: natsserver.NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = NatsOptions(nats_server.url)
    publisher = FramePublisher(options, backoff=FAST)
    early = await _publish(publisher, "quotes", quotes_frame("AAPL"))  # before start: kept
    assert not early.sent
    during: list[PublishReceipt] = []
    real_put_frame = tui.desk.publisher.put_frame

    async def put_frame_and_publish_another(*args: Any, **kwargs: Any) -> Any:
        if not during:  # while the early frame is being sent on connecting
            shares = pl.DataFrame(schema=SCHEMAS["shares"])
            during.append(await _publish(publisher, "shares", shares))
        return await real_put_frame(*args, **kwargs)

    monkeypatch.setattr(tui.desk.publisher, "put_frame", put_frame_and_publish_another)
    async with publisher:
        assert await publisher.wait_connected(10)
        assert not during[0].sent
        async with FrameWatcher(options, schemas=SCHEMAS, backoff=FAST) as watcher:
            updates = aiter(watcher)
            jobs = {(await next_within(updates)).job for _ in "ab"}
    assert jobs == {"quotes", "shares"}


async def test_unchanged_frames_are_not_read_again(nats_server: natsserver.NatsServer) -> None:
    options = NatsOptions(nats_server.url)
    async with FramePublisher(options, backoff=FAST) as publisher:
        assert await publisher.wait_connected(10)
        frame = quotes_frame("AAPL")
        await _publish(publisher, "quotes", frame)
        async with FrameWatcher(options, schemas=SCHEMAS, backoff=FAST) as watcher:
            updates = aiter(watcher)
            first = await next_within(updates)
            later = AS_OF.replace(hour=21)
            await _publish(publisher, "quotes", frame, as_of=later)
            second = await next_within(updates)
            assert second.frame is first.frame  # the same object: the body was not decoded again
            assert second.as_of == later
            assert second.revision > first.revision


async def test_ticks_go_from_the_feed_to_every_listener(
    nats_server: natsserver.NatsServer,
) -> None:
    options = NatsOptions(nats_server.url)
    ticks = [Tick("AAPL", AS_OF, 231.5, 100.0), Tick("MSFT", AS_OF, 401.25)]
    async with (
        FramePublisher(options, backoff=FAST) as publisher,
        TickWatcher(options, backoff=FAST) as first,
        TickWatcher(options, backoff=FAST) as second,
    ):
        for side in (publisher, first, second):
            assert await side.wait_connected(10)
        assert await publisher.publish_ticks(ticks)
        for listener in (first, second):
            batch = await next_within(aiter(listener))
            assert list(batch.ticks) == ticks
