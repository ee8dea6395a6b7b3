"""The feed: jobs and the symbols they ask for, storing and merging results, back-off and source
health, the status line, the on-disk copy, views and the drill-down fetch.

Most tests drive the feed with `ScriptedSource`, a Source whose replies each test scripts; a few
run it over the demo market with a frozen clock to check the whole path end to end.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tui.analytics.indices import build_indices
from tui.analytics.market import MarketData
from tui.cache import Cache
from tui.config import (
    Basket,
    IndexSpec,
    RefreshSettings,
    SectorSpec,
    Settings,
    ShortedSettings,
    SourcesSettings,
    YahooSettings,
)
from tui.feed import JOB_SCHEMAS, Feed, JobResult, make_jobs, merge_by_symbol
from tui.models import Pane
from tui.presenters.correlations import CorrelationsView
from tui.presenters.indices import IndicesView
from tui.presenters.sectors import SectorsView
from tui.presenters.shorts import ShortsView
from tui.sources.base import (
    BARS_SCHEMA,
    QUOTES_SCHEMA,
    SHARES_SCHEMA,
    SHORT_INTEREST_SCHEMA,
    BarInterval,
    Failed,
    FailureKind,
    Fetched,
    FetchOutcome,
    Source,
    SymbolInfo,
)
from tui.sources.demo import DemoMarket
from tui.sources.replay import AsOfSource

# 10:00 in New York on the demo's session date: the regular session is open.
MARKET_NOW = dt.datetime(2026, 2, 11, 15, 0, tzinfo=dt.UTC)
WALL_START = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)

SMALL = Settings(
    indices=(IndexSpec("^GSPC", "S&P 500"), IndexSpec("^VIX", "VIX")),
    benchmark="SPY",
    sectors=(
        SectorSpec("XLK", "Information Technology"),
        SectorSpec("XLI", "Industrials"),
    ),
    baskets=(
        Basket("Pair", ("AAPL", "MSFT"), "QQQ"),
        Basket("Trio", ("MSFT", "NVDA", "ORCL"), "XLK"),
    ),
)
SMALL_CORE = ["^GSPC", "^VIX", "SPY", "XLK", "XLI", "AAPL", "MSFT", "QQQ", "NVDA", "ORCL"]
SMALL_INTRADAY = ["^GSPC", "^VIX", "AAPL", "MSFT", "NVDA", "ORCL"]
DAILY_SESSIONS = 252 + 60 + 5  # a year of correlation history, its window, and slack

Reply = Fetched | Failed | Exception


class WallClock:
    """The feed's wall clock, moved by hand."""

    def __init__(self, start: dt.datetime = WALL_START) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


class ScriptedSource:
    """A Source that answers each dataset with the replies a test queued (an empty frame once the
    queue is empty) and records every request as (dataset, arguments)."""

    is_demo = False

    def __init__(self, name: str = "fake", *, info: dict[str, SymbolInfo] | None = None) -> None:
        self.name = name
        self.info = info or {}
        self.replies: dict[str, list[Reply]] = defaultdict(list)
        self.requests: list[tuple[str, tuple[Any, ...]]] = []
        self.closed = False

    def script(self, dataset: str, *replies: Reply) -> None:
        self.replies[dataset].extend(replies)

    def asked(self, dataset: str) -> list[tuple[Any, ...]]:
        return [arguments for name, arguments in self.requests if name == dataset]

    def _answer(self, dataset: str, arguments: tuple[Any, ...]) -> FetchOutcome:
        self.requests.append((dataset, arguments))
        queue = self.replies[dataset]
        reply = (
            queue.pop(0)
            if queue
            else Fetched(pl.DataFrame(schema=JOB_SCHEMAS[dataset]), MARKET_NOW)
        )
        if isinstance(reply, Exception):
            raise reply
        return reply

    def now(self) -> dt.datetime:
        return MARKET_NOW

    def describe(self, symbol: str) -> SymbolInfo | None:
        return self.info.get(symbol)

    def known_symbols(self) -> Sequence[str]:
        return tuple(self.info)

    async def quotes(self, symbols: Sequence[str]) -> FetchOutcome:
        return self._answer("quotes", (list(symbols),))

    async def bars(self, symbols: Sequence[str], interval: BarInterval, days: int) -> FetchOutcome:
        dataset = "daily" if interval == "1d" else "intraday"
        return self._answer(dataset, (list(symbols), interval, days))

    async def short_interest(
        self, symbols: Sequence[str] | None, settlements: int = 1
    ) -> FetchOutcome:
        return self._answer("short_interest", (_listed(symbols), settlements))

    async def short_volume(self, symbols: Sequence[str] | None, days: int) -> FetchOutcome:
        return self._answer("short_volume", (_listed(symbols), days))

    async def shares(self, symbols: Sequence[str]) -> FetchOutcome:
        return self._answer("shares", (list(symbols),))

    async def aclose(self) -> None:
        self.closed = True


class RoutedSource(ScriptedSource):
    """A composite source that names the underlying source of each job, as the live one does."""

    label = "LIVE"

    def source_for(self, job: str) -> str:
        return {"short_interest": "finra", "short_volume": "finra"}.get(job, "yahoo")


def _listed(symbols: Sequence[str] | None) -> list[str] | None:
    return None if symbols is None else list(symbols)


# --- frames --------------------------------------------------------------------------------------


def quotes_frame(prices: dict[str, float]) -> pl.DataFrame:
    symbols = list(prices)
    values = list(prices.values())
    return pl.DataFrame(
        {
            "symbol": symbols,
            "ts": [MARKET_NOW] * len(symbols),
            "last": values,
            "prev_close": values,
            "open": values,
            "high": values,
            "low": values,
            "volume": [1_000.0] * len(symbols),
            "session": ["regular"] * len(symbols),
            "delayed_s": [0] * len(symbols),
            "source": ["fake"] * len(symbols),
        },
        schema=QUOTES_SCHEMA,
    )


def bars_frame(closes: dict[str, float], interval: str = "1d") -> pl.DataFrame:
    symbols = list(closes)
    values = list(closes.values())
    return pl.DataFrame(
        {
            "symbol": symbols,
            "ts": [dt.datetime(2026, 2, 10, tzinfo=dt.UTC)] * len(symbols),
            "open": values,
            "high": values,
            "low": values,
            "close": values,
            "volume": [1_000.0] * len(symbols),
            "interval": [interval] * len(symbols),
        },
        schema=BARS_SCHEMA,
    )


def short_interest_frame(rows: dict[str, tuple[float, float]]) -> pl.DataFrame:
    """Short interest per symbol: (short shares, average daily volume)."""
    symbols = list(rows)
    return pl.DataFrame(
        {
            "symbol": symbols,
            "settlement_date": [dt.date(2026, 1, 30)] * len(symbols),
            "short_shares": [short for short, _ in rows.values()],
            "prior_short_shares": [short for short, _ in rows.values()],
            "avg_daily_volume": [volume for _, volume in rows.values()],
            "days_to_cover": [1.0] * len(symbols),
            "source": ["fake"] * len(symbols),
        },
        schema=SHORT_INTEREST_SCHEMA,
    )


def shares_frame(floats: dict[str, float]) -> pl.DataFrame:
    symbols = list(floats)
    return pl.DataFrame(
        {
            "symbol": symbols,
            "as_of": [dt.date(2025, 12, 31)] * len(symbols),
            "shares_outstanding": list(floats.values()),
            "float_shares": list(floats.values()),
            "source": ["fake"] * len(symbols),
        },
        schema=SHARES_SCHEMA,
    )


def fetched(frame: pl.DataFrame, problems: dict[str, str] | None = None) -> Fetched:
    return Fetched(frame, MARKET_NOW, problems or {})


def failed(
    kind: FailureKind = FailureKind.HTTP,
    message: str = "the source answered 503",
    *,
    source: str = "fake",
    retry_at: dt.datetime | None = None,
) -> Failed:
    return Failed(source, kind, message, retry_at)


def feed_over(
    source: Source,
    settings: Settings = SMALL,
    *,
    clock: WallClock | None = None,
    cache: Cache | None = None,
) -> Feed:
    return Feed(settings, source, clock=clock or WallClock(), cache=cache)


async def refresh(feed: Feed, name: str) -> JobResult:
    return await feed.refresh(feed.job(name))


# --- jobs and symbols ----------------------------------------------------------------------------


def test_jobs_run_at_the_configured_cadences_and_feed_their_panes() -> None:
    refresh_settings = RefreshSettings(
        quotes=7, intraday=11, daily=13, short_interest=17, short_volume=19, shares=23
    )
    jobs = make_jobs(replace(SMALL, refresh=refresh_settings))

    assert [(job.name, job.label, job.cadence_s) for job in jobs] == [
        ("quotes", "quotes", 7),
        ("intraday", "intraday", 11),
        ("daily", "daily", 13),
        ("short_interest", "SI", 17),
        ("short_volume", "SV", 19),
        ("shares", "shares", 23),
    ]
    panes = {job.name: job.panes for job in jobs}
    assert panes["quotes"] == {Pane.INDICES, Pane.SECTORS, Pane.SHORTS}
    assert panes["intraday"] == {Pane.INDICES}
    assert panes["daily"] == {Pane.INDICES, Pane.SECTORS, Pane.CORRELATIONS}
    assert panes["short_interest"] == panes["short_volume"] == panes["shares"] == {Pane.SHORTS}


def test_daily_bars_cover_indices_benchmark_sectors_and_baskets_once_each() -> None:
    feed = feed_over(ScriptedSource())
    assert feed.symbols_for(feed.job("daily")) == SMALL_CORE


def test_intraday_bars_cover_indices_and_basket_members_only() -> None:
    feed = feed_over(ScriptedSource())
    assert feed.symbols_for(feed.job("intraday")) == SMALL_INTRADAY


def test_quotes_add_the_watchlist_to_the_core_symbols() -> None:
    shorted = ShortedSettings(universe="watchlist", watchlist=("GME", "MSFT", "AMC"))
    feed = feed_over(ScriptedSource(), replace(SMALL, shorted=shorted))
    assert feed.symbols_for(feed.job("quotes")) == [*SMALL_CORE, "GME", "AMC"]


async def test_quotes_add_the_top_short_candidates_of_the_market() -> None:
    """Twice the table's rows, ranked by short % of float, names trading too little left out."""
    source = ScriptedSource()
    source.script(
        "short_interest",
        fetched(
            short_interest_frame(
                {
                    "AAA": (40.0, 1e6),  # 40 %
                    "BBB": (10.0, 1e6),  # 10 %
                    "CCC": (25.0, 1e6),  # 25 %
                    "DDD": (90.0, 10.0),  # 90 %, but below min_avg_volume
                }
            )
        ),
    )
    source.script(
        "shares", fetched(shares_frame(dict.fromkeys(["AAA", "BBB", "CCC", "DDD"], 100.0)))
    )
    # Floats of 100 shares: no minimum float here (tested with the analytics).
    feed = feed_over(source, replace(SMALL, shorted=ShortedSettings(rows=1, min_float=0.0)))
    assert feed.symbols_for(feed.job("quotes")) == SMALL_CORE

    await refresh(feed, "short_interest")
    await refresh(feed, "shares")

    assert feed.symbols_for(feed.job("quotes")) == [*SMALL_CORE, "AAA", "CCC"]


async def test_each_job_asks_for_its_dataset_in_dependency_order() -> None:
    source = ScriptedSource()
    source.script(
        "short_interest", fetched(short_interest_frame({"ZZZ": (5.0, 1e6), "AAA": (1.0, 1e6)}))
    )
    settings = replace(SMALL, sources=SourcesSettings(yahoo=YahooSettings(intraday_interval="1m")))
    feed = feed_over(source, settings)

    results = await feed.refresh_all()

    order = ["short_interest", "short_volume", "shares", "daily", "intraday", "quotes"]
    assert [result.job.name for result in results] == order
    assert [name for name, _ in source.requests] == order
    assert source.asked("short_interest") == [(None, 1)]
    assert source.asked("short_volume") == [(None, 21)]
    assert source.asked("shares") == [(["AAA", "ZZZ"],)]  # the names short interest listed
    assert source.asked("daily") == [(SMALL_CORE, "1d", DAILY_SESSIONS)]
    assert source.asked("intraday") == [(SMALL_INTRADAY, "1m", 1)]
    # short % is unknown without shares, but the names still rank (last) as candidates
    assert source.asked("quotes") == [([*SMALL_CORE, "AAA", "ZZZ"],)]


async def test_shares_before_any_short_interest_asks_for_no_symbols() -> None:
    source = ScriptedSource()
    feed = feed_over(source)
    await refresh(feed, "shares")
    assert source.asked("shares") == [([],)]


async def test_a_watchlist_limits_the_short_datasets_to_its_names() -> None:
    source = ScriptedSource()
    shorted = ShortedSettings(universe="watchlist", watchlist=("GME", "AMC"))
    feed = feed_over(source, replace(SMALL, shorted=shorted))

    await feed.refresh_all()

    assert source.asked("short_interest") == [(["GME", "AMC"], 1)]
    assert source.asked("short_volume") == [(["GME", "AMC"], 21)]
    assert source.asked("shares") == [(["GME", "AMC"],)]


# --- storing results -----------------------------------------------------------------------------


def test_merge_by_symbol_replaces_the_rows_of_symbols_present_and_keeps_the_others() -> None:
    old = pl.concat([bars_frame({"AAPL": 1.0}), bars_frame({"AAPL": 2.0, "MSFT": 3.0})])
    merged = merge_by_symbol(old, bars_frame({"AAPL": 9.0}))
    assert sorted(merged.select("symbol", "close").rows()) == [("AAPL", 9.0), ("MSFT", 3.0)]


def test_merge_by_symbol_with_an_empty_side_returns_the_other() -> None:
    frame = bars_frame({"AAPL": 1.0})
    empty = frame.clear()
    assert merge_by_symbol(empty, frame).equals(frame)
    assert merge_by_symbol(frame, empty).equals(frame)


@pytest.mark.parametrize(
    ("job", "make"),
    [
        ("quotes", quotes_frame),
        ("daily", bars_frame),
        ("intraday", lambda prices: bars_frame(prices, "5m")),
    ],
)
async def test_a_price_poll_that_misses_symbols_keeps_their_last_rows(
    job: str, make: Callable[[dict[str, float]], pl.DataFrame]
) -> None:
    source = ScriptedSource()
    source.script(
        job,
        fetched(make({"AAPL": 100.0, "MSFT": 200.0})),
        fetched(make({"MSFT": 210.0})),
    )
    feed = feed_over(source)
    await refresh(feed, job)

    result = await refresh(feed, job)

    assert result.changed
    frame = getattr(feed.market_data(), job)
    price = "last" if job == "quotes" else "close"
    assert sorted(frame.select("symbol", price).rows()) == [("AAPL", 100.0), ("MSFT", 210.0)]


async def test_short_interest_is_replaced_whole_by_each_poll() -> None:
    source = ScriptedSource()
    source.script(
        "short_interest",
        fetched(short_interest_frame({"AAA": (1.0, 1.0), "BBB": (2.0, 1.0)})),
        fetched(short_interest_frame({"AAA": (3.0, 1.0)})),
    )
    feed = feed_over(source)
    await refresh(feed, "short_interest")
    await refresh(feed, "short_interest")

    frame = feed.market_data().short_interest
    assert frame.select("symbol", "short_shares").rows() == [("AAA", 3.0)]


async def test_a_failed_poll_keeps_the_stored_frame() -> None:
    source = ScriptedSource()
    first = quotes_frame({"AAPL": 100.0})
    failure = failed(FailureKind.TIMEOUT, "timed out")
    source.script("quotes", fetched(first), failure)
    feed = feed_over(source)
    await refresh(feed, "quotes")

    result = await refresh(feed, "quotes")

    assert result.failure == failure
    assert not result.changed
    assert feed.has_data("quotes")
    assert feed.market_data().quotes.equals(first)


async def test_changed_is_false_when_a_poll_brings_the_same_data() -> None:
    source = ScriptedSource()
    frame = quotes_frame({"AAPL": 100.0})
    source.script("quotes", fetched(frame), fetched(frame), fetched(quotes_frame({"AAPL": 101.0})))
    feed = feed_over(source)

    assert [(await refresh(feed, "quotes")).changed for _ in range(3)] == [True, False, True]


async def test_a_source_that_raises_is_a_failure_and_the_stored_frame_stays(
    caplog: pytest.LogCaptureFixture,
) -> None:
    source = ScriptedSource()
    frame = quotes_frame({"AAPL": 100.0})
    source.script("quotes", fetched(frame), RuntimeError("boom"))
    feed = feed_over(source)
    await refresh(feed, "quotes")

    with caplog.at_level(logging.ERROR, logger="tapewatch.feed"):
        result = await refresh(feed, "quotes")

    assert result.failure is not None
    assert result.failure.kind is FailureKind.PARSE
    assert "internal error: boom" in result.failure.message
    assert result.retry_in_s == 5.0
    assert feed.market_data().quotes.equals(frame)
    assert "unexpected error" in caplog.text


async def test_problems_last_until_the_symbol_has_data() -> None:
    source = ScriptedSource()
    source.script(
        "quotes",
        fetched(quotes_frame({"AAPL": 1.0}), {"ZZZ": "not found"}),
        fetched(quotes_frame({"AAPL": 2.0})),  # ZZZ not asked about: its problem stays
        fetched(quotes_frame({"ZZZ": 3.0})),
    )
    source.script("daily", fetched(bars_frame({"AAPL": 1.0}), {"QQQ": "delisted"}))
    feed = feed_over(source)
    await refresh(feed, "quotes")
    await refresh(feed, "daily")
    assert feed.market_data().problems == {"ZZZ": "not found", "QQQ": "delisted"}

    await refresh(feed, "quotes")
    assert feed.market_data().problems == {"ZZZ": "not found", "QQQ": "delisted"}

    await refresh(feed, "quotes")
    assert feed.market_data().problems == {"QQQ": "delisted"}


async def test_a_symbol_that_misses_one_poll_keeps_showing_its_last_price() -> None:
    """Yahoo names a symbol whose request timed out in `problems`; its kept quote must still show
    (the pane shows only the note for a row with a problem)."""
    source = ScriptedSource()
    source.script(
        "quotes",
        fetched(quotes_frame({"^GSPC": 6000.0, "^VIX": 20.0})),
        fetched(quotes_frame({"^VIX": 21.0}), {"^GSPC": "timed out"}),
    )
    feed = feed_over(source)
    await refresh(feed, "quotes")
    await refresh(feed, "quotes")

    rows = {row.symbol: row for row in build_indices(feed.market_data(), SMALL).rows}
    assert rows["^GSPC"].last == 6000.0
    assert rows["^GSPC"].problem is None


async def test_a_shares_problem_does_not_hide_a_sector_etf_s_prices() -> None:
    """When the short-interest file lists an ETF, the shares job asks the SEC about it, which
    answers that no filer has that ticker; the Sector flows row of XLK must still show."""
    source = ScriptedSource()
    source.script("short_interest", fetched(short_interest_frame({"XLK": (1e6, 1e7)})))
    source.script("shares", fetched(shares_frame({}), {"XLK": "no SEC filer has this ticker"}))
    source.script("quotes", fetched(quotes_frame({"XLK": 250.0, "XLI": 140.0, "SPY": 600.0})))
    feed = feed_over(source)
    await feed.refresh_all()

    (sectors,) = feed.build([Pane.SECTORS], feed.market_data()).values()

    assert isinstance(sectors, SectorsView)
    xlk = next(row for row in sectors.rows if row.symbol == "XLK")
    assert xlk.problem is None


# --- back-off and health -------------------------------------------------------------------------


async def test_back_off_doubles_from_five_seconds_up_to_the_cadence_and_resets_on_success() -> None:
    source = ScriptedSource()
    source.script("quotes", *[failed()] * 5, fetched(quotes_frame({"AAPL": 1.0})), failed())
    feed = feed_over(source, replace(SMALL, refresh=RefreshSettings(quotes=30)))

    delays = [(await refresh(feed, "quotes")).retry_in_s for _ in range(7)]

    assert delays == [5.0, 10.0, 20.0, 30.0, 30.0, None, 5.0]


async def test_a_retry_time_given_by_the_source_is_honoured_even_beyond_the_cadence() -> None:
    clock = WallClock()
    until = clock.now + dt.timedelta(seconds=120)
    source = ScriptedSource()
    source.script(
        "quotes",
        failed(FailureKind.RATE_LIMITED, "slow down", retry_at=until),
        failed(FailureKind.RATE_LIMITED, "slow down", retry_at=clock.now - dt.timedelta(hours=1)),
    )
    feed = feed_over(source, clock=clock)  # quotes cadence: 15 s

    first = await refresh(feed, "quotes")
    assert first.retry_in_s == 120.0
    assert feed.status().health[0].until == until

    second = await refresh(feed, "quotes")
    assert second.retry_in_s == 1.0  # a time already past: try again soon, not at once


@pytest.mark.parametrize(
    ("kinds", "states"),
    [
        ([FailureKind.RATE_LIMITED], ["rate_limited"]),
        ([FailureKind.NOT_AVAILABLE], ["unavailable"]),
        ([FailureKind.OFFLINE, FailureKind.OFFLINE], ["retrying", "offline"]),
        ([FailureKind.TIMEOUT, FailureKind.TIMEOUT], ["retrying", "offline"]),
        ([FailureKind.TIMEOUT, FailureKind.OFFLINE], ["retrying", "offline"]),
        ([FailureKind.HTTP, FailureKind.HTTP, FailureKind.PARSE], ["retrying"] * 3),
    ],
)
async def test_source_health_after_failures(kinds: list[FailureKind], states: list[str]) -> None:
    source = ScriptedSource()
    source.script("quotes", *[failed(kind, f"{kind.value} happened") for kind in kinds])
    feed = feed_over(source)

    seen = []
    for kind in kinds:
        await refresh(feed, "quotes")
        (health,) = feed.status().health
        assert health.name == "fake"
        assert health.detail == f"{kind.value} happened"
        seen.append(health.state)

    assert seen == states


async def test_a_success_makes_the_source_ok_again() -> None:
    clock = WallClock()
    source = ScriptedSource()
    source.script("quotes", failed(FailureKind.OFFLINE), failed(FailureKind.OFFLINE))
    feed = feed_over(source, clock=clock)
    await refresh(feed, "quotes")
    await refresh(feed, "quotes")
    (health,) = feed.status().health
    assert health.state == "offline"
    assert health.until == clock.now + dt.timedelta(seconds=10)

    await refresh(feed, "quotes")

    (health,) = feed.status().health
    assert (health.state, health.until, health.detail) == ("ok", None, "")


async def test_health_is_kept_per_underlying_source() -> None:
    source = RoutedSource("live")
    source.script("short_interest", failed(FailureKind.OFFLINE, "finra down", source="finra"))
    feed = feed_over(source)

    await refresh(feed, "quotes")
    await refresh(feed, "short_interest")

    health = {entry.name: entry.state for entry in feed.status().health}
    assert health == {"yahoo": "ok", "finra": "retrying"}


async def test_a_raising_routed_source_recovers_its_health() -> None:
    source = RoutedSource("live")
    source.script("quotes", RuntimeError("boom"))
    feed = feed_over(source)

    await refresh(feed, "quotes")
    await refresh(feed, "quotes")

    assert {entry.name: entry.state for entry in feed.status().health} == {"yahoo": "ok"}


async def test_a_source_shows_the_worst_state_of_the_jobs_it_serves() -> None:
    """Quotes succeeding on Yahoo must not hide that Yahoo's daily bars keep failing."""
    source = RoutedSource("live")
    source.script("daily", failed(FailureKind.TIMEOUT, source="yahoo"))
    feed = feed_over(source)

    await refresh(feed, "daily")
    await refresh(feed, "quotes")

    assert {entry.name: entry.state for entry in feed.status().health} == {"yahoo": "retrying"}


async def test_a_raising_source_fails_the_drill_down_instead_of_hanging_it() -> None:
    source = ScriptedSource()
    source.script("quotes", RuntimeError("boom"))
    feed = feed_over(source)

    outcome = await feed.fetch_ticker("MSFT")

    assert isinstance(outcome, Failed)
    assert "boom" in outcome.message


# --- status --------------------------------------------------------------------------------------


async def test_status_ages_come_from_the_injected_clock() -> None:
    clock = WallClock()
    feed = feed_over(ScriptedSource(), clock=clock)
    await refresh(feed, "quotes")
    clock.advance(10)
    await refresh(feed, "daily")
    clock.advance(5)

    ages = {fresh.name: fresh.age_s for fresh in feed.status().datasets}

    assert ages == {
        "quotes": 15.0,
        "intraday": None,
        "daily": 5.0,
        "SI": None,
        "SV": None,
        "shares": None,
    }


async def test_a_dataset_is_stale_when_older_than_twice_its_cadence() -> None:
    clock = WallClock()
    feed = feed_over(ScriptedSource(), clock=clock)  # quotes every 15 s
    await refresh(feed, "quotes")

    def quotes_stale() -> bool:
        return next(f for f in feed.status().datasets if f.name == "quotes").stale

    clock.advance(30)
    assert not quotes_stale()
    clock.advance(0.5)
    assert quotes_stale()
    never_loaded = [f for f in feed.status().datasets if f.age_s is None]
    assert never_loaded and not any(f.stale for f in never_loaded)


def test_status_shows_the_market_clock_session_and_label() -> None:
    clock = WallClock()
    status = feed_over(RoutedSource("live"), clock=clock).status(note="hello")
    assert status.source_label == "LIVE"  # the source's own label wins
    assert not status.is_demo
    assert status.market_time == MARKET_NOW
    assert status.session == "regular"
    assert status.wall_time == clock.now
    assert status.note == "hello"

    assert feed_over(ScriptedSource("files")).status().source_label == "FILES"
    synthetic = ScriptedSource("synthetic")
    synthetic.is_demo = True
    assert feed_over(synthetic).status().source_label == "DEMO"
    demo = DemoMarket(monotonic=lambda: 0.0)
    demo_status = feed_over(demo).status()
    assert (demo_status.source_label, demo_status.is_demo) == ("DEMO", True)
    assert demo_status.session == "regular"  # 9:45 in New York, the demo's opening time
    replay = feed_over(AsOfSource(demo, dt.date(2026, 2, 5))).status()
    assert (replay.source_label, replay.is_demo) == ("DEMO REPLAY 2026-02-05", True)


async def test_the_unreachable_note_shows_only_while_nothing_could_be_fetched() -> None:
    source = ScriptedSource()
    source.script("quotes", failed(FailureKind.OFFLINE), fetched(quotes_frame({"AAPL": 1.0})))
    source.script("daily", failed(FailureKind.OFFLINE))
    feed = feed_over(source)
    assert feed.status().note is None  # nothing tried yet

    await refresh(feed, "quotes")
    assert feed.status().note == "sources unreachable: no data yet · d: demo market"
    assert feed.status(note="switching").note == "switching"

    await refresh(feed, "quotes")
    await refresh(feed, "daily")
    assert feed.status().note is None  # something came through since start


# --- the on-disk copy ----------------------------------------------------------------------------


class CountingCache(Cache):
    """A real cache that counts writes."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.writes = 0

    def write_frame(self, key: str, frame: pl.DataFrame) -> None:
        self.writes += 1
        super().write_frame(key, frame)

    def write_bytes(self, key: str, data: bytes) -> None:
        self.writes += 1
        super().write_bytes(key, data)


async def test_only_successful_polls_are_written_to_disk(tmp_path: Path) -> None:
    cache = CountingCache(tmp_path)
    source = ScriptedSource()
    source.script("quotes", failed(), fetched(quotes_frame({"AAPL": 1.0})), failed())
    feed = feed_over(source, cache=cache)

    await refresh(feed, "quotes")
    assert cache.writes == 0
    await refresh(feed, "quotes")
    assert cache.writes == 2  # the frame and its metadata
    await refresh(feed, "quotes")
    assert cache.writes == 2


async def test_a_restart_restores_frames_with_their_original_fetch_times(tmp_path: Path) -> None:
    clock = WallClock()
    source = ScriptedSource()
    quotes = quotes_frame({"AAPL": 1.0})
    daily = bars_frame({"AAPL": 1.0})
    source.script("quotes", Fetched(quotes, MARKET_NOW, {"ZZZ": "not found"}))
    source.script("daily", Fetched(daily, MARKET_NOW - dt.timedelta(days=1)))
    first = feed_over(source, clock=clock, cache=Cache(tmp_path))
    await refresh(first, "quotes")
    await refresh(first, "daily")

    clock.advance(3600)
    second = feed_over(ScriptedSource(), clock=clock, cache=Cache(tmp_path))
    restored = second.load_cached()

    assert {job.name for job in restored} == {"quotes", "daily"}
    data = second.market_data()
    assert data.quotes.equals(quotes)
    assert data.daily.equals(daily)
    assert data.problems == {"ZZZ": "not found"}
    status = {fresh.name: fresh for fresh in second.status().datasets}
    assert status["quotes"].age_s == 3600.0
    assert status["quotes"].stale  # 15 s cadence
    assert status["daily"].age_s == 3600.0
    assert not status["daily"].stale  # hourly cadence: stale after two hours
    assert status["SI"].age_s is None


async def test_restored_data_that_cannot_be_refreshed_is_called_cached(tmp_path: Path) -> None:
    writer = ScriptedSource()
    await refresh(feed_over(writer, cache=Cache(tmp_path)), "quotes")

    source = ScriptedSource()
    source.script("quotes", failed(FailureKind.OFFLINE))
    feed = feed_over(source, cache=Cache(tmp_path))
    feed.load_cached()
    await refresh(feed, "quotes")

    assert feed.status().note == "sources unreachable: showing cached data · d: demo market"


async def test_load_cached_never_replaces_data_fetched_in_this_run(tmp_path: Path) -> None:
    writer = ScriptedSource()
    writer.script("quotes", fetched(quotes_frame({"AAPL": 1.0})))
    writer.script("daily", fetched(bars_frame({"AAPL": 1.0})))
    await feed_over(writer, cache=Cache(tmp_path)).refresh_all()

    source = ScriptedSource()
    fresh = quotes_frame({"AAPL": 2.0})
    source.script("quotes", fetched(fresh))
    feed = feed_over(source)  # no cache while polling, so the disk keeps the older frame
    await refresh(feed, "quotes")
    feed.cache = Cache(tmp_path)

    restored = feed.load_cached()

    assert "quotes" not in {job.name for job in restored}
    assert "daily" in {job.name for job in restored}
    assert feed.market_data().quotes.equals(fresh)


async def test_the_disk_copy_belongs_to_the_source_that_wrote_it(tmp_path: Path) -> None:
    await refresh(feed_over(ScriptedSource("live"), cache=Cache(tmp_path)), "quotes")
    assert feed_over(ScriptedSource("files"), cache=Cache(tmp_path)).load_cached() == []
    assert len(feed_over(ScriptedSource("live"), cache=Cache(tmp_path)).load_cached()) == 1


def test_without_a_cache_nothing_is_restored() -> None:
    assert feed_over(ScriptedSource()).load_cached() == []


async def _write_quotes_and_daily(root: Path) -> None:
    source = ScriptedSource()
    source.script("quotes", fetched(quotes_frame({"AAPL": 1.0})))
    source.script("daily", fetched(bars_frame({"AAPL": 1.0})))
    feed = feed_over(source, cache=Cache(root))
    await refresh(feed, "quotes")
    await refresh(feed, "daily")


async def test_a_corrupt_frame_file_is_ignored(tmp_path: Path) -> None:
    await _write_quotes_and_daily(tmp_path)
    (tmp_path / "snapshot" / "fake" / "quotes.parquet").write_bytes(b"PAR1 not really")

    feed = feed_over(ScriptedSource(), cache=Cache(tmp_path))

    assert [job.name for job in feed.load_cached()] == ["daily"]
    assert not feed.has_data("quotes")


@pytest.mark.parametrize(
    "metadata",
    [
        b"{not json",
        b"[]",
        b'"a string"',
        json.dumps({"as_of": "2026-02-11T15:00:00+00:00", "problems": {}}).encode(),
        json.dumps(
            {"as_of": "yesterday", "fetched_at": "2026-02-11T15:00:00+00:00", "problems": {}}
        ).encode(),
        json.dumps(
            {"as_of": 5, "fetched_at": "2026-02-11T15:00:00+00:00", "problems": {}}
        ).encode(),
        json.dumps(
            {
                "as_of": "2026-02-11T15:00:00+00:00",
                "fetched_at": "2026-02-11T15:00:00+00:00",
                "problems": ["ZZZ"],
            }
        ).encode(),
    ],
    ids=["not-json", "list", "string", "missing-key", "bad-date", "number", "problems-list"],
)
async def test_corrupt_metadata_is_ignored(tmp_path: Path, metadata: bytes) -> None:
    await _write_quotes_and_daily(tmp_path)
    (tmp_path / "snapshot" / "fake" / "quotes.bytes").write_bytes(metadata)

    feed = feed_over(ScriptedSource(), cache=Cache(tmp_path))

    assert [job.name for job in feed.load_cached()] == ["daily"]
    assert not feed.has_data("quotes")
    feed.status()  # and the status line still works


async def test_metadata_without_a_timezone_is_ignored(tmp_path: Path) -> None:
    await _write_quotes_and_daily(tmp_path)
    naive = {"as_of": "2026-02-11T15:00:00", "fetched_at": "2026-02-11T15:00:00", "problems": {}}
    (tmp_path / "snapshot" / "fake" / "quotes.bytes").write_bytes(json.dumps(naive).encode())

    feed = feed_over(ScriptedSource(), cache=Cache(tmp_path))
    feed.load_cached()

    feed.status()  # ignored, or read as UTC: either way the status line must still work


# --- views ---------------------------------------------------------------------------------------


async def test_market_data_hands_over_stored_frames_and_the_source_s_names() -> None:
    apple = SymbolInfo("AAPL", "Apple Inc.", "Information Technology")
    source = ScriptedSource(info={"AAPL": apple})
    quotes = quotes_frame({"AAPL": 1.0})
    source.script("quotes", fetched(quotes))
    feed = feed_over(source)
    await refresh(feed, "quotes")

    data = feed.market_data()

    assert data.quotes.equals(quotes)
    assert data.daily.is_empty() and data.daily.schema == BARS_SCHEMA
    assert data.short_interest.is_empty() and data.short_interest.schema == SHORT_INTEREST_SCHEMA
    assert data.now == MARKET_NOW
    assert data.info["AAPL"] == apple
    assert "MSFT" not in data.info
    assert list(data.info) == ["AAPL"] and len(data.info) == 1


@pytest.fixture
def demo() -> DemoMarket:
    """The demo market frozen at its opening time (9:45 in New York on 2026-02-11)."""
    return DemoMarket(monotonic=lambda: 0.0)


async def test_the_demo_market_fills_every_pane(demo: DemoMarket) -> None:
    settings = Settings()
    feed = feed_over(demo, settings)

    results = await feed.refresh_all()

    assert all(result.failure is None and result.changed for result in results)
    views = feed.build(list(Pane), feed.market_data())
    indices = views[Pane.INDICES]
    assert isinstance(indices, IndicesView)
    expected = [spec.symbol for spec in settings.indices]
    expected += [f"basket:{basket.name}" for basket in settings.baskets]
    assert [row.symbol for row in indices.rows] == expected
    assert all(row.last is not None and row.problem is None for row in indices.rows)
    sectors = views[Pane.SECTORS]
    assert isinstance(sectors, SectorsView)
    assert {row.symbol for row in sectors.rows} == {spec.symbol for spec in settings.sectors}
    shorts = views[Pane.SHORTS]
    assert isinstance(shorts, ShortsView)
    assert len(shorts.rows) == settings.shorted.rows
    assert all(row.short_pct is not None for row in shorts.rows)
    correlations = views[Pane.CORRELATIONS]
    assert isinstance(correlations, CorrelationsView)
    assert [b.name for b in correlations.baskets] == [b.name for b in settings.baskets]


async def test_build_computes_only_the_panes_asked_for(demo: DemoMarket) -> None:
    feed = feed_over(demo, Settings())
    await feed.refresh_all()

    views = feed.build([Pane.SHORTS], feed.market_data())

    assert list(views) == [Pane.SHORTS]


# --- drill-down ----------------------------------------------------------------------------------


def _daily_request(source: ScriptedSource) -> list[str]:
    (request,) = source.asked("daily")
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
    feed = feed_over(source)

    await feed.fetch_ticker(symbol)

    assert _daily_request(source) == [symbol, *peers]


async def test_the_drill_down_asks_for_each_dataset_of_its_symbol() -> None:
    source = ScriptedSource()
    feed = feed_over(source)

    await feed.fetch_ticker("AAPL")

    assert sorted(source.requests) == sorted(
        [
            ("quotes", (["AAPL"],)),
            ("intraday", (["AAPL"], "5m", 5)),
            ("daily", (["AAPL", "MSFT"], "1d", DAILY_SESSIONS)),
            ("short_interest", (["AAPL"], 24)),
            ("short_volume", (["AAPL"], 60)),
            ("shares", (["AAPL"],)),
        ]
    )


async def test_the_drill_down_fails_only_when_quotes_and_daily_bars_both_fail() -> None:
    source = ScriptedSource()
    quotes_failure = failed(FailureKind.OFFLINE, "no quotes")
    source.script("quotes", quotes_failure)
    source.script("daily", failed(FailureKind.OFFLINE, "no bars"))
    feed = feed_over(source)

    assert await feed.fetch_ticker("AAPL") == quotes_failure


async def test_the_drill_down_merges_its_results_over_the_dashboard_s_frames() -> None:
    source = ScriptedSource()
    source.script("quotes", fetched(quotes_frame({"AAPL": 1.0, "MSFT": 2.0})))
    source.script("daily", fetched(bars_frame({"AAPL": 1.0, "MSFT": 2.0})))
    source.script(
        "intraday",
        fetched(bars_frame({"AAPL": 1.0, "MSFT": 2.0}, "5m")),
        failed(FailureKind.TIMEOUT),  # the drill-down's intraday request
    )
    feed = feed_over(source)
    await refresh(feed, "quotes")
    await refresh(feed, "daily")
    await refresh(feed, "intraday")
    source.script("quotes", failed(FailureKind.TIMEOUT))
    source.script("daily", fetched(bars_frame({"AAPL": 5.0}), {"ZZZ": "not found"}))

    data = await feed.fetch_ticker("AAPL")

    assert isinstance(data, MarketData)
    # quotes failed: the dashboard's quotes stand in
    assert sorted(data.quotes.select("symbol", "last").rows()) == [("AAPL", 1.0), ("MSFT", 2.0)]
    # daily bars came: AAPL's replace the dashboard's, the others stay
    assert sorted(data.daily.select("symbol", "close").rows()) == [("AAPL", 5.0), ("MSFT", 2.0)]
    # intraday failed: only the symbol's own bars from the dashboard
    assert data.intraday.get_column("symbol").to_list() == ["AAPL"]
    assert data.problems == {"ZZZ": "not found"}


async def test_the_drill_down_over_the_demo_market(demo: DemoMarket) -> None:
    feed = feed_over(demo, Settings())
    await feed.refresh_all()

    data = await feed.fetch_ticker("MSFT")

    assert isinstance(data, MarketData)
    mag7 = {"AAPL", "MSFT", "GOOGL", "AMZN", "META", "NVDA", "TSLA"}
    assert mag7 <= set(data.daily.get_column("symbol").unique().to_list())
    settlements = data.short_interest.filter(pl.col("symbol") == "MSFT").height
    assert settlements > 1  # a history, where the dashboard keeps only the latest
    msft_minutes = data.intraday.filter(pl.col("symbol") == "MSFT").get_column("ts")
    assert msft_minutes.dt.date().n_unique() == 5  # five sessions, where the dashboard has one


async def test_aclose_closes_the_source() -> None:
    source = ScriptedSource()
    await feed_over(source).aclose()
    assert source.closed
