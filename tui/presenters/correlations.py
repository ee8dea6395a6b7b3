"""The Correlations pane as plain data: its view models, columns, sort orders and rows.

Per basket, the average pairwise rolling correlation of its members; under a basket, each member's
correlation to its peers. Sparklines span a year; "now" against "1y ago".
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Container

from tui.models import NO_DATA
from tui.presenters import format as fmt
from tui.presenters.table import (
    Column,
    PanePresenter,
    Row,
    SortMode,
    Sparkline,
    basket_key,
    ordered,
    toned,
)

MEMBER_PREFIX = "member:"
SPARK_WIDTH = 12  # the 1y column's narrowest (and `snapshot`'s) width; it grows with the pane
MEMBER_INDENT = "  "


@dataclasses.dataclass(frozen=True, slots=True)
class CorrelationLine:
    """A rolling correlation series: a basket's average pairwise correlation, or one member's
    correlation to its peers (the mean of its rolling pairwise correlations with the others)."""

    label: str  # basket name or member symbol
    series: tuple[float, ...]  # one value per trading day over the last year, oldest first
    now: float | None
    year_ago: float | None
    problem: str | None = None  # a member the source could not give: "not found", "no data"


@dataclasses.dataclass(frozen=True, slots=True)
class BasketCorrelations:
    name: str
    symbols: tuple[str, ...]
    average: CorrelationLine
    members: tuple[CorrelationLine, ...]  # sorted by `now`, lowest (most broken away) first


@dataclasses.dataclass(frozen=True, slots=True)
class CorrelationsView:
    baskets: tuple[BasketCorrelations, ...]
    window: int  # trading days in the rolling window
    as_of: dt.date | None  # last daily bar used


COLUMNS: tuple[Column, ...] = (
    Column(
        "name",
        "Basket",
        "the basket and, under the basket the cursor is on, its members (every basket's "
        "where the pane has the rows)",
        width=18,
        min_width=18,
        align="left",
    ),
    Column(
        "series",
        "1y",
        "the rolling correlation over the last year as a sparkline as wide as the pane allows, "
        "every row on one 0-to-1 scale (below 0 sits on the bottom)",
        width=SPARK_WIDTH,
        grows=True,
        align="left",
    ),
    Column("now", "Now", "the latest rolling correlation, −1 to 1", width=5),
    Column("year_ago", "1y ago", "the rolling correlation a year ago", width=5, priority=1),
    Column("change", "Chg", "Now minus 1y ago", width=5, priority=2),
)


def correlation_change(line: CorrelationLine) -> float | None:
    """Now minus a year ago; None unless both are known."""
    if line.now is None or line.year_ago is None:
        return None
    return line.now - line.year_ago


# Lowest first by default: the baskets and members that stopped moving together lead.
SORTS: tuple[SortMode[CorrelationLine], ...] = (
    SortMode("now", lambda line: line.now, "now", descending=False),
    SortMode("chg vs 1y", correlation_change, "change", descending=False),
)


def member_key(basket: str, symbol: str) -> str:
    """Row key of a basket member in the Correlations pane."""
    return f"{MEMBER_PREFIX}{basket}:{symbol}"


def correlation_row(key: str, label: str, line: CorrelationLine) -> Row:
    """A table row for a basket's average correlation or one member's correlation to its peers.

    Sparklines share one 0-to-1 scale so that baskets and members compare at a glance; values
    below zero sit on the bottom block and the "now" column gives the exact figure.
    """
    if line.problem is not None:
        return Row(key, (label,), note=line.problem)
    change = correlation_change(line)
    return Row(
        key,
        (
            label,
            Sparkline(line.series, lower=0.0, upper=1.0),
            fmt.correlation(line.now),
            fmt.correlation(line.year_ago),
            toned(fmt.signed(change), change),
        ),
    )


def ordered_baskets(
    view: CorrelationsView, sort: SortMode[CorrelationLine] | None
) -> list[BasketCorrelations]:
    """The baskets in ``sort``'s order of their average line (the configured order without)."""
    return ordered(view.baskets, sort, of=lambda basket: basket.average)


def member_symbols(view: CorrelationsView) -> dict[str, str]:
    """The symbol behind each member row's key."""
    return {
        member_key(basket.name, member.label): member.label
        for basket in view.baskets
        for member in basket.members
    }


class CorrelationsPresenter(PanePresenter[CorrelationsView]):
    """What the Correlations pane and `snapshot` show of a `CorrelationsView`."""

    title = "Correlations"
    columns = COLUMNS
    sorts = SORTS

    def rows(
        self,
        view: CorrelationsView,
        sort: SortMode[CorrelationLine] | None = None,
        *,
        expanded: Container[str] | None = None,
    ) -> list[Row]:
        """Each basket's row followed by its members' rows, in ``sort``'s order (the view's
        without one); only the members of the ``expanded`` baskets (of every basket by default).
        """
        rows: list[Row] = []
        for basket in ordered_baskets(view, sort):
            rows.append(correlation_row(basket_key(basket.name), basket.name, basket.average))
            if expanded is None or basket.name in expanded:
                rows += [
                    correlation_row(
                        member_key(basket.name, member.label),
                        f"{MEMBER_INDENT}{member.label}",
                        member,
                    )
                    for member in ordered(basket.members, sort)
                ]
        return rows

    def as_of_text(self, view: CorrelationsView) -> str:
        """The rolling window and the last session it reaches."""
        if view.as_of is None:
            return NO_DATA
        return f"{view.window} d window, to {fmt.short_date(view.as_of)}"


PRESENTER = CorrelationsPresenter()
