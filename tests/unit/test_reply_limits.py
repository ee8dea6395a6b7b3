"""Each live source caps the replies it asks for, by kind, and says so in plain words when a
server sends too much or sends it elsewhere; real-sized replies still pass."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests import faultserver
from tests.faultserver import (
    FaultServer,
    RecordedRequest,
    Reply,
    endless,
    gzip_bomb,
    huge_content_length,
    redirect,
)
from tui.config import FinraSettings, HttpSettings, SecSettings, YahooSettings
from tui.market_hours import NEW_YORK
from tui.sources.base import Failed, FailureKind, Fetched
from tui.sources.finra import FinraSource
from tui.sources.http import HttpClient
from tui.sources.sec import SecSource
from tui.sources.yahoo.source import YahooSource

pytestmark = pytest.mark.timeout(30)
fault_server = faultserver.fault_server

SEC_FIXTURES = Path(__file__).parent.parent / "fixtures" / "sec"
CONTACT = "Jane Doe jane@example.com"
NOW = dt.datetime(2026, 2, 11, 9, 0, tzinfo=NEW_YORK)  # FINRA's Jan 30 settlement is out

HOSTILE = [endless(), huge_content_length(), gzip_bomb()]
HOSTILE_IDS = ["endless chunked", "500 MiB content-length", "gzip bomb"]


def clock() -> dt.datetime:
    return NOW.astimezone(dt.UTC)


async def no_wait(_seconds: float) -> None:
    """Retries back off without waiting in tests."""


@pytest.fixture
async def client() -> AsyncIterator[HttpClient]:
    settings = HttpSettings(
        retries=2,
        read_timeout=5.0,
        request_deadline=10.0,
        requests_per_minute=6000,
        budget_burst=100,
    )
    http = HttpClient(settings, sleep=no_wait, clock=clock)
    yield http
    await http.aclose()


def off_host(server: FaultServer) -> Reply:
    """A redirect to the same server under another name, so a followed one would be seen."""
    return redirect(f"http://localhost:{server.url.rsplit(':', 1)[1]}/elsewhere")


# --- yahoo ----------------------------------------------------------------------------------


@pytest.mark.parametrize("hostile", HOSTILE, ids=HOSTILE_IDS)
async def test_yahoo_refuses_a_chart_over_8_mb(
    fault_server: FaultServer, client: HttpClient, hostile: Reply
) -> None:
    fault_server.fallback = hostile
    yahoo = YahooSource(client, YahooSettings(base_url=fault_server.url), clock=clock)
    outcome = await yahoo.bars(["AAPL"], "1d", 5)
    assert isinstance(outcome, Failed) and outcome.kind is FailureKind.HTTP
    assert outcome.message.startswith("yahoo sent more than 8 MB for one chart; ignored")
    assert len(fault_server.requests) == 1  # not retried


async def test_yahoo_does_not_follow_a_redirect_to_another_host(
    fault_server: FaultServer, client: HttpClient
) -> None:
    fault_server.fallback = off_host(fault_server)
    yahoo = YahooSource(client, YahooSettings(base_url=fault_server.url), clock=clock)
    outcome = await yahoo.bars(["AAPL"], "1d", 5)
    assert isinstance(outcome, Failed)
    assert "yahoo redirected to another host (localhost:" in outcome.message
    assert fault_server.requests_to("/elsewhere") == []


# --- finra ----------------------------------------------------------------------------------


def finra(client: HttpClient, server: FaultServer) -> FinraSource:
    return FinraSource(client, FinraSettings(base_url=server.url), clock=clock, cache=None)


@pytest.mark.parametrize("hostile", HOSTILE, ids=HOSTILE_IDS)
@pytest.mark.parametrize(
    ("dataset", "message"),
    [
        ("short_interest", "finra sent more than 32 MB for one short-interest file; ignored"),
        ("short_volume", "finra sent more than 8 MB for one short-volume file; ignored"),
    ],
)
async def test_finra_refuses_a_file_over_its_limit(
    fault_server: FaultServer, client: HttpClient, hostile: Reply, dataset: str, message: str
) -> None:
    fault_server.fallback = hostile
    source = finra(client, fault_server)
    if dataset == "short_interest":
        outcome = await source.short_interest(None, 1)
    else:
        outcome = await source.short_volume(None, 1)
    assert isinstance(outcome, Failed) and outcome.kind is FailureKind.HTTP
    assert outcome.message == message
    assert len(fault_server.requests) == 1  # not retried


SHORT_INTEREST_HEADER = (
    "accountingYearMonthNumber|symbolCode|issueName|issuerServicesGroupExchangeCode|"
    "marketClassCode|currentShortPositionQuantity|previousShortPositionQuantity|stockSplitFlag|"
    "averageDailyVolumeQuantity|daysToCoverQuantity|revisionFlag|changePercent|"
    "changePreviousNumber|settlementDate"
)


def short_interest_file(request: RecordedRequest) -> Reply:
    """A short-interest file of 30,000 rows (a real one holds ~22k) for the requested date."""
    match = re.search(r"shrt(\d{4})(\d\d)(\d\d)\.csv$", request.path)
    if match is None:
        return Reply(404, b"")
    year, month, day = match.groups()
    rows = [
        f"{year}{month}{day}|S{n:05d}|Issuer Number {n:05d} Holdings Inc|A|NYSE|"
        f"{2_000_000 + n}|{1_900_000 + n}||{1_500_000 + n}|1.56||4.65|114140|{year}-{month}-{day}"
        for n in range(30_000)
    ]
    return Reply(200, "\n".join([SHORT_INTEREST_HEADER, *rows, ""]).encode())


async def test_a_real_sized_short_interest_file_passes(
    fault_server: FaultServer, client: HttpClient
) -> None:
    fault_server.fallback = short_interest_file
    outcome = await finra(client, fault_server).short_interest(None, 1)
    assert isinstance(outcome, Fetched), outcome
    assert outcome.frame.height == 30_000


# --- sec ------------------------------------------------------------------------------------

TICKERS_PATH = "/files/company_tickers.json"
FRAME_PATH = "/api/xbrl/frames/dei/EntityCommonStockSharesOutstanding/shares/{}.json"
ALPHABET_FACTS_PATH = "/api/xbrl/companyfacts/CIK0001652044.json"


def sec_source(client: HttpClient, server: FaultServer) -> SecSource:
    """Apple is in the fixture frames; Alphabet (GOOGL) only in its company facts."""
    server.serve(TICKERS_PATH, Reply(200, (SEC_FIXTURES / "company_tickers.json").read_bytes()))
    for period in ("CY2026Q1I", "CY2025Q4I"):
        frame = (SEC_FIXTURES / f"frames_{period}.json").read_bytes()
        server.serve(FRAME_PATH.format(period), Reply(200, frame))
    settings = SecSettings(
        base_url=server.url, tickers_url=f"{server.url}{TICKERS_PATH}", contact=CONTACT
    )
    return SecSource(client, settings, clock=clock, cache=None)


@pytest.mark.parametrize("hostile", HOSTILE, ids=HOSTILE_IDS)
async def test_sec_refuses_a_ticker_list_over_16_mb(
    fault_server: FaultServer, client: HttpClient, hostile: Reply
) -> None:
    source = sec_source(client, fault_server)
    fault_server.serve(TICKERS_PATH, hostile)
    outcome = await source.shares(["AAPL"])
    assert isinstance(outcome, Failed)
    assert outcome.message == "sec sent more than 16 MB for the ticker list; ignored"


@pytest.mark.parametrize("hostile", HOSTILE, ids=HOSTILE_IDS)
async def test_sec_refuses_company_facts_over_64_mb(
    fault_server: FaultServer, client: HttpClient, hostile: Reply
) -> None:
    source = sec_source(client, fault_server)
    fault_server.serve(ALPHABET_FACTS_PATH, hostile)
    outcome = await source.shares(["AAPL", "GOOGL"])
    assert isinstance(outcome, Fetched)
    assert outcome.frame["symbol"].to_list() == ["AAPL"]
    assert outcome.problems == {
        "GOOGL": "not fetched: sec sent more than 64 MB for one company-facts document; ignored"
    }
    assert len(fault_server.requests_to(ALPHABET_FACTS_PATH)) == 1


async def test_big_company_facts_pass(fault_server: FaultServer, client: HttpClient) -> None:
    """A big company's facts run to several MB: 13 MB of them still pass."""
    facts = json.loads((SEC_FIXTURES / "companyfacts_CIK0001652044.json").read_bytes())
    filing = {"end": "2025-01-01", "accn": "0001652044-25-000001", "fy": 2025, "fp": "Q1"}
    facts["facts"]["us-gaap"] = {
        "Revenues": {"units": {"USD": [{**filing, "val": n} for n in range(150_000)]}}
    }
    body = json.dumps(facts).encode()
    assert len(body) > 12_000_000
    source = sec_source(client, fault_server)
    fault_server.serve(ALPHABET_FACTS_PATH, Reply(200, body))
    outcome = await source.shares(["GOOGL"])
    assert isinstance(outcome, Fetched) and outcome.problems == {}
    assert outcome.frame["symbol"].to_list() == ["GOOGL"]


async def test_sec_never_sends_the_contact_to_another_host(
    fault_server: FaultServer, client: HttpClient
) -> None:
    source = sec_source(client, fault_server)
    fault_server.serve(TICKERS_PATH, off_host(fault_server))
    outcome = await source.shares(["AAPL"])
    assert isinstance(outcome, Failed)
    assert "sec redirected to another host (localhost:" in outcome.message
    assert fault_server.requests_to("/elsewhere") == []
    assert all(CONTACT in request.headers["user-agent"] for request in fault_server.requests)
