"""The files source: the user's own daily bars (CSV, parquet) and FINRA-layout short interest."""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

import tui.sources.files as files_module
from tui.config import FilesSettings, Settings
from tui.market_hours import session_times
from tui.sources.base import (
    BARS_SCHEMA,
    QUOTES_SCHEMA,
    SHORT_INTEREST_SCHEMA,
    Dataset,
    Failed,
    FailureKind,
    Fetched,
    FetchOutcome,
    Source,
)
from tui.sources.files import FilesSource
from tui.sources.sanity import screen

EXT_COLUMNS = ["ext_last", "ext_ts", "ext_session"]  # daily files have no extended hours

FIXTURES = Path(__file__).parent.parent / "fixtures" / "files"
NOW = dt.datetime(2026, 2, 11, 15, 0, tzinfo=dt.UTC)
CLOSE_FEB_10 = dt.datetime(2026, 2, 10, 21, 0, tzinfo=dt.UTC)  # 16:00 New York


def source(
    bars: Path | str = "", short_interest: Path | str = "", *, now: dt.datetime = NOW
) -> FilesSource:
    settings = FilesSettings(bars=str(bars), short_interest=str(short_interest))
    return FilesSource(settings, clock=lambda: now)


def fetched(outcome: FetchOutcome) -> Fetched:
    assert isinstance(outcome, Fetched), outcome
    return outcome


def failed(outcome: FetchOutcome) -> Failed:
    assert isinstance(outcome, Failed), outcome
    return outcome


def closes(frame: pl.DataFrame, symbol: str) -> list[float]:
    return frame.filter(pl.col("symbol") == symbol)["close"].to_list()


def day(year: int, month: int, date: int) -> dt.datetime:
    return dt.datetime(year, month, date, tzinfo=dt.UTC)


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


# --- layouts ---------------------------------------------------------------------------------


async def test_it_is_a_source_named_files_whose_clock_stops_at_its_last_session() -> None:
    files = source(FIXTURES / "per_symbol")
    assert isinstance(files, Source)
    assert files.name == "files"
    assert files.is_demo is False
    assert (files.now(), files.data_through()) == (NOW, None)  # nothing loaded yet
    await files.bars(["AAPL"], "1d", 5)
    # The files end on Feb 10: the figures are as of its close, not of the wall clock's day.
    assert (files.now(), files.data_through()) == (CLOSE_FEB_10, dt.date(2026, 2, 10))


async def test_files_that_end_long_ago_give_their_own_five_day_change(tmp_path: Path) -> None:
    """Figures as of the files' last session: with the wall clock two weeks later, every 5 d
    change was 0.0 (the last close against itself)."""
    days = [dt.date(2026, 1, 20) + dt.timedelta(days=n) for n in range(11)]
    sessions = [d for d in days if d.weekday() < 5]  # Jan 20 to Jan 30: 9 sessions
    lines = [f"{d},{100 + i}" for i, d in enumerate(sessions)]
    write(tmp_path, "aapl.csv", "date,close\n" + "\n".join(lines) + "\n")
    from tui.analytics.indices import build_indices
    from tui.config import Basket, IndexSpec
    from tui.scheduler import Scheduler

    settings = Settings(
        source="files",
        indices=(IndexSpec("AAPL", "Apple"),),
        baskets=(Basket("One", ("AAPL",)),),
        sources=replace(Settings().sources, files=FilesSettings(bars=str(tmp_path))),
    )
    scheduler = Scheduler(settings, source(tmp_path), clock=lambda: NOW)
    await scheduler.refresh_all()
    view = build_indices(scheduler.feed.market_data(), settings)
    apple = next(row for row in view.rows if row.symbol == "AAPL")
    assert apple.change_5d_pct == pytest.approx((108 / 103 - 1) * 100)
    status = scheduler.status()
    assert status.data_through == dt.date(2026, 1, 30)
    assert status.sessions_behind == 7  # Feb 2 to Feb 10 have closed by NOW (Feb 11, 10:00)


async def test_one_csv_per_symbol_named_by_the_file() -> None:
    outcome = fetched(await source(FIXTURES / "per_symbol").bars(["AAPL", "SPY"], "1d", 30))
    frame = outcome.frame
    assert frame.schema == BARS_SCHEMA
    assert frame["symbol"].to_list() == ["AAPL"] * 5 + ["SPY"] * 3
    aapl = frame.filter(pl.col("symbol") == "AAPL")
    assert aapl["ts"].to_list() == [day(2026, 2, d) for d in (4, 5, 6, 9, 10)]
    assert aapl.row(0) == (
        "AAPL",
        day(2026, 2, 4),
        270.10,
        272.50,
        268.00,
        271.00,
        51_000_000.0,
        "1d",
    )
    assert outcome.problems == {}
    assert outcome.as_of == CLOSE_FEB_10


async def test_missing_open_high_low_take_the_close_and_missing_volume_is_null() -> None:
    frame = fetched(await source(FIXTURES / "per_symbol").bars(["SPY"], "1d", 30)).frame
    assert frame["open"].to_list() == frame["close"].to_list() == [690.12, 688.40, 691.05]
    assert frame["high"].to_list() == frame["low"].to_list() == frame["close"].to_list()
    assert frame["volume"].null_count() == 3


async def test_one_file_for_all_symbols_with_any_column_order_and_case() -> None:
    files = source(FIXTURES / "single" / "prices.csv")
    frame = fetched(await files.bars(["MSFT", "ORCL", "AVGO"], "1d", 30)).frame
    assert frame.schema == BARS_SCHEMA
    assert frame["symbol"].to_list() == ["AVGO", "MSFT", "MSFT", "ORCL", "ORCL"]
    msft = frame.filter(pl.col("symbol") == "MSFT")
    assert msft.row(1) == ("MSFT", day(2026, 2, 10), 409.0, 410.2, 402.1, 404.5, 35_500_000.5, "1d")
    assert closes(frame, "ORCL") == [150.0, 146.2]  # "orcl" in the file
    assert frame.filter(pl.col("symbol") == "AVGO")["volume"].to_list() == [None]


async def test_parquet_files_with_typed_columns(tmp_path: Path) -> None:
    pl.DataFrame(
        {
            "Date": [dt.date(2026, 2, 9), dt.date(2026, 2, 10)],
            "Close": [100.5, 101.25],
            "High": [101.0, 102.0],
            "Low": [99.0, 100.0],
            "Volume": [1_000, 2_000],
            "comment": [[1], [2]],  # a column tapewatch does not read may hold anything
        }
    ).write_parquet(tmp_path / "nvda.parquet")
    pl.DataFrame(
        {
            "date": [dt.datetime(2026, 2, 10)],
            "symbol": ["amd"],
            "close": ["200.5"],
        }
    ).write_parquet(tmp_path / "more.parquet")
    frame = fetched(await source(tmp_path).bars(["NVDA", "AMD"], "1d", 30)).frame
    assert frame.schema == BARS_SCHEMA
    assert frame.rows() == [
        ("AMD", day(2026, 2, 10), 200.5, 200.5, 200.5, 200.5, None, "1d"),
        ("NVDA", day(2026, 2, 9), 100.5, 101.0, 99.0, 100.5, 1000.0, "1d"),
        ("NVDA", day(2026, 2, 10), 101.25, 102.0, 100.0, 101.25, 2000.0, "1d"),
    ]


async def test_csv_and_parquet_in_one_folder(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "per_symbol" / "AAPL.csv", tmp_path)
    pl.DataFrame({"date": ["2026-02-10"], "close": [5.0]}).write_parquet(tmp_path / "x.PARQUET")
    write(tmp_path, "notes.txt", "not bars")
    files = source(tmp_path)
    frame = fetched(await files.bars(["AAPL", "X"], "1d", 1)).frame
    assert frame["symbol"].to_list() == ["AAPL", "X"]
    assert sorted(files.known_symbols()) == ["AAPL", "X"]


async def test_class_shares_get_the_one_spelling_of_every_source(tmp_path: Path) -> None:
    write(tmp_path, "brk.b.csv", "date,close\n2026-02-10,490\n")
    write(tmp_path, "all.csv", "symbol,date,close\nBF/B,2026-02-10,30\nheI.a,2026-02-10,200\n")
    files = source(tmp_path)
    frame = fetched(await files.bars(["BRK-B", "BF-B", "HEI-A"], "1d", 1)).frame
    assert sorted(frame["symbol"].to_list()) == ["BF-B", "BRK-B", "HEI-A"]
    assert sorted(files.known_symbols()) == ["BF-B", "BRK-B", "HEI-A"]


async def test_columns_tapewatch_does_not_read_are_ignored(tmp_path: Path) -> None:
    write(tmp_path, "x.csv", "Note,date,close,note,\nhi,2026-02-10,5,there,\n")
    frame = fetched(await source(tmp_path).bars(["X"], "1d", 5)).frame
    assert frame.rows() == [("X", day(2026, 2, 10), 5.0, 5.0, 5.0, 5.0, None, "1d")]


async def test_daily_bars_are_each_symbols_last_days() -> None:
    frame = fetched(await source(FIXTURES / "per_symbol").bars(["AAPL", "SPY"], "1d", 2)).frame
    assert closes(frame, "AAPL") == [267.10, 268.30]
    assert closes(frame, "SPY") == [688.40, 691.05]


async def test_only_the_asked_for_symbols_and_unknown_ones_are_named() -> None:
    outcome = fetched(await source(FIXTURES / "per_symbol").bars(["SPY", "ZZZ"], "1d", 30))
    assert set(outcome.frame["symbol"]) == {"SPY"}
    assert outcome.problems == {"ZZZ": "not in the bars files"}


@pytest.mark.parametrize("interval", ["1m", "5m"])
async def test_intraday_bars_are_an_empty_frame_not_an_error(interval: str) -> None:
    files = source(FIXTURES / "per_symbol")
    outcome = fetched(await files.bars(["AAPL"], interval, 1))  # type: ignore[arg-type]
    assert outcome.frame.is_empty()
    assert outcome.frame.schema == BARS_SCHEMA


# --- quotes ----------------------------------------------------------------------------------


async def test_quotes_are_the_last_two_closes() -> None:
    files = source(FIXTURES / "per_symbol")
    outcome = fetched(await files.quotes(["AAPL", "SPY"]))
    assert outcome.frame.schema == QUOTES_SCHEMA
    assert outcome.frame.select(EXT_COLUMNS).null_count().row(0) == (outcome.frame.height,) * 3
    assert outcome.frame.drop(EXT_COLUMNS).rows() == [
        (
            "AAPL",
            CLOSE_FEB_10,
            268.30,
            267.10,
            267.5,
            269.0,
            265.0,
            52_100_000.0,
            "closed",
            0,
            "files",
        ),
        ("SPY", CLOSE_FEB_10, 691.05, 688.40, 691.05, 691.05, 691.05, None, "closed", 0, "files"),
    ]
    assert outcome.as_of == CLOSE_FEB_10


async def test_quote_of_a_single_session_has_no_previous_close() -> None:
    outcome = fetched(await source(FIXTURES / "single" / "prices.csv").quotes(["AVGO", "NOPE"]))
    assert outcome.frame["prev_close"].to_list() == [None]
    assert outcome.frame["last"].to_list() == [330.0]
    assert outcome.problems == {"NOPE": "not in the bars files"}


async def test_quote_time_is_that_sessions_close_even_an_early_one(tmp_path: Path) -> None:
    write(tmp_path, "x.csv", "date,close\n2025-11-26,1\n2025-11-28,2\n")  # Black Friday
    quote = fetched(await source(tmp_path).quotes(["X"])).frame
    early = session_times(dt.date(2025, 11, 28))
    assert early is not None and early.is_early_close
    assert quote["ts"].to_list() == [early.close]
    assert quote["prev_close"].to_list() == [1.0]


# --- bad files -------------------------------------------------------------------------------


async def test_a_bad_file_is_named_with_its_line_and_good_files_still_load(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    shutil.copy(FIXTURES / "per_symbol" / "AAPL.csv", tmp_path)
    write(tmp_path, "msft.csv", "date,close\n2026-02-09,400\n\n2026-02-10,401,9\n")
    files = source(tmp_path)
    with caplog.at_level(logging.WARNING, logger="tapewatch.files"):
        outcome = fetched(await files.bars(["AAPL", "MSFT"], "1d", 30))
    assert set(outcome.frame["symbol"]) == {"AAPL"}
    message = "msft.csv line 4: 3 fields but the header names 2"
    assert outcome.problems == {"MSFT": message}
    assert any(message in record.getMessage() for record in caplog.records)

    only_bad = failed(await files.bars(["MSFT"], "1d", 30))
    assert only_bad.kind is FailureKind.PARSE
    assert only_bad.message == message


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("e.csv", b"", "e.csv: the file is empty"),
        ("h.csv", b"date,close\n", "h.csv: no rows after the header"),
        (
            "n.csv",
            b"Day,Price,note,Note\n2026-02-10,1,,\n",
            "n.csv line 1: no 'date' column (the columns are: Day, Price, note, Note)",
        ),
        ("c.csv", b"\n\nDate,Open\n2026-02-10,1\n", "c.csv line 3: no 'close' column"),
        ("d.csv", b"date,Close,CLOSE\n2026-02-10,1,2\n", "d.csv line 1: two columns are named"),
        ("r.csv", b"date,close,close\n2026-02-10,1,2\n", "r.csv line 1: two columns are named"),
        ("u.csv", b"date,close\n2026-02-10,1\n\xff\xfe,2\n", "u.csv line 3: not UTF-8 text"),
        ("p.parquet", b"PAR1 not really", "p.parquet: not a readable parquet file"),
    ],
)
async def test_bad_file_messages(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    (tmp_path / name).write_bytes(content)
    outcome = failed(await source(tmp_path).bars([Path(name).stem.upper()], "1d", 30))
    assert outcome.kind is FailureKind.PARSE
    assert outcome.message.startswith(message)


async def test_bad_file_with_a_symbol_column_fails_only_what_nothing_else_gives(
    tmp_path: Path,
) -> None:
    shutil.copy(FIXTURES / "per_symbol" / "spy.csv", tmp_path)
    write(tmp_path, "all.csv", "date,symbol\n2026-02-10,MSFT\n")
    files = source(tmp_path)
    assert fetched(await files.bars(["SPY"], "1d", 30)).problems == {}
    outcome = failed(await files.bars(["MSFT"], "1d", 30))
    assert outcome.message.startswith("all.csv line 1: no 'close' column")


async def test_parquet_with_an_unreadable_column_type_is_a_bad_file(tmp_path: Path) -> None:
    frame = pl.DataFrame({"date": ["2026-02-10"], "close": [[1.0]]})
    frame.write_parquet(tmp_path / "x.parquet")
    outcome = failed(await source(tmp_path).bars(["X"], "1d", 30))
    assert outcome.message.startswith("x.parquet: column 'close' holds")


# --- bad rows --------------------------------------------------------------------------------

BAD_ROWS = """\
date,symbol,open,high,low,close,volume
2026-02-02,ok,10,11,9,10,100
2026-02-03,OK,10,9,11,10,100
2026-02-04,OK,10,11,9,-1,100
2026-02-05,OK,-2,11,9,10,100
2026-02-06,OK,10,11,9,abc,100
2026-02-09,OK,10,11,9,,100
2026-2-31,OK,10,11,9,10,100
,OK,10,11,9,10,100
2026-02-10,OK,10,11,9,12,100
2026-02-11,OK,8,11,9,10,100
2026-02-12,OK,10,11,9,10,-5
2026-02-13,OK,10,11,9,nan,100
2026-02-17,,10,11,9,10,100
2026-02-18,OK,10,11,9,10.5,
"""


async def test_bad_rows_are_refused_with_their_reasons(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write(tmp_path, "rows.csv", BAD_ROWS)
    with caplog.at_level(logging.WARNING, logger="tapewatch.files"):
        later = NOW + dt.timedelta(days=7)  # every date in the file has passed
        outcome = fetched(await source(tmp_path, now=later).bars(["OK"], "1d", 30))
    assert outcome.frame["ts"].to_list() == [day(2026, 2, 2), day(2026, 2, 18)]
    logged = [record.getMessage() for record in caplog.records]
    assert logged == [
        "bar refused: rows.csv line 3: low 11.0 is above high 9.0",
        "bar refused: rows.csv line 4: close -1.0 is negative",
        "bar refused: rows.csv line 5: open -2.0 is negative",
        "bar refused: rows.csv line 6: close 'abc' is not a number",
        "bar refused: rows.csv line 7: close is empty",
        "bar refused: rows.csv line 8: date '2026-2-31' is not YYYY-MM-DD",
        "bar refused: rows.csv line 9: date is empty",
        "bar refused: rows.csv line 10: close 12.0 is outside the day's range 9.0–11.0",
        "bar refused: rows.csv line 11: open 8.0 is outside the day's range 9.0–11.0",
        "bar refused: rows.csv line 12: volume -5.0 is negative",
        "bar refused: rows.csv line 13: close 'nan' is not a number",
        "bar refused: rows.csv line 14: symbol is empty",
    ]
    assert outcome.problems == {
        "OK": "11 row(s) refused, e.g. rows.csv line 3: low 11.0 is above high 9.0"
    }


async def test_a_symbol_whose_rows_are_all_refused_is_named(tmp_path: Path) -> None:
    write(tmp_path, "bad.csv", "date,close\n2026-02-10,-3\n")
    outcome = fetched(await source(tmp_path).bars(["BAD"], "1d", 30))
    assert outcome.frame.is_empty()
    assert outcome.problems == {
        "BAD": "every row refused, e.g. bad.csv line 2: close -3.0 is negative"
    }


async def test_parquet_rows_are_refused_by_row_number(tmp_path: Path) -> None:
    pl.DataFrame({"date": ["2026-02-09", "2026-02-10"], "close": [1.0, -1.0]}).write_parquet(
        tmp_path / "x.parquet"
    )
    outcome = fetched(await source(tmp_path).bars(["X"], "1d", 30))
    assert outcome.frame["close"].to_list() == [1.0]
    assert outcome.problems["X"].endswith("x.parquet row 2: close -1.0 is negative")


async def test_line_numbers_count_quoted_line_breaks(tmp_path: Path) -> None:
    write(tmp_path, "q.csv", 'date,close,note\n2026-02-09,1,"two\nlines"\n2026-02-10,x,\n')
    outcome = fetched(await source(tmp_path).bars(["Q"], "1d", 30))
    assert outcome.problems["Q"].endswith("q.csv line 4: close 'x' is not a number")


async def test_a_repeated_date_keeps_the_later_row_and_says_so(tmp_path: Path) -> None:
    write(tmp_path, "a.csv", "date,symbol,close\n2026-02-10,X,1\n2026-02-10,X,2\n")
    write(tmp_path, "b.csv", "date,symbol,close\n2026-02-09,X,0.5\n2026-02-10,X,3\n")
    outcome = fetched(await source(tmp_path).bars(["X"], "1d", 30))
    assert closes(outcome.frame, "X") == [0.5, 3.0]
    assert outcome.problems == {
        "X": "2 row(s) refused, e.g. a.csv line 2: repeats X on 2026-02-10; b.csv line 3 is used"
    }


# --- configuration ---------------------------------------------------------------------------


async def test_files_without_short_interest_are_ok_and_say_it_is_not_configured() -> None:
    """The status bar said "files unavailable" for a source that serves bars: health is per
    dataset, and an optional dataset nobody set up is no failure."""
    from tui.presenters.status import freshness_text, health_text
    from tui.scheduler import Scheduler

    settings = replace(
        Settings(source="files"),
        sources=replace(Settings().sources, files=FilesSettings(bars=str(FIXTURES / "per_symbol"))),
    )
    scheduler = Scheduler(settings, source(FIXTURES / "per_symbol"), clock=lambda: NOW)
    await scheduler.refresh_all()

    status = scheduler.status()
    assert [health_text(health, NOW) for health in status.health] == ["files ok"]
    ages = {dataset.name: freshness_text(dataset) for dataset in status.datasets}
    assert ages["SI"] == "SI not configured"
    assert ages["SV"] == "SV unavailable" and ages["shares"] == "shares unavailable"
    assert ages["daily"] == "daily 0s"


@pytest.mark.parametrize(
    ("configured", "message"),
    [
        ("", "no bars files configured (sources.files.bars)"),
        ("missing", "does not exist"),
        ("empty", "no .csv or .parquet files in"),
    ],
)
async def test_unusable_bars_setting_is_not_available(
    tmp_path: Path, configured: str, message: str
) -> None:
    (tmp_path / "empty").mkdir()
    files = source(tmp_path / configured if configured else "")
    kind = FailureKind.NOT_AVAILABLE if configured else FailureKind.NOT_CONFIGURED
    for outcome in (await files.bars(["X"], "1d", 5), await files.quotes(["X"])):
        assert failed(outcome).kind is kind
        assert message in failed(outcome).message
    assert files.known_symbols() == []


async def test_short_volume_and_shares_are_not_available() -> None:
    files = source(FIXTURES / "per_symbol", FIXTURES / "short_interest")
    volume = failed(await files.short_volume(["AAPL"], 5))
    shares = failed(await files.shares(["AAPL"]))
    assert volume.kind is shares.kind is FailureKind.NOT_AVAILABLE
    assert "short-sale volume" in volume.message
    assert "shares outstanding" in shares.message
    # No fund files either: the Sector flows pane shows its estimate only.
    nav = failed(await files.fund_nav_history(["XLK"], 5))
    holdings = failed(await files.fund_holdings(["XLK"]))
    assert nav.kind is holdings.kind is FailureKind.NOT_AVAILABLE
    assert nav.message == "fund NAV history is not read from files"
    assert holdings.message == "fund holdings are not read from files"


async def test_known_symbols_and_describe_once_loaded() -> None:
    files = source(FIXTURES / "single" / "prices.csv")
    # Asked on the event loop: nothing is read there, the first fetch loads the files.
    assert files.known_symbols() == [] and files.describe("MSFT") is None
    await files.bars(["MSFT"], "1d", 1)
    assert sorted(files.known_symbols()) == ["AVGO", "MSFT", "ORCL"]
    info = files.describe("MSFT")
    assert info is not None and (info.symbol, info.name, info.kind) == ("MSFT", "MSFT", "stock")
    assert files.describe("AAPL") is None


async def test_index_symbols_are_described_as_indices(tmp_path: Path) -> None:
    write(tmp_path, "^gspc.csv", "date,close\n2026-02-10,6900\n")
    files = source(tmp_path)
    await files.quotes(["^GSPC"])
    info = files.describe("^GSPC")
    assert info is not None and info.kind == "index"


# --- reloading -------------------------------------------------------------------------------


async def test_changed_files_are_reread_and_unchanged_ones_are_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(FIXTURES / "per_symbol" / "AAPL.csv", tmp_path)
    path = write(tmp_path, "x.csv", "date,close\n2026-02-09,1\n")
    reads: list[str] = []
    real_read = files_module.read_bars_file

    def counting_read(file: Path, latest: dt.date) -> object:
        reads.append(file.name)
        return real_read(file, latest)

    monkeypatch.setattr(files_module, "read_bars_file", counting_read)
    files = source(tmp_path)
    assert closes(fetched(await files.bars(["X"], "1d", 5)).frame, "X") == [1.0]
    assert sorted(reads) == ["AAPL.csv", "x.csv"]

    await files.quotes(["X"])
    assert len(reads) == 2  # nothing changed, nothing re-read

    path.write_text("date,close\n2026-02-09,1\n2026-02-10,2\n")
    stamp = path.stat().st_mtime_ns + 1_000_000_000
    os.utime(path, ns=(stamp, stamp))
    assert closes(fetched(await files.bars(["X"], "1d", 5)).frame, "X") == [1.0, 2.0]
    assert sorted(reads) == ["AAPL.csv", "x.csv", "x.csv"]


# --- short interest --------------------------------------------------------------------------


async def test_short_interest_from_finra_layout_files() -> None:
    files = source(short_interest=FIXTURES / "short_interest")
    outcome = fetched(await files.short_interest(["MSFT", "ORCL"], settlements=1))
    assert outcome.frame.schema == SHORT_INTEREST_SCHEMA
    assert outcome.frame.rows() == [
        ("MSFT", dt.date(2026, 1, 30), 66e6, 60e6, 30e6, 2.2, "files"),
        ("ORCL", dt.date(2026, 1, 30), 34e6, 30e6, 0.0, None, "files"),
    ]
    assert outcome.as_of == dt.datetime(2026, 1, 30, 21, 0, tzinfo=dt.UTC)
    assert outcome.problems == {}


async def test_short_interest_settlements_and_whole_market() -> None:
    files = source(short_interest=FIXTURES / "short_interest")
    outcome = fetched(await files.short_interest(None, settlements=2))
    assert outcome.frame.height == 6
    assert sorted(set(outcome.frame["settlement_date"])) == [
        dt.date(2026, 1, 15),
        dt.date(2026, 1, 30),
    ]
    named = fetched(await files.short_interest(["AAPL", "TSLA"], settlements=5))
    assert named.frame["symbol"].to_list() == ["AAPL", "AAPL"]
    assert named.problems == {"TSLA": "not in the short-interest files"}


async def test_a_bad_short_interest_file_is_named_and_the_others_load(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    shutil.copy(FIXTURES / "short_interest" / "shrt20260115.csv", tmp_path)
    write(tmp_path, "shrt20260130.csv", "<html>Service unavailable</html>")
    write(tmp_path, "other.csv", "ignored: not named shrt*.csv")
    files = source(short_interest=tmp_path)
    with caplog.at_level(logging.WARNING, logger="tapewatch.files"):
        outcome = fetched(await files.short_interest(None, settlements=1))
    assert set(outcome.frame["settlement_date"]) == {dt.date(2026, 1, 15)}
    assert any("shrt20260130.csv" in record.getMessage() for record in caplog.records)

    (tmp_path / "shrt20260115.csv").unlink()
    only_bad = failed(await files.short_interest(None))
    assert only_bad.kind is FailureKind.PARSE
    assert only_bad.message.startswith("shrt20260130.csv: ")


@pytest.mark.parametrize(
    ("configured", "message"),
    [("", "no short-interest folder configured"), ("missing", "does not exist")],
)
async def test_unusable_short_interest_setting_is_not_available(
    tmp_path: Path, configured: str, message: str
) -> None:
    files = source(short_interest=tmp_path / configured if configured else "")
    outcome = failed(await files.short_interest(None))
    # No folder at all is an optional dataset not set up; a folder that is not there is not.
    kind = FailureKind.NOT_AVAILABLE if configured else FailureKind.NOT_CONFIGURED
    assert outcome.kind is kind
    assert message in outcome.message


# --- hostile files ---------------------------------------------------------------------------


async def test_a_close_of_zero_is_refused_and_never_shows_as_minus_100_percent(
    tmp_path: Path,
) -> None:
    write(tmp_path, "x.csv", "date,close\n2026-02-06,9\n2026-02-09,10\n2026-02-10,0\n")
    files = source(tmp_path)
    bars = fetched(await files.bars(["X"], "1d", 5))
    assert closes(bars.frame, "X") == [9.0, 10.0]
    assert bars.bad_rows == 1
    assert bars.problems == {"X": "1 row(s) refused, e.g. x.csv line 4: close is 0"}
    quote = fetched(await files.quotes(["X"]))
    assert quote.frame.select("last", "prev_close").row(0) == (10.0, 9.0)
    assert quote.bad_rows == 0  # counted once, with the bars


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("2026-02-10,1e308", "close 1e+308 is not a price (above 1e9)"),
        ("2030-01-02,11", "date 2030-01-02 is in the future"),
        ("9999-12-31,11", "date 9999-12-31 is in the future"),
        ("1850-01-02,11", "date 1850-01-02 is before 1900"),
    ],
)
async def test_absurd_prices_and_dates_are_refused_with_file_line_and_reason(
    tmp_path: Path, row: str, reason: str
) -> None:
    write(tmp_path, "x.csv", f"date,close\n2026-02-09,10\n{row}\n")
    files = source(tmp_path)
    quote = fetched(await files.quotes(["X"]))
    assert quote.frame.select("last").item() == 10.0  # the last sane row is the quote
    assert quote.as_of == dt.datetime(2026, 2, 9, 21, 0, tzinfo=dt.UTC)
    assert quote.problems == {"X": f"1 row(s) refused, e.g. x.csv line 3: {reason}"}


async def test_a_row_dated_9999_leaves_every_dataset_working(tmp_path: Path) -> None:
    write(tmp_path, "all.csv", "date,symbol,close\n2026-02-10,AAPL,230\n9999-12-31,MSFT,400\n")
    write(
        tmp_path / "si",
        "shrt20260130.csv",
        (FIXTURES / "short_interest" / "shrt20260130.csv").read_text(),
    )
    files = source(tmp_path / "all.csv", tmp_path / "si")
    assert closes(fetched(await files.bars(["AAPL"], "1d", 5)).frame, "AAPL") == [230.0]
    assert fetched(await files.quotes(["AAPL", "MSFT"])).problems["MSFT"] == (
        "every row refused, e.g. all.csv line 3: date 9999-12-31 is in the future"
    )
    assert fetched(await files.short_interest(None)).frame.height > 0


@pytest.mark.timeout(10)  # reading a FIFO would wait for a writer for ever
async def test_a_fifo_or_a_device_is_never_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.csv")
    (tmp_path / "zero.csv").symlink_to("/dev/zero")
    write(tmp_path, "x.csv", "date,close\n2026-02-10,10\n")
    files = source(tmp_path)
    assert closes(fetched(await files.bars(["X"], "1d", 5)).frame, "X") == [10.0]
    assert files.known_symbols() == ["X"]

    named = failed(await source(tmp_path / "pipe.csv").bars(["X"], "1d", 5))
    assert named.kind is FailureKind.NOT_AVAILABLE
    assert named.message.endswith("pipe.csv is neither a regular file nor a folder")

    # A file replaced by a FIFO after the folder was listed: refused when it is opened.
    parsed = files_module.read_bars_file(tmp_path / "pipe.csv", dt.date(2026, 2, 12))
    assert parsed.error is not None
    assert parsed.error.message == ("pipe.csv: cannot be read (a FIFO, not a regular file)")
    os.mkfifo(tmp_path / "shrt20260130.csv")
    assert files_module._read_short_interest_file(tmp_path / "shrt20260130.csv") == (
        "shrt20260130.csv: cannot be read (a FIFO, not a regular file)"
    )


async def test_a_home_folder_that_cannot_be_found_is_not_available() -> None:
    outcome = failed(await source("~nosuchuser-tapewatch/bars").bars(["X"], "1d", 5))
    assert outcome.kind is FailureKind.NOT_AVAILABLE
    assert "no such user" in outcome.message


async def test_a_bar_dated_today_is_the_price_so_far_and_passes_the_checks(tmp_path: Path) -> None:
    write(tmp_path, "x.csv", "date,close\n2026-02-10,10\n2026-02-11,11\n")  # NOW: 10:00 ET
    files = source(tmp_path)
    quote = fetched(await files.quotes(["X"]))
    assert quote.frame.select("last", "ts").row(0) == (11.0, NOW)
    assert screen(quote, Dataset.QUOTES, files.now(), "files") is quote
