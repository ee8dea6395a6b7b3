"""A basket's members as plain data: their view model, columns, sort orders and rows.

The view that shows *which* member broke away: each member's last price and change, its
contribution to the basket's move today and over five sessions, its correlation to its peers now
and a year ago, and its short interest. The basket's own row heads the table: its move (the sum
of the contributions) and its average correlation.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from tui.models import NO_DATA
from tui.presenters import format as fmt
from tui.presenters.correlations import CorrelationLine
from tui.presenters.shorts import OUTSTANDING_MARK, short_percent
from tui.presenters.table import (
    Column,
    PanePresenter,
    Row,
    SortMode,
    basket_key,
    ordered,
    toned,
)

BASKET_MARK = "Σ"  # the basket's row: the sum of its members' contributions


@dataclasses.dataclass(frozen=True, slots=True)
class MemberRow:
    """One member of a basket."""

    symbol: str
    name: str
    weight: float  # its share of the basket, 0 to 1 (1/n when equal-weighted)
    last: float | None
    change_pct: float | None  # today vs the previous close, %
    # Percentage points of the basket's move: today its weight x its return (the weights of
    # the members priced today); over 5 sessions the same each day, scaled by the basket's
    # growth before that day, so that the members' contributions add up to the basket's move.
    contribution_pct: float | None
    contribution_5d_pct: float | None
    correlation: CorrelationLine  # to its peers in the basket
    short_pct: float | None
    short_pct_basis: str | None
    problem: str | None = None  # "not found", "no data": nothing else to show


@dataclasses.dataclass(frozen=True, slots=True)
class MembersView:
    basket: str
    benchmark: str | None
    weighted: bool  # configured weights (False: equal weights)
    change_pct: float | None  # the basket's move today, % (as the Indices pane shows it)
    change_5d_pct: float | None  # over 5 sessions, %
    average: CorrelationLine  # the basket's average pairwise correlation
    members: tuple[MemberRow, ...]  # in the basket's order
    window: int  # trading days of the correlation window
    as_of: dt.datetime | None  # the newest member quote


COLUMNS: tuple[Column, ...] = (
    Column(
        "symbol",
        "Member",
        f"the basket's member; the first row ({BASKET_MARK}) is the basket itself",
        short="Sym",
        min_width=14,
        align="left",
    ),
    Column(
        "name",
        "Name",
        "the member's company name (shown where there is room)",
        min_width=24,
        align="left",
        priority=7,
    ),
    Column("weight", "Wt", "the member's weight in the basket, in %", priority=6),
    Column("last", "Last", "the member's latest price", priority=4),
    Column("change_pct", "Chg %", "today's change since the previous close, in %"),
    Column(
        "contribution",
        "Contrib",
        "contribution to the basket's move today, in percentage points: the member's weight "
        "times its change (weights of the members priced today); the members add up to the "
        "basket's Chg %",
        short="Ctb",
    ),
    Column(
        "contribution_5d",
        "Contrib 5d",
        "contribution to the basket's move over 5 sessions, in percentage points: each day "
        "the member's weight times its return, scaled by the basket's growth before that day, "
        "so the members add up to the basket's 5d %; about its 5-day return times its weight",
        short="Ctb5d",
        priority=2,
    ),
    Column(
        "correlation",
        "Corr",
        "correlation to its peers now: the mean of its rolling correlations with each other "
        "member (the basket's row: the average pairwise correlation)",
    ),
    Column(
        "correlation_year_ago",
        "Corr 1y",
        "the same a year ago",
        short="1y",
        priority=1,
    ),
    Column(
        "short_pct",
        "SI %",
        "short interest as a percentage of float (of shares outstanding where the float is "
        f"unknown, marked {OUTSTANDING_MARK})",
        priority=3,
    ),
)

SORTS: tuple[SortMode[MemberRow], ...] = (
    SortMode("corr", lambda row: row.correlation.now, "correlation", descending=False),
    SortMode("contrib", lambda row: row.contribution_pct, "contribution", descending=False),
    SortMode("contrib 5d", lambda row: row.contribution_5d_pct, "contribution_5d", False),
    SortMode("chg %", lambda row: row.change_pct, "change_pct"),
    SortMode("SI %", lambda row: row.short_pct, "short_pct"),
    SortMode("order", None, descending=False),
)


def member_row(row: MemberRow) -> Row:
    """The table row of one member."""
    if row.problem is not None:
        return Row(row.symbol, (row.symbol,), note=row.problem)
    return Row(
        row.symbol,
        (
            row.symbol,
            row.name,
            fmt.number(row.weight * 100, 1),
            fmt.price(row.last),
            toned(fmt.percent_change(row.change_pct), row.change_pct),
            toned(fmt.signed(row.contribution_pct), row.contribution_pct),
            toned(fmt.signed(row.contribution_5d_pct), row.contribution_5d_pct),
            fmt.correlation(row.correlation.now),
            fmt.correlation(row.correlation.year_ago),
            short_percent(row.short_pct, row.short_pct_basis),
        ),
    )


def basket_row(view: MembersView) -> Row:
    """The basket's own row: its moves (the sums of the contributions) and its average
    correlation."""
    return Row(
        basket_key(view.basket),
        (
            f"{BASKET_MARK} {view.basket}",
            "",
            fmt.number(100.0, 1),
            "",
            toned(fmt.percent_change(view.change_pct), view.change_pct),
            toned(fmt.signed(view.change_pct), view.change_pct),
            toned(fmt.signed(view.change_5d_pct), view.change_5d_pct),
            fmt.correlation(view.average.now),
            fmt.correlation(view.average.year_ago),
            "",
        ),
    )


class MembersPresenter(PanePresenter[MembersView]):
    """What the members screen shows of a `MembersView`."""

    title = "Members"
    columns = COLUMNS
    sorts = SORTS

    def rows(self, view: MembersView, sort: SortMode[MemberRow] | None = None) -> list[Row]:
        """The basket's row, then its members in ``sort``'s order (the basket's without)."""
        return [basket_row(view), *(member_row(row) for row in ordered(view.members, sort))]

    def as_of_text(self, view: MembersView) -> str:
        if view.as_of is None:
            return NO_DATA
        return f"as of {fmt.clock(view.as_of)} · corr {view.window} d window"

    def legend(self, view: MembersView) -> str | None:
        weights = "configured weights" if view.weighted else "equal weights"
        text = f"{weights} · Contrib in percentage points of the basket's move"
        if any(row.short_pct_basis == "outstanding" for row in view.members):
            text += f" · {OUTSTANDING_MARK} SI % of shares outstanding"
        return text


PRESENTER = MembersPresenter()
