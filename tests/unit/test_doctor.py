"""`tapewatch doctor`: one check per dataset, a table of source, check, status, latency and detail,
and the exit status (1 when a required check fails; "skipped" when a source cannot serve a
dataset)."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import io
import re
from collections.abc import Mapping, Sequence

import httpx
import polars as pl
import pytest

from tui.cli import main
from tui.config import HttpSettings, Settings
from tui.doctor import PROBE_SYMBOL, run_doctor
from tui.jobs import JobName
from tui.sources.base import (
    BARS_SCHEMA,
    BarInterval,
    Dataset,
    Failed,
    FailureKind,
    Fetched,
    FetchOutcome,
    empty_frame,
)
from tui.sources.demo import DemoMarket
from tui.sources.live import LiveSource

CHECKS = [
    "quote",
    "daily bars",
    "short interest",
    "short volume",
    "shares outstanding",
    "fund NAV history",
    "fund holdings",
]
COLUMNS = ["source", "check", "status", "latency", "detail"]


class ProbedDemo(DemoMarket):
    """The demo market at its opening time, with scripted replies for some datasets, optional
    delays, and a log of what it was asked."""

    def __init__(
        self,
        replies: Mapping[JobName, FetchOutcome | Exception] | None = None,
        delays: Mapping[JobName, float] | None = None,
    ) -> None:
        super().__init__(monotonic=lambda: 0.0)
        self.replies = dict(replies or {})
        self.delays = dict(delays or {})
        self.asked: list[tuple[str, list[str] | None]] = []
        self.closed = False

    async def _scripted(self, job: JobName, symbols: Sequence[str] | None) -> FetchOutcome | None:
        self.asked.append((job, None if symbols is None else list(symbols)))
        if job in self.delays:
            await asyncio.sleep(self.delays[job])
        reply = self.replies.get(job)
        if isinstance(reply, Exception):
            raise reply
        return reply

    async def quotes(self, symbols: Sequence[str]) -> FetchOutcome:
        return await self._scripted(JobName.QUOTES, symbols) or await super().quotes(symbols)

    async def bars(self, symbols: Sequence[str], interval: BarInterval, days: int) -> FetchOutcome:
        job = JobName.DAILY if interval == "1d" else JobName.INTRADAY
        scripted = await self._scripted(job, symbols)
        return scripted or await super().bars(symbols, interval, days)

    async def short_interest(
        self, symbols: Sequence[str] | None, settlements: int = 1
    ) -> FetchOutcome:
        scripted = await self._scripted(JobName.SHORT_INTEREST, symbols)
        return scripted or await super().short_interest(symbols, settlements)

    async def short_volume(self, symbols: Sequence[str] | None, days: int) -> FetchOutcome:
        scripted = await self._scripted(JobName.SHORT_VOLUME, symbols)
        return scripted or await super().short_volume(symbols, days)

    async def shares(self, symbols: Sequence[str]) -> FetchOutcome:
        return await self._scripted(JobName.SHARES, symbols) or await super().shares(symbols)

    async def fund_nav_history(self, funds: Sequence[str], days: int) -> FetchOutcome:
        scripted = await self._scripted(JobName.FUND_NAV, funds)
        return scripted or await super().fund_nav_history(funds, days)

    async def fund_holdings(self, funds: Sequence[str]) -> FetchOutcome:
        scripted = await self._scripted(JobName.FUND_HOLDINGS, funds)
        return scripted or await super().fund_holdings(funds)

    async def aclose(self) -> None:
        self.closed = True


def doctor(source: ProbedDemo | LiveSource, settings: Settings | None = None) -> tuple[int, str]:
    out = io.StringIO()
    status = run_doctor(settings or Settings(), source=source, out=out)
    return status, out.getvalue()


def table(output: str) -> list[dict[str, str]]:
    """The table's rows as dicts, read by the header's column positions."""
    lines = output.splitlines()
    header = lines[0]
    starts = [header.index(name) for name in COLUMNS]
    rows = []
    for line in lines[1:]:
        if not line.strip():
            break
        cells = [
            line[start:end].strip()
            for start, end in zip(starts, [*starts[1:], len(line)], strict=True)
        ]
        rows.append(dict(zip(COLUMNS, cells, strict=True)))
    return rows


def failed(message: str, kind: FailureKind = FailureKind.HTTP) -> Failed:
    return Failed("demo", kind, message)


def test_every_check_passes_on_the_demo_market() -> None:
    source = ProbedDemo()
    status, output = doctor(source)

    assert status == 0
    assert re.split(r"\s{2,}", output.splitlines()[0]) == COLUMNS
    rows = table(output)
    assert [row["check"] for row in rows] == CHECKS
    assert {row["source"] for row in rows} == {"demo"}
    assert {row["status"] for row in rows} == {"ok"}
    for row in rows:
        assert re.fullmatch(r"\d+ ms", row["latency"])
        assert re.fullmatch(r"\d+ rows?, as of \d{4}-\d\d-\d\d \d\d:\d\d ET", row["detail"])
    assert "failed" not in output
    # every check asks about the one probe symbol, the funds' files about one sector fund
    assert source.asked == [
        (JobName.QUOTES, [PROBE_SYMBOL]),
        (JobName.DAILY, [PROBE_SYMBOL]),
        (JobName.SHORT_INTEREST, [PROBE_SYMBOL]),
        (JobName.SHORT_VOLUME, [PROBE_SYMBOL]),
        (JobName.SHARES, [PROBE_SYMBOL]),
        (JobName.FUND_NAV, ["XLK"]),
        (JobName.FUND_HOLDINGS, ["XLK"]),
    ]
    assert source.closed


def test_failed_required_checks_exit_1_and_say_how_many() -> None:
    source = ProbedDemo(
        {
            JobName.QUOTES: failed("Yahoo answered 503 (service unavailable)"),
            JobName.SHORT_VOLUME: failed("could not connect to finra", FailureKind.OFFLINE),
        }
    )
    status, output = doctor(source)

    assert status == 1
    rows = {row["check"]: row for row in table(output)}
    assert rows["quote"]["status"] == "FAIL"
    assert rows["quote"]["detail"] == "Yahoo answered 503 (service unavailable)"
    assert rows["short volume"]["status"] == "FAIL"
    assert rows["daily bars"]["status"] == "ok"
    assert output.rstrip().splitlines()[-1] == (
        "2 required check(s) failed: the dashboard will show stale or missing data for them."
    )


def test_a_failed_optional_check_is_shown_but_does_not_fail_the_run() -> None:
    status, output = doctor(ProbedDemo({JobName.SHARES: failed("SEC answered 500")}))

    assert status == 0
    rows = {row["check"]: row for row in table(output)}
    assert (rows["shares outstanding"]["status"], rows["shares outstanding"]["detail"]) == (
        "FAIL",
        "SEC answered 500",
    )


def test_a_dataset_the_source_cannot_serve_is_skipped() -> None:
    reason = "set sources.sec.contact in your config file"
    status, output = doctor(ProbedDemo({JobName.SHARES: failed(reason, FailureKind.NOT_AVAILABLE)}))

    assert status == 0
    rows = {row["check"]: row for row in table(output)}
    assert rows["shares outstanding"]["status"] == "skipped"
    assert rows["shares outstanding"]["detail"] == reason


def test_a_fund_file_without_the_probe_fund_fails_and_files_without_funds_are_skipped() -> None:
    as_of = dt.datetime(2026, 2, 11, 14, 45, tzinfo=dt.UTC)
    missing = Fetched(empty_frame(Dataset.FUND_NAV), as_of, {"XLK": "no NAV history at SSGA"})
    status, output = doctor(ProbedDemo({JobName.FUND_NAV: missing}))

    assert status == 0  # optional: the pane still shows its estimate
    rows = {row["check"]: row for row in table(output)}
    assert (rows["fund NAV history"]["status"], rows["fund NAV history"]["detail"]) == (
        "FAIL",
        "XLK: no NAV history at SSGA",
    )
    assert rows["fund holdings"]["status"] == "ok"


def test_a_reply_without_the_probe_symbol_fails() -> None:
    as_of = dt.datetime(2026, 2, 11, 14, 45, tzinfo=dt.UTC)
    msft_bar = {"symbol": "MSFT", "ts": dt.datetime(2026, 2, 10, tzinfo=dt.UTC), "interval": "1d"}
    msft_bar |= dict.fromkeys(["open", "high", "low", "close", "volume"], 1.0)
    other_bars = Fetched(
        pl.DataFrame([msft_bar], schema=BARS_SCHEMA), as_of, {PROBE_SYMBOL: "not found"}
    )
    empty_quotes = Fetched(empty_frame(Dataset.QUOTES), as_of)
    status, output = doctor(ProbedDemo({JobName.QUOTES: empty_quotes, JobName.DAILY: other_bars}))

    assert status == 1
    rows = {row["check"]: row for row in table(output)}
    assert (rows["quote"]["status"], rows["quote"]["detail"]) == (
        "FAIL",
        "AAPL: the reply held no rows",
    )
    assert (rows["daily bars"]["status"], rows["daily bars"]["detail"]) == (
        "FAIL",
        "AAPL: not found",
    )


def test_latency_is_each_check_s_own() -> None:
    status, output = doctor(ProbedDemo(delays={JobName.QUOTES: 0.2}))

    assert status == 0
    latency = {row["check"]: int(row["latency"].removesuffix(" ms")) for row in table(output)}
    assert latency["quote"] >= 200
    assert latency["shares outstanding"] < 200  # timed alone, not from the start of the run


def test_live_sources_offline_and_sec_without_contact() -> None:
    """No network (every connection refused) and no SEC contact: prices and FINRA files fail,
    the SEC check is skipped and says which setting to fill in."""

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    settings = dataclasses.replace(
        Settings(), http=HttpSettings(retries=0, requests_per_minute=6000, budget_burst=100)
    )
    source = LiveSource(settings, cache=None, transport=httpx.MockTransport(refuse))
    status, output = doctor(source, settings)

    assert status == 1
    rows = table(output)
    assert [(row["source"], row["check"], row["status"]) for row in rows] == [
        ("yahoo", "quote", "FAIL"),
        ("yahoo", "daily bars", "FAIL"),
        ("finra", "short interest", "FAIL"),
        ("finra", "short volume", "FAIL"),
        ("sec", "shares outstanding", "skipped"),
        ("ssga", "fund NAV history", "FAIL"),
        ("ssga", "fund holdings", "FAIL"),
    ]
    assert all("could not connect" in row["detail"] for row in rows[:4])
    assert "sources.sec.contact" in rows[4]["detail"]
    assert "4 required check(s) failed" in output


def test_the_command_line_checks_the_demo_market(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--demo"]) == 0

    rows = table(capsys.readouterr().out)
    assert [(row["check"], row["status"]) for row in rows] == [(name, "ok") for name in CHECKS]


def test_a_check_that_raises_fails_alone_and_the_report_goes_on() -> None:
    """A source bug is a failed check with its error in the detail, not a traceback that hides
    every other result."""
    status, output = doctor(ProbedDemo({JobName.SHORT_INTEREST: RuntimeError("boom")}))

    assert status == 1
    rows = {row["check"]: row for row in table(output)}
    assert list(rows) == CHECKS
    assert rows["short interest"]["status"] == "FAIL"
    assert rows["short interest"]["detail"] == "internal error: RuntimeError: boom"
    assert rows["short volume"]["status"] == "ok"


def test_a_single_row_is_counted_in_the_singular() -> None:
    _, output = doctor(ProbedDemo())
    quote = table(output)[0]
    assert quote["detail"].startswith("1 row, as of ")
