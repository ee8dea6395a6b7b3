"""The watchlists as plain data: their view model, columns, sort orders, rows and as-of text.

Per ticker of a list: last, change, change %, the change in the pre- or post-market session,
volume, relative volume by time of day, where the price sits in its 52-week range, short interest
and the short-sale volume z-score where known, and today's path as a sparkline. The dashboard's
Watchlist pane and the watchlist screen show one list at a time; `tapewatch snapshot` every list.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Literal

from tui.models import NO_DATA
from tui.presenters import format as fmt
from tui.presenters.sectors import ESTIMATE_MARK, relative_volume_figure
from tui.presenters.shorts import OUTSTANDING_MARK, short_percent
from tui.presenters.table import (
    Cell,
    Column,
    PanePresenter,
    Row,
    SortMode,
    Sparkline,
    as_of_time,
    ordered,
    tone_for,
    toned,
)

SPARK_WIDTH = 8  # the Today column's narrowest (and `snapshot`'s) width; it grows with the pane
RANGE_WIDTH = 5
LIST_PREFIX = "list:"
EMPTY_LIST = "empty list · + adds a ticker"


@dataclasses.dataclass(frozen=True, slots=True)
class WatchRow:
    """One ticker of a watchlist."""

    symbol: str
    name: str  # the company's or fund's name, "" when the source has none
    last: float | None
    change: float | None  # vs the previous close, in price points
    change_pct: float | None
    # The move in the pre- or post-market session, in %: the last price against today's regular
    # close after the close, against the previous close before the open; None in regular hours
    # or when the source has no extended-hours price.
    extended_change_pct: float | None
    volume: float | None  # today's volume so far
    rel_volume: float | None  # today's volume / the usual volume by this time of day
    rel_volume_basis: Literal["intraday", "profile", "day"] | None
    low_52w: float | None
    high_52w: float | None
    range_position: float | None  # where the last price sits in the 52-week range, 0 to 1
    short_pct: float | None  # short interest, % of float (or of shares outstanding: basis)
    short_pct_basis: Literal["float", "outstanding"] | None
    sv_zscore: float | None  # the latest short-volume ratio's z-score vs the 20 days before
    intraday: tuple[float, ...]  # today's closes, oldest first
    as_of: dt.datetime | None  # time of the last price
    problem: str | None = None  # "not found", "no data": the row has nothing else to show


@dataclasses.dataclass(frozen=True, slots=True)
class WatchlistRows:
    """One watchlist: its name and a row per ticker, in the list's order."""

    name: str
    rows: tuple[WatchRow, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class WatchlistView:
    lists: tuple[WatchlistRows, ...]
    as_of: dt.datetime | None  # the newest price of any list

    def named(self, name: str | None) -> WatchlistRows | None:
        """The list called ``name`` (the first list for None), None when there is none."""
        if name is None:
            return self.lists[0] if self.lists else None
        return next((rows for rows in self.lists if rows.name == name), None)


COLUMNS: tuple[Column, ...] = (
    Column(
        "symbol",
        "Symbol",
        "the ticker of a stock, fund or index in the list",
        short="Sym",
        width=5,
        align="left",
    ),
    Column("last", "Last", "the latest price", width=9),
    Column("change", "Chg", "the change since the previous close, in points", width=7, priority=3),
    Column(
        "change_pct",
        "Chg %",
        "the change since the previous close, in %, with ▲ or ▼",
        width=8,
    ),
    Column(
        "extended",
        "Ext %",
        "the move in the pre- or post-market session, in %: after the close the last price "
        "against today's regular close, before the open against the previous close; — in "
        "regular hours or where the source has no extended-hours price",
        short="Ext",
        width=6,
        priority=6,
    ),
    Column("volume", "Volume", "the shares traded today so far", short="Vol", width=5, priority=4),
    Column(
        "rel_volume",
        "RelVol",
        "today's volume so far over the volume usually traded by the same time of day, as "
        "Sector flows measures it (marked ≈ when estimated from a typical intraday profile)",
        short="RVol",
        width=5,
        priority=2,
    ),
    Column(
        "range",
        "52w",
        "where the last price sits in its 52-week range: the dot on a track from the low "
        "(left) to the high (right), and the same in % (0% at the low, 100% at the high)",
        width=RANGE_WIDTH + 5,
        priority=3,
    ),
    Column(
        "short_pct",
        "SI %",
        "short interest as a percentage of the float (of shares outstanding where the float is "
        f"unknown, marked {OUTSTANDING_MARK}), at the latest settlement; — where unknown",
        width=6,
        priority=5,
    ),
    Column(
        "sv_zscore",
        "SV z",
        "the latest daily short-sale volume ratio's z-score against the 20 trading days before",
        width=5,
        priority=5,
    ),
    Column(
        "intraday",
        "Today",
        "today's path since the open as a sparkline, low to high, as wide as the pane allows",
        width=SPARK_WIDTH,
        grows=True,
        align="left",
        priority=1,
    ),
    # Last, so that names arriving longer than expected move no other column.
    Column(
        "name",
        "Name",
        "the company's or fund's name, where there is room (watchlists: `+` adds a ticker, `-` "
        "removes it)",
        width=18,
        min_width=12,
        align="left",
        priority=7,
    ),
)

SORTS: tuple[SortMode[WatchRow], ...] = (
    SortMode("order", None, descending=False),
    SortMode("chg %", lambda row: row.change_pct, "change_pct"),
    SortMode("ext %", lambda row: row.extended_change_pct, "extended"),
    SortMode("rel vol", lambda row: row.rel_volume, "rel_volume"),
    SortMode("52w", lambda row: row.range_position, "range"),
    SortMode("SI %", lambda row: row.short_pct, "short_pct"),
    SortMode("SV z", lambda row: row.sv_zscore, "sv_zscore"),
    SortMode("symbol", lambda row: row.symbol, "symbol", descending=False),
)


def watch_row(row: WatchRow, key: str | None = None) -> Row:
    """The table row of one ticker (keyed by its symbol unless ``key`` says otherwise)."""
    key = key or row.symbol
    if row.problem is not None:
        return Row(key, (row.symbol,), note=row.problem)
    return Row(
        key,
        (
            row.symbol,
            fmt.price(row.last),
            toned(fmt.signed(row.change), row.change),
            toned(fmt.percent_change(row.change_pct), row.change_pct),
            toned(fmt.signed_percent(row.extended_change_pct, 2), row.extended_change_pct),
            fmt.share_count(row.volume),
            relative_volume_figure(row.rel_volume, row.rel_volume_basis),
            fmt.range_position(row.range_position, RANGE_WIDTH),
            short_percent(row.short_pct, row.short_pct_basis),
            fmt.zscore(row.sv_zscore),
            Sparkline(row.intraday, tone_for(row.change)),
            Cell(row.name, short=fmt.company_short_name(row.name)),
        ),
    )


def list_key(name: str) -> str:
    """The key of a list's title row in the plain-text table of every list."""
    return f"{LIST_PREFIX}{name}"


class WatchlistPresenter(PanePresenter[WatchlistView]):
    """What the Watchlist pane, the watchlist screen and `snapshot` show of a `WatchlistView`."""

    title = "Watchlist"
    columns = COLUMNS
    sorts = SORTS

    def rows(
        self,
        view: WatchlistView,
        sort: SortMode[WatchRow] | None = None,
        *,
        list_name: str | None = None,
    ) -> list[Row]:
        """The rows of the list ``list_name`` in ``sort``'s order (the list's own without one);
        without a name, every list, each under a row with its name."""
        if list_name is not None:
            rows = view.named(list_name)
            return [] if rows is None else [watch_row(row) for row in ordered(rows.rows, sort)]
        table: list[Row] = []
        for watchlist in view.lists:
            count = len(watchlist.rows)
            table.append(Row(list_key(watchlist.name), (watchlist.name,), note=f"{count} tickers"))
            table += [
                watch_row(row, f"{watchlist.name}:{row.symbol}")
                for row in ordered(watchlist.rows, sort)
            ]
        return table

    def as_of_text(self, view: WatchlistView) -> str:
        """The time of the newest price."""
        return as_of_time(view.as_of)

    def legend(self, view: WatchlistView) -> str | None:
        """What the marks mean, when a row carries one."""
        rows = [row for watchlist in view.lists for row in watchlist.rows]
        notes = []
        if any(row.rel_volume_basis == "profile" and row.rel_volume is not None for row in rows):
            notes.append(f"{ESTIMATE_MARK} RelVol estimated from a typical intraday profile")
        if any(row.short_pct_basis == "outstanding" for row in rows):
            notes.append(f"{OUTSTANDING_MARK} SI % of shares outstanding, not float")
        return " · ".join(notes) or None

    def headline(self, view: WatchlistView) -> str:
        legend = self.legend(view)
        text = self.as_of_text(view) if view.lists else NO_DATA
        return text if legend is None else f"{text} · {legend}"


PRESENTER = WatchlistPresenter()
