"""Decoding the price streams' frames: recorded real frames, our schema, garbage and truncation."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2

from tui.market_hours import Session
from tui.sources.streaming import AuthRejected, FrameError
from tui.sources.streaming.alpaca import AlpacaCredentials, AlpacaStream, parse_alpaca_frame
from tui.sources.streaming.finnhub import FinnhubStream, parse_finnhub_frame
from tui.sources.streaming.keys import Secret
from tui.sources.streaming.pricing import FIELDS, PACKAGE, float32_value, pricing_file
from tui.sources.streaming.yahoo import YahooStream, parse_yahoo_frame

FIXTURES = Path(__file__).parent.parent / "fixtures"
PROTO = Path(__file__).parent.parent.parent / "tui" / "sources" / "streaming" / "pricing.proto"


def envelope(message: str) -> str:
    return json.dumps({"type": "pricing", "message": message})


def btc_frame() -> str:
    return envelope((FIXTURES / "yahoo_stream" / "pricing_BTC-USD_2025-01-10.b64").read_text())


def aapl_frame() -> str:
    return (FIXTURES / "yahoo_stream" / "pricing_AAPL_premarket_2026-05-22.json").read_text()


# --- Yahoo: recorded frames ---------------------------------------------------------------------


def test_recorded_crypto_frame_decodes_to_the_values_yfinance_asserts() -> None:
    [tick] = parse_yahoo_frame(btc_frame())
    assert tick.symbol == "BTC-USD"
    assert tick.price == 94745.08
    assert tick.ts == dt.datetime(2025, 1, 10, 11, 39, tzinfo=dt.UTC)
    assert (tick.change, tick.change_pct) == (1431.8906, 1.5344921)
    assert tick.day_volume == 59712028672.0
    assert tick.session is Session.REGULAR
    assert tick.source == "yahoo-stream"
    assert tick.volume_is_consolidated


def test_recorded_equity_frame_sent_in_the_pre_market_says_pre() -> None:
    [tick] = parse_yahoo_frame(aapl_frame())
    assert tick.symbol == "AAPL"
    assert tick.price == 305.76  # float32 305.760009765625, as Yahoo meant it
    assert tick.ts == dt.datetime(2026, 5, 22, 8, 10, 22, tzinfo=dt.UTC)  # 04:10 New York
    assert tick.session is Session.PRE  # market_hours absent = 0 = pre-market
    assert tick.day_volume is None  # not sent
    assert tick.bid is None and tick.ask is None


def test_float32_values_print_as_the_decimal_meant() -> None:
    assert float32_value(305.760009765625) == 305.76
    assert float32_value(0.77001953125) == 0.77001953
    assert float32_value(0.0) == 0.0


@pytest.mark.parametrize(
    "frame",
    [
        "garbage{",
        "[1, 2]",
        json.dumps({"type": "pricing"}),
        json.dumps({"type": "pricing", "message": "!!! not base64 !!!"}),
        json.dumps({"type": "pricing", "message": base64.b64encode(b"\xff\xff\xff").decode()}),
        json.dumps({"type": "pricing", "message": base64.b64encode(b"\n\x04AAPL").decode()}),
        b"\x00\x01binary",
    ],
)
def test_garbage_is_a_frame_error(frame: str | bytes) -> None:
    with pytest.raises(FrameError):
        parse_yahoo_frame(frame)


def test_every_truncation_of_a_real_frame_is_a_frame_error_or_a_whole_tick() -> None:
    """A torn frame costs one tick: it never raises anything but FrameError."""
    frame = btc_frame()
    payload = base64.b64decode(json.loads(frame)["message"])
    for cut in range(len(frame)):
        with contextlib.suppress(FrameError):
            parse_yahoo_frame(frame[:cut])
    for cut in range(len(payload)):
        torn = envelope(base64.b64encode(payload[:cut]).decode())
        try:
            ticks = parse_yahoo_frame(torn)
        except FrameError:
            continue
        assert all(t.symbol == "BTC-USD" and t.price > 0 for t in ticks)


def test_other_message_types_and_heartbeats_give_no_tick() -> None:
    assert parse_yahoo_frame(json.dumps({"type": "heartbeat"})) == []


def test_yahoo_subscriptions_send_the_whole_set_and_unsubscribe_the_rest() -> None:
    yahoo = YahooStream()
    wanted, sent = frozenset({"MSFT", "AAPL"}), frozenset({"AAPL", "TSLA"})
    messages = [json.loads(m) for m in yahoo.subscription_messages(wanted, sent, resend=False)]
    assert messages == [{"unsubscribe": ["TSLA"]}, {"subscribe": ["AAPL", "MSFT"]}]
    resent = yahoo.subscription_messages(wanted, wanted, resend=True)
    assert [json.loads(m) for m in resent] == [{"subscribe": ["AAPL", "MSFT"]}]
    assert yahoo.subscription_messages(wanted, wanted, resend=False) == []


def test_yahoo_subscription_keeps_to_the_first_100_symbols_the_indices_first() -> None:
    wanted = frozenset(f"S{i:03d}" for i in range(150))
    [message] = YahooStream().subscription_messages(wanted, frozenset(), resend=True)
    assert json.loads(message)["subscribe"] == sorted(wanted)[:100]
    # A feed's whole market sorts ^GSPC after the letters: it must not be the one left out.
    [message] = YahooStream().subscription_messages(
        wanted | {"^GSPC", "^VIX"}, frozenset(), resend=True
    )
    assert json.loads(message)["subscribe"] == ["^GSPC", "^VIX", *sorted(wanted)[:98]]


# --- our schema against protoc ------------------------------------------------------------------


def test_pricing_proto_compiles_to_the_schema_the_decoder_builds(tmp_path: Path) -> None:
    out = tmp_path / "pricing.pb"
    command = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        f"--proto_path={PROTO.parent}",
        f"--descriptor_set_out={out}",
        PROTO.name,
    ]
    subprocess.run(command, check=True, capture_output=True)
    compiled = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file[0]
    built = pricing_file()
    assert (compiled.package, compiled.syntax) == (PACKAGE, "proto3") == (built.package, "proto3")
    [message] = compiled.message_type
    assert message.name == "PricingData"
    compiled_fields = [(f.name, f.number, f.type, f.label) for f in message.field]
    built_fields = [(f.name, f.number, f.type, f.label) for f in built.message_type[0].field]
    assert compiled_fields == built_fields
    assert [(name, number) for name, number, _ in FIELDS] == [(f[0], f[1]) for f in built_fields]


# --- Alpaca and Finnhub -------------------------------------------------------------------------


def alpaca_lines() -> list[str]:
    return (FIXTURES / "streams" / "alpaca_iex_session.jsonl").read_text().splitlines()


def test_alpaca_trades_are_iex_only_ticks() -> None:
    connected, _authenticated, subscription, trades, _ = alpaca_lines()
    assert parse_alpaca_frame(connected) == parse_alpaca_frame(subscription) == []
    aapl, msft = parse_alpaca_frame(trades)
    assert (aapl.symbol, aapl.price, aapl.size) == ("AAPL", 274.61, 100.0)
    assert aapl.ts == dt.datetime(2026, 2, 10, 16, 2, 5, 123456, tzinfo=dt.UTC)
    assert aapl.session is Session.REGULAR  # 11:02 New York
    assert aapl.source == "alpaca-iex"
    assert not aapl.volume_is_consolidated and aapl.day_volume is None
    assert msft.symbol == "MSFT"


def test_alpaca_refused_key_is_said_in_plain_words() -> None:
    with pytest.raises(AuthRejected) as refused:
        parse_alpaca_frame(alpaca_lines()[-1])
    assert refused.value.message == "Alpaca refused the key (auth failed)"
    assert not refused.value.retry


@pytest.mark.parametrize(
    "frame", ["nope", '{"T": "t"}', '[{"T": "t", "S": "X", "p": "1", "t": "x"}]', "[1]"]
)
def test_alpaca_garbage_is_a_frame_error(frame: str) -> None:
    with pytest.raises(FrameError):
        parse_alpaca_frame(frame)


def test_recorded_finnhub_message_gives_every_trade() -> None:
    frame = (FIXTURES / "streams" / "finnhub_ws_trade_message.json").read_text()
    ticks = parse_finnhub_frame(frame)
    assert [t.symbol for t in ticks] == ["TSLA"] * 7 + ["AAPL"] * 2
    first = ticks[0]
    assert (first.price, first.size) == (122.1, 1.0)
    assert first.ts == dt.datetime(2022, 12, 29, 21, 21, 27, 195000, tzinfo=dt.UTC)
    assert first.session is Session.POST
    assert first.source == "finnhub" and not first.volume_is_consolidated


def test_finnhub_pings_and_errors() -> None:
    assert parse_finnhub_frame('{"type": "ping"}') == []
    assert parse_finnhub_frame('{"type": "error", "msg": "Symbol limit reached"}') == []
    with pytest.raises(AuthRejected, match="Finnhub refused the key"):
        parse_finnhub_frame('{"type": "error", "msg": "Invalid API key"}')
    with pytest.raises(FrameError):
        parse_finnhub_frame('{"type": "trade", "data": [{"s": "X", "p": null, "t": 1}]}')


def test_alpaca_and_finnhub_spell_class_shares_their_way_and_ticks_come_back_canonical() -> None:
    """They write BRK.B; every source gives BRK-B, and a stream is asked for BRK.B."""
    trade = '[{"T": "t", "S": "BRK.B", "p": 490.5, "s": 10, "t": "2026-02-10T16:02:05Z"}]'
    assert [tick.symbol for tick in parse_alpaca_frame(trade)] == ["BRK-B"]
    finnhub = '{"type": "trade", "data": [{"s": "BRK.B", "p": 490.5, "t": 1770739325000}]}'
    assert [tick.symbol for tick in parse_finnhub_frame(finnhub)] == ["BRK-B"]
    wanted = frozenset({"BRK-B", "MSFT"})
    credentials = AlpacaCredentials(Secret("id"), Secret("secret"))
    [alpaca] = AlpacaStream(credentials).subscription_messages(wanted, frozenset(), resend=True)
    assert json.loads(alpaca) == {"action": "subscribe", "trades": ["BRK.B", "MSFT"]}
    messages = FinnhubStream(Secret("token")).subscription_messages(
        wanted, frozenset(), resend=True
    )
    assert sorted(json.loads(message)["symbol"] for message in messages) == ["BRK.B", "MSFT"]
