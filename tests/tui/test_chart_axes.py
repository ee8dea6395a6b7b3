"""The drill-down charts' y axes, read from the text the widgets render: every label on the row its
value is drawn on, round labels, the previous close and zero lines on the rows labelled with their
values, at several chart sizes."""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass

import pytest
from textual.app import App, ComposeResult

from tests.tui.test_widgets_charts import PRICES, VIEW
from tui.presenters import format as fmt
from tui.presenters.correlations import CorrelationLine
from tui.presenters.ticker import TickerView
from widgets.charts.ticker import (
    CorrelationChart,
    PriceChart,
    ShortInterestChart,
    ShortVolumeChart,
    TickerChart,
    VolumeChart,
)

# (width, height) of the chart itself: the tall test sizes and the drill-down's own heights.
SIZES = [(200, 60), (120, 40), (80, 24), (200, 10), (120, 16), (80, 8), (40, 12)]
REFERENCE_LINE = "─"
BRAILLE = re.compile("[\u2801-\u28ff]")


@dataclass(frozen=True)
class PlotRow:
    label: str  # the y label written on this row, "" for none
    axis: str  # the y axis character: ┤ at a label, ├ where a reference line starts
    canvas: str  # what is drawn inside the frame


def plot_rows(text: str) -> list[PlotRow]:
    """The rows inside a rendered chart's frame, top first."""
    lines = text.splitlines()
    top = next(index for index, line in enumerate(lines) if "┌" in line)
    bottom = next(index for index, line in enumerate(lines) if "└" in line)
    left, right = lines[top].index("┌"), lines[top].index("┐")
    return [
        PlotRow(line[:left].strip(), line[left], line[left + 1 : right])
        for line in lines[top + 1 : bottom]
    ]


def number(label: str) -> float:
    """A label's value: "1,234.50" -> 1234.5, "2.5M" -> 2.5e6, "−0.25" -> -0.25."""
    scale = {"K": 1e3, "M": 1e6, "B": 1e9}.get(label[-1:], 1.0)
    digits = label.rstrip("KMB").replace(",", "").replace(fmt.MINUS, "-")
    return float(digits) * scale


def is_round(value: float, step: float) -> bool:
    return math.isclose(value / step, round(value / step), abs_tol=1e-6)


def check_round_labels(rows: list[PlotRow], except_values: tuple[float, ...] = ()) -> float | None:
    """The round labels (all but the references) are evenly spaced by a nice step, in value and
    in rows; returns the value of one row (None when a small chart has room for one round label
    next to its reference only)."""
    labelled = [
        (index, number(row.label))
        for index, row in enumerate(rows)
        if row.label and all(not math.isclose(number(row.label), v) for v in except_values)
    ]
    assert len(labelled) >= (1 if except_values else 2), rows
    if len(labelled) < 2:
        return None
    (first_row, first), (second_row, second) = labelled[0], labelled[1]
    per_row = (first - second) / (second_row - first_row)  # rows count down the screen
    assert per_row > 0
    for index, value in labelled:
        assert math.isclose(value, first - (index - first_row) * per_row, abs_tol=per_row * 1e-6)
    # Round: all multiples of a nice step (1, 2, 2.5 or 5 x 10^k) at least a row tall. The step
    # may be finer than the gaps between labels: a round label next to a reference gives way.
    exponent = math.floor(math.log10(per_row))
    steps = [nice * 10.0**power for power in (exponent, exponent + 1) for nice in (1, 2, 2.5, 5)]
    assert any(
        step >= per_row * (1 - 1e-9) and all(is_round(value, step) for _, value in labelled)
        for step in steps
    ), labelled
    return per_row


def row_value(rows: list[PlotRow], index: int, except_values: tuple[float, ...] = ()) -> float:
    """The value a row stands for, from the round labels."""
    labelled = [
        (i, number(row.label))
        for i, row in enumerate(rows)
        if row.label and all(not math.isclose(number(row.label), v) for v in except_values)
    ]
    (first_row, first), (second_row, second) = labelled[0], labelled[1]
    per_row = (first - second) / (second_row - first_row)
    return first - (index - first_row) * per_row


def reference_rows(rows: list[PlotRow]) -> list[int]:
    """The rows a reference line (zero, previous close) is drawn on."""
    return [
        index
        for index, row in enumerate(rows)
        if row.axis == "├" and row.canvas.count(REFERENCE_LINE) > len(row.canvas) // 3
    ]


class OneChart(App[None]):
    def __init__(self, chart: TickerChart, size: tuple[int, int]) -> None:
        super().__init__()
        self.chart = chart
        self.chart.styles.width, self.chart.styles.height = size

    def compose(self) -> ComposeResult:
        yield self.chart


async def rendered(chart_type: type[TickerChart], view: TickerView, size: tuple[int, int]) -> str:
    chart = chart_type()
    app = OneChart(chart, size)
    async with app.run_test(size=(size[0] + 2, size[1] + 2)) as pilot:
        chart.view = view
        await pilot.pause()
        assert chart.size == size
        text = chart.render()
        assert not isinstance(text, str) and hasattr(text, "plain")
        return str(text.plain)


def correlation_view(series: tuple[float, ...]) -> TickerView:
    line = CorrelationLine("MSFT", series, series[-1], series[0])
    return dataclasses.replace(VIEW, correlation=line)


# MSFT's story: 0.54 a year ago, 0.05 now.
FALLING = tuple(0.54 - 0.49 * index / 251 for index in range(252))


@pytest.mark.parametrize("size", SIZES)
async def test_the_zero_line_of_a_correlation_is_on_the_row_labelled_zero(
    size: tuple[int, int],
) -> None:
    rows = plot_rows(await rendered(CorrelationChart, correlation_view(FALLING), size))
    labels = [row.label for row in rows]
    assert "0.00" in labels
    zero = labels.index("0.00")
    assert reference_rows(rows) == [zero]
    check_round_labels(rows)
    # The axis spans the data, within -1..1: neither -1 nor anything below -0.5 is shown.
    values = [number(label) for label in labels if label]
    assert min(values) > -0.5 and max(values) <= 1.0


@pytest.mark.parametrize("size", SIZES)
async def test_a_correlation_is_drawn_on_the_row_nearest_its_value(size: tuple[int, int]) -> None:
    for value in (0.05, 0.33, -0.2, 0.9):
        rows = plot_rows(await rendered(CorrelationChart, correlation_view((value,) * 252), size))
        drawn = [index for index, row in enumerate(rows) if BRAILLE.search(row.canvas)]
        assert len(drawn) == 1, (value, drawn)
        per_row = check_round_labels(rows)
        assert per_row is not None
        assert abs(row_value(rows, drawn[0]) - value) <= per_row / 2 + 1e-9, value


@pytest.mark.parametrize("size", SIZES)
async def test_the_previous_close_line_is_on_the_row_labelled_with_the_close(
    size: tuple[int, int],
) -> None:
    closes = [411.39 + (index % 20) * 0.09 for index in range(len(PRICES))]
    prices = tuple(dataclasses.replace(p, close=c) for p, c in zip(PRICES, closes, strict=True))
    for previous_close in (412.0, 411.87):
        view = dataclasses.replace(VIEW, prev_close=previous_close, prices=prices)
        rows = plot_rows(await rendered(PriceChart, view, size))
        label = fmt.price(previous_close)
        assert [row.label for row in rows].count(label) == 1, label
        assert reference_rows(rows) == [[row.label for row in rows].index(label)]
        check_round_labels(rows, except_values=(previous_close,))


@pytest.mark.parametrize("size", SIZES)
async def test_count_and_percent_charts_have_round_labels_on_their_rows(
    size: tuple[int, int],
) -> None:
    for chart in (VolumeChart, ShortInterestChart, ShortVolumeChart):
        rows = plot_rows(await rendered(chart, VIEW, size))
        check_round_labels(rows)
        assert not reference_rows(rows)
        if chart is not ShortVolumeChart:
            assert rows[-1].label == "0"  # bars grow from zero, on the bottom row


@pytest.mark.parametrize("size", [(120, 16), (80, 8)])
async def test_a_bar_reaches_the_row_labelled_with_its_height(size: tuple[int, int]) -> None:
    """A bar of exactly a labelled count tops out on that label's row."""
    history = tuple(
        (day, 2.5e6 if index == 3 else 1e6) for index, (day, _) in enumerate(VIEW.short_history)
    )
    rows = plot_rows(
        await rendered(ShortInterestChart, dataclasses.replace(VIEW, short_history=history), size)
    )
    tallest = next(index for index, row in enumerate(rows) if "█" in row.canvas)
    check_round_labels(rows)
    assert row_value(rows, tallest) == pytest.approx(2.5e6)
