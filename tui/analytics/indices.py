"""The Indices pane's view builder: each configured index or rate with its changes, then each
basket as an equal-weighted index against its benchmark.

The price changes themselves (previous closes, 5-day and YTD references, basket levels) are in
`tui.analytics.returns`, shared with the other panes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

from tui.analytics.frame_rows import difference, newest, rows_by_key
from tui.analytics.market import MarketData
from tui.analytics.returns import (
    BASKET_BASE_LEVEL,
    YIELD_SYMBOLS,
    basket_intraday_returns,
    basket_membership,
    basket_quotes,
    latest_quotes,
    latest_session_bars,
    previous_closes,
    quote_changes,
    reference_closes,
)
from tui.analytics.sessions import current_session
from tui.config import Basket, IndexSpec, Settings
from tui.models import NO_DATA
from tui.presenters.indices import IndexRow, IndicesView
from tui.presenters.table import basket_key


@dataclasses.dataclass(frozen=True, slots=True)
class PriceChanges:
    """A symbol's last price and its changes (a row of `quote_changes`); None where unknown."""

    ts: dt.datetime | None = None
    last: float | None = None
    change: float | None = None
    change_pct: float | None = None
    change_5d_pct: float | None = None
    ytd_pct: float | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class BasketChanges(PriceChanges):
    """A basket's level and its changes (a row of `basket_quotes`)."""

    previous_level: float = BASKET_BASE_LEVEL


NO_CHANGES = PriceChanges()


def build_indices(data: MarketData, settings: Settings) -> IndicesView:
    """The Indices pane: each configured index or rate, then each basket as an equal-weight index.

    Rows without data are kept and marked "no data" (or with the problem the source gave)."""
    session = current_session(data.now)
    symbols = {spec.symbol for spec in settings.indices}
    for basket in settings.baskets:
        symbols.update(basket.symbols)
        if basket.benchmark is not None:
            symbols.add(basket.benchmark)
    quotes = latest_quotes(data.quotes, symbols)
    closes = previous_closes(data.daily, symbols, session)
    changes = rows_by_key(quote_changes(quotes, reference_closes(closes, session)), PriceChanges)
    bars = latest_session_bars(data.intraday, symbols)
    intraday: dict[str, tuple[float, ...]] = {
        symbol: tuple(values) for symbol, values in bars.group_by("symbol").agg("close").iter_rows()
    }
    rows = [
        _index_row(
            spec,
            changes.get(spec.symbol, NO_CHANGES),
            intraday.get(spec.symbol, ()),
            data.problems,
        )
        for spec in settings.indices
    ]
    membership = basket_membership({basket.name: basket.symbols for basket in settings.baskets})
    baskets = rows_by_key(
        basket_quotes(closes, quotes, membership, session), BasketChanges, key="basket"
    )
    basket_intraday: dict[str, list[float]] = {
        name: values
        for name, values in basket_intraday_returns(bars, quotes, membership)
        .group_by("basket", maintain_order=True)
        .agg("ret")
        .iter_rows()
    }
    for basket in settings.baskets:
        benchmark = NO_CHANGES
        if basket.benchmark is not None:
            benchmark = changes.get(basket.benchmark, NO_CHANGES)
        rows.append(
            _basket_row(
                basket,
                baskets[basket.name],
                basket_intraday.get(basket.name, []),
                benchmark.change_5d_pct,
                data.problems,
            )
        )
    return IndicesView(rows=tuple(rows), as_of=newest([row.as_of for row in rows]))


def _index_row(
    spec: IndexSpec,
    quote: PriceChanges,
    intraday: tuple[float, ...],
    problems: Mapping[str, str],
) -> IndexRow:
    return IndexRow(
        symbol=spec.symbol,
        label=spec.label,
        kind="yield" if spec.symbol in YIELD_SYMBOLS else "index",
        last=quote.last,
        change=quote.change,
        change_pct=quote.change_pct,
        change_5d_pct=quote.change_5d_pct,
        ytd_pct=quote.ytd_pct,
        intraday=intraday,
        as_of=quote.ts,
        problem=problems.get(spec.symbol) or (None if quote.last is not None else NO_DATA),
    )


def _basket_row(
    basket: Basket,
    quote: BasketChanges,
    intraday_returns: Sequence[float],
    benchmark_5d_pct: float | None,
    problems: Mapping[str, str],
) -> IndexRow:
    symbol = basket_key(basket.name)
    return IndexRow(
        symbol=symbol,
        label=basket.name,
        kind="basket",
        last=quote.last,
        change=quote.change,
        change_pct=quote.change_pct,
        change_5d_pct=quote.change_5d_pct,
        ytd_pct=quote.ytd_pct,
        intraday=tuple(quote.previous_level * (1.0 + value) for value in intraday_returns),
        as_of=quote.ts,
        benchmark=basket.benchmark,
        rel_5d_pct=difference(quote.change_5d_pct, benchmark_5d_pct),
        problem=problems.get(symbol) or (None if quote.last is not None else NO_DATA),
    )
