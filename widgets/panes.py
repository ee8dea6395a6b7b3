"""The dashboard's four panes: bordered containers that each hold one LiveTable.

The screen hands each pane its view model with `show(view)` and the data's age with
`set_freshness(text, stale)`; `s` cycles the pane's sort orders. Enter on a row posts
`TickerSelected` (or `BasketSelected` for a basket) for the screen to open the drill-down.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from tui.models import (
    PANE_TITLES,
    BasketCorrelations,
    CorrelationLine,
    CorrelationsView,
    IndexRow,
    IndicesView,
    Pane,
    SectorRow,
    SectorsView,
    ShortRow,
    ShortsView,
)
from widgets import format as fmt
from widgets.messages import BasketSelected, TickerSelected
from widgets.table import Cell, Column, LiveTable, Row, tone_for

STALE_MARK = "⚠ STALE"
LOADING = "loading…"
NO_DATA = "no data"

BASKET_PREFIX = "basket:"
MEMBER_PREFIX = "member:"

SPARK_WIDTH = 12
CORRELATION_SPARK_WIDTH = 14
FLOW_BAR_HALF_WIDTH = 5

ViewT = TypeVar("ViewT")
ItemT = TypeVar("ItemT")


@dataclass(frozen=True, slots=True)
class SortMode(Generic[ItemT]):
    """One way of ordering a pane's rows: its label and a key (None keeps the view's order)."""

    label: str
    key: Callable[[ItemT], tuple[bool, float | str]] | None


def largest_first(value: float | None) -> tuple[bool, float]:
    """Sort key: largest value first, missing values last."""
    if value is None or math.isnan(value):
        return (True, 0.0)
    return (False, -value)


def smallest_first(value: float | None) -> tuple[bool, float]:
    """Sort key: smallest value first, missing values last."""
    if value is None or math.isnan(value):
        return (True, 0.0)
    return (False, value)


def _ordered(items: Sequence[ItemT], mode: SortMode[ItemT]) -> list[ItemT]:
    if mode.key is None:
        return list(items)
    return sorted(items, key=mode.key)  # stable: ties keep the view's order


def _toned(text: str, value: float | None) -> Cell:
    return Cell(text, tone_for(value))


class DataPane(Vertical, Generic[ViewT]):
    """A bordered pane around one LiveTable, with freshness, staleness and sort in its subtitle.

    Subclasses give the pane, its columns and sort modes, how a view becomes rows, and which
    message Enter on a row posts.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "cycle_sort", "Sort", id="sort"),
    ]

    DEFAULT_CSS = """
    DataPane {
        border: round $border-blurred;
        border-title-color: $foreground;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
        height: 1fr;
        &:focus-within {
            border: round $border;
        }
        &.stale {
            border-subtitle-color: $text-warning;
            border-subtitle-style: bold;
        }
        & > .legend {
            dock: bottom;
            height: auto;
            color: $text-muted;
        }
    }
    """

    PANE: ClassVar[Pane]
    COLUMNS: ClassVar[tuple[Column, ...]]
    SORT_LABELS: ClassVar[tuple[str, ...]]

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.view: ViewT | None = None
        self.sort_index = 0
        self._freshness = ""
        self._subtitle = ""
        self.border_title = PANE_TITLES[self.PANE]
        self.table = LiveTable(self.COLUMNS, placeholder=LOADING)
        self._update_subtitle()

    def compose(self) -> ComposeResult:
        yield self.table

    @property
    def sort_label(self) -> str:
        """The label of the current sort order."""
        return self.SORT_LABELS[self.sort_index]

    def show(self, view: ViewT) -> None:
        """Show ``view``; only the rows that changed are repainted."""
        self.view = view
        self._refresh_rows()

    def set_freshness(self, text: str, stale: bool) -> None:
        """Show the data's as-of or age in the subtitle; ``stale`` marks it as such, visibly."""
        self._freshness = text
        self.set_class(stale, "stale")
        self._update_subtitle()

    def action_cycle_sort(self) -> None:
        """Switch to the next sort order."""
        self.sort_index = (self.sort_index + 1) % len(self.SORT_LABELS)
        self._update_subtitle()
        self._refresh_rows()

    @on(LiveTable.RowActivated)
    def _row_activated(self, event: LiveTable.RowActivated) -> None:
        event.stop()
        message = self._activation(event.key)
        if message is not None:
            self.post_message(message)

    def _refresh_rows(self) -> None:
        if self.view is None:
            return
        self.table.placeholder = NO_DATA
        self.table.set_rows(self._rows(self.view))

    def _update_subtitle(self) -> None:
        parts = [STALE_MARK] if self.has_class("stale") else []
        if self._freshness:
            parts.append(self._freshness)
        parts.append(f"sort: {self.sort_label}")
        subtitle = " · ".join(parts)
        # The screen re-sends freshness every second: an unchanged subtitle costs no repaint.
        if subtitle != self._subtitle:
            self._subtitle = subtitle
            self.border_subtitle = Text(subtitle)  # Text: no markup parsing of "[...]"

    def _rows(self, view: ViewT) -> list[Row]:
        """The table rows for ``view`` in the current sort order (each subclass says how)."""
        raise NotImplementedError

    def _activation(self, key: str) -> Message | None:
        """The message Enter on the row ``key`` posts (each subclass says which)."""
        raise NotImplementedError


# Indices


INDEX_SORTS: tuple[SortMode[IndexRow], ...] = (
    SortMode("order", None),
    SortMode("chg %", lambda row: largest_first(row.change_pct)),
    SortMode("YTD", lambda row: largest_first(row.ytd_pct)),
)


def index_row(row: IndexRow) -> Row:
    """The table row for one index, yield or basket."""
    if row.problem is not None:
        return Row(row.symbol, (row.label,), note=row.problem)
    decimals = 3 if row.kind == "yield" else 2
    return Row(
        row.symbol,
        (
            row.label,
            fmt.price(row.last, decimals),
            _toned(fmt.signed(row.change, decimals), row.change),
            _toned(fmt.percent_change(row.change_pct), row.change_pct),
            _toned(fmt.signed_percent(row.change_5d_pct), row.change_5d_pct),
            _toned(fmt.signed_percent(row.ytd_pct), row.ytd_pct),
            Cell(fmt.sparkline(row.intraday, SPARK_WIDTH), tone_for(row.change)),
            _toned(fmt.signed_percent(row.rel_5d_pct), row.rel_5d_pct)
            if row.kind == "basket"
            else "",
        ),
    )


class IndicesPane(DataPane[IndicesView]):
    """Indices, rates and configured baskets: last, change, 5-day and YTD moves, intraday."""

    PANE = Pane.INDICES
    SORT_LABELS = tuple(mode.label for mode in INDEX_SORTS)
    COLUMNS = (
        Column("name", "Name", max_width=14, align="left"),
        Column("last", "Last"),
        Column("change", "Chg", priority=2),
        Column("change_pct", "Chg %"),
        Column("change_5d", "5d %", priority=3),
        Column("ytd", "YTD %", priority=4),
        Column("intraday", "Today", width=SPARK_WIDTH, align="left", priority=1),
        Column("rel_5d", "vs bm 5d", priority=5),
    )

    def _rows(self, view: IndicesView) -> list[Row]:
        return [index_row(row) for row in _ordered(view.rows, INDEX_SORTS[self.sort_index])]

    def _activation(self, key: str) -> Message:
        if key.startswith(BASKET_PREFIX):
            return BasketSelected(key.removeprefix(BASKET_PREFIX))
        return TickerSelected(key)


# Sector flows


SECTOR_SORTS: tuple[SortMode[SectorRow], ...] = (
    SortMode("flow", lambda row: largest_first(row.flow_today)),
    SortMode("chg %", lambda row: largest_first(row.change_pct)),
    SortMode("5d flow", lambda row: largest_first(row.flow_5d)),
    SortMode("rel vol", lambda row: largest_first(row.rel_volume)),
)


def sector_row(row: SectorRow, flow_scale: float) -> Row:
    """The table row for one sector ETF; the flow bar is scaled so ``flow_scale`` fills it."""
    if row.problem is not None:
        return Row(row.symbol, (row.symbol, row.sector), note=row.problem)
    return Row(
        row.symbol,
        (
            row.symbol,
            row.sector,
            _toned(fmt.percent_change(row.change_pct), row.change_pct),
            _toned(fmt.signed(row.rel_strength), row.rel_strength),
            _toned(fmt.money_flow(row.flow_today), row.flow_today),
            _toned(fmt.money_flow(row.flow_5d), row.flow_5d),
            fmt.ratio(row.rel_volume),
            _toned(fmt.signed_bar(row.flow_today, flow_scale, FLOW_BAR_HALF_WIDTH), row.flow_today),
        ),
    )


class SectorsPane(DataPane[SectorsView]):
    """The 11 sector ETFs: change, strength vs the S&P 500, estimated flows, relative volume."""

    PANE = Pane.SECTORS
    SORT_LABELS = tuple(mode.label for mode in SECTOR_SORTS)
    COLUMNS = (
        Column("etf", "ETF", align="left"),
        Column("sector", "Sector", max_width=16, align="left", priority=3),
        Column("change_pct", "Chg %"),
        Column("rel_strength", "vs S&P", priority=4),
        Column("flow", "Flow"),
        Column("flow_5d", "Flow 5d", priority=2),
        Column("rel_volume", "RelVol", priority=5),
        Column("bar", "Flow today", width=2 * FLOW_BAR_HALF_WIDTH + 1, align="left", priority=1),
    )

    def _rows(self, view: SectorsView) -> list[Row]:
        flows = [row.flow_today for row in view.rows]
        scale = max(
            (abs(flow) for flow in flows if flow is not None and math.isfinite(flow)), default=0.0
        )
        ordered = _ordered(view.rows, SECTOR_SORTS[self.sort_index])
        return [sector_row(row, scale) for row in ordered]

    def _activation(self, key: str) -> Message:
        return TickerSelected(key)


# Most shorted


OUTSTANDING_MARK = "ᵒ"

SHORT_SORTS: tuple[SortMode[ShortRow], ...] = (
    SortMode("SI %", lambda row: largest_first(row.short_pct)),
    SortMode("SI chg", lambda row: largest_first(row.short_change_pct)),
    SortMode("DTC", lambda row: largest_first(row.days_to_cover)),
    SortMode("SV z", lambda row: largest_first(row.sv_zscore)),
    SortMode("symbol", lambda row: (False, row.symbol)),
)


def short_pct_text(row: ShortRow) -> str:
    """Short interest in percent, marked ᵒ when it is of shares outstanding rather than float
    (a space otherwise, so the digits stay aligned)."""
    mark = OUTSTANDING_MARK if row.short_pct_basis == "outstanding" else " "
    return f"{fmt.percent(row.short_pct)}{mark}"


def short_row(row: ShortRow) -> Row:
    """The table row for one name in the Most shorted table."""
    if row.problem is not None:
        return Row(row.symbol, (row.symbol,), note=row.problem)
    sv_pct = None if row.sv_ratio is None else row.sv_ratio * 100
    return Row(
        row.symbol,
        (
            row.symbol,
            short_pct_text(row),
            fmt.share_count(row.short_shares),
            _toned(fmt.signed_percent(row.short_change_pct), row.short_change_pct),
            fmt.days_to_cover(row.days_to_cover),
            fmt.percent(sv_pct, 0),
            fmt.zscore(row.sv_zscore),
            _toned(fmt.signed_percent(row.price_change_pct), row.price_change_pct),
            fmt.short_date(row.settlement_date),
        ),
    )


def shorts_legend(view: ShortsView) -> str:
    """What the as-of dates and the ᵒ mark mean."""
    parts = [
        f"SI as of {fmt.short_date(view.settlement_date)}",
        f"SV {fmt.short_date(view.sv_date)}",
    ]
    if any(row.short_pct_basis == "outstanding" for row in view.rows):
        parts.append(f"{OUTSTANDING_MARK} % of shares outstanding, not float")
    return " · ".join(parts)


class ShortsPane(DataPane[ShortsView]):
    """The most shorted names: short interest, its change, days to cover, short-sale volume."""

    PANE = Pane.SHORTS
    SORT_LABELS = tuple(mode.label for mode in SHORT_SORTS)
    COLUMNS = (
        Column("symbol", "Symbol", align="left"),
        Column("short_pct", "SI %"),
        Column("short_shares", "Short", priority=3),
        Column("short_change", "SI chg", priority=2),
        Column("days_to_cover", "DTC"),
        Column("sv_ratio", "SV %", priority=4),
        Column("sv_zscore", "SV z", priority=1),
        Column("price_change", "Px %", priority=5),
        Column("settlement", "Settled", priority=6),
    )

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.legend = Static("", classes="legend")
        self._legend_text = ""

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield self.legend

    def _refresh_rows(self) -> None:
        super()._refresh_rows()
        if self.view is not None:
            legend = shorts_legend(self.view)
            if legend != self._legend_text:  # an unchanged legend costs no repaint
                self._legend_text = legend
                self.legend.update(legend)

    def _rows(self, view: ShortsView) -> list[Row]:
        return [short_row(row) for row in _ordered(view.rows, SHORT_SORTS[self.sort_index])]

    def _activation(self, key: str) -> Message:
        return TickerSelected(key)


# Correlations


CORRELATION_SORTS: tuple[SortMode[CorrelationLine], ...] = (
    SortMode("now", lambda line: smallest_first(line.now)),
    SortMode("chg vs 1y", lambda line: smallest_first(_correlation_change(line))),
)


def _correlation_change(line: CorrelationLine) -> float | None:
    if line.now is None or line.year_ago is None:
        return None
    return line.now - line.year_ago


def correlation_row(key: str, label: str, line: CorrelationLine) -> Row:
    """A table row for a basket's average correlation or one member's correlation to its peers.

    Sparklines share one 0-to-1 scale so that baskets and members compare at a glance; values
    below zero sit on the bottom block and the "now" column gives the exact figure.
    """
    change = _correlation_change(line)
    return Row(
        key,
        (
            label,
            fmt.sparkline(line.series, CORRELATION_SPARK_WIDTH, lower=0.0, upper=1.0),
            fmt.correlation(line.now),
            fmt.correlation(line.year_ago),
            _toned(fmt.signed(change), change),
        ),
    )


def basket_key(name: str) -> str:
    """Row key of a basket in the Correlations pane."""
    return f"{BASKET_PREFIX}{name}"


def member_key(basket: str, symbol: str) -> str:
    """Row key of a basket member in the Correlations pane."""
    return f"{MEMBER_PREFIX}{basket}:{symbol}"


class CorrelationsPane(DataPane[CorrelationsView]):
    """Each basket's average pairwise correlation; under the basket the cursor is on, each
    member's correlation to its peers. Moving the cursor onto another basket opens that one."""

    PANE = Pane.CORRELATIONS
    SORT_LABELS = tuple(mode.label for mode in CORRELATION_SORTS)
    COLUMNS = (
        Column("name", "Basket", max_width=14, align="left"),
        Column("series", "1y", width=CORRELATION_SPARK_WIDTH, align="left"),
        Column("now", "Now"),
        Column("year_ago", "1y ago", priority=1),
        Column("change", "Chg", priority=2),
    )

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.open_basket: str | None = None
        self._member_symbols: dict[str, str] = {}

    def _rows(self, view: CorrelationsView) -> list[Row]:
        mode = CORRELATION_SORTS[self.sort_index]
        key = mode.key
        baskets = list(view.baskets)
        if key is not None:
            baskets.sort(key=lambda basket: key(basket.average))
        names = [basket.name for basket in baskets]
        if self.open_basket not in names:
            self.open_basket = names[0] if names else None
        self._member_symbols = {}
        rows: list[Row] = []
        for basket in baskets:
            rows.append(correlation_row(basket_key(basket.name), basket.name, basket.average))
            if basket.name == self.open_basket:
                rows.extend(self._member_rows(basket, mode))
        return rows

    def _member_rows(
        self, basket: BasketCorrelations, mode: SortMode[CorrelationLine]
    ) -> list[Row]:
        rows = []
        for member in _ordered(basket.members, mode):
            key = member_key(basket.name, member.label)
            self._member_symbols[key] = member.label
            rows.append(correlation_row(key, f"  {member.label}", member))
        return rows

    def focus_basket(self, name: str) -> None:
        """Open the basket ``name``, put the cursor on it and focus the table (Enter on a basket
        elsewhere lands here). An unknown name changes nothing."""
        if self.view is None or name not in {basket.name for basket in self.view.baskets}:
            return
        self.open_basket = name
        self._refresh_rows()
        index = self.table.row_index(basket_key(name))
        if index is not None:
            self.table.move_cursor(index)
        self.table.focus()

    @on(LiveTable.RowHighlighted)
    def _open_highlighted_basket(self, event: LiveTable.RowHighlighted) -> None:
        if not event.key.startswith(BASKET_PREFIX):
            return
        name = event.key.removeprefix(BASKET_PREFIX)
        if name != self.open_basket:
            self.open_basket = name
            self._refresh_rows()

    def _activation(self, key: str) -> Message | None:
        if key.startswith(BASKET_PREFIX):
            return BasketSelected(key.removeprefix(BASKET_PREFIX))
        symbol = self._member_symbols.get(key)
        return None if symbol is None else TickerSelected(symbol)
