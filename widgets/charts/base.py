"""What every plotext chart shares: `Chart` (a `textual_plotext.PlotextPlot` with its own `plt`
that draws what it is given when it renders, or says "no data") and `ViewChart` (one that draws
its part of a `view` reactive), with the axis helpers they draw with: where a braille dot lands on
a labelled row, and how a price, correlation, dollar or plain tick reads.

Charts draw on the main thread, with the current theme's colours, so resizes and theme changes
redraw correctly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import ClassVar, Generic, TypeVar

from rich.align import Align
from rich.text import Text
from textual.app import RenderResult
from textual.color import Color, ColorParseError
from textual.reactive import reactive
from textual_plotext import PlotextPlot

from tui.models import NO_DATA
from tui.presenters import format as fmt
from tui.presenters.chart_axis import Axis, count_label, nice_axis

MAX_X_LABELS = 5
PLOT_FURNITURE_ROWS = 4  # the title, the frame's top and bottom lines, the x labels
BRAILLE_DOTS = 4  # a braille character is four dots high
CORRELATION_MARGIN = 0.05  # room above and below a correlation line, within -1..1

RGB = tuple[int, int, int]
ViewT = TypeVar("ViewT")


def braille_value(axis: Axis, value: float) -> float:
    """Where to give plotext ``value`` so that its braille dot lands on the row the axis labels
    it on.

    plotext draws a braille line on ``BRAILLE_DOTS`` dots per row spread over the whole range
    (``BRAILLE_DOTS * rows - 1`` steps), so a value drawn as it is lands up to three quarters of
    a row above the row its label and a reference line sit on. This moves it to the middle dots
    of its nearest row: a value halfway between two rows goes to the upper one, as plotext rounds
    the labels and lines.
    """
    rows_up = (value - axis.low) / axis.row_step
    dot = BRAILLE_DOTS * rows_up + (BRAILLE_DOTS - 1) / 2
    return axis.low + dot * (axis.high - axis.low) / (BRAILLE_DOTS * axis.rows - 1)


def price_label(value: float, decimals: int) -> str:
    """A price tick: at least cents, more when the step needs them ("412.50", "4.215")."""
    return fmt.price(value, max(2, decimals))


def correlation_label(value: float, decimals: int) -> str:
    """A correlation tick, two decimals at least ("0.00", "0.25")."""
    return fmt.number(value, max(2, decimals))


def money_label(value: float, decimals: int) -> str:
    """A tick of a dollar axis, signed and compact: "+$500M", "$0", "−$1.5B"."""
    return fmt.money_flow(value)


def plain_label(value: float, decimals: int) -> str:
    """A tick with the decimals its step needs ("50", "47.5", "0.25")."""
    return fmt.number(value, decimals)


def _tick_positions(count: int, most: int = MAX_X_LABELS) -> list[int]:
    """Up to ``most`` evenly spread indices into a series of ``count`` points, ends included."""
    if count <= 0:
        return []
    if count <= most:
        return list(range(count))
    return sorted({round(step * (count - 1) / (most - 1)) for step in range(most)})


class Chart(PlotextPlot):
    """A chart that draws what it is given when it renders, or says "no data": the axis, line,
    bar and label helpers every chart of the drill-down and the pair chart share."""

    DEFAULT_CSS = """
    Chart {
        height: 1fr;
        min-height: 6;
    }
    """

    TITLE: ClassVar[str] = ""
    has_data = False

    def render(self) -> RenderResult:
        if not self.has_data:
            message = Text(f"{self.TITLE}: {NO_DATA}", style="dim")
            return Align.center(message, vertical="middle")
        self.plt.clear_figure()
        self.plt.title(self.TITLE)
        self.paint()
        return super().render()

    def paint(self) -> None:
        """Plot what the chart was given on ``self.plt`` (each chart says how)."""
        raise NotImplementedError

    def _colour(self, variable: str) -> RGB | None:
        """A theme colour ($primary, $success, $error) as plotext takes it, None to leave plotext's
        default (a theme without that variable, or with a value plotext cannot use)."""
        value = self.app.theme_variables.get(variable)
        if value is None:
            return None
        try:
            return Color.parse(value).rgb
        except ColorParseError:
            return None

    @property
    def plot_rows(self) -> int:
        """The rows the plot draws values on: the widget less its title, the frame's top and
        bottom lines and the x labels."""
        return max(2, self.size.height - PLOT_FURNITURE_ROWS)

    def _y_axis(self, axis: Axis) -> None:
        """Use ``axis``: its limits, and its labels on the rows their values are drawn on."""
        self.plt.ylim(axis.low, axis.high)
        self.plt.yticks(list(axis.ticks), list(axis.labels))

    def _line(
        self,
        values: Sequence[tuple[int, float]],
        axis: Axis,
        colour: RGB | None,
        label: str | None = None,
        marker: str = "braille",
    ) -> None:
        """A line through (x, value) points, each value on the row the axis gives it: braille,
        or one ``marker`` character a point (``label`` names it in the chart's legend)."""
        braille = marker == "braille"
        self.plt.plot(
            [x for x, _ in values],
            [braille_value(axis, value) if braille else value for _, value in values],
            color=colour,
            marker=marker,
            label=label,
        )

    def _correlation(self, series: Sequence[float]) -> None:
        """A rolling correlation over the last year, oldest first, on a scale within -1..1 that
        always holds 0: its zero line is drawn on the row labelled 0.00."""
        points = [(index, value) for index, value in enumerate(series) if math.isfinite(value)]
        values = [value for _, value in points]
        axis = nice_axis(
            max(-1.0, min(values) - CORRELATION_MARGIN),
            min(1.0, max(values) + CORRELATION_MARGIN),
            self.plot_rows,
            correlation_label,
            floor=-1.0,
            ceiling=1.0,
            references=[0.0],
        )
        self._y_axis(axis)
        self.plt.horizontal_line(0.0, color=self._colour("foreground"))
        self._line(points, axis, self._colour("primary"))
        last = len(series) - 1
        self.plt.xticks([0, last], ["1y ago", "now"] if last > 0 else ["now"])

    def _count_bars(
        self, bars: Sequence[tuple[int, float]], colour: RGB | None, width: float
    ) -> None:
        """Bars from zero at (x, count), on an axis of round counts ("2.5M", "750K")."""
        counts = [count for _, count in bars]
        axis = nice_axis(0.0, max(counts), self.plot_rows, count_label, start_at_zero=True)
        self._y_axis(axis)
        self.plt.bar([x for x, _ in bars], counts, color=colour, width=width)

    def _x_labels(self, labels: Sequence[str]) -> None:
        # Room for each label plus a gap: plotext drops crowded labels in a varying order.
        widest = max((len(label) for label in labels), default=1)
        fits = max(2, (self.size.width - 8) // (widest + 3))
        positions = _tick_positions(len(labels), min(MAX_X_LABELS, fits))
        self.plt.xticks(
            [float(index) for index in positions], [labels[index] for index in positions]
        )


class ViewChart(Chart, Generic[ViewT]):
    """A chart that draws its part of the `view` it is given, on every render, or says "no data"
    when that part is empty."""

    view: reactive[ViewT | None] = reactive(None)

    def watch_view(self, view: ViewT | None) -> None:
        # Decided once per view: a resize or a theme change renders again with the same view.
        self.has_data = view is not None and self.has_data_in(view)

    def paint(self) -> None:
        assert self.view is not None  # has_data says so
        self.draw(self.view)

    def has_data_in(self, view: ViewT) -> bool:
        """Whether ``view`` has anything for this chart to draw (each chart says)."""
        raise NotImplementedError

    def draw(self, view: ViewT) -> None:
        """Plot this chart's part of ``view`` on ``self.plt`` (each chart says how)."""
        raise NotImplementedError
