"""The store: merging a poll over what was kept, problems that last until a symbol has data, the
MarketData snapshot, and the copy on disk."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from tests.unit.scripted import (
    MARKET_NOW,
    WALL_START,
    bars_frame,
    fetched,
    quotes_frame,
    short_interest_frame,
)
from tui.cache import Cache
from tui.jobs import JobName
from tui.sources.base import (
    BARS_SCHEMA,
    QUOTES_SCHEMA,
    SHARES_SCHEMA,
    SHORT_INTEREST_SCHEMA,
    Fetched,
    SymbolInfo,
)
from tui.store import JOB_SCHEMAS, Store, Stored, combine, merge_by_symbol


def keep(store: Store, job: JobName, outcome: Fetched, at: dt.datetime = WALL_START) -> bool:
    """Store a poll's answer as the scheduler does; whether it changed the frame."""
    stored, changed = combine(store.get(job), job, outcome, at)
    store.put(job, stored)
    return changed


def test_each_job_s_frame_has_its_dataset_s_schema() -> None:
    assert JOB_SCHEMAS[JobName.QUOTES] == QUOTES_SCHEMA
    assert JOB_SCHEMAS[JobName.DAILY] == JOB_SCHEMAS[JobName.INTRADAY] == BARS_SCHEMA
    assert JOB_SCHEMAS[JobName.SHORT_INTEREST] == SHORT_INTEREST_SCHEMA
    assert set(JOB_SCHEMAS) == set(JobName)


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
        (JobName.QUOTES, quotes_frame),
        (JobName.DAILY, bars_frame),
        (JobName.INTRADAY, lambda prices: bars_frame(prices, "5m")),
    ],
)
def test_a_price_poll_that_misses_symbols_keeps_their_last_rows(
    job: JobName, make: Callable[[dict[str, float]], pl.DataFrame]
) -> None:
    store = Store("fake")
    keep(store, job, fetched(make({"AAPL": 100.0, "MSFT": 200.0})))

    assert keep(store, job, fetched(make({"MSFT": 210.0})))

    stored = store.get(job)
    assert stored is not None
    price = "last" if job is JobName.QUOTES else "close"
    assert sorted(stored.frame.select("symbol", price).rows()) == [
        ("AAPL", 100.0),
        ("MSFT", 210.0),
    ]


def test_short_interest_is_replaced_whole_by_each_poll() -> None:
    store = Store("fake")
    keep(store, JobName.SHORT_INTEREST, fetched(short_interest_frame({"AAA": (1.0, 1.0)})))
    keep(store, JobName.SHORT_INTEREST, fetched(short_interest_frame({"BBB": (3.0, 1.0)})))

    data = store.market_data(MARKET_NOW, {})
    assert data.short_interest.select("symbol", "short_shares").rows() == [("BBB", 3.0)]


def test_changed_is_false_when_a_poll_brings_the_same_data() -> None:
    store = Store("fake")
    frame = quotes_frame({"AAPL": 100.0})
    outcomes = [frame, frame, quotes_frame({"AAPL": 101.0})]
    assert [keep(store, JobName.QUOTES, fetched(f)) for f in outcomes] == [True, False, True]


def test_problems_last_until_the_symbol_has_data() -> None:
    store = Store("fake")
    keep(store, JobName.QUOTES, fetched(quotes_frame({"AAPL": 1.0}), {"ZZZ": "not found"}))
    keep(store, JobName.DAILY, fetched(bars_frame({"AAPL": 1.0}), {"QQQ": "delisted"}))
    assert store.market_data(MARKET_NOW, {}).problems == {"ZZZ": "not found", "QQQ": "delisted"}

    keep(store, JobName.QUOTES, fetched(quotes_frame({"AAPL": 2.0})))  # ZZZ not asked about
    assert store.market_data(MARKET_NOW, {}).problems == {"ZZZ": "not found", "QQQ": "delisted"}

    keep(store, JobName.QUOTES, fetched(quotes_frame({"ZZZ": 3.0})))
    assert store.market_data(MARKET_NOW, {}).problems == {"QQQ": "delisted"}


def test_only_the_price_jobs_problems_mark_symbols() -> None:
    """A symbol the SEC does not know still has prices."""
    store = Store("fake")
    keep(store, JobName.SHARES, fetched(pl.DataFrame(schema=SHARES_SCHEMA), {"XLK": "no filer"}))
    assert store.market_data(MARKET_NOW, {}).problems == {}


def test_market_data_hands_over_the_stored_frames_the_clock_and_the_names() -> None:
    store = Store("fake")
    quotes = quotes_frame({"AAPL": 1.0})
    keep(store, JobName.QUOTES, fetched(quotes))
    apple = SymbolInfo("AAPL", "Apple Inc.", "Information Technology")

    data = store.market_data(MARKET_NOW, {"AAPL": apple})

    assert data.quotes.equals(quotes)
    assert data.daily.is_empty() and data.daily.schema == BARS_SCHEMA
    assert data.short_interest.is_empty() and data.short_interest.schema == SHORT_INTEREST_SCHEMA
    assert data.now == MARKET_NOW
    assert data.info["AAPL"] == apple


# --- the copy on disk ----------------------------------------------------------------------------


def stored(frame: pl.DataFrame, problems: dict[str, str] | None = None) -> Stored:
    return Stored(frame, MARKET_NOW, WALL_START, problems or {})


def test_a_restart_reads_back_frames_with_their_original_times(tmp_path: Path) -> None:
    writer = Store("fake", Cache(tmp_path))
    quotes = stored(quotes_frame({"AAPL": 1.0}), {"ZZZ": "not found"})
    daily = Stored(bars_frame({"AAPL": 1.0}), MARKET_NOW - dt.timedelta(days=1), WALL_START)
    writer.save(JobName.QUOTES, quotes)
    writer.save(JobName.DAILY, daily)

    store = Store("fake", Cache(tmp_path))
    assert store.restore(store.read_disk(), WALL_START) == [JobName.QUOTES, JobName.DAILY]

    for job, written in ((JobName.QUOTES, quotes), (JobName.DAILY, daily)):
        read = store.get(job)
        assert read is not None and read.frame.equals(written.frame)
        assert (read.as_of, read.fetched_at, read.problems) == (
            written.as_of,
            written.fetched_at,
            written.problems,
        )
    assert store.showing_disk_copy
    assert store.market_data(MARKET_NOW, {}).problems == {"ZZZ": "not found"}


def test_data_fetched_in_this_run_is_never_replaced_by_the_disk_copy(tmp_path: Path) -> None:
    writer = Store("fake", Cache(tmp_path))
    writer.save(JobName.QUOTES, stored(quotes_frame({"AAPL": 1.0})))
    writer.save(JobName.DAILY, stored(bars_frame({"AAPL": 1.0})))

    store = Store("fake", Cache(tmp_path))
    fresh = quotes_frame({"AAPL": 2.0})
    keep(store, JobName.QUOTES, fetched(fresh))

    assert store.restore(store.read_disk(), WALL_START) == [JobName.DAILY]
    assert store.market_data(MARKET_NOW, {}).quotes.equals(fresh)


def test_a_refreshed_job_no_longer_shows_the_disk_copy(tmp_path: Path) -> None:
    Store("fake", Cache(tmp_path)).save(JobName.QUOTES, stored(quotes_frame({"AAPL": 1.0})))
    store = Store("fake", Cache(tmp_path))
    store.restore(store.read_disk(), WALL_START)

    keep(store, JobName.QUOTES, fetched(quotes_frame({"AAPL": 2.0})))

    assert not store.showing_disk_copy


def test_a_disk_copy_fetched_in_the_future_has_an_unknown_age(tmp_path: Path) -> None:
    """A clock set back, or a damaged file: the copy is shown, but nobody can say how old it
    is (it used to read "0s" until the clock caught up)."""
    future = Stored(quotes_frame({"AAPL": 1.0}), MARKET_NOW, WALL_START + dt.timedelta(days=3))
    writer = Store("fake", Cache(tmp_path))
    writer.save(JobName.QUOTES, future)
    writer.save(JobName.DAILY, stored(bars_frame({"AAPL": 1.0})))

    store = Store("fake", Cache(tmp_path))
    store.restore(store.read_disk(), WALL_START)

    assert store.age_unknown(JobName.QUOTES)
    assert not store.age_unknown(JobName.DAILY)
    keep(store, JobName.QUOTES, fetched(quotes_frame({"AAPL": 2.0})))
    assert not store.age_unknown(JobName.QUOTES)


def test_the_disk_copy_belongs_to_the_source_that_wrote_it(tmp_path: Path) -> None:
    Store("live", Cache(tmp_path)).save(JobName.QUOTES, stored(quotes_frame({"AAPL": 1.0})))
    assert Store("files", Cache(tmp_path)).read_disk() == {}
    assert list(Store("live", Cache(tmp_path)).read_disk()) == [JobName.QUOTES]


def test_without_a_cache_nothing_is_written_or_read() -> None:
    store = Store("fake")
    store.save(JobName.QUOTES, stored(quotes_frame({"AAPL": 1.0})))
    assert store.read_disk() == {}


def _write_quotes_and_daily(root: Path) -> None:
    store = Store("fake", Cache(root))
    store.save(JobName.QUOTES, stored(quotes_frame({"AAPL": 1.0})))
    store.save(JobName.DAILY, stored(bars_frame({"AAPL": 1.0})))


def test_a_corrupt_frame_file_is_ignored(tmp_path: Path) -> None:
    _write_quotes_and_daily(tmp_path)
    (tmp_path / "snapshot" / "fake" / "quotes.parquet").write_bytes(b"PAR1 not really")

    assert list(Store("fake", Cache(tmp_path)).read_disk()) == [JobName.DAILY]


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
        # Times without a time zone cannot be aged against the wall clock.
        json.dumps(
            {"as_of": "2026-02-11T15:00:00", "fetched_at": "2026-02-11T15:00:00", "problems": {}}
        ).encode(),
    ],
    ids=[
        "not-json",
        "list",
        "string",
        "missing-key",
        "bad-date",
        "number",
        "problems-list",
        "no-timezone",
    ],
)
def test_corrupt_metadata_is_ignored(tmp_path: Path, metadata: bytes) -> None:
    _write_quotes_and_daily(tmp_path)
    (tmp_path / "snapshot" / "fake" / "quotes.bytes").write_bytes(metadata)

    assert list(Store("fake", Cache(tmp_path)).read_disk()) == [JobName.DAILY]


def test_cached_problems_are_plain_text(tmp_path: Path) -> None:
    _write_quotes_and_daily(tmp_path)
    meta = {
        "as_of": "2026-02-11T15:00:00+00:00",
        "fetched_at": "2026-02-11T15:00:00+00:00",
        "problems": {"ZZZ": "not found\x1b]0;PWNED\x07\x1b[2J [b]x[/b]"},
    }
    (tmp_path / "snapshot" / "fake" / "quotes.bytes").write_bytes(json.dumps(meta).encode())
    read = Store("fake", Cache(tmp_path)).read_disk()[JobName.QUOTES]
    assert read.problems == {"ZZZ": "not found [b]x[/b]"}


def test_reading_the_disk_copy_at_start_clears_what_killed_writes_left(tmp_path: Path) -> None:
    _write_quotes_and_daily(tmp_path)
    orphan = tmp_path / "snapshot" / "fake" / ".quotes.parquet.x7y8z9.tmp"
    orphan.write_bytes(b"x" * 1000)
    an_hour_ago = dt.datetime.now(dt.UTC).timestamp() - 3600
    os.utime(orphan, (an_hour_ago, an_hour_ago))
    assert set(Store("fake", Cache(tmp_path)).read_disk()) == {JobName.QUOTES, JobName.DAILY}
    assert not orphan.exists()
