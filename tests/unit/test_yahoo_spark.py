"""Yahoo's spark endpoint: both reply shapes, nulls, missing timestamps, and batches of 20."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tui.sources.base import BARS_SCHEMA
from tui.sources.yahoo.spark import (
    PREVIOUS_CLOSES_SCHEMA,
    SparkFormatError,
    daily_spark_range,
    parse_spark,
    spark_batches,
    spark_params,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "yahoo"
OPEN = dt.datetime(2026, 2, 10, 14, 30, tzinfo=dt.UTC)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_flat_reply_gives_closes_and_previous_closes() -> None:
    data = parse_spark(fixture("spark_flat_5m_1d_2026-02-10.json"), "5m", ["AAPL", "MSFT", "^VIX"])
    assert data.bars.schema == BARS_SCHEMA
    aapl = data.bars.filter(symbol="AAPL")
    assert aapl["close"].to_list() == [274.9, 275.31, 275.02, 274.88, 275.4]  # the null is dropped
    assert aapl["ts"][0] == OPEN
    assert aapl["ts"][-1] == OPEN + dt.timedelta(minutes=25)
    assert set(aapl["interval"]) == {"5m"}
    assert aapl["open"].null_count() == aapl.height and aapl["volume"].null_count() == aapl.height
    msft = data.bars.filter(symbol="MSFT")
    assert msft["close"].to_list() == [409.12, 408.5, 408.77, 410.05]  # a repeated bar: the later
    assert data.bars.filter(symbol="^VIX").is_empty()  # no timestamp: no bars, still answered
    assert data.previous_closes.schema == PREVIOUS_CLOSES_SCHEMA
    assert data.previous_closes.rows() == [
        ("AAPL", 274.62, None),
        ("MSFT", 411.22, None),
        ("^VIX", 20.87, None),
    ]
    assert data.problems == {}


def test_wrapped_reply_gives_the_same_frames() -> None:
    data = parse_spark(fixture("spark_wrapped_5m_1d_2026-02-10.json"), "5m", ["AAPL", "NVDA", "X"])
    flat = parse_spark(fixture("spark_flat_5m_1d_2026-02-10.json"), "5m", ["AAPL"])
    assert data.bars.equals(flat.bars.filter(symbol="AAPL"))
    assert data.previous_closes.rows() == [("AAPL", 274.62, 274.62), ("NVDA", 182.5, 182.5)]
    assert data.problems == {"X": "not in Yahoo's reply"}


def _stamp(day: int, hour: int, minute: int = 0) -> int:
    return int(dt.datetime(2026, 2, day, hour, minute, tzinfo=dt.UTC).timestamp())


def test_daily_closes_are_dated_at_their_sessions_in_new_york() -> None:
    """Daily bars stamped at the open (09:30 New York), today's forming bar again at its latest
    trade: each at its session's date, 00:00 UTC, the later copy kept."""
    stamps = [_stamp(6, 14, 30), _stamp(9, 14, 30), _stamp(10, 14, 30), _stamp(10, 16, 2)]
    reply = {
        "MSFT": {
            "symbol": "MSFT",
            "timestamp": stamps,
            "close": [401.0, 411.22, 409.0, 410.05],
            "chartPreviousClose": 399.0,
            "previousClose": None,
            "dataGranularity": 86400,
        }
    }
    data = parse_spark(json.dumps(reply).encode(), "1d", ["MSFT"])
    assert data.bars.schema == BARS_SCHEMA
    days = [dt.datetime(2026, 2, day, tzinfo=dt.UTC) for day in (6, 9, 10)]
    assert data.bars["ts"].to_list() == days
    assert data.bars["close"].to_list() == [401.0, 411.22, 410.05]
    assert set(data.bars["interval"]) == {"1d"}


def test_wrapped_daily_closes_are_dated_in_the_exchanges_zone() -> None:
    """09:00 in Tokyo is still the day before in New York: the meta's zone dates the bar."""
    response = {
        "meta": {"symbol": "7203.T", "exchangeTimezoneName": "Asia/Tokyo"},
        "timestamp": [_stamp(10, 0)],
        "indicators": {"quote": [{"close": [2950.0]}]},
    }
    reply = {"spark": {"result": [{"symbol": "7203.T", "response": [response]}], "error": None}}
    data = parse_spark(json.dumps(reply).encode(), "1d", ["7203.T"])
    assert data.bars["ts"].to_list() == [dt.datetime(2026, 2, 10, tzinfo=dt.UTC)]


@pytest.mark.parametrize(
    ("sessions", "range_"),
    [
        (1, "1mo"),
        (21, "1mo"),  # 12 Jan to 10 Feb 2026 (Martin Luther King Day off)
        (22, "3mo"),
        (55, "3mo"),  # what the members' breadth asks for
        (62, "3mo"),  # 11 Nov 2025 to 10 Feb 2026
        (63, "6mo"),
        (251, "1y"),
        (252, "2y"),
        (5000, "max"),
    ],
)
def test_daily_spark_range_holds_the_sessions_asked_for(sessions: int, range_: str) -> None:
    assert daily_spark_range(sessions, dt.date(2026, 2, 10)) == range_


def test_an_empty_reply_is_every_symbol_missing() -> None:
    data = parse_spark(b"{}", "5m", ["AAPL"])
    assert data.bars.is_empty() and data.bars.schema == BARS_SCHEMA
    assert data.problems == {"AAPL": "not in Yahoo's reply"}


@pytest.mark.parametrize(
    "content",
    [
        b"<html>",
        b"[]",
        b'{"AAPL": 3}',
        b'{"AAPL": {"timestamp": [1, 2], "close": [1.0]}}',
        b'{"AAPL": {"timestamp": [1], "close": ["1.0"]}}',
        b'{"AAPL": {"timestamp": [null], "close": [1.0]}}',
        b'{"spark": {"result": null, "error": {"code": "Bad Request", "description": "no"}}}',
        b'{"spark": {"result": [{"symbol": "AAPL", "response": []}], "error": null}}',
    ],
)
def test_malformed_replies_raise_a_format_error(content: bytes) -> None:
    with pytest.raises(SparkFormatError):
        parse_spark(content, "5m", ["AAPL"])


def test_batches_hold_at_most_20_symbols_without_repeats() -> None:
    symbols = [f"S{i}" for i in range(45)] + ["S0", "S1"]
    batches = spark_batches(symbols)
    assert [len(batch) for batch in batches] == [20, 20, 5]
    assert [s for batch in batches for s in batch] == [f"S{i}" for i in range(45)]
    assert spark_batches([]) == []
    assert spark_params(batches[2]) == {
        "symbols": "S40,S41,S42,S43,S44",
        "range": "1d",
        "interval": "5m",
    }
    with pytest.raises(ValueError):
        spark_params([f"S{i}" for i in range(21)])


def test_the_fixtures_are_in_the_two_shapes() -> None:
    flat = json.loads(fixture("spark_flat_5m_1d_2026-02-10.json"))
    wrapped = json.loads(fixture("spark_wrapped_5m_1d_2026-02-10.json"))
    assert "timestamp" not in flat["^VIX"] and "spark" in wrapped
