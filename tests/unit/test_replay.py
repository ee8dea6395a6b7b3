"""``--as-of``: a source replayed at the close of a past day, over a small fake inner source."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl
import pytest

from tui.market_hours import NEW_YORK, session_close, trading_days
from tui.sources.base import (
    BARS_SCHEMA,
    QUOTES_SCHEMA,
    SHARES_SCHEMA,
    SHORT_INTEREST_SCHEMA,
    SHORT_VOLUME_SCHEMA,
    BarInterval,
    Failed,
    FailureKind,
    Fetched,
    FetchOutcome,
    Source,
    SourceRole,
    SymbolInfo,
)
from tui.sources.demo import DemoMarket
from tui.sources.replay import AsOfSource, closing_quotes

EXT_COLUMNS = ["ext_last", "ext_ts", "ext_session"]  # replays have no extended hours

INNER_NOW = dt.datetime(2026, 2, 20, 18, 0, tzinfo=dt.UTC)  # Friday 13:00 New York, market open
DAYS = trading_days(dt.date(2025, 12, 1), dt.date(2026, 2, 20))


def ny(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=NEW_YORK).astimezone(dt.UTC)


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def close_of(index: int) -> float:
    """AAA's close on DAYS[index]: a value that names its day."""
    return 100.0 + index


def _daily() -> pl.DataFrame:
    rows = [
        ("AAA", midnight(day), close_of(i) - 1, close_of(i) + 2, close_of(i) - 2, close_of(i), 1e6)
        for i, day in enumerate(DAYS)
    ]
    # BBB stopped trading after 2026-02-05.
    rows += [
        ("BBB", midnight(day), 50.0, 51.0, 49.0, 50.0 + i, 2e6)
        for i, day in enumerate(DAYS)
        if day <= dt.date(2026, 2, 5)
    ]
    frame = pl.DataFrame(
        rows, schema=["symbol", "ts", "open", "high", "low", "close", "volume"], orient="row"
    )
    return frame.with_columns(pl.lit("1d").alias("interval")).cast(BARS_SCHEMA)


def _intraday() -> pl.DataFrame:
    """5-minute bars for three sessions, pre-market and after-hours included."""
    times = [
        ny(day, hour, minute)
        for day in (dt.date(2026, 2, 9), dt.date(2026, 2, 10), dt.date(2026, 2, 20))
        for hour, minute in ((8, 0), (9, 30), (15, 55), (16, 0), (17, 0))
    ]
    return pl.DataFrame(
        {
            "symbol": "AAA",
            "ts": times,
            "open": 1.0,
            "high": 1.0,
            "low": 1.0,
            "close": [float(i) for i in range(len(times))],
            "volume": 1.0,
            "interval": "5m",
        },
        schema=BARS_SCHEMA,
    )


SETTLEMENTS = [
    dt.date(2025, 12, 31),
    dt.date(2026, 1, 15),
    dt.date(2026, 1, 30),
    dt.date(2026, 2, 13),
]


def _short_interest() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "symbol": ["AAA"] * len(SETTLEMENTS),
            "settlement_date": SETTLEMENTS,
            "short_shares": [float(i) for i in range(len(SETTLEMENTS))],
            "prior_short_shares": 0.0,
            "avg_daily_volume": 1.0,
            "days_to_cover": 1.0,
            "source": "fake",
        },
        schema=SHORT_INTEREST_SCHEMA,
    )


def _short_volume() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "date": DAYS,
            "symbol": "AAA",
            "short_volume": [float(i) for i in range(len(DAYS))],
            "short_exempt_volume": 0.0,
            "total_volume": 10.0,
        },
        schema=SHORT_VOLUME_SCHEMA,
    )


def _shares() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "symbol": ["AAA", "AAA", "NEW"],
            "as_of": [dt.date(2025, 12, 31), dt.date(2026, 2, 15), dt.date(2026, 2, 15)],
            "shares_outstanding": [1e9, 1.1e9, 5e8],
            "float_shares": [None, None, None],
            "source": "fake",
        },
        schema=SHARES_SCHEMA,
    )


class FakeMarket:
    """An inner source that honours its arguments literally: ask for too few days and the
    replay gets too few."""

    name = "fake"
    label = "FAKE"
    is_demo = True

    def __init__(self) -> None:
        self.daily = _daily()
        self.intraday = _intraday()
        self.closed = False
        self.failure: Failed | None = None
        self.clock = INNER_NOW

    def now(self) -> dt.datetime:
        return self.clock

    def source_for(self, role: SourceRole) -> str:
        return self.name

    def describe(self, symbol: str) -> SymbolInfo | None:
        return SymbolInfo(symbol, f"{symbol} Inc.") if symbol in ("AAA", "BBB") else None

    def known_symbols(self) -> Sequence[str]:
        return ["AAA", "BBB"]

    async def quotes(self, symbols: Sequence[str]) -> FetchOutcome:
        raise AssertionError("the replay makes quotes from daily bars")

    async def bars(self, symbols: Sequence[str], interval: BarInterval, days: int) -> FetchOutcome:
        if self.failure:
            return self.failure
        if interval == "1d":
            frame = self.daily.filter(pl.col("symbol").is_in(list(symbols)))
            frame = frame.group_by("symbol", maintain_order=True).tail(days)
        else:
            sessions = [day for day in DAYS if day <= INNER_NOW.date()][-days:]
            local_day = pl.col("ts").dt.convert_time_zone("America/New_York").dt.date()
            frame = self.intraday.filter(
                pl.col("symbol").is_in(list(symbols)), local_day.is_in(sessions)
            )
        return Fetched(frame, INNER_NOW, {"ZZZ": "not found"} if "ZZZ" in symbols else {})

    async def short_interest(
        self, symbols: Sequence[str] | None, settlements: int = 1
    ) -> FetchOutcome:
        # What FINRA had published by the inner clock (the 2026-02-13 settlement is not out).
        out = [day for day in SETTLEMENTS if day <= dt.date(2026, 1, 30)][-settlements:]
        return Fetched(_short_interest().filter(pl.col("settlement_date").is_in(out)), INNER_NOW)

    async def short_volume(self, symbols: Sequence[str] | None, days: int) -> FetchOutcome:
        return Fetched(_short_volume().tail(days), INNER_NOW)

    async def shares(self, symbols: Sequence[str]) -> FetchOutcome:
        return Fetched(_shares().filter(pl.col("symbol").is_in(list(symbols))), INNER_NOW)

    async def aclose(self) -> None:
        self.closed = True


def fetched(outcome: FetchOutcome) -> Fetched:
    assert isinstance(outcome, Fetched), outcome
    return outcome


def replay(day: dt.date) -> tuple[AsOfSource, FakeMarket]:
    inner = FakeMarket()
    return AsOfSource(inner, day), inner


FEB_10 = dt.date(2026, 2, 10)
FEB_10_CLOSE = dt.datetime(2026, 2, 10, 21, 0, tzinfo=dt.UTC)
I_FEB_10 = DAYS.index(FEB_10)


# --- the clock -------------------------------------------------------------------------------


def test_clock_stops_at_the_as_of_close_and_the_label_says_replay() -> None:
    source, _ = replay(FEB_10)
    assert isinstance(source, Source)
    assert source.now() == FEB_10_CLOSE
    assert source.label == "DEMO REPLAY 2026-02-10"  # a replay of a demo market says both
    assert (source.name, source.is_demo) == ("fake", True)


@pytest.mark.parametrize(
    ("as_of", "session"),
    [
        (dt.date(2026, 2, 16), dt.date(2026, 2, 13)),  # Washington's Birthday
        (dt.date(2026, 2, 15), dt.date(2026, 2, 13)),  # Sunday
        (dt.date(2026, 1, 1), dt.date(2025, 12, 31)),  # New Year's Day
    ],
)
def test_a_non_trading_day_replays_the_previous_close(as_of: dt.date, session: dt.date) -> None:
    source, _ = replay(as_of)
    assert source.session_date == session
    assert source.now() == ny(session, 16)
    assert source.label == f"DEMO REPLAY {as_of}"


def test_an_early_close_day_stops_at_one_pm() -> None:
    source, _ = replay(dt.date(2025, 11, 28))
    assert source.now() == ny(dt.date(2025, 11, 28), 13)


# --- daily bars and quotes -------------------------------------------------------------------


async def test_daily_bars_end_at_the_as_of_session() -> None:
    source, _ = replay(FEB_10)
    outcome = fetched(await source.bars(["AAA"], "1d", 5))
    assert outcome.frame.schema == BARS_SCHEMA
    assert outcome.frame["ts"].to_list() == [
        midnight(day) for day in DAYS[I_FEB_10 - 4 : I_FEB_10 + 1]
    ]
    assert outcome.frame["close"].to_list() == [
        close_of(i) for i in range(I_FEB_10 - 4, I_FEB_10 + 1)
    ]
    assert outcome.as_of == FEB_10_CLOSE


async def test_daily_bars_reach_back_even_when_the_inner_source_is_a_session_ahead() -> None:
    """Some sources already carry today's bar before the open: the replay asks for spares."""
    source, inner = replay(FEB_10)
    inner.clock = ny(dt.date(2026, 2, 20), 8)  # pre-market: its calendar's last session is 02-19
    frame = fetched(await source.bars(["AAA"], "1d", 5)).frame
    assert frame["close"].to_list() == [close_of(i) for i in range(I_FEB_10 - 4, I_FEB_10 + 1)]


async def test_daily_bars_of_a_holiday_as_of_end_the_day_before() -> None:
    source, _ = replay(dt.date(2026, 2, 16))
    frame = fetched(await source.bars(["AAA"], "1d", 1)).frame
    assert frame["ts"].to_list() == [midnight(dt.date(2026, 2, 13))]


async def test_a_symbol_that_stopped_keeps_its_last_bars_and_a_late_one_is_named() -> None:
    source, _ = replay(dt.date(2025, 12, 1))
    outcome = fetched(await source.bars(["AAA", "BBB", "ZZZ"], "1d", 3))
    assert outcome.frame["symbol"].to_list() == ["AAA", "BBB"]
    assert outcome.problems == {"ZZZ": "not found"}
    later, _ = replay(dt.date(2025, 11, 20))
    before = fetched(await later.bars(["AAA"], "1d", 3))
    assert before.frame.is_empty()
    assert before.problems == {"AAA": "no data on or before 2025-11-20"}
    assert before.as_of == later.now()


async def test_quotes_are_the_as_of_close_against_the_session_before() -> None:
    source, _ = replay(FEB_10)
    outcome = fetched(await source.quotes(["AAA", "BBB", "ZZZ"]))
    assert outcome.frame.schema == QUOTES_SCHEMA
    assert outcome.frame.select(EXT_COLUMNS).null_count().row(0) == (outcome.frame.height,) * 3
    feb_5 = DAYS.index(dt.date(2026, 2, 5))
    assert outcome.frame.drop(EXT_COLUMNS).rows() == [
        (
            "AAA",
            FEB_10_CLOSE,
            close_of(I_FEB_10),
            close_of(I_FEB_10 - 1),
            close_of(I_FEB_10) - 1,
            close_of(I_FEB_10) + 2,
            close_of(I_FEB_10) - 2,
            1e6,
            "closed",
            0,
            "fake",
        ),
        # BBB's last session was 2026-02-05: its quote is that day's close, and says so.
        (
            "BBB",
            ny(dt.date(2026, 2, 5), 16),
            50.0 + feb_5,
            49.0 + feb_5,
            50.0,
            51.0,
            49.0,
            2e6,
            "closed",
            0,
            "fake",
        ),
    ]
    assert outcome.problems == {"ZZZ": "not found"}
    assert outcome.as_of == FEB_10_CLOSE


# --- intraday bars ---------------------------------------------------------------------------


async def test_intraday_bars_are_the_as_of_session_up_to_its_close() -> None:
    source, _ = replay(FEB_10)
    frame = fetched(await source.bars(["AAA"], "5m", 1)).frame
    assert frame["ts"].to_list() == [ny(FEB_10, 8), ny(FEB_10, 9, 30), ny(FEB_10, 15, 55)]
    two = fetched(await source.bars(["AAA"], "5m", 2)).frame
    assert two["ts"].dt.convert_time_zone(
        "America/New_York"
    ).dt.date().unique().sort().to_list() == [
        dt.date(2026, 2, 9),
        FEB_10,
    ]


async def test_intraday_bars_reach_back_when_the_inner_source_is_a_session_ahead() -> None:
    source, inner = replay(FEB_10)
    inner.clock = ny(dt.date(2026, 2, 20), 8)  # pre-market bars of 02-20 already there
    frame = fetched(await source.bars(["AAA"], "5m", 1)).frame
    assert frame["ts"].to_list() == [ny(FEB_10, 8), ny(FEB_10, 9, 30), ny(FEB_10, 15, 55)]


async def test_intraday_bars_the_inner_source_no_longer_has_are_empty() -> None:
    source, _ = replay(dt.date(2026, 1, 20))
    outcome = fetched(await source.bars(["AAA"], "5m", 1))
    assert outcome.frame.is_empty()
    assert outcome.frame.schema == BARS_SCHEMA
    # Said as what it is: the daily figures of that day may stand.
    assert outcome.problems == {"AAA": "no intraday bars on 2026-01-20"}


# --- the short datasets ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "newest"),
    [
        # The 2026-01-30 settlement is published on 2026-02-10 after 4 pm: not out at that close.
        (FEB_10, dt.date(2026, 1, 15)),
        (dt.date(2026, 2, 11), dt.date(2026, 1, 30)),
        (dt.date(2026, 1, 27), dt.date(2025, 12, 31)),
        (dt.date(2026, 1, 28), dt.date(2026, 1, 15)),
    ],
)
async def test_short_interest_is_what_had_been_published(as_of: dt.date, newest: dt.date) -> None:
    source, _ = replay(as_of)
    outcome = fetched(await source.short_interest(None, settlements=1))
    assert outcome.frame["settlement_date"].to_list() == [newest]
    assert outcome.as_of == session_close(newest)


async def test_short_interest_history_reaches_back_from_the_as_of_day() -> None:
    source, _ = replay(FEB_10)
    outcome = fetched(await source.short_interest(["AAA"], settlements=2))
    assert sorted(outcome.frame["settlement_date"]) == [dt.date(2025, 12, 31), dt.date(2026, 1, 15)]


async def test_short_volume_ends_at_the_as_of_day() -> None:
    source, _ = replay(FEB_10)
    outcome = fetched(await source.short_volume(["AAA"], 3))
    assert outcome.frame["date"].to_list() == DAYS[I_FEB_10 - 2 : I_FEB_10 + 1]
    assert outcome.frame["short_volume"].to_list() == [
        float(i) for i in range(I_FEB_10 - 2, I_FEB_10 + 1)
    ]
    assert outcome.as_of == FEB_10_CLOSE


async def test_shares_are_as_of_the_day_where_the_inner_source_has_them() -> None:
    source, _ = replay(FEB_10)
    outcome = fetched(await source.shares(["AAA", "NEW"]))
    assert outcome.frame.rows() == [
        ("AAA", dt.date(2025, 12, 31), 1e9, None, "fake"),
        ("NEW", dt.date(2026, 2, 15), 5e8, None, "fake"),  # nothing older: the oldest it has
    ]


async def test_fund_nav_is_what_had_been_posted_by_the_close_and_holdings_the_oldest_file() -> None:
    """A session's NAV is posted in the evening: at the as-of close the newest is the session
    before. An issuer publishes only its latest holdings: the replay keeps them (a fund's
    members change slowly)."""
    demo = DemoMarket(monotonic=lambda: 0.0)
    source = AsOfSource(demo, dt.date(2026, 2, 5))
    nav = fetched(await source.fund_nav_history(["XLK", "SPY"], 5))
    assert nav.frame["date"].to_list() == trading_days(dt.date(2026, 1, 29), dt.date(2026, 2, 4))
    everything = fetched(await demo.fund_nav_history(["XLK"], 300)).frame
    assert nav.frame.equals(everything.filter(pl.col("date").is_in(nav.frame["date"].implode())))
    assert nav.as_of == session_close(dt.date(2026, 2, 4))
    assert nav.problems == {"SPY": "not a sector fund of the demo"}
    holdings = fetched(await source.fund_holdings(["XLK"]))
    assert holdings.frame.equals(fetched(await demo.fund_holdings(["XLK"])).frame)
    # An inner source without fund files has none to replay.
    plain, _ = replay(FEB_10)
    failed = await plain.fund_nav_history(["XLK"], 5)
    assert isinstance(failed, Failed) and failed.kind is FailureKind.NOT_AVAILABLE


# --- delegation ------------------------------------------------------------------------------


async def test_failures_pass_through_unchanged() -> None:
    source, inner = replay(FEB_10)
    inner.failure = Failed("fake", FailureKind.RATE_LIMITED, "slow down")
    assert await source.bars(["AAA"], "1d", 5) is inner.failure
    assert await source.quotes(["AAA"]) is inner.failure


async def test_names_and_closing_go_to_the_inner_source() -> None:
    source, inner = replay(FEB_10)
    assert source.known_symbols() == ["AAA", "BBB"]
    info = source.describe("AAA")
    assert info is not None and info.name == "AAA Inc."
    await source.aclose()
    assert inner.closed


def test_closing_quotes_of_nothing_is_an_empty_quotes_frame() -> None:
    quotes = closing_quotes(pl.DataFrame(schema=BARS_SCHEMA), "x")
    assert quotes.is_empty()
    assert quotes.schema == QUOTES_SCHEMA
