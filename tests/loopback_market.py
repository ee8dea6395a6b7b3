"""The live market on loopback: a FaultServer that answers as Yahoo, FINRA, the SEC and State
Street do, serving
a frozen demo market as the truth, with faults that can be switched on and off per source.

    market = await LoopbackMarket.start(fault_server)
    clock = ManualClock(market.truth.moment)
    source = market.live_source(market.settings(), clock=clock, cache=Cache.default())
    market.inject("yahoo", internal_error)  # every Yahoo request now gets a 500
    market.heal("yahoo")

What is served, in each service's own format, with values from `MarketTruth`:

- Yahoo: ``/v8/finance/chart/{symbol}`` with ``interval`` 1m, 5m or 1d, ``range`` (1d, 5d, 1mo,
  3mo, 6mo, 1y, 2y, 5y, 10y, ytd, max) and ``includePrePost``; 404 with Yahoo's ``chart.error``
  body for a symbol the demo does not know, 422 for an interval or range Yahoo would refuse.
  Intraday bars reach back ``INTRADAY_SESSIONS`` sessions. ``/v8/finance/spark`` with
  ``symbols`` (at most 20), ``interval`` 1m or 5m (``range`` 1d or 5d, and ``includePrePost``)
  or 1d (any range a daily chart takes; bars stamped at their session's open, as in a chart),
  in the flat shape: each known symbol's closes and ``chartPreviousClose``; unknown symbols are
  left out, and a request that knows none answers 404.
- FINRA: ``shrt{YYYYMMDD}.csv`` (pipe-delimited, the real header, issue names cut to 30
  characters, 999.99 days to cover for no volume) and ``CNMSshvol{YYYYMMDD}.txt`` (CRLF, a trailer
  line with the record count); 404 for a date whose file the demo has not posted.
- SEC: ``company_tickers.json`` and the XBRL frames of ``EntityCommonStockSharesOutstanding`` per
  calendar quarter (404 for a quarter without facts). CIKs are synthetic.
- SSGA: ``navhist-us-en-{fund}.xlsx`` and ``holdings-daily-us-en-{fund}.xlsx`` for the demo's
  sector SPDRs, written in State Street's layout (tests/ssga_workbooks.py); 404 for another fund.

The market stands still: every poll gets the same figures, whatever the clock says, so a test can
compare what the dashboard shows with `LoopbackMarket.truth`.

Hostile data, for the checks of what a figure or a name can be: `yahoo_prices` (0, negative,
1e308, NaN for some symbols), `yahoo_times` (quotes and bars stamped in the future), `yahoo_names`
(a ``longName`` with markup and escape sequences), `finra_short_positions` (a negative short
position) and `finra_issue_names`, all faults like the others; `list_symbol` adds a symbol the
embedded universe does not know (its name then comes from Yahoo and FINRA, as for any such name).

Each source's URLs name their own host under the reserved ``.test`` domain, so the shared HTTP
client keeps one circuit per host as it does live (a Yahoo 429 does not silence FINRA);
`LoopbackTransport` delivers every request to the server on 127.0.0.1, whatever its host.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import json
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

import httpx
import polars as pl

from tests.faultserver import (
    FaultServer,
    RecordedRequest,
    Reply,
    json_reply,
    rate_limited,
    reset_mid_body,
    server_error,
    truncated,
)
from tests.ssga_workbooks import holdings_rows, holdings_workbook, nav_rows, nav_workbook
from tui import market_hours
from tui.cache import Cache
from tui.config import (
    FinraSettings,
    HttpSettings,
    SecSettings,
    Settings,
    SourcesSettings,
    SsgaSettings,
    StreamSettings,
    YahooSettings,
)
from tui.market_hours import NEW_YORK
from tui.sources import universe
from tui.sources.base import Fetched, FetchOutcome, SymbolInfo
from tui.sources.demo import DemoMarket
from tui.sources.live import LiveSource

ServiceName = Literal["yahoo", "finra", "sec", "ssga"]

# 11:30 in New York on the demo's session day: two hours of the session traded.
DEFAULT_MOMENT: Final = dt.datetime(2026, 2, 11, 16, 30, tzinfo=dt.UTC)
# Not the app's default demo seed, so that switching to the demo market visibly changes figures.
DEFAULT_SEED: Final = 7
INTRADAY_SESSIONS: Final = 5  # enough for the widest intraday range tapewatch asks for (5d)

YAHOO_URL: Final = "http://query1.finance.yahoo.test"
FINRA_URL: Final = "http://cdn.finra.test"
SEC_URL: Final = "http://data.sec.test"
SEC_TICKERS_URL: Final = "http://www.sec.test/files/company_tickers.json"
SEC_CONTACT: Final = "tapewatch tests tests@example.com"
SSGA_URL: Final = "http://www.ssga.test/library-content/products/fund-data/etfs/us"

# One retry keeps a failing poll short; the timeouts leave room for a busy test machine. The
# request budget is out of the way: its own tests and the benchmark set it.
TEST_HTTP: Final = HttpSettings(
    connect_timeout=2.0, read_timeout=5.0, retries=1, requests_per_minute=6000, budget_burst=100
)

Fault = Callable[[Reply], Reply]
"""Turns the reply a service would have sent into the one it sends while the fault is on."""


def internal_error(reply: Reply) -> Reply:
    """HTTP 500 instead of the reply."""
    return server_error(500)


def connection_reset(reply: Reply) -> Reply:
    """The headers and half the body, then a TCP reset."""
    return reset_mid_body(reply.body)


def cut_short(reply: Reply) -> Reply:
    """The whole length announced, half the body sent, then the connection closed."""
    return truncated(reply.body)


def throttled(retry_after_s: int) -> Fault:
    """HTTP 429 with ``Retry-After`` in seconds."""
    return lambda reply: rate_limited(str(retry_after_s))


def delayed(seconds: float) -> Fault:
    """The reply, ``seconds`` late."""
    return lambda reply: dataclasses.replace(reply, delay_s=reply.delay_s + seconds)


def all_of(*faults: Fault) -> Fault:
    """Every one of ``faults``, applied in turn."""

    def fault(reply: Reply) -> Reply:
        for each in faults:
            reply = each(reply)
        return reply

    return fault


# A name as a hostile server could send it: Textual markup with a live action link, then an
# OSC sequence that retitles the terminal and a CSI sequence that clears it.
HOSTILE_NAME: Final = "[bold red]HACKED[/] [@click=app.quit]click me[/] \x1b]0;PWNED\x07\x1b[2J"
# FINRA cuts issue names to 30 characters: a link tag that fits, and escape sequences.
HOSTILE_ISSUE_NAME: Final = "[link=x]Evil[/link]\x1b[2J\x07"


def _chart_fault(
    symbols: Collection[str],
    edit: Callable[[dict[str, Any]], None],
    spark_edit: Callable[[dict[str, Any]], None] | None = None,
) -> Fault:
    """A fault that rewrites the chart of each of ``symbols`` with ``edit`` (given the chart's
    ``result[0]``) and, with ``spark_edit``, their entries in a spark reply (given each
    symbol's flat entry); other replies pass unchanged."""

    def fault(reply: Reply) -> Reply:
        try:
            document = json.loads(reply.body)
        except ValueError:
            return reply
        if not isinstance(document, dict):
            return reply
        if "chart" not in document:  # a spark reply: symbol -> closes
            hit = [document[s] for s in symbols if isinstance(document.get(s), dict)]
            if spark_edit is None or not hit:
                return reply
            for entry in hit:
                spark_edit(entry)
            return dataclasses.replace(reply, body=json.dumps(document).encode())
        try:
            result = document["chart"]["result"][0]
        except (KeyError, IndexError, TypeError):
            return reply
        if result["meta"]["symbol"] not in symbols:
            return reply
        edit(result)
        return dataclasses.replace(reply, body=json.dumps(document).encode())

    return fault


def yahoo_prices(value: float, symbols: Collection[str]) -> Fault:
    """Every price of ``symbols``' charts — each bar's open, high, low and close, and the
    regular-market price — replaced by ``value`` (0, a negative, 1e308, NaN)."""

    def edit(result: dict[str, Any]) -> None:
        result["meta"]["regularMarketPrice"] = value
        for quote in result["indicators"]["quote"]:
            for name in ("open", "high", "low", "close"):
                if name in quote:
                    quote[name] = [value for _ in quote[name]]

    def spark_edit(entry: dict[str, Any]) -> None:
        entry["chartPreviousClose"] = value
        if entry.get("close"):
            entry["close"] = [value for _ in entry["close"]]

    return _chart_fault(symbols, edit, spark_edit)


def yahoo_times(moment: dt.datetime, symbols: Collection[str]) -> Fault:
    """``symbols``' regular-market time and newest bar stamped at ``moment`` (the year 2100)."""

    def edit(result: dict[str, Any]) -> None:
        result["meta"]["regularMarketTime"] = int(moment.timestamp())
        if result.get("timestamp"):
            result["timestamp"][-1] = int(moment.timestamp())

    def spark_edit(entry: dict[str, Any]) -> None:
        if entry.get("timestamp"):
            entry["timestamp"][-1] = int(moment.timestamp())

    return _chart_fault(symbols, edit, spark_edit)


def yahoo_names(name: str, symbols: Collection[str]) -> Fault:
    """``symbols``' ``longName`` and ``shortName`` replaced by ``name``."""

    def edit(result: dict[str, Any]) -> None:
        result["meta"]["longName"] = result["meta"]["shortName"] = name

    return _chart_fault(symbols, edit)


def _short_interest_fault(symbols: Collection[str], column: str, value: str) -> Fault:
    """A fault that sets ``column`` to ``value`` in the short-interest file rows of
    ``symbols``; other replies pass unchanged."""

    def fault(reply: Reply) -> Reply:
        lines = reply.body.decode().split("\n")
        if not lines or not lines[0].startswith("accountingYearMonthNumber|"):
            return reply
        position = lines[0].split("|").index(column)
        for index, line in enumerate(lines[1:], start=1):
            fields = line.split("|")
            if len(fields) > position and fields[1] in symbols:
                fields[position] = value
                lines[index] = "|".join(fields)
        return dataclasses.replace(reply, body="\n".join(lines).encode())

    return fault


def finra_short_positions(value: float, symbols: Collection[str]) -> Fault:
    """``symbols``' current short positions in FINRA's short-interest files set to ``value``."""
    return _short_interest_fault(symbols, "currentShortPositionQuantity", f"{value:g}")


def finra_issue_names(name: str, symbols: Collection[str]) -> Fault:
    """``symbols``' issue names in FINRA's short-interest files set to ``name``."""
    return _short_interest_fault(symbols, "issueName", name)


class ManualClock:
    """A UTC wall clock that moves only when told to (the app, the feed and the live sources all
    read it, so ages, rate limits and FINRA's publication calendar follow it)."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.now += dt.timedelta(seconds=seconds)


@dataclass(frozen=True)
class MarketTruth:
    """What the loopback market serves: the demo market's frames at one moment, every symbol."""

    moment: dt.datetime
    quotes: pl.DataFrame
    daily: pl.DataFrame
    intraday: Mapping[str, pl.DataFrame]  # by interval, "1m" and "5m"
    short_interest: pl.DataFrame  # every settlement published by ``moment``
    short_volume: pl.DataFrame  # every day posted by ``moment``
    shares: pl.DataFrame
    fund_nav: pl.DataFrame  # the sector SPDRs' NAV history, every day published by ``moment``
    fund_holdings: pl.DataFrame  # their holdings, as of the day before ``moment``

    @classmethod
    async def of_demo(cls, seed: int, moment: dt.datetime) -> MarketTruth:
        """The demo market of ``seed``, stopped at ``moment`` (a time in its session day)."""
        local = moment.astimezone(NEW_YORK)
        demo = DemoMarket(
            seed, session_date=local.date(), start_time=local.time(), monotonic=lambda: 0.0
        )
        symbols = list(universe.SYMBOLS)
        stocks = universe.stock_symbols()
        funds = universe.etf_symbols()
        everything = 100_000  # more sessions, settlements or days than the demo holds
        return cls(
            moment=moment,
            quotes=_frame(await demo.quotes(symbols)),
            daily=_frame(await demo.bars(symbols, "1d", everything)),
            intraday={
                "1m": _frame(await demo.bars(symbols, "1m", INTRADAY_SESSIONS)),
                "5m": _frame(await demo.bars(symbols, "5m", INTRADAY_SESSIONS)),
            },
            short_interest=_frame(await demo.short_interest(None, everything)),
            short_volume=_frame(await demo.short_volume(None, everything)),
            shares=_frame(await demo.shares(stocks)),
            fund_nav=_frame(await demo.fund_nav_history(funds, everything)),
            fund_holdings=_frame(await demo.fund_holdings(funds)),
        )


def sources_toml(base_url: str) -> str:
    """The config lines that point a `tapewatch` process's live sources at a loopback market
    served at ``base_url`` (every service answers on the one address, by path)."""
    return f"""
[sources.yahoo]
base_url = "{base_url}"
[sources.finra]
base_url = "{base_url}"
[sources.sec]
base_url = "{base_url}"
tickers_url = "{base_url}/files/company_tickers.json"
contact = "{SEC_CONTACT}"
[sources.ssga]
base_url = "{base_url}/library-content/products/fund-data/etfs/us"
"""


def session_moment(now: dt.datetime) -> dt.datetime:
    """A moment of a session that has begun by ``now`` (today's, or the last one's afternoon):
    a market served as it stood then suits a process that runs on the real clock (FINRA's files
    of the days before it are there)."""
    local = now.astimezone(NEW_YORK)
    times = market_hours.session_times(local.date())
    if times is not None and now >= times.open + dt.timedelta(minutes=15):
        return min(now, times.close)
    day = market_hours.previous_trading_day(local.date())
    return dt.datetime.combine(day, dt.time(15, 30), tzinfo=NEW_YORK).astimezone(dt.UTC)


def _frame(outcome: FetchOutcome) -> pl.DataFrame:
    assert isinstance(outcome, Fetched), outcome
    return outcome.frame


class LoopbackTransport(httpx.AsyncBaseTransport):
    """Delivers every request to the loopback server, whatever host its URL names (the Host
    header keeps the name, so the server's log shows which service was asked)."""

    def __init__(self, port: int) -> None:
        self._port = port
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self._port)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


Route = Callable[[RecordedRequest, re.Match[str]], Reply]


class LoopbackMarket:
    """Yahoo, FINRA and the SEC on one FaultServer, answering from a `MarketTruth`."""

    def __init__(self, server: FaultServer, truth: MarketTruth) -> None:
        self.server = server
        self.truth = truth
        # Kept: a test may stop the server to play "offline", and then connections are refused.
        self.port = int(server.url.rsplit(":", 1)[1])
        self._faults: dict[ServiceName, Fault] = {}
        # Good replies by path and query, built once: polls ask for the same charts again.
        self._replies: dict[tuple[str, tuple[tuple[str, str], ...]], Reply] = {}
        self._routes: tuple[tuple[re.Pattern[str], ServiceName, Route], ...] = (
            (re.compile(r"/v8/finance/chart/(?P<symbol>[^/]+)"), "yahoo", self._chart),
            (re.compile(r"/v8/finance/spark"), "yahoo", self._spark),
            (
                re.compile(r"/equity/otcmarket/biweekly/shrt(?P<day>\d{8})\.csv"),
                "finra",
                self._short_interest_file,
            ),
            (
                re.compile(r"/equity/regsho/daily/CNMSshvol(?P<day>\d{8})\.txt"),
                "finra",
                self._short_volume_file,
            ),
            (re.compile(r"/files/company_tickers\.json"), "sec", self._company_tickers),
            (
                re.compile(
                    r"/api/xbrl/frames/dei/EntityCommonStockSharesOutstanding/shares/"
                    r"CY(?P<year>\d{4})Q(?P<quarter>[1-4])I\.json"
                ),
                "sec",
                self._shares_frame,
            ),
            (re.compile(r".*/navhist-us-en-(?P<fund>[a-z]+)\.xlsx"), "ssga", self._nav_history),
            (
                re.compile(r".*/holdings-daily-us-en-(?P<fund>[a-z]+)\.xlsx"),
                "ssga",
                self._holdings,
            ),
        )
        self._daily = _by_symbol(truth.daily)
        self._intraday = {interval: _by_symbol(bars) for interval, bars in truth.intraday.items()}
        self._quotes = {row["symbol"]: row for row in truth.quotes.iter_rows(named=True)}
        self._ciks = {symbol: 1_900_001 + i for i, symbol in enumerate(universe.stock_symbols())}
        self._like: dict[str, str] = {}  # a listed symbol -> the universe symbol it copies
        server.fallback = self._answer

    @classmethod
    async def start(
        cls,
        server: FaultServer,
        *,
        seed: int = DEFAULT_SEED,
        moment: dt.datetime = DEFAULT_MOMENT,
    ) -> LoopbackMarket:
        """Serve the demo market of ``seed`` as it stands at ``moment`` from ``server``."""
        truth = await MarketTruth.of_demo(seed, moment)
        return cls(server, truth)

    # -- faults ---------------------------------------------------------------------------------

    def inject(self, service: ServiceName, fault: Fault) -> None:
        """From now on every request to ``service`` gets ``fault``'s reply."""
        self._faults[service] = fault

    def heal(self, service: ServiceName) -> None:
        """``service`` answers normally again."""
        self._faults.pop(service, None)

    def list_symbol(self, symbol: str, *, like: str) -> None:
        """Serve ``symbol``, unknown to the embedded universe, with ``like``'s figures: its
        prices on Yahoo, its short interest and short volume at FINRA, its shares at the SEC.
        The truth gains its rows too."""
        self._like[symbol] = like
        self._daily[symbol] = self._daily[like].with_columns(symbol=pl.lit(symbol))
        for bars in self._intraday.values():
            bars[symbol] = bars[like].with_columns(symbol=pl.lit(symbol))
        self._quotes[symbol] = {**self._quotes[like], "symbol": symbol}
        self._ciks[symbol] = max(self._ciks.values()) + 1

        def listed(frame: pl.DataFrame) -> pl.DataFrame:
            copy = frame.filter(pl.col("symbol") == like).with_columns(symbol=pl.lit(symbol))
            return pl.concat([frame, copy])

        self.truth = dataclasses.replace(
            self.truth,
            quotes=listed(self.truth.quotes),
            daily=listed(self.truth.daily),
            short_interest=listed(self.truth.short_interest),
            short_volume=listed(self.truth.short_volume),
            shares=listed(self.truth.shares),
        )
        self._replies.clear()

    def _info(self, symbol: str) -> SymbolInfo:
        return universe.SYMBOLS[self._like.get(symbol, symbol)]

    def requests(self, service: ServiceName) -> list[RecordedRequest]:
        """The requests that reached ``service``, oldest first."""
        return [request for request in self.server.requests if self.service_of(request) == service]

    # -- pointing tapewatch at it ---------------------------------------------------------------

    def settings(self, base: Settings | None = None) -> Settings:
        """``base`` (default settings) on the live source, with this market's URLs, an SEC
        contact and quick HTTP retries; no price stream unless ``base`` points one at a loopback
        server (a test never reaches the real streamer)."""
        base = base or Settings()
        sources = SourcesSettings(
            yahoo=YahooSettings(base_url=YAHOO_URL),
            finra=FinraSettings(base_url=FINRA_URL),
            sec=SecSettings(base_url=SEC_URL, tickers_url=SEC_TICKERS_URL, contact=SEC_CONTACT),
            ssga=SsgaSettings(base_url=SSGA_URL),
            files=base.sources.files,
        )
        stream = base.stream if base.stream.url else StreamSettings(provider="off")
        return dataclasses.replace(
            base, source="live", sources=sources, http=TEST_HTTP, stream=stream
        )

    def transport(self) -> LoopbackTransport:
        """An httpx transport that reaches this market's server (or its port, once stopped)."""
        return LoopbackTransport(self.port)

    def live_source(
        self, settings: Settings, *, clock: Callable[[], dt.datetime], cache: Cache | None
    ) -> LiveSource:
        """tapewatch's live source, talking to this market."""
        return LiveSource(settings, cache=cache, clock=clock, transport=self.transport())

    # -- answering ------------------------------------------------------------------------------

    def service_of(self, request: RecordedRequest) -> ServiceName | None:
        """The service a request was for, by its path (None for a path none of them serves)."""
        return next(
            (service for pattern, service, _ in self._routes if pattern.fullmatch(request.path)),
            None,
        )

    def _answer(self, request: RecordedRequest) -> Reply:
        for pattern, service, route in self._routes:
            match = pattern.fullmatch(request.path)
            if match is None:
                continue
            key = (request.path, tuple(sorted(request.query.items())))
            reply = self._replies.get(key)
            if reply is None:
                reply = self._replies[key] = route(request, match)
            fault = self._faults.get(service)
            return reply if fault is None else fault(reply)
        return Reply(404, b"Not Found")

    # Yahoo ------------------------------------------------------------------------------------

    def _chart(self, request: RecordedRequest, match: re.Match[str]) -> Reply:
        symbol = match["symbol"]
        interval = request.query.get("interval", "1d")
        range_ = request.query.get("range", "1mo")
        if symbol not in self._daily:
            return json_reply(
                _chart_error("Not Found", "No data found, symbol may be delisted"), 404
            )
        if interval == "1d":
            bars = self._daily[symbol]
            days = bars["ts"].dt.date().to_list()
            starts = [_session_open(day) for day in days]
        elif interval in self._intraday:
            bars = self._intraday[interval][symbol]
            starts = bars["ts"].to_list()
            days = [start.astimezone(NEW_YORK).date() for start in starts]
        else:
            description = f"Invalid input - interval={interval} is not supported"
            return json_reply(_chart_error("Unprocessable Entity", description), 422)
        first = _window_start(days, range_, self.truth.moment.astimezone(NEW_YORK).date())
        if first is None:
            description = f"Invalid input - range={range_} is not supported"
            return json_reply(_chart_error("Unprocessable Entity", description), 422)
        keep = list(range(first, len(days)))
        if interval != "1d" and request.query.get("includePrePost") != "true":
            keep = [i for i in keep if _in_regular_session(starts[i])]
        meta = self._chart_meta(symbol, interval, range_, days[keep[0]] if keep else None)
        result: dict[str, Any] = {"meta": meta}
        if not keep:  # Yahoo's way of saying "no bars in this window"
            result["indicators"] = {"quote": [{}]}
        else:
            result["timestamp"] = [int(starts[i].timestamp()) for i in keep]
            columns = {
                name: bars[name].to_list() for name in ("open", "high", "low", "close", "volume")
            }
            quote = {name: [values[i] for i in keep] for name, values in columns.items()}
            result["indicators"] = {"quote": [quote]}
            if interval == "1d":
                result["indicators"]["adjclose"] = [{"adjclose": quote["close"]}]
        return json_reply({"chart": {"result": [result], "error": None}})

    def _spark(self, request: RecordedRequest, match: re.Match[str]) -> Reply:
        symbols = [s for s in request.query.get("symbols", "").split(",") if s]
        interval = request.query.get("interval", "5m")
        range_ = request.query.get("range", "1d")
        if not 1 <= len(symbols) <= 20:
            description = "Invalid input - symbols: 1 to 20 are allowed"
            return json_reply(_chart_error("Unprocessable Entity", description), 422)
        today = self.truth.moment.astimezone(NEW_YORK).date()
        daily = interval == "1d"
        daily_range = range_ in ("1d", "5d", "ytd", "max", *_RANGE_MONTHS)
        if not (daily and daily_range) and (
            interval not in self._intraday or range_ not in ("1d", "5d")
        ):
            description = f"Invalid input - interval={interval} range={range_} is not supported"
            return json_reply(_chart_error("Unprocessable Entity", description), 422)
        answer: dict[str, Any] = {}
        for symbol in dict.fromkeys(symbols):
            if symbol not in (self._daily if daily else self._intraday[interval]):
                continue
            bars = self._daily[symbol] if daily else self._intraday[interval][symbol]
            if daily:  # as in a daily chart: each bar stamped at its session's open
                days = bars["ts"].dt.date().to_list()
                starts = [_session_open(day) for day in days]
            else:
                starts = bars["ts"].to_list()
                days = [start.astimezone(NEW_YORK).date() for start in starts]
            first = _window_start(days, range_, today) or 0
            keep = list(range(first, len(days)))
            if not daily and request.query.get("includePrePost") != "true":
                keep = [i for i in keep if _in_regular_session(starts[i])]
            first_day = days[keep[0]] if keep else today
            closes = self._daily[symbol].filter(pl.col("ts").dt.date() < first_day)
            closing = bars["close"].to_list()
            answer[symbol] = {
                "symbol": symbol,
                "timestamp": [int(starts[i].timestamp()) for i in keep] or None,
                "close": [closing[i] for i in keep] or None,
                "chartPreviousClose": closes["close"][-1] if closes.height else None,
                "previousClose": None,
                "dataGranularity": _GRANULARITY_S[interval],
                "end": None,
                "start": None,
            }
        if not answer:
            return json_reply(_chart_error("Not Found", "No data found for spark symbols"), 404)
        return json_reply(answer)

    def _chart_meta(
        self, symbol: str, interval: str, range_: str, first_day: dt.date | None
    ) -> dict[str, Any]:
        info = self._info(symbol)
        quote = self._quotes[symbol]
        today = self.truth.moment.astimezone(NEW_YORK).date()
        times = market_hours.session_times(today)
        assert times is not None  # the truth's moment is in a session day
        offset = times.open.astimezone(NEW_YORK).utcoffset()
        assert offset is not None
        exchange, full_exchange = _EXCHANGES[info.kind]
        closes = self._daily[symbol].filter(pl.col("ts").dt.date() < (first_day or today))
        return {
            "currency": "USD",
            "symbol": symbol,
            "exchangeName": exchange,
            "fullExchangeName": full_exchange,
            "instrumentType": _INSTRUMENT_TYPES[info.kind],
            "regularMarketTime": int(quote["ts"].timestamp()),
            "hasPrePostMarketData": info.kind != "index",
            "gmtoffset": int(offset.total_seconds()),
            "timezone": times.open.astimezone(NEW_YORK).tzname(),
            "exchangeTimezoneName": "America/New_York",
            "regularMarketPrice": quote["last"],
            "regularMarketDayHigh": quote["high"],
            "regularMarketDayLow": quote["low"],
            "regularMarketVolume": quote["volume"],
            "longName": info.name if symbol not in self._like else f"{symbol} Inc.",
            "shortName": info.name if symbol not in self._like else f"{symbol} Inc.",
            "chartPreviousClose": closes["close"][-1] if closes.height else None,
            "scale": 3,
            "priceHint": 2,
            "currentTradingPeriod": {
                "pre": _period(times.pre_open, times.open),
                "regular": _period(times.open, times.close),
                "post": _period(times.close, times.post_close),
            },
            "dataGranularity": interval,
            "range": range_,
            "validRanges": ["1d", "5d", *_RANGE_MONTHS, "ytd", "max"],
        }

    # FINRA ------------------------------------------------------------------------------------

    def _short_interest_file(self, request: RecordedRequest, match: re.Match[str]) -> Reply:
        day = _file_date(match["day"])
        rows = self.truth.short_interest.filter(pl.col("settlement_date") == day)
        if rows.is_empty():
            return Reply(404, b"Not Found")
        lines = [_SHORT_INTEREST_HEADER]
        for row in rows.iter_rows(named=True):
            symbol = row["symbol"]
            short, prior = row["short_shares"], row["prior_short_shares"]
            change_pct = (short - prior) / prior * 100 if prior else 100.0
            params = universe.STOCK_PARAMS[self._like.get(symbol, symbol)]
            listing = "R|NNM" if params.in_nasdaq100 else "A|NYSE"
            days_to_cover = row["days_to_cover"]
            fields = (
                f"{day:%Y%m%d}",
                symbol,
                self._info(symbol).name[:30],  # FINRA cuts issue names to 30 characters
                listing,
                _number(short),
                _number(prior),
                "",  # stockSplitFlag
                _number(row["avg_daily_volume"]),
                "999.99" if days_to_cover is None else f"{days_to_cover:.2f}",
                "",  # revisionFlag
                f"{change_pct:.2f}",
                _number(short - prior),
                f"{day:%Y-%m-%d}",
            )
            lines.append("|".join(fields))
        body = "\n".join(lines) + "\n"
        return Reply(200, body.encode(), {"Content-Type": "text/csv"})

    def _short_volume_file(self, request: RecordedRequest, match: re.Match[str]) -> Reply:
        day = _file_date(match["day"])
        rows = self.truth.short_volume.filter(pl.col("date") == day)
        if rows.is_empty():
            return Reply(404, b"Not Found")
        lines = ["Date|Symbol|ShortVolume|ShortExemptVolume|TotalVolume|Market"]
        lines += [
            f"{day:%Y%m%d}|{row['symbol']}|{_number(row['short_volume'])}|"
            f"{_number(row['short_exempt_volume'])}|{_number(row['total_volume'])}|B,Q,N"
            for row in rows.iter_rows(named=True)
        ]
        lines.append(str(rows.height))  # the trailer: a bare record count
        body = "\r\n".join(lines) + "\r\n"
        return Reply(200, body.encode(), {"Content-Type": "text/plain"})

    # SEC --------------------------------------------------------------------------------------

    def _company_tickers(self, request: RecordedRequest, match: re.Match[str]) -> Reply:
        return json_reply(
            {
                str(i): {"cik_str": cik, "ticker": symbol, "title": self._info(symbol).name}
                for i, (symbol, cik) in enumerate(self._ciks.items())
            }
        )

    def _shares_frame(self, request: RecordedRequest, match: re.Match[str]) -> Reply:
        year, quarter = int(match["year"]), int(match["quarter"])
        rows = self.truth.shares.filter(
            pl.col("as_of").dt.year() == year, (pl.col("as_of").dt.month() - 1) // 3 + 1 == quarter
        )
        if rows.is_empty():
            return Reply(404, b"Not Found")
        data = [
            {
                "accn": f"{self._ciks[row['symbol']]:010d}-{year % 100:02d}-{i:06d}",
                "cik": self._ciks[row["symbol"]],
                "entityName": self._info(row["symbol"]).name.upper(),
                "loc": "US-NY",
                "end": row["as_of"].isoformat(),
                "val": round(row["shares_outstanding"]),
            }
            for i, row in enumerate(rows.iter_rows(named=True), start=1)
        ]
        return json_reply(
            {
                "taxonomy": "dei",
                "tag": "EntityCommonStockSharesOutstanding",
                "ccp": f"CY{year}Q{quarter}I",
                "uom": "shares",
                "label": "Entity Common Stock, Shares Outstanding",
                "pts": len(data),
                "data": data,
            }
        )

    # SSGA -------------------------------------------------------------------------------------

    def _nav_history(self, request: RecordedRequest, match: re.Match[str]) -> Reply:
        fund = match["fund"].upper()
        rows = self.truth.fund_nav.filter(pl.col("fund") == fund)
        if rows.is_empty():
            return Reply(404, b"Not Found")
        return Reply(200, nav_workbook(fund, nav_rows(rows)), _XLSX)

    def _holdings(self, request: RecordedRequest, match: re.Match[str]) -> Reply:
        fund = match["fund"].upper()
        rows = self.truth.fund_holdings.filter(pl.col("fund") == fund)
        if rows.is_empty():
            return Reply(404, b"Not Found")
        workbook = holdings_workbook(fund, rows["as_of"][0], holdings_rows(rows))
        return Reply(200, workbook, _XLSX)


_XLSX: Final = {"Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
_SHORT_INTEREST_HEADER: Final = (
    "accountingYearMonthNumber|symbolCode|issueName|issuerServicesGroupExchangeCode|"
    "marketClassCode|currentShortPositionQuantity|previousShortPositionQuantity|stockSplitFlag|"
    "averageDailyVolumeQuantity|daysToCoverQuantity|revisionFlag|changePercent|"
    "changePreviousNumber|settlementDate"
)
_BAR_COLUMNS: Final = ("open", "high", "low", "close", "volume")
_INSTRUMENT_TYPES: Final = {"stock": "EQUITY", "etf": "ETF", "index": "INDEX"}
_EXCHANGES: Final = {
    "stock": ("NMS", "NasdaqGS"),
    "etf": ("PCX", "NYSEArca"),
    "index": ("SNP", "SNP"),
}
# Spark's dataGranularity: the bar interval in seconds.
_GRANULARITY_S: Final = {"1m": 60, "5m": 300, "1d": 86_400}
_RANGE_MONTHS: Final = {"1mo": 1, "3mo": 3, "6mo": 6, "1y": 12, "2y": 24, "5y": 60, "10y": 120}


def _chart_error(code: str, description: str) -> dict[str, Any]:
    return {"chart": {"result": None, "error": {"code": code, "description": description}}}


def _by_symbol(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    return {str(key[0]): part for key, part in frame.partition_by("symbol", as_dict=True).items()}


def _file_date(text: str) -> dt.date:
    """The date in a FINRA file name (YYYYMMDD)."""
    return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))


def _session_open(day: dt.date) -> dt.datetime:
    """Yahoo stamps a daily bar with its session's opening time."""
    times = market_hours.session_times(day)
    assert times is not None  # the demo trades on the NYSE calendar
    return times.open


def _in_regular_session(start: dt.datetime) -> bool:
    times = market_hours.session_times(start.astimezone(NEW_YORK).date())
    return times is not None and times.open <= start < times.close


def _window_start(days: list[dt.date], range_: str, today: dt.date) -> int | None:
    """Index of the first bar of ``days`` (oldest first) inside Yahoo's ``range``, or None for a
    range Yahoo does not know."""
    if range_ == "max":
        return 0
    if range_ in ("1d", "5d"):  # the last sessions, not calendar days
        sessions = sorted(set(days))[-int(range_[0]) :]
        return days.index(sessions[0]) if sessions else 0
    if range_ == "ytd":
        since = dt.date(today.year, 1, 1)
    elif range_ in _RANGE_MONTHS:
        since = _months_before(today, _RANGE_MONTHS[range_])
    else:
        return None
    return next((i for i, day in enumerate(days) if day > since), len(days))


def _months_before(day: dt.date, months: int) -> dt.date:
    year, month_index = divmod(day.year * 12 + day.month - 1 - months, 12)
    month = month_index + 1
    # The 31st of a 30-day month becomes the 30th, as a calendar would have it.
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _period(start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    offset = start.astimezone(NEW_YORK).utcoffset()
    assert offset is not None
    return {
        "timezone": start.astimezone(NEW_YORK).tzname(),
        "start": int(start.timestamp()),
        "end": int(end.timestamp()),
        "gmtoffset": int(offset.total_seconds()),
    }


def _number(value: float) -> str:
    """A quantity as FINRA prints it: whole numbers bare, fractional shares to six places."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.6f}".rstrip("0")
