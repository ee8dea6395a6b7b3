"""Bad rows through the scheduler: never stored, never written to disk, counted in the source's
health until the source sends sane figures again; the drill-down and the doctor check them too."""

from __future__ import annotations

import io
import math
from pathlib import Path

import polars as pl

from tests.unit.scripted import (
    MARKET_NOW,
    SMALL,
    RoutedSource,
    ScriptedSource,
    bars_frame,
    fetched,
    quotes_frame,
    wall_clock,
)
from tui.analytics.market import MarketData
from tui.cache import Cache
from tui.doctor import run_doctor
from tui.feed import Feed
from tui.health import Health
from tui.jobs import JobName
from tui.models import SourceHealth
from tui.presenters.status import health_text
from tui.scheduler import Scheduler
from tui.sources.base import FailureKind
from tui.store import Store

ZEROS = {"^GSPC": 0.0, "AAPL": 0.0, "MSFT": 0.0}


async def test_zero_daily_bars_are_never_stored_or_cached_and_are_counted(tmp_path: Path) -> None:
    source = ScriptedSource("yahoo")
    good = bars_frame({"^GSPC": 6000.0, "AAPL": 230.0, "MSFT": 400.0})
    source.script(JobName.DAILY, fetched(good), fetched(bars_frame(ZEROS)), fetched(good))
    scheduler = Scheduler(SMALL, source, clock=wall_clock(), cache=Cache(tmp_path))

    await scheduler.refresh(JobName.DAILY)
    await scheduler.refresh(JobName.DAILY)  # the server sends zeros: the good bars stay
    stored = scheduler.store.get(JobName.DAILY)
    assert stored is not None and stored.frame.equals(good)
    (health,) = scheduler.status().health
    assert (health.state, health.bad_rows) == ("ok", 3)
    assert health_text(health, MARKET_NOW) == "yahoo ⚠ 3 bad rows"

    on_disk = Store("yahoo", Cache(tmp_path)).read_disk()[JobName.DAILY].frame
    assert on_disk.filter(pl.col("close") <= 0).is_empty()

    await scheduler.refresh(JobName.DAILY)  # the server recovers
    (health,) = scheduler.status().health
    assert (health.state, health.bad_rows) == ("ok", 0)
    assert health_text(health, MARKET_NOW) == "yahoo ok"


def test_a_source_s_bad_rows_add_up_over_its_jobs_and_show_with_any_state() -> None:
    health: Health[JobName] = Health()
    health.succeeded(JobName.QUOTES, "yahoo", 2)
    health.succeeded(JobName.DAILY, "yahoo", 10)
    health.succeeded(JobName.SHORT_INTEREST, "finra", 1)
    by_name = {item.name: item for item in health.sources()}
    assert (by_name["yahoo"].bad_rows, by_name["finra"].bad_rows) == (12, 1)
    assert health_text(by_name["finra"], MARKET_NOW) == "finra ⚠ 1 bad row"
    health.failed(
        JobName.QUOTES,
        "yahoo",
        FailureKind.HTTP,
        "503",
        cadence_s=15,
        retry_at=None,
        now=MARKET_NOW,
    )
    (yahoo,) = [item for item in health.sources() if item.name == "yahoo"]
    assert health_text(yahoo, MARKET_NOW) == "yahoo retrying in 5s ⚠ 10 bad rows"


def test_the_status_text_of_a_sane_source_is_unchanged() -> None:
    assert health_text(SourceHealth("sec", "ok"), MARKET_NOW) == "sec ok"


async def test_the_drill_down_and_its_polls_leave_bad_rows_out() -> None:
    source = ScriptedSource("yahoo")
    source.script(JobName.QUOTES, fetched(quotes_frame({"AAPL": 0.0})))
    source.script(JobName.DAILY, fetched(bars_frame({"AAPL": 1e308})))
    feed = Feed(SMALL, source, Store("yahoo"))
    data = await feed.fetch_ticker("AAPL")
    assert isinstance(data, MarketData)
    assert data.quotes.is_empty() and data.daily.is_empty()
    assert data.problems["AAPL"] == "bad data: close 1e+308 is not a price (above 1e9)"

    source.script(JobName.INTRADAY, fetched(bars_frame({"AAPL": -2.0}, "5m")))
    source.script(JobName.QUOTES, fetched(quotes_frame({"AAPL": math.inf})))
    polled = await feed.poll_ticker(data, "AAPL")
    assert polled.quotes.is_empty() and polled.intraday.is_empty()


def test_the_doctor_fails_a_probe_whose_rows_are_all_bad() -> None:
    source = RoutedSource("live")
    source.script(JobName.QUOTES, fetched(quotes_frame({"AAPL": 0.0})))
    out = io.StringIO()
    assert run_doctor(SMALL, source=source, out=out) == 1
    assert "AAPL: bad data: last is 0" in out.getvalue()
