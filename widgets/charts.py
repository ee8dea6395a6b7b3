"""Drill-down displays: price, volume, short interest, short-volume ratio and correlation charts
(each a `textual_plotext.PlotextPlot` with its own `plt`), and the `KeyNumbers` panel.

Each is given the drill-down's whole `TickerView` through its `view` reactive (the screen sets
it; a new view repaints) and draws its own part of it when it renders, on the main thread, with
the current theme's colours, so resizes and theme changes redraw correctly. A chart with nothing
to draw says "no data" instead of showing an empty axis.

This module imports plotext: import it from the drill-down screen only, so that it does not delay
the dashboard's first frame.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.align import Align
from rich.style import Style
from rich.text import Text
from textual.app import RenderResult
from textual.color import Color, ColorParseError
from textual.reactive import reactive
from textual.widget import Widget
from textual_plotext import PlotextPlot

from tui.clock import NEW_YORK
from tui.models import NO_DATA
from tui.presenters import format as fmt
from tui.presenters.shorts import sv_percent
from tui.presenters.table import tone_for
from tui.presenters.ticker import ChartRange, PricePoint, TickerView
from widgets.tones import tone_classes, tone_css, tone_style

MAX_X_LABELS = 5

RGB = tuple[int, int, int]


def _tick_positions(count: int, most: int = MAX_X_LABELS) -> list[int]:
    """Up to ``most`` evenly spread indices into a series of ``count`` points, ends included."""
    if count <= 0:
        return []
    if count <= most:
        return list(range(count))
    return sorted({round(step * (count - 1) / (most - 1)) for step in range(most)})


def _time_label(chart_range: ChartRange) -> Callable[[dt.datetime], str]:
    """How the x axis labels a point for a chart range."""
    if chart_range == "1D":
        return lambda moment: f"{moment.astimezone(NEW_YORK):%H:%M}"
    if chart_range == "1Y":
        return lambda moment: f"{moment.astimezone(NEW_YORK):%b '%y}"
    return fmt.short_date


class TickerChart(PlotextPlot):
    """One chart of the drill-down: it draws its part of the `view` it is given, on every render,
    or says "no data" when that part is empty."""

    DEFAULT_CSS = """
    TickerChart {
        height: 1fr;
        min-height: 6;
    }
    """

    TITLE: ClassVar[str] = ""

    view: reactive[TickerView | None] = reactive(None)
    has_data = False

    def watch_view(self, view: TickerView | None) -> None:
        # Decided once per view: a resize or a theme change renders again with the same view.
        self.has_data = view is not None and self.has_data_in(view)

    def render(self) -> RenderResult:
        if self.view is None or not self.has_data:
            message = Text(f"{self.TITLE}: {NO_DATA}", style="dim")
            return Align.center(message, vertical="middle")
        self.plt.clear_figure()
        self.plt.title(self.TITLE)
        self.draw(self.view)
        return super().render()

    def has_data_in(self, view: TickerView) -> bool:
        """Whether ``view`` has anything for this chart to draw (each chart says)."""
        raise NotImplementedError

    def draw(self, view: TickerView) -> None:
        """Plot this chart's part of ``view`` on ``self.plt`` (each chart says how)."""
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

    def _count_ticks(self, top: float) -> None:
        """Y ticks from 0 to ``top`` labelled compactly ("25.0M", not "25000000.0").

        No more ticks than the plot has rows for, one blank row between two: when ticks crowd,
        plotext drops some in an order that varies from run to run.
        """
        plot_rows = max(1, self.size.height - 3)  # less the title and the x axis
        intervals = max(1, min(4, plot_rows // 2))
        ticks = [top * step / intervals for step in range(intervals + 1)]
        self.plt.yticks(ticks, [fmt.share_count(tick) for tick in ticks])

    def _x_labels(self, labels: Sequence[str]) -> None:
        # Room for each label plus a gap: plotext drops crowded labels in a varying order.
        widest = max((len(label) for label in labels), default=1)
        fits = max(2, (self.size.width - 8) // (widest + 3))
        positions = _tick_positions(len(labels), min(MAX_X_LABELS, fits))
        self.plt.xticks(
            [float(index) for index in positions], [labels[index] for index in positions]
        )


def _priced(view: TickerView) -> list[PricePoint]:
    return [point for point in view.prices if math.isfinite(point.close)]


def _day_baseline(view: TickerView) -> float | None:
    """The previous close a day chart is read against; none for longer ranges."""
    if view.chart_range != "1D" or view.prev_close is None or not math.isfinite(view.prev_close):
        return None
    return view.prev_close


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
        if baseline is not None:
            self.plt.hline(baseline, self._colour("foreground-muted") or "gray")
        self.plt.plot(list(range(len(closes))), closes, color=colour, marker="braille")
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
        bars = _volumes(view)
        volumes = [volume for _, volume in bars]
        self.plt.bar(
            [index for index, _ in bars], volumes, color=self._colour("primary"), width=0.8
        )
        self._count_ticks(max(volumes))
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


class ShortInterestChart(_DatedChart):
    """Short shares at each bi-monthly settlement date."""

    TITLE = "Short interest (shares)"

    def history(self, view: TickerView) -> DatedValues:
        return view.short_history

    def plot_values(self, values: Sequence[float]) -> None:
        self.plt.bar(list(range(len(values))), values, color=self._colour("warning"), width=0.6)
        self._count_ticks(max(values))


class ShortVolumeChart(_DatedChart):
    """The daily short-sale volume ratio (short volume / total volume), shown in percent."""

    TITLE = "Short volume ratio (%)"

    def history(self, view: TickerView) -> DatedValues:
        return view.sv_ratio_history

    def plot_values(self, values: Sequence[float]) -> None:
        percents = [ratio * 100 for ratio in values]
        self.plt.plot(
            list(range(len(percents))), percents, color=self._colour("primary"), marker="braille"
        )


class CorrelationChart(TickerChart):
    """A ticker's rolling correlation to its peers over the last year, on a -1..1 scale."""

    TITLE = "Correlation to peers"

    def has_data_in(self, view: TickerView) -> bool:
        line = view.correlation
        return line is not None and any(math.isfinite(value) for value in line.series)

    def draw(self, view: TickerView) -> None:
        assert view.correlation is not None  # has_data_in says so
        series = view.correlation.series
        points = [(index, value) for index, value in enumerate(series) if math.isfinite(value)]
        peers = view.peer_group
        self.plt.title(self.TITLE if peers is None else f"{self.TITLE} · {peers}")
        self.plt.plot(
            [index for index, _ in points],
            [value for _, value in points],
            color=self._colour("primary"),
            marker="braille",
        )
        self.plt.horizontal_line(0.0, color=self._colour("foreground"))
        self.plt.ylim(-1.0, 1.0)
        last = len(series) - 1
        self.plt.xticks([0, last], ["1y ago", "now"] if last > 0 else ["now"])


NARROW_KEY_NUMBERS = 60  # columns below which the key numbers use short labels


class KeyNumbers(Widget):
    """The drill-down's figures: last and change, day range, volume, and the short metrics, each
    lagged figure with its as-of date."""

    COMPONENT_CLASSES: ClassVar[set[str]] = tone_classes("key-numbers")

    DEFAULT_CSS = """
    KeyNumbers {
        height: auto;
    }
    """ + tone_css("KeyNumbers", "key-numbers")

    # A new view can change the number of lines: lay out again.
    view: reactive[TickerView | None] = reactive(None, layout=True)

    def render(self) -> RenderResult:
        if self.view is None:
            return Text(NO_DATA)
        return self.figures(self.view, self.size.width or None)

    def figures(self, view: TickerView, width: int | None = None) -> Text:
        """The figures as text, one labelled line each. Within ``width`` a line wraps between
        figures, never inside one; below 60 columns the labels are shortened."""
        narrow = width is not None and width < NARROW_KEY_NUMBERS
        muted = self._muted()
        rows: list[tuple[str, str, list[Text]]] = [
            ("Last", "Last", self._last(view)),
            (
                "Day range",
                "Range",
                [
                    Text(f"{fmt.price(view.day_low)} – {fmt.price(view.day_high)}"),
                    Text(f"open {fmt.price(view.day_open)}", style=muted),
                    Text(f"prev {fmt.price(view.prev_close)}", style=muted),
                ],
            ),
            ("Volume", "Volume", [Text(fmt.share_count(view.volume))]),
        ]
        short = view.short
        if short is None:
            rows.append(("Short", "Short", [Text(NO_DATA, style=muted)]))
        else:
            settled = self._as_of(short.settlement_date)
            basis = {"float": " of float", "outstanding": " of shares outstanding"}
            change = Text(
                fmt.signed_percent(short.short_change_pct),
                style=self._tone(short.short_change_pct) or "",
            )
            change.append(" vs prior")
            rows += [
                (
                    "Short int.",
                    "Short",
                    [
                        Text(
                            f"{fmt.percent(short.short_pct)}"
                            f"{basis.get(short.short_pct_basis or '', '')}"
                        ),
                        Text(f"{fmt.share_count(short.short_shares)} sh"),
                        change,
                        settled,
                    ],
                ),
                ("Days to cover", "DTC", [Text(fmt.days_to_cover(short.days_to_cover)), settled]),
                (
                    "Short vol.",
                    "SV",
                    [
                        Text(fmt.percent(sv_percent(short))),
                        Text(fmt.zscore(short.sv_zscore)),
                        self._as_of(short.sv_date),
                    ],
                ),
            ]
        label_width = 8 if narrow else 14
        return Text("\n").join(
            self._labelled(short_label if narrow else label, pieces, label_width, width)
            for label, short_label, pieces in rows
        )

    def _last(self, view: TickerView) -> list[Text]:
        pieces = [
            Text(fmt.price(view.last)),
            Text(fmt.signed(view.change), style=self._tone(view.change) or ""),
            Text(fmt.percent_change(view.change_pct), style=self._tone(view.change_pct) or ""),
        ]
        if view.as_of is not None:
            stamp = f"{fmt.short_date(view.as_of)} {fmt.clock(view.as_of)}"
            pieces.append(Text(stamp, style=self._muted()))
        return pieces

    def _as_of(self, day: dt.date | None) -> Text:
        return Text(f"as of {fmt.short_date(day)}", style=self._muted())

    @staticmethod
    def _labelled(label: str, pieces: Sequence[Text], label_width: int, width: int | None) -> Text:
        """``label`` then the pieces two spaces apart, going on under the first piece when the
        next would pass ``width``."""
        line = Text(f"{label:<{label_width}}", style="bold")
        column = label_width
        for index, piece in enumerate(pieces):
            if index and width is not None and column + 2 + piece.cell_len > width:
                line.append("\n" + " " * label_width)
                column = label_width
            elif index:
                line.append("  ")
                column += 2
            line.append_text(piece)
            column += piece.cell_len
        return line

    def _tone(self, value: float | None) -> Style | None:
        return tone_style(self, "key-numbers", tone_for(value), partial=True)

    def _muted(self) -> Style:
        return self.get_component_rich_style("key-numbers--muted", partial=True)
