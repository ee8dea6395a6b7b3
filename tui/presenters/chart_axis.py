"""The y axis of a character chart: round labels, each on the row its value is drawn on.

A chart of ``rows`` character rows from ``low`` (the bottom row) to ``high`` (the top row) draws a
value on the row nearest to it: row ``i`` stands for ``low + i * row_step``, with
``row_step = (high - low) / (rows - 1)``. A label tells the truth only when its value falls on its
row exactly, so `nice_axis` chooses the row step first: the ticks are the multiples of a round step
(1, 2, 2.5 or 5 × 10^k) that spans a whole number of rows, and the bottom row is a multiple of the
row step, so every tick lies on a row. Among the axes that hold the data it takes the one the data
fills best with a number of labels that suits the height, a blank row between two labels when the
chart has room for it.

A reference value (a previous close) is labelled with its own value on the row it is drawn on;
round labels too close to it make way. Zero, when in range, is always a tick: a multiple of any
step.

No textual import: the drill-down's charts (widgets/charts/) ask this module where their labels
go, and the tests check it without a terminal.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence

from tui.presenters import format as fmt

NICE_MANTISSAS = (1.0, 2.0, 5.0, 2.5)  # in order of preference when two steps are as fine
MAX_TICKS = 6
TICK_COST = 0.1  # what a tick more or fewer than the height suits costs, in rows left empty
EPSILON = 1e-9
ROW_TOLERANCE = 1e-6  # a value this close to a row (in rows) is on it: floating-point slack

# A tick's label from its value and the decimals its step needs ("412.50", "2.5M", "0.25").
Labeller = Callable[[float, int], str]


@dataclasses.dataclass(frozen=True, slots=True)
class Axis:
    """A y axis laid out on ``rows`` rows: what to give the plot as its limits and ticks."""

    low: float  # the value of the bottom row
    high: float  # the value of the top row
    rows: int
    step: float  # between two round ticks
    ticks: tuple[float, ...]  # ascending: the round ticks and the references
    labels: tuple[str, ...]  # one per tick

    @property
    def row_step(self) -> float:
        """The value one row stands for."""
        return (self.high - self.low) / (self.rows - 1)

    def row_of(self, value: float) -> int:
        """The row (0 at the bottom) a value is drawn on: the nearest, halves rounded up, as
        plotext rounds them."""
        return math.floor(round(0.5 + (value - self.low) / self.row_step, 8))

    def label_at(self, row: int) -> str | None:
        """The label written on ``row``, None for an unlabelled row."""
        for tick, label in zip(self.ticks, self.labels, strict=True):
            if self.row_of(tick) == row:
                return label
        return None


def count_label(value: float, decimals: int) -> str:
    """A tick of a count axis (volume, short shares), compact and without trailing zeros:
    "2.5M", "750K", "0"."""
    text = fmt.share_count(value)
    digits = text.rstrip("KMBT")
    if "." in digits:
        digits = digits.rstrip("0").rstrip(".")
    return digits + text[len(text.rstrip("KMBT")) :]


def step_decimals(step: float) -> int:
    """The decimals a multiple of ``step`` needs: 0.25 -> 2, 0.5 -> 1, 20 -> 0."""
    decimals = 0
    while decimals < 12 and abs(step * 10**decimals - round(step * 10**decimals)) > EPSILON:
        decimals += 1
    return decimals


@dataclasses.dataclass(frozen=True, slots=True)
class _Candidate:
    row_step: float
    step: float
    rows_per_step: int
    bottom: int  # the bottom row's index: its value is bottom * row_step
    preference: tuple[float, int]  # lowest first: (rows left empty + tick cost, mantissa)


def _candidates(
    low: float,
    high: float,
    rows: int,
    *,
    gap: int,
    floor: float | None,
    ceiling: float | None,
    start_at_zero: bool,
) -> list[_Candidate]:
    """Every axis on ``rows`` rows that holds low..high with 2 to `MAX_TICKS` round ticks at
    least ``gap`` rows apart, each scored by the rows it leaves empty and its tick count."""
    span = max(high - low, EPSILON * max(1.0, abs(high)))
    target = max(2, min(MAX_TICKS, rows // 3 + 1))
    found = []
    smallest = math.floor(math.log10(span / (rows - 1))) - 1
    largest = math.ceil(math.log10(span)) + 1
    for exponent in range(smallest, largest + 1):
        for preference, mantissa in enumerate(NICE_MANTISSAS):
            step = mantissa * 10.0**exponent
            for per_step in range(gap, rows):
                row_step = step / per_step
                if (rows - 1) * row_step < span * (1 - EPSILON):
                    continue  # too fine: the data does not fit
                bottom = _bottom_row(
                    low, high, rows, row_step, floor, ceiling, start_at_zero=start_at_zero
                )
                if bottom is None:
                    continue
                first = math.ceil(bottom / per_step)
                last = math.floor((bottom + rows - 1) / per_step)
                count = last - first + 1
                if not 2 <= count <= MAX_TICKS:
                    continue
                # Rows left empty, and each tick more or fewer than suits the height, cost.
                waste = 1 - span / ((rows - 1) * row_step)
                score = waste + TICK_COST * abs(count - target)
                found.append(_Candidate(row_step, step, per_step, bottom, (score, preference)))
    return found


def _bottom_row(
    low: float,
    high: float,
    rows: int,
    row_step: float,
    floor: float | None,
    ceiling: float | None,
    *,
    start_at_zero: bool,
) -> int | None:
    """The index of the bottom row for a row step, the slack shared above and below the data and
    the axis kept within ``floor`` and ``ceiling``; None when it cannot hold the data."""
    # In rows: a value's position, to within ROW_TOLERANCE of a row.
    low_row, high_row = low / row_step, high / row_step
    if start_at_zero:
        bottom = 0
    else:
        bottom = math.floor(low_row + ROW_TOLERANCE)
        slack = bottom + rows - 1 - math.ceil(high_row - ROW_TOLERANCE)
        bottom -= max(slack, 0) // 2
        if floor is not None and bottom < floor / row_step - ROW_TOLERANCE:
            bottom = math.ceil(floor / row_step - ROW_TOLERANCE)
        if ceiling is not None and bottom + rows - 1 > ceiling / row_step + ROW_TOLERANCE:
            bottom = math.floor(ceiling / row_step + ROW_TOLERANCE) - (rows - 1)
    top = bottom + rows - 1
    if bottom > low_row + ROW_TOLERANCE or top < high_row - ROW_TOLERANCE:
        return None
    if floor is not None and bottom < floor / row_step - ROW_TOLERANCE:
        return None
    if ceiling is not None and top > ceiling / row_step + ROW_TOLERANCE:
        return None
    return bottom


def nice_axis(
    data_low: float,
    data_high: float,
    rows: int,
    label: Labeller,
    *,
    floor: float | None = None,
    ceiling: float | None = None,
    start_at_zero: bool = False,
    references: Sequence[float] = (),
) -> Axis:
    """The axis on ``rows`` rows that holds the data and the ``references`` and fills the chart
    best, with round ticks exactly on rows.

    ``floor`` and ``ceiling`` bound the axis where they can (a correlation stays within -1..1);
    ``start_at_zero`` puts 0 on the bottom row (bars grow from it). Each reference is labelled
    with its own value on its row, and round ticks within a row of it are left out."""
    rows = max(rows, 2)
    values = [data_low, data_high, *references]
    low, high = min(values), max(values)
    if start_at_zero:
        low = min(low, 0.0)
    if high - low < EPSILON * max(1.0, abs(high)):
        # A flat series: a band around it (or up from zero) so it has a scale to sit on.
        pad = abs(high) * 0.01 or 1.0
        low, high = (0.0, high + pad) if start_at_zero else (low - pad, high + pad)
        if floor is not None:
            low = max(low, floor)
        if ceiling is not None:
            high = min(high, ceiling)
    gap = 2 if rows >= 5 else 1
    options = (
        _candidates(
            low, high, rows, gap=gap, floor=floor, ceiling=ceiling, start_at_zero=start_at_zero
        )
        or _candidates(
            low, high, rows, gap=1, floor=floor, ceiling=ceiling, start_at_zero=start_at_zero
        )
        or _candidates(low, high, rows, gap=1, floor=None, ceiling=None, start_at_zero=False)
    )
    if not options:
        # Too few rows for round ticks (two rows cannot hold data on both sides of zero): the
        # two ends, labelled with their own values.
        decimals = max(0, 2 - math.floor(math.log10(high - low)))
        ends = (low, high)
        return Axis(low, high, rows, high - low, ends, tuple(label(end, decimals) for end in ends))
    best = min(options, key=lambda candidate: candidate.preference)
    row_step = best.row_step
    axis_low = best.bottom * row_step
    axis_high = (best.bottom + rows - 1) * row_step
    decimals = step_decimals(best.step)
    first = math.ceil(best.bottom / best.rows_per_step)
    last = math.floor((best.bottom + rows - 1) / best.rows_per_step)
    ticks = [index * best.step for index in range(first, last + 1)]
    axis = Axis(axis_low, axis_high, rows, best.step, (), ())
    reference_rows = {axis.row_of(value) for value in references}
    ticks = [tick for tick in ticks if axis.row_of(tick) not in reference_rows]
    # A blank row between a reference and a round tick too, unless no round tick would be left.
    near = {row + offset for row in reference_rows for offset in range(1 - gap, gap)}
    apart = [tick for tick in ticks if axis.row_of(tick) not in near]
    ticks = apart or ticks
    marked = sorted(
        [(tick, label(tick, decimals)) for tick in ticks]
        + [(value, label(value, decimals)) for value in dict.fromkeys(references)]
    )
    return Axis(
        axis_low,
        axis_high,
        rows,
        best.step,
        tuple(value for value, _ in marked),
        tuple(text for _, text in marked),
    )
