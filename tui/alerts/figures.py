"""The drill-down's figures of the symbols alert rules name, from the stored frames (polars: call
it in a thread). A rule on a symbol no pane row shows reads the same quote and short figures as
that symbol's drill-down."""

from __future__ import annotations

from collections.abc import Iterable

from tui.alerts.readings import SymbolFigures
from tui.analytics.market import MarketData
from tui.analytics.ticker import ticker_quote, ticker_short_row


def symbol_figures(data: MarketData, symbols: Iterable[str]) -> dict[str, SymbolFigures]:
    """Each symbol's quote (last, change %) and short figures, as its drill-down shows them."""
    figures = {}
    for symbol in symbols:
        quote = ticker_quote(data, symbol)
        short = ticker_short_row(data, symbol)
        has_short = short.settlement_date is not None or short.sv_date is not None
        figures[symbol] = SymbolFigures(
            last=quote.last,
            change_pct=quote.change_pct,
            as_of=quote.ts,
            short=short if has_short else None,
        )
    return figures
