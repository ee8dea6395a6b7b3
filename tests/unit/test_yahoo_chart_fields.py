"""The chart fields tapewatch had inferred, checked against replies recorded by other projects:
the two shapes of ``tradingPeriods`` and the unit of ``exchangeDataDelayedBy``."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
from pathlib import Path
from typing import Any

import pytest

from tui.sources.yahoo.chart import ChartData, TradingPeriod, parse_chart

FIXTURES = Path(__file__).parent.parent / "fixtures" / "yahoo"


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((FIXTURES / name).read_bytes())
    return document


def chart(document: dict[str, Any]) -> ChartData:
    parsed = parse_chart(json.dumps(document).encode())
    assert isinstance(parsed, ChartData)
    return parsed


def utc(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def test_recorded_prepost_reply_has_the_pre_regular_post_shape() -> None:
    document = load("chart_TSLA_1h_prepost_tradingPeriods_2025-01-01.json")
    meta = document["chart"]["result"][0]["meta"]
    assert sorted(meta["tradingPeriods"]) == ["post", "pre", "regular"]
    # tapewatch asks for 1m, 5m or 1d bars; this reply's 1h is changed so the parser takes it.
    meta["dataGranularity"] = "5m"
    parsed = chart(document)
    assert parsed.starts == ()  # no timestamp key: no bars
    assert parsed.meta.trading_periods == (
        TradingPeriod("pre", utc(1735635600), utc(1735655400)),  # 04:00-09:30 New York
        TradingPeriod("regular", utc(1735655400), utc(1735678800)),  # 09:30-16:00
        TradingPeriod("post", utc(1735678800), utc(1735693200)),  # 16:00-20:00
    )


def test_plain_list_shape_is_regular_sessions() -> None:
    parsed = chart(load("chart_VIX_5m_1d_2026-02-10.json"))
    [period] = parsed.meta.trading_periods
    assert period.session == "regular"
    assert (period.end - period.start) == dt.timedelta(hours=6, minutes=45)


def test_the_prepost_fixture_written_for_tapewatch_reads_the_same_way() -> None:
    parsed = chart(load("chart_AAPL_5m_1d_prepost_2026-02-10.json"))
    assert [p.session for p in parsed.meta.trading_periods] == ["pre", "regular", "post"]


@pytest.mark.parametrize(
    "periods",
    [
        "soon",
        {"pre": "x"},
        [[{"start": "9:30", "end": 2}]],
        [[{"start": 5, "end": 4}], "x"],
        {"regular": [[None]]},
    ],
)
def test_an_unknown_trading_periods_shape_does_not_fail_the_chart(periods: Any) -> None:
    document = load("chart_VIX_5m_1d_2026-02-10.json")
    document["chart"]["result"][0]["meta"]["tradingPeriods"] = periods
    parsed = chart(document)
    assert parsed.meta.trading_periods == ()
    assert parsed.starts  # the bars are unaffected


@pytest.mark.parametrize(
    ("name", "date"),
    [
        ("quote_v7_GC=F_delayed_2025-02-17.json", "Mon, 17 Feb 2025 10:54:53 GMT"),
        ("quote_v7_OCDO.L_delayed_2025-02-17.json", "Mon, 17 Feb 2025 10:54:51 GMT"),
        ("quote_v7_LDO.MI_delayed_2025-02-17.json", "Mon, 17 Feb 2025 10:54:53 GMT"),
        ("quote_v7_ORSTED.CO_realtime_2025-02-17.json", "Mon, 17 Feb 2025 10:54:52 GMT"),
    ],
)
def test_exchange_delay_is_in_minutes(name: str, date: str) -> None:
    """While the market is open, the newest price is as old as the delay says, in minutes."""
    [quote] = load(name)["quoteResponse"]["result"]
    assert quote["marketState"] == "REGULAR"
    answered = email.utils.parsedate_to_datetime(date).timestamp()  # the reply's Date header
    age_s = answered - quote["regularMarketTime"]
    delay_s = quote["exchangeDataDelayedBy"] * 60
    assert delay_s <= age_s <= delay_s + 120


def test_recorded_chart_replies_carry_no_delay_field() -> None:
    """The chart meta of every recorded reply lacks exchangeDataDelayedBy: delayed_s stays 0."""
    for name in (
        "chart_TSLA_1h_prepost_tradingPeriods_2025-01-01.json",
        "chart_AAPL_1d_2020-08-31_to_2020-11-07.json",
        "chart_AAPL_1m_2025-02-01_to_2025-02-02_weekend.json",
    ):
        document = load(name)
        meta = document["chart"]["result"][0]["meta"]
        assert "exchangeDataDelayedBy" not in meta
        meta["dataGranularity"] = (
            "5m" if meta["dataGranularity"] == "1h" else meta["dataGranularity"]
        )
        assert chart(document).meta.delayed_s == 0
