"""The drill-down's charts: price, volume, a fund's daily flows, short interest, short-volume
ratio and correlation to its peers.

Each is given the drill-down's whole `TickerView` through its `view` reactive (the screen sets
it; a new view repaints) and draws its own part of it when it renders. A chart with nothing to
draw says "no data" instead of showing an empty axis.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence

from tui.clock import NEW_YORK
from tui.presenters import format as fmt
from tui.presenters.chart_axis import nice_axis
from tui.presenters.ticker import ChartRange, PricePoint, TickerView
from widgets.charts.base import ViewChart, braille_value, money_label, plain_label, price_label

NARROW_CHART = 60  # columns below which a chart's title is its short form


def _time_label(chart_range: ChartRange) -> Callable[[dt.datetime], str]:
    """How the x axis labels a point for a chart range."""
    if chart_range == "1D":
        return lambda moment: f"{moment.astimezone(NEW_YORK):%H:%M}"
    if chart_range == "1Y":
        return lambda moment: f"{moment.astimezone(NEW_YORK):%b '%y}"
    return fmt.short_date


class TickerChart(ViewChart[TickerView]):
    """One chart of the drill-down, given the drill-down's whole view."""


# How the day chart draws pre- and post-market prices (the regular session is a line).
EXTENDED_MARKER = "·"


def _priced(view: TickerView) -> list[PricePoint]:
    return [point for point in view.prices if math.isfinite(point.close)]


def _day_baseline(view: TickerView) -> float | None:
    """The previous close a day chart is read against (a pre-market alone: the last regular
    close, its move's reference); none for longer ranges."""
    if view.chart_range != "1D":
        return None
    extended_only = bool(view.prices) and all(p.session != "regular" for p in view.prices)
    close = view.last if extended_only else view.prev_close
    if close is None or not math.isfinite(close):
        return None
    return close


class PriceChart(TickerChart):
    """Closing prices over the selected range, green when up, red when down: against the
    previous close on a day chart (that close drawn as a line), else against the first price of
    the range."""

    TITLE = "Price"

    def has_data_in(self, view: TickerView) -> bool:
        return bool(_priced(view))

    def draw(self, view: TickerView) -> None:
        prices = _priced(view)
        closes = [point.close for point in prices]
        baseline = _day_baseline(view)
        reference = baseline if baseline is not None else closes[0]
        colour = self._colour("success" if closes[-1] >= reference else "error")
        self.plt.title(f"{self.TITLE} · {view.chart_range}")
        references = [] if baseline is None else [baseline]
        axis = nice_axis(
            min(closes), max(closes), self.plot_rows, price_label, references=references
        )
        self._y_axis(axis)
        if baseline is not None:
            self.plt.hline(baseline, self._colour("foreground-muted") or "gray")
        points = list(enumerate(closes))
        extended = [
            (x, close)
            for (x, close), p in zip(points, prices, strict=True)
            if p.session != "regular"
        ]
        if extended:
            # Pre- and post-market in dots of a muted colour, the regular session as a line: the
            # marker tells them apart without colour, and the title says so.
            regular = [
                (x, close)
                for (x, close), p in zip(points, prices, strict=True)
                if p.session == "regular"
            ]
            if regular:
                self._line(regular, axis, colour)
            self.plt.scatter(
                [x for x, _ in extended],
                [braille_value(axis, value) for _, value in extended],
                color=self._colour("foreground-muted") or "gray",
                marker=EXTENDED_MARKER,
            )
            self.plt.title(
                f"{self.TITLE} · {view.chart_range}  ({EXTENDED_MARKER} pre/post market)"
            )
        else:
            self._line(points, axis, colour)
        label = _time_label(view.chart_range)
        self._x_labels([label(point.ts) for point in prices])


def _volumes(view: TickerView) -> list[tuple[int, float]]:
    """(index, volume) of the price points that have a volume: the others get no bar, never a
    zero."""
    return [
        (index, point.volume)
        for index, point in enumerate(view.prices)
        if point.volume is not None and math.isfinite(point.volume)
    ]


class VolumeChart(TickerChart):
    """Volume per bar over the selected range."""

    TITLE = "Volume"

    def has_data_in(self, view: TickerView) -> bool:
        return bool(_volumes(view))

    def draw(self, view: TickerView) -> None:
        self._count_bars(_volumes(view), self._colour("primary"), width=0.8)
        label = _time_label(view.chart_range)
        self._x_labels([label(point.ts) for point in view.prices])


DatedValues = Sequence[tuple[dt.date, float]]


class _DatedChart(TickerChart):
    """A chart of one figure per date (settlement dates, trading days), labelled by date; values
    that are not numbers are left out."""

    def history(self, view: TickerView) -> DatedValues:
        """The (date, value) pairs of ``view`` this chart plots, oldest first."""
        raise NotImplementedError

    def plot_values(self, values: Sequence[float]) -> None:
        """Plot the values, one per x position (each chart says how)."""
        raise NotImplementedError

    def _finite(self, view: TickerView) -> list[tuple[dt.date, float]]:
        return [(day, value) for day, value in self.history(view) if math.isfinite(value)]

    def has_data_in(self, view: TickerView) -> bool:
        return bool(self._finite(view))

    def draw(self, view: TickerView) -> None:
        history = self._finite(view)
        self.plot_values([value for _, value in history])
        self._x_labels([fmt.short_date(day) for day, _ in history])


class FundFlowChart(_DatedChart):
    """A fund's real flow per published day (creations up, redemptions down, in dollars) as bars
    from a zero line drawn across the chart, inflows in the theme's up colour, outflows in its
    down colour; over the chart range (the last week's days for the intraday ranges)."""

    DEFAULT_CSS = """
    FundFlowChart {
        min-height: 10;
    }
    """

    TITLE = "Fund flow per day"
    WIDE_TITLE = "Fund flow per day (creations − redemptions)"

    def history(self, view: TickerView) -> DatedValues:
        return () if view.fund_flows is None else view.fund_flows.daily

    def draw(self, view: TickerView) -> None:
        history = self._finite(view)
        self.plot_values([value for _, value in history])
        # A year of days: the year in the labels, or its two ends would read the same.
        label = (lambda day: f"{day:%b '%y}") if view.chart_range == "1Y" else fmt.short_date
        self._x_labels([label(day) for day, _ in history])
        title = self.WIDE_TITLE if self.size.width >= NARROW_CHART else self.TITLE
        if view.fund_flows is not None and view.fund_flows.as_of is not None:
            title += f" · to {fmt.short_date(view.fund_flows.as_of)}"
        self.plt.title(title)

    def plot_values(self, values: Sequence[float]) -> None:
        # Zero is in range whatever the flows, so the bars stand on a true zero line.
        axis = nice_axis(min(0.0, *values), max(0.0, *values), self.plot_rows, money_label)
        self._y_axis(axis)
        self.plt.horizontal_line(0.0, color=self._colour("foreground-muted") or "gray")
        positions = list(range(len(values)))
        # One series a sign, each bar at its own day (plotext colours a series, not a bar); the
        # other sign's days are NaN, which plotext leaves blank (a zero would blank the zero row).
        for colour, sign in (("success", 1.0), ("error", -1.0)):
            heights = [value if value * sign > 0 else math.nan for value in values]
            self.plt.bar(positions, heights, color=self._colour(colour), width=0.8)


class ShortInterestChart(_DatedChart):
    """Short shares at each bi-monthly settlement date."""

    TITLE = "Short interest (shares)"

    def history(self, view: TickerView) -> DatedValues:
        return view.short_history

    def plot_values(self, values: Sequence[float]) -> None:
        self._count_bars(list(enumerate(values)), self._colour("warning"), width=0.6)


class ShortVolumeChart(_DatedChart):
    """The daily short-sale volume ratio (short volume / total volume), shown in percent."""

    TITLE = "Short volume ratio (%)"

    def history(self, view: TickerView) -> DatedValues:
        return view.sv_ratio_history

    def plot_values(self, values: Sequence[float]) -> None:
        percents = [ratio * 100 for ratio in values]
        axis = nice_axis(min(percents), max(percents), self.plot_rows, plain_label)
        self._y_axis(axis)
        self._line(list(enumerate(percents)), axis, self._colour("primary"))


class CorrelationChart(TickerChart):
    """A ticker's rolling correlation to its peers over the last year, on a -1..1 scale."""

    TITLE = "Correlation to peers"

    def has_data_in(self, view: TickerView) -> bool:
        line = view.correlation
        return line is not None and any(math.isfinite(value) for value in line.series)

    def draw(self, view: TickerView) -> None:
        assert view.correlation is not None  # has_data_in says so
        peers = view.peer_group
        self.plt.title(self.TITLE if peers is None else f"{self.TITLE} · {peers}")
        self._correlation(view.correlation.series)
