"""SEC EDGAR shares outstanding: parsers, the missing-contact message, fetching and caching.

Fixtures in tests/fixtures/sec are hand-written in the SEC's documented shapes (see ATTRIBUTION.md);
their share counts are illustrative.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests import faultserver
from tests.faultserver import FaultServer, Reply, json_reply, server_error
from tui.cache import Cache
from tui.config import HttpSettings, SecSettings
from tui.market_hours import NEW_YORK
from tui.sources import sec
from tui.sources.base import SHARES_SCHEMA, Failed, FailureKind, Fetched
from tui.sources.http import HttpClient
from tui.sources.sec import (
    COMPANY_SHARES_SCHEMA,
    MAX_AGE_S,
    TICKERS_SCHEMA,
    SecFormatError,
    SecSource,
    frame_periods,
    parse_company_facts,
    parse_company_tickers,
    parse_shares_frame,
    sec_ticker,
)

pytestmark = pytest.mark.timeout(20)
fault_server = faultserver.fault_server

FIXTURES = Path(__file__).parent.parent / "fixtures" / "sec"
TICKERS = (FIXTURES / "company_tickers.json").read_bytes()
FRAME_2026Q1 = (FIXTURES / "frames_CY2026Q1I.json").read_bytes()
FRAME_2025Q4 = (FIXTURES / "frames_CY2025Q4I.json").read_bytes()
ALPHABET_FACTS = (FIXTURES / "companyfacts_CIK0001652044.json").read_bytes()

TICKERS_PATH = "/files/company_tickers.json"
FRAME_PATH = "/api/xbrl/frames/dei/EntityCommonStockSharesOutstanding/shares/{}.json"
FACTS_PATH = "/api/xbrl/companyfacts/CIK{:010d}.json"
ALPHABET, NVIDIA = 1652044, 1045810

CONTACT = "Jane Doe jane@example.com"
NOW = dt.datetime(2026, 2, 11, 12, 0, tzinfo=NEW_YORK)


# --- parsers --------------------------------------------------------------------------------


def test_sec_ticker_writes_class_shares_with_a_dash() -> None:
    assert [sec_ticker(symbol) for symbol in ("brk.b", "BRK/B", " msft ")] == [
        "BRK-B",
        "BRK-B",
        "MSFT",
    ]


def test_company_tickers_map_every_ticker_to_its_cik() -> None:
    tickers = parse_company_tickers(TICKERS)
    assert tickers.schema == TICKERS_SCHEMA
    cik_of = dict(tickers.rows())
    assert cik_of["AAPL"] == 320193
    assert cik_of["GOOG"] == cik_of["GOOGL"] == ALPHABET
    assert cik_of["BRK-B"] == 1067983
    assert len(cik_of) == 10


def test_company_tickers_skip_incomplete_entries_and_keep_a_reused_tickers_first_cik() -> None:
    document = {
        "0": {"cik_str": 1, "ticker": "ONE", "title": "First"},
        "1": {"cik_str": 2, "ticker": "ONE", "title": "Later listing of the same ticker"},
        "2": {"ticker": "NOCIK", "title": "No CIK"},
        "3": {"cik_str": 3, "title": "No ticker"},
        "4": "not an entry",
    }
    assert parse_company_tickers(json.dumps(document).encode()).rows() == [("ONE", 1)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html><body>Request Rate Threshold Exceeded</body></html>", "not JSON"),
        (b"[]", "not the expected object"),
        (b"{}", "no tickers"),
        (b'{"0": {"title": "x"}}', "no tickers"),
    ],
    ids=["html", "list", "empty", "no tickers"],
)
def test_a_bad_ticker_list_is_refused(content: bytes, message: str) -> None:
    with pytest.raises(SecFormatError, match=message):
        parse_company_tickers(content)


def test_a_frame_gives_one_row_per_company() -> None:
    frame = parse_shares_frame(FRAME_2025Q4)
    assert frame.schema == COMPANY_SHARES_SCHEMA
    assert frame.row(0) == (320193, dt.date(2025, 10, 17), 14_800_000_000.0)
    assert frame.height == 5


def test_a_frame_skips_malformed_and_zero_entries() -> None:
    document = json.loads(FRAME_2026Q1)
    document["data"] += [
        {"cik": None, "end": "2026-01-20", "val": 5},
        {"cik": 7, "end": "2026-01-20", "val": "many"},
        {"cik": 8, "end": "January", "val": 5},
        {"cik": 9, "end": "2026-01-20", "val": 0},
        {"cik": 10, "end": "2026-01-20"},
    ]
    frame = parse_shares_frame(json.dumps(document).encode())
    assert frame["cik"].to_list() == [320193, 789019]


@pytest.mark.parametrize(
    "content", [b"", b"not json", b'{"taxonomy": "dei"}', b'{"data": {}}'], ids=str
)
def test_a_reply_that_is_not_a_frame_is_refused(content: bytes) -> None:
    with pytest.raises(SecFormatError):
        parse_shares_frame(content)


def test_company_facts_give_the_latest_figure_and_the_latest_filing_for_that_date() -> None:
    latest = parse_company_facts(ALPHABET_FACTS, ALPHABET)
    assert latest.schema == COMPANY_SHARES_SCHEMA
    # Two facts for 2025-10-20: the amendment filed later wins.
    assert latest.rows() == [(ALPHABET, dt.date(2025, 10, 20), 12_070_000_000.0)]


def test_company_facts_without_shares_outstanding_are_empty() -> None:
    document = {"cik": 5, "entityName": "Fund Trust", "facts": {"us-gaap": {}}}
    assert parse_company_facts(json.dumps(document).encode(), 5).height == 0
    weird = {"cik": 5, "facts": {"dei": ["not", "an", "object"]}}
    assert parse_company_facts(json.dumps(weird).encode(), 5).height == 0


def test_a_reply_that_is_not_company_facts_is_refused() -> None:
    with pytest.raises(SecFormatError, match="no facts object"):
        parse_company_facts(b'{"cik": 5}', 5)


@pytest.mark.parametrize(
    ("today", "periods"),
    [
        (dt.date(2026, 2, 11), ["CY2026Q1I", "CY2025Q4I", "CY2025Q3I"]),
        (dt.date(2026, 12, 31), ["CY2026Q4I", "CY2026Q3I", "CY2026Q2I"]),
        (dt.date(2026, 4, 1), ["CY2026Q2I", "CY2026Q1I", "CY2025Q4I"]),
    ],
)
def test_frame_periods_step_back_a_quarter_at_a_time(today: dt.date, periods: list[str]) -> None:
    assert frame_periods(today, 3) == periods


# --- the source -----------------------------------------------------------------------------


async def no_wait(_seconds: float) -> None:
    """Retries back off without waiting in tests."""


@pytest.fixture
async def client() -> AsyncIterator[HttpClient]:
    http = HttpClient(
        HttpSettings(retries=0, read_timeout=5.0, requests_per_minute=6000, budget_burst=100),
        sleep=no_wait,
    )
    yield http
    await http.aclose()


@pytest.fixture
def small_market(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fixture frames hold a handful of companies: call three a dense enough market."""
    monkeypatch.setattr(sec, "DENSE_FRAME_COMPANIES", 3)


def make_source(
    client: HttpClient, server: FaultServer, cache: Cache | None, contact: str = CONTACT
) -> SecSource:
    settings = SecSettings(
        base_url=server.url, tickers_url=f"{server.url}{TICKERS_PATH}", contact=contact
    )
    return SecSource(client, settings, clock=lambda: NOW.astimezone(dt.UTC), cache=cache)


def serve_sec(server: FaultServer) -> None:
    server.serve(TICKERS_PATH, Reply(200, TICKERS))
    server.serve(FRAME_PATH.format("CY2026Q1I"), Reply(200, FRAME_2026Q1))
    server.serve(FRAME_PATH.format("CY2025Q4I"), Reply(200, FRAME_2025Q4))
    server.serve(FACTS_PATH.format(ALPHABET), Reply(200, ALPHABET_FACTS))


@pytest.mark.parametrize("contact", ["", "   "], ids=["empty", "blank"])
async def test_without_a_contact_nothing_is_asked_and_the_message_names_the_key(
    fault_server: FaultServer, client: HttpClient, contact: str
) -> None:
    source = make_source(client, fault_server, cache=None, contact=contact)

    outcome = await source.shares(["AAPL"])

    assert isinstance(outcome, Failed)
    assert outcome.kind is FailureKind.NOT_CONFIGURED  # an optional setting, not a failure
    assert outcome.source == "sec"
    assert "sources.sec.contact" in outcome.message
    assert "[sources.sec]" in outcome.message
    assert fault_server.requests == []


@pytest.mark.usefixtures("small_market")
async def test_shares_merge_the_frames_and_fill_gaps_from_company_facts(
    fault_server: FaultServer, client: HttpClient
) -> None:
    serve_sec(fault_server)
    source = make_source(client, fault_server, cache=None)

    outcome = await source.shares(["AAPL", "NVDA", "GOOGL", "brk.b", "ZZZZ", "AVGO"])

    assert isinstance(outcome, Fetched)
    assert outcome.frame.schema == SHARES_SCHEMA
    assert outcome.frame.rows() == [
        ("AAPL", dt.date(2026, 1, 16), 14_700_000_000.0, None, "sec"),  # the newer quarter wins
        ("NVDA", dt.date(2025, 11, 14), 24_300_000_000.0, None, "sec"),
        ("GOOGL", dt.date(2025, 10, 20), 12_070_000_000.0, None, "sec"),  # from companyfacts
        ("brk.b", dt.date(2025, 10, 27), 1_380_000.0, None, "sec"),
    ]
    assert outcome.problems == {
        "ZZZZ": "no SEC filer has this ticker",
        "AVGO": "no shares outstanding reported to the SEC",  # companyfacts: 404
    }
    assert outcome.as_of == dt.datetime(2026, 1, 16, 16, 0, tzinfo=NEW_YORK)
    assert {request.headers["user-agent"] for request in fault_server.requests} == {
        f"tapewatch {CONTACT}"
    }
    # Dense after two quarters: the third is never asked for.
    assert fault_server.requests_to(FRAME_PATH.format("CY2025Q3I")) == []


@pytest.mark.usefixtures("small_market")
async def test_requests_to_the_sec_stay_under_its_ten_a_second(fault_server: FaultServer) -> None:
    """Paced on the client's own clock: each request waits exactly its turn, 1/8 s apart."""
    clock_s = 0.0
    waits: list[float] = []

    def monotonic() -> float:
        return clock_s

    async def sleep(seconds: float) -> None:
        nonlocal clock_s
        waits.append(seconds)
        clock_s += seconds

    client = HttpClient(
        HttpSettings(retries=0, requests_per_minute=6000, budget_burst=100),
        monotonic=monotonic,
        sleep=sleep,
    )
    try:
        serve_sec(fault_server)
        source = make_source(client, fault_server, cache=None)
        await source.shares(["AAPL", "NVDA", "GOOGL", "brk.b", "ZZZZ", "AVGO"])
    finally:
        await client.aclose()

    assert len(fault_server.requests) >= 4
    assert waits == pytest.approx([1 / 8] * (len(fault_server.requests) - 1))


@pytest.mark.usefixtures("small_market")
async def test_a_quarter_with_no_frame_yet_is_stepped_over(
    fault_server: FaultServer, client: HttpClient
) -> None:
    serve_sec(fault_server)
    fault_server.serve(FRAME_PATH.format("CY2026Q1I"), Reply(404, b"Not Found"))
    fault_server.serve(FRAME_PATH.format("CY2025Q3I"), json_reply({"ccp": "CY2025Q3I", "data": []}))
    source = make_source(client, fault_server, cache=None)

    outcome = await source.shares(["AAPL"])

    assert isinstance(outcome, Fetched)
    assert outcome.frame["shares_outstanding"].to_list() == [14_800_000_000.0]
    assert fault_server.requests_to(FRAME_PATH.format("CY2025Q3I")) == []


async def test_a_market_that_stays_sparse_reads_at_most_four_quarters(
    fault_server: FaultServer, client: HttpClient
) -> None:
    serve_sec(fault_server)
    source = make_source(client, fault_server, cache=None)

    outcome = await source.shares(["MSFT"])

    assert isinstance(outcome, Fetched)
    frame_requests = [r.path for r in fault_server.requests if "/frames/" in r.path]
    assert frame_requests == [
        FRAME_PATH.format(period) for period in ("CY2026Q1I", "CY2025Q4I", "CY2025Q3I", "CY2025Q2I")
    ]


@pytest.mark.usefixtures("small_market")
async def test_cached_answers_are_not_asked_again_for_days(
    fault_server: FaultServer, client: HttpClient, tmp_path: Path
) -> None:
    serve_sec(fault_server)
    first = await make_source(client, fault_server, Cache(tmp_path)).shares(["AAPL", "GOOGL"])
    asked = len(fault_server.requests)
    restarted = make_source(client, fault_server, Cache(tmp_path))
    again = await restarted.shares(["AAPL", "GOOGL"])
    await restarted.shares(["AAPL", "GOOGL"])

    assert isinstance(first, Fetched) and isinstance(again, Fetched)
    assert again.frame.equals(first.frame)
    assert asked == 4  # tickers, two quarters, Alphabet's companyfacts
    assert len(fault_server.requests) == asked


def age_cache(cache_root: Path, seconds: float) -> None:
    """Make every cached file look ``seconds`` old."""
    then = time.time() - seconds
    for path in cache_root.rglob("*.parquet"):
        os.utime(path, (then, then))


@pytest.mark.usefixtures("small_market")
async def test_an_old_cache_is_refreshed(
    fault_server: FaultServer, client: HttpClient, tmp_path: Path
) -> None:
    serve_sec(fault_server)
    await make_source(client, fault_server, Cache(tmp_path)).shares(["AAPL"])
    age_cache(tmp_path, MAX_AGE_S + 60)
    asked = len(fault_server.requests)

    outcome = await make_source(client, fault_server, Cache(tmp_path)).shares(["AAPL"])

    assert isinstance(outcome, Fetched)
    assert len(fault_server.requests) == 2 * asked
    refreshed_age = Cache(tmp_path).age_s(sec.MARKET_KEY)
    assert refreshed_age is not None and refreshed_age < 60


@pytest.mark.usefixtures("small_market")
async def test_when_a_refresh_fails_the_old_cache_is_used_kept_and_said_to_be_old(
    fault_server: FaultServer, client: HttpClient, tmp_path: Path
) -> None:
    serve_sec(fault_server)
    first = await make_source(client, fault_server, Cache(tmp_path)).shares(["AAPL", "NVDA"])
    age_cache(tmp_path, MAX_AGE_S + 60)
    for path in (TICKERS_PATH, FRAME_PATH.format("CY2026Q1I")):
        fault_server.serve(path, server_error(503))

    source = make_source(client, fault_server, Cache(tmp_path))
    outcome = await source.shares(["AAPL", "NVDA"])

    assert isinstance(first, Fetched) and isinstance(outcome, Fetched)
    assert outcome.frame.equals(first.frame)
    assert Cache(tmp_path).read_frame(sec.MARKET_KEY, COMPANY_SHARES_SCHEMA) is not None
    # Not a success: the failure and the copy's age go with it (shown stale, with health).
    assert outcome.refresh_failed is not None and "503" in outcome.refresh_failed.message
    assert outcome.fetched_at is not None
    age = (NOW.astimezone(dt.UTC) - outcome.fetched_at).total_seconds()
    assert age == pytest.approx(MAX_AGE_S + 60, abs=30)
    # The next call asks again, and is as honest while the SEC still fails.
    again = await source.shares(["AAPL"])
    assert isinstance(again, Fetched) and again.refresh_failed is not None
    assert first.refresh_failed is None and first.fetched_at is None


async def test_a_failure_with_nothing_cached_is_reported(
    fault_server: FaultServer, client: HttpClient, tmp_path: Path
) -> None:
    fault_server.serve(TICKERS_PATH, server_error(503))
    cache = Cache(tmp_path)

    outcome = await make_source(client, fault_server, cache).shares(["AAPL"])

    assert isinstance(outcome, Failed)
    assert outcome.kind is FailureKind.HTTP
    assert cache.age_s(sec.TICKERS_KEY) is None


async def test_a_ticker_list_that_is_not_json_is_a_parse_failure(
    fault_server: FaultServer, client: HttpClient
) -> None:
    fault_server.serve(TICKERS_PATH, Reply(200, b"<html>Your request has been blocked</html>"))

    outcome = await make_source(client, fault_server, cache=None).shares(["AAPL"])

    assert isinstance(outcome, Failed)
    assert outcome.kind is FailureKind.PARSE
    assert "company_tickers.json" in outcome.message


@pytest.mark.usefixtures("small_market")
async def test_company_facts_failures_and_the_per_call_budget_are_named_per_symbol(
    fault_server: FaultServer, client: HttpClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_sec(fault_server)
    monkeypatch.setattr(sec, "MAX_COMPANY_FACTS_PER_CALL", 2)
    fault_server.serve(FACTS_PATH.format(ALPHABET), server_error(500))
    source = make_source(client, fault_server, cache=None)

    # Without the Q1 frame MSFT is in no frame either. Companyfacts are asked in CIK order, two
    # per call: MSFT's (none: 404) and Alphabet's (a server error); AVGO waits for the next call.
    fault_server.serve(FRAME_PATH.format("CY2026Q1I"), Reply(404, b"Not Found"))
    outcome = await source.shares(["GOOG", "GOOGL", "MSFT", "AVGO", "AAPL"])

    assert isinstance(outcome, Fetched)
    assert outcome.frame["symbol"].to_list() == ["AAPL"]
    assert outcome.problems["GOOG"].startswith("not fetched: sec answered 500")
    assert outcome.problems["GOOGL"] == outcome.problems["GOOG"]
    assert outcome.problems["MSFT"] == "no shares outstanding reported to the SEC"
    assert outcome.problems["AVGO"].startswith("not looked up yet")
    assert sorted(r.path for r in fault_server.requests if "/companyfacts/" in r.path) == [
        FACTS_PATH.format(789019),
        FACTS_PATH.format(ALPHABET),
    ]


@pytest.mark.usefixtures("small_market")
async def test_a_company_with_no_facts_is_remembered(
    fault_server: FaultServer, client: HttpClient, tmp_path: Path
) -> None:
    serve_sec(fault_server)
    source = make_source(client, fault_server, Cache(tmp_path))

    await source.shares(["AVGO"])
    await make_source(client, fault_server, Cache(tmp_path)).shares(["AVGO"])

    assert len(fault_server.requests_to(FACTS_PATH.format(1730168))) == 1
    cached = Cache(tmp_path).read_frame("sec/companyfacts/CIK0001730168", COMPANY_SHARES_SCHEMA)
    assert cached is not None and cached.height == 0


async def test_no_symbols_still_fetch_nothing_per_company(
    fault_server: FaultServer, client: HttpClient
) -> None:
    serve_sec(fault_server)

    outcome = await make_source(client, fault_server, cache=None).shares([])

    assert isinstance(outcome, Fetched)
    assert outcome.frame.height == 0
    assert outcome.frame.schema == SHARES_SCHEMA
    assert outcome.as_of == NOW
    assert [r for r in fault_server.requests if "/companyfacts/" in r.path] == []
