"""The demo market: determinism, schemas, calendar, OHLC and intraday consistency, the clock,
FINRA publication rules, and the story of DESIGN.md measured directly with numpy."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from tui import market_hours
from tui.sources.base import (
    SCHEMAS,
    Dataset,
    Failed,
    Fetched,
    FetchOutcome,
    Session,
    Source,
    conform,
)
from tui.sources.demo import (
    AI_INFRASTRUCTURE,
    HISTORY_SESSIONS,
    INTRADAY_SESSIONS,
    MAG7,
    SOFTWARE_SELLOFF,
    DemoMarket,
)
from tui.sources.finra_schedule import publication_date, settlement_dates
from tui.sources.universe import SECTOR_ETFS, STOCK_PARAMS, SYMBOLS, stock_symbols

NEW_YORK = market_hours.NEW_YORK
SESSION = dt.date(2026, 2, 11)
EVERYTHING = list(SYMBOLS)


class ManualClock:
    """A monotonic clock the test moves by hand (seconds; the demo runs `speed` minutes each)."""

    def __init__(self) -> None:
        self.value = 5_000.0

    def __call__(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += seconds


def new_york(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=NEW_YORK).astimezone(dt.UTC)


def fetched(outcome: FetchOutcome) -> Fetched:
    assert not isinstance(outcome, Failed), outcome
    return outcome


def market_at(
    start: dt.time, *, seed: int = 20260211, session_date: dt.date = SESSION
) -> tuple[DemoMarket, ManualClock]:
    clock = ManualClock()
    market = DemoMarket(seed, session_date=session_date, start_time=start, monotonic=clock)
    return market, clock


@pytest.fixture(scope="module")
def morning() -> DemoMarket:
    """The default demo: 9:45 New York on 2026-02-11, clock standing still."""
    return market_at(dt.time(9, 45))[0]


@pytest.fixture(scope="module")
def before_open() -> DemoMarket:
    """The same market at 8:00, before the bell: history only."""
    return market_at(dt.time(8, 0))[0]


# --------------------------------------------------------------------------------------------
# The source contract


def test_is_a_demo_source(morning: DemoMarket) -> None:
    assert isinstance(morning, Source)
    assert morning.name == "demo"
    assert morning.is_demo is True
    assert morning.describe("MSFT") == SYMBOLS["MSFT"]
    assert morning.describe("NOPE") is None
    assert set(morning.known_symbols()) == set(SYMBOLS)


def test_rejects_a_session_date_without_a_session_and_a_negative_speed() -> None:
    with pytest.raises(ValueError, match="not a trading day"):
        DemoMarket(session_date=dt.date(2026, 2, 16))  # Washington's Birthday
    with pytest.raises(ValueError, match="speed"):
        DemoMarket(speed=-1.0)


async def all_frames(market: DemoMarket) -> dict[str, pl.DataFrame]:
    return {
        "quotes": fetched(await market.quotes(EVERYTHING)).frame,
        "daily": fetched(await market.bars(EVERYTHING, "1d", 400)).frame,
        "minutes": fetched(await market.bars(["MSFT", "^GSPC", "XLK"], "1m", 3)).frame,
        "five": fetched(await market.bars(["NVDA", "^VIX"], "5m", 2)).frame,
        "short_interest": fetched(await market.short_interest(None, 30)).frame,
        "short_volume": fetched(await market.short_volume(None, 40)).frame,
        "shares": fetched(await market.shares(stock_symbols())).frame,
    }


async def test_frames_conform_to_the_schemas(morning: DemoMarket) -> None:
    datasets = {
        "quotes": Dataset.QUOTES,
        "daily": Dataset.BARS,
        "minutes": Dataset.BARS,
        "five": Dataset.BARS,
        "short_interest": Dataset.SHORT_INTEREST,
        "short_volume": Dataset.SHORT_VOLUME,
        "shares": Dataset.SHARES,
    }
    for name, frame in (await all_frames(morning)).items():
        dataset = datasets[name]
        assert frame.height > 0, name
        assert frame.schema == SCHEMAS[dataset], name
        assert conform(frame, dataset).equals(frame), name


async def test_empty_requests_give_empty_frames_with_the_schema(morning: DemoMarket) -> None:
    outcomes = {
        Dataset.QUOTES: await morning.quotes([]),
        Dataset.BARS: await morning.bars([], "5m", 2),
        Dataset.SHORT_INTEREST: await morning.short_interest([], 2),
        Dataset.SHORT_VOLUME: await morning.short_volume(None, 0),
        Dataset.SHARES: await morning.shares([]),
    }
    for dataset, outcome in outcomes.items():
        frame = fetched(outcome).frame
        assert frame.is_empty(), dataset
        assert frame.schema == SCHEMAS[dataset], dataset


async def test_unknown_symbols_are_named_not_dropped_silently(morning: DemoMarket) -> None:
    quotes = fetched(await morning.quotes(["MSFT", "ZZZZ", "MSFT"]))
    assert quotes.frame.get_column("symbol").to_list() == ["MSFT"]
    assert quotes.problems == {"ZZZZ": "not found"}
    bars = fetched(await morning.bars(["ZZZZ", "AAPL"], "1d", 5))
    assert set(bars.frame.get_column("symbol")) == {"AAPL"}
    assert bars.problems == {"ZZZZ": "not found"}
    shares = fetched(await morning.shares(["XLK", "ZZZZ", "AAPL"]))
    assert shares.frame.get_column("symbol").to_list() == ["AAPL"]
    assert shares.problems == {"XLK": "no data", "ZZZZ": "not found"}
    short = fetched(await morning.short_interest(["^GSPC", "GME"], 1))
    assert set(short.frame.get_column("symbol")) == {"GME"}
    assert short.problems == {"^GSPC": "no data"}


# --------------------------------------------------------------------------------------------
# Determinism


async def test_same_seed_same_frames(morning: DemoMarket) -> None:
    twin = market_at(dt.time(9, 45))[0]
    mine, theirs = await all_frames(morning), await all_frames(twin)
    for name in mine:
        assert mine[name].equals(theirs[name]), name


async def test_another_seed_another_path() -> None:
    first = fetched(await market_at(dt.time(9, 45), seed=1)[0].bars(["AAPL"], "1d", 300)).frame
    other = fetched(await market_at(dt.time(9, 45), seed=2)[0].bars(["AAPL"], "1d", 300)).frame
    closes = first.get_column("close").to_numpy(), other.get_column("close").to_numpy()
    assert not np.allclose(*closes)
    # both end the history at the reference price
    assert closes[0][-2] == closes[1][-2] == STOCK_PARAMS["AAPL"].price


DIGEST = """
import asyncio, hashlib, sys
sys.path.insert(0, {root!r})
from tui.sources.demo import DemoMarket
from tui.sources.universe import SYMBOLS

class Clock:
    def __call__(self):
        return 0.0

async def digest():
    market = DemoMarket(start_time=__import__("datetime").time(11, 30), monotonic=Clock())
    parts = [
        (await market.quotes(list(SYMBOLS))).frame,
        (await market.bars(list(SYMBOLS), "1d", 400)).frame,
        (await market.bars(["MSFT", "TSLA", "^VIX"], "1m", 2)).frame,
        (await market.short_interest(None, 4)).frame,
        (await market.short_volume(None, 5)).frame,
    ]
    return hashlib.sha256(b"".join(p.write_csv().encode() for p in parts)).hexdigest()

print(asyncio.run(digest()))
"""


def test_identical_in_processes_with_different_hash_seeds() -> None:
    script = DIGEST.format(root=str(Path(__file__).resolve().parents[2]))
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            stdout=subprocess.PIPE,
            text=True,
        )
        for seed in ("0", "4242")
    ]
    outputs = [run.communicate(timeout=120)[0].strip() for run in runs]
    assert all(run.returncode == 0 for run in runs)
    namespace: dict[str, Any] = {}
    exec(script.replace("print(asyncio.run(digest()))", ""), namespace)
    here = asyncio.run(namespace["digest"]())
    assert outputs == [here, here]


# --------------------------------------------------------------------------------------------
# Calendar, bars, intraday


async def test_daily_history_follows_the_trading_calendar(before_open: DemoMarket) -> None:
    frame = fetched(await before_open.bars(["MSFT"], "1d", 1000)).frame
    days = [ts.date() for ts in frame.get_column("ts").to_list()]
    assert len(days) == HISTORY_SESSIONS
    assert all(market_hours.is_trading_day(day) for day in days)
    assert days == sorted(days)
    assert days[-1] == dt.date(2026, 2, 10)
    assert days == market_hours.last_trading_days(dt.date(2026, 2, 10), HISTORY_SESSIONS)
    for holiday in (dt.date(2025, 12, 25), dt.date(2026, 1, 19), dt.date(2025, 11, 27)):
        assert holiday not in days
    assert all(ts.time() == dt.time(0) for ts in frame.get_column("ts").to_list())


async def test_daily_bars_include_the_session_so_far_once_it_opens(
    morning: DemoMarket, before_open: DemoMarket
) -> None:
    after = fetched(await morning.bars(["MSFT"], "1d", 5)).frame
    before = fetched(await before_open.bars(["MSFT"], "1d", 5)).frame
    assert after.height == before.height == 5
    assert after.get_column("ts")[-1].date() == SESSION
    assert before.get_column("ts")[-1].date() == dt.date(2026, 2, 10)
    assert after.head(4).equals(before.tail(4))


def check_ohlc(frame: pl.DataFrame) -> None:
    opens, highs, lows, closes = (
        frame.get_column(c).to_numpy() for c in ("open", "high", "low", "close")
    )
    assert np.all(lows > 0)
    assert np.all(lows <= np.minimum(opens, closes))
    assert np.all(highs >= np.maximum(opens, closes))
    stocks_and_funds = frame.filter(pl.col("symbol").str.starts_with("^").not_())
    volumes = stocks_and_funds.get_column("volume").to_numpy()
    assert np.all(volumes >= 0)
    assert np.all(volumes == np.round(volumes))
    indices = frame.filter(pl.col("symbol").str.starts_with("^"))
    assert indices.get_column("volume").null_count() == indices.height


async def test_ohlc_is_consistent_everywhere(morning: DemoMarket) -> None:
    check_ohlc(fetched(await morning.bars(EVERYTHING, "1d", 400)).frame)
    check_ohlc(fetched(await morning.bars(["MSFT", "GME", "^VIX", "XLB"], "1m", 3)).frame)
    check_ohlc(fetched(await morning.bars(["MSFT", "^TNX"], "5m", 3)).frame)


def per_session(bars: pl.DataFrame) -> pl.DataFrame:
    """Daily OHLCV aggregated from intraday bars, per symbol and New York date."""
    return (
        bars.with_columns(day=pl.col("ts").dt.convert_time_zone("America/New_York").dt.date())
        .group_by("symbol", "day", maintain_order=True)
        .agg(
            pl.col("open").first(),
            pl.col("high").max(),
            pl.col("low").min(),
            pl.col("close").last(),
            pl.col("volume").sum(),
            minutes=pl.len(),
        )
    )


async def test_earlier_sessions_intraday_agrees_with_their_daily_bars(morning: DemoMarket) -> None:
    symbols = ["MSFT", "AAPL", "XLK", "^GSPC", "BYND"]
    minutes = fetched(await morning.bars(symbols, "1m", 5)).frame
    daily = fetched(await morning.bars(symbols, "1d", 5)).frame
    earlier = per_session(minutes).filter(pl.col("day") < SESSION)
    assert earlier.height == 4 * len(symbols)
    assert set(earlier.get_column("minutes")) == {390}
    expected = daily.with_columns(day=pl.col("ts").dt.date()).filter(pl.col("day") < SESSION)
    joined = earlier.join(expected, on=["symbol", "day"], suffix="_daily")
    assert joined.height == earlier.height
    for column in ("open", "high", "low", "close"):
        assert (joined[column] == joined[f"{column}_daily"]).all(), column
    stocks = joined.filter(pl.col("symbol") != "^GSPC")
    assert (stocks["volume"] == stocks["volume_daily"]).all()
    # drawing one symbol alone gives the same path as drawing it with others
    alone = fetched(await market_at(dt.time(9, 45))[0].bars(["AAPL"], "1m", 5)).frame
    assert alone.equals(minutes.filter(pl.col("symbol") == "AAPL"))


async def test_intraday_history_is_capped(morning: DemoMarket) -> None:
    minutes = fetched(await morning.bars(["KO"], "5m", 400)).frame
    assert per_session(minutes).height == INTRADAY_SESSIONS


async def test_early_close_sessions_have_210_minutes() -> None:
    market = market_at(dt.time(9, 45), session_date=dt.date(2025, 12, 1))[0]
    minutes = fetched(await market.bars(["SPGI"], "1m", 3)).frame
    counts = dict(per_session(minutes).select("day", "minutes").iter_rows())
    assert counts[dt.date(2025, 11, 28)] == 210  # the day after Thanksgiving closes at 13:00
    assert counts[dt.date(2025, 11, 26)] == 390


async def test_five_minute_bars_aggregate_the_minutes(morning: DemoMarket) -> None:
    ones = fetched(await morning.bars(["AMZN"], "1m", 2)).frame
    fives = fetched(await morning.bars(["AMZN"], "5m", 2)).frame
    grouped = (
        ones.group_by_dynamic("ts", every="5m")
        .agg(
            pl.col("open").first(),
            pl.col("high").max(),
            pl.col("low").min(),
            pl.col("close").last(),
            pl.col("volume").sum(),
        )
        .select("ts", "open", "high", "low", "close", "volume")
    )
    assert fives.select("ts", "open", "high", "low", "close", "volume").equals(grouped)


# --------------------------------------------------------------------------------------------
# The clock


async def test_clock_runs_speed_minutes_per_second() -> None:
    market, clock = market_at(dt.time(9, 45))
    assert market.now() == new_york(SESSION, 9, 45)
    clock.advance(30)
    assert market.now() == new_york(SESSION, 10, 15)
    fast = DemoMarket(speed=4.0, monotonic=clock)
    clock.advance(15)
    assert fast.now() == new_york(SESSION, 10, 45)


async def test_quotes_move_while_the_session_runs_and_freeze_after_the_close() -> None:
    market, clock = market_at(dt.time(9, 45))
    first = fetched(await market.quotes(EVERYTHING))
    assert set(first.frame.get_column("session")) == {Session.REGULAR.value}
    assert first.as_of == new_york(SESSION, 9, 45)
    minutes = fetched(await market.bars(["MSFT"], "1m", 1)).frame
    assert minutes.height == 15
    assert minutes.get_column("close")[-1] == first.frame.row(1, named=True)["last"]

    clock.advance(60)
    later = fetched(await market.quotes(EVERYTHING)).frame
    assert fetched(await market.bars(["MSFT"], "1m", 1)).frame.height == 75
    changed = (later["last"] != first.frame["last"]).sum()
    assert changed > 0.9 * later.height
    assert (later["high"] >= first.frame["high"]).all()
    assert (later["low"] <= first.frame["low"]).all()
    stocks = later.filter(pl.col("volume").is_not_null())
    assert (stocks["volume"] >= first.frame.filter(pl.col("volume").is_not_null())["volume"]).all()

    clock.advance(6 * 60)  # 16:45: after the close
    closed = fetched(await market.quotes(EVERYTHING)).frame
    assert set(closed.get_column("session")) == {Session.POST.value}
    daily = fetched(await market.bars(EVERYTHING, "1d", 1)).frame
    for quoted, bar in (("last", "close"), ("open", "open"), ("high", "high"), ("low", "low")):
        assert closed[quoted].equals(daily[bar], check_names=False)
    assert closed["volume"].equals(daily["volume"], check_names=False)
    # the session's minutes add up to its daily bar (the post-market's bars come after them)
    minutes = fetched(await market.bars(EVERYTHING, "1m", 1)).frame
    whole_day = per_session(minutes.filter(pl.col("ts") < new_york(SESSION, 16, 0)))
    assert set(whole_day.get_column("minutes")) == {390}
    for column in ("open", "high", "low", "close"):
        assert whole_day[column].equals(daily[column])
    stocks = daily.filter(pl.col("volume").is_not_null())
    assert whole_day.filter(pl.col("symbol").is_in(stocks["symbol"].implode()))["volume"].equals(
        stocks["volume"]
    )

    for hours, session in ((4, Session.CLOSED), (20, Session.CLOSED)):  # night, next day
        clock.advance(hours * 60)
        frozen = fetched(await market.quotes(EVERYTHING)).frame
        assert set(frozen.get_column("session")) == {session.value}
        regular = ["session", "ext_last", "ext_ts", "ext_session"]
        assert frozen.drop(regular).equals(closed.drop(regular))


async def test_before_the_open_quotes_show_the_previous_session(before_open: DemoMarket) -> None:
    quotes = fetched(await before_open.quotes(["MSFT"]))
    daily = fetched(await before_open.bars(["MSFT"], "1d", 2)).frame
    row = quotes.frame.row(0, named=True)
    assert row["session"] == Session.PRE.value
    assert row["last"] == daily["close"][-1]
    assert row["prev_close"] == daily["close"][-2]
    assert row["ts"] == new_york(dt.date(2026, 2, 10), 16, 0)
    bars = fetched(await before_open.bars(["MSFT"], "1m", 1)).frame
    # The previous session's 390 minutes, then today's pre-market from 04:00 to 08:00.
    today = bars.filter(pl.col("ts") >= new_york(SESSION, 4, 0))
    assert (bars.height - today.height, today.height) == (390, 240)


# --------------------------------------------------------------------------------------------
# Short interest and short volume


def test_settlement_dates_follow_finra_rule_4560() -> None:
    assert settlement_dates(dt.date(2025, 1, 1), dt.date(2026, 1, 31)) == [
        dt.date(2025, 1, 15),
        dt.date(2025, 1, 31),
        dt.date(2025, 2, 14),  # the 15th is a Saturday
        dt.date(2025, 2, 28),
        dt.date(2025, 3, 14),
        dt.date(2025, 3, 31),
        dt.date(2025, 4, 15),
        dt.date(2025, 4, 30),
        dt.date(2025, 5, 15),
        dt.date(2025, 5, 30),  # the 31st is a Saturday
        dt.date(2025, 6, 13),
        dt.date(2025, 6, 30),
        dt.date(2025, 7, 15),
        dt.date(2025, 7, 31),
        dt.date(2025, 8, 15),
        dt.date(2025, 8, 29),
        dt.date(2025, 9, 15),
        dt.date(2025, 9, 30),
        dt.date(2025, 10, 15),
        dt.date(2025, 10, 31),
        dt.date(2025, 11, 14),
        dt.date(2025, 11, 28),
        dt.date(2025, 12, 15),
        dt.date(2025, 12, 31),
        dt.date(2026, 1, 15),
        dt.date(2026, 1, 30),
    ]
    assert settlement_dates(dt.date(2026, 2, 1), dt.date(2026, 2, 28))[0] == dt.date(2026, 2, 13)


def test_publication_is_the_seventh_business_day_after_settlement() -> None:
    assert publication_date(dt.date(2026, 1, 30)) == dt.date(2026, 2, 10)
    assert publication_date(dt.date(2026, 1, 15)) == dt.date(2026, 1, 27)  # skips MLK day
    assert publication_date(dt.date(2025, 10, 31)) == dt.date(2025, 11, 12)  # and Veterans Day


async def test_short_interest_appears_when_published() -> None:
    market, clock = market_at(dt.time(15, 30), session_date=dt.date(2026, 2, 10))
    before = fetched(await market.short_interest(["MSFT"], 1))
    assert before.frame.get_column("settlement_date").to_list() == [dt.date(2026, 1, 15)]
    assert before.as_of == dt.datetime(2026, 1, 15, 21, tzinfo=dt.UTC)  # the 4 pm close
    clock.advance(31)  # 16:01 on the publication day: FINRA releases after 4 pm
    after = fetched(await market.short_interest(["MSFT"], 2))
    assert after.frame.get_column("settlement_date").to_list() == [
        dt.date(2026, 1, 15),
        dt.date(2026, 1, 30),
    ]


async def test_short_interest_fields(morning: DemoMarket) -> None:
    frame = fetched(await morning.short_interest(None, 100)).frame
    dates = frame.get_column("settlement_date").unique().sort().to_list()
    assert len(dates) >= 24  # a year and more
    assert all(publication_date(day) <= SESSION for day in dates)
    assert set(frame.get_column("source")) == {"demo"}
    assert set(frame.get_column("symbol")) == set(stock_symbols())
    msft = frame.filter(pl.col("symbol") == "MSFT").sort("settlement_date")
    assert msft["prior_short_shares"][1:].equals(msft["short_shares"][:-1], check_names=False)
    expected = (frame["short_shares"] / frame["avg_daily_volume"]).round(2)
    assert frame["days_to_cover"].equals(expected, check_names=False)
    assert (frame["avg_daily_volume"] > 0).all()


async def test_short_volume_is_posted_in_the_evening() -> None:
    market, clock = market_at(dt.time(17, 55))
    assert fetched(await market.short_volume(["MSFT"], 1)).frame["date"].to_list() == [
        dt.date(2026, 2, 10)
    ]
    clock.advance(5)  # 18:00
    latest = fetched(await market.short_volume(["MSFT"], 2))
    assert latest.frame["date"].to_list() == [dt.date(2026, 2, 10), SESSION]
    assert latest.as_of == dt.datetime(2026, 2, 11, 21, tzinfo=dt.UTC)  # that day's close


async def test_short_volume_turns_fractional_on_2026_02_23() -> None:
    market = market_at(dt.time(19, 0), session_date=dt.date(2026, 2, 25))[0]
    frame = fetched(await market.short_volume(None, 6)).frame
    whole = frame.filter(pl.col("date") < dt.date(2026, 2, 23))
    fractional = frame.filter(pl.col("date") >= dt.date(2026, 2, 23))
    assert whole.height > 0 and fractional.height > 0
    for column in ("short_volume", "total_volume"):
        assert (whole[column] == whole[column].round()).all()
        assert (fractional[column] != fractional[column].round()).mean() > 0.95  # type: ignore[operator]
    assert (frame["short_exempt_volume"] == frame["short_exempt_volume"].round()).all()
    assert (frame["short_volume"] <= frame["total_volume"]).all()


async def test_short_volume_ratio_is_typical(morning: DemoMarket) -> None:
    frame = fetched(await morning.short_volume(None, 200)).frame
    ratio = (frame["short_volume"] / frame["total_volume"]).to_numpy()
    assert 0.40 <= np.median(ratio) <= 0.55
    assert 0.02 < np.std(ratio) < 0.1
    assert frame["date"].n_unique() == 200


async def test_shares(morning: DemoMarket) -> None:
    frame = fetched(await morning.shares(["AAPL", "GME"])).frame
    assert frame["symbol"].to_list() == ["AAPL", "GME"]
    assert (frame["float_shares"] <= frame["shares_outstanding"]).all()
    assert (frame["as_of"] < SESSION).all()
    assert frame.row(0, named=True)["shares_outstanding"] == STOCK_PARAMS["AAPL"].shares_outstanding


# --------------------------------------------------------------------------------------------
# The story (DESIGN.md), measured on the history before the session date


async def history(market: DemoMarket) -> dict[str, pl.DataFrame]:
    frame = fetched(await market.bars(EVERYTHING, "1d", 1000)).frame
    return {str(key[0]): part for key, part in frame.partition_by("symbol", as_dict=True).items()}


def log_returns(bars: pl.DataFrame) -> np.ndarray:
    return np.diff(np.log(bars["close"].to_numpy()))


def rolling_corr(a: np.ndarray, b: np.ndarray, window: int = 60) -> np.ndarray:
    x, y = sliding_window_view(a, window), sliding_window_view(b, window)
    x = x - x.mean(axis=1, keepdims=True)
    y = y - y.mean(axis=1, keepdims=True)
    correlation: np.ndarray = (x * y).sum(axis=1) / np.sqrt(
        (x * x).sum(axis=1) * (y * y).sum(axis=1)
    )
    return correlation


def mag7_correlations(bars: dict[str, pl.DataFrame]) -> tuple[np.ndarray, np.ndarray]:
    """(MSFT's mean correlation to its peers, the group's mean pairwise correlation)."""
    returns = {symbol: log_returns(bars[symbol]) for symbol in MAG7}
    pairs = {
        (a, b): rolling_corr(returns[a], returns[b])
        for i, a in enumerate(MAG7)
        for b in MAG7[i + 1 :]
    }
    msft = np.mean([series for pair, series in pairs.items() if "MSFT" in pair], axis=0)
    return msft, np.mean(list(pairs.values()), axis=0)


def change(bars: pl.DataFrame, sessions: int) -> float:
    closes = bars["close"].to_numpy()
    return float(closes[-1] / closes[-1 - sessions] - 1)


@pytest.fixture(scope="module", params=[20260211, 7])
def story_market(request: pytest.FixtureRequest) -> DemoMarket:
    """History only (before the open), for the default seed and another one."""
    return market_at(dt.time(8, 0), seed=request.param)[0]


async def test_msft_decouples_from_the_mag7(story_market: DemoMarket) -> None:
    msft, group = mag7_correlations(await history(story_market))
    assert abs(msft[-1]) < 0.12
    assert abs(msft[-1 - 252] - 0.54) < 0.05
    assert abs(group[-1] - 0.22) < 0.06
    assert abs(group[-1 - 252] - 0.53) < 0.05
    # a year of a tightly knit group before the break
    assert np.median(group[-252:-60]) > 0.4


async def test_software_sells_off(story_market: DemoMarket) -> None:
    bars = await history(story_market)
    for symbol in SOFTWARE_SELLOFF:
        assert -0.30 <= change(bars[symbol], 25) <= -0.15, symbol


async def test_hedge_funds_sell_it_industrials_and_materials(story_market: DemoMarket) -> None:
    bars = await history(story_market)
    flows = {}
    for etf in SECTOR_ETFS.values():
        last5 = bars[etf].tail(5)
        high, low, close, volume = (last5[c].to_numpy() for c in ("high", "low", "close", "volume"))
        multiplier = np.where(high > low, ((close - low) - (high - close)) / (high - low), 0.0)
        flows[etf] = float(np.sum(multiplier * volume * (high + low + close) / 3))
    assert set(sorted(flows, key=flows.__getitem__)[:3]) == {"XLK", "XLI", "XLB"}


async def test_momentum_shorting(story_market: DemoMarket) -> None:
    bars = await history(story_market)
    short = fetched(await story_market.short_interest(["MSFT", "ORCL", "AVGO", "AMZN"], 3)).frame
    for symbol in ("MSFT", "ORCL", "AVGO", "AMZN"):
        rows = short.filter(pl.col("symbol") == symbol).sort("settlement_date")
        assert rows.height == 3
        assert (rows["short_shares"][1:] > rows["prior_short_shares"][1:] * 1.05).all(), symbol
        previous, latest = rows["settlement_date"][1], rows["settlement_date"][2]
        closes = dict(
            zip(
                [ts.date() for ts in bars[symbol]["ts"].to_list()],
                bars[symbol]["close"].to_list(),
                strict=True,
            )
        )
        assert closes[latest] < closes[previous], symbol


async def test_software_short_volume_ratio_is_raised(story_market: DemoMarket) -> None:
    frame = fetched(await story_market.short_volume(None, 10)).frame.with_columns(
        ratio=pl.col("short_volume") / pl.col("total_volume")
    )
    software = frame.filter(pl.col("symbol").is_in(SOFTWARE_SELLOFF))["ratio"].mean()
    market = frame["ratio"].mean()
    assert software > market + 0.05  # type: ignore[operator]


async def test_vix_spikes(story_market: DemoMarket) -> None:
    vix = (await history(story_market))["^VIX"]
    closes = vix["close"].to_numpy()
    assert closes[-1] > 22
    assert change(vix, 10) > 0.35
    assert 13 < np.median(closes[:-30]) < 19  # 15-17 in calmer times


async def test_ai_infrastructure_falls_against_industrials(story_market: DemoMarket) -> None:
    bars = await history(story_market)
    basket = np.mean([change(bars[symbol], 10) for symbol in AI_INFRASTRUCTURE])
    assert basket < change(bars["XLI"], 10) - 0.03


async def test_indices_sit_at_early_2026_levels(story_market: DemoMarket) -> None:
    bars = await history(story_market)
    last = {symbol: bars[symbol]["close"][-1] for symbol in ("^GSPC", "^NDX", "^DJI", "^RUT")}
    assert 6_700 < last["^GSPC"] < 7_100
    assert 24_000 < last["^NDX"] < 26_000
    assert 47_500 < last["^DJI"] < 51_000
    assert 2_450 < last["^RUT"] < 2_800
    assert 3.9 < bars["^TNX"]["close"][-1] < 4.5


async def test_sector_etfs_move_with_their_members(story_market: DemoMarket) -> None:
    bars = await history(story_market)
    for sector, etf in SECTOR_ETFS.items():
        members: Sequence[str] = [s for s in stock_symbols() if SYMBOLS[s].sector == sector]
        caps = np.array(
            [STOCK_PARAMS[s].price * STOCK_PARAMS[s].shares_outstanding for s in members]
        )
        gains = np.array([np.expm1(log_returns(bars[s])) for s in members])
        basket = caps @ gains / caps.sum()
        correlation = np.corrcoef(basket, np.expm1(log_returns(bars[etf])))[0, 1]
        assert correlation > 0.99, etf


async def test_the_demo_slices_its_frames_off_the_event_loop() -> None:
    """Its polars work runs in the sources' thread, as every source's: the event loop only
    waits for it."""
    import threading

    demo = DemoMarket(monotonic=lambda: 0.0)
    split = demo._split
    threads: list[int] = []

    def watched(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.get_ident())
        return split(*args, **kwargs)

    demo._split = watched  # type: ignore[method-assign]
    await demo.quotes(["AAPL"])
    await demo.bars(["AAPL"], "1d", 5)
    await demo.bars(["AAPL"], "5m", 1)
    await demo.short_interest(["AAPL"])
    await demo.short_volume(["AAPL"], 5)
    await demo.shares(["AAPL"])
    assert len(threads) == 6
    assert threading.get_ident() not in threads
