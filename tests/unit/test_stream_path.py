"""The tick path (tui/stream.py): coalescing, the moves a flush makes, writing streamed prices over
the quotes, the quotes cadence while live, the status text, and the stream the config asks for."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import polars as pl
import pytest

from tests.unit.frames import quotes
from tui.config import Settings, StreamSettings
from tui.market_hours import Session
from tui.models import StreamView
from tui.presenters.status import stream_text
from tui.presenters.ticks import PriceMove
from tui.sources.streaming import StreamPhase, StreamState, Tick
from tui.stream import PriceBook, PriceStream, Streamed, TickBook, make_stream, overlay

# Wednesday 11 February 2026, 11:30 New York: the regular session.
NOW = dt.datetime(2026, 2, 11, 16, 30, tzinfo=dt.UTC)
PRE = dt.datetime(2026, 2, 11, 13, 0, tzinfo=dt.UTC)  # 08:00 New York


def tick(
    symbol: str, price: float, seconds: float = 0.0, *, at: dt.datetime = NOW, **fields: object
) -> Tick:
    return Tick(symbol, at + dt.timedelta(seconds=seconds), price, "yahoo-stream", **fields)  # type: ignore[arg-type]


def polled() -> pl.DataFrame:
    return quotes(
        [
            {"symbol": "AAPL", "last": 270.0, "prev_close": 275.0, "high": 272.0, "low": 268.0},
            {"symbol": "MSFT", "last": 410.0, "prev_close": 420.0, "volume": 1e6},
        ],
        ts=NOW,
    )


def book() -> PriceBook:
    prices = PriceBook()
    prices.seed(polled().select("symbol", "ts", "last", "ext_ts", "ext_last").iter_rows())
    return prices


# --- coalescing ----------------------------------------------------------------------------------


def test_a_burst_of_ticks_is_one_entry_per_symbol_the_newest() -> None:
    ticks = TickBook()
    for index in range(100):
        ticks.add(tick("AAPL", 270.0 + index / 100, index / 100))
        ticks.add(tick("MSFT", 410.0 - index / 100, index / 100))
    ticks.add(tick("AAPL", 1.0, -5))  # late and older: the newer price stays
    assert ticks.received == 201
    drained = {t.symbol: t.price for t in ticks.drain()}
    assert drained == {"AAPL": 270.99, "MSFT": 409.01}
    assert ticks.drain() == [] and len(ticks) == 0


def test_a_flush_moves_each_symbol_once_with_its_direction() -> None:
    prices = book()
    moves = prices.apply([tick("AAPL", 271.0, 1), tick("MSFT", 409.5, 1)])
    assert moves == [
        PriceMove("AAPL", NOW + dt.timedelta(seconds=1), "yahoo-stream", 1, last=271.0),
        PriceMove("MSFT", NOW + dt.timedelta(seconds=1), "yahoo-stream", -1, last=409.5),
    ]
    # The next flush measures against what the last one moved to.
    again = prices.apply([tick("AAPL", 271.0, 2)])
    assert [(move.last, move.direction) for move in again] == [(271.0, 0)]


def test_nothing_older_than_the_price_shown_moves_it() -> None:
    prices = book()
    assert prices.apply([tick("AAPL", 280.0, -1)]) == []  # older than the polled quote
    assert prices.apply([tick("AAPL", 280.0, 0)]) == []  # as old
    assert prices.apply([tick("NVDA", 180.0, 5)]) == []  # nothing has priced it yet
    assert prices.apply([tick("AAPL", float("nan"), 5), tick("MSFT", -1.0, 5)]) == []
    assert not prices.changed_since_fold


def test_pre_and_post_market_ticks_move_the_extended_price_not_the_session() -> None:
    prices = PriceBook()
    prices.seed([("AAPL", NOW - dt.timedelta(hours=20), 270.0, None, None)])
    (move,) = prices.apply([tick("AAPL", 272.7, at=PRE, session=Session.PRE)])
    assert (move.last, move.ext_last, move.ext_session, move.direction) == (None, 272.7, "pre", 1)
    # Overnight trading (Yahoo's "extended hours" outside pre and post) is not shown.
    assert prices.apply([tick("AAPL", 280.0, 60, at=PRE, session=Session.CLOSED)]) == []
    # The bell: a regular-session price ends the extended one.
    (regular,) = prices.apply([tick("AAPL", 271.5, at=NOW)])
    assert (regular.last, regular.direction) == (271.5, 1)
    streamed = prices.streamed()["AAPL"]
    assert (streamed.last, streamed.ext_last) == (271.5, None)


# --- writing streamed prices over the quotes -----------------------------------------------------


def test_streamed_prices_are_written_over_the_quotes_where_they_are_newer() -> None:
    later = NOW + dt.timedelta(seconds=3)
    streamed = {
        "AAPL": Streamed("yahoo-stream", later, 273.5, day_volume=2e7),
        "MSFT": Streamed("alpaca-iex", NOW - dt.timedelta(seconds=3), 400.0),  # older: ignored
        "NVDA": Streamed("yahoo-stream", later, 180.0),  # not in the frame: left out
    }
    frame = overlay(polled(), streamed)
    aapl, msft = frame.rows(named=True)
    assert (aapl["last"], aapl["ts"], aapl["high"], aapl["low"]) == (273.5, later, 273.5, 268.0)
    assert (aapl["volume"], aapl["source"], aapl["prev_close"]) == (2e7, "yahoo-stream", 275.0)
    assert (msft["last"], msft["source"], msft["volume"]) == (410.0, "test", 1e6)
    assert frame.schema == polled().schema
    assert overlay(polled(), {}).equals(polled())


def test_a_trade_feed_never_writes_its_one_venue_volume() -> None:
    prices = book()
    prices.apply([tick("MSFT", 411.0, 1, day_volume=5_000.0, volume_is_consolidated=False)])
    frame = overlay(polled(), prices.streamed())
    assert frame.filter(pl.col("symbol") == "MSFT")["volume"].to_list() == [1e6]


def test_an_extended_hours_price_fills_the_ext_columns_and_the_bell_clears_them() -> None:
    yesterday = polled().with_columns(ts=pl.lit(NOW - dt.timedelta(hours=20)))
    pre = {"AAPL": Streamed("yahoo-stream", ext_ts=PRE, ext_last=272.7, ext_session="pre")}
    row = overlay(yesterday, pre).row(0, named=True)
    assert (row["last"], row["ext_last"], row["ext_ts"], row["ext_session"]) == (
        270.0,
        272.7,
        PRE,
        "pre",
    )
    bell = {"AAPL": Streamed("yahoo-stream", NOW, 271.0)}
    row = overlay(overlay(yesterday, pre), bell).row(0, named=True)
    assert (row["last"], row["ext_last"], row["ext_session"]) == (271.0, None, None)


# --- the stream's state --------------------------------------------------------------------------


def state(phase: StreamPhase) -> StreamState:
    return StreamState("yahoo-stream", phase, "", NOW)


def test_the_quotes_poll_slows_only_while_a_stream_of_the_indices_is_live() -> None:
    stream = PriceStream(None, name="yahoo", live_quotes_s=60.0, clock=lambda: NOW)
    assert stream.quotes_cadence(15.0) == 15.0
    stream.watch("indices", ["^GSPC", "AAPL"])
    stream.set_state(state(StreamPhase.LIVE))
    assert stream.quotes_cadence(15.0) == 60.0
    assert stream.live_symbols == {"^GSPC", "AAPL"}
    stream.set_state(state(StreamPhase.RECONNECTING))
    assert stream.quotes_cadence(15.0) == 15.0 and stream.live_symbols == set()
    trades = PriceStream(None, name="alpaca", streams_indices=False, clock=lambda: NOW)
    trades.set_state(state(StreamPhase.LIVE))
    assert trades.quotes_cadence(15.0) == 15.0  # indices are not on IEX: polled as before


def test_symbols_past_the_providers_cap_are_not_live_and_keep_the_quotes_cadence() -> None:
    stream = PriceStream(None, name="yahoo", max_symbols=2, clock=lambda: NOW)
    stream.watch("feed", ["MSFT", "^GSPC", "AAPL"])
    stream.set_state(state(StreamPhase.LIVE))
    # The indices first, then by symbol: MSFT is past the cap, so it is polled as before.
    assert stream.live_symbols == {"^GSPC", "AAPL"}
    assert stream.quotes_cadence(15.0) == 15.0
    stream.watch("feed", ["^GSPC", "AAPL"])
    assert stream.quotes_cadence(15.0) == 60.0  # everything on screen streams


def test_watched_symbols_are_the_union_of_what_each_owner_shows() -> None:
    stream = PriceStream(None, name="yahoo", clock=lambda: NOW)
    stream.watch("indices", ["^GSPC", "AAPL"])
    stream.watch("drill-down", ["NVDA"])
    assert stream.symbols == {"^GSPC", "AAPL", "NVDA"}
    stream.watch("drill-down", [])
    assert stream.symbols == {"^GSPC", "AAPL"}


def test_the_status_says_live_with_the_rate_or_polling_with_the_provider() -> None:
    assert stream_text(StreamView("yahoo", True, True, 12.4)) == "stream live 12/s"
    assert stream_text(StreamView("yahoo", True, False)) == "yahoo stream ⚠ polling"
    assert stream_text(StreamView("alpaca", True, False, detail="no key")) == (
        "alpaca stream ⚠ polling"
    )
    assert stream_text(StreamView("yahoo", False, False)) is None  # market closed
    assert stream_text(None) is None


def test_the_view_is_active_while_the_market_is_open_and_rows_are_shown() -> None:
    closed = dt.datetime(2026, 2, 14, 16, tzinfo=dt.UTC)  # a Saturday
    stream = PriceStream(None, name="yahoo", clock=lambda: NOW)
    assert not stream.view().active  # nothing on screen yet
    stream.watch("indices", ["^GSPC"])
    assert stream.view() == StreamView("yahoo", True, False, 0.0, "")
    assert not PriceStream(None, name="yahoo", clock=lambda: closed).view().active


# --- the stream the config asks for --------------------------------------------------------------


def test_the_config_chooses_the_provider_and_off_means_none() -> None:
    assert make_stream(Settings(stream=StreamSettings(provider="off"))) is None
    yahoo = make_stream(Settings())
    assert yahoo is not None and yahoo.name == "yahoo" and yahoo.failure is None
    assert yahoo.streams_indices


def test_a_keyed_provider_without_a_key_polls_and_says_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    alpaca = make_stream(Settings(stream=StreamSettings(provider="alpaca")), environ={})
    assert alpaca is not None and alpaca.failure is not None
    assert "APCA_API_KEY_ID" in alpaca.failure
    view = alpaca.view()
    assert view.active and not view.live and "APCA_API_KEY_ID" in view.detail
    key = tmp_path / "finnhub.key"
    key.write_text("s3cr3t-token\n")
    key.chmod(0o644)
    with caplog.at_level(logging.DEBUG):
        finnhub = make_stream(
            Settings(stream=StreamSettings(provider="finnhub", key_file=str(key))), environ={}
        )
    assert finnhub is not None and finnhub.failure is not None
    assert "chmod 600" in finnhub.failure
    assert "s3cr3t" not in caplog.text and "s3cr3t" not in finnhub.failure


def test_a_keyed_provider_reads_its_key_from_the_environment() -> None:
    environ = {"APCA_API_KEY_ID": "PKID", "APCA_API_SECRET_KEY": "secret-value"}
    alpaca = make_stream(Settings(stream=StreamSettings(provider="alpaca")), environ=environ)
    assert alpaca is not None and alpaca.failure is None and not alpaca.streams_indices
    finnhub = make_stream(
        Settings(stream=StreamSettings(provider="finnhub", url="ws://127.0.0.1:9/")),
        environ={"FINNHUB_API_KEY": "token"},
    )
    assert finnhub is not None and finnhub.failure is None


# --- beside the scheduler ------------------------------------------------------------------------


async def test_streamed_prices_fold_into_the_quotes_and_a_poll_never_takes_them_back() -> None:
    from tui.jobs import JobName
    from tui.reports import PricesTicked, Report, StatusChanged
    from tui.scheduler import Scheduler
    from tui.sources.demo import DemoMarket

    reports: list[Report] = []
    market = DemoMarket(start_time=dt.time(11, 30), monotonic=lambda: 0.0)
    stream = PriceStream(None, name="yahoo", clock=lambda: NOW)
    scheduler = Scheduler(
        Settings(source="demo"), market, clock=lambda: NOW, report=reports.append, stream=stream
    )
    await scheduler.refresh(JobName.QUOTES)
    stored = scheduler.store.get(JobName.QUOTES)
    assert stored is not None
    polled_at = stored.frame.filter(pl.col("symbol") == "MSFT")["ts"][0]
    stream.push(tick("MSFT", 999.0, at=polled_at + dt.timedelta(seconds=1)))
    moves = stream.flush()
    scheduler.prices_moved(moves)
    assert reports[-1] == PricesTicked(tuple(moves))
    await scheduler.fold_streamed()

    def msft() -> float:
        held = scheduler.store.get(JobName.QUOTES)
        assert held is not None
        return float(held.frame.filter(pl.col("symbol") == "MSFT")["last"][0])

    assert msft() == 999.0
    await scheduler.refresh(JobName.QUOTES)  # the demo's clock stands still: an older quote
    assert msft() == 999.0
    stream.set_state(StreamState("desk", StreamPhase.LIVE, "", NOW))
    stream.attach(scheduler)
    stream.set_state(StreamState("desk", StreamPhase.RECONNECTING, "", NOW))
    assert isinstance(reports[-1], StatusChanged)
    assert reports[-1].status.stream is not None and not reports[-1].status.stream.live


def test_the_feed_knows_which_symbols_stream_live() -> None:
    from tui.scheduler import Scheduler
    from tui.sources.demo import DemoMarket

    market = DemoMarket(monotonic=lambda: 0.0)
    assert Scheduler(Settings(source="demo"), market).feed.streaming() == frozenset()
    stream = PriceStream(None, name="yahoo", clock=lambda: NOW)
    scheduler = Scheduler(Settings(source="demo"), market, stream=stream)
    stream.watch("indices", ["^GSPC"])
    assert scheduler.feed.streaming() == frozenset()
    stream.set_state(state(StreamPhase.LIVE))
    assert scheduler.feed.streaming() == {"^GSPC"}


def test_a_tick_from_the_future_or_with_a_price_that_cannot_be_is_left_out() -> None:
    stream = PriceStream(None, name="yahoo", clock=lambda: NOW)
    stream.seed(polled())
    stream.push(tick("AAPL", 271.0, 11 * 60))  # 11 minutes ahead of the clock
    stream.push(tick("MSFT", 0.0, 1))
    assert stream.flush() == []
    stream.push(tick("AAPL", 271.0, 9 * 60))
    assert [move.symbol for move in stream.flush()] == ["AAPL"]


def test_a_streamed_tick_is_kept_in_the_sessions_recording(tmp_path: Path) -> None:
    """`--record` keeps every tick the stream receives, beside the frames."""
    from tui.recording import Recorder, read_recording
    from tui.scheduler import Scheduler
    from tui.sources.demo import DemoMarket

    recorder = Recorder(tmp_path, clock=lambda: NOW, market_clock=lambda: NOW)
    stream = PriceStream(None, name="yahoo", clock=lambda: NOW)
    market = DemoMarket(monotonic=lambda: 0.0)
    scheduler = Scheduler(Settings(source="demo"), market, stream=stream, recorder=recorder)
    stream.attach(scheduler)
    arrived = tick("MSFT", 412.5, 1)
    stream.push(arrived)
    recorder.close()
    assert [event.tick for event in read_recording(tmp_path).ticks] == [arrived]
