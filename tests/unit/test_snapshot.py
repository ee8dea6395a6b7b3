"""`tapewatch snapshot`: the panes' rows as plain text, every figure with its as-of time as JSON,
and the exit status; in-process through `run_snapshot` and through the command line."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Collection, Sequence
from typing import Any

import pytest

from tui.analytics.sectors import MEMBER_SESSIONS
from tui.cli import main
from tui.config import Settings
from tui.jobs import JobName
from tui.models import Pane, to_jsonable
from tui.presenters import format as fmt
from tui.presenters.correlations import CorrelationsView
from tui.presenters.registry import PRESENTERS, PaneView
from tui.presenters.table import plain_table
from tui.scheduler import Scheduler
from tui.snapshot import EXIT_INCOMPLETE, EXIT_NO_DATA, EXIT_OK, run_snapshot
from tui.sources.base import BarInterval, Failed, FailureKind, FetchOutcome
from tui.sources.demo import DemoMarket

EVERY_DATASET = frozenset(JobName)
PANE_KEYS = {"indices", "sectors", "shorts", "correlations"}
TITLES = ("Indices — ", "Sector flows — ", "Most shorted — ", "Correlations — ")


class FrozenDemo(DemoMarket):
    """The demo market at its opening time (9:45 in New York on 2026-02-11), with some datasets
    failing on request; it remembers being closed."""

    def __init__(self, failing: Collection[JobName] = ()) -> None:
        super().__init__(monotonic=lambda: 0.0)
        self.failing = frozenset(failing)
        self.closed = False

    def _failure(self, job: JobName) -> Failed | None:
        if job in self.failing:
            return Failed("demo", FailureKind.OFFLINE, f"{job} is down")
        return None

    async def quotes(self, symbols: Sequence[str]) -> FetchOutcome:
        return self._failure(JobName.QUOTES) or await super().quotes(symbols)

    async def bars(self, symbols: Sequence[str], interval: BarInterval, days: int) -> FetchOutcome:
        job = JobName.DAILY if interval == "1d" else JobName.INTRADAY
        if interval == "1d" and days == MEMBER_SESSIONS:  # the sector funds' members' bars
            job = JobName.MEMBER_BARS
        return self._failure(job) or await super().bars(symbols, interval, days)

    async def short_interest(
        self, symbols: Sequence[str] | None, settlements: int = 1
    ) -> FetchOutcome:
        failure = self._failure(JobName.SHORT_INTEREST)
        return failure or await super().short_interest(symbols, settlements)

    async def short_volume(self, symbols: Sequence[str] | None, days: int) -> FetchOutcome:
        return self._failure(JobName.SHORT_VOLUME) or await super().short_volume(symbols, days)

    async def shares(self, symbols: Sequence[str]) -> FetchOutcome:
        return self._failure(JobName.SHARES) or await super().shares(symbols)

    async def fund_nav_history(self, funds: Sequence[str], days: int) -> FetchOutcome:
        failure = self._failure(JobName.FUND_NAV)
        return failure or await super().fund_nav_history(funds, days)

    async def fund_holdings(self, funds: Sequence[str]) -> FetchOutcome:
        return self._failure(JobName.FUND_HOLDINGS) or await super().fund_holdings(funds)

    async def aclose(self) -> None:
        self.closed = True


def snapshot(
    *, as_json: bool, failing: Collection[JobName] = ()
) -> tuple[int, str, str, FrozenDemo]:
    """Run the snapshot over the frozen demo: (exit status, stdout, stderr, the source)."""
    source = FrozenDemo(failing)
    out, err = io.StringIO(), io.StringIO()
    status = run_snapshot(Settings(), as_json=as_json, source=source, out=out, err=err)
    return status, out.getvalue(), err.getvalue(), source


@pytest.fixture(scope="module")
def expected_views() -> dict[Pane, PaneView]:
    """What the dashboard shows for the same frozen demo market."""

    async def build() -> dict[Pane, PaneView]:
        scheduler = Scheduler(Settings(), FrozenDemo())
        await scheduler.refresh_all()
        return await scheduler.build(list(Pane), scheduler.feed.market_data())

    return asyncio.run(build())


def contains_block(lines: Sequence[str], block: Sequence[str]) -> bool:
    """True when ``block`` occurs in ``lines`` as consecutive lines."""
    size = len(block)
    return any(list(lines[start : start + size]) == list(block) for start in range(len(lines)))


def no_constants(name: str) -> Any:
    raise AssertionError(f"JSON holds {name}, which is not JSON")


# --- plain text ----------------------------------------------------------------------------------


def test_text_prints_the_rows_the_panes_show(expected_views: dict[Pane, PaneView]) -> None:
    status, out, err, _ = snapshot(as_json=False)

    assert (status, err) == (EXIT_OK, "")
    lines = out.splitlines()
    assert lines[0].startswith("tapewatch [DEMO] · regular · 09:45 ET 2026-02-11")
    for pane in (Pane.INDICES, Pane.SECTORS, Pane.SHORTS):
        presenter = PRESENTERS[pane]
        # The pane's default sort is the view's own order: the table reads as the pane does.
        pane_rows = presenter.rows(expected_views[pane], presenter.sorts[0])
        assert contains_block(lines, plain_table(presenter.columns, pane_rows)), pane


def test_text_lists_each_basket_then_its_members(expected_views: dict[Pane, PaneView]) -> None:
    _, out, _, _ = snapshot(as_json=False)
    lines = out.splitlines()
    correlations = expected_views[Pane.CORRELATIONS]
    assert isinstance(correlations, CorrelationsView)

    start = next(i for i, line in enumerate(lines) if line.startswith("Correlations — "))
    body = lines[start + 2 :]  # after the title and the header line
    expected = []
    for basket in correlations.baskets:
        expected.append((basket.name, basket.average.now))
        expected += [(f"  {member.label}", member.now) for member in basket.members]
    for line, (label, now) in zip(body, expected, strict=False):
        assert line.startswith(label)
        assert fmt.correlation(now) in line
    assert len(body) >= len(expected)


def test_text_titles_each_pane_with_its_as_of() -> None:
    _, out, _, _ = snapshot(as_json=False)
    titles = [line for line in out.splitlines() if " — " in line]

    assert titles[0] == "Indices — as of 09:45 ET"
    # the funds' flows are the previous session's until the evening
    assert titles[1].startswith(
        "Sector flows — as of 09:45 ET · flow Feb 10 · SV Feb 10 · SI Jan 30 · est today is an "
        "estimate"
    )
    assert titles[2].startswith("Most shorted — SI as of ")
    assert " · SV " in titles[2]
    # correlations use completed sessions: at 9:45 the last one is the day before
    assert titles[3] == "Correlations — 60 d window, to Feb 10"


# --- JSON ----------------------------------------------------------------------------------------


def test_json_holds_every_pane_as_the_dashboard_builds_it(
    expected_views: dict[Pane, PaneView],
) -> None:
    status, out, err, _ = snapshot(as_json=True)

    assert (status, err) == (EXIT_OK, "")
    document = json.loads(out, parse_constant=no_constants)
    for pane, view in expected_views.items():
        assert document[pane.value] == to_jsonable(view)
    assert document["source"] == "DEMO"
    assert document["is_demo"] is True
    assert document["session"] == "regular"
    assert document["market_time"] == "2026-02-11T14:45:00+00:00"
    assert document["health"] == [
        {"name": "demo", "state": "ok", "until": None, "detail": "", "cause": None, "bad_rows": 0}
    ]
    assert document["problems"] == {}


def test_json_gives_every_figure_its_as_of_time() -> None:
    _, out, _, _ = snapshot(as_json=True)
    document = json.loads(out)

    assert document["indices"]["as_of"] is not None
    assert all(row["as_of"] for row in document["indices"]["rows"])
    sectors = document["sectors"]
    assert (sectors["fund_flow_as_of"], sectors["sv_date"], sectors["settlement_date"]) == (
        "2026-02-10",
        "2026-02-10",
        "2026-01-30",
    )
    for row in sectors["rows"]:
        assert row["as_of"] and row["breadth_as_of"]
        assert row["fund_flow_as_of"] == "2026-02-10" and row["fund_flow_1d"] is not None
        assert row["sv_date"] == "2026-02-10" and row["sv_zscore"] is not None
        assert row["settlement_date"] == "2026-01-30" and row["si_change_pct"] is not None
        assert row["up_share"] is not None and row["above_50d_share"] is not None
    shorts = document["shorts"]
    assert shorts["settlement_date"] and shorts["sv_date"]
    assert all(row["settlement_date"] and row["sv_date"] for row in shorts["rows"])
    assert document["correlations"]["as_of"] == "2026-02-10"  # the last completed session
    datasets = {entry["name"]: entry for entry in document["datasets"]}
    assert set(datasets) == {
        "quotes",
        "intraday",
        "daily",
        "SI",
        "SV",
        "shares",
        "members",
        "NAV",
        "holdings",
    }
    assert all(entry["age_s"] is not None and not entry["stale"] for entry in datasets.values())


# --- exit status ---------------------------------------------------------------------------------


def test_a_failed_dataset_is_reported_on_stderr_and_exits_1() -> None:
    status, out, err, _ = snapshot(as_json=False, failing={JobName.SHORT_VOLUME})

    assert status == EXIT_INCOMPLETE == 1
    assert err == "tapewatch: SV: short_volume is down\n"
    for title in TITLES:
        assert title in out  # what could be fetched is still printed


def test_nothing_fetched_exits_3_and_names_every_dataset() -> None:
    status, out, err, _ = snapshot(as_json=True, failing=EVERY_DATASET)

    assert status == EXIT_NO_DATA == 3
    # In the order of a round: each job after those whose data names its symbols, slow data
    # first, prices last. (Without holdings, the members' bars had nothing to ask.)
    assert err.splitlines() == [
        "tapewatch: holdings: fund_holdings is down",
        "tapewatch: NAV: fund_nav is down",
        "tapewatch: SV: short_volume is down",
        "tapewatch: SI: short_interest is down",
        "tapewatch: shares: shares is down",
        "tapewatch: daily: daily is down",
        "tapewatch: intraday: intraday is down",
        "tapewatch: quotes: quotes is down",
    ]
    document = json.loads(out)
    assert set(document) >= PANE_KEYS
    assert {entry["state"] for entry in document["health"]} == {"retrying"}


def test_with_nothing_fetched_the_titles_say_no_data_as_the_panes_do() -> None:
    _, out, _, _ = snapshot(as_json=False, failing=EVERY_DATASET)
    titles = [line for line in out.splitlines() if line.startswith(TITLES)]

    assert titles == [
        "Indices — no data",
        "Sector flows — no data · est today is an estimate (signed dollar volume); flow "
        "1d/5d/20d are the funds' creations and redemptions",
        "Most shorted — SI as of — · SV —",
        "Correlations — no data",
    ]


def test_the_source_is_closed_after_the_snapshot() -> None:
    *_, source = snapshot(as_json=False)
    assert source.closed


# --- the command line ----------------------------------------------------------------------------


def test_the_command_line_prints_the_demo_market_as_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["snapshot", "--demo", "--json"]) == EXIT_OK

    captured = capsys.readouterr()
    document = json.loads(captured.out, parse_constant=no_constants)
    assert set(document) >= PANE_KEYS
    assert document["source"] == "DEMO"
    assert len(document["indices"]["rows"]) == len(Settings().indices) + len(Settings().baskets)
    assert len(document["shorts"]["rows"]) == Settings().shorted.rows
    assert captured.err == ""


def test_the_command_line_replays_a_past_close(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["snapshot", "--demo", "--as-of", "2026-02-05", "--json"]) == EXIT_OK

    document = json.loads(capsys.readouterr().out)
    assert document["source"] == "DEMO REPLAY 2026-02-05"
    assert document["market_time"] == "2026-02-05T21:00:00+00:00"  # 4 pm in New York
    assert document["correlations"]["as_of"] == "2026-02-05"
