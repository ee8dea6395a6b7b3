"""Yahoo's spark endpoint: both reply shapes, nulls, missing timestamps, and batches of 20."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tui.sources.base import BARS_SCHEMA
from tui.sources.yahoo_spark import (
    PREVIOUS_CLOSES_SCHEMA,
    SparkFormatError,
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
