"""LiveSource (Yahoo, FINRA and the SEC behind one Source) and the source factory.

Network goes to the fault server on 127.0.0.1 only: the loopback market for routing, plain fixture
replies where a name must be one the demo universe does not have.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import polars as pl
import pytest

from tests import faultserver
from tests.faultserver import FaultServer, Reply, json_reply
from tests.loopback_market import (
    SEC_CONTACT,
    LoopbackMarket,
    LoopbackTransport,
    ManualClock,
)
from tui.cache import Cache
from tui.config import (
    DemoSettings,
    FilesSettings,
    FinraSettings,
    SecSettings,
    Settings,
    SourcesSettings,
    YahooSettings,
)
from tui.market_hours import session_close
from tui.sources import universe
from tui.sources.base import Failed, Fetched, FetchOutcome, Source, SourceRole, SymbolInfo
from tui.sources.demo import DemoMarket
from tui.sources.factory import make_source
from tui.sources.files import FilesSource
from tui.sources.live import LiveSource
from tui.sources.replay import AsOfSource
from tui.sources.sec import TICKERS_SCHEMA
from tui.sources.yahoo.chart import ChartData, parse_chart

pytestmark = pytest.mark.timeout(20)
fault_server = faultserver.fault_server

FIXTURES = Path(__file__).parent.parent / "fixtures"
YAHOO_HOST = "query1.finance.yahoo.test"
FINRA_HOST = "cdn.finra.test"
SEC_HOSTS = {"www.sec.test", "data.sec.test"}
SSGA_HOST = "www.ssga.test"


@pytest.fixture
async def market(fault_server: FaultServer) -> LoopbackMarket:
    return await LoopbackMarket.start(fault_server)


def fetched(outcome: FetchOutcome) -> Fetched:
    assert isinstance(outcome, Fetched), outcome
    return outcome


# --- routing ---------------------------------------------------------------------------------


async def test_each_dataset_is_asked_of_its_own_service(market: LoopbackMarket) -> None:
    truth = market.truth
    clock = ManualClock(truth.moment)
    source = market.live_source(market.settings(), clock=clock, cache=None)
    requests = market.server.requests
    hosts_asked: dict[str, set[str]] = {}
    outcomes: dict[str, Fetched] = {}
    calls = {
        "quotes": lambda: source.quotes(["AAPL", "^GSPC"]),
        "daily": lambda: source.bars(["AAPL"], "1d", 5),
        "intraday": lambda: source.bars(["AAPL"], "5m", 1),
        "short_interest": lambda: source.short_interest(["AAPL"]),
        "short_volume": lambda: source.short_volume(["AAPL"], 3),
        "shares": lambda: source.shares(["AAPL"]),
        "fund_nav": lambda: source.fund_nav_history(["XLK", "XLB"], 30),
        "fund_holdings": lambda: source.fund_holdings(["XLK", "XLB"]),
    }
    try:
        for dataset, call in calls.items():
            clock.advance(6)  # past Yahoo's 5 s window for sharing a reply between calls
            before = len(requests)
            outcomes[dataset] = fetched(await call())
            hosts_asked[dataset] = {request.headers["host"] for request in requests[before:]}
        # AAPL's intraday chart is held now: its quote carries the day's figures.
        completed = fetched(await source.quotes(["AAPL"])).frame
    finally:
        await source.aclose()

    assert hosts_asked == {
        "quotes": {YAHOO_HOST},
        "daily": {YAHOO_HOST},
        "intraday": {YAHOO_HOST},
        "short_interest": {FINRA_HOST},
        "short_volume": {FINRA_HOST},
        "shares": SEC_HOSTS,
        "fund_nav": {SSGA_HOST},
        "fund_holdings": {SSGA_HOST},
    }
    # What came back is what was served.
    quotes = outcomes["quotes"].frame.sort("symbol")
    served_quotes = truth.quotes.filter(pl.col("symbol").is_in(["AAPL", "^GSPC"])).sort("symbol")
    for column in ("ts", "last", "prev_close"):
        assert quotes[column].equals(served_quotes[column]), column
    # Spark carries no day figures: they come from a symbol's intraday chart, once held.
    assert quotes["open"].to_list() == [None, None]
    served_aapl = served_quotes.filter(pl.col("symbol") == "AAPL")
    for column in ("ts", "last", "prev_close", "open", "high", "low", "volume"):
        assert completed[column].equals(served_aapl[column]), column
    aapl = pl.col("symbol") == "AAPL"
    daily = truth.daily.filter(aapl).tail(5)
    assert outcomes["daily"].frame.select("ts", "close").equals(daily.select("ts", "close"))
    today = pl.col("ts").dt.convert_time_zone("America/New_York").dt.date() == dt.date(2026, 2, 11)
    intraday = truth.intraday["5m"].filter(aapl, today)
    assert outcomes["intraday"].frame.select("ts", "close").equals(intraday.select("ts", "close"))
    newest = truth.short_interest["settlement_date"].max()
    served_si = truth.short_interest.filter(aapl, pl.col("settlement_date") == newest)
    assert outcomes["short_interest"].frame.equals(served_si.with_columns(source=pl.lit("finra")))
    served_sv = truth.short_volume.filter(aapl).tail(3)
    assert outcomes["short_volume"].frame.equals(served_sv)
    shares = outcomes["shares"].frame
    assert (
        shares["shares_outstanding"].to_list()
        == truth.shares.filter(aapl)["shares_outstanding"].to_list()
    )
    assert shares["float_shares"].to_list() == [None]  # the SEC does not publish the float
    # The funds' workbooks, read back through the real reader, are what was served.
    funds = pl.col("fund").is_in(["XLK", "XLB"])
    served_nav = truth.fund_nav.filter(funds).group_by("fund", maintain_order=True).tail(30)
    assert outcomes["fund_nav"].frame.drop("source").equals(served_nav.drop("source"))
    holdings = outcomes["fund_holdings"].frame
    served_holdings = truth.fund_holdings.filter(funds)
    assert holdings.select("fund", "as_of", "symbol").equals(
        served_holdings.select("fund", "as_of", "symbol")
    )


def test_every_role_names_the_service_behind_it() -> None:
    source = LiveSource(Settings(), cache=None)
    assert {role: source.source_for(role) for role in SourceRole} == {
        SourceRole.PRICES: "yahoo",
        SourceRole.SHORT_DATA: "finra",
        SourceRole.SHARES: "sec",
        SourceRole.FUNDS: "ssga",
    }
    assert (source.name, source.label, source.is_demo) == ("live", "LIVE", False)


def test_the_clock_given_is_the_sources_clock() -> None:
    clock = ManualClock(dt.datetime(2026, 2, 11, 16, 30, tzinfo=dt.UTC))
    source = LiveSource(Settings(), cache=None, clock=clock)
    clock.advance(90)
    assert source.now() == dt.datetime(2026, 2, 11, 16, 31, 30, tzinfo=dt.UTC)


# --- names: the universe first, then Yahoo, then FINRA ----------------------------------------

# FINRA's file of 2021-07-15 (its head, 41 real rows) is the newest one published on 2021-07-28.
FINRA_MOMENT = dt.datetime(2021, 7, 28, 21, 0, tzinfo=dt.UTC)
SHORT_INTEREST_FILE = (FIXTURES / "finra" / "shrt20210715_head.csv").read_bytes()
SHORT_INTEREST_PATH = "/equity/otcmarket/biweekly/shrt20210715.csv"


def yahoo_chart(symbol: str, long_name: str) -> Reply:
    """Yahoo's daily chart fixture, renamed to ``symbol``."""
    payload = json.loads((FIXTURES / "yahoo" / "chart_AAPL_1d_5d_2026-02-10.json").read_bytes())
    meta = payload["chart"]["result"][0]["meta"]
    meta.update(symbol=symbol, longName=long_name, shortName=long_name)
    return json_reply(payload)


def direct_settings(server: FaultServer) -> Settings:
    """Every service at the fault server's own address."""
    return Settings(
        sources=SourcesSettings(
            yahoo=YahooSettings(base_url=server.url),
            finra=FinraSettings(base_url=server.url),
            sec=SecSettings(
                base_url=server.url,
                tickers_url=f"{server.url}/files/company_tickers.json",
                contact=SEC_CONTACT,
            ),
        )
    )


@pytest.fixture
async def named_source(fault_server: FaultServer) -> AsyncIterator[LiveSource]:
    """A live source that has read FINRA's 2021-07-15 file and Yahoo's charts of AA and AAL."""
    fault_server.serve(SHORT_INTEREST_PATH, Reply(200, SHORT_INTEREST_FILE))
    fault_server.serve("/v8/finance/chart/AAL", yahoo_chart("AAL", "American Airlines Group Inc."))
    fault_server.serve("/v8/finance/chart/AA", yahoo_chart("AA", "Alcoa Corp (Yahoo)"))
    source = LiveSource(direct_settings(fault_server), cache=None, clock=ManualClock(FINRA_MOMENT))
    fetched(await source.short_interest(None))
    fetched(await source.bars(["AA", "AAL"], "1d", 5))
    yield source
    await source.aclose()


def test_names_come_from_the_universe_then_yahoo_then_finra(named_source: LiveSource) -> None:
    # Alcoa is in the demo universe, which alone knows sectors.
    assert named_source.describe("AA") == universe.SYMBOLS["AA"]
    assert named_source.describe("AA").sector is not None  # type: ignore[union-attr]
    # Yahoo's full name beats FINRA's, which is cut to 30 characters.
    assert named_source.describe("AAL") == SymbolInfo("AAL", "American Airlines Group Inc.")
    # Only FINRA has this one.
    assert named_source.describe("AACG") == SymbolInfo("AACG", "ATA Creativity Global American")
    assert named_source.describe("ZZZZ") is None


def test_known_symbols_are_the_universe_and_finras_listed_stocks(named_source: LiveSource) -> None:
    known = named_source.known_symbols()
    assert list(known) == sorted(set(known))
    assert set(universe.SYMBOLS) <= set(known)
    assert {"A", "AAL", "AACG"} <= set(known)  # listed common stocks in FINRA's file
    assert not {"AAA", "AAAU", "AACU", "AACWS"} & set(known)  # funds, units, warrants


def test_before_anything_is_fetched_only_the_universe_is_known() -> None:
    source = LiveSource(Settings(), cache=None)
    assert list(source.known_symbols()) == sorted(universe.SYMBOLS)
    assert source.describe("MSFT") == universe.SYMBOLS["MSFT"]
    assert source.describe("AAL") is None


# --- closing -----------------------------------------------------------------------------------


class RecordingTransport(LoopbackTransport):
    closed = False

    async def aclose(self) -> None:
        self.closed = True
        await super().aclose()


async def test_aclose_closes_the_shared_client(market: LoopbackMarket) -> None:
    transport = RecordingTransport(market.port)
    source = LiveSource(
        market.settings(), cache=None, clock=ManualClock(market.truth.moment), transport=transport
    )
    fetched(await source.quotes(["AAPL"]))
    asked = len(market.server.requests)
    await source.aclose()
    assert transport.closed
    assert isinstance(await source.quotes(["MSFT"]), Failed)
    assert len(market.server.requests) == asked


# --- the factory --------------------------------------------------------------------------------


def test_the_factory_makes_the_demo_market_with_its_settings() -> None:
    settings = Settings(source="demo", demo=DemoSettings(seed=11, speed=3.0))
    source = make_source(settings)
    assert isinstance(source, DemoMarket)
    assert (source.seed, source.speed, source.is_demo) == (11, 3.0, True)


async def test_the_factory_reads_the_users_files() -> None:
    folder = FIXTURES / "files" / "per_symbol"
    source = make_source(
        Settings(source="files", sources=SourcesSettings(files=FilesSettings(bars=str(folder))))
    )
    assert isinstance(source, FilesSource)
    await source.quotes(["AAPL"])  # the files are read by a fetch, in a thread
    assert set(source.known_symbols()) == {"AAPL", "SPY"}


def test_the_factory_replays_any_source_as_of_a_date() -> None:
    source = make_source(Settings(source="demo"), as_of=dt.date(2026, 2, 5))
    assert isinstance(source, AsOfSource) and isinstance(source.inner, DemoMarket)
    assert source.label == "DEMO REPLAY 2026-02-05"  # a replay of the demo market says both
    assert source.now() == session_close(dt.date(2026, 2, 5))


LIVE_PARTS = {
    SourceRole.PRICES: "yahoo",
    SourceRole.SHORT_DATA: "finra",
    SourceRole.SHARES: "sec",
    SourceRole.FUNDS: "ssga",
}


def test_every_source_has_a_label_and_names_who_plays_each_role() -> None:
    """The status bar's label and health line come from the Source protocol, no source left
    to guess."""
    files = FilesSettings(bars=str(FIXTURES / "files" / "per_symbol"))
    live = LiveSource(Settings(), cache=None)
    sources: list[tuple[Source, str, dict[SourceRole, str]]] = [
        (DemoMarket(monotonic=lambda: 0.0), "DEMO", dict.fromkeys(SourceRole, "demo")),
        (FilesSource(files), "FILES", dict.fromkeys(SourceRole, "files")),
        (
            live,
            "LIVE",
            LIVE_PARTS,
        ),
        (
            AsOfSource(live, dt.date(2026, 2, 5)),
            "REPLAY 2026-02-05",
            LIVE_PARTS,
        ),
    ]
    for source, label, parts in sources:
        assert isinstance(source, Source)
        assert source.label == label
        assert {role: source.source_for(role) for role in SourceRole} == parts


async def asks_the_sec_for_tickers(source: LiveSource) -> None:
    """One shares request: the ticker list is fetched and kept in the source's cache."""
    await source.shares(["AAPL"])
    await source.aclose()


async def test_the_factory_makes_the_live_source_with_the_cache_given(
    fault_server: FaultServer, market: LoopbackMarket, tmp_path: Path
) -> None:
    settings = direct_settings(fault_server)
    given = Cache(tmp_path)
    source = make_source(settings, cache=given)
    assert isinstance(source, LiveSource)
    await asks_the_sec_for_tickers(source)
    assert given.read_frame("sec/company_tickers", TICKERS_SCHEMA) is not None
    assert Cache.default().read_frame("sec/company_tickers", TICKERS_SCHEMA) is None


async def test_the_factory_gives_the_live_source_the_users_cache_by_default(
    fault_server: FaultServer, market: LoopbackMarket
) -> None:
    source = make_source(direct_settings(fault_server))
    assert isinstance(source, LiveSource)
    await asks_the_sec_for_tickers(source)
    tickers = Cache.default().read_frame("sec/company_tickers", TICKERS_SCHEMA)
    assert tickers is not None and "AAPL" in tickers["ticker"].to_list()


# --- the loopback market itself: Yahoo's ranges ------------------------------------------------


@pytest.mark.parametrize(
    ("interval", "range_", "sessions"),
    [
        ("5m", "1d", 1),
        ("1m", "5d", 5),
        ("1d", "1d", 1),
        ("1d", "5d", 5),
        ("1d", "1mo", 22),  # 12 Jan to 11 Feb 2026, Martin Luther King Day off
        ("1d", "ytd", 28),
        ("1d", "max", 331),
    ],
)
async def test_the_loopback_market_serves_yahoo_charts_by_range(
    market: LoopbackMarket, interval: str, range_: str, sessions: int
) -> None:
    params = {"interval": interval, "range": range_, "includePrePost": "false"}
    async with httpx.AsyncClient(transport=market.transport()) as client:
        reply = await client.get(
            "http://query1.finance.yahoo.test/v8/finance/chart/MSFT", params=params
        )
    chart = parse_chart(reply.content)
    assert isinstance(chart, ChartData)
    zone = chart.meta.timezone
    days = {dt.datetime.fromtimestamp(start, zone).date() for start in chart.starts}
    assert len(days) == sessions


async def test_the_loopback_market_refuses_what_yahoo_refuses(market: LoopbackMarket) -> None:
    async with httpx.AsyncClient(transport=market.transport()) as client:
        unknown = await client.get(f"http://{YAHOO_HOST}/v8/finance/chart/ZZZZ")
        bad_interval = await client.get(
            f"http://{YAHOO_HOST}/v8/finance/chart/MSFT", params={"interval": "15m"}
        )
    assert unknown.status_code == 404
    assert unknown.json()["chart"]["error"]["code"] == "Not Found"
    assert bad_interval.status_code == 422
