"""The fetch plan: the symbols each job asks for, the Source call that answers it, the MarketData
snapshot with the source's names, and the drill-down's fetch.

The feed is driven with `ScriptedSource` (tests/unit/scripted.py), a Source whose replies each
test scripts; its store is filled directly.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import replace

import polars as pl
import pytest

from tests.loopback_market import ManualClock
from tests.unit.scripted import (
    DAILY_SESSIONS,
    INTRADAY_SESSIONS,
    MARKET_NOW,
    SMALL,
    SMALL_CORE,
    SMALL_INTRADAY,
    WALL_START,
    ScriptedSource,
    bars_frame,
    failed,
    fetched,
    holdings_frame,
    quotes_frame,
    shares_frame,
    short_interest_frame,
)
from tui.analytics.market import MarketData
from tui.config import AlertRule, RefreshSettings, Settings, ShortedSettings, Watchlist
from tui.feed import JOB_PRIORITY, Feed
from tui.jobs import REFRESH_ORDER, JobName
from tui.sources.base import (
    BarInterval,
    Failed,
    FailureKind,
    Fetched,
    FetchOutcome,
    Source,
    SymbolInfo,
)
from tui.sources.budget import Priority, current_priority
from tui.sources.demo import DemoMarket
from tui.store import Store, Stored


def feed_over(source: Source, settings: Settings = SMALL) -> Feed:
    return Feed(settings, source, Store(source.name))


def put(feed: Feed, job: JobName, frame: pl.DataFrame) -> None:
    feed.store.put(job, Stored(frame, MARKET_NOW, WALL_START))


# --- what to fetch -------------------------------------------------------------------------------


def test_daily_bars_cover_indices_benchmark_sectors_and_baskets_once_each() -> None:
    assert feed_over(ScriptedSource()).symbols_for(JobName.DAILY) == SMALL_CORE


def test_intraday_bars_cover_indices_basket_members_and_sector_etfs() -> None:
    assert feed_over(ScriptedSource()).symbols_for(JobName.INTRADAY) == SMALL_INTRADAY


def test_quotes_add_the_watchlist_to_the_core_symbols() -> None:
    shorted = ShortedSettings(universe="watchlist", watchlist=("GME", "MSFT", "AMC"))
    feed = feed_over(ScriptedSource(), replace(SMALL, shorted=shorted))
    assert feed.symbols_for(JobName.QUOTES) == [*SMALL_CORE, "GME", "AMC"]


def test_watchlist_symbols_are_polled_like_the_dashboards_own() -> None:
    """Prices, intraday bars and daily history for every list's tickers, each once."""
    lists = (Watchlist("A", ("JPM", "MSFT")), Watchlist("B", ("XOM", "JPM")))
    feed = feed_over(ScriptedSource(), replace(SMALL, watchlists=lists))
    assert feed.symbols_for(JobName.QUOTES) == [*SMALL_CORE, "JPM", "XOM"]
    assert feed.symbols_for(JobName.DAILY) == [*SMALL_CORE, "JPM", "XOM"]
    assert feed.symbols_for(JobName.INTRADAY) == [*SMALL_INTRADAY, "JPM", "XOM"]
    # The whole market's short data covers them; a Most shorted watchlist asks for them too.
    assert feed.symbols_for(JobName.SHORT_INTEREST) is None
    shorted = ShortedSettings(universe="watchlist", watchlist=("GME",))
    feed = feed_over(ScriptedSource(), replace(SMALL, watchlists=lists, shorted=shorted))
    assert feed.symbols_for(JobName.SHORT_INTEREST) == ["GME", "JPM", "MSFT", "XOM"]


def test_quotes_add_the_top_short_candidates_of_the_market() -> None:
    """Twice the table's rows, ranked by short % of float, names trading too little left out."""
    # Floats of 100 shares: no minimum float here (tested with the analytics).
    feed = feed_over(
        ScriptedSource(), replace(SMALL, shorted=ShortedSettings(rows=1, min_float=0.0))
    )
    assert feed.symbols_for(JobName.QUOTES) == SMALL_CORE

    rows = {
        "AAA": (40.0, 1e6),  # 40 %
        "BBB": (10.0, 1e6),  # 10 %
        "CCC": (25.0, 1e6),  # 25 %
        "DDD": (90.0, 10.0),  # 90 %, but below min_avg_volume
    }
    put(feed, JobName.SHORT_INTEREST, short_interest_frame(rows))
    put(feed, JobName.SHARES, shares_frame(dict.fromkeys(rows, 100.0)))

    assert feed.symbols_for(JobName.QUOTES) == [*SMALL_CORE, "AAA", "CCC"]


def test_quotes_add_the_symbols_alert_rules_name() -> None:
    alerts = (
        AlertRule("last", symbol="PLTR", below=100.0),
        AlertRule("sv_z", symbol="*", above=3.0),
        AlertRule("basket_corr", basket="Mag 7", below=0.2),
    )
    feed = feed_over(ScriptedSource(), replace(SMALL, alerts=alerts))
    assert feed.symbols_for(JobName.QUOTES) == [*SMALL_CORE, "PLTR"]
    # The rules made in the app too, once each.
    feed.app_alerted = lambda: ["PLTR", "RIVN", "*"]
    assert feed.symbols_for(JobName.QUOTES) == [*SMALL_CORE, "PLTR", "RIVN"]


def test_short_data_covers_the_market_unless_a_watchlist_limits_it() -> None:
    market = feed_over(ScriptedSource())
    assert market.symbols_for(JobName.SHORT_INTEREST) is None
    assert market.symbols_for(JobName.SHORT_VOLUME) is None

    shorted = ShortedSettings(universe="watchlist", watchlist=("GME", "AMC"))
    watched = feed_over(ScriptedSource(), replace(SMALL, shorted=shorted))
    for job in (JobName.SHORT_INTEREST, JobName.SHORT_VOLUME, JobName.SHARES):
        assert watched.symbols_for(job) == ["GME", "AMC"]


def test_the_funds_files_are_asked_for_the_sector_etfs_and_bars_for_their_members() -> None:
    feed = feed_over(ScriptedSource())
    assert feed.symbols_for(JobName.FUND_NAV) == ["XLK", "XLI"]
    assert feed.symbols_for(JobName.FUND_HOLDINGS) == ["XLK", "XLI"]
    assert feed.symbols_for(JobName.MEMBER_BARS) == []  # before any holdings
    assert (feed.depth(JobName.FUND_NAV), feed.depth(JobName.MEMBER_BARS)) == (260, 55)

    put(feed, JobName.FUND_HOLDINGS, holdings_frame({"XLK": ["MSFT", "NVDA"], "XLI": ["GE"]}))

    assert feed.symbols_for(JobName.MEMBER_BARS) == ["MSFT", "NVDA", "GE"]
    # The whole market's short data covers the members; a watchlist's is widened to them.
    assert feed.symbols_for(JobName.SHORT_VOLUME) is None
    shorted = ShortedSettings(universe="watchlist", watchlist=("GME", "MSFT"))
    watched = feed_over(ScriptedSource(), replace(SMALL, shorted=shorted))
    put(watched, JobName.FUND_HOLDINGS, holdings_frame({"XLK": ["MSFT", "NVDA"]}))
    for job in (JobName.SHORT_INTEREST, JobName.SHORT_VOLUME):
        assert watched.symbols_for(job) == ["GME", "MSFT", "NVDA"]
    assert watched.symbols_for(JobName.SHARES) == ["GME", "MSFT"]  # Most shorted's own


async def test_the_members_bars_are_asked_for_once_holdings_name_the_members() -> None:
    source = ScriptedSource()
    feed = feed_over(source)
    assert await feed.fetch(JobName.MEMBER_BARS) is None  # nothing to ask yet
    assert source.requests == []

    put(feed, JobName.FUND_HOLDINGS, holdings_frame({"XLK": ["MSFT", "NVDA"]}))
    await feed.fetch(JobName.MEMBER_BARS)

    assert source.requests == [(JobName.MEMBER_BARS, (["MSFT", "NVDA"], "1d", 55))]


async def test_a_source_without_fund_files_answers_the_fund_jobs_not_available() -> None:
    class Plain(ScriptedSource):
        fund_nav_history = None  # type: ignore[assignment]
        fund_holdings = None  # type: ignore[assignment]

    feed = feed_over(Plain())
    for job in (JobName.FUND_NAV, JobName.FUND_HOLDINGS):
        outcome = await feed.fetch(job)
        assert isinstance(outcome, Failed) and outcome.kind is FailureKind.NOT_AVAILABLE
        assert outcome.message == "the fake source has no fund files"


def test_shares_are_asked_about_the_names_short_interest_listed() -> None:
    feed = feed_over(ScriptedSource())
    assert feed.symbols_for(JobName.SHARES) == []  # before any short interest

    put(feed, JobName.SHORT_INTEREST, short_interest_frame({"ZZZ": (5.0, 1e6), "AAA": (1.0, 1e6)}))

    assert feed.symbols_for(JobName.SHARES) == ["AAA", "ZZZ"]


@pytest.mark.parametrize(
    ("job", "asked"),
    [
        (JobName.QUOTES, (SMALL_CORE,)),
        (JobName.INTRADAY, (SMALL_INTRADAY, "1m", INTRADAY_SESSIONS)),
        (JobName.DAILY, (SMALL_CORE, "1d", DAILY_SESSIONS)),
        (JobName.SHORT_INTEREST, (None, 1)),
        (JobName.SHORT_VOLUME, (None, 21)),
        (JobName.SHARES, ([],)),
        (JobName.FUND_NAV, (["XLK", "XLI"], 260)),
        (JobName.FUND_HOLDINGS, (["XLK", "XLI"],)),
    ],
)
async def test_each_job_asks_the_source_for_its_dataset(
    job: JobName, asked: tuple[object, ...]
) -> None:
    source = ScriptedSource()
    settings = replace(
        SMALL,
        sources=replace(SMALL.sources, yahoo=replace(SMALL.sources.yahoo, intraday_interval="1m")),
    )

    await feed_over(source, settings).fetch(job)

    assert source.requests == [(job, asked)]


async def test_a_source_that_raises_is_a_failure_named_after_the_job(
    caplog: pytest.LogCaptureFixture,
) -> None:
    source = ScriptedSource()
    source.script(JobName.QUOTES, RuntimeError("boom"))

    with caplog.at_level(logging.ERROR, logger="tapewatch.feed"):
        outcome = await feed_over(source).fetch(JobName.QUOTES)

    assert isinstance(outcome, Failed)
    assert (outcome.source, outcome.kind) == ("fake", FailureKind.PARSE)
    assert "internal error: boom" in outcome.message
    assert "unexpected error" in caplog.text
    assert caplog.records[0].exc_info is not None  # with its traceback


# --- the snapshot the views are built from -------------------------------------------------------


def test_market_data_hands_over_stored_frames_and_the_source_s_names() -> None:
    apple = SymbolInfo("AAPL", "Apple Inc.", "Information Technology")
    feed = feed_over(ScriptedSource(info={"AAPL": apple}))
    quotes = quotes_frame({"AAPL": 1.0})
    put(feed, JobName.QUOTES, quotes)

    data = feed.market_data()

    assert data.quotes.equals(quotes)
    assert data.now == MARKET_NOW
    assert data.info["AAPL"] == apple
    assert "MSFT" not in data.info
    assert list(data.info) == ["AAPL"] and len(data.info) == 1


# --- drill-down ----------------------------------------------------------------------------------


def _daily_request(source: ScriptedSource) -> list[str]:
    (request,) = source.asked(JobName.DAILY)
    symbols, interval, days = request
    assert (interval, days) == ("1d", DAILY_SESSIONS)
    return list(symbols)


@pytest.mark.parametrize(
    ("symbol", "peers"),
    [
        ("MSFT", ["AAPL"]),  # its first basket
        ("NVDA", ["MSFT", "ORCL"]),
        ("CAT", ["XLI"]),  # in no basket: its sector's ETF
        ("GME", []),  # a sector the settings do not list
        ("ZZZ", []),  # unknown to the source
    ],
)
async def test_the_drill_down_compares_with_basket_members_else_the_sector_etf(
    symbol: str, peers: list[str]
) -> None:
    source = ScriptedSource(
        info={
            "CAT": SymbolInfo("CAT", "Caterpillar", "Industrials"),
            "GME": SymbolInfo("GME", "GameStop", "Consumer Discretionary"),
        }
    )

    await feed_over(source).fetch_ticker(symbol)

    assert _daily_request(source) == [symbol, *peers]


async def test_the_drill_down_asks_for_each_dataset_of_its_symbol() -> None:
    source = ScriptedSource()

    await feed_over(source).fetch_ticker("AAPL")

    assert sorted(source.requests) == sorted(
        [
            (JobName.QUOTES, (["AAPL"],)),
            (JobName.INTRADAY, (["AAPL"], "5m", 5)),
            (JobName.DAILY, (["AAPL", "MSFT"], "1d", DAILY_SESSIONS)),
            (JobName.SHORT_INTEREST, (["AAPL"], 24)),
            (JobName.SHORT_VOLUME, (["AAPL"], 60)),
            (JobName.SHARES, (["AAPL"],)),
        ]
    )


async def test_the_drill_down_fails_only_when_quotes_and_daily_bars_both_fail() -> None:
    source = ScriptedSource()
    quotes_failure = failed(FailureKind.OFFLINE, "no quotes")
    source.script(JobName.QUOTES, quotes_failure)
    source.script(JobName.DAILY, failed(FailureKind.OFFLINE, "no bars"))

    assert await feed_over(source).fetch_ticker("AAPL") == quotes_failure


async def test_the_drill_down_merges_its_results_over_the_dashboard_s_frames() -> None:
    source = ScriptedSource()
    feed = feed_over(source)
    put(feed, JobName.QUOTES, quotes_frame({"AAPL": 1.0, "MSFT": 2.0}))
    put(feed, JobName.DAILY, bars_frame({"AAPL": 1.0, "MSFT": 2.0}))
    put(feed, JobName.INTRADAY, bars_frame({"AAPL": 1.0, "MSFT": 2.0}, "5m"))
    source.script(JobName.QUOTES, failed(FailureKind.TIMEOUT))
    source.script(JobName.DAILY, fetched(bars_frame({"AAPL": 5.0}), {"ZZZ": "not found"}))
    source.script(JobName.INTRADAY, failed(FailureKind.TIMEOUT))

    data = await feed.fetch_ticker("AAPL")

    assert isinstance(data, MarketData)
    # quotes failed: the dashboard's quotes stand in
    assert sorted(data.quotes.select("symbol", "last").rows()) == [("AAPL", 1.0), ("MSFT", 2.0)]
    # daily bars came: AAPL's replace the dashboard's, the others stay
    assert sorted(data.daily.select("symbol", "close").rows()) == [("AAPL", 5.0), ("MSFT", 2.0)]
    # intraday failed: only the symbol's own bars from the dashboard
    assert data.intraday.get_column("symbol").to_list() == ["AAPL"]
    assert data.problems == {"ZZZ": "not found"}


async def test_a_raising_source_fails_the_drill_down_instead_of_hanging_it() -> None:
    source = ScriptedSource()
    source.script(JobName.QUOTES, RuntimeError("boom"))

    outcome = await feed_over(source).fetch_ticker("MSFT")

    assert isinstance(outcome, Failed)
    assert "boom" in outcome.message


async def test_the_drill_down_over_the_demo_market() -> None:
    demo = DemoMarket(monotonic=lambda: 0.0)
    feed = feed_over(demo, Settings())
    for job in REFRESH_ORDER:  # each after the jobs whose data names its symbols
        outcome = await feed.fetch(job)
        assert outcome is not None and not isinstance(outcome, Failed), outcome
        feed.store.put(job, Stored(outcome.frame, outcome.as_of, WALL_START))

    data = await feed.fetch_ticker("MSFT")

    assert isinstance(data, MarketData)
    mag7 = {"AAPL", "MSFT", "GOOGL", "AMZN", "META", "NVDA", "TSLA"}
    assert mag7 <= set(data.daily.get_column("symbol").unique().to_list())
    settlements = data.short_interest.filter(pl.col("symbol") == "MSFT").height
    assert settlements > 1  # a history, where the dashboard keeps only the latest
    msft_minutes = data.intraday.filter(pl.col("symbol") == "MSFT").get_column("ts")
    assert msft_minutes.dt.date().n_unique() == 5  # the five sessions of its 5D chart


async def test_a_sector_etf_s_drill_down_prices_its_sector_s_stocks() -> None:
    """The plan owns fetching: the stocks an ETF lists are quoted by the feed, those the
    dashboard does not hold yet only."""
    demo = DemoMarket(monotonic=lambda: 0.0)
    feed = feed_over(demo, Settings())
    put(feed, JobName.QUOTES, quotes_frame({"MSFT": 400.0}))

    data = await feed.fetch_ticker("XLK")

    assert isinstance(data, MarketData)
    members = {"AAPL", "NVDA", "ORCL", "AVGO"}
    priced = set(data.quotes.filter(pl.col("last").is_not_null())["symbol"].to_list())
    assert members <= priced
    assert data.quotes.filter(pl.col("symbol") == "MSFT")["last"].to_list() == [400.0]


async def test_a_drill_down_poll_asks_for_its_symbol_and_what_the_dashboard_does_not_poll() -> None:
    source = ScriptedSource()
    feed = feed_over(source)
    put(feed, JobName.QUOTES, quotes_frame({"MSFT": 2.0, "AAPL": 5.0}))
    data = await feed.fetch_ticker("MSFT")
    assert isinstance(data, MarketData)
    source.requests.clear()
    put(feed, JobName.QUOTES, quotes_frame({"MSFT": 3.0, "AAPL": 6.0}))  # the dashboard polled
    source.script(JobName.INTRADAY, fetched(bars_frame({"MSFT": 3.0, "AAPL": 9.0}, "5m")))
    later = quotes_frame({"MSFT": 4.0}).with_columns(pl.col("ts") + dt.timedelta(minutes=1))
    source.script(JobName.QUOTES, fetched(later))

    polled = await feed.poll_ticker(data, "MSFT")

    # Intraday bars first: a quote asked for just after may read the same chart.
    assert source.requests == [
        (JobName.INTRADAY, (["MSFT"], "5m", 5)),
        (JobName.QUOTES, (["MSFT"],)),
    ]
    last = dict(polled.quotes.select("symbol", "last").rows())
    assert (last["MSFT"], last["AAPL"]) == (4.0, 6.0)  # its own quote, the dashboard's others
    assert polled.intraday["symbol"].to_list() == ["MSFT"]
    assert polled.now == MARKET_NOW  # the source's market clock

    source.requests.clear()
    source.script(JobName.QUOTES, failed(FailureKind.TIMEOUT))
    source.script(JobName.INTRADAY, RuntimeError("a source bug"))
    kept = await feed.poll_ticker(polled, "MSFT")
    assert [job for job, _ in source.requests] == [JobName.INTRADAY, JobName.QUOTES]
    assert kept.intraday.equals(polled.intraday)
    # Its own quote is newer than the dashboard's: never replaced by an older one.
    assert dict(kept.quotes.select("symbol", "last").rows())["MSFT"] == 4.0


async def test_aclose_closes_the_source() -> None:
    source = ScriptedSource()
    await feed_over(source).aclose()
    assert source.closed


# --- the request budget's priorities and the quotes' tiers ------------------------------------


class BudgetedSource(ScriptedSource):
    """A source with a request budget (as the live one): records the priority each call was
    made with, and serves intraday closes alone."""

    def __init__(self) -> None:
        super().__init__()
        self.priorities: list[tuple[str, Priority, list[str]]] = []

    def budget_waiting(self, source: str) -> int:
        return 0

    async def quotes(self, symbols: Sequence[str]) -> FetchOutcome:
        self.priorities.append(("quotes", current_priority(), list(symbols)))
        return await super().quotes(symbols)

    async def bars(self, symbols: Sequence[str], interval: BarInterval, days: int) -> FetchOutcome:
        self.priorities.append((f"bars {interval}", current_priority(), list(symbols)))
        return await super().bars(symbols, interval, days)

    async def intraday_closes(self, symbols: Sequence[str], interval: BarInterval) -> FetchOutcome:
        self.priorities.append(("closes", current_priority(), list(symbols)))
        return fetched(bars_frame(dict.fromkeys(symbols, 1.0), interval))

    async def short_volume(self, symbols: Sequence[str] | None, days: int) -> FetchOutcome:
        self.priorities.append(("short volume", current_priority(), []))
        return await super().short_volume(symbols, days)

    async def fund_nav_history(self, funds: Sequence[str], days: int) -> FetchOutcome:
        self.priorities.append(("fund NAV", current_priority(), list(funds)))
        return await super().fund_nav_history(funds, days)

    async def fund_holdings(self, funds: Sequence[str]) -> FetchOutcome:
        self.priorities.append(("fund holdings", current_priority(), list(funds)))
        return await super().fund_holdings(funds)


def candidates_feed(source: ScriptedSource, clock: ManualClock) -> Feed:
    shorted = ShortedSettings(universe="watchlist", watchlist=("GME", "AMC"))
    settings = replace(SMALL, shorted=shorted, refresh=RefreshSettings(quotes=15, candidates=60))
    return Feed(settings, source, Store(source.name), clock=clock)


async def test_each_job_asks_with_its_priority() -> None:
    source = BudgetedSource()
    feed = candidates_feed(source, ManualClock(WALL_START))
    for job in (JobName.QUOTES, JobName.INTRADAY, JobName.SHORT_VOLUME):
        assert isinstance(await feed.fetch(job), Fetched)
    assert [(what, priority) for what, priority, _ in source.priorities] == [
        ("quotes", Priority.ON_SCREEN),
        ("quotes", Priority.CANDIDATES),
        ("bars 5m", Priority.BARS),  # the sector ETFs: relative volume needs whole bars
        ("closes", Priority.BARS),  # the sparklines need closes alone
        ("short volume", Priority.HISTORY),
    ]
    assert source.priorities[0][2] == SMALL_CORE
    assert source.priorities[1][2] == ["GME", "AMC"]
    assert source.priorities[2][2] == ["XLK", "XLI"]
    assert source.priorities[3][2] == ["^GSPC", "^VIX", "AAPL", "MSFT", "NVDA", "ORCL"]


async def test_the_sector_funds_files_are_asked_for_as_history() -> None:
    """State Street's workbooks change once a day or a week: last in the budget's queue."""
    source = BudgetedSource()
    feed = candidates_feed(source, ManualClock(WALL_START))
    for job in (JobName.FUND_NAV, JobName.FUND_HOLDINGS):
        await feed.fetch(job)
    assert [(what, priority) for what, priority, _ in source.priorities] == [
        ("fund NAV", Priority.HISTORY),
        ("fund holdings", Priority.HISTORY),
    ]
    assert set(JOB_PRIORITY) == set(JobName)  # every job has one (the members' bars too)


async def test_candidates_are_asked_at_their_own_cadence() -> None:
    """The rows on screen at every quotes poll; the candidates once a minute, and any never
    priced (names new short interest brings) at once."""
    source = BudgetedSource()
    clock = ManualClock(WALL_START)
    feed = candidates_feed(source, clock)

    def asked() -> list[list[str]]:
        asked_now = [symbols for what, _, symbols in source.priorities if what == "quotes"]
        source.priorities.clear()
        return asked_now

    await feed.fetch(JobName.QUOTES)
    assert asked() == [SMALL_CORE, ["GME", "AMC"]]
    put(feed, JobName.QUOTES, quotes_frame({"GME": 20.0, "AMC": 3.0}))
    for _ in range(3):
        clock.advance(15)
        await feed.fetch(JobName.QUOTES)
        assert asked() == [SMALL_CORE]
    clock.advance(15)  # a minute since the candidates were asked
    await feed.fetch(JobName.QUOTES)
    assert asked() == [SMALL_CORE, ["GME", "AMC"]]

    feed.settings = replace(
        feed.settings, shorted=ShortedSettings(universe="watchlist", watchlist=("GME", "BBBY"))
    )
    clock.advance(15)
    await feed.fetch(JobName.QUOTES)
    assert asked() == [SMALL_CORE, ["BBBY"]]  # never priced: at once
    feed.ask_everything_next()  # the user's refresh
    await feed.fetch(JobName.QUOTES)
    assert asked() == [SMALL_CORE, ["GME", "BBBY"]]


async def test_a_poll_a_hair_before_the_candidates_cadence_still_asks_for_them() -> None:
    """Polls run start to start: the one a minute later may start a little early, and must
    not leave the candidates (and the streamed rows among them) for another minute."""
    source = BudgetedSource()
    clock = ManualClock(WALL_START)
    feed = candidates_feed(source, clock)
    await feed.fetch(JobName.QUOTES)
    put(feed, JobName.QUOTES, quotes_frame({"GME": 20.0, "AMC": 3.0}))
    source.priorities.clear()
    clock.advance(59.9)
    await feed.fetch(JobName.QUOTES)
    assert [symbols for _, _, symbols in source.priorities] == [SMALL_CORE, ["GME", "AMC"]]


async def test_a_live_stream_moves_its_symbols_to_the_candidates_cadence() -> None:
    source = BudgetedSource()
    clock = ManualClock(WALL_START)
    feed = candidates_feed(source, clock)
    await feed.fetch(JobName.QUOTES)
    put(feed, JobName.QUOTES, quotes_frame(dict.fromkeys([*SMALL_CORE, "GME", "AMC"], 1.0)))
    source.priorities.clear()

    streamed = {"AAPL", "MSFT", "^GSPC"}
    feed.streaming = lambda: frozenset(streamed)
    clock.advance(15)
    await feed.fetch(JobName.QUOTES)
    (on_screen,) = [symbols for _, _, symbols in source.priorities]
    assert on_screen == [symbol for symbol in SMALL_CORE if symbol not in streamed]

    source.priorities.clear()
    clock.advance(60)
    await feed.fetch(JobName.QUOTES)
    _, candidates = [symbols for _, _, symbols in source.priorities]
    assert candidates == ["^GSPC", "AAPL", "MSFT", "GME", "AMC"]  # a cross-check, once a minute

    # Everything on screen streamed and the candidates not due: no request at all.
    source.priorities.clear()
    feed.streaming = lambda: frozenset(SMALL_CORE)
    clock.advance(15)
    outcome = await feed.fetch(JobName.QUOTES)
    assert isinstance(outcome, Fetched) and outcome.frame.is_empty()
    assert source.priorities == []


async def test_quotes_on_screen_that_fail_fail_the_poll_whatever_the_candidates_bring() -> None:
    source = BudgetedSource()
    feed = candidates_feed(source, ManualClock(WALL_START))
    source.script(JobName.QUOTES, failed(FailureKind.OFFLINE), fetched(quotes_frame({"GME": 20.0})))
    outcome = await feed.fetch(JobName.QUOTES)
    assert isinstance(outcome, Failed) and outcome.kind is FailureKind.OFFLINE
