"""The fetch plan: which symbols each job asks for, which Source call answers it, and the
drill-down's fetches (when it opens, and its polls while open). No textual.

The scheduler (tui.scheduler) decides when a job runs and keeps what it brings (tui.store); this
module says what a job asks the source for. The symbols a job needs depend on what is stored
(the quotes job prices the top short candidates, the shares job asks about the names short
interest listed); working them out is CPU work on whole frames, so it runs in a thread.

It also says how urgent each request is when a host's request budget holds requests back
(tui.sources.budget): the prices the dashboard's own rows show and the drill-down first,
intraday bars next, then the short candidates and symbols off screen, and history last. The
quotes job asks for its candidates (`refresh.candidates`) less often than for the rows on screen
(`refresh.quotes`), and a price stream that is live for some symbols (`streaming`, set by
the scheduler that runs the stream) moves them to the slower cadence too: their polled quotes
are then only a cross-check.

Which Source call answers a job, and the check every frame passes, are in tui.job_calls; how
what comes in parts is merged over what was held, in tui.feed_merge.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Protocol, runtime_checkable

from tui.analytics.market import MarketData
from tui.analytics.sectors import MEMBER_SESSIONS, NAV_DAYS, VOLUME_SESSIONS, member_symbols
from tui.analytics.shorts import short_candidates
from tui.analytics.ticker import build_ticker, etf_members
from tui.clock import utc_now
from tui.config import ANY_SYMBOL, Settings
from tui.feed_merge import InfoLookup, merge_parts, merge_poll, merge_ticker
from tui.job_calls import ask, sane
from tui.jobs import JobName, spec
from tui.presenters.ticker import ChartRange, TickerView
from tui.sources.base import (
    BarInterval,
    Dataset,
    Failed,
    FailureKind,
    Fetched,
    FetchOutcome,
    Source,
    SourceRole,
    empty_frame,
)
from tui.sources.budget import BudgetedRequests, Priority, request_priority
from tui.store import Store, merge_by_symbol

log = logging.getLogger("tapewatch.feed")

# Trading days of short-sale volume the dashboard keeps: today's ratio and the 20 days its
# z-score is measured against.
SHORT_VOLUME_DAYS = 21
# Sessions of intraday bars the dashboard keeps: today's, and the sessions relative volume by
# time of day compares with (as many as the source keeps).
INTRADAY_SESSIONS = VOLUME_SESSIONS + 1
# What the drill-down shows of one symbol: intraday sessions, settlements, short-volume days.
TICKER_INTRADAY_SESSIONS = 5
TICKER_SETTLEMENTS = 24
TICKER_SHORT_VOLUME_DAYS = 60

# How urgent each job's requests are when a host's request budget holds some back.
JOB_PRIORITY: Mapping[JobName, Priority] = {
    JobName.QUOTES: Priority.ON_SCREEN,
    JobName.INTRADAY: Priority.BARS,
    JobName.DAILY: Priority.HISTORY,
    JobName.SHORT_INTEREST: Priority.HISTORY,
    JobName.SHORT_VOLUME: Priority.HISTORY,
    JobName.SHARES: Priority.HISTORY,
    # The Sector flows pane's slow figures: the members' daily bars (breadth; one chart a
    # member and session, kept on disk) and State Street's workbooks (their own host).
    JobName.MEMBER_BARS: Priority.HISTORY,
    JobName.FUND_NAV: Priority.HISTORY,
    JobName.FUND_HOLDINGS: Priority.HISTORY,
}


@runtime_checkable
class IntradayCloses(Protocol):
    """A source that serves intraday closes alone more cheaply than whole bars (Yahoo's spark
    endpoint: 20 symbols a request): the sparklines need no more."""

    async def intraday_closes(
        self, symbols: Sequence[str], interval: BarInterval
    ) -> FetchOutcome: ...


class Feed:
    """What each job asks the source for, over what the store holds."""

    def __init__(
        self,
        settings: Settings,
        source: Source,
        store: Store,
        *,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.settings = settings
        self.source = source
        self.store = store
        self.clock = clock  # the wall clock the candidates' cadence runs on
        # The symbols a price stream keeps live now (tui.stream; none without one): their
        # quotes are polled at the candidates' cadence only. The scheduler sets it.
        self.streaming: Callable[[], frozenset[str]] = frozenset
        # The symbols of the alert rules made in the app (the dashboard's alert monitor sets
        # it): priced like the config's, even when no pane shows them.
        self.app_alerted: Callable[[], Iterable[str]] = tuple
        self._candidates_due: dt.datetime | None = None  # None: at the next quotes poll
        # Where frames that arrive after their poll has returned are kept (the scheduler's
        # `accept`, while it runs): the rows on screen are not held back by the candidates.
        self.deliver: Callable[[JobName, Fetched], Awaitable[bool]] | None = None
        self._later: set[asyncio.Task[None]] = set()

    # -- what to fetch ---------------------------------------------------------------------

    def _core_symbols(self) -> list[str]:
        """Indices, sector ETFs, the benchmark, every basket member and benchmark, and every
        watchlist's symbols."""
        settings = self.settings
        symbols = [index.symbol for index in settings.indices]
        symbols.append(settings.benchmark)
        symbols += [sector.symbol for sector in settings.sectors]
        for basket in settings.baskets:
            symbols += basket.symbols
            if basket.benchmark:
                symbols.append(basket.benchmark)
        symbols += self._watched_symbols()
        return list(dict.fromkeys(symbols))

    def _watched_symbols(self) -> list[str]:
        return [symbol for watchlist in self.settings.watchlists for symbol in watchlist.symbols]

    def own_symbols(self) -> list[str]:
        """The symbols this monitor's own settings ask to be priced whatever the market shows:
        Most shorted's watchlist, the watchlists and the symbols the alert rules name (a remote
        monitor asks its feed for those the feed does not price)."""
        shorted = self.settings.shorted
        watch = shorted.watchlist if shorted.universe == "watchlist" else ()
        return list(dict.fromkeys([*watch, *self._watched_symbols(), *self._alert_symbols()]))

    def _short_symbols(self) -> list[str] | None:
        """The names whose short data is fetched: None for the whole market; with a Most
        shorted watchlist, its names and the watchlists' (which show SI % and SV z too)."""
        shorted = self.settings.shorted
        if shorted.universe == "watchlist":
            return list(dict.fromkeys([*shorted.watchlist, *self._watched_symbols()]))
        return None

    def _fund_symbols(self) -> list[str]:
        """The sector ETFs: the funds whose files the fund jobs ask for."""
        return list(dict.fromkeys(sector.symbol for sector in self.settings.sectors))

    def _alert_symbols(self) -> list[str]:
        """The symbols the alert rules name, the config's and the app's: priced even when no
        pane shows them."""
        configured = [rule.symbol for rule in self.settings.alerts]
        named = [*configured, *self.app_alerted()]
        return list(dict.fromkeys(symbol for symbol in named if symbol not in ("", ANY_SYMBOL)))

    def symbols_for(self, job: JobName, data: MarketData | None = None) -> list[str] | None:
        """The symbols ``job`` asks for this time, given what is stored (``data``, by default
        the store's snapshot); None: the whole market the source covers. CPU work on whole
        frames for the quotes and shares jobs."""
        match job:
            case JobName.QUOTES:
                data = data if data is not None else self.market_data()
                candidates = short_candidates(data, self.settings, 2 * self.settings.shorted.rows)
                watch = self._short_symbols() or []
                alerted = self._alert_symbols()
                return list(dict.fromkeys([*self._core_symbols(), *watch, *candidates, *alerted]))
            case JobName.INTRADAY:
                # Indices and baskets for their Today sparklines, sector ETFs for relative
                # volume by time of day.
                symbols = [index.symbol for index in self.settings.indices]
                for basket in self.settings.baskets:
                    symbols += basket.symbols
                symbols += [sector.symbol for sector in self.settings.sectors]
                symbols += self._watched_symbols()
                return list(dict.fromkeys(symbols))
            case JobName.DAILY:
                return self._core_symbols()
            case JobName.SHORT_INTEREST | JobName.SHORT_VOLUME:
                listed = self._short_symbols()
                if listed is None:
                    return None
                # The sectors' short pressure needs their members' short data too.
                data = data if data is not None else self.market_data()
                return list(dict.fromkeys([*listed, *member_symbols(data.fund_holdings)]))
            case JobName.MEMBER_BARS:
                data = data if data is not None else self.market_data()
                return member_symbols(data.fund_holdings)
            case JobName.FUND_NAV | JobName.FUND_HOLDINGS:
                return self._fund_symbols()
            case JobName.SHARES:
                listed = self._short_symbols()
                if listed is not None:
                    return listed
                # The names short interest listed.
                data = data if data is not None else self.market_data()
                return data.short_interest.get_column("symbol").unique().sort().to_list()

    def quote_tiers(self, data: MarketData | None = None) -> tuple[list[str], list[str]]:
        """The quotes job's symbols in two tiers: the rows the dashboard shows itself (indices,
        sectors, baskets), polled at the quotes cadence, and the rest — short candidates,
        a watchlist, alert symbols, and the rows a live stream already prices — polled at the
        candidates' cadence (CPU work on whole frames, as `symbols_for`)."""
        everything = self.symbols_for(JobName.QUOTES, data) or []
        streamed = self.streaming()
        core = set(self._core_symbols())
        on_screen = [symbol for symbol in everything if symbol in core and symbol not in streamed]
        shown = set(on_screen)
        return on_screen, [symbol for symbol in everything if symbol not in shown]

    def ask_everything_next(self) -> None:
        """The next quotes poll asks for every tier (the user's refresh)."""
        self._candidates_due = None

    def depth(self, job: JobName) -> int:
        """Sessions, settlements or days ``job`` asks for (1 where that means nothing)."""
        match job:
            case JobName.DAILY:
                return self.daily_sessions()
            case JobName.INTRADAY:
                return INTRADAY_SESSIONS
            case JobName.SHORT_VOLUME:
                return SHORT_VOLUME_DAYS
            case JobName.MEMBER_BARS:
                return MEMBER_SESSIONS
            case JobName.FUND_NAV:
                return NAV_DAYS
            case _:
                return 1

    def daily_sessions(self) -> int:
        """Daily bars needed: a year of correlation history plus its window, and some slack."""
        correlation = self.settings.correlation
        return correlation.history + correlation.window + 5

    def source_name(self, job: JobName) -> str:
        """The source that answers ``job`` (for a composite source, the part that does)."""
        return self.source.source_for(spec(job).role)

    async def fetch(self, job: JobName) -> FetchOutcome | None:
        """Ask the source for ``job``'s data; None when there is nothing to ask yet (a job that
        waits for its symbols, before any are known). Never raises for a source's bug: that is
        a failure like any other, logged with its traceback."""
        try:
            data = self.market_data()  # on the event loop: the store is not read from threads
            if job is JobName.QUOTES:
                return await self._fetch_quotes(data)
            if job is JobName.INTRADAY and isinstance(self.source, IntradayCloses):
                return await self._fetch_intraday(self.source)
            symbols = await asyncio.to_thread(self.symbols_for, job, data)
            if spec(job).waits_for_symbols and not symbols:
                return None
            with request_priority(JOB_PRIORITY[job]):
                return await ask(
                    self.source,
                    job,
                    symbols,
                    self.depth(job),
                    intraday_interval=self.settings.sources.yahoo.intraday_interval,
                )
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a source bug must not take the dashboard down
            log.exception("%s: unexpected error from %s", job, self.source.name)
            return Failed(self.source_name(job), FailureKind.PARSE, f"internal error: {error}")

    async def _fetch_quotes(self, data: MarketData) -> FetchOutcome:
        """The rows on screen at every poll; the candidates when their cadence is due (and
        any never priced yet, such as the names new short interest brings), at a lower
        priority."""
        on_screen, candidates = await asyncio.to_thread(self.quote_tiers, data)
        now = self.clock()
        due = self._candidates_due is None or now >= self._candidates_due
        if due:
            # Half a quotes poll early counts as due: polls run start to start at their cadence,
            # so the one at the candidates' cadence may start a hair before it (missing it would
            # double the candidates' age, and the streamed rows', when the stream slows the
            # quotes poll to the candidates' cadence).
            refresh = self.settings.refresh
            interval = max(0.0, refresh.candidates - refresh.quotes / 2)
            self._candidates_due = now + dt.timedelta(seconds=interval)
        else:
            priced = set(data.quotes.get_column("symbol").to_list())
            candidates = [symbol for symbol in candidates if symbol not in priced]
        tiers = [(Priority.ON_SCREEN, on_screen), (Priority.CANDIDATES, candidates)]
        if not isinstance(self.source, BudgetedRequests):  # no budget to give priorities to
            tiers = [(Priority.ON_SCREEN, [*on_screen, *candidates])]
        calls = [(priority, symbols) for priority, symbols in tiers if symbols]
        if not calls:  # every row on screen streamed, and the candidates not due
            return Fetched(empty_frame(Dataset.QUOTES), now)
        if len(calls) == 2 and self.deliver is not None and data.quotes.height:
            # Once the first picture is whole, the candidates' quotes are kept when they come
            # and the rows on screen do not wait for them.
            later = asyncio.create_task(self._deliver_candidates(calls[1][1], self.deliver))
            self._later.add(later)
            later.add_done_callback(self._later.discard)
            calls = calls[:1]
        outcomes = await asyncio.gather(
            *(self._prioritised(priority, self._quotes(symbols)) for priority, symbols in calls)
        )
        if any(isinstance(outcome, Failed) for outcome in outcomes):
            self._candidates_due = None  # asked again at the next poll
        if calls[0][0] is Priority.ON_SCREEN and isinstance(outcomes[0], Failed):
            return outcomes[0]  # the rows on screen failed: the status must say so
        return await asyncio.to_thread(merge_parts, outcomes)

    async def _fetch_intraday(self, source: IntradayCloses) -> FetchOutcome:
        """Whole bars (a month of them) for the sector ETFs, whose relative volume by time of
        day needs volumes; today's closes alone for the indices and baskets' sparklines."""
        interval = self.settings.sources.yahoo.intraday_interval
        with_volume = list(dict.fromkeys(sector.symbol for sector in self.settings.sectors))
        wanted = set(with_volume)
        closes = [
            symbol for symbol in self.symbols_for(JobName.INTRADAY) or [] if symbol not in wanted
        ]
        calls: list[Awaitable[FetchOutcome]] = []
        prices = SourceRole.PRICES
        if with_volume:
            bars = self.source.bars(with_volume, interval, INTRADAY_SESSIONS)
            calls.append(sane(self.source, prices, Dataset.BARS, bars))
        if closes:
            closing = source.intraday_closes(closes, interval)
            calls.append(sane(self.source, prices, Dataset.BARS, closing))
        with request_priority(Priority.BARS):
            outcomes = await asyncio.gather(*calls)
        return await asyncio.to_thread(merge_parts, outcomes)

    async def _deliver_candidates(
        self, symbols: Sequence[str], deliver: Callable[[JobName, Fetched], Awaitable[bool]]
    ) -> None:
        outcome = await self._prioritised(Priority.CANDIDATES, self._quotes(symbols))
        if isinstance(outcome, Fetched):
            await deliver(JobName.QUOTES, outcome)
        else:
            log.warning("quotes of the candidates failed: %s", outcome.message)
            self._candidates_due = None  # asked again at the next poll

    def _quotes(self, symbols: Sequence[str]) -> Awaitable[FetchOutcome]:
        """The source's quotes of ``symbols``, checked as every frame is (`sane`)."""
        return sane(self.source, SourceRole.PRICES, Dataset.QUOTES, self.source.quotes(symbols))

    @staticmethod
    async def _prioritised(priority: Priority, call: Awaitable[FetchOutcome]) -> FetchOutcome:
        with request_priority(priority):
            return await call

    def market_data(self) -> MarketData:
        """A consistent snapshot of the stored frames, safe to hand to a thread, with the
        source's market clock and names."""
        return self.store.market_data(self.source.now(), InfoLookup(self.source))

    # -- drill-down ------------------------------------------------------------------------

    async def fetch_ticker(self, symbol: str) -> MarketData | Failed:
        """Everything the drill-down needs for one symbol, merged over the dashboard's frames;
        for a sector ETF the quotes of its sector's stocks too."""
        peers = self._peers(symbol)
        source = self.source
        interval = self.settings.sources.yahoo.intraday_interval
        prices, short_data = SourceRole.PRICES, SourceRole.SHORT_DATA
        try:
            results = await asyncio.gather(
                sane(source, prices, Dataset.QUOTES, source.quotes([symbol])),
                sane(
                    source,
                    prices,
                    Dataset.BARS,
                    source.bars([symbol], interval, TICKER_INTRADAY_SESSIONS),
                ),
                sane(
                    source,
                    prices,
                    Dataset.BARS,
                    source.bars([symbol, *peers], "1d", self.daily_sessions()),
                ),
                sane(
                    source,
                    short_data,
                    Dataset.SHORT_INTEREST,
                    source.short_interest([symbol], TICKER_SETTLEMENTS),
                ),
                sane(
                    source,
                    short_data,
                    Dataset.SHORT_VOLUME,
                    source.short_volume([symbol], TICKER_SHORT_VOLUME_DAYS),
                ),
                sane(source, SourceRole.SHARES, Dataset.SHARES, source.shares([symbol])),
            )
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a source bug: say so on the screen, do not hang it
            log.exception("drill-down of %s: unexpected error from %s", symbol, source.name)
            return Failed(source.name, FailureKind.PARSE, f"internal error: {error}")
        quotes, _, daily, _, _, _ = results
        if isinstance(quotes, Failed) and isinstance(daily, Failed):
            return quotes
        merged = await asyncio.to_thread(merge_ticker, self.market_data(), symbol, results)
        return await self._with_member_quotes(merged, symbol)

    async def _with_member_quotes(self, data: MarketData, symbol: str) -> MarketData:
        """A sector ETF lists its sector's stocks: the quotes of those ``data`` does not hold
        yet (a failed fetch leaves them unpriced, never fails the drill-down)."""
        members = await asyncio.to_thread(etf_members, data, symbol)
        held = set(data.quotes.get_column("symbol").to_list())
        wanted = [member for member in members if member not in held]
        if not wanted:
            return data
        call = self.source.quotes(wanted)
        outcome = await self._ask_quietly(symbol, "member quotes", Dataset.QUOTES, call)
        if not isinstance(outcome, Fetched):
            return data
        return data.replace(quotes=merge_by_symbol(data.quotes, outcome.frame))

    async def poll_ticker(self, data: MarketData, symbol: str) -> MarketData:
        """The drill-down's poll while it is open, at the dashboard's quotes cadence:
        ``symbol``'s intraday bars and its own quote (the dashboard's may be a cadence old; the
        bars come first, so a quote read from the same chart costs no request), the
        dashboard's newest quotes, and those it does not poll (an ETF's member stocks) — over
        ``data``, with the market clock moved on. The chart and the last price stay together.
        What fails keeps what ``data`` had (logged)."""
        interval = self.settings.sources.yahoo.intraday_interval
        call = self.source.bars([symbol], interval, TICKER_INTRADAY_SESSIONS)
        bars = await self._ask_quietly(symbol, "intraday bars", Dataset.BARS, call)
        polled = self.store.get(JobName.QUOTES)
        latest = polled.frame if polled is not None else data.quotes.clear()
        members = await asyncio.to_thread(etf_members, data, symbol)
        held = set(latest.get_column("symbol").to_list())
        wanted = [symbol, *(name for name in members if name not in held and name != symbol)]
        call = self.source.quotes(wanted)
        quotes = await self._ask_quietly(symbol, "quotes", Dataset.QUOTES, call)
        return await asyncio.to_thread(
            merge_poll, data, symbol, latest, quotes, bars, self.source.now()
        )

    async def _ask_quietly(
        self, symbol: str, what: str, dataset: Dataset, call: Awaitable[FetchOutcome]
    ) -> FetchOutcome | None:
        """``call``'s outcome (prices of ``dataset``, checked by `sane`), None for a source's
        bug (logged with its traceback)."""
        try:
            return await sane(self.source, SourceRole.PRICES, dataset, call)
        except asyncio.CancelledError:
            raise
        except Exception:  # a source bug costs the drill-down this fetch, not the screen
            log.exception("drill-down of %s: %s failed", symbol, what)
            return None

    def _peers(self, symbol: str) -> list[str]:
        for basket in self.settings.baskets:
            if symbol in basket.symbols:
                return [member for member in basket.symbols if member != symbol]
        info = self.source.describe(symbol)
        if info is not None and info.sector is not None:
            for sector in self.settings.sectors:
                if sector.name == info.sector:
                    return [sector.symbol]
        return []

    def build_ticker(self, data: MarketData, symbol: str, chart_range: ChartRange) -> TickerView:
        """The drill-down view (CPU work: call it in a thread)."""
        return build_ticker(data, symbol, chart_range, self.settings)

    def known_symbols(self) -> Sequence[str]:
        return self.source.known_symbols()

    async def aclose(self) -> None:
        for later in list(self._later):
            later.cancel()
        await asyncio.gather(*self._later, return_exceptions=True)
        await self.source.aclose()
