"""The demo market's sector funds: NAV history and holdings in SSGA's shapes, telling the story
(money leaving XLK, XLI and XLB; shorts leaning into IT), deterministic per seed, and readable
through the real SSGA source when written as SSGA's workbooks and served on loopback."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import polars as pl
import pytest

from tests import faultserver
from tests.faultserver import FaultServer, Reply
from tests.ssga_workbooks import holdings_rows, holdings_workbook, nav_rows, nav_workbook
from tui.analytics.sectors.funds import daily_fund_flows, fund_flow_summary, sector_short_pressure
from tui.config import HttpSettings, SsgaSettings
from tui.market_hours import session_close
from tui.sources import universe
from tui.sources.base import FUND_HOLDINGS_SCHEMA, FUND_NAV_SCHEMA, Fetched, FetchOutcome
from tui.sources.demo import SESSION_DATE, DemoMarket
from tui.sources.http import HttpClient
from tui.sources.ssga import SsgaSource

pytestmark = pytest.mark.timeout(30)
fault_server = faultserver.fault_server

FUNDS = universe.etf_symbols()
SOLD = {"XLK", "XLI", "XLB"}


def fetched(outcome: FetchOutcome) -> Fetched:
    assert isinstance(outcome, Fetched), outcome
    return outcome


def market(seed: int = 20260211, at: dt.time = dt.time(9, 45)) -> DemoMarket:
    return DemoMarket(seed, speed=0, start_time=at)


@pytest.mark.parametrize("seed", [20260211, 7])
async def test_money_leaves_xlk_xli_and_xlb_in_the_final_weeks(seed: int) -> None:
    nav = fetched(await market(seed).fund_nav_history(FUNDS, 300)).frame
    assert nav.schema == FUND_NAV_SCHEMA
    summary = fund_flow_summary(daily_fund_flows(nav))
    assets = nav.group_by("fund").agg(pl.col("total_net_assets").sort_by("date").last())
    relative = summary.join(assets, on="fund").with_columns(
        (pl.col(f"flow_{n}d") / pl.col("total_net_assets")).alias(f"rel_{n}d") for n in (5, 20)
    )
    for window in ("rel_5d", "rel_20d"):
        ranked = relative.sort(window)["fund"].to_list()
        assert set(ranked[:3]) == SOLD, (window, ranked)
        assert relative.filter(pl.col("fund").is_in(SOLD))[window].max() < 0
    # flows come in whole creation units
    changes = daily_fund_flows(nav)["shares_change"]
    assert ((changes / 50_000).round() * 50_000 == changes).all()


async def test_the_days_nav_is_published_in_the_evening() -> None:
    morning = fetched(await market().fund_nav_history(["XLK"], 2))
    assert morning.frame["date"].to_list()[-1] == dt.date(2026, 2, 10)
    assert morning.as_of == session_close(dt.date(2026, 2, 10))
    evening = fetched(await market(at=dt.time(20, 30)).fund_nav_history(["XLK"], 2))
    assert evening.frame["date"].to_list() == [dt.date(2026, 2, 10), SESSION_DATE]


async def test_nav_history_is_the_same_for_the_same_seed_and_differs_between_seeds() -> None:
    first = fetched(await market(3).fund_nav_history(FUNDS, 50)).frame
    again = fetched(await market(3).fund_nav_history(FUNDS, 50)).frame
    other = fetched(await market(4).fund_nav_history(FUNDS, 50)).frame
    assert first.equals(again)
    assert not first.equals(other)
    # NAV is the ETF's daily close
    bars = fetched(await market(3).bars(["XLB"], "1d", 60)).frame
    closes = dict(zip(bars["ts"].dt.date(), bars["close"], strict=True))
    xlb = first.filter(pl.col("fund") == "XLB")
    assert all(closes[day] == nav for day, nav in xlb.select("date", "nav").iter_rows())


async def test_holdings_are_the_sectors_stocks_weighted_by_market_value() -> None:
    outcome = fetched(await market().fund_holdings(["XLK", "XLE", "SPY"]))
    frame = outcome.frame
    assert frame.schema == FUND_HOLDINGS_SCHEMA
    assert outcome.problems == {"SPY": "not a sector fund of the demo"}
    assert set(frame["as_of"]) == {dt.date(2026, 2, 10)}  # the previous trading day
    for fund, sector in (("XLK", universe.IT), ("XLE", universe.EN)):
        mine = frame.filter(pl.col("fund") == fund)
        stocks = {s for s in universe.stock_symbols() if universe.SYMBOLS[s].sector == sector}
        assert set(mine["symbol"]) == stocks
        assert mine["weight"].sum() == pytest.approx(1.0)
        caps = {
            s: universe.STOCK_PARAMS[s].price * universe.STOCK_PARAMS[s].shares_outstanding
            for s in stocks
        }
        for symbol, weight in mine.select("symbol", "weight").iter_rows():
            assert weight == pytest.approx(caps[symbol] / sum(caps.values()))
    assert frame["fund"].unique(maintain_order=True).to_list() == ["XLK", "XLE"]
    assert frame.filter(pl.col("fund") == "XLK")["weight"].is_sorted(descending=True)


@pytest.mark.parametrize("seed", [20260211, 7])
async def test_shorts_lean_into_it(seed: int) -> None:
    demo = market(seed)
    holdings = fetched(await demo.fund_holdings(FUNDS)).frame
    short_volume = fetched(await demo.short_volume(None, 25)).frame
    short_interest = fetched(await demo.short_interest(None, 2)).frame
    daily = fetched(await demo.bars(universe.stock_symbols(), "1d", 60)).frame
    pressure = sector_short_pressure(holdings, short_volume, short_interest, daily)
    ranked = pressure.sort("si_change_usd", descending=True)
    assert ranked["fund"][0] == "XLK"
    assert ranked["si_change_usd"][0] > 2 * ranked["si_change_usd"][1]
    # Short pressure rising in IT: its members' short-volume ratio today stands out against
    # the 20 days before it, more than any other sector's.
    by_z = pressure.sort("sv_zscore", descending=True)
    assert by_z["fund"][0] == "XLK"
    assert by_z["sv_zscore"][0] > 2.5
    assert by_z["sv_zscore"][0] > by_z["sv_zscore"][1] + 0.5


@pytest.mark.parametrize("seed", [20260211, 7])
async def test_short_volume_in_it_ramps_up_through_the_final_weeks(seed: int) -> None:
    software = ["MSFT", "ORCL", "CRM", "INTU", "ADBE", "NOW"]
    frame = fetched(await market(seed, dt.time(20, 30)).short_volume(software, 11)).frame
    daily = (
        frame.group_by("date")
        .agg(ratio=pl.col("short_volume").sum() / pl.col("total_volume").sum())
        .sort("date")
    )
    ratios = daily["ratio"].to_list()
    # Each half of the last two weeks higher than the one before, the session date the highest.
    assert sum(ratios[:5]) / 5 < sum(ratios[5:10]) / 5 < ratios[-1]


# --- the demo's funds through the real SSGA source ------------------------------------------


@pytest.fixture
async def client() -> AsyncIterator[HttpClient]:
    http = HttpClient(
        HttpSettings(retries=0, read_timeout=5.0, requests_per_minute=6000, budget_burst=100)
    )
    yield http
    await http.aclose()


async def test_the_demos_funds_written_as_ssga_workbooks_read_back_the_same(
    fault_server: FaultServer, client: HttpClient
) -> None:
    demo = market()
    nav = fetched(await demo.fund_nav_history(["XLK", "XLB"], 400)).frame
    holdings = fetched(await demo.fund_holdings(["XLK", "XLB"])).frame
    for fund in ("XLK", "XLB"):
        rows = nav_rows(nav.filter(pl.col("fund") == fund))
        fault_server.serve(
            f"/us/navhist-us-en-{fund.lower()}.xlsx", Reply(200, nav_workbook(fund, rows))
        )
        mine = holdings.filter(pl.col("fund") == fund)
        workbook = holdings_workbook(fund, dt.date(2026, 2, 10), holdings_rows(mine))
        fault_server.serve(f"/us/holdings-daily-us-en-{fund.lower()}.xlsx", Reply(200, workbook))
    source = SsgaSource(
        client, SsgaSettings(base_url=fault_server.url + "/us"), clock=demo.now, cache=None
    )
    live_nav = fetched(await source.fund_nav_history(["XLK", "XLB"], 400)).frame
    assert live_nav.drop("source").equals(nav.drop("source"))
    live_holdings = fetched(await source.fund_holdings(["XLK", "XLB"])).frame
    columns = ["fund", "as_of", "symbol", "name", "shares", "sector"]
    assert live_holdings.select(columns).equals(holdings.select(columns))
    assert live_holdings["weight"].to_list() == pytest.approx(holdings["weight"].to_list())
