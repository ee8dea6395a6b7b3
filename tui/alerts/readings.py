"""What an alert reads: the value of its field for each subject it watches, taken from the view
models the panes show (so an alert never disagrees with the screen) or, for a symbol no pane
shows that figure of, from the figures its drill-down shows.

No polars here: the drill-down's figures are worked out beforehand (`tui.alerts.figures`, in a
thread) and handed in as `SymbolFigures`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from tui.alerts.fields import field_spec
from tui.alerts.rules import SHORTS_FIELDS
from tui.config import ANY_SYMBOL, MEMBER_ALERT_FIELDS, AlertRule
from tui.jobs import JobName
from tui.models import NO_DATA, Pane
from tui.presenters.correlations import BasketCorrelations, CorrelationLine, CorrelationsView
from tui.presenters.indices import IndexRow, IndicesView
from tui.presenters.registry import PaneView
from tui.presenters.sectors import SectorRow, SectorsView
from tui.presenters.shorts import ShortRow, ShortsView, sv_percent
from tui.presenters.table import basket_key

LOADING = "loading"
NO_EXTENDED_HOURS = "no data: no extended-hours price (only in pre and post market)"


@dataclass(frozen=True, slots=True)
class SymbolFigures:
    """A symbol's figures as its drill-down shows them: its quote and its short figures."""

    last: float | None = None
    change_pct: float | None = None
    as_of: dt.datetime | None = None
    short: ShortRow | None = None


@dataclass(frozen=True, slots=True)
class Reading:
    """One subject's value of a rule's field, or why there is none."""

    subject: str  # the key of its state: "MSFT", "MSFT@Mag 7", "basket:Mag 7"
    label: str  # how the screen names it: "MSFT", "MSFT in Mag 7", "Mag 7"
    symbol: str  # "" for a basket's own figure
    basket: str  # "" unless a basket's figure, or the basket a member's peers are in
    value: float | None
    lag_key: str | None = None  # lagged fields: the settlement or file date the value is for
    missing: str | None = None  # why there is no value
    jobs: tuple[JobName, ...] = ()  # the datasets behind it (the field's, and a basket's daily)


Views = Mapping[Pane, PaneView]


def _view(views: Views, pane: Pane, kind: type) -> object | None:
    view = views.get(pane)
    return view if isinstance(view, kind) else None


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _symbol_reading(
    field: str,
    symbol: str,
    value: float | None,
    *,
    missing: str = NO_DATA,
    lag_key: str | None = None,
) -> Reading:
    return Reading(
        subject=symbol,
        label=symbol,
        symbol=symbol,
        basket="",
        value=value,
        lag_key=lag_key,
        missing=missing if value is None else None,
        jobs=field_spec(field).jobs,
    )


def _short_value(field: str, row: ShortRow) -> tuple[float | None, str | None]:
    """(value, lag key) of a short figure of ``row``."""
    match field:
        case "si_pct":
            value = row.short_pct
        case "si_change_pct":
            value = row.short_change_pct
        case "days_to_cover":
            value = row.days_to_cover
        case "sv_pct":
            value = sv_percent(row)
        case _:
            value = row.sv_zscore
    day = row.settlement_date if field_spec(field).lag == "settlement" else row.sv_date
    return value, _iso(day)


def _short_reading(field: str, row: ShortRow) -> Reading:
    value, lag_key = _short_value(field, row)
    return _symbol_reading(
        field, row.symbol, value, lag_key=lag_key, missing=row.problem or "no short data"
    )


def _index_row(views: Views, key: str) -> IndexRow | None:
    view = _view(views, Pane.INDICES, IndicesView)
    if not isinstance(view, IndicesView):
        return None
    return next((row for row in view.rows if row.symbol == key), None)


def _sector_row(views: Views, symbol: str) -> SectorRow | None:
    view = _view(views, Pane.SECTORS, SectorsView)
    if not isinstance(view, SectorsView):
        return None
    return next((row for row in view.rows if row.symbol == symbol), None)


def _short_row(views: Views, symbol: str) -> ShortRow | None:
    view = _view(views, Pane.SHORTS, ShortsView)
    if not isinstance(view, ShortsView):
        return None
    return next((row for row in view.rows if row.symbol == symbol), None)


def _ext_change(views: Views, symbol: str) -> float | None:
    """A symbol's pre- or post-market move, from its Indices or Most shorted row."""
    row: IndexRow | ShortRow | None = _index_row(views, symbol) or _short_row(views, symbol)
    return None if row is None else row.ext_change_pct


def _index_value(field: str, row: IndexRow) -> float | None:
    return row.last if field == "last" else row.change_pct


def _index_missing(field: str, row: IndexRow) -> str:
    if row.problem is not None:
        return row.problem
    if field == "change_pct" and row.kind == "yield":
        return "a yield moves in basis points: watch its last"
    return NO_DATA


def _price_reading(
    field: str, symbol: str, views: Views, figures: Mapping[str, SymbolFigures]
) -> Reading:
    """A symbol's last or change %: its Indices row, else its Sector flows or Most shorted row
    (change % only), else its drill-down's quote."""
    index = _index_row(views, symbol)
    if index is not None:
        return _symbol_reading(
            field, symbol, _index_value(field, index), missing=_index_missing(field, index)
        )
    if field == "change_pct":
        sector = _sector_row(views, symbol)
        if sector is not None:
            return _symbol_reading(
                field, symbol, sector.change_pct, missing=sector.problem or NO_DATA
            )
        short = _short_row(views, symbol)
        if short is not None:
            return _symbol_reading(
                field, symbol, short.price_change_pct, missing=short.problem or NO_DATA
            )
    quote = figures.get(symbol)
    if quote is None:
        return _symbol_reading(field, symbol, None, missing=LOADING if not views else NO_DATA)
    value = quote.last if field == "last" else quote.change_pct
    return _symbol_reading(field, symbol, value, missing="no quote")


def _basket_price_reading(field: str, basket: str, views: Views) -> Reading:
    row = _index_row(views, basket_key(basket))
    value = None if row is None else _index_value(field, row)
    missing = LOADING if row is None else _index_missing(field, row)
    return Reading(
        subject=basket_key(basket),
        label=basket,
        symbol="",
        basket=basket,
        value=value,
        missing=None if value is not None else missing,
        jobs=(*field_spec(field).jobs, JobName.DAILY),
    )


def _baskets(views: Views) -> tuple[BasketCorrelations, ...] | None:
    view = _view(views, Pane.CORRELATIONS, CorrelationsView)
    return view.baskets if isinstance(view, CorrelationsView) else None


def _member_reading(basket: str, line: CorrelationLine | None, symbol: str) -> Reading:
    missing = LOADING if line is None else (line.problem or NO_DATA)
    return Reading(
        subject=f"{symbol}@{basket}",
        label=f"{symbol} in {basket}",
        symbol=symbol,
        basket=basket,
        value=None if line is None else line.now,
        missing=missing if line is None or line.now is None else None,
        jobs=field_spec("corr_to_peers").jobs,
    )


def _members(spec: AlertRule, views: Views) -> Iterator[Reading]:
    baskets = _baskets(views)
    if baskets is None:
        if spec.symbol != ANY_SYMBOL:
            yield _member_reading(spec.basket, None, spec.symbol)
        return
    for basket in baskets:
        if spec.basket and basket.name != spec.basket:
            continue
        for line in basket.members:
            if spec.symbol in (ANY_SYMBOL, line.label):
                yield _member_reading(basket.name, line, line.label)
    if spec.symbol != ANY_SYMBOL and not any(
        basket.name == spec.basket and spec.symbol in basket.symbols for basket in baskets
    ):
        yield _member_reading(spec.basket, None, spec.symbol)


def _basket_correlation(spec: AlertRule, views: Views) -> Reading:
    baskets = _baskets(views) or ()
    basket = next((basket for basket in baskets if basket.name == spec.basket), None)
    line = None if basket is None else basket.average
    value = None if line is None else line.now
    missing = LOADING if line is None else (line.problem or NO_DATA)
    return Reading(
        subject=basket_key(spec.basket),
        label=spec.basket,
        symbol="",
        basket=spec.basket,
        value=value,
        missing=None if value is not None else missing,
        jobs=field_spec("basket_corr").jobs,
    )


def _every_row(
    spec: AlertRule, views: Views, figures: Mapping[str, SymbolFigures]
) -> list[Reading]:
    """``symbol = "*"``: every row of the pane that shows the field."""
    field = spec.field
    if field in SHORTS_FIELDS:
        view = _view(views, Pane.SHORTS, ShortsView)
        rows = view.rows if isinstance(view, ShortsView) else ()
        return [_short_reading(field, row) for row in rows if row.problem is None]
    if field == "rel_vol":
        view = _view(views, Pane.SECTORS, SectorsView)
        sectors = view.rows if isinstance(view, SectorsView) else ()
        return [_symbol_reading(field, row.symbol, row.rel_volume) for row in sectors]
    if field in ("last", "change_pct"):
        symbols: list[str] = []
        index_view = _view(views, Pane.INDICES, IndicesView)
        if isinstance(index_view, IndicesView):
            symbols += [row.symbol for row in index_view.rows if row.kind != "basket"]
        sector_view = _view(views, Pane.SECTORS, SectorsView)
        if isinstance(sector_view, SectorsView):
            symbols += [row.symbol for row in sector_view.rows]
        return [
            reading
            for symbol in dict.fromkeys(symbols)
            if (reading := _price_reading(field, symbol, views, figures)).value is not None
        ]
    return []


def readings(spec: AlertRule, views: Views, figures: Mapping[str, SymbolFigures]) -> list[Reading]:
    """The value of ``spec``'s field for each subject it watches: one for a named symbol or
    basket, one per row for ``symbol = "*"``."""
    field = spec.field
    if field in MEMBER_ALERT_FIELDS:
        return list(_members(spec, views))
    if spec.symbol == ANY_SYMBOL:
        return _every_row(spec, views, figures)
    if field == "basket_corr":
        return [_basket_correlation(spec, views)]
    if field in ("last", "change_pct"):
        if not spec.symbol:
            return [_basket_price_reading(field, spec.basket, views)]
        return [_price_reading(field, spec.symbol, views, figures)]
    if field == "ext_change_pct":
        value = _ext_change(views, spec.symbol)
        return [_symbol_reading(field, spec.symbol, value, missing=NO_EXTENDED_HOURS)]
    if field == "rel_vol":
        sector = _sector_row(views, spec.symbol)
        missing = "relative volume is shown for the sector ETFs only"
        if sector is not None:
            missing = sector.problem or NO_DATA
        value = None if sector is None else sector.rel_volume
        return [_symbol_reading(field, spec.symbol, value, missing=missing)]
    row = _short_row(views, spec.symbol)
    if row is None:
        figure = figures.get(spec.symbol)
        row = None if figure is None else figure.short
    if row is None:
        return [
            _symbol_reading(field, spec.symbol, None, missing=LOADING if not views else NO_DATA)
        ]
    return [_short_reading(field, row)]


def figure_symbols(specs: list[AlertRule]) -> set[str]:
    """The symbols whose drill-down figures the rules may need: every named symbol of a price
    or short figure (a pane's row is read first where there is one)."""
    return {
        spec.symbol
        for spec in specs
        if spec.symbol not in ("", ANY_SYMBOL)
        and (spec.field in ("last", "change_pct") or spec.field in SHORTS_FIELDS)
    }
