"""SSGA's NAV history and holdings workbooks: the parsers on workbooks built in the documented
layout, and the source against a loopback server (caching per day, the evening's missing NAV,
holidays, failures)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import polars as pl
import pytest

from tests import faultserver
from tests.faultserver import FaultServer, Reply, server_error
from tests.ssga_workbooks import (
    CASH_LINE,
    holdings_workbook,
    nav_rows,
    nav_workbook,
    ssga_date,
    workbook,
)
from tui.cache import Cache
from tui.config import HttpSettings, SsgaSettings
from tui.market_hours import NEW_YORK, session_close
from tui.sources.base import (
    FUND_HOLDINGS_SCHEMA,
    FUND_NAV_SCHEMA,
    Failed,
    FailureKind,
    Fetched,
)
from tui.sources.http import HttpClient
from tui.sources.ssga import (
    RECHECK_S,
    SsgaFormatError,
    SsgaSource,
    parse_holdings,
    parse_nav_history,
)
from tui.sources.ssga_schedule import expected_nav_date

pytestmark = pytest.mark.timeout(20)
fault_server = faultserver.fault_server

FOLDER = "/library-content/products/fund-data/etfs/us"
NAV_PATH = FOLDER + "/navhist-us-en-{}.xlsx"
HOLDINGS_PATH = FOLDER + "/holdings-daily-us-en-{}.xlsx"

# Newest first, as SSGA prints them. 2026-02-16 is Presidents' Day: no row. The oldest rows
# print "-" for shares and assets (not published then).
XLK_ROWS = [
    ("12-Feb-2026", 140.10, 650_500_000.0, 91_135_050_000.0),
    ("11-Feb-2026", 139.50, 651_000_000.0, 90_814_500_000.0),
    ("10-Feb-2026", 141.00, 650_000_000.0, 91_650_000_000.0),
    ("09-Feb-2026", 282.00, 324_000_000.0, 91_368_000_000.0),  # the day before a 2-for-1
    ("18-Dec-1998", 27.10, "-", "-"),
    ("16-Dec-1998", 26.95, "-", "-"),
]


def new_york(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


def xlk_nav(rows: list[tuple[object, ...]] | None = None) -> bytes:
    return nav_workbook("XLK", rows or XLK_ROWS)  # type: ignore[arg-type]


XLK_HOLDINGS_ROWS = [
    ("NVIDIA CORP", "NVDA", "67066G104", "2379504", 14.79788, "-", 1_100_000.0, "USD"),
    ("APPLE INC", "AAPL", "037833100", "2046251", 12.5, "-", 1_000_000.0, "USD"),
    ("MICROSOFT CORP", "MSFT", "594918104", "2588173", "11.25", "-", "900,000", "USD"),
    ("CONTRA SOFTWARE CVR", "2602335D", "ID", "-", 0, "-", 1.0, "USD"),
    CASH_LINE,
]


def xlk_holdings(as_of: dt.date = dt.date(2026, 2, 11)) -> bytes:
    return holdings_workbook("XLK", as_of, XLK_HOLDINGS_ROWS)


# --- the NAV history parser ------------------------------------------------------------------


def test_nav_history_parses_into_the_schema_oldest_first_with_dashes_as_null() -> None:
    frame = parse_nav_history(xlk_nav(), "xlk")
    assert frame.schema == FUND_NAV_SCHEMA
    assert frame["date"].to_list() == [
        dt.date(1998, 12, 16),
        dt.date(1998, 12, 18),
        dt.date(2026, 2, 9),
        dt.date(2026, 2, 10),
        dt.date(2026, 2, 11),
        dt.date(2026, 2, 12),
    ]
    assert frame.row(0, named=True) == {
        "fund": "XLK",
        "date": dt.date(1998, 12, 16),
        "nav": 26.95,
        "shares_outstanding": None,
        "total_net_assets": None,
        "source": "ssga",
    }
    assert frame.row(-1, named=True)["shares_outstanding"] == 650_500_000.0
    assert frame.row(-1, named=True)["total_net_assets"] == 91_135_050_000.0


def test_nav_history_accepts_text_numbers_real_date_cells_and_a_marked_ticker() -> None:
    import xlsxwriter  # a real date cell needs a format, which the plain writer does not give

    buffer = __import__("io").BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    rows = [("Fund Name:", "SPDR Gold Shares"), ("Ticker Symbol:", "GLD®"), ()]
    rows += [("Date", "NAV", "Shares Outstanding", "Total Net Assets")]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    sheet.write_datetime(
        4, 0, dt.datetime(2026, 2, 10), book.add_format({"num_format": "d-mmm-yy"})
    )
    sheet.write_row(4, 1, ["412.5", "1,000,000", "412,500,000"])
    book.close()
    frame = parse_nav_history(buffer.getvalue(), "GLD")
    assert frame.select("date", "nav", "shares_outstanding", "total_net_assets").rows() == [
        (dt.date(2026, 2, 10), 412.5, 1_000_000.0, 412_500_000.0)
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<!DOCTYPE html><html>Page not found</html>", "got a web page instead"),
        (b"Date,NAV\n", "is not an Excel workbook"),
        (b"PK\x03\x04 cut short", "could not be read"),
        (nav_workbook("XLF", [("10-Feb-2026", 50.0, 100.0, 5000.0)]), "is for XLF, not XLK"),
        (workbook([("Date", "NAV", "Shares")]), "has no Date | NAV | Shares Outstanding"),
        (
            nav_workbook("XLK", [("10-Feb-2026", 1.0, 1.0, 1.0), ("oops", 1.0, 1.0, 1.0), *[]]),
            None,  # an undated line after the last dated one is a footer line: accepted
        ),
        (
            nav_workbook(
                "XLK",
                [
                    ("11-Feb-2026", 1.0, 1.0, 1.0),
                    ("Total", 1.0, 1.0, 1.0),
                    ("10-Feb-2026", 1.0, 1.0, 1.0),
                ],
            ),
            "an undated line in its table: 'Total'",
        ),
        (nav_workbook("XLK", [("10-Feb-2026", "n.a.", 1.0, 1.0)]), "non-numeric nav 'n.a.'"),
        (
            nav_workbook("XLK", [("10-Feb-2026", 1.0, 1.0, 1.0), ("10-Feb-2026", 2.0, 1.0, 2.0)]),
            "lists 2026-02-10 twice",
        ),
        (nav_workbook("XLK", []), "holds no dated rows"),
    ],
)
def test_malformed_nav_history_is_refused_with_a_reason(
    content: bytes, message: str | None
) -> None:
    if message is None:
        assert parse_nav_history(content, "XLK").height == 1
        return
    with pytest.raises(SsgaFormatError, match=message.replace("|", r"\|")):
        parse_nav_history(content, "XLK")


# --- the holdings parser -----------------------------------------------------------------------


def test_holdings_parse_weights_as_fractions_and_leave_out_lines_without_a_ticker() -> None:
    frame = parse_holdings(xlk_holdings(), "XLK")
    assert frame.schema == FUND_HOLDINGS_SCHEMA
    assert frame.select("symbol", "weight", "shares").rows() == [
        ("NVDA", pytest.approx(0.1479788), 1_100_000.0),
        ("AAPL", 0.125, 1_000_000.0),
        ("MSFT", 0.1125, 900_000.0),
    ]
    assert set(frame["as_of"]) == {dt.date(2026, 2, 11)}
    assert set(frame["fund"]) == {"XLK"}
    assert frame["sector"].null_count() == frame["market_value"].null_count() == 3
    assert frame["name"][0] == "NVIDIA CORP"


def test_holdings_sum_a_ticker_listed_twice_and_keep_a_printed_sector() -> None:
    rows = [
        ("ALPHABET INC CL A", "GOOGL", "x", "-", 6.0, "Communication Services", 10.0, "USD"),
        ("ALPHABET INC CL A", "GOOGL", "y", "-", 1.0, "Communication Services", 2.0, "USD"),
    ]
    frame = parse_holdings(holdings_workbook("XLC", dt.date(2026, 2, 11), rows), "XLC")
    assert frame.select("symbol", "weight", "shares", "sector").rows() == [
        ("GOOGL", 0.07, 12.0, "Communication Services")
    ]


def test_holdings_spell_class_shares_as_every_source_does() -> None:
    rows = [
        ("BERKSHIRE HATHAWAY INC CL B", "BRK.B", "x", "-", 12.0, "-", 10.0, "USD"),
        ("BROWN FORMAN CORP CL B", "bf/b", "y", "-", 1.0, "-", 2.0, "USD"),
    ]
    frame = parse_holdings(holdings_workbook("XLF", dt.date(2026, 2, 11), rows), "XLF")
    assert frame["symbol"].to_list() == ["BRK-B", "BF-B"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (workbook([("Fund Name:", "x"), ("Ticker Symbol:", "XLK"), ("Name", "Ticker")]), "header"),
        (
            workbook(
                [
                    ("Ticker Symbol:", "XLK"),
                    ("Name", "Ticker", "Weight", "Shares Held"),
                    ("A", "A", 1.0, 1.0),
                ]
            ),
            "no 'As of' date",
        ),
        (holdings_workbook("XLB", dt.date(2026, 2, 11), XLK_HOLDINGS_ROWS), "is for XLB, not XLK"),
        (holdings_workbook("XLK", dt.date(2026, 2, 11), [CASH_LINE]), "lists no securities"),
        (
            holdings_workbook(
                "XLK", dt.date(2026, 2, 11), [("A", "A", "x", "-", "heavy", "-", 1.0, "USD")]
            ),
            "non-numeric weight 'heavy'",
        ),
    ],
)
def test_malformed_holdings_are_refused_with_a_reason(content: bytes, message: str) -> None:
    with pytest.raises(SsgaFormatError, match=message):
        parse_holdings(content, "XLK")


# --- when a NAV is due --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (new_york(2026, 2, 12, 10), dt.date(2026, 2, 11)),  # the day's NAV is not out yet
        (new_york(2026, 2, 12, 19, 59), dt.date(2026, 2, 11)),
        (new_york(2026, 2, 12, 20), dt.date(2026, 2, 12)),  # the evening
        (new_york(2026, 2, 14, 12), dt.date(2026, 2, 13)),  # Saturday
        (new_york(2026, 2, 16, 21), dt.date(2026, 2, 13)),  # Presidents' Day, a holiday
    ],
)
def test_expected_nav_date_waits_for_the_evening_and_skips_holidays(
    moment: dt.datetime, expected: dt.date
) -> None:
    assert expected_nav_date(moment) == expected


# --- the source ----------------------------------------------------------------------------------


class Clock:
    def __init__(self, moment: dt.datetime) -> None:
        self.moment = moment

    def __call__(self) -> dt.datetime:
        return self.moment.astimezone(dt.UTC)


class ThreadRecordingCache(Cache):
    """A cache that notes which thread reads and writes it."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.threads: set[int] = set()

    def read_frame(self, key: str, schema: pl.Schema) -> pl.DataFrame | None:  # type: ignore[override]
        self.threads.add(threading.get_ident())
        return super().read_frame(key, schema)

    def write_frame(self, key: str, frame: pl.DataFrame) -> None:
        self.threads.add(threading.get_ident())
        super().write_frame(key, frame)


async def no_wait(_: float) -> None:
    return None


@pytest.fixture
async def client() -> AsyncIterator[HttpClient]:
    http = HttpClient(
        HttpSettings(retries=0, read_timeout=5.0, requests_per_minute=6000, budget_burst=100),
        sleep=no_wait,
    )
    yield http
    await http.aclose()


def make_source(
    client: HttpClient, server: FaultServer, clock: Clock, cache: Cache | None
) -> SsgaSource:
    return SsgaSource(client, SsgaSettings(base_url=server.url + FOLDER), clock=clock, cache=cache)


def fetched(outcome: object) -> Fetched:
    assert isinstance(outcome, Fetched), outcome
    return outcome


async def test_nav_history_and_holdings_are_fetched_from_the_library_folder(
    fault_server: FaultServer, client: HttpClient, tmp_path: Path
) -> None:
    fault_server.serve(NAV_PATH.format("xlk"), Reply(200, xlk_nav()))
    fault_server.serve(HOLDINGS_PATH.format("xlk"), Reply(200, xlk_holdings()))
    cache = ThreadRecordingCache(tmp_path)
    source = make_source(client, fault_server, Clock(new_york(2026, 2, 13, 9)), cache)
    nav = fetched(await source.fund_nav_history(["xlk"], 3))
    assert nav.frame["date"].to_list() == [dt.date(2026, 2, d) for d in (10, 11, 12)]
    assert nav.as_of == session_close(dt.date(2026, 2, 12))
    assert nav.problems == {}
    holdings = fetched(await source.fund_holdings(["XLK"]))
    assert holdings.frame.equals(parse_holdings(xlk_holdings(), "XLK"))
    assert holdings.as_of == session_close(dt.date(2026, 2, 11))
    # parsing and the cache's files are handled in worker threads, never on the event loop
    assert cache.threads and threading.get_ident() not in cache.threads


async def test_a_complete_file_is_fetched_once_a_day_and_kept_across_restarts(
    fault_server: FaultServer, client: HttpClient, tmp_path: Path
) -> None:
    fault_server.serve(NAV_PATH.format("xlk"), Reply(200, xlk_nav()))
    clock = Clock(new_york(2026, 2, 13, 9))
    source = make_source(client, fault_server, clock, Cache(tmp_path))
    first = fetched(await source.fund_nav_history(["XLK"], 10)).frame
    clock.moment = new_york(2026, 2, 13, 15)
    assert fetched(await source.fund_nav_history(["XLK"], 10)).frame.equals(first)
    restarted = make_source(client, fault_server, clock, Cache(tmp_path))
    assert fetched(await restarted.fund_nav_history(["XLK"], 10)).frame.equals(first)
    assert len(fault_server.requests) == 1


async def test_holdings_are_fetched_once_a_week_and_kept_across_restarts(
    fault_server: FaultServer, client: HttpClient, tmp_path: Path
) -> None:
    fault_server.serve(HOLDINGS_PATH.format("xlk"), Reply(200, xlk_holdings()))
    clock = Clock(new_york(2026, 2, 9, 9))  # a Monday
    source = make_source(client, fault_server, clock, Cache(tmp_path))
    first = fetched(await source.fund_holdings(["XLK"])).frame
    clock.moment = new_york(2026, 2, 13, 18)  # Friday: the same week's file
    assert fetched(await source.fund_holdings(["XLK"])).frame.equals(first)
    restarted = make_source(client, fault_server, clock, Cache(tmp_path))
    assert fetched(await restarted.fund_holdings(["XLK"])).frame.equals(first)
    assert len(fault_server.requests) == 1
    assert (
        Cache(tmp_path).read_frame("ssga/holdings-xlk/20260209", FUND_HOLDINGS_SCHEMA) is not None
    )
    clock.moment = new_york(2026, 2, 16, 9)  # the next Monday: a new week, a new file
    await restarted.fund_holdings(["XLK"])
    assert len(fault_server.requests) == 2


async def test_the_evenings_missing_nav_is_asked_for_again_but_not_too_often(
    fault_server: FaultServer, client: HttpClient
) -> None:
    without_today = xlk_nav(XLK_ROWS[1:])  # the 12th's NAV not in the file yet
    path = NAV_PATH.format("xlk")
    fault_server.script(path, Reply(200, without_today), Reply(200, without_today))
    fault_server.serve(path, Reply(200, xlk_nav()))
    clock = Clock(new_york(2026, 2, 12, 17))
    source = make_source(client, fault_server, clock, cache=None)
    before = fetched(await source.fund_nav_history(["XLK"], 2)).frame
    assert before["date"].max() == dt.date(2026, 2, 11)  # complete for 5 pm: not asked again
    clock.moment = new_york(2026, 2, 12, 20, 5)
    assert fetched(await source.fund_nav_history(["XLK"], 2)).frame["date"].max() == dt.date(
        2026, 2, 11
    )
    clock.moment += dt.timedelta(seconds=RECHECK_S - 60)
    await source.fund_nav_history(["XLK"], 2)
    assert len(fault_server.requests) == 2  # still short of the 12th, but asked recently
    clock.moment += dt.timedelta(seconds=120)
    after = fetched(await source.fund_nav_history(["XLK"], 2)).frame
    assert after["date"].max() == dt.date(2026, 2, 12)
    clock.moment += dt.timedelta(hours=2)
    await source.fund_nav_history(["XLK"], 2)
    assert len(fault_server.requests) == 3  # complete: never again that day


async def test_a_past_days_file_holds_only_rows_up_to_that_day(
    fault_server: FaultServer, client: HttpClient, tmp_path: Path
) -> None:
    fault_server.serve(NAV_PATH.format("xlk"), Reply(200, xlk_nav()))
    source = make_source(client, fault_server, Clock(new_york(2026, 2, 10, 21)), Cache(tmp_path))
    frame = fetched(await source.fund_nav_history(["XLK"], 5)).frame
    assert frame["date"].max() == dt.date(2026, 2, 10)
    assert Cache(tmp_path).read_frame("ssga/navhist-xlk/20260210", FUND_NAV_SCHEMA) is not None


async def test_a_fund_without_a_file_is_a_problem_and_no_file_at_all_a_failure(
    fault_server: FaultServer, client: HttpClient
) -> None:
    fault_server.serve(NAV_PATH.format("xlk"), Reply(200, xlk_nav()))
    source = make_source(client, fault_server, Clock(new_york(2026, 2, 13, 9)), cache=None)
    outcome = fetched(await source.fund_nav_history(["XLK", "QQQ"], 1))
    assert outcome.frame["fund"].to_list() == ["XLK"]
    assert outcome.problems == {"QQQ": "no NAV history at SSGA"}
    failed = await source.fund_holdings(["QQQ"])
    assert isinstance(failed, Failed)
    assert failed.kind is FailureKind.NOT_AVAILABLE
    assert "QQQ" in failed.message


async def test_a_web_page_is_a_parse_failure_and_is_not_cached(
    fault_server: FaultServer, client: HttpClient, tmp_path: Path
) -> None:
    fault_server.serve(HOLDINGS_PATH.format("xlk"), Reply(200, b"<html>Maintenance</html>"))
    source = make_source(client, fault_server, Clock(new_york(2026, 2, 13, 9)), Cache(tmp_path))
    failed = await source.fund_holdings(["XLK"])
    assert isinstance(failed, Failed)
    assert failed.kind is FailureKind.PARSE
    assert failed.message == (
        "SSGA's holdings-daily-us-en-xlk.xlsx: got a web page instead of the XLK holdings workbook"
    )
    # (a holdings file is kept per week, under its Monday)
    assert Cache(tmp_path).read_frame("ssga/holdings-xlk/20260209", FUND_HOLDINGS_SCHEMA) is None


async def test_an_oversized_reply_is_refused_in_plain_words(
    fault_server: FaultServer, client: HttpClient
) -> None:
    fault_server.serve(HOLDINGS_PATH.format("xlk"), Reply(200, b"PK\x03\x04" + b"0" * (5 << 20)))
    source = make_source(client, fault_server, Clock(new_york(2026, 2, 13, 9)), cache=None)
    failed = await source.fund_holdings(["XLK"])
    assert isinstance(failed, Failed)
    assert "more than 4 MB for one holdings workbook" in failed.message


async def test_when_the_evening_refresh_fails_the_days_copy_is_kept(
    fault_server: FaultServer, client: HttpClient
) -> None:
    path = NAV_PATH.format("xlk")
    fault_server.script(path, Reply(200, xlk_nav(XLK_ROWS[1:])))
    fault_server.serve(path, server_error(503))
    clock = Clock(new_york(2026, 2, 12, 21))
    source = make_source(client, fault_server, clock, cache=None)
    first = fetched(await source.fund_nav_history(["XLK"], 3)).frame
    clock.moment += dt.timedelta(seconds=RECHECK_S)
    again = fetched(await source.fund_nav_history(["XLK"], 3))
    assert again.frame.equals(first)
    assert len(fault_server.requests) == 2
    # with nothing held, the failure is reported
    other = make_source(client, fault_server, clock, cache=None)
    failed = await other.fund_nav_history(["XLK"], 3)
    assert isinstance(failed, Failed)
    assert failed.kind is FailureKind.HTTP


def test_ssga_dates_are_written_as_the_files_print_them() -> None:
    assert ssga_date(dt.date(2026, 2, 1)) == "01-Feb-2026"
    frame = parse_nav_history(xlk_nav(), "XLK")
    assert parse_nav_history(nav_workbook("XLK", nav_rows(frame)), "XLK").equals(frame)
