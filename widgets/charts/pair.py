"""The two charts of a pair of basket members: their rolling correlation, and their prices at
100. Each is given the pair's `PairView` through its `view` reactive.
"""

from __future__ import annotations

import math

from tui.presenters import format as fmt
from tui.presenters.chart_axis import nice_axis
from tui.presenters.corr_matrix import PairView
from widgets.charts.base import ViewChart, plain_label

SECOND_MARKER = "•"  # the pair chart's second price line


class PairChart(ViewChart[PairView]):
    """One chart of a pair of basket members, given the pair's view."""


class PairCorrelationChart(PairChart):
    """The pair's rolling correlation over the last year, with a true zero line: 0 is labelled on
    the row the line is drawn on."""

    TITLE = "Rolling correlation"

    def has_data_in(self, pair: PairView) -> bool:
        return any(math.isfinite(value) for value in pair.correlation.series)

    def draw(self, pair: PairView) -> None:
        self.plt.title(
            f"{self.TITLE} {pair.first}–{pair.second} · {pair.window} d window · now "
            f"{fmt.correlation(pair.correlation.now)}, 1y ago "
            f"{fmt.correlation(pair.correlation.year_ago)}"
        )
        self._correlation(pair.correlation.series)


class PairPricesChart(PairChart):
    """Both members' closes over the same year, each 100 on the first day both have one, on one
    chart (100 drawn as a line)."""

    TITLE = "Prices"

    def has_data_in(self, pair: PairView) -> bool:
        return any(value is not None for value in (*pair.first_prices, *pair.second_prices))

    def draw(self, pair: PairView) -> None:
        # Two markers, so the lines tell apart without colour too.
        lines = [
            (pair.first, pair.first_prices, self._colour("primary"), "braille"),
            (pair.second, pair.second_prices, self._colour("warning"), SECOND_MARKER),
        ]
        values = [value for _, prices, _, _ in lines for value in prices if value is not None]
        start = f"{fmt.short_date(pair.dates[0])}, {pair.dates[0].year}" if pair.dates else ""
        self.plt.title(f"{self.TITLE} · 100 on {start}: {pair.first} and {pair.second}")
        axis = nice_axis(min(values), max(values), self.plot_rows, plain_label, references=[100])
        self._y_axis(axis)
        self.plt.hline(100.0, self._colour("foreground-muted") or "gray")
        for symbol, prices, colour, marker in lines:
            points = [(index, value) for index, value in enumerate(prices) if value is not None]
            self._line(points, axis, colour, label=symbol, marker=marker)
        self._x_labels([fmt.short_date(day) for day in pair.dates])
