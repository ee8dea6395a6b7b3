"""A basket's correlation matrix (CORR) and one pair of it, as plain data: the view models, how a
cell reads (a number and a shade, so it reads without colour), the order of the members, and the
columns the help screen explains.

Every cell is the correlation of two members' daily log returns over the rolling window ending on
the basket's last session (as the Correlations pane computes it); `c` shows instead its change
against the window a year earlier. Members are ordered by their mean correlation to their peers,
lowest first, so the member that broke away leads the rows and the columns.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Sequence
from typing import Literal

from tui.models import NO_DATA
from tui.presenters import format as fmt
from tui.presenters.correlations import CorrelationLine
from tui.presenters.table import Column

MatrixMode = Literal["now", "change"]

# Shades from light to dark: a correlation's level, or the size of its change.
SHADES = (" ", "░", "▒", "▓", "█")
CORRELATION_STEPS = (0.0, 0.25, 0.5, 0.75)  # above each: the next shade
CHANGE_STEPS = (0.0, 0.1, 0.25, 0.5)
DIAGONAL = "·"
CELL_WIDTH = 6  # a shade and a number: "▓ 0.54", "▒−0.48"


@dataclasses.dataclass(frozen=True, slots=True)
class MatrixView:
    """A basket's pairwise correlations now and a year ago, members in display order."""

    basket: str
    symbols: tuple[str, ...]  # by mean correlation to peers now, lowest first (None last)
    now: tuple[tuple[float | None, ...], ...]  # symbols x symbols; None: not in the window
    year_ago: tuple[tuple[float | None, ...], ...]  # the same a year earlier (None: no data)
    means: tuple[float | None, ...]  # each member's mean correlation to its peers now
    means_year_ago: tuple[float | None, ...]
    window: int  # trading days
    as_of: dt.date | None  # the window's last session
    year_ago_as_of: dt.date | None  # the last session of the window a year earlier

    def value(self, row: int, column: int, mode: MatrixMode) -> float | None:
        """The cell at ``row``, ``column``: the correlation now, or its change."""
        now = self.now[row][column]
        if mode == "now":
            return now
        then = self.year_ago[row][column]
        return None if now is None or then is None else now - then

    def mean(self, row: int, mode: MatrixMode) -> float | None:
        """The row's mean correlation to its peers now, or its change."""
        now = self.means[row]
        if mode == "now":
            return now
        then = self.means_year_ago[row]
        return None if now is None or then is None else now - then


@dataclasses.dataclass(frozen=True, slots=True)
class PairView:
    """Two members of a basket: their rolling correlation over a year, and both prices."""

    basket: str
    first: str
    second: str
    correlation: CorrelationLine  # rolling, over the last year
    dates: tuple[dt.date, ...]  # of the prices, oldest first
    first_prices: tuple[float | None, ...]  # closes, 100 on the first date both have one
    second_prices: tuple[float | None, ...]
    window: int


def shade(value: float | None, mode: MatrixMode) -> int:
    """The shade of a cell, 0 (none) to 4 (darkest): a correlation by its level (0 or below
    unshaded), a change by its size either way."""
    if value is None or not math.isfinite(value):
        return 0
    steps = CORRELATION_STEPS if mode == "now" else CHANGE_STEPS
    size = value if mode == "now" else abs(value)
    return sum(1 for step in steps if size > step)


def cell_text(value: float | None, mode: MatrixMode, *, diagonal: bool = False) -> str:
    """A cell as it reads: its shade, then the number ("▓ 0.54"; a change signed: "▒−0.48");
    a member with itself "·"; "—" where there is no value."""
    if diagonal:
        return f"{DIAGONAL:>{CELL_WIDTH}}"
    if value is None or not math.isfinite(value):
        return f"{fmt.MISSING:>{CELL_WIDTH}}"
    number = fmt.correlation(value) if mode == "now" else fmt.signed(value)
    return f"{SHADES[shade(value, mode)]}{number:>{CELL_WIDTH - 1}}"


def shade_legend(mode: MatrixMode) -> str:
    """What each shade stands for: "░ 0–.25 ▒ .25–.5 ▓ .5–.75 █ .75–1" (a change by its size
    either way: "░ 0–.1 ▒ .1–.25 ▓ .25–.5 █ >.5")."""
    steps = CORRELATION_STEPS if mode == "now" else CHANGE_STEPS
    ends = [*(_short(step) for step in steps[1:]), "1" if mode == "now" else ""]
    return " ".join(
        f"{SHADES[index + 1]} {_short(step)}–{end}"
        if end
        else f"{SHADES[index + 1]} >{_short(step)}"
        for index, (step, end) in enumerate(zip(steps, ends, strict=True))
    )


def _short(step: float) -> str:
    return "0" if step == 0 else f"{step:.2f}".rstrip("0").removeprefix("0")


def mean_to_peers(row: Sequence[float | None], own: int) -> float | None:
    """The mean of a row's correlations with the other members that have one (None when it
    has none)."""
    values = [value for index, value in enumerate(row) if index != own and value is not None]
    return sum(values) / len(values) if values else None


def matrix_title(view: MatrixView, mode: MatrixMode) -> str:
    """What the matrix shows and as of when."""
    if view.as_of is None:
        return f"CORR {view.basket} · {NO_DATA}"
    text = f"CORR {view.basket} · {view.window} d window to {fmt.short_date(view.as_of)}"
    if mode == "change":
        then = fmt.short_date(view.year_ago_as_of) if view.year_ago_as_of else NO_DATA
        text += f" · change since the window to {then}"
    return text


# The matrix's columns, for the help screen (the member columns are headed by each symbol).
MATRIX_COLUMNS: tuple[Column, ...] = (
    Column(
        "member",
        "Member",
        "the basket's members, the same order down and across: by mean correlation to peers, "
        "lowest (the member that broke away) first",
        align="left",
    ),
    Column(
        "pair",
        "(each member)",
        "each member's correlation with the member of the row, −1 to 1, shaded ░ ▒ ▓ █ from "
        "above 0, 0.25, 0.5 and 0.75 (blank at 0 or below); `c` shows instead its change since "
        "the window a year earlier, shaded by its size (above 0, 0.1, 0.25, 0.5 either way)",
        width=CELL_WIDTH,
    ),
    Column(
        "mean",
        "Mean",
        "the row's mean correlation to its peers (the Correlations pane's Now for that member), "
        "or its change with `c`",
        width=CELL_WIDTH,
    ),
)
