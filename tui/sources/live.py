"""The live market: Yahoo for prices, FINRA for short interest and short volume, the SEC for
shares outstanding, State Street (SSGA) for the sector funds' NAV history and holdings, all
through one shared HTTP client. No textual import."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import httpx

from tui.cache import Cache
from tui.clock import utc_now
from tui.config import Settings
from tui.sources import universe
from tui.sources.base import BarInterval, FetchOutcome, SourceRole, SymbolInfo
from tui.sources.finra import FinraSource
from tui.sources.http import HttpClient
from tui.sources.sec import SecSource
from tui.sources.ssga import SsgaSource
from tui.sources.yahoo.source import YahooSource


class LiveSource:
    """One Source over the free public feeds."""

    name = "live"
    label = "LIVE"
    is_demo = False

    def __init__(
        self,
        settings: Settings,
        *,
        cache: Cache | None,
        clock: Callable[[], dt.datetime] = utc_now,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._clock = clock
        self.client = HttpClient(settings.http, transport=transport, clock=clock)
        sources = settings.sources
        self.yahoo = YahooSource(self.client, sources.yahoo, clock=clock, cache=cache)
        self.finra = FinraSource(self.client, sources.finra, clock=clock, cache=cache)
        self.sec = SecSource(self.client, sources.sec, clock=clock, cache=cache)
        self.ssga = SsgaSource(self.client, sources.ssga, clock=clock, cache=cache)
        # Which part plays each role: the methods below delegate the same way.
        self._parts = {
            SourceRole.PRICES: self.yahoo.name,
            SourceRole.SHORT_DATA: self.finra.name,
            SourceRole.SHARES: self.sec.name,
            SourceRole.FUNDS: self.ssga.name,
        }

    def source_for(self, role: SourceRole) -> str:
        """Yahoo for prices, FINRA for short data, the SEC for share counts, SSGA for the
        funds' files."""
        return self._parts[role]

    def now(self) -> dt.datetime:
        return self._clock()

    def describe(self, symbol: str) -> SymbolInfo | None:
        # The embedded universe knows sectors; Yahoo and FINRA know names of everything else.
        return (
            universe.SYMBOLS.get(symbol)
            or self.yahoo.describe(symbol)
            or self.finra.describe(symbol)
        )

    def known_symbols(self) -> Sequence[str]:
        return sorted({*universe.SYMBOLS, *self.finra.market_symbols()})

    def overdue(self, source: str) -> int:
        """Requests to ``source`` ("yahoo") in flight for over half their deadline: the status
        bar says the source is slow before the deadline makes it a failure."""
        return self.client.overdue(source)

    def budget_waiting(self, source: str) -> int:
        """Requests to ``source`` the request budget holds back now (the status bar says so)."""
        return self.client.budget_waiting(source)

    async def quotes(self, symbols: Sequence[str]) -> FetchOutcome:
        return await self.yahoo.quotes(symbols)

    async def bars(self, symbols: Sequence[str], interval: BarInterval, days: int) -> FetchOutcome:
        return await self.yahoo.bars(symbols, interval, days)

    async def intraday_closes(self, symbols: Sequence[str], interval: BarInterval) -> FetchOutcome:
        """Today's intraday closes only, batched: what the sparklines need (tui.feed)."""
        return await self.yahoo.intraday_closes(symbols, interval)

    async def daily_closes(self, symbols: Sequence[str], days: int) -> FetchOutcome:
        """Daily closes only, batched: what the members' breadth needs (tui.sources.base)."""
        return await self.yahoo.daily_closes(symbols, days)

    async def short_interest(
        self, symbols: Sequence[str] | None, settlements: int = 1
    ) -> FetchOutcome:
        return await self.finra.short_interest(symbols, settlements)

    async def short_volume(self, symbols: Sequence[str] | None, days: int) -> FetchOutcome:
        return await self.finra.short_volume(symbols, days)

    async def shares(self, symbols: Sequence[str]) -> FetchOutcome:
        return await self.sec.shares(symbols)

    async def fund_nav_history(self, funds: Sequence[str], days: int) -> FetchOutcome:
        return await self.ssga.fund_nav_history(funds, days)

    async def fund_holdings(self, funds: Sequence[str]) -> FetchOutcome:
        return await self.ssga.fund_holdings(funds)

    async def aclose(self) -> None:
        await self.client.aclose()
