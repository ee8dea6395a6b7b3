"""The desk's wire formats and rules, without a server: frames, ticks, requests, rate limits,
back-off and the words a link's state is said in."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import nats.errors
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.desk.helpers import AS_OF, OK, SCHEMAS, bars_frame, quotes_frame
from tui.desk.frames import (
    H_BODY_BYTES,
    H_CADENCE,
    H_DIGEST,
    H_FEED_LABEL,
    H_MARKET_RATE,
    H_ROWS,
    FeedContext,
    FrameMeta,
    FrameRejected,
    decode_body,
    encode_frame,
    schema_difference,
)
from tui.desk.link import Backoff, LinkState, LinkStatus, Unreachable, plain_error
from tui.desk.options import NatsOptions, redact_url
from tui.desk.service import (
    RateLimit,
    RateLimiter,
    ReplyFrame,
    client_identity,
    decode_reply_frames,
    encode_reply_frames,
    parse_request,
)
from tui.desk.ticks import Tick, decode_ticks, encode_tick_batches
from tui.kinds import FailureKind
from tui.models import SourceHealth


def _meta(job: str = "quotes", **changes: object) -> FrameMeta:
    fields: dict[str, object] = {
        "job": job,
        "as_of": AS_OF,
        "fetched_at": AS_OF,
        "published_at": AS_OF,
        "source": "demo",
        "health": OK,
    }
    fields.update(changes)
    return FrameMeta(**fields)  # type: ignore[arg-type]


def test_a_frame_round_trips_with_its_metadata() -> None:
    frame = quotes_frame("AAPL", "BRK.B")
    # The health is the source's: it travels under the source's name.
    health = SourceHealth(
        "yahoo ✓",
        "rate_limited",
        AS_OF,
        "HTTP 429\r\nsecond line — ok 100%",
        FailureKind.RATE_LIMITED,
    )
    meta = _meta(source="yahoo ✓", health=health, problems={"ZZZZ": "not found — ü"})
    encoded = encode_frame(meta, frame)
    assert all(value.isascii() and "\n" not in value for value in encoded.headers.values())
    update = decode_body(encoded.headers, encoded.body, SCHEMAS, revision=7)
    # Shown on one line, as plain text (tui.plain): the line break read as spaces.
    health = replace(health, detail="HTTP 429  second line — ok 100%")
    assert_frame_equal(update.frame, frame)
    assert update.frame.schema == frame.schema  # UTC datetimes stay UTC
    assert update.source == "yahoo ✓"
    assert update.health == health
    assert update.meta.problems == {"ZZZZ": "not found — ü"}
    assert (update.revision, update.digest, update.meta.rows) == (7, encoded.digest, 2)


def test_the_feeds_context_round_trips_and_a_frame_without_it_reads_with_defaults() -> None:
    market = dt.datetime(2026, 2, 11, 15, 0, tzinfo=dt.UTC)
    context = FeedContext("DEMO REPLAY 2026-02-05", 15.0, market, 60.0)
    encoded = encode_frame(_meta(feed=context), quotes_frame("AAPL"))
    assert encoded.headers[H_FEED_LABEL] == "DEMO REPLAY 2026-02-05"
    assert decode_body(encoded.headers, encoded.body, SCHEMAS).meta.feed == context
    # An older feed sends none of these headers: nothing is rejected, nothing is invented.
    plain = encode_frame(_meta(), quotes_frame("AAPL"))
    assert not {H_FEED_LABEL, H_CADENCE, H_MARKET_RATE} & set(plain.headers)
    assert decode_body(plain.headers, plain.body, SCHEMAS).meta.feed == FeedContext()
    for name, value in ((H_CADENCE, "0"), (H_CADENCE, "soon"), (H_MARKET_RATE, "-1")):
        assert name in _rejection({**encoded.headers, name: value}, encoded.body)


def test_the_feeds_market_clock_runs_at_its_rate_and_moves_on_when_published_again() -> None:
    market = dt.datetime(2026, 2, 11, 15, 0, tzinfo=dt.UTC)
    demo = FeedContext("DEMO", 15.0, market, 60.0)  # a market minute per second
    assert demo.market_now(2.0) == market + dt.timedelta(minutes=2)
    assert FeedContext(market_time=market).market_now(2.0) == market + dt.timedelta(seconds=2)
    assert FeedContext(market_time=market, market_rate=0.0).market_now(99.0) == market
    assert FeedContext().market_now(2.0) is None
    assert demo.moved_on(3.0).market_time == market + dt.timedelta(minutes=3)


def test_problems_from_a_feed_are_plain_text() -> None:
    meta = _meta(problems={"ZZZZ": "gone\x1b]0;PWNED\x07\x1b[2J [b]x[/b]"})
    encoded = encode_frame(meta, quotes_frame("AAPL"))
    update = decode_body(encoded.headers, encoded.body, SCHEMAS, revision=1)
    assert update.meta.problems == {"ZZZZ": "gone [b]x[/b]"}


def test_the_feeds_label_source_and_health_detail_are_plain_text() -> None:
    hostile = "x\x1b]0;PWNED\x07\x1b[2Jy"
    health = SourceHealth(hostile, "retrying", AS_OF, hostile)
    meta = _meta(source=hostile, health=health, feed=FeedContext(label=hostile))
    encoded = encode_frame(meta, quotes_frame("AAPL"))
    update = decode_body(encoded.headers, encoded.body, SCHEMAS)
    assert (update.source, update.health.name, update.health.detail) == ("xy", "xy", "xy")
    assert update.meta.feed.label == "xy"


def test_an_empty_frame_round_trips() -> None:
    empty = pl.DataFrame(schema=SCHEMAS["shares"])
    encoded = encode_frame(_meta("shares"), empty)
    assert_frame_equal(decode_body(encoded.headers, encoded.body, SCHEMAS).frame, empty)


def _rejection(headers: dict[str, str], body: bytes) -> str:
    with pytest.raises(FrameRejected) as rejected:
        decode_body(headers, body, SCHEMAS)
    return rejected.value.reason


def test_frames_that_cannot_be_used_are_rejected_in_plain_words() -> None:
    encoded = encode_frame(_meta(), quotes_frame("AAPL"))
    headers, body = encoded.headers, encoded.body
    assert _rejection(headers, body[:-1]).startswith("the body is ")
    flipped = body[:-1] + bytes([body[-1] ^ 1])
    assert "does not match its digest" in _rejection(headers, flipped)
    assert _rejection({**headers, "Tapewatch-Job": "options"}, body) == (
        "a dataset this tapewatch does not know"
    )
    assert _rejection({**headers, H_ROWS: "5"}, body) == "1 rows, the header says 5"
    naive = {**headers, "Tapewatch-As-Of": "2026-02-05T20:00:00"}
    assert "has no time zone" in _rejection(naive, body)
    missing = {key: value for key, value in headers.items() if key != H_DIGEST}
    assert _rejection(missing, body) == "the header Tapewatch-Digest is missing"
    assert "unknown health state" in _rejection({**headers, "Tapewatch-Health": "meh"}, body)
    assert "unknown failure kind" in _rejection({**headers, "Tapewatch-Health-Cause": "x"}, body)


def test_bytes_that_are_not_arrow_are_rejected_not_raised() -> None:
    import hashlib

    junk = b"not an arrow stream at all"
    encoded = encode_frame(_meta(), quotes_frame("AAPL"))
    headers = {
        **encoded.headers,
        H_DIGEST: hashlib.sha256(junk).hexdigest(),
        H_BODY_BYTES: str(len(junk)),
    }
    assert _rejection(headers, junk).startswith("not a readable Arrow IPC frame")


def test_a_schema_difference_names_each_column() -> None:
    expected = SCHEMAS["short_volume"]
    wrong = pl.Schema({"date": pl.Date(), "symbol": pl.String(), "short_volume": pl.Int64()})
    difference = schema_difference(expected, wrong)
    assert difference == (
        "missing short_exempt_volume, total_volume; short_volume is Int64, expected Float64"
    )
    reordered = pl.Schema(reversed(list(expected.items())))
    assert schema_difference(expected, reordered) == "columns in another order"
    assert schema_difference(expected, expected) == ""


def test_reply_frames_round_trip_and_a_cut_reply_is_rejected() -> None:
    frames = [
        ReplyFrame("quotes", quotes_frame("NVDA"), AS_OF, AS_OF, "demo", OK, {"X": "no data"}),
        ReplyFrame("daily", bars_frame(20), AS_OF, AS_OF, "demo", OK),
    ]
    body = encode_reply_frames(frames, AS_OF)
    updates = decode_reply_frames(body, SCHEMAS)
    assert [update.job for update in updates] == ["quotes", "daily"]
    assert_frame_equal(updates[1].frame, frames[1].frame)
    assert updates[0].meta.problems == {"X": "no data"}
    with pytest.raises(FrameRejected, match=r"cut short|not a list of frames"):
        decode_reply_frames(body[:-10], SCHEMAS)


def test_ticks_are_batched_under_the_size_limit_and_read_back() -> None:
    ticks = [Tick(f"S{i}", AS_OF, 100.0 + i, float(i) if i % 2 else None) for i in range(300)]
    batches = list(encode_tick_batches(ticks, 2000))
    assert len(batches) > 1
    assert all(len(batch) <= 2000 for batch in batches)
    read = [tick for batch in batches for tick in decode_ticks(batch).ticks]
    assert read == ticks


def test_unreadable_ticks_are_skipped_and_counted() -> None:
    message = {
        "v": 1,
        "ticks": [
            {"s": "AAPL", "t": AS_OF.isoformat(), "p": 1.5},
            {"s": "MSFT", "t": "yesterday", "p": 2.0},
            {"s": "NVDA", "t": "2026-02-05T20:00:00", "p": 2.0},  # no time zone
            {"s": "TSM", "t": AS_OF.isoformat(), "p": True},
            "junk",
        ],
    }
    batch = decode_ticks(json.dumps(message).encode())
    assert [tick.symbol for tick in batch.ticks] == ["AAPL"]
    assert batch.unreadable == 4
    assert decode_ticks(b"\xff").unreadable == 1
    assert decode_ticks(b'{"v": 2, "ticks": []}').unreadable == 1


def test_a_token_bucket_allows_a_burst_then_the_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(RateLimit(burst=3, per_s=0.5), clock=lambda: now[0])
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a") == pytest.approx(2.0)
    assert limiter.take("b") == 0.0  # each client its own bucket
    now[0] = 1.0
    assert limiter.take("a") == pytest.approx(1.0)  # half a token refilled
    now[0] = 2.0
    assert limiter.take("a") == 0.0
    now[0] = 100.0
    assert [limiter.take("a") for _ in range(4)][-1] > 0  # never more than the burst


def test_the_rate_limiter_forgets_clients_that_went_quiet() -> None:
    now = [0.0]
    limiter = RateLimiter(RateLimit(burst=2, per_s=1.0), clock=lambda: now[0], max_clients=10)
    for index in range(10):
        limiter.take(f"old{index}")
    now[0] = 60.0
    limiter.take("new")
    assert len(limiter._buckets) == 1


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"nope", "the request is not JSON"),
        (b"[]", "the request is not a JSON object"),
        (b'{"symbols": "AAPL"}', "`symbols` must be a list of ticker symbols"),
        (b'{"symbols": ["AAPL"], "jobs": ["DROP TABLE"]}', "`jobs` must be a list of dataset"),
        (b'{"symbols": ["AAPL", "a b"]}', "`a b` is not a ticker symbol"),
    ],
)
def test_bad_requests_are_named(data: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_request(data, max_symbols=5)


def test_a_request_is_normalised_and_deduplicated() -> None:
    data = b'{"symbols": [" aapl", "AAPL", "brk.b"], "jobs": ["daily", "daily"]}'
    assert parse_request(data, max_symbols=5) == (("AAPL", "BRK-B"), ("daily",))


def test_the_client_identity_is_its_inbox() -> None:
    assert client_identity("_INBOX.abc123.tokenXYZ") == "_INBOX.abc123"
    assert client_identity("lonely") == "lonely"


def test_back_off_doubles_up_to_its_cap_with_bounded_jitter() -> None:
    backoff = Backoff(first_s=0.5, max_s=4.0, jitter=0.2)
    assert [backoff.delay_s(n, lambda: 0.5) for n in range(6)] == [0.5, 1, 2, 4, 4, 4]
    assert backoff.delay_s(0, lambda: 0.0) == pytest.approx(0.4)
    assert backoff.delay_s(0, lambda: 1.0) == pytest.approx(0.6)
    assert backoff.delay_s(10_000, lambda: 0.5) == 4.0


def test_a_links_state_in_plain_words() -> None:
    now = dt.datetime(2026, 2, 5, 15, 0, tzinfo=dt.UTC)
    later = now + dt.timedelta(seconds=3.2)
    server = "nats://desk:4222"
    cases = [
        (LinkStatus(LinkState.CONNECTING, server), "connecting to nats://desk:4222"),
        (LinkStatus(LinkState.CONNECTED, server), "connected to nats://desk:4222"),
        (
            LinkStatus(LinkState.RECONNECTING, server, later, "connection refused"),
            "reconnecting to nats://desk:4222 in 4 s (connection refused)",
        ),
        (
            LinkStatus(LinkState.WAITING, server, later, "no bucket `tapewatch` yet"),
            "connected to nats://desk:4222, waiting: no bucket `tapewatch` yet; "
            "checking again in 4 s",
        ),
        (LinkStatus(LinkState.DISCONNECTED, server), "disconnected from nats://desk:4222"),
    ]
    for status, words in cases:
        assert status.describe(now) == words
    retrying = cases[2][0].source_health()
    assert (retrying.name, retrying.state, retrying.until) == ("nats", "retrying", later)
    assert cases[1][0].source_health().state == "ok"
    assert cases[4][0].source_health().state == "offline"


def test_connection_errors_in_plain_words() -> None:
    assert plain_error(ConnectionRefusedError(111, "Connect call failed")) == "connection refused"
    assert plain_error(nats.errors.AuthorizationError()) == "not authorised: check the credentials"
    assert plain_error(nats.errors.TimeoutError()) == "timed out"
    assert plain_error(Unreachable("connection refused")) == "connection refused"


def test_passwords_never_show_in_a_url() -> None:
    assert redact_url("nats://alice:s3cret@desk:4222") == "nats://alice:***@desk:4222"
    assert redact_url("nats://tok3n@desk:4222") == "nats://***@desk:4222"
    assert redact_url("nats://[::1]:4222") == "nats://[::1]:4222"
    assert NatsOptions("tls://bob:pw@[::1]:4222").display_url == "tls://bob:***@[::1]:4222"


def test_options_pass_the_credentials_file_through(tmp_path: Path) -> None:
    creds = tmp_path / "desk.creds"
    kwargs = NatsOptions("nats://desk:4222", creds_file=creds).connect_kwargs()
    assert kwargs["user_credentials"] == str(creds)
    assert kwargs["servers"] == ["nats://desk:4222"]
    assert "tls" not in kwargs
