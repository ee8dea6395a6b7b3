"""SEC EDGAR: shares outstanding, the denominator of "short interest as % of shares outstanding".
No textual import.

- Ticker to CIK: ``company_tickers.json``, ``{"0": {"cik_str": 320193, "ticker": "AAPL",
  "title": "Apple Inc."}, ...}``.
- The whole market in one request: the XBRL frames API for the cover-page fact
  ``dei:EntityCommonStockSharesOutstanding``, ``{base}/api/xbrl/frames/dei/
  EntityCommonStockSharesOutstanding/shares/CY{year}Q{q}I.json`` ->
  ``{"ccp": "CY2026Q1I", "pts": n, "data": [{"accn", "cik", "entityName", "loc", "end", "val"}]}``.
  A quarter's frame fills as companies file, so the newest one is sparse: older quarters are merged
  in (the latest value per company wins) until enough companies are covered.
- Per company, for symbols the frames lack: ``{base}/api/xbrl/companyfacts/CIK##########.json`` ->
  ``{"facts": {"dei": {"EntityCommonStockSharesOutstanding": {"units": {"shares": [{"end",
  "val", "filed", ...}]}}}}}``.

The SEC does not publish the float, so ``float_shares`` is null and the table marks the figure
"of shares outstanding". The SEC asks every client for a User-Agent naming the requester: it comes
from ``sources.sec.contact``, without which nothing is requested. Everything fetched is cached for
days, so start-up does not hit the SEC; when a refresh fails, the older copy is used, and the
answer says so (``Fetched.refresh_failed``, with the copy's fetch time): the share counts show as
stale, with the SEC's health, never as a fresh success.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import functools
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from tui.cache import Cache
from tui.config import SecSettings
from tui.market_hours import NEW_YORK, REGULAR_CLOSE
from tui.sources.base import (
    Dataset,
    Failed,
    FailureKind,
    Fetched,
    FetchOutcome,
    conform,
    in_thread,
)
from tui.sources.http import HttpClient
from tui.sources.http_body import MB, ReplyLimit
from tui.symbols import canonical

SOURCE_NAME = "sec"
# The SEC's fair-access policy: at most 10 requests a second per client; stay under it.
REQUESTS_PER_SECOND = 8.0

# Where the contact comes from, as the user writes it in the config file.
CONTACT_KEY = "sources.sec.contact"

SHARES_TAG = "dei/EntityCommonStockSharesOutstanding"

# Shares outstanding move slowly; these are refreshed after three days.
MAX_AGE_S = 3 * 24 * 3600.0

# The frames are merged, newest quarter first, until this many companies are covered (a complete
# quarter holds several thousand filers) or MAX_FRAME_QUARTERS quarters have been read.
DENSE_FRAME_COMPANIES = 4000
MAX_FRAME_QUARTERS = 4

# Companyfacts documents run to megabytes: at most this many are fetched per call; the remaining
# symbols are looked up on the next calls.
MAX_COMPANY_FACTS_PER_CALL = 25

# The largest reply of each kind: the ticker list is under 1 MB, a quarter's frame a few MB, a big
# company's facts several MB.
TICKERS_REPLY_LIMIT = ReplyLimit("the ticker list", 16 * MB)
FRAME_REPLY_LIMIT = ReplyLimit("one shares-outstanding frame", 32 * MB)
COMPANY_FACTS_REPLY_LIMIT = ReplyLimit("one company-facts document", 64 * MB)

TICKERS_KEY = "sec/company_tickers"
MARKET_KEY = "sec/shares_outstanding"

# Ticker -> CIK, tickers as `sec_ticker` writes them.
TICKERS_SCHEMA = pl.Schema({"ticker": pl.String(), "cik": pl.Int64()})

# Shares outstanding by company, as parsed and cached.
COMPANY_SHARES_SCHEMA = pl.Schema(
    {"cik": pl.Int64(), "as_of": pl.Date(), "shares_outstanding": pl.Float64()}
)


class SecFormatError(ValueError):
    """An SEC reply is not in the documented shape."""


# --- parsing ---------------------------------------------------------------------------------


def _json(content: bytes, what: str) -> Any:
    try:
        return json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SecFormatError(
            f"the SEC's {what} is not JSON ({error.__class__.__name__})"
        ) from error


def sec_ticker(symbol: str) -> str:
    """A symbol as the SEC writes tickers: the canonical spelling, class shares with a dash
    (BRK-B)."""
    return canonical(symbol)


def parse_company_tickers(content: bytes) -> pl.DataFrame:
    """``company_tickers.json`` as a TICKERS_SCHEMA frame, tickers as ``sec_ticker`` writes them.
    Raises SecFormatError when it is not that document; an entry without a ticker or CIK is
    skipped. The file lists a company's main listing first, so a ticker seen twice keeps its first
    CIK."""
    document = _json(content, "ticker list")
    if not isinstance(document, dict):
        raise SecFormatError("the SEC's ticker list is not the expected object")
    tickers: dict[str, int] = {}
    for entry in document.values():
        if not isinstance(entry, dict):
            continue
        ticker, cik = entry.get("ticker"), entry.get("cik_str")
        if isinstance(ticker, str) and ticker.strip() and str(cik).isdigit():
            tickers.setdefault(sec_ticker(ticker), int(str(cik)))
    if not tickers:
        raise SecFormatError("the SEC's ticker list holds no tickers")
    return pl.DataFrame(
        {"ticker": list(tickers), "cik": list(tickers.values())}, schema=TICKERS_SCHEMA
    )


def _shares_rows(facts: Sequence[Any]) -> pl.DataFrame:
    """The well-formed facts ``{"cik"?, "end", "val", "filed"?, ...}`` with a positive value, as a
    frame of ``end`` (a date, null when unreadable), ``val``, ``filed`` and ``cik`` (text, empty
    when absent)."""
    rows = [
        fact
        for fact in facts
        if isinstance(fact, dict)
        and isinstance(fact.get("end"), str)
        and isinstance(fact.get("val"), int | float)
        and fact["val"] > 0  # a zero count would make "% of shares outstanding" infinite
    ]
    return pl.DataFrame(
        {
            "end": [row["end"] for row in rows],
            "val": [float(row["val"]) for row in rows],
            "filed": [str(row.get("filed", "")) for row in rows],
            "cik": [str(row.get("cik", "")) for row in rows],
        },
        schema={"end": pl.String(), "val": pl.Float64(), "filed": pl.String(), "cik": pl.String()},
    ).with_columns(pl.col("end").str.to_date("%Y-%m-%d", strict=False))


def parse_shares_frame(content: bytes) -> pl.DataFrame:
    """An XBRL frame of ``EntityCommonStockSharesOutstanding`` as COMPANY_SHARES_SCHEMA, one row
    per company. Malformed entries are skipped; a reply without a ``data`` list is an error."""
    document = _json(content, "XBRL frame")
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise SecFormatError("the SEC's XBRL frame has no data list")
    rows = _shares_rows(document["data"]).filter(
        pl.col("end").is_not_null() & pl.col("cik").str.contains(r"^\d+$")
    )
    return rows.select(
        pl.col("cik").cast(pl.Int64()),
        pl.col("end").alias("as_of"),
        pl.col("val").alias("shares_outstanding"),
    ).unique("cik", keep="last", maintain_order=True)


def parse_company_facts(content: bytes, cik: int) -> pl.DataFrame:
    """A companyfacts document as COMPANY_SHARES_SCHEMA: one row with the latest reported
    ``EntityCommonStockSharesOutstanding`` (the latest date, then the latest filing), or no rows
    when the company reports none. Raises SecFormatError when it is not a companyfacts document."""
    document = _json(content, "company facts")
    if not isinstance(document, dict) or not isinstance(document.get("facts"), dict):
        raise SecFormatError("the SEC's company facts have no facts object")
    facts: Any = document
    for key in ("facts", "dei", "EntityCommonStockSharesOutstanding", "units", "shares"):
        facts = facts.get(key) if isinstance(facts, dict) else None
    rows = _shares_rows(facts if isinstance(facts, list) else [])
    latest = rows.filter(pl.col("end").is_not_null()).sort("end", "filed").tail(1)
    return latest.select(
        pl.lit(cik, pl.Int64()).alias("cik"),
        pl.col("end").alias("as_of"),
        pl.col("val").alias("shares_outstanding"),
    )


def frame_periods(today: dt.date, count: int) -> list[str]:
    """The XBRL instant-frame periods of the ``count`` calendar quarters ending with today's,
    newest first: ``["CY2026Q1I", "CY2025Q4I", ...]``."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    periods = []
    for _ in range(count):
        periods.append(f"CY{year}Q{quarter}I")
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    return periods


# --- the source ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Held:
    """A frame kept in memory and when it was fetched, by the source's clock."""

    frame: pl.DataFrame
    fetched_at: dt.datetime


@dataclass(frozen=True, slots=True)
class _FellBack:
    """A refresh that failed, and when the older copy used instead was fetched."""

    failure: Failed
    fetched_at: dt.datetime


def _as_of(day: dt.date) -> dt.datetime:
    """A date as the instant its data describes: that day's close in New York, in UTC."""
    return dt.datetime.combine(day, REGULAR_CLOSE, NEW_YORK).astimezone(dt.UTC)


class SecSource:
    """Shares outstanding from SEC EDGAR. Returns Fetched or Failed and never raises for network
    or format problems."""

    name = SOURCE_NAME

    def __init__(
        self,
        client: HttpClient,
        settings: SecSettings,
        *,
        clock: Callable[[], dt.datetime],
        cache: Cache | None,
    ) -> None:
        self._client = client
        self._settings = settings
        self._contact = settings.contact.strip()
        self._headers = {"User-Agent": f"tapewatch {self._contact}"}
        self._clock = clock
        self._cache = cache
        self._held: dict[str, _Held] = {}

    async def shares(self, symbols: Sequence[str]) -> FetchOutcome:
        """Shares outstanding (SHARES_SCHEMA, ``float_shares`` null) for ``symbols``.

        Symbols the SEC cannot answer for are named in ``problems``. Without a contact in the
        settings nothing is requested, and the failure says which setting to fill in.
        """
        if not self._contact:
            message = (
                "the SEC asks every program that reads EDGAR to say who is asking: set "
                f'{CONTACT_KEY} in your config file ([sources.sec] contact = "Your Name '
                'you@example.com") to see short interest as % of shares outstanding'
            )
            return Failed(SOURCE_NAME, FailureKind.NOT_CONFIGURED, message)
        fell_back: list[_FellBack] = []
        tickers = await self._kept(TICKERS_KEY, TICKERS_SCHEMA, self._fetch_tickers, fell_back)
        if isinstance(tickers, Failed):
            return tickers
        market = await self._kept(MARKET_KEY, COMPANY_SHARES_SCHEMA, self._fetch_market, fell_back)
        if isinstance(market, Failed):
            return market

        lookup = await in_thread(_look_up, tickers, market, symbols)
        asked = lookup.lacking[:MAX_COMPANY_FACTS_PER_CALL]
        companies = await asyncio.gather(
            *(
                self._kept(
                    f"sec/companyfacts/CIK{cik:010d}",
                    COMPANY_SHARES_SCHEMA,
                    functools.partial(self._fetch_company, cik),
                    fell_back,
                )
                for cik in asked
            )
        )
        answer = await in_thread(
            _shares, lookup, dict(zip(asked, companies, strict=True)), self._clock()
        )
        if not fell_back:
            return answer
        return dataclasses.replace(
            answer,
            refresh_failed=fell_back[0].failure,
            fetched_at=min(older.fetched_at for older in fell_back),
        )

    async def _kept(
        self,
        key: str,
        schema: pl.Schema,
        fetch: Callable[[], Awaitable[pl.DataFrame | Failed]],
        fell_back: list[_FellBack],
    ) -> pl.DataFrame | Failed:
        """A frame held in memory or cached younger than MAX_AGE_S, else fetched and kept. When
        the fetch fails, an older copy is better than nothing and is returned instead (noted in
        ``fell_back`` with the time it was fetched)."""
        now = self._clock()
        held = self._held.get(key)
        if held is not None and (now - held.fetched_at).total_seconds() < MAX_AGE_S:
            return held.frame
        older = held
        if held is None and self._cache is not None:
            age_s, on_disk = await in_thread(self._read_cache, key, schema)
            if on_disk is not None and age_s is not None:
                older = _Held(on_disk, now - dt.timedelta(seconds=age_s))
                if age_s < MAX_AGE_S:
                    self._held[key] = older
                    return on_disk
        fetched = await fetch()
        if isinstance(fetched, Failed):
            if older is None:
                return fetched
            fell_back.append(_FellBack(fetched, older.fetched_at))
            return older.frame
        if self._cache is not None:
            await in_thread(self._cache.write_frame, key, fetched)
        self._held[key] = _Held(fetched, now)
        return fetched

    def _read_cache(self, key: str, schema: pl.Schema) -> tuple[float | None, pl.DataFrame | None]:
        """The age and frame of a cached entry (blocking)."""
        assert self._cache is not None
        age_s = self._cache.age_s(key)
        return age_s, (None if age_s is None else self._cache.read_frame(key, schema))

    async def _get_json(
        self, url: str, what: str, parse: Callable[[bytes], pl.DataFrame], limit: ReplyLimit
    ) -> pl.DataFrame | Failed | None:
        """GET and parse an SEC document; None when the SEC has no such document (404)."""
        reply = await self._client.get(
            url,
            source=SOURCE_NAME,
            headers=self._headers,
            accept=(404,),
            per_second=REQUESTS_PER_SECOND,
            limit=limit,
        )
        if isinstance(reply, Failed):
            return reply
        if reply.status == 404:
            return None
        return await in_thread(_parse_reply, parse, reply.content, what)

    async def _fetch_tickers(self) -> pl.DataFrame | Failed:
        tickers = await self._get_json(
            self._settings.tickers_url,
            "company_tickers.json",
            parse_company_tickers,
            TICKERS_REPLY_LIMIT,
        )
        if tickers is None:
            message = "the SEC has no ticker list at the configured tickers_url"
            return Failed(SOURCE_NAME, FailureKind.HTTP, message)
        return tickers

    async def _fetch_market(self) -> pl.DataFrame | Failed:
        """Shares outstanding of every company in the XBRL frames, newest quarter first, older
        quarters merged in until the frames cover DENSE_FRAME_COMPANIES."""
        base = self._settings.base_url.rstrip("/")
        merged: pl.DataFrame | None = None
        periods = frame_periods(self._clock().astimezone(NEW_YORK).date(), MAX_FRAME_QUARTERS)
        for period in periods:
            url = f"{base}/api/xbrl/frames/{SHARES_TAG}/shares/{period}.json"
            quarter = await self._get_json(
                url, f"frame {period}", parse_shares_frame, FRAME_REPLY_LIMIT
            )
            if isinstance(quarter, Failed):
                return quarter
            if quarter is None:  # a quarter no company has reported for yet
                continue
            merged = quarter if merged is None else pl.concat([merged, quarter])
            # The latest figure per company wins.
            merged = merged.sort("as_of").unique("cik", keep="last", maintain_order=True)
            if merged.height >= DENSE_FRAME_COMPANIES:
                break
        if merged is None:
            message = f"the SEC has no shares-outstanding frames for {', '.join(periods)}"
            return Failed(SOURCE_NAME, FailureKind.NOT_AVAILABLE, message)
        return merged

    async def _fetch_company(self, cik: int) -> pl.DataFrame | Failed:
        base = self._settings.base_url.rstrip("/")
        url = f"{base}/api/xbrl/companyfacts/CIK{cik:010d}.json"
        facts = await self._get_json(
            url,
            f"company facts of CIK {cik}",
            lambda content: parse_company_facts(content, cik),
            COMPANY_FACTS_REPLY_LIMIT,
        )
        # No companyfacts document: a company that files no XBRL has no figure to give.
        return pl.DataFrame(schema=COMPANY_SHARES_SCHEMA) if facts is None else facts


def _parse_reply(
    parse: Callable[[bytes], pl.DataFrame], content: bytes, what: str
) -> pl.DataFrame | Failed:
    """An SEC reply parsed, or why it could not be (blocking)."""
    try:
        return parse(content)
    except SecFormatError as error:
        return Failed(SOURCE_NAME, FailureKind.PARSE, f"{error} ({what})")


@dataclass(frozen=True, slots=True)
class _Lookup:
    """Symbols matched to filers, and what the market-wide frames report for them."""

    ciks: dict[str, int]  # symbol -> CIK, for symbols an SEC filer has
    problems: dict[str, str]
    reported: dict[int, tuple[Any, ...]]  # CIK -> (as_of, shares_outstanding)
    lacking: list[int]  # CIKs the frames have no figure for, sorted


def _look_up(tickers: pl.DataFrame, market: pl.DataFrame, symbols: Sequence[str]) -> _Lookup:
    """Match ``symbols`` to CIKs and to the frames' figures (blocking: CPU on whole frames)."""
    cik_of = dict(tickers.iter_rows())
    problems: dict[str, str] = {}
    ciks: dict[str, int] = {}
    for symbol in symbols:
        cik = cik_of.get(sec_ticker(symbol))
        if cik is None:
            problems[symbol] = "no SEC filer has this ticker"
        else:
            ciks[symbol] = cik
    wanted = pl.Series(sorted(set(ciks.values())), dtype=pl.Int64())
    reported = {
        row[0]: row[1:] for row in market.filter(pl.col("cik").is_in(wanted.implode())).rows()
    }
    lacking = sorted(set(ciks.values()) - reported.keys())
    return _Lookup(ciks, problems, reported, lacking)


def _shares(
    lookup: _Lookup, companies: dict[int, pl.DataFrame | Failed], now: dt.datetime
) -> Fetched:
    """The SHARES_SCHEMA frame of the looked-up symbols, with the companies' own figures for
    those the frames lacked (blocking)."""
    problems = dict(lookup.problems)
    reported = dict(lookup.reported)
    ciks = lookup.ciks
    for cik, company in companies.items():
        if isinstance(company, Failed):
            problems.update(
                (symbol, f"not fetched: {company.message}")
                for symbol, value in ciks.items()
                if value == cik
            )
        elif company.height:
            reported[cik] = company.row(0)[1:]
    postponed = set(lookup.lacking[MAX_COMPANY_FACTS_PER_CALL:])
    rows = []
    for symbol, cik in ciks.items():
        if cik in reported:
            rows.append((symbol, *reported[cik]))
        elif cik in postponed:
            problems[symbol] = "not looked up yet: a few names are asked of the SEC per refresh"
        else:
            problems.setdefault(symbol, "no shares outstanding reported to the SEC")
    frame = pl.DataFrame(
        rows,
        schema={"symbol": pl.String(), "as_of": pl.Date(), "shares_outstanding": pl.Float64()},
        orient="row",
    ).select(
        "symbol",
        "as_of",
        "shares_outstanding",
        pl.lit(None, pl.Float64()).alias("float_shares"),
        pl.lit(SOURCE_NAME).alias("source"),
    )
    newest = frame["as_of"].max()
    as_of = _as_of(newest) if isinstance(newest, dt.date) else now
    return Fetched(frame=conform(frame, Dataset.SHARES), as_of=as_of, problems=problems)
