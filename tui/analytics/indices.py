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
    BASIS_POINTS_PER_POINT,
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
from tui.presenters.extended import ext_change_pct
from tui.presenters.indices import IndexRow, IndicesView
from tui.presenters.table import basket_key


@dataclasses.dataclass(frozen=True, slots=True)
class PriceChanges:
    """A symbol's last price and its changes (a row of `quote_changes`); None where unknown."""

    ts: dt.datetime | None = None
    last: float | None = None
    change: float | None = None
    change_pct: float | None = None
    change_5d: float | None = None
    change_5d_pct: float | None = None
    change_ytd: float | None = None
    ytd_pct: float | None = None
    ext_last: float | None = None
    ext_session: str | None = None
    source: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class BasketChanges:
    """A basket's level and its changes (a row of `basket_quotes`); None where unknown."""

    ts: dt.datetime | None = None
    last: float | None = None
    change: float | None = None
    change_pct: float | None = None
    change_5d_pct: float | None = None
    ytd_pct: float | None = None
    previous_level: float | None = None


NO_CHANGES = PriceChanges()
NO_INTRADAY = "no intraday bars"


def build_indices(data: MarketData, settings: Settings) -> IndicesView:
    """The Indices pane: each configured index or rate, then each basket as an equal-weight index.

    A row is kept in any case. One with nothing to show is marked with the problem the source
    gave, else "no data"; one with a price but no intraday bars shows its figures and says why its
    Today cell is empty (`IndexRow.intraday_note`)."""
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
    membership = basket_membership(
        {basket.name: basket.symbols for basket in settings.baskets},
        {basket.name: basket.member_weights() for basket in settings.baskets},
    )
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
        row = _basket_row(
            basket,
            baskets[basket.name],
            basket_intraday.get(basket.name, []),
            benchmark.change_5d_pct,
            data.problems,
        )
        rows.append(_with_basket_ext(row, [changes.get(s, NO_CHANGES) for s in basket.symbols]))
    return IndicesView(rows=tuple(rows), as_of=newest([row.as_of for row in rows]))


def _with_basket_ext(row: IndexRow, members: Sequence[PriceChanges]) -> IndexRow:
    """A basket's extended-hours move: the mean of its members' moves from their regular
    session's price, over the members that traded in the current pre- or post-market (none: no
    figure)."""
    moves = [
        move
        for member in members
        if (move := ext_change_pct(member.ext_last, member.last)) is not None
    ]
    sessions = {member.ext_session for member in members if member.ext_last is not None}
    if not moves or row.problem is not None:
        return row
    session = "post" if "post" in sessions else "pre"
    return dataclasses.replace(row, ext_change_pct=sum(moves) / len(moves), ext_session=session)


def _figures_and_notes(
    symbol: str,
    has_figures: bool,
    has_intraday: bool,
    problems: Mapping[str, str],
    members: Sequence[str] = (),
) -> tuple[str | None, str | None]:
    """(problem, intraday note) of a row: the problem replaces the row only when it has nothing
    to show; a row with figures but no intraday series says why instead (the source's problem
    for the symbol, or for a basket its members', which then concerns the bars they lack)."""
    if not has_figures:
        return problems.get(symbol) or NO_DATA, None
    if has_intraday:
        return None, None
    reasons = [problems[name] for name in (symbol, *members) if name in problems]
    return None, reasons[0] if reasons else NO_INTRADAY


def _basis_points(points: float | None) -> float | None:
    return None if points is None else points * BASIS_POINTS_PER_POINT


def _index_row(
    spec: IndexSpec,
    quote: PriceChanges,
    intraday: tuple[float, ...],
    problems: Mapping[str, str],
) -> IndexRow:
    problem, intraday_note = _figures_and_notes(
        spec.symbol, quote.last is not None, bool(intraday), problems
    )
    row = IndexRow(
        symbol=spec.symbol,
        label=spec.label,
        kind="index",
        last=quote.last,
        change=quote.change,
        change_pct=quote.change_pct,
        change_5d_pct=quote.change_5d_pct,
        ytd_pct=quote.ytd_pct,
        intraday=intraday,
        intraday_note=intraday_note,
        as_of=quote.ts,
        problem=problem,
        ext_last=quote.ext_last,
        ext_change_pct=ext_change_pct(quote.ext_last, quote.last),
        ext_session=quote.ext_session if quote.ext_last is not None else None,
        price_source=quote.source,
    )
    if spec.symbol not in YIELD_SYMBOLS:
        return row
    # A yield moves in basis points: a percent of a percentage says little.
    return dataclasses.replace(
        row,
        kind="yield",
        change_pct=None,
        change_5d_pct=None,
        ytd_pct=None,
        change_bp=_basis_points(quote.change),
        change_5d_bp=_basis_points(quote.change_5d),
        ytd_bp=_basis_points(quote.change_ytd),
    )


def _basket_row(
    basket: Basket,
    quote: BasketChanges,
    intraday_returns: Sequence[float],
    benchmark_5d_pct: float | None,
    problems: Mapping[str, str],
) -> IndexRow:
    symbol = basket_key(basket.name)
    has_figures = quote.change_pct is not None or quote.last is not None
    problem, intraday_note = _figures_and_notes(
        symbol, has_figures, bool(intraday_returns), problems, basket.symbols
    )
    # The sparkline draws a shape: without a level (no history back to the base) any scale does.
    level = quote.previous_level if quote.previous_level is not None else BASKET_BASE_LEVEL
    return IndexRow(
        symbol=symbol,
        label=basket.name,
        kind="basket",
        last=quote.last,
        change=quote.change,
        change_pct=quote.change_pct,
        change_5d_pct=quote.change_5d_pct,
        ytd_pct=quote.ytd_pct,
        intraday=tuple(level * (1.0 + value) for value in intraday_returns),
        intraday_note=intraday_note,
        as_of=quote.ts,
        benchmark=basket.benchmark,
        rel_5d_pct=difference(quote.change_5d_pct, benchmark_5d_pct),
        problem=problem,
    )
