"""The same market gives the same figures in every view: the running demo, a replay of a past
close (`--as-of`), and the user's own files; a view without intraday bars still shows the rest."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
from pathlib import Path

import polars as pl
import pytest

from tui.config import FilesSettings, Settings, SourcesSettings
from tui.market_hours import session_close
from tui.models import Pane
from tui.presenters.indices import IndexRow, IndicesView
from tui.scheduler import Scheduler
from tui.snapshot import collect, run_snapshot
from tui.sources.base import Source
from tui.sources.demo import DemoMarket
from tui.sources.files import FilesSource
from tui.sources.replay import AsOfSource

FEB_10 = dt.date(2026, 2, 10)
JAN_20 = dt.date(2026, 1, 20)


def running_demo() -> DemoMarket:
    """The demo market at 9:45 on 2026-02-11, its clock stopped."""
    return DemoMarket(monotonic=lambda: 0.0)


def indices(source: Source, settings: Settings | None = None) -> dict[str, IndexRow]:
    snapshot = asyncio.run(collect(Scheduler(settings or Settings(), source)))
    view = snapshot.views[Pane.INDICES]
    assert isinstance(view, IndicesView)
    return {row.label: row for row in view.rows}


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo market's daily bars through 2026-02-10, as one CSV file of the user's own."""
    demo = running_demo()
    symbols = [symbol for symbol in demo.known_symbols()]
    outcome = asyncio.run(demo.bars(symbols, "1d", 400))
    frame = outcome.frame  # type: ignore[union-attr]
    path = tmp_path_factory.mktemp("bars") / "prices.csv"
    frame.filter(pl.col("ts").dt.date() <= FEB_10).select(
        date=pl.col("ts").dt.date(),
        symbol="symbol",
        open="open",
        high="high",
        low="low",
        close="close",
        volume="volume",
    ).write_csv(path)
    return path


def files_source(path: Path, day: dt.date) -> FilesSource:
    """The files, read at the close of ``day``."""
    settings = FilesSettings(bars=str(path))
    return FilesSource(settings, clock=lambda: session_close(day))


def files_settings(path: Path) -> Settings:
    return Settings(source="files", sources=SourcesSettings(files=FilesSettings(bars=str(path))))


def test_a_basket_has_the_same_level_for_a_day_in_every_view(demo_files: Path) -> None:
    running = indices(running_demo())
    replayed = indices(AsOfSource(running_demo(), FEB_10))
    from_files = indices(files_source(demo_files, FEB_10), files_settings(demo_files))
    for basket in ("Mag 7", "Large-cap software", "AI infrastructure"):
        live = running[basket]
        assert live.last is not None and live.change is not None
        close_feb_10 = live.last - live.change  # the running market's previous close
        assert replayed[basket].last == pytest.approx(close_feb_10, rel=1e-9), basket
        assert from_files[basket].last == pytest.approx(close_feb_10, rel=1e-9), basket
        # 100 at the last close of 2025: the level is the year-to-date index.
        assert replayed[basket].ytd_pct == pytest.approx(close_feb_10 - 100.0, rel=1e-9)


def test_a_replay_past_the_intraday_window_shows_every_figure_but_today(
    demo_files: Path,
) -> None:
    for rows in (
        indices(AsOfSource(running_demo(), JAN_20)),
        indices(files_source(demo_files, FEB_10), files_settings(demo_files)),
    ):
        for row in rows.values():
            assert row.problem is None, row
            assert row.last is not None and row.change is not None, row
            moves = (
                (row.change_5d_bp, row.ytd_bp)
                if row.kind == "yield"
                else (row.change_5d_pct, row.ytd_pct)
            )
            assert None not in moves, row
            assert row.intraday == ()
            assert row.intraday_note is not None and "intraday" in row.intraday_note


def old_replay_snapshot(*, as_json: bool) -> str:
    """What `tapewatch snapshot --demo --as-of 2026-01-20` prints."""
    out = io.StringIO()
    source = AsOfSource(running_demo(), JAN_20)
    run_snapshot(Settings(), as_json=as_json, source=source, out=out, err=io.StringIO())
    return out.getvalue()


def test_snapshot_text_and_json_of_an_old_replay_carry_the_figures() -> None:
    text = old_replay_snapshot(as_json=False)
    indices_text = text[text.index("Indices — ") : text.index("Sector flows — ")]
    assert "no data on or before" not in indices_text
    # One reason, for the indices and the baskets alike.
    assert indices_text.splitlines()[0].endswith("· Today: no intraday bars on 2026-01-20")
    spx = next(line for line in indices_text.splitlines() if line.startswith("S&P 500"))
    assert "no intraday" in spx and "%" in spx

    rows = json.loads(old_replay_snapshot(as_json=True))["indices"]["rows"]
    spx_row = next(row for row in rows if row["symbol"] == "^GSPC")
    assert spx_row["problem"] is None
    assert spx_row["last"] is not None and spx_row["ytd_pct"] is not None
    assert spx_row["intraday_note"] == "no intraday bars on 2026-01-20"
