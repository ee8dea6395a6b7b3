"""Yahoo chart parsing on real captures and broken payloads, and the source end to end against the
fault-injecting server serving fixture payloads."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest
import pytest_asyncio

from tests.faultserver import FaultServer, RecordedRequest, Reply, json_reply, server_error
from tui.cache import Cache
from tui.config import HttpSettings, YahooSettings
from tui.sources.base import (
    BARS_SCHEMA,
    QUOTES_SCHEMA,
    Dataset,
    Failed,
    FailureKind,
    Fetched,
    SymbolInfo,
    conform,
)
from tui.sources.http import HttpClient
from tui.sources.sanity import screen
from tui.sources.yahoo.chart import (
    ChartData,
    ChartError,
    ChartFormatError,
    daily_range,
    intraday_range,
    parse_chart,
)
from tui.sources.yahoo.quotes import bar_quote_time, bar_session, quote_from_chart
from tui.sources.yahoo.source import YahooSource

pytestmark = pytest.mark.timeout(30)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "yahoo"
NEW_YORK = ZoneInfo("America/New_York")
CHART = "/v8/finance/chart/"
SPARK = "/v8/finance/spark"

# The intraday fixtures were "captured" at 11:02:20 New York time on Tuesday 2026-02-10.
CAPTURED = dt.datetime(2026, 2, 10, 11, 2, 20, tzinfo=NEW_YORK).astimezone(dt.UTC)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(fixture(name))
    return document


def utc(day: dt.date, hour: int, minute: int, zone: dt.tzinfo = NEW_YORK) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone).astimezone(dt.UTC)


def chart_payload(
    symbol: str,
    stamps: list[dt.datetime],
    closes: list[float | None],
    *,
    granularity: str = "5m",
    zone: str = "America/New_York",
    gmtoffset: int = -18000,
    volumes: list[float | None] | None = None,
    price: float | None = None,
    price_time: dt.datetime | None = None,
    day_volume: float | None = None,
    regular: tuple[dt.datetime, dt.datetime] | None = None,
    instrument_type: str = "EQUITY",
    name: str | None = None,
) -> dict[str, Any]:
    """A chart reply in Yahoo's shape (open = high = low = close unless a test says otherwise)."""
    meta: dict[str, Any] = {
        "symbol": symbol,
        "instrumentType": instrument_type,
        "exchangeTimezoneName": zone,
        "gmtoffset": gmtoffset,
        "dataGranularity": granularity,
        "shortName": name or f"{symbol} Corp",
        "regularMarketPrice": price,
        "regularMarketTime": None if price_time is None else int(price_time.timestamp()),
        "regularMarketVolume": day_volume,
        "previousClose": 1.0,
        "chartPreviousClose": 2.0,
    }
    if regular is not None:
        meta["currentTradingPeriod"] = {
            "regular": {"start": int(regular[0].timestamp()), "end": int(regular[1].timestamp())}
        }
    quote = {
        "open": closes,
        "high": closes,
        "low": closes,
        "close": closes,
        "volume": volumes if volumes is not None else [1000.0] * len(closes),
    }
    result = {
        "meta": meta,
        "timestamp": [int(stamp.timestamp()) for stamp in stamps],
        "indicators": {"quote": [quote]},
    }
    return {"chart": {"result": [result], "error": None}}


def daily_payload(symbol: str, closes: dict[dt.date, float], **kwargs: Any) -> dict[str, Any]:
    stamps = [utc(day, 9, 30) for day in closes]
    return chart_payload(symbol, stamps, list(closes.values()), granularity="1d", **kwargs)


def as_bytes(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


# --- parsing: real captures ---------------------------------------------------------------------


def test_real_daily_capture_parses_to_session_dates() -> None:
    chart = parse_chart(fixture("chart_AAPL_1d_2020-08-31_to_2020-11-07.json"))
    assert isinstance(chart, ChartData)
    assert chart.interval == "1d"
    bars = chart.bars
    assert bars.schema == BARS_SCHEMA
    assert bars.height == 49
    first, last = bars.row(0, named=True), bars.row(-1, named=True)
    # 2020-08-31 13:30 UTC is 09:30 in New York: the bar is dated that session, at 00:00 UTC.
    assert first["ts"] == dt.datetime(2020, 8, 31, tzinfo=dt.UTC)
    assert first["close"] == pytest.approx(129.04, abs=0.01)
    assert first["volume"] == 225_702_700
    assert last["ts"] == dt.datetime(2020, 11, 6, tzinfo=dt.UTC)
    assert bars["ts"].is_sorted() and bars["ts"].n_unique() == 49
    assert (bars["interval"] == "1d").all() and (bars["symbol"] == "AAPL").all()
    assert chart.meta.name == "Apple Inc."
    assert chart.meta.delayed_s == 0


def test_real_empty_window_capture_has_no_bars() -> None:
    chart = parse_chart(fixture("chart_AAPL_1m_2025-02-01_to_2025-02-02_weekend.json"))
    assert isinstance(chart, ChartData)
    assert chart.interval == "1m"
    assert chart.bars.is_empty() and chart.bars.schema == BARS_SCHEMA
    assert chart.meta.price == 244.87


def test_intraday_fixture_drops_null_bars_and_keeps_bar_starts() -> None:
    document = fixture_json("chart_AAPL_5m_1d_prepost_2026-02-10.json")
    stamps = document["chart"]["result"][0]["timestamp"]
    chart = parse_chart(fixture("chart_AAPL_5m_1d_prepost_2026-02-10.json"))
    assert isinstance(chart, ChartData)
    assert chart.interval == "5m"
    assert len(stamps) == 85 and chart.bars.height == 80  # five bars had no trades
    assert chart.bars.row(0, named=True)["ts"] == utc(dt.date(2026, 2, 10), 4, 0)
    assert chart.bars.row(-1, named=True)["ts"] == utc(dt.date(2026, 2, 10), 11, 0)


def test_chart_error_reply() -> None:
    outcome = parse_chart(fixture("chart_error_not_found.json"))
    assert outcome == ChartError("Not Found", "No data found, symbol may be delisted")
    assert outcome.problem == "not found"


@pytest.mark.parametrize(
    ("error", "problem"),
    [
        (ChartError("Not Found", "No data found, symbol may be delisted"), "not found"),
        (ChartError("Bad Request", "Data doesn't exist, symbol may be delisted"), "delisted"),
        (ChartError("Bad Request", "Invalid input - interval=7m"), "rejected by Yahoo: Invalid"),
        (ChartError("Unprocessable Entity", ""), "rejected by Yahoo: Unprocessable Entity"),
    ],
)
def test_chart_error_problems(error: ChartError, problem: str) -> None:
    assert error.problem.startswith(problem)


# --- parsing: nulls, zones, duplicates ----------------------------------------------------------

DAY = dt.date(2026, 2, 10)


def test_nulls_other_than_close_stay_null() -> None:
    stamps = [utc(DAY, 9, 30), utc(DAY, 9, 35), utc(DAY, 9, 40)]
    payload = chart_payload("X", stamps, [10.0, None, 11.0], volumes=[None, 5.0, 7.0])
    payload["chart"]["result"][0]["indicators"]["quote"][0]["open"] = [None, 1.0, 10.5]
    chart = parse_chart(as_bytes(payload))
    assert isinstance(chart, ChartData)
    assert chart.bars["close"].to_list() == [10.0, 11.0]
    assert chart.bars["volume"].to_list() == [None, 7.0]
    assert chart.bars["open"].to_list() == [None, 10.5]


def test_daily_bars_are_dated_in_the_exchange_zone() -> None:
    # 10:00 in Sydney on 10 Feb is 23:00 UTC on 9 Feb: the session is the 10th.
    sydney = dt.datetime(2026, 2, 10, 10, 0, tzinfo=ZoneInfo("Australia/Sydney"))
    # A US partial bar stamped 19:30 New York is already the 11th in UTC.
    late = utc(DAY, 19, 30)
    for zone, stamp in (("Australia/Sydney", sydney), ("America/New_York", late)):
        payload = chart_payload("X", [stamp], [5.0], granularity="1d", zone=zone)
        chart = parse_chart(as_bytes(payload))
        assert isinstance(chart, ChartData)
        assert chart.bars["ts"].to_list() == [dt.datetime(2026, 2, 10, tzinfo=dt.UTC)]


def test_unknown_zone_name_falls_back_to_the_gmt_offset() -> None:
    stamp = dt.datetime(2026, 2, 9, 23, 0, tzinfo=dt.UTC)
    payload = chart_payload("X", [stamp], [5.0], granularity="1d", zone="Mars/Olympus")
    payload["chart"]["result"][0]["meta"]["gmtoffset"] = 36000
    chart = parse_chart(as_bytes(payload))
    assert isinstance(chart, ChartData)
    assert chart.bars["ts"].to_list() == [dt.datetime(2026, 2, 10, tzinfo=dt.UTC)]


def test_a_repeated_bar_keeps_the_later_copy() -> None:
    stamps = [utc(DAY, 9, 30), utc(DAY, 9, 35), utc(DAY, 9, 35)]
    chart = parse_chart(as_bytes(chart_payload("X", stamps, [1.0, 2.0, 3.0])))
    assert isinstance(chart, ChartData)
    assert chart.bars["close"].to_list() == [1.0, 3.0]


def test_delay_is_read_in_minutes() -> None:
    chart = parse_chart(fixture("chart_VIX_5m_1d_2026-02-10.json"))
    assert isinstance(chart, ChartData)
    assert chart.meta.delayed_s == 15 * 60
    assert chart.meta.timezone == ZoneInfo("America/Chicago")


# --- parsing: malformed payloads ----------------------------------------------------------------


def _good() -> dict[str, Any]:
    return chart_payload("X", [utc(DAY, 9, 30)], [1.0])


def _result(payload: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = payload["chart"]["result"][0]
    return result


def _mutate(change: Callable[[dict[str, Any]], object]) -> bytes:
    payload = _good()
    change(payload)
    return as_bytes(payload)


MALFORMED: dict[str, bytes] = {
    "empty body": b"",
    "truncated JSON": fixture("chart_AAPL_5m_1d_prepost_2026-02-10.json")[:700],
    "HTML error page": b"<!DOCTYPE html><html><body>Will be right back...</body></html>",
    "not UTF-8": b"\xff\xfe{",
    "JSON but not a chart": b'{"finance": {"error": null}}',
    "a JSON list": b"[1, 2]",
    "empty result": b'{"chart": {"result": [], "error": null}}',
    "null result without error": b'{"chart": {"result": null, "error": null}}',
    "error not an object": b'{"chart": {"result": null, "error": "boom"}}',
    "no meta": _mutate(lambda p: _result(p).pop("meta")),
    "no symbol": _mutate(lambda p: _result(p)["meta"].pop("symbol")),
    "no zone at all": _mutate(
        lambda p: (
            _result(p)["meta"].pop("exchangeTimezoneName"),
            _result(p)["meta"].pop("gmtoffset"),
        )
    ),
    "weekly bars": _mutate(lambda p: _result(p)["meta"].update(dataGranularity="1wk")),
    "no indicators": _mutate(lambda p: _result(p).pop("indicators")),
    "empty quote list": _mutate(lambda p: _result(p)["indicators"].update(quote=[])),
    "missing close": _mutate(lambda p: _result(p)["indicators"]["quote"][0].pop("close")),
    "string price": _mutate(lambda p: _result(p)["indicators"]["quote"][0].update(close=["1.0"])),
    "boolean volume": _mutate(lambda p: _result(p)["indicators"]["quote"][0].update(volume=[True])),
    "length mismatch": _mutate(lambda p: _result(p)["indicators"]["quote"][0].update(high=[])),
    "timestamp not a list": _mutate(lambda p: _result(p).update(timestamp=12)),
    "null timestamp": _mutate(lambda p: _result(p).update(timestamp=[None])),
    "string market time": _mutate(lambda p: _result(p)["meta"].update(regularMarketTime="now")),
}


@pytest.mark.parametrize("content", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_payloads_raise_a_format_error(content: bytes) -> None:
    with pytest.raises(ChartFormatError):
        parse_chart(content)


# --- quote from an intraday chart ---------------------------------------------------------------


def test_regular_session_quote_uses_yahoos_price_and_regular_bars() -> None:
    chart = parse_chart(fixture("chart_AAPL_5m_1d_prepost_2026-02-10.json"))
    assert isinstance(chart, ChartData)
    quote = quote_from_chart(chart, CAPTURED)
    assert quote is not None
    assert quote.ts == utc(DAY, 11, 2) + dt.timedelta(seconds=10)
    assert quote.last == 270.85
    # Open/high/low from the regular bars only: the pre-market traded above 274.54 never counts.
    assert (quote.open, quote.high, quote.low) == (272.88, 274.54, 270.26)
    assert quote.volume == 12_391_712
    assert quote.session_date == DAY


def test_post_market_price_is_apart_from_the_regular_close() -> None:
    stamps = [utc(DAY, 15, 55), utc(DAY, 16, 30), utc(DAY, 17, 5)]
    payload = chart_payload(
        "X",
        stamps,
        [100.0, 101.0, 102.0],
        price=100.5,
        price_time=utc(DAY, 16, 0),
        day_volume=5e6,
        regular=(utc(DAY, 9, 30), utc(DAY, 16, 0)),
    )
    chart = parse_chart(as_bytes(payload))
    assert isinstance(chart, ChartData)
    now = utc(DAY, 17, 7)
    quote = quote_from_chart(chart, now)
    assert quote is not None
    # The regular close stays the price whose change the rows show; the post-market price is
    # apart, timed now while the 17:05 bar is still open.
    assert (quote.last, quote.ts) == (100.5, utc(DAY, 16, 0))
    assert (quote.ext_last, quote.ext_ts, quote.ext_session) == (102.0, now, "post")
    assert (quote.open, quote.high, quote.low, quote.volume) == (100.0, 100.0, 100.0, 5e6)
    later = quote_from_chart(chart, utc(DAY, 18, 0))
    assert later is not None and later.ext_ts == utc(DAY, 17, 10)  # a finished bar: its end


def test_pre_market_quote_keeps_the_last_regular_session_and_the_pre_market_price() -> None:
    yesterday = dt.date(2026, 2, 9)
    payload = chart_payload(
        "X",
        [utc(DAY, 4, 0), utc(DAY, 7, 15)],
        [99.0, 98.5],
        price=100.0,
        price_time=utc(yesterday, 16, 0),
        day_volume=5e6,
        regular=(utc(DAY, 9, 30), utc(DAY, 16, 0)),
    )
    chart = parse_chart(as_bytes(payload))
    assert isinstance(chart, ChartData)
    quote = quote_from_chart(chart, utc(DAY, 7, 17))
    assert quote is not None
    # The row's price is yesterday's close (its change yesterday's); today's pre-market is apart.
    assert (quote.last, quote.session_date) == (100.0, yesterday)
    assert (quote.ext_last, quote.ext_ts, quote.ext_session) == (98.5, utc(DAY, 7, 17), "pre")
    assert (quote.open, quote.high, quote.low) == (None, None, None)


def test_trading_periods_tell_pre_and_post_market_bars() -> None:
    payload = chart_payload(
        "X",
        [utc(DAY, 9, 55), utc(DAY, 16, 5)],
        [100.0, 101.0],
        price=100.0,
        price_time=utc(DAY, 10, 0),
        regular=(utc(DAY, 9, 30), utc(DAY, 16, 0)),
    )
    # A half day by Yahoo's periods: the regular session ends at 13:00, post-market until 17:00.
    payload["chart"]["result"][0]["meta"]["tradingPeriods"] = {
        session: [[{"start": int(start.timestamp()), "end": int(end.timestamp())}]]
        for session, start, end in (
            ("pre", utc(DAY, 4, 0), utc(DAY, 9, 30)),
            ("regular", utc(DAY, 9, 30), utc(DAY, 13, 0)),
            ("post", utc(DAY, 13, 0), utc(DAY, 17, 0)),
        )
    }
    chart = parse_chart(as_bytes(payload))
    assert isinstance(chart, ChartData)
    assert [bar_session(chart, utc(DAY, h, m)) for h, m in ((5, 0), (12, 0), (14, 0), (18, 0))] == [
        "pre",
        "regular",
        "post",
        None,
    ]
    quote = quote_from_chart(chart, utc(DAY, 16, 20))
    assert quote is not None
    assert (quote.last, quote.ext_last, quote.ext_session) == (100.0, 101.0, "post")


def test_regular_window_comes_from_yahoo_when_it_differs_from_the_nyse() -> None:
    # ^TNX-like: Yahoo's regular period opens at 08:20 New York, before the NYSE bell.
    start, end = utc(DAY, 8, 20), utc(DAY, 15, 0)
    payload = chart_payload(
        "^TNX",
        [utc(DAY, 8, 20), utc(DAY, 9, 0), utc(DAY, 10, 0)],
        [4.20, 4.31, 4.25],
        zone="America/Chicago",
        price=4.25,
        price_time=utc(DAY, 10, 2),
        regular=(start, end),
        instrument_type="INDEX",
    )
    chart = parse_chart(as_bytes(payload))
    assert isinstance(chart, ChartData)
    quote = quote_from_chart(chart, utc(DAY, 10, 3))
    assert quote is not None
    assert (quote.open, quote.high, quote.low) == (4.20, 4.31, 4.20)


def test_nyse_hours_are_used_when_yahoos_period_is_another_day() -> None:
    tomorrow = DAY + dt.timedelta(days=1)
    payload = chart_payload(
        "X",
        [utc(DAY, 9, 0), utc(DAY, 9, 30), utc(DAY, 15, 55), utc(DAY, 16, 0)],
        [1.0, 2.0, 3.0, 4.0],
        price=3.0,
        price_time=utc(DAY, 16, 0),
        regular=(utc(tomorrow, 9, 30), utc(tomorrow, 16, 0)),
    )
    chart = parse_chart(as_bytes(payload))
    assert isinstance(chart, ChartData)
    quote = quote_from_chart(chart, utc(DAY, 22, 0))
    assert quote is not None
    assert (quote.open, quote.high, quote.low) == (2.0, 3.0, 2.0)


def test_a_chart_with_no_price_has_no_quote() -> None:
    payload = chart_payload("X", [], [])
    del payload["chart"]["result"][0]["timestamp"]
    chart = parse_chart(as_bytes(payload))
    assert isinstance(chart, ChartData)
    assert quote_from_chart(chart, CAPTURED) is None


def test_daily_range_covers_the_sessions_asked_for() -> None:
    assert [daily_range(n) for n in (1, 252, 253, 312, 504, 505, 1260, 2520, 2521)] == [
        "1y",
        "1y",
        "2y",
        "2y",
        "2y",
        "5y",
        "5y",
        "10y",
        "max",
    ]


# --- the source end to end ----------------------------------------------------------------------


class FakeClock:
    def __init__(self, start: dt.datetime = CAPTURED) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


class YahooDouble:
    """Chart payloads per (symbol, interval) served by the fault server; unknown symbols
    answer 404 with Yahoo's error body. The spark endpoint answers from the same charts, in
    its flat shape: each known symbol's closes and its chart's ``chartPreviousClose``."""

    def __init__(self) -> None:
        self.payloads: dict[tuple[str, str], bytes] = {}

    def add(self, symbol: str, interval: str, content: bytes | dict[str, Any]) -> None:
        body = content if isinstance(content, bytes) else as_bytes(content)
        self.payloads[(symbol, interval)] = body

    def __call__(self, request: RecordedRequest) -> Reply:
        if request.path == SPARK:
            return self.spark(request)
        symbol = request.path.removeprefix(CHART)
        body = self.payloads.get((symbol, request.query["interval"]))
        if body is None:
            return Reply(404, fixture("chart_error_not_found.json"))
        return Reply(200, body, {"Content-Type": "application/json"})

    def spark(self, request: RecordedRequest) -> Reply:
        answer = {}
        for symbol in request.query["symbols"].split(","):
            body = self.payloads.get((symbol, request.query["interval"]))
            if body is None:
                continue
            result = json.loads(body)["chart"]["result"][0]
            closes = result["indicators"]["quote"][0].get("close")
            answer[symbol] = {
                "symbol": symbol,
                "timestamp": result.get("timestamp"),
                "close": closes if "timestamp" in result else None,
                "chartPreviousClose": result["meta"].get("chartPreviousClose"),
                "previousClose": result["meta"].get("previousClose"),
                "dataGranularity": 300,
            }
        if not answer:
            return Reply(404, fixture("chart_error_not_found.json"))
        return json_reply(answer)


def aapl_intraday() -> dict[str, Any]:
    """The intraday fixture with meta's previousClose made wrong on purpose (spark's
    chartPreviousClose of a one-day window is the close before the day)."""
    payload = fixture_json("chart_AAPL_5m_1d_prepost_2026-02-10.json")
    payload["chart"]["result"][0]["meta"].update(previousClose=1.0)
    return payload


VIX_DAILY = {dt.date(2026, 2, 6): 19.5, dt.date(2026, 2, 9): 20.87, dt.date(2026, 2, 10): 21.4}


@pytest.fixture
def double() -> YahooDouble:
    yahoo = YahooDouble()
    yahoo.add("AAPL", "5m", aapl_intraday())
    yahoo.add("AAPL", "1d", fixture("chart_AAPL_1d_5d_2026-02-10.json"))
    yahoo.add("^VIX", "5m", fixture("chart_VIX_5m_1d_2026-02-10.json"))
    vix_daily = daily_payload(
        "^VIX",
        VIX_DAILY,
        zone="America/Chicago",
        instrument_type="INDEX",
        name="CBOE Volatility Index",
    )
    yahoo.add("^VIX", "1d", vix_daily)
    return yahoo


@pytest_asyncio.fixture
async def server(double: YahooDouble) -> AsyncIterator[FaultServer]:
    async with FaultServer() as fault_server:
        fault_server.fallback = double
        yield fault_server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest_asyncio.fixture
async def yahoo(server: FaultServer, clock: FakeClock) -> AsyncIterator[YahooSource]:
    async def no_wait(seconds: float) -> None:
        return None

    settings = HttpSettings(
        connect_timeout=1, read_timeout=2, retries=1, requests_per_minute=6000, budget_burst=100
    )
    client = HttpClient(settings, sleep=no_wait, clock=clock)
    try:
        yield YahooSource(client, YahooSettings(base_url=server.url + "/"), clock=clock)
    finally:
        await client.aclose()


def charts_requested(server: FaultServer, symbol: str, interval: str) -> list[RecordedRequest]:
    return [r for r in server.requests_to(CHART + symbol) if r.query["interval"] == interval]


def sparks_requested(server: FaultServer) -> list[RecordedRequest]:
    return server.requests_to(SPARK)


async def test_quotes_end_to_end(yahoo: YahooSource, server: FaultServer) -> None:
    """One spark request for every symbol: the newest close is the last price, timed at its
    bar's end (or now, while the bar is open); the previous close is spark's close before the
    day's window, not meta's previousClose."""
    outcome = await yahoo.quotes(["AAPL", "^VIX", "NOPE", "AAPL"])
    assert isinstance(outcome, Fetched)
    frame = outcome.frame
    assert frame.schema == QUOTES_SCHEMA
    assert conform(frame, Dataset.QUOTES).equals(frame)
    assert frame["symbol"].to_list() == ["AAPL", "^VIX"]
    assert outcome.problems == {"NOPE": "not found"}
    aapl, vix = frame.rows(named=True)
    assert aapl == {
        "symbol": "AAPL",
        "ts": CAPTURED,  # the 11:00 bar is still open
        "last": 270.85,
        "prev_close": 274.62,  # chartPreviousClose of the day's window, not meta's 1.0
        "open": None,  # spark carries no day figures, and no chart of AAPL is held
        "high": None,
        "low": None,
        "volume": None,
        "session": "regular",
        "delayed_s": 0,
        "source": "yahoo",
        "ext_last": None,  # 11:02 is the regular session: no pre- or post-market price
        "ext_ts": None,
        "ext_session": None,
    }
    assert (vix["last"], vix["prev_close"]) == (21.42, 20.87)
    assert vix["ts"] == utc(DAY, 10, 45) + dt.timedelta(minutes=5)  # the closed bar's end
    assert outcome.as_of == aapl["ts"]
    (request,) = sparks_requested(server)
    assert request.query == {
        "symbols": "AAPL,^VIX,NOPE",
        "range": "1d",
        "interval": "5m",
        "includePrePost": "true",
    }
    assert request.headers["user-agent"] == HttpSettings().user_agent
    assert not [r for r in server.requests if r.path.startswith(CHART)]


async def test_twenty_symbols_a_request(
    yahoo: YahooSource, server: FaultServer, double: YahooDouble
) -> None:
    names = [f"S{index:02d}" for index in range(45)]
    for name in names:
        double.add(name, "5m", chart_payload(name, [utc(DAY, 10, 0)], [10.0]))
    outcome = await yahoo.quotes(names)
    assert isinstance(outcome, Fetched)
    assert outcome.frame["symbol"].to_list() == names
    sizes = [len(r.query["symbols"].split(",")) for r in sparks_requested(server)]
    assert sorted(sizes) == [5, 20, 20]


async def test_pre_market_spark_quote_is_yesterdays_session_with_the_pre_market_price_apart(
    yahoo: YahooSource, server: FaultServer, double: YahooDouble, clock: FakeClock
) -> None:
    """Spark asked with includePrePost carries the pre-market bars: the row stays yesterday's
    regular session (its close against the one before), the pre-market price apart, and no
    chart is asked for it."""
    tomorrow = DAY + dt.timedelta(days=1)
    clock.now = utc(tomorrow, 7, 0)
    pre = chart_payload("AAPL", [utc(tomorrow, 4, 0), utc(tomorrow, 6, 55)], [271.0, 272.0])
    pre["chart"]["result"][0]["meta"]["chartPreviousClose"] = 269.5  # yesterday's close
    double.add("AAPL", "5m", pre)
    alone = await yahoo.quotes(["AAPL"])
    assert isinstance(alone, Fetched)
    row = alone.frame.row(0, named=True)
    assert (row["last"], row["ts"], row["session"]) == (269.5, utc(DAY, 16, 0), "pre")
    assert row["prev_close"] is None  # spark's close before the window is the row's own price
    assert (row["ext_last"], row["ext_ts"], row["ext_session"]) == (272.0, clock.now, "pre")
    assert not [r for r in server.requests if r.path.startswith(CHART)]

    double.add(
        "AAPL", "1d", daily_payload("AAPL", {DAY - dt.timedelta(days=1): 274.62, DAY: 269.5})
    )
    await yahoo.bars(["AAPL"], "1d", 3)
    held = await yahoo.quotes(["AAPL"])
    assert isinstance(held, Fetched)
    row = held.frame.row(0, named=True)
    assert (row["last"], row["prev_close"], row["ext_last"]) == (269.5, 274.62, 272.0)


async def test_post_market_spark_quote_keeps_the_regular_close_and_the_post_price_apart(
    yahoo: YahooSource, double: YahooDouble, clock: FakeClock
) -> None:
    stamps = [utc(DAY, 15, 50), utc(DAY, 15, 55), utc(DAY, 16, 30), utc(DAY, 17, 5)]
    double.add("X", "5m", chart_payload("X", stamps, [100.0, 100.5, 101.0, 102.0]))
    # An index keeps its own hours: a bar after 16:00 is its regular session's, not post.
    double.add("^X", "5m", chart_payload("^X", stamps, [10.0, 10.5, 11.0, 12.0]))
    clock.now = utc(DAY, 17, 7)
    outcome = await yahoo.quotes(["X", "^X"])
    assert isinstance(outcome, Fetched)
    stock, index = outcome.frame.rows(named=True)
    assert (stock["last"], stock["ts"], stock["prev_close"]) == (100.5, utc(DAY, 16, 0), 2.0)
    assert (stock["ext_last"], stock["ext_ts"], stock["ext_session"]) == (102.0, clock.now, "post")
    assert (index["last"], index["ts"], index["ext_last"]) == (12.0, clock.now, None)


def trading_period(start: dt.datetime, end: dt.datetime) -> list[list[dict[str, Any]]]:
    """One day's period in the nested form of ``meta.tradingPeriods``."""
    seconds = {"start": int(start.timestamp()), "end": int(end.timestamp())}
    return [[{**seconds, "timezone": "EST", "gmtoffset": -18000}]]


async def test_a_spark_quote_takes_its_sessions_from_a_held_chart(
    yahoo: YahooSource, double: YahooDouble, clock: FakeClock
) -> None:
    """Where Yahoo's trading periods are held (the sector ETFs' intraday charts), they say
    which bars are pre or post market, not the NYSE calendar: here an early close at 13:00."""
    stamps = [utc(DAY, 12, 55), utc(DAY, 13, 30)]
    payload = chart_payload("X", stamps, [50.0, 51.0], regular=(utc(DAY, 9, 30), utc(DAY, 13, 0)))
    payload["chart"]["result"][0]["meta"]["tradingPeriods"] = {
        "pre": trading_period(utc(DAY, 4, 0), utc(DAY, 9, 30)),
        "regular": trading_period(utc(DAY, 9, 30), utc(DAY, 13, 0)),
        "post": trading_period(utc(DAY, 13, 0), utc(DAY, 17, 0)),
    }
    double.add("X", "5m", payload)
    clock.now = utc(DAY, 13, 40)
    await yahoo.bars(["X"], "5m", 1)
    outcome = await yahoo.quotes(["X"])
    assert isinstance(outcome, Fetched)
    row = outcome.frame.row(0, named=True)
    assert (row["last"], row["ext_last"], row["ext_session"]) == (50.0, 51.0, "post")


async def test_a_quote_takes_the_day_figures_of_the_newest_intraday_chart(
    yahoo: YahooSource, server: FaultServer
) -> None:
    """The intraday job fetches the sector ETFs' bars (relative volume needs their volumes):
    their quotes take the day's open, high, low and volume from those bars, at no request."""
    await yahoo.bars(["AAPL"], "5m", 21)
    outcome = await yahoo.quotes(["AAPL"])
    assert isinstance(outcome, Fetched)
    row = outcome.frame.row(0, named=True)
    assert (row["open"], row["high"], row["low"], row["volume"]) == (
        272.88,
        274.54,
        270.26,
        12_391_712.0,
    )
    assert len(charts_requested(server, "AAPL", "5m")) == 1
    assert len(sparks_requested(server)) == 1


async def test_daily_closes_win_over_sparks_previous_close(
    yahoo: YahooSource, server: FaultServer, double: YahooDouble, clock: FakeClock
) -> None:
    """Daily bars held for the session give the previous close; spark's chartPreviousClose
    only stands in for symbols whose daily bars are not held."""
    wrong = aapl_intraday()
    wrong["chart"]["result"][0]["meta"]["chartPreviousClose"] = 2.0
    double.add("AAPL", "5m", wrong)
    alone = await yahoo.quotes(["AAPL"])
    assert isinstance(alone, Fetched) and alone.frame["prev_close"].to_list() == [2.0]
    clock.advance(60)
    await yahoo.bars(["AAPL"], "1d", 3)
    outcome = await yahoo.quotes(["AAPL"])
    assert isinstance(outcome, Fetched)
    assert outcome.frame["prev_close"].to_list() == [274.62]  # the 9 Feb daily close


async def test_daily_history_is_fetched_once_a_session_and_kept_on_disk(
    server: FaultServer, double: YahooDouble, clock: FakeClock, tmp_path: Path
) -> None:
    async def no_wait(seconds: float) -> None:
        return None

    settings = HttpSettings(retries=0, requests_per_minute=6000, budget_burst=100)
    cache = Cache(tmp_path)

    def source(client: HttpClient) -> YahooSource:
        return YahooSource(client, YahooSettings(base_url=server.url), clock=clock, cache=cache)

    client = HttpClient(settings, sleep=no_wait, clock=clock)
    try:
        first = await source(client).bars(["AAPL"], "1d", 3)
    finally:
        await client.aclose()
    assert isinstance(first, Fetched)
    assert len(charts_requested(server, "AAPL", "1d")) == 1

    # A restart later the same day: the copy on disk serves it, and the quote's previous close.
    clock.advance(3600)
    client = HttpClient(settings, sleep=no_wait, clock=clock)
    try:
        restarted = source(client)
        again = await restarted.bars(["AAPL"], "1d", 3)
        wider = await restarted.bars(["AAPL"], "1d", 300)  # more than the copy holds: asked
    finally:
        await client.aclose()
    assert isinstance(again, Fetched) and again.frame.equals(first.frame)
    assert isinstance(wider, Fetched)
    assert [r.query["range"] for r in charts_requested(server, "AAPL", "1d")] == ["1y", "2y"]

    # The next day, once the 10 Feb close has settled: asked again, once.
    clock.now = utc(DAY + dt.timedelta(days=1), 9, 0)
    client = HttpClient(settings, sleep=no_wait, clock=clock)
    try:
        next_day = source(client)
        for _ in range(2):
            await next_day.bars(["AAPL"], "1d", 3)
    finally:
        await client.aclose()
    assert len(charts_requested(server, "AAPL", "1d")) == 3


async def test_a_daily_history_holding_figures_that_cannot_be_right_is_not_kept(
    server: FaultServer, double: YahooDouble, clock: FakeClock, tmp_path: Path
) -> None:
    """A history with a close of 0 is given to its ask (the scheduler screens it) but neither
    kept in memory nor on disk: the next ask asks again, and once the server sends sane
    figures they are what is served, with no bad row left to count."""

    async def no_wait(seconds: float) -> None:
        return None

    settings = HttpSettings(retries=0, requests_per_minute=6000, budget_burst=100)
    cache = Cache(tmp_path)
    client = HttpClient(settings, sleep=no_wait, clock=clock)
    garbage = {day: 0.0 for day in VIX_DAILY}
    double.add("^VIX", "1d", daily_payload("^VIX", garbage, instrument_type="INDEX"))
    try:
        yahoo = YahooSource(client, YahooSettings(base_url=server.url), clock=clock, cache=cache)
        hostile = await yahoo.bars(["^VIX"], "1d", 3)
        double.add("^VIX", "1d", daily_payload("^VIX", VIX_DAILY, instrument_type="INDEX"))
        clock.advance(60)
        healed = await yahoo.bars(["^VIX"], "1d", 3)
    finally:
        await client.aclose()
    assert isinstance(hostile, Fetched)
    assert screen(hostile, Dataset.BARS, clock.now, "yahoo").bad_rows == 3
    assert isinstance(healed, Fetched)
    assert healed.frame["close"].to_list() == list(VIX_DAILY.values())
    assert screen(healed, Dataset.BARS, clock.now, "yahoo").bad_rows == 0
    assert len(charts_requested(server, "^VIX", "1d")) == 2
    kept = cache.read_frame("yahoo/daily/^VIX", BARS_SCHEMA)
    assert kept is not None and kept["close"].to_list() == list(VIX_DAILY.values())


async def test_a_daily_history_on_disk_holding_figures_that_cannot_be_right_is_discarded(
    server: FaultServer, clock: FakeClock, tmp_path: Path
) -> None:
    """A copy kept by a version that checked less does not serve: the history is asked again."""

    async def no_wait(seconds: float) -> None:
        return None

    cache = Cache(tmp_path)
    bars = parse_chart(as_bytes(daily_payload("^VIX", {dt.date(2026, 2, 9): 0.0})))
    assert isinstance(bars, ChartData)
    cache.write_frame("yahoo/daily/^VIX", bars.bars)
    meta = {"fetched_at": CAPTURED.isoformat(), "range": "1y"}  # would serve the day
    cache.write_bytes("yahoo/daily/^VIX", json.dumps(meta).encode())
    client = HttpClient(HttpSettings(retries=0), sleep=no_wait, clock=clock)
    try:
        yahoo = YahooSource(client, YahooSettings(base_url=server.url), clock=clock, cache=cache)
        outcome = await yahoo.bars(["^VIX"], "1d", 3)
    finally:
        await client.aclose()
    assert isinstance(outcome, Fetched)
    assert outcome.frame["close"].to_list() == list(VIX_DAILY.values())
    assert len(charts_requested(server, "^VIX", "1d")) == 1


async def test_a_spark_bar_from_the_future_is_not_timed_now(
    yahoo: YahooSource, double: YahooDouble
) -> None:
    """A quote from a bar stamped in the year 2100 keeps that time, so the sanity check sees
    it and the row says why it has no figure, instead of passing for a live price."""
    future = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
    double.add("^VIX", "5m", chart_payload("^VIX", [utc(DAY, 10, 0), future], [20.0, 21.0]))
    outcome = await yahoo.quotes(["^VIX"])
    assert isinstance(outcome, Fetched)
    assert outcome.frame["ts"].to_list() == [future]
    screened = screen(outcome, Dataset.QUOTES, CAPTURED, "yahoo")
    assert screened.frame.is_empty()
    assert screened.problems == {"^VIX": "bad data: ts 2100-01-01 00:00 UTC is in the future"}


def test_a_quote_from_a_bar_is_timed_at_its_end_or_now_while_it_is_open() -> None:
    start = utc(DAY, 10, 0)
    assert bar_quote_time(start, "5m", CAPTURED) == start + dt.timedelta(minutes=5)
    assert bar_quote_time(start, "5m", start + dt.timedelta(minutes=2)) == start + dt.timedelta(
        minutes=2
    )
    assert bar_quote_time(start, "5m", start - dt.timedelta(hours=1)) == start


def test_intraday_range_covers_the_sessions_asked_for_in_one_request() -> None:
    today = dt.date(2026, 2, 11)  # a month back: Jan 12 to Feb 11, MLK day off, 22 sessions
    assert [intraday_range("5m", n, today) for n in (0, 1, 2, 5, 6, 22, 23, 60)] == [
        "1d",
        "1d",
        "5d",
        "5d",
        "1mo",
        "1mo",
        "3mo",
        "3mo",
    ]
    # Yahoo keeps 1-minute bars for a week: five sessions is the most one request brings.
    assert intraday_range("1m", 21, today) == "5d"
    may = dt.date(2026, 5, 29)  # a month back: Apr 30 to May 29, Memorial Day off, 21 sessions
    assert (intraday_range("5m", 21, may), intraday_range("5m", 22, may)) == ("1mo", "3mo")


async def test_intraday_bars_read_a_wider_reply_just_fetched(
    yahoo: YahooSource, server: FaultServer, clock: FakeClock
) -> None:
    """The intraday job asks for a month of bars (relative volume by time of day): the
    drill-down's bars asked for just after read its newest sessions instead of asking again."""
    month = await yahoo.bars(["AAPL"], "5m", 21)
    clock.advance(3)
    day = await yahoo.bars(["AAPL"], "5m", 1)
    assert isinstance(month, Fetched) and isinstance(day, Fetched)
    (request,) = charts_requested(server, "AAPL", "5m")
    assert request.query["range"] == "1mo"
    assert day.frame.height == 80
    clock.advance(10)  # past the shared-reply TTL
    await yahoo.bars(["AAPL"], "5m", 1)
    assert len(charts_requested(server, "AAPL", "5m")) == 2


async def test_the_sharing_window_starts_when_the_reply_arrives(
    yahoo: YahooSource, server: FaultServer, double: YahooDouble, clock: FakeClock
) -> None:
    def slow_reply(request: RecordedRequest) -> Reply:
        clock.advance(6)  # the reply takes longer than the sharing window itself
        return double(request)

    server.script(CHART + "AAPL", slow_reply)
    await yahoo.bars(["AAPL"], "5m", 1)
    await yahoo.bars(["AAPL"], "5m", 1)
    assert len(charts_requested(server, "AAPL", "5m")) == 1


async def test_intraday_closes_come_twenty_symbols_a_request(
    yahoo: YahooSource, server: FaultServer
) -> None:
    outcome = await yahoo.intraday_closes(["AAPL", "^VIX", "NOPE"], "5m")
    assert isinstance(outcome, Fetched)
    assert outcome.frame.schema == BARS_SCHEMA
    assert set(outcome.frame["symbol"]) == {"AAPL", "^VIX"}
    assert outcome.frame.filter(symbol="AAPL").height == 80
    assert outcome.frame["volume"].null_count() == outcome.frame.height
    assert outcome.problems == {"NOPE": "not found"}
    assert len(sparks_requested(server)) == 1 and not charts_requested(server, "AAPL", "5m")


MEMBER_DAILY = {dt.date(2026, 2, 6): 30.0, dt.date(2026, 2, 9): 31.0, dt.date(2026, 2, 10): 32.5}


async def test_daily_closes_come_twenty_symbols_a_spark_request(
    yahoo: YahooSource, server: FaultServer, double: YahooDouble
) -> None:
    """The members' daily closes: spark with a daily interval, 20 symbols a request, no chart;
    each bar at its session's date, only its close known."""
    names = [f"M{index:02d}" for index in range(45)]
    for name in names:
        double.add(name, "1d", daily_payload(name, MEMBER_DAILY))
    outcome = await yahoo.daily_closes([*names, "NOPE"], 2)
    assert isinstance(outcome, Fetched)
    frame = outcome.frame
    assert frame.schema == BARS_SCHEMA
    assert frame["symbol"].unique(maintain_order=True).to_list() == names
    first = frame.filter(symbol="M00")
    assert first["ts"].to_list() == [dt.datetime(2026, 2, d, tzinfo=dt.UTC) for d in (9, 10)]
    assert first["close"].to_list() == [31.0, 32.5]  # the last 2 sessions asked for
    assert (frame["interval"] == "1d").all()
    for column in ("open", "high", "low", "volume"):
        assert frame[column].null_count() == frame.height
    assert outcome.problems == {"NOPE": "not found"}
    sparks = sparks_requested(server)
    assert sorted(len(r.query["symbols"].split(",")) for r in sparks) == [6, 20, 20]
    assert {(r.query["interval"], r.query["range"], r.query["includePrePost"]) for r in sparks} == {
        ("1d", "1mo", "false")
    }
    assert not [r for r in server.requests if r.path.startswith(CHART)]


async def test_daily_closes_give_later_quotes_their_previous_close(
    yahoo: YahooSource, double: YahooDouble
) -> None:
    """As a daily history's: spark's chartPreviousClose stands in only without them."""
    wrong = aapl_intraday()
    wrong["chart"]["result"][0]["meta"]["chartPreviousClose"] = 2.0
    double.add("AAPL", "5m", wrong)
    await yahoo.daily_closes(["AAPL"], 55)
    outcome = await yahoo.quotes(["AAPL"])
    assert isinstance(outcome, Fetched)
    assert outcome.frame["prev_close"].to_list() == [274.62]  # the 9 Feb daily close


async def test_zero_sessions_is_no_data(yahoo: YahooSource) -> None:
    for interval in ("5m", "1d"):
        outcome = await yahoo.bars(["AAPL"], interval, 0)
        assert isinstance(outcome, Fetched)
        assert outcome.frame.is_empty() and outcome.problems == {"AAPL": "no data"}


async def test_a_failed_reply_is_not_shared(yahoo: YahooSource, server: FaultServer) -> None:
    server.script(CHART + "AAPL", server_error(503), server_error(503))
    failed = await yahoo.bars(["AAPL"], "5m", 1)
    assert isinstance(failed, Failed)
    recovered = await yahoo.bars(["AAPL"], "5m", 1)  # same instant: well within the TTL
    assert isinstance(recovered, Fetched) and recovered.frame.height == 80


async def test_daily_bars_end_to_end(yahoo: YahooSource, server: FaultServer) -> None:
    outcome = await yahoo.bars(["AAPL", "GONE"], "1d", 3)
    assert isinstance(outcome, Fetched)
    frame = outcome.frame
    assert frame.schema == BARS_SCHEMA
    assert frame["ts"].to_list() == [dt.datetime(2026, 2, day, tzinfo=dt.UTC) for day in (6, 9, 10)]
    assert frame["close"].to_list() == [275.91, 274.62, 270.85]
    assert (frame["interval"] == "1d").all()
    assert outcome.problems == {"GONE": "not found"}
    assert outcome.as_of == dt.datetime(2026, 2, 10, tzinfo=dt.UTC)
    assert charts_requested(server, "AAPL", "1d")[0].query["range"] == "1y"
    await yahoo.bars(["AAPL"], "1d", 312)
    assert charts_requested(server, "AAPL", "1d")[1].query["range"] == "2y"


async def test_intraday_bars_keep_the_last_sessions(
    yahoo: YahooSource, server: FaultServer, double: YahooDouble
) -> None:
    days = [dt.date(2026, 2, d) for d in (6, 9, 10)]
    stamps = [utc(day, hour, 0) for day in days for hour in (10, 19)]
    double.add("MSFT", "1m", chart_payload("MSFT", stamps, [float(i) for i in range(6)]))
    outcome = await yahoo.bars(["MSFT"], "1m", 2)
    assert isinstance(outcome, Fetched)
    assert outcome.frame["ts"].to_list() == stamps[2:]  # 19:00 ET is already tomorrow in UTC
    assert charts_requested(server, "MSFT", "1m")[0].query == {
        "interval": "1m",
        "range": "5d",
        "includePrePost": "true",
    }


async def test_rows_carry_the_symbol_asked_for(yahoo: YahooSource, double: YahooDouble) -> None:
    double.add("brk-b", "1d", daily_payload("BRK-B", {DAY: 480.0}))
    outcome = await yahoo.bars(["brk-b"], "1d", 5)
    assert isinstance(outcome, Fetched)
    assert outcome.frame["symbol"].to_list() == ["brk-b"]


async def test_an_empty_window_is_no_data(yahoo: YahooSource, double: YahooDouble) -> None:
    double.add("AAPL", "1m", fixture("chart_AAPL_1m_2025-02-01_to_2025-02-02_weekend.json"))
    outcome = await yahoo.bars(["AAPL"], "1m", 1)
    assert isinstance(outcome, Fetched)
    assert outcome.frame.is_empty() and outcome.frame.schema == BARS_SCHEMA
    assert outcome.problems == {"AAPL": "no data"}
    assert outcome.as_of == CAPTURED


async def test_a_symbol_with_no_price_at_all_is_no_data(
    yahoo: YahooSource, double: YahooDouble
) -> None:
    empty = chart_payload("ZZZ", [], [])
    del empty["chart"]["result"][0]["timestamp"]
    double.add("ZZZ", "5m", empty)
    outcome = await yahoo.quotes(["ZZZ", "AAPL"])
    assert isinstance(outcome, Fetched)
    assert outcome.frame["symbol"].to_list() == ["AAPL"]
    assert outcome.problems == {"ZZZ": "no data"}


async def test_every_symbol_unknown_is_still_an_answer(yahoo: YahooSource) -> None:
    outcome = await yahoo.quotes(["NOPE", "NADA"])
    assert isinstance(outcome, Fetched)
    assert outcome.frame.is_empty()
    assert outcome.problems == {"NOPE": "not found", "NADA": "not found"}


async def test_a_404_page_that_is_not_json_means_not_found(
    yahoo: YahooSource, server: FaultServer
) -> None:
    server.serve(CHART + "OLD", Reply(404, b"<html>gone</html>"))
    outcome = await yahoo.bars(["OLD", "AAPL"], "1d", 5)
    assert isinstance(outcome, Fetched)
    assert outcome.problems == {"OLD": "not found"}


async def test_unreadable_replies(yahoo: YahooSource, server: FaultServer) -> None:
    page = Reply(200, b"<!DOCTYPE html><title>Yahoo will be right back</title>")
    server.serve(CHART + "MSFT", page)
    partly = await yahoo.bars(["MSFT", "AAPL"], "1d", 5)
    assert isinstance(partly, Fetched)
    assert partly.problems == {"MSFT": "unreadable reply"}
    assert set(partly.frame["symbol"]) == {"AAPL"}
    server.serve(CHART + "^VIX", page)  # AAPL's history is held now: not asked again
    wholly = await yahoo.bars(["MSFT", "^VIX"], "1d", 5)
    assert isinstance(wholly, Failed)
    assert wholly.kind is FailureKind.PARSE
    assert "2 of 2 symbols failed" in wholly.message


async def test_network_failure_of_every_symbol_is_a_failure(
    yahoo: YahooSource, server: FaultServer
) -> None:
    server.serve(SPARK, server_error(503))
    outcome = await yahoo.quotes(["AAPL", "^VIX"])
    assert isinstance(outcome, Failed)
    assert (outcome.source, outcome.kind) == ("yahoo", FailureKind.HTTP)
    assert "503" in outcome.message


async def test_partial_network_failure_names_the_symbols(
    yahoo: YahooSource, server: FaultServer, double: YahooDouble
) -> None:
    """A spark batch that fails costs its own symbols, not the other batches'."""
    names = [f"S{index:02d}" for index in range(21)]
    for name in names:
        double.add(name, "5m", chart_payload(name, [utc(DAY, 10, 0)], [10.0]))

    def second_batch_fails(request: RecordedRequest) -> Reply:
        if "S20" in request.query["symbols"]:
            return server_error(502)
        return double(request)

    server.fallback = second_batch_fails
    outcome = await yahoo.quotes(names)
    assert isinstance(outcome, Fetched)
    assert outcome.frame["symbol"].to_list() == names[:20]
    assert outcome.problems == {"S20": "HTTP error"}


async def test_rate_limit_fails_the_batch_and_stops_asking(
    yahoo: YahooSource, server: FaultServer, clock: FakeClock
) -> None:
    server.script(CHART + "AAPL", json_reply({}, status=429))
    outcome = await yahoo.bars(["AAPL", "^VIX"], "1d", 5)
    # ^VIX may have been answered before the 429 arrived; either way nothing is hammered.
    if isinstance(outcome, Fetched):
        assert outcome.problems == {"AAPL": "rate limited"}
    else:
        assert outcome.kind is FailureKind.RATE_LIMITED
    sent = len(server.requests)
    blocked = await yahoo.quotes(["AAPL", "^VIX"])
    assert isinstance(blocked, Failed)
    assert blocked.kind is FailureKind.RATE_LIMITED
    assert blocked.retry_at == CAPTURED + dt.timedelta(seconds=60)
    assert len(server.requests) == sent


async def test_describe_and_known_symbols_come_from_chart_meta(yahoo: YahooSource) -> None:
    assert yahoo.describe("AAPL") is None
    await yahoo.bars(["AAPL", "^VIX", "NOPE"], "5m", 1)
    assert yahoo.describe("AAPL") == SymbolInfo("AAPL", "Apple Inc.", kind="stock")
    assert yahoo.describe("^VIX") == SymbolInfo("^VIX", "CBOE Volatility Index", kind="index")
    assert yahoo.describe("NOPE") is None
    assert list(yahoo.known_symbols()) == ["AAPL", "^VIX"]
    assert yahoo.now() == CAPTURED
    assert (yahoo.name, yahoo.is_demo) == ("yahoo", False)


async def test_no_symbols_asked_gives_an_empty_frame(yahoo: YahooSource) -> None:
    outcome = await yahoo.quotes([])
    assert isinstance(outcome, Fetched)
    assert outcome.frame.is_empty() and outcome.frame.schema == QUOTES_SCHEMA


def test_frames_concatenate_with_other_sources_frames() -> None:
    chart = parse_chart(fixture("chart_AAPL_1d_2020-08-31_to_2020-11-07.json"))
    assert isinstance(chart, ChartData)
    other = pl.DataFrame(schema=BARS_SCHEMA)
    assert pl.concat([chart.bars, other]).height == 49
