"""`MarketData`: the latest frame of every dataset, as one immutable snapshot the pane builders,
the drill-down and `tapewatch snapshot` compute from. No textual, no I/O."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

import polars as pl

from tui.sources.base import Dataset, SymbolInfo, empty_frame


@dataclasses.dataclass(frozen=True, slots=True)
class MarketData:
    """The latest frame of every dataset, as the feed holds them."""

    quotes: pl.DataFrame  # QUOTES_SCHEMA
    daily: pl.DataFrame  # BARS_SCHEMA, interval "1d" (may end with today's partial bar)
    intraday: pl.DataFrame  # BARS_SCHEMA, "1m"/"5m", latest session(s)
    short_interest: pl.DataFrame  # SHORT_INTEREST_SCHEMA, one or more settlements
    short_volume: pl.DataFrame  # SHORT_VOLUME_SCHEMA
    shares: pl.DataFrame  # SHARES_SCHEMA
    now: dt.datetime  # market clock (aware UTC)
    info: Mapping[str, SymbolInfo]  # names/sectors known for symbols
    problems: Mapping[str, str] = dataclasses.field(default_factory=dict)  # symbol -> "not found"
    # The Sector flows pane's: the sector funds' members' daily bars (BARS_SCHEMA, "1d", a few
    # months), the funds' NAV history (FUND_NAV_SCHEMA) and holdings (FUND_HOLDINGS_SCHEMA).
    member_bars: pl.DataFrame = dataclasses.field(default_factory=lambda: empty_frame(Dataset.BARS))
    fund_nav: pl.DataFrame = dataclasses.field(
        default_factory=lambda: empty_frame(Dataset.FUND_NAV)
    )
    fund_holdings: pl.DataFrame = dataclasses.field(
        default_factory=lambda: empty_frame(Dataset.FUND_HOLDINGS)
    )

    def replace(self, **changes: Any) -> MarketData:
        """A copy with some fields replaced, e.g. ``data.replace(quotes=frame, now=clock)``."""
        return dataclasses.replace(self, **changes)


def empty_market_data(
    now: dt.datetime,
    info: Mapping[str, SymbolInfo] | None = None,
    problems: Mapping[str, str] | None = None,
) -> MarketData:
    """Market data with every frame empty (with its schema), before anything is loaded."""
    bars = empty_frame(Dataset.BARS)
    return MarketData(
        quotes=empty_frame(Dataset.QUOTES),
        daily=bars,
        intraday=bars,
        short_interest=empty_frame(Dataset.SHORT_INTEREST),
        short_volume=empty_frame(Dataset.SHORT_VOLUME),
        shares=empty_frame(Dataset.SHARES),
        now=now,
        info=info if info is not None else {},
        problems=problems if problems is not None else {},
    )
