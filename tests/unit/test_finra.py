"""FINRA short interest and Reg SHO short-sale volume: parsers, calendar, universe, fetching.

Real rows come from tests/fixtures/finra (see its ATTRIBUTION.md, data credited to FINRA); rows
written here for a rule the real rows do not show are marked synthetic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import faultserver
from tests.faultserver import FaultServer, Reply, server_error, truncated
from tui.cache import Cache
from tui.config import FinraSettings, HttpSettings
from tui.market_hours import NEW_YORK
from tui.sources.base import (
    SHORT_INTEREST_SCHEMA,
    SHORT_VOLUME_SCHEMA,
    Failed,
    FailureKind,
    Fetched,
    SymbolInfo,
)
from tui.sources.finra import (
    MAX_MISSING_DAYS,
    MAX_MISSING_SETTLEMENTS,
    SHORT_INTEREST_FILE_SCHEMA,
    FinraFormatError,
    FinraSource,
    parse_short_interest,
    parse_short_volume,
)
from tui.sources.finra_listing import market_universe
from tui.sources.finra_schedule import (
    latest_published_settlement,
    posted_short_volume_dates,
    publication_date,
    settlement_dates,
)
from tui.sources.http import HttpClient

pytestmark = pytest.mark.timeout(20)
fault_server = faultserver.fault_server

FIXTURES = Path(__file__).parent.parent / "fixtures" / "finra"
SHRT_2021 = (FIXTURES / "shrt20210715_head.csv").read_bytes()
SHRT_2024 = (FIXTURES / "shrt20241231_head.csv").read_bytes()
CNMS_HEAD = (FIXTURES / "CNMSshvol20260312_head.txt").read_bytes()  # no trailer line

SHORT_INTEREST_PATH = "/equity/otcmarket/biweekly/shrt{:%Y%m%d}.csv"
SHORT_VOLUME_PATH = "/equity/regsho/daily/CNMSshvol{:%Y%m%d}.txt"


def new_york(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


def redated_short_interest(day: dt.date) -> bytes:
    """The real 2021-07-15 rows carried to another settlement date."""
    return SHRT_2021.replace(b"2021-07-15", f"{day:%Y-%m-%d}".encode()).replace(
        b"20210715", f"{day:%Y%m%d}".encode()
    )


def short_volume_file(day: dt.date, *, newline: bytes = b"\n", trailer: int | None = None) -> bytes:
    """A Reg SHO file in FINRA's layout (synthetic rows, fractional volumes)."""
    rows = [
        b"Date|Symbol|ShortVolume|ShortExemptVolume|TotalVolume|Market",
        f"{day:%Y%m%d}|A|431668.624869|314|847628.762787|B,Q,N".encode(),
        f"{day:%Y%m%d}|MSFT|9000000.5|1200|21000000.25|B,Q,N".encode(),
    ]
    count = len(rows) - 1 if trailer is None else trailer
    return newline.join([*rows, str(count).encode()]) + newline


# --- short-interest parser ----------------------------------------------------------------


def test_short_interest_real_rows_parse_into_the_schema_plus_listing_columns() -> None:
    frame = parse_short_interest(SHRT_2021)
    assert frame.schema == SHORT_INTEREST_FILE_SCHEMA
    assert frame.columns[: len(SHORT_INTEREST_SCHEMA)] == list(SHORT_INTEREST_SCHEMA)
    assert frame.height == 41
    agilent = frame.row(0, named=True)
    assert agilent == {
        "symbol": "A",
        "settlement_date": dt.date(2021, 7, 15),
        "short_shares": 2571122.0,
        "prior_short_shares": 2456982.0,
        "avg_daily_volume": 1646442.0,
        "days_to_cover": 1.56,
        "source": "finra",
        "issue_name": "Agilent Technologies Inc.",
        "market_class": "NYSE",
    }


def test_class_shares_get_the_one_spelling_of_every_source() -> None:
    """FINRA writes BRK.B (some feeds BRK/B); every source gives BRK-B."""
    short_interest = SHRT_2021.replace(b"|AAPL|", b"|BRK.B|").replace(b"|AA|", b"|BF/B|")
    assert {"BRK-B", "BF-B"} <= set(parse_short_interest(short_interest)["symbol"])
    short_volume = short_volume_file(dt.date(2026, 3, 12)).replace(b"|MSFT|", b"|BRK.B|")
    assert "BRK-B" in parse_short_volume(short_volume)["symbol"].to_list()


def test_days_to_cover_of_999_99_means_no_volume_and_becomes_null() -> None:
    days_to_cover = dict(parse_short_interest(SHRT_2021).select("symbol", "days_to_cover").rows())
    assert days_to_cover["AAALF"] is None  # average daily volume 0
    assert days_to_cover["AAHIF"] is None
    assert days_to_cover["AALBF"] == 669.63  # large, but a real figure
    assert days_to_cover["AAPL"] == 1.0


def test_short_interest_2024_rows_carry_the_bzx_market_class_and_revision_rows() -> None:
    frame = parse_short_interest(SHRT_2024)
    assert frame["market_class"].to_list() == ["NYSE", "NYSE", "ARCA", "BZX"]
    assert frame["settlement_date"].unique().to_list() == [dt.date(2024, 12, 31)]


def test_short_interest_accepts_crlf_and_a_missing_final_newline() -> None:
    expected = parse_short_interest(SHRT_2021)
    assert parse_short_interest(SHRT_2021.replace(b"\n", b"\r\n")).equals(expected)
    assert parse_short_interest(SHRT_2021.rstrip(b"\n")).equals(expected)


MALFORMED_SHORT_INTEREST = {
    "empty": (b"", "empty"),
    "blank": (b"\n\r\n  \n", "empty"),
    "header only": (SHRT_2021.split(b"\n", 1)[0] + b"\n", "no rows"),
    "html error page": (
        b"<!DOCTYPE html><html><body><h1>503 Service Unavailable</h1></body></html>",
        "HTML",
    ),
    "comma-delimited": (SHRT_2021.replace(b"|", b","), "not pipe-delimited"),
    "missing column": (
        SHRT_2021.replace(b"|daysToCoverQuantity|", b"|daysToCover|"),
        "lacks column.*daysToCoverQuantity",
    ),
    "non-numeric quantity": (SHRT_2021.replace(b"|2571122|", b"|2,571,122|"), "non-numeric"),
    "cut inside the last date": (SHRT_2021.rstrip(b"\n")[:-1], "malformed date"),
    "cut before the last date": (SHRT_2021.rstrip(b"\n")[:-12], "truncated"),
    "cut mid-row": (SHRT_2021.rstrip(b"\n")[:-40], "truncated"),
}


@pytest.mark.parametrize(
    ("content", "message"),
    MALFORMED_SHORT_INTEREST.values(),
    ids=MALFORMED_SHORT_INTEREST.keys(),
)
def test_malformed_short_interest_is_refused_with_a_reason(content: bytes, message: str) -> None:
    with pytest.raises(FinraFormatError, match=message):
        parse_short_interest(content)


@settings(max_examples=150, deadline=None)
@given(cut=st.integers(min_value=0, max_value=len(SHRT_2021) - 1))
def test_a_cut_short_interest_file_is_refused_or_keeps_only_whole_rows(cut: int) -> None:
    full = parse_short_interest(SHRT_2021)
    try:
        partial = parse_short_interest(SHRT_2021[:cut])
    except FinraFormatError:
        return
    # Only a cut at a row's end can pass (the file has no trailer), and then no row is damaged.
    assert partial.height < full.height or cut == len(SHRT_2021) - 1
    assert partial.equals(full.head(partial.height))


# --- short-volume parser ------------------------------------------------------------------


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"], ids=["LF", "CRLF"])
def test_short_volume_real_rows_keep_fractional_volumes(newline: bytes) -> None:
    content = (CNMS_HEAD + b"2\n").replace(b"\n", newline)
    frame = parse_short_volume(content)
    assert frame.schema == SHORT_VOLUME_SCHEMA
    assert frame.rows() == [
        (dt.date(2026, 3, 12), "A", 431668.624869, 314.0, 847628.762787),
        (dt.date(2026, 3, 12), "AA", 1800882.875754, 53.0, 3023864.574596),
    ]


def test_a_file_without_its_record_count_trailer_is_truncated() -> None:
    with pytest.raises(FinraFormatError, match="no record-count trailer"):
        parse_short_volume(CNMS_HEAD)


def test_a_trailer_that_disagrees_with_the_rows_read_is_refused() -> None:
    with pytest.raises(FinraFormatError, match="trailer counts 3 records, 2 were read"):
        parse_short_volume(CNMS_HEAD + b"3\n")


FULL_SHORT_VOLUME = short_volume_file(dt.date(2026, 2, 18))


@settings(max_examples=150, deadline=None)
@given(cut=st.integers(min_value=0, max_value=len(FULL_SHORT_VOLUME.rstrip()) - 1))
def test_any_cut_short_volume_file_is_refused(cut: int) -> None:
    with pytest.raises(FinraFormatError):
        parse_short_volume(FULL_SHORT_VOLUME[:cut])


def test_a_header_and_a_zero_trailer_is_an_empty_day() -> None:
    frame = parse_short_volume(CNMS_HEAD.split(b"\n", 1)[0] + b"\n0\n")
    assert frame.height == 0
    assert frame.schema == SHORT_VOLUME_SCHEMA


MALFORMED_SHORT_VOLUME = {
    "empty": (b"", "empty"),
    "header only": (CNMS_HEAD.split(b"\n", 1)[0] + b"\n", "no record-count trailer"),
    "cut mid-row": (CNMS_HEAD[:-20], "no record-count trailer"),
    "html error page": (b"<html><body>Access Denied</body></html>\n", "HTML"),
    "comma-delimited": (CNMS_HEAD.replace(b"|", b",") + b"2\n", "not pipe-delimited"),
    "missing column": (CNMS_HEAD.replace(b"|TotalVolume|", b"|Total|") + b"2\n", "TotalVolume"),
    "non-numeric volume": (CNMS_HEAD.replace(b"|314|", b"|n/a|") + b"2\n", "non-numeric"),
    "short date": (CNMS_HEAD.replace(b"20260312|AA|", b"2026031|AA|") + b"2\n", "malformed date"),
}


@pytest.mark.parametrize(
    ("content", "message"), MALFORMED_SHORT_VOLUME.values(), ids=MALFORMED_SHORT_VOLUME.keys()
)
def test_malformed_short_volume_is_refused_with_a_reason(content: bytes, message: str) -> None:
    with pytest.raises(FinraFormatError, match=message):
        parse_short_volume(content)


# --- the settlement calendar ----------------------------------------------------------------


def test_settlement_dates_are_the_15th_and_the_last_business_day_moved_back() -> None:
    assert settlement_dates(dt.date(2026, 1, 1), dt.date(2026, 3, 31)) == [
        dt.date(2026, 1, 15),
        dt.date(2026, 1, 30),  # the 31st is a Saturday
        dt.date(2026, 2, 13),  # the 15th is a Sunday
        dt.date(2026, 2, 27),  # the 28th is a Saturday
        dt.date(2026, 3, 13),  # the 15th is a Sunday
        dt.date(2026, 3, 31),
    ]


@pytest.mark.parametrize(
    ("month_start", "mid_month"),
    [
        (dt.date(2024, 1, 1), dt.date(2024, 1, 12)),  # Martin Luther King Jr. Day on the 15th
        (dt.date(2027, 2, 1), dt.date(2027, 2, 12)),  # Washington's Birthday on the 15th
        (dt.date(2022, 4, 1), dt.date(2022, 4, 14)),  # Good Friday on the 15th
    ],
)
def test_a_holiday_on_the_15th_moves_the_settlement_to_the_business_day_before(
    month_start: dt.date, mid_month: dt.date
) -> None:
    assert settlement_dates(month_start, month_start + dt.timedelta(days=20)) == [mid_month]


def test_settlement_dates_include_both_ends_and_cross_a_year() -> None:
    assert settlement_dates(dt.date(2025, 12, 15), dt.date(2026, 1, 15)) == [
        dt.date(2025, 12, 15),
        dt.date(2025, 12, 31),
        dt.date(2026, 1, 15),
    ]
    assert settlement_dates(dt.date(2026, 1, 16), dt.date(2026, 1, 29)) == []


@pytest.mark.parametrize(
    ("settlement", "published"),
    [
        (dt.date(2026, 1, 15), dt.date(2026, 1, 27)),  # skips Martin Luther King Jr. Day
        (dt.date(2026, 1, 30), dt.date(2026, 2, 10)),
        (dt.date(2026, 5, 29), dt.date(2026, 6, 9)),
        (dt.date(2026, 8, 31), dt.date(2026, 9, 10)),  # skips Labor Day
    ],
)
def test_publication_is_seven_business_days_after_settlement(
    settlement: dt.date, published: dt.date
) -> None:
    assert publication_date(settlement) == published


@pytest.mark.parametrize(
    ("moment", "settlement"),
    [
        (new_york(2026, 1, 27, 15, 59), dt.date(2025, 12, 31)),  # publication day, before 4 pm
        (new_york(2026, 1, 27, 16, 0), dt.date(2026, 1, 15)),
        (new_york(2026, 2, 10, 9, 0), dt.date(2026, 1, 15)),
        (new_york(2026, 2, 11, 9, 0), dt.date(2026, 1, 30)),
        (new_york(2026, 2, 15, 12, 0), dt.date(2026, 1, 30)),  # a Sunday
    ],
)
def test_latest_published_settlement_waits_for_the_publication_afternoon(
    moment: dt.datetime, settlement: dt.date
) -> None:
    assert latest_published_settlement(moment) == settlement
    assert latest_published_settlement(moment.astimezone(dt.UTC)) == settlement


@pytest.mark.parametrize(
    ("moment", "newest_first"),
    [
        # Washington's Birthday, Monday 2026-02-16: no file; the weekend before has none either.
        (new_york(2026, 2, 17, 17, 59), ["02-13", "02-12", "02-11"]),
        (new_york(2026, 2, 17, 18, 0), ["02-17", "02-13", "02-12"]),
        (new_york(2026, 2, 16, 20, 0), ["02-13", "02-12", "02-11"]),
        (new_york(2026, 2, 14, 20, 0), ["02-13", "02-12", "02-11"]),  # a Saturday
        (new_york(2026, 4, 6, 19, 0), ["04-06", "04-02", "04-01"]),  # after Good Friday
    ],
)
def test_short_volume_days_skip_holidays_and_wait_for_6pm(
    moment: dt.datetime, newest_first: list[str]
) -> None:
    days = posted_short_volume_dates(moment, 3)
    assert [f"{day:%m-%d}" for day in days] == newest_first


# --- the market universe --------------------------------------------------------------------


def test_universe_of_the_real_rows_keeps_exchange_listed_common_stocks() -> None:
    universe = market_universe(parse_short_interest(SHRT_2021))
    # Dropped: OTC names, ARCA products (AAA, AAAU), the AdvisorShares ETF (AADR on Nasdaq), Ares
    # Acquisition's units and warrants (AACU, AACWS) and Arlington's preferreds (AAICPRB/C).
    assert universe["symbol"].to_list() == [
        "A",
        "AA",
        "AAC",
        "AACG",
        "AAIC",
        "AAL",
        "AAMC",
        "AAME",
        "AAN",
        "AAOI",
        "AAON",
        "AAP",
        "AAPL",
    ]
    assert universe.schema == SHORT_INTEREST_FILE_SCHEMA


def test_universe_leaves_out_bzx_and_arca_products() -> None:
    universe = market_universe(parse_short_interest(SHRT_2024))
    assert universe["symbol"].to_list() == ["A", "AA"]


def synthetic_listing(rows: list[tuple[str, str, str]]) -> pl.DataFrame:
    """A short-interest frame of synthetic (symbol, issue name, market class) rows."""
    return pl.DataFrame(
        {
            "symbol": [row[0] for row in rows],
            "settlement_date": [dt.date(2026, 1, 30)] * len(rows),
            "short_shares": [1000.0] * len(rows),
            "prior_short_shares": [900.0] * len(rows),
            "avg_daily_volume": [500.0] * len(rows),
            "days_to_cover": [2.0] * len(rows),
            "source": ["finra"] * len(rows),
            "issue_name": [row[1] for row in rows],
            "market_class": [row[2] for row in rows],
        },
        schema=SHORT_INTEREST_FILE_SCHEMA,
    )


def test_universe_name_and_symbol_rules_on_synthetic_rows() -> None:
    listing = synthetic_listing(
        [
            ("GOOG", "Alphabet Inc. Class C Capital", "NNM"),
            ("GOOGL", "Alphabet Inc. Class A Common S", "NNM"),  # a class, not a derived issue
            ("BRKB", "Berkshire Hathaway Inc. Class", "NYSE"),
            ("EPD", "Enterprise Products Partners L", "NYSE"),  # partnership units stay
            ("ET", "Energy Transfer LP Common Units", "NYSE"),
            ("O", "Realty Income Corporation", "NYSE"),
            ("QQQ", "Invesco QQQ Trust, Series 1 ETF", "NNM"),
            ("IBIT", "iShares Bitcoin Trust", "NNM"),
            ("NUV", "Nuveen Municipal Value Fund, I", "NYSE"),
            ("XYZW", "Xyz Holdings Warrants", "SC"),
            ("XYZR", "Xyz Holdings Rights", "SC"),
            ("NEWSU", "Newsome Acquisition Units", "NNM"),
            ("BNDY", "Bondy Corp 6.50% Notes due 2029", "NYSE"),
            ("ABCD", "Abcd Therapeutics Inc", "NNM"),
            ("ABCDW", "Abcd Therapeutics Inc", "NNM"),  # Nasdaq warrant: root plus W
            ("ABCDP", "Abcd Therapeutics Inc", "NNM"),  # Nasdaq first preferred
            ("ABCDE", "Abcd Therapeutics Inc", "NNM"),  # E is not a derived-issue suffix
            ("KLM", "Klm Media Inc", "NYSE"),
            ("KLMN", "Klm Media Inc", "NNM"),  # fifth-letter codes need five letters
            ("MNO", "Mno Bancorp", "NYSE"),
            ("AC", "Associated Capital Group, Inc", "NYSE"),
            ("ACU", "Acme United Corporation", "AMEX"),  # AC + U, but another issuer
            ("MNOPRA", "Mno Bancorp", "NYSE"),  # FINRA's preferred suffix
            ("AAPJ", "AAP, Inc. Common Stock", "OTC"),
            ("NEWCO", "Newco Inc", "IEXG"),  # a market class not known to list stocks
        ]
    )
    assert market_universe(listing)["symbol"].to_list() == [
        "GOOG",
        "GOOGL",
        "BRKB",
        "EPD",
        "ET",
        "O",
        "ABCD",
        "ABCDE",
        "KLM",
        "KLMN",
        "MNO",
        "AC",
        "ACU",
    ]


# --- fetching ------------------------------------------------------------------------------


async def no_wait(_seconds: float) -> None:
    """Retries back off without waiting in tests."""


@pytest.fixture
async def client() -> AsyncIterator[HttpClient]:
    http = HttpClient(
        HttpSettings(retries=1, read_timeout=5.0, requests_per_minute=6000, budget_burst=100),
        sleep=no_wait,
    )
    yield http
    await http.aclose()


def make_source(
    client: HttpClient, server: FaultServer, moment: dt.datetime, cache: Cache | None
) -> FinraSource:
    def clock() -> dt.datetime:
        return moment.astimezone(dt.UTC)

    return FinraSource(client, FinraSettings(base_url=server.url), clock=clock, cache=cache)


JAN_15, JAN_30 = dt.date(2026, 1, 15), dt.date(2026, 1, 30)
AFTER_JAN_30_PUBLISHED = new_york(2026, 2, 11, 9, 0)


async def test_short_interest_fetches_the_newest_published_settlement(
    fault_server: FaultServer, client: HttpClient, tmp_path: Path
) -> None:
    fault_server.serve(
        SHORT_INTEREST_PATH.format(JAN_30), Reply(200, redated_short_interest(JAN_30))
    )
    source = make_source(client, fault_server, AFTER_JAN_30_PUBLISHED, Cache(tmp_path))

    outcome = await source.short_interest(["AAPL", "MSFT"])

    assert isinstance(outcome, Fetched)
    assert outcome.frame.schema == SHORT_INTEREST_SCHEMA
    assert outcome.frame.rows() == [
        ("AAPL", JAN_30, 96355309.0, 90213531.0, 96035157.0, 1.0, "finra")
    ]
    assert outcome.problems == {"MSFT": "not in FINRA's short-interest file"}
    assert outcome.as_of == new_york(2026, 1, 30, 16, 0)
    assert [request.path for request in fault_server.requests] == [
        SHORT_INTEREST_PATH.format(JAN_30)
    ]


async def test_short_interest_steps_back_past_a_file_not_posted_yet(
    fault_server: FaultServer, client: HttpClient
) -> None:
    # The clock says Jan 30's file is due, but FINRA answers 404 for it (the server's fallback).
    fault_server.serve(
        SHORT_INTEREST_PATH.format(JAN_15), Reply(200, redated_short_interest(JAN_15))
    )
    source = make_source(client, fault_server, AFTER_JAN_30_PUBLISHED, cache=None)

    outcome = await source.short_interest(None)

    assert isinstance(outcome, Fetched)
    assert outcome.frame["settlement_date"].unique().to_list() == [JAN_15]
    # The market: the 13 exchange-listed common stocks among the file's 41 rows.
    symbols = outcome.frame["symbol"].to_list()
    assert len(symbols) == 13 and "A" in symbols and "AA" in symbols
    assert not {"AAALF", "AAAU", "AAA"} & set(symbols)  # OTC, a gold ETF, a CLO ETF
    assert outcome.as_of.date() == JAN_15
    assert [request.path for request in fault_server.requests] == [
        SHORT_INTEREST_PATH.format(JAN_30),
        SHORT_INTEREST_PATH.format(JAN_15),
    ]


async def test_a_403_from_the_file_store_also_means_not_posted_yet(
    fault_server: FaultServer, client: HttpClient
) -> None:
    # S3-style stores answer 403, not 404, for an object that does not exist yet.
    fault_server.serve(SHORT_INTEREST_PATH.format(JAN_30), Reply(403, b"AccessDenied"))
    fault_server.serve(
        SHORT_INTEREST_PATH.format(JAN_15), Reply(200, redated_short_interest(JAN_15))
    )
    source = make_source(client, fault_server, AFTER_JAN_30_PUBLISHED, cache=None)

    outcome = await source.short_interest(None)

    assert isinstance(outcome, Fetched)
    assert outcome.frame["settlement_date"].unique().to_list() == [JAN_15]


async def test_short_interest_look_back_is_bounded(
    fault_server: FaultServer, client: HttpClient
) -> None:
    source = make_source(client, fault_server, AFTER_JAN_30_PUBLISHED, cache=None)

    outcome = await source.short_interest(None)

    assert isinstance(outcome, Failed)
    assert outcome.kind is FailureKind.NOT_AVAILABLE
    assert "2026-01-30" in outcome.message
    assert len(fault_server.requests) == 1 + MAX_MISSING_SETTLEMENTS


async def test_two_settlements_come_back_together(
    fault_server: FaultServer, client: HttpClient
) -> None:
    for day in (JAN_15, JAN_30):
        fault_server.serve(SHORT_INTEREST_PATH.format(day), Reply(200, redated_short_interest(day)))
    source = make_source(client, fault_server, AFTER_JAN_30_PUBLISHED, cache=None)

    outcome = await source.short_interest(["AAPL"], settlements=2)

    assert isinstance(outcome, Fetched)
    assert outcome.frame["settlement_date"].to_list() == [JAN_30, JAN_15]
    assert outcome.as_of.date() == JAN_30


async def test_cached_short_interest_is_not_fetched_again(
    fault_server: FaultServer, client: HttpClient, tmp_path: Path
) -> None:
    fault_server.serve(
        SHORT_INTEREST_PATH.format(JAN_30), Reply(200, redated_short_interest(JAN_30))
    )
    first = await make_source(
        client, fault_server, AFTER_JAN_30_PUBLISHED, Cache(tmp_path)
    ).short_interest(None)
    # A new run (new source, same cache folder) and a second call of the same source.
    restarted = make_source(client, fault_server, AFTER_JAN_30_PUBLISHED, Cache(tmp_path))
    again = await restarted.short_interest(None)
    await restarted.short_interest(None)

    assert isinstance(first, Fetched) and isinstance(again, Fetched)
    assert again.frame.equals(first.frame)
    assert len(fault_server.requests) == 1


async def test_a_bad_file_is_a_parse_failure_and_is_not_cached(
    fault_server: FaultServer, client: HttpClient, tmp_path: Path
) -> None:
    path = SHORT_INTEREST_PATH.format(JAN_30)
    fault_server.script(path, Reply(200, b"<html><body>Maintenance</body></html>"))
    fault_server.serve(path, Reply(200, redated_short_interest(JAN_30)))
    cache = Cache(tmp_path)
    source = make_source(client, fault_server, AFTER_JAN_30_PUBLISHED, cache)

    failed = await source.short_interest(None)
    assert isinstance(failed, Failed)
    assert failed.kind is FailureKind.PARSE
    assert "shrt20260130.csv" in failed.message
    assert cache.age_s("finra/shrt20260130") is None

    assert isinstance(await source.short_interest(None), Fetched)
    assert cache.age_s("finra/shrt20260130") is not None


async def test_a_file_with_rows_that_cannot_be_right_is_never_cached_and_fetched_again(
    fault_server: FaultServer, client: HttpClient, tmp_path: Path
) -> None:
    path = SHORT_INTEREST_PATH.format(JAN_30)
    good = redated_short_interest(JAN_30)
    # Agilent's short position, negative: a row no real file holds.
    hostile = good.replace(b"|A|NYSE|2571122|", b"|A|NYSE|-2571122|")
    assert hostile != good
    fault_server.script(path, Reply(200, hostile))
    fault_server.serve(path, Reply(200, good))
    cache = Cache(tmp_path)
    source = make_source(client, fault_server, AFTER_JAN_30_PUBLISHED, cache)

    # The call's checks (tui.sources.sanity, in the fetch plan) leave the row out and count it;
    # the source keeps no copy of the file for later calls.
    first = await source.short_interest(["A", "AA"])
    assert isinstance(first, Fetched)
    assert first.frame.filter(pl.col("symbol") == "A")["short_shares"].to_list() == [-2571122.0]
    assert cache.age_s("finra/shrt20260130") is None  # never cached
    # The next call asks FINRA again (it may have corrected the file) and keeps the good one.
    second = await source.short_interest(["A", "AA"])
    assert isinstance(second, Fetched)
    assert second.frame.filter(pl.col("symbol") == "A")["short_shares"].to_list() == [2571122.0]
    assert len(fault_server.requests) == 2
    assert cache.age_s("finra/shrt20260130") is not None


async def test_a_cached_file_with_rows_that_cannot_be_right_is_fetched_again(
    fault_server: FaultServer, client: HttpClient, tmp_path: Path
) -> None:
    good = redated_short_interest(JAN_30)
    fault_server.serve(SHORT_INTEREST_PATH.format(JAN_30), Reply(200, good))
    cache = Cache(tmp_path)
    # A copy kept before the figures were checked: a negative short position in it.
    parsed = parse_short_interest(good.replace(b"|A|NYSE|2571122|", b"|A|NYSE|-2571122|"))
    cache.write_frame("finra/shrt20260130", parsed)
    source = make_source(client, fault_server, AFTER_JAN_30_PUBLISHED, cache)

    outcome = await source.short_interest(["A"])
    assert isinstance(outcome, Fetched)
    assert outcome.frame["short_shares"].to_list() == [2571122.0]
    assert len(fault_server.requests) == 1


async def test_a_file_for_another_date_is_refused(
    fault_server: FaultServer, client: HttpClient
) -> None:
    fault_server.serve(
        SHORT_INTEREST_PATH.format(JAN_30), Reply(200, redated_short_interest(JAN_15))
    )
    source = make_source(client, fault_server, AFTER_JAN_30_PUBLISHED, cache=None)

    outcome = await source.short_interest(None)

    assert isinstance(outcome, Failed)
    assert outcome.kind is FailureKind.PARSE
    assert "found: 2026-01-15" in outcome.message


async def test_describe_and_market_symbols_come_from_the_newest_file(
    fault_server: FaultServer, client: HttpClient
) -> None:
    fault_server.serve(
        SHORT_INTEREST_PATH.format(JAN_30), Reply(200, redated_short_interest(JAN_30))
    )
    source = make_source(client, fault_server, AFTER_JAN_30_PUBLISHED, cache=None)
    assert source.describe("AAPL") is None
    assert source.market_symbols() == []

    await source.short_interest(None)

    assert source.describe("AAPL") == SymbolInfo("AAPL", "Apple Inc. Common Stock", kind="stock")
    assert source.describe("AADR") == SymbolInfo(
        "AADR", "AdvisorShares Dorsey Wright AD", kind="etf"
    )
    assert source.describe("NOPE") is None
    assert source.market_symbols()[:3] == ["A", "AA", "AAC"]
    assert "AADR" not in source.market_symbols()


# Wednesday 2026-02-18 after 6 pm: Feb 16 is Washington's Birthday, Feb 14-15 a weekend.
FEB_18_EVENING = new_york(2026, 2, 18, 19, 0)
FEB = {day: dt.date(2026, 2, day) for day in (11, 12, 13, 17, 18)}


async def test_short_volume_skips_a_missing_day_and_returns_oldest_first(
    fault_server: FaultServer, client: HttpClient
) -> None:
    for day in (11, 12, 13, 18):  # Feb 17's file is missing: the server's 404
        fault_server.serve(
            SHORT_VOLUME_PATH.format(FEB[day]), Reply(200, short_volume_file(FEB[day]))
        )
    source = make_source(client, fault_server, FEB_18_EVENING, cache=None)

    outcome = await source.short_volume(None, days=3)

    assert isinstance(outcome, Fetched)
    assert outcome.frame.schema == SHORT_VOLUME_SCHEMA
    assert outcome.frame["date"].unique(maintain_order=True).to_list() == [
        FEB[12],
        FEB[13],
        FEB[18],
    ]
    assert outcome.as_of == new_york(2026, 2, 18, 16, 0)
    requested = sorted(request.path for request in fault_server.requests)
    assert requested == sorted(SHORT_VOLUME_PATH.format(FEB[day]) for day in (12, 13, 17, 18))


async def test_short_volume_waits_for_6pm_before_asking_for_today(
    fault_server: FaultServer, client: HttpClient
) -> None:
    fault_server.serve(SHORT_VOLUME_PATH.format(FEB[17]), Reply(200, short_volume_file(FEB[17])))
    source = make_source(client, fault_server, new_york(2026, 2, 18, 17, 30), cache=None)

    outcome = await source.short_volume(None, days=1)

    assert isinstance(outcome, Fetched)
    assert outcome.frame["date"].unique().to_list() == [FEB[17]]
    assert [request.path for request in fault_server.requests] == [
        SHORT_VOLUME_PATH.format(FEB[17])
    ]


async def test_short_volume_look_back_is_bounded(
    fault_server: FaultServer, client: HttpClient
) -> None:
    source = make_source(client, fault_server, FEB_18_EVENING, cache=None)

    outcome = await source.short_volume(None, days=2)

    assert isinstance(outcome, Failed)
    assert outcome.kind is FailureKind.NOT_AVAILABLE
    assert len(fault_server.requests) == 2 + MAX_MISSING_DAYS


async def test_short_volume_filters_symbols_and_names_the_missing_ones(
    fault_server: FaultServer, client: HttpClient
) -> None:
    fault_server.serve(
        SHORT_VOLUME_PATH.format(FEB[18]), Reply(200, short_volume_file(FEB[18], newline=b"\r\n"))
    )
    source = make_source(client, fault_server, FEB_18_EVENING, cache=None)

    outcome = await source.short_volume(["MSFT", "ZZZZ"], days=1)

    assert isinstance(outcome, Fetched)
    assert outcome.frame.rows() == [(FEB[18], "MSFT", 9000000.5, 1200.0, 21000000.25)]
    assert outcome.problems == {"ZZZZ": "no short-sale volume reported"}


async def test_a_truncated_short_volume_file_fails_and_is_not_cached(
    fault_server: FaultServer, client: HttpClient, tmp_path: Path
) -> None:
    fault_server.serve(
        SHORT_VOLUME_PATH.format(FEB[18]), Reply(200, short_volume_file(FEB[18], trailer=5))
    )
    cache = Cache(tmp_path)
    source = make_source(client, fault_server, FEB_18_EVENING, cache)

    outcome = await source.short_volume(None, days=1)

    assert isinstance(outcome, Failed)
    assert outcome.kind is FailureKind.PARSE
    assert "CNMSshvol20260218.txt" in outcome.message
    assert "trailer counts 5 records, 2 were read" in outcome.message
    assert cache.age_s("finra/CNMSshvol20260218") is None


async def test_a_failed_day_leaves_the_cache_intact_and_fetched_days_are_kept(
    fault_server: FaultServer, client: HttpClient, tmp_path: Path
) -> None:
    for day in (13, 17):
        fault_server.serve(
            SHORT_VOLUME_PATH.format(FEB[day]), Reply(200, short_volume_file(FEB[day]))
        )
    newest = SHORT_VOLUME_PATH.format(FEB[18])
    fault_server.script(newest, server_error(503), truncated(short_volume_file(FEB[18])))
    fault_server.serve(newest, Reply(200, short_volume_file(FEB[18])))
    cache = Cache(tmp_path)
    cache.write_frame("finra/CNMSshvol20260213", parse_short_volume(short_volume_file(FEB[13])))
    cached_before = cache.read_frame("finra/CNMSshvol20260213", SHORT_VOLUME_SCHEMA)
    source = make_source(client, fault_server, FEB_18_EVENING, cache)

    failed = await source.short_volume(None, days=3)

    assert isinstance(failed, Failed)
    assert cache.age_s("finra/CNMSshvol20260218") is None
    cached_after = cache.read_frame("finra/CNMSshvol20260213", SHORT_VOLUME_SCHEMA)
    assert cached_before is not None and cached_after is not None
    assert cached_after.equals(cached_before)
    assert cache.age_s("finra/CNMSshvol20260217") is not None
    assert fault_server.requests_to(SHORT_VOLUME_PATH.format(FEB[13])) == []

    recovered = await source.short_volume(None, days=3)

    assert isinstance(recovered, Fetched)
    assert recovered.frame["date"].unique().sort().to_list() == [FEB[13], FEB[17], FEB[18]]
    assert len(fault_server.requests_to(SHORT_VOLUME_PATH.format(FEB[17]))) == 1
    assert fault_server.requests_to(SHORT_VOLUME_PATH.format(FEB[13])) == []


async def test_a_server_error_is_reported_as_the_clients_failure(
    fault_server: FaultServer, client: HttpClient
) -> None:
    fault_server.serve(SHORT_VOLUME_PATH.format(FEB[18]), server_error(500))
    source = make_source(client, fault_server, FEB_18_EVENING, cache=None)

    outcome = await source.short_volume(None, days=1)

    assert isinstance(outcome, Failed)
    assert outcome.kind is FailureKind.HTTP
    assert outcome.source == "finra"
