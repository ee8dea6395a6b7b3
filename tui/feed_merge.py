"""Merging what the feed fetched in parts over what it had (CPU work: each is called in a thread):
a job asked in parts, the drill-down's poll and its first fetch over the dashboard's frames;
and the symbols' names `MarketData` reads from the source. No textual."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence

import polars as pl

from tui.analytics.market import MarketData
from tui.sources.base import Failed, Fetched, FetchOutcome, Source, SymbolInfo
from tui.store import merge_by_symbol


def merge_parts(outcomes: Sequence[FetchOutcome]) -> FetchOutcome:
    """One outcome of a job asked in parts (CPU work: call it in a thread): the parts' frames
    together; a failed part's symbols keep their stored rows (price jobs merge by symbol), so
    the first failure counts only when no part succeeded."""
    fetched = [outcome for outcome in outcomes if isinstance(outcome, Fetched)]
    if not fetched:
        failures = [outcome for outcome in outcomes if isinstance(outcome, Failed)]
        return failures[0]
    if len(fetched) == 1:
        return fetched[0]
    problems: dict[str, str] = {}
    for outcome in fetched:
        problems.update(outcome.problems)
    frame = pl.concat([outcome.frame for outcome in fetched], how="vertical")
    return Fetched(frame, max(outcome.as_of for outcome in fetched), problems)


def merge_poll(
    data: MarketData,
    symbol: str,
    latest: pl.DataFrame,
    quotes: FetchOutcome | None,
    intraday: FetchOutcome | None,
    now: dt.datetime,
) -> MarketData:
    """A drill-down poll over its data (CPU work: call it in a thread): per symbol the newest
    quote of what it had, the dashboard's ``latest`` and what the poll fetched (the poll's on a
    tie); a failed fetch changes nothing, and no quote is replaced by an older one."""
    frames = [data.quotes, latest]
    if isinstance(quotes, Fetched):
        frames.append(quotes.frame)
    merged = (
        pl.concat(frames)
        .with_row_index("_order")
        .sort("ts", "_order", nulls_last=False)
        .unique("symbol", keep="last", maintain_order=True)
        .drop("_order")
    )
    bars = data.intraday
    if isinstance(intraday, Fetched):
        bars = merge_by_symbol(bars, intraday.frame.filter(pl.col("symbol") == symbol))
    return data.replace(quotes=merged, intraday=bars, now=now)


def merge_ticker(base: MarketData, symbol: str, results: Sequence[FetchOutcome]) -> MarketData:
    """The drill-down's results over the dashboard's frames (CPU work: call it in a thread).
    A failed dataset keeps the dashboard's frame, intraday bars only the symbol's own."""
    quotes, intraday, daily, short_interest, short_volume, shares = results

    def pick(result: FetchOutcome, fallback: pl.DataFrame) -> pl.DataFrame:
        if isinstance(result, Failed):
            return fallback
        return merge_by_symbol(fallback, result.frame)

    problems = dict(base.problems)
    for result in (quotes, intraday, daily):  # as in the store: price problems only
        if isinstance(result, Fetched):
            problems.update(result.problems)
    return base.replace(
        quotes=pick(quotes, base.quotes),
        intraday=pick(intraday, base.intraday.filter(pl.col("symbol") == symbol)),
        daily=pick(daily, base.daily),
        short_interest=pick(short_interest, base.short_interest),
        short_volume=pick(short_volume, base.short_volume),
        shares=pick(shares, base.shares),
        problems=problems,
    )


class InfoLookup(Mapping[str, SymbolInfo]):
    """`MarketData.info` backed by the source's `describe`, so any symbol it knows has a name."""

    def __init__(self, source: Source) -> None:
        self._source = source

    def __getitem__(self, symbol: str) -> SymbolInfo:
        info = self._source.describe(symbol)
        if info is None:
            raise KeyError(symbol)
        return info

    def __iter__(self) -> Iterator[str]:
        return iter(self._source.known_symbols())

    def __len__(self) -> int:
        return len(self._source.known_symbols())
