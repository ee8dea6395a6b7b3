"""Drill-down displays: price, volume, a fund's daily flows, short interest, short-volume ratio and
correlation charts (each a `textual_plotext.PlotextPlot` with its own `plt`), and the
`KeyNumbers` panel; and the two charts of a pair of basket members (their rolling correlation,
their prices at 100).

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
from typing import ClassVar, Generic, TypeVar

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
from tui.presenters.chart_axis import Axis, count_label, nice_axis
from tui.presenters.corr_matrix import PairView
from tui.presenters.extended import ext_text
from tui.presenters.shorts import sv_percent
from tui.presenters.table import tone_for
from tui.presenters.ticker import ChartRange, FundFlows, MemberQuote, PricePoint, TickerView
from widgets.tones import tone_classes, tone_css, tone_style

MAX_X_LABELS = 5
PLOT_FURNITURE_ROWS = 4  # the title, the frame's top and bottom lines, the x labels
BRAILLE_DOTS = 4  # a braille character is four dots high
CORRELATION_MARGIN = 0.05  # room above and below a correlation line, within -1..1
NARROW_CHART = 60  # columns below which a chart's title is its short form
SECOND_MARKER = "•"  # the pair chart's second price line

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


def _time_label(chart_range: ChartRange) -> Callable[[dt.datetime], str]:
    """How the x axis labels a point for a chart range."""
    if chart_range == "1D":
        return lambda moment: f"{moment.astimezone(NEW_YORK):%H:%M}"
    if chart_range == "1Y":
        return lambda moment: f"{moment.astimezone(NEW_YORK):%b '%y}"
    return fmt.short_date


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


NARROW_KEY_NUMBERS = 60  # columns below which the key numbers use short labels


def price_decimals(view: TickerView) -> int:
    """Yields in thousandths of a point (4.215), prices in cents."""
    return 3 if view.kind == "yield" else 2


class KeyNumbers(Widget):
    """The drill-down's figures: last and change, day and 52-week ranges, and where they apply
    volume and the short metrics, each lagged figure with its as-of date."""

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
        decimals = price_decimals(view)
        rows: list[tuple[str, str, list[Text]]] = [
            ("Last", "Last", self._last(view)),
            *self._extended(view),
            (
                "Day range",
                "Range",
                [
                    Text(
                        f"{fmt.price(view.day_low, decimals)} – "
                        f"{fmt.price(view.day_high, decimals)}"
                    ),
                    Text(f"open {fmt.price(view.day_open, decimals)}", style=muted),
                    Text(f"prev {fmt.price(view.prev_close, decimals)}", style=muted),
                ],
            ),
            (
                "52-wk range",
                "52 wk",
                [
                    Text(
                        f"{fmt.price(view.low_52w, decimals)} – "
                        f"{fmt.price(view.high_52w, decimals)}"
                    )
                ],
            ),
        ]
        if view.shows("volume"):
            rows.append(("Volume", "Volume", [Text(fmt.share_count(view.volume))]))
        if view.fund_flows is not None:
            rows.append(("Fund flow", "Flow", self._fund_flows(view.fund_flows)))
        if view.shows("short_interest") or view.shows("short_volume"):
            rows += self._short_rows(view)  # not for an index, or a fund without short figures
        label_width = 8 if narrow else 14
        return Text("\n").join(
            self._labelled(short_label if narrow else label, pieces, label_width, width)
            for label, short_label, pieces in rows
        )

    def _short_rows(self, view: TickerView) -> list[tuple[str, str, list[Text]]]:
        """Short interest, days to cover and short volume, each with its as-of date."""
        short = view.short
        if short is None:
            return [("Short", "Short", [Text(NO_DATA, style=self._muted())])]
        settled = self._as_of(short.settlement_date)
        basis = {"float": " of float", "outstanding": " of shares outstanding"}
        change = Text(
            fmt.signed_percent(short.short_change_pct),
            style=self._tone(short.short_change_pct) or "",
        )
        change.append(" vs prior")
        return [
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

    def _fund_flows(self, flows: FundFlows) -> list[Text]:
        """The fund's real flow on its latest published day, over 5 and 20 days, and that day."""
        pieces = []
        for label, value in (("1d", flows.flow_1d), ("5d", flows.flow_5d), ("20d", flows.flow_20d)):
            piece = Text(fmt.money_flow(value), style=self._tone(value) or "")
            piece.append(f" {label}", style=self._muted())
            pieces.append(piece)
        return [*pieces, self._as_of(flows.as_of)]

    def _last(self, view: TickerView) -> list[Text]:
        decimals = price_decimals(view)
        if view.kind == "yield":  # a yield moves in basis points
            move = Text(
                fmt.basis_points_change(view.change_bp), style=self._tone(view.change_bp) or ""
            )
        else:
            move = Text(
                fmt.percent_change(view.change_pct), style=self._tone(view.change_pct) or ""
            )
        pieces = [
            Text(fmt.price(view.last, decimals)),
            Text(fmt.signed(view.change, decimals), style=self._tone(view.change) or ""),
            move,
        ]
        if view.as_of is not None:
            stamp = f"{fmt.short_date(view.as_of)} {fmt.clock(view.as_of)}"
            pieces.append(Text(stamp, style=self._muted()))
        return pieces

    def _extended(self, view: TickerView) -> list[tuple[str, str, list[Text]]]:
        """Pre- or post-market: the extended-hours price and its change from the regular
        session's price, on a line of its own (none in the regular session)."""
        text = ext_text(view.ext_session, view.ext_last, view.ext_change_pct, price_decimals(view))
        if not text:
            return []
        label = "Pre-market" if view.ext_session == "pre" else "Post-market"
        return [
            (label, label.split("-")[0], [Text(text, style=self._tone(view.ext_change_pct) or "")])
        ]

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


MEMBER_GAP = 3  # spaces between two columns of members


class MembersList(Widget):
    """A sector ETF's stocks with their last price and change, best first, in as many columns
    as fit."""

    COMPONENT_CLASSES: ClassVar[set[str]] = tone_classes("members")

    DEFAULT_CSS = """
    MembersList {
        height: auto;
    }
    """ + tone_css("MembersList", "members")

    view: reactive[TickerView | None] = reactive(None, layout=True)

    def render(self) -> RenderResult:
        if self.view is None:
            return Text(NO_DATA)
        return self.listing(self.view, self.size.width or None)

    def listing(self, view: TickerView, width: int | None = None) -> Text:
        """A title line, then the members column by column within ``width``."""
        members = view.members
        title = Text(f"Members · {view.members_of or ''} · {len(members)} stocks", style="bold")
        entries = [self._entry(member) for member in members]
        widest = max((entry.cell_len for entry in entries), default=0)
        columns = max(1, ((width or widest) + MEMBER_GAP) // (widest + MEMBER_GAP))
        height = -(-len(entries) // columns)  # ceiling division
        lines = []
        for row in range(height):
            line = Text()
            for column in range(columns):
                index = column * height + row  # down each column: ranks read as a list
                if index >= len(entries):
                    break
                if column:
                    line.append(" " * MEMBER_GAP)
                entry = entries[index]
                line.append_text(entry)
                line.append(" " * (widest - entry.cell_len))
            line.rstrip()
            lines.append(line)
        return Text("\n").join([title, *lines])

    def _entry(self, member: MemberQuote) -> Text:
        tone = tone_style(self, "members", tone_for(member.change_pct), partial=True)
        entry = Text(f"{member.symbol:<5} {fmt.price(member.last):>9} ")
        entry.append(f"{fmt.percent_change(member.change_pct):>9}", style=tone or "")
        return entry
