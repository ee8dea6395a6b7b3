"""`check_nats`: the doctor's rows for the desk's NATS server, against a real one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests import natsserver
from tests.desk.helpers import (
    AS_OF,
    FAST,
    OK,
    SCHEMAS,
    bars_frame,
    publish_raw,
    quotes_frame,
)
from tui.desk.doctor import NatsCheck, age_text, check_nats
from tui.desk.frames import FrameMeta, encode_frame
from tui.desk.options import NatsOptions
from tui.desk.publisher import FramePublisher

nats_server = natsserver.nats_server


def _row(rows: list[NatsCheck], what: str) -> NatsCheck:
    return next(row for row in rows if row.what == what)


async def test_no_server_fails_the_connection_and_skips_the_rest(tmp_path: Path) -> None:
    port = natsserver.free_port()
    rows = await check_nats(NatsOptions(f"nats://127.0.0.1:{port}"))
    assert [(row.what, row.status) for row in rows] == [
        ("connection", "FAIL"),
        ("bucket tapewatch", "skipped"),
    ]
    assert rows[0].detail == f"nats://127.0.0.1:{port}: connection refused"
    assert rows[0].required


async def test_a_server_without_the_bucket_says_the_feed_has_not_run(
    nats_server: natsserver.NatsServer,
) -> None:
    rows = await check_nats(NatsOptions(nats_server.url))
    assert rows[0].status == "ok"
    assert rows[0].detail.startswith(f"{nats_server.url}: nats-server 2.")
    assert (rows[1].what, rows[1].status) == ("bucket tapewatch", "FAIL")
    expected = "no bucket `tapewatch`: is `tapewatch feed` running against this server?"
    assert rows[1].detail == expected


async def test_each_dataset_shows_its_age_and_a_stale_or_missing_one_fails(
    nats_server: natsserver.NatsServer,
) -> None:
    options = NatsOptions(nats_server.url)
    published = dt.datetime(2026, 2, 5, 21, 0, tzinfo=dt.UTC)
    async with FramePublisher(options, backoff=FAST, clock=lambda: published) as publisher:
        assert await publisher.wait_connected(10)
        await publisher.publish(
            "quotes", quotes_frame("AAPL"), as_of=AS_OF, fetched_at=AS_OF, source="yahoo", health=OK
        )
        await publisher.publish(
            "daily", bars_frame(30), as_of=AS_OF, fetched_at=AS_OF, source="yahoo", health=OK
        )
    now = published + dt.timedelta(seconds=40)
    rows = await check_nats(
        options,
        schemas=SCHEMAS,
        cadences={"quotes": 15.0, "daily": 900.0, "shares": 86400.0},
        clock=lambda: now,
    )
    assert [row.what for row in rows] == [
        "connection",
        "bucket tapewatch",
        "frame.daily",
        "frame.quotes",
        "frame.shares",
    ]
    assert _row(rows, "bucket tapewatch").detail.startswith("2 dataset(s), ")
    daily = _row(rows, "frame.daily")
    assert daily.status == "ok"
    assert daily.detail.startswith("30 rows, ")
    assert daily.detail.endswith(", as of 2026-02-05 15:00 ET, published 40 s ago from yahoo")
    quotes = _row(rows, "frame.quotes")
    assert quotes.status == "FAIL"
    assert quotes.detail == (
        "stale: published 40 s ago, expected every 15 s (is `tapewatch feed` running?)"
    )
    shares = _row(rows, "frame.shares")
    assert (shares.status, shares.detail, shares.required) == ("FAIL", "never published", True)


async def test_a_frame_that_does_not_match_its_schema_fails_its_row(
    nats_server: natsserver.NatsServer,
) -> None:
    options = NatsOptions(nats_server.url)
    async with FramePublisher(options, backoff=FAST) as publisher:
        assert await publisher.wait_connected(10)
    meta = FrameMeta("quotes", AS_OF, AS_OF, AS_OF, "demo", OK, rows=3)
    await publish_raw(nats_server.url, "quotes", encode_frame(meta, bars_frame(3)))
    rows = await check_nats(options, schemas=SCHEMAS, clock=lambda: AS_OF)
    quotes = _row(rows, "frame.quotes")
    assert quotes.status == "FAIL"
    assert quotes.detail.startswith("the frame's columns do not match the quotes schema: missing")
    assert not quotes.required  # no cadence given: the doctor was not told it is needed


def test_ages_read_as_a_trader_would_say_them() -> None:
    assert [age_text(s) for s in (4, 119, 180, 7000, 7200, 86400 * 3)] == [
        "4 s",
        "119 s",
        "3 min",
        "117 min",
        "2 h",
        "3 d",
    ]
