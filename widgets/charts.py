"""Drill-down displays: price, volume, short interest, short-volume ratio and correlation charts
(each a `textual_plotext.PlotextPlot` with its own `plt`), and the `KeyNumbers` panel.

A chart keeps the data it was last shown and draws it when it renders, on the main thread, with
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
from textual.widget import Widget
from textual_plotext import PlotextPlot

from tui.clock import NEW_YORK
from tui.models import ChartRange, CorrelationLine, PricePoint, TickerView
from tui.presenters import format as fmt

NO_DATA = "no data"
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


class _Chart(PlotextPlot):
    """A plot that redraws its stored data on every render, or says "no data"."""

    DEFAULT_CSS = """
    _Chart {
        height: 1fr;
        min-height: 6;
    }
    """

    TITLE: ClassVar[str] = ""

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.has_data = False

    def render(self) -> RenderResult:
        if not self.has_data:
            message = Text(f"{self.TITLE}: {NO_DATA}", style="dim")
            return Align.center(message, vertical="middle")
        self.plt.clear_figure()
        self.plt.title(self.TITLE)
        self.draw()
        return super().render()

    def draw(self) -> None:
        """Plot the stored data on ``self.plt`` (each chart says how)."""
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


class PriceChart(_Chart):
    """Closing prices over the selected range, green when up, red when down: against the
    previous close when one is given (a day chart, with that close drawn as a line), else
    against the first price of the range."""

    TITLE = "Price"

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.prices: tuple[PricePoint, ...] = ()
        self.chart_range: ChartRange = "1D"
        self.baseline: float | None = None

    def show(
        self,
        prices: Sequence[PricePoint],
        chart_range: ChartRange,
        baseline: float | None = None,
    ) -> None:
        """Plot ``prices`` (oldest first) for ``chart_range``; ``baseline`` is the previous close
        a day chart is read against."""
        self.prices = tuple(point for point in prices if math.isfinite(point.close))
        self.chart_range = chart_range
        self.baseline = baseline if baseline is not None and math.isfinite(baseline) else None
        self.has_data = bool(self.prices)
        self.refresh()

    def draw(self) -> None:
        closes = [point.close for point in self.prices]
        reference = self.baseline if self.baseline is not None else closes[0]
        colour = self._colour("success" if closes[-1] >= reference else "error")
        self.plt.title(f"{self.TITLE} · {self.chart_range}")
        if self.baseline is not None:
            self.plt.hline(self.baseline, self._colour("foreground-muted") or "gray")
        self.plt.plot(list(range(len(closes))), closes, color=colour, marker="braille")
        label = _time_label(self.chart_range)
        self._x_labels([label(point.ts) for point in self.prices])


class VolumeChart(_Chart):
    """Volume per bar over the selected range."""

    TITLE = "Volume"

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.prices: tuple[PricePoint, ...] = ()
        self.chart_range: ChartRange = "1D"

    def show(self, prices: Sequence[PricePoint], chart_range: ChartRange) -> None:
        """Plot the volumes of ``prices``; points without a volume get no bar (never a zero)."""
        self.prices = tuple(prices)
        self.chart_range = chart_range
        self.has_data = any(
            point.volume is not None and math.isfinite(point.volume) for point in prices
        )
        self.refresh()

    def draw(self) -> None:
        bars = [
            (index, point.volume)
            for index, point in enumerate(self.prices)
            if point.volume is not None and math.isfinite(point.volume)
        ]
        volumes = [volume for _, volume in bars]
        self.plt.bar(
            [index for index, _ in bars], volumes, color=self._colour("primary"), width=0.8
        )
        self._count_ticks(max(volumes))
        label = _time_label(self.chart_range)
        self._x_labels([label(point.ts) for point in self.prices])


class _DatedChart(_Chart):
    """A chart of one figure per date (settlement dates, trading days)."""

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.history: tuple[tuple[dt.date, float], ...] = ()

    def show(self, history: Sequence[tuple[dt.date, float]]) -> None:
        """Plot (date, value) pairs, oldest first; values that are not numbers are left out."""
        self.history = tuple((day, value) for day, value in history if math.isfinite(value))
        self.has_data = bool(self.history)
        self.refresh()


class ShortInterestChart(_DatedChart):
    """Short shares at each bi-monthly settlement date."""

    TITLE = "Short interest (shares)"

    def draw(self) -> None:
        shares = [value for _, value in self.history]
        self.plt.bar(list(range(len(shares))), shares, color=self._colour("warning"), width=0.6)
        self._count_ticks(max(shares))
        self._x_labels([fmt.short_date(day) for day, _ in self.history])


class ShortVolumeChart(_DatedChart):
    """The daily short-sale volume ratio (short volume / total volume), shown in percent."""

    TITLE = "Short volume ratio (%)"

    def draw(self) -> None:
        percents = [ratio * 100 for _, ratio in self.history]
        self.plt.plot(
            list(range(len(percents))), percents, color=self._colour("primary"), marker="braille"
        )
        self._x_labels([fmt.short_date(day) for day, _ in self.history])


class CorrelationChart(_Chart):
    """A ticker's rolling correlation to its peers over the last year, on a -1..1 scale."""

    TITLE = "Correlation to peers"

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.line: CorrelationLine | None = None
        self.peer_group: str | None = None

    def show(self, line: CorrelationLine | None, peer_group: str | None) -> None:
        """Plot ``line`` (one value per trading day, oldest first) against ``peer_group``."""
        self.line = line
        self.peer_group = peer_group
        self.has_data = line is not None and any(math.isfinite(v) for v in line.series)
        self.refresh()

    def draw(self) -> None:
        assert self.line is not None  # has_data says so
        series = self.line.series
        points = [(index, value) for index, value in enumerate(series) if math.isfinite(value)]
        title = self.TITLE if self.peer_group is None else f"{self.TITLE} · {self.peer_group}"
        self.plt.title(title)
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

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "key-numbers--up",
        "key-numbers--down",
        "key-numbers--muted",
    }

    DEFAULT_CSS = """
    KeyNumbers {
        height: auto;
        & > .key-numbers--up {
            color: $text-success;
        }
        & > .key-numbers--down {
            color: $text-error;
        }
        & > .key-numbers--muted {
            color: $text-muted;
        }
    }
    """

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.view: TickerView | None = None

    def show(self, view: TickerView) -> None:
        """Show the figures of ``view``."""
        self.view = view
        self.refresh(layout=True)

    def render(self) -> RenderResult:
        if self.view is None:
            return Text(NO_DATA)
        return self.figures(self.view, self.size.width or None)

    def figures(self, view: TickerView, width: int | None = None) -> Text:
        """The figures as text, one labelled line each. Within ``width`` a line wraps between
        figures, never inside one; below 60 columns the labels are shortened."""
        narrow = width is not None and width < NARROW_KEY_NUMBERS
        muted = self._style("key-numbers--muted")
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
            sv_pct = None if short.sv_ratio is None else short.sv_ratio * 100
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
                        Text(fmt.percent(sv_pct)),
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
            pieces.append(Text(stamp, style=self._style("key-numbers--muted")))
        return pieces

    def _as_of(self, day: dt.date | None) -> Text:
        return Text(f"as of {fmt.short_date(day)}", style=self._style("key-numbers--muted"))

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
        if value is None or not math.isfinite(value) or value == 0:
            return None
        return self._style("key-numbers--up" if value > 0 else "key-numbers--down")

    def _style(self, component: str) -> Style:
        return self.get_component_rich_style(component, partial=True)
