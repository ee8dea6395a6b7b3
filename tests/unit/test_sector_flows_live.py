"""The Sector flows pane on the live source, over the loopback market: State Street's workbooks
(the demo's funds written in SSGA's layout), FINRA's files and Yahoo's charts, one round of the
dashboard's scheduler, and every figure of the pane checked against a direct computation from
what was served."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import AsyncIterator

import polars as pl
import pytest

from tests import faultserver
from tests.faultserver import FaultServer
from tests.loopback_market import LoopbackMarket, ManualClock
from tui.analytics.sectors import MEMBER_SESSIONS, member_symbols
from tui.job_calls import ask
from tui.jobs import JobName
from tui.models import Pane
from tui.presenters.sectors import SectorRow, SectorsView
from tui.scheduler import Scheduler
from tui.sources.base import Fetched

pytestmark = pytest.mark.timeout(60)
fault_server = faultserver.fault_server


@pytest.fixture
async def sectors(fault_server: FaultServer) -> AsyncIterator[tuple[LoopbackMarket, SectorsView]]:
    market = await LoopbackMarket.start(fault_server)
    clock = ManualClock(market.truth.moment)
    settings = market.settings()
    source = market.live_source(settings, clock=clock, cache=None)
    scheduler = Scheduler(settings, source, clock=clock)
    try:
        await scheduler.refresh_all()
        views = await scheduler.build([Pane.SECTORS], scheduler.feed.market_data())
    finally:
        await scheduler.aclose()
    view = views[Pane.SECTORS]
    assert isinstance(view, SectorsView)
    yield market, view


def rows_of(view: SectorsView) -> dict[str, SectorRow]:
    return {row.symbol: row for row in view.rows}


async def test_real_flows_are_the_change_in_shares_times_the_days_nav(
    sectors: tuple[LoopbackMarket, SectorsView],
) -> None:
    market, view = sectors
    rows = rows_of(view)
    newest = dt.date(2026, 2, 10)  # at 11:30 the 11th's NAV is not posted yet
    assert view.fund_flow_as_of == newest
    for fund, row in rows.items():
        nav = market.truth.fund_nav.filter(pl.col("fund") == fund).sort("date")
        shares = nav["shares_outstanding"].to_list()
        navs = nav["nav"].to_list()
        assert nav["date"][-1] == newest
        flows = [(shares[i] - shares[i - 1]) * navs[i] for i in range(1, len(shares))]
        assert row.fund_flow_as_of == newest
        assert row.fund_flow_1d == pytest.approx(flows[-1]), fund
        assert row.fund_flow_5d == pytest.approx(sum(flows[-5:])), fund
        assert row.fund_flow_20d == pytest.approx(sum(flows[-20:])), fund
    # The story: money left XLK, XLI and XLB over the last 20 days.
    assert all(rows[fund].fund_flow_20d < 0 for fund in ("XLK", "XLI", "XLB"))  # type: ignore[operator]


async def test_short_pressure_is_the_members_short_volume_and_short_interest(
    sectors: tuple[LoopbackMarket, SectorsView],
) -> None:
    market, view = sectors
    truth = market.truth
    members = truth.fund_holdings.filter(pl.col("fund") == "XLK")
    held = members["symbol"].to_list()
    volume = truth.short_volume.filter(pl.col("symbol").is_in(held), pl.col("total_volume") > 0)
    days = sorted(set(volume["date"].to_list()))[-21:]  # the dashboard keeps 21 days
    ratios = []
    for day in days:
        on_day = volume.filter(pl.col("date") == day)
        ratios.append(on_day["short_volume"].sum() / on_day["total_volume"].sum())
    baseline = ratios[:-1]
    z = (ratios[-1] - statistics.mean(baseline)) / statistics.stdev(baseline)
    xlk = rows_of(view)["XLK"]
    assert (xlk.sv_date, view.sv_date) == (days[-1], days[-1])
    assert xlk.sv_ratio == pytest.approx(ratios[-1])
    assert xlk.sv_zscore == pytest.approx(z)
    settlement = truth.short_interest["settlement_date"].max()
    si = truth.short_interest.filter(pl.col("settlement_date") == settlement).join(
        members.select("symbol", "weight"), on="symbol"
    )
    changes = {
        symbol: (short - prior) / prior * 100
        for symbol, short, prior in si.select(
            "symbol", "short_shares", "prior_short_shares"
        ).iter_rows()
    }
    weights = dict(members.select("symbol", "weight").iter_rows())
    weighted = sum(weights[s] * change for s, change in changes.items()) / sum(
        weights[s] for s in changes
    )
    assert (xlk.settlement_date, view.settlement_date) == (settlement, settlement)
    assert xlk.si_change_pct == pytest.approx(weighted)


async def test_breadth_counts_the_members_up_today_and_above_their_50_day_average(
    sectors: tuple[LoopbackMarket, SectorsView],
) -> None:
    market, view = sectors
    truth = market.truth
    for fund, row in rows_of(view).items():
        held = truth.fund_holdings.filter(pl.col("fund") == fund)["symbol"].to_list()
        up = above = 0
        for symbol in held:
            quote = truth.quotes.row(by_predicate=pl.col("symbol") == symbol, named=True)
            up += quote["last"] > quote["prev_close"]
            bars = truth.daily.filter(pl.col("symbol") == symbol).sort("ts")
            before = bars.filter(pl.col("ts").dt.date() < dt.date(2026, 2, 11))["close"]
            above += quote["last"] > statistics.mean(before.tail(50).to_list())
        assert row.members == len(held), fund
        assert row.up_share == pytest.approx(up / len(held)), fund
        assert row.above_50d_share == pytest.approx(above / len(held)), fund


async def test_the_members_daily_closes_come_from_spark_twenty_a_request(
    fault_server: FaultServer,
) -> None:
    """About 500 members cost 25 spark requests, not 500 daily charts: breadth needs their
    closes alone."""
    market = await LoopbackMarket.start(fault_server)
    clock = ManualClock(market.truth.moment)
    settings = market.settings()
    source = market.live_source(settings, clock=clock, cache=None)
    held = member_symbols(market.truth.fund_holdings)
    try:
        outcome = await ask(
            source, JobName.MEMBER_BARS, held, MEMBER_SESSIONS, intraday_interval="5m"
        )
    finally:
        await source.aclose()
    assert isinstance(outcome, Fetched) and not outcome.problems
    asked = market.requests("yahoo")
    assert not [request for request in asked if "/chart/" in request.path]
    batches = [request.query["symbols"].split(",") for request in asked]
    assert [symbol for batch in batches for symbol in batch] == held
    assert all(len(batch) == 20 for batch in batches[:-1]) and len(batches) == -(-len(held) // 20)
    assert {(r.query["interval"], r.query["range"]) for r in asked} == {("1d", "3mo")}
    frame = outcome.frame
    for symbol in held[:: max(1, len(held) // 25)]:
        truth = market.truth.daily.filter(pl.col("symbol") == symbol).sort("ts")
        closes = frame.filter(pl.col("symbol") == symbol)
        assert closes["close"].to_list() == truth["close"].tail(MEMBER_SESSIONS).to_list()
        assert closes["ts"].to_list() == truth["ts"].tail(MEMBER_SESSIONS).to_list()
