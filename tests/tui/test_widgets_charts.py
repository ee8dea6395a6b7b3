"""The drill-down charts and key numbers render with data and say "no data" without."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from rich.align import Align
from rich.text import Text
from textual.app import App, ComposeResult
from textual.color import Color
from textual.containers import Vertical
from textual.widget import Widget

from tui.presenters.correlations import CorrelationLine
from tui.presenters.shorts import ShortRow
from tui.presenters.ticker import ChartRange, FundFlows, MemberQuote, PricePoint, TickerView
from widgets.charts import (
    CorrelationChart,
    FundFlowChart,
    KeyNumbers,
    MembersList,
    PriceChart,
    ShortInterestChart,
    ShortVolumeChart,
    TickerChart,
    VolumeChart,
)

OPEN = dt.datetime(2026, 2, 5, 14, 30, tzinfo=dt.UTC)  # 09:30 in New York
PRICES = tuple(
    PricePoint(OPEN + dt.timedelta(minutes=5 * i), 400.0 + i * 0.5, 1e5 * (1 + i % 4))
    for i in range(60)
)
SHORT = ShortRow(
    "MSFT",
    "Microsoft",
    0.9,
    "float",
    67e6,
    12.5,
    1.8,
    0.52,
    2.1,
    -1.9,
    dt.date(2026, 1, 30),
    dt.date(2026, 2, 4),
)
VIEW = TickerView(
    symbol="MSFT",
    name="Microsoft",
    sector="Information Technology",
    last=412.3,
    change=-5.2,
    change_pct=-1.25,
    prev_close=417.5,
    day_open=410.0,
    day_high=418.0,
    day_low=405.1,
    volume=23.4e6,
    as_of=OPEN,
    chart_range="1D",
    prices=PRICES,
    short=SHORT,
    short_history=tuple(
        (dt.date(2025, 8, 15) + dt.timedelta(days=15 * i), 5e7 + i * 1e6) for i in range(12)
    ),
    sv_ratio_history=tuple(
        (dt.date(2026, 1, 1) + dt.timedelta(days=i), 0.45 + 0.01 * (i % 7)) for i in range(30)
    ),
    correlation=CorrelationLine(
        "MSFT", tuple(0.54 - 0.5 * i / 251 for i in range(252)), 0.04, 0.54
    ),
    peer_group="Mag 7",
)


class ChartsApp(App[None]):
    def compose(self) -> ComposeResult:
        with Vertical():
            yield KeyNumbers()
            yield PriceChart()
            yield VolumeChart()
            yield ShortInterestChart()
            yield ShortVolumeChart()
            yield CorrelationChart()
            yield FundFlowChart()


def show_all(app: ChartsApp, view: TickerView) -> None:
    app.query_one(KeyNumbers).view = view
    for chart in app.query(TickerChart):
        chart.view = view


def plot_text(chart: Widget) -> str:
    """What a chart with data renders: the plot as text."""
    rendered = chart.render()
    assert isinstance(rendered, Text), type(chart).__name__
    return rendered.plain


CHARTS: tuple[type[TickerChart], ...] = (
    PriceChart,
    VolumeChart,
    ShortInterestChart,
    ShortVolumeChart,
    CorrelationChart,
)


async def test_charts_render_their_data() -> None:
    app = ChartsApp()
    async with app.run_test(size=(100, 120)) as pilot:
        show_all(app, VIEW)
        await pilot.pause()
        texts = {chart: plot_text(app.query_one(chart)) for chart in CHARTS}
        for chart, text in texts.items():
            assert "no data" not in text, chart.__name__
        assert "Price · 1D" in texts[PriceChart]
        assert "09:30" in texts[PriceChart]  # x labels in New York time
        assert "400K" in texts[VolumeChart]  # compact y labels
        assert "Aug 15" in texts[ShortInterestChart]
        assert "Correlation to peers · Mag 7" in texts[CorrelationChart]
        assert "1y ago" in texts[CorrelationChart]


async def test_charts_without_data_say_so() -> None:
    empty = dataclasses.replace(
        VIEW,
        prices=(),
        short=None,
        short_history=(),
        sv_ratio_history=(),
        correlation=None,
    )
    app = ChartsApp()
    async with app.run_test(size=(100, 120)) as pilot:
        show_all(app, empty)
        await pilot.pause()
        for chart in CHARTS:
            rendered = app.query_one(chart).render()
            assert isinstance(rendered, Align), chart.__name__
            assert isinstance(rendered.renderable, Text)
            assert rendered.renderable.plain.endswith(": no data")


FLOWS = FundFlows(
    daily=tuple(
        (
            dt.date(2025, 2, 10) + dt.timedelta(days=i * 365 // 251),  # a year of trading days
            (4e8 if i % 3 == 0 else -3e8) * (i % 5 + 1),
        )
        for i in range(252)
    ),
    flow_1d=-5.94e8,
    flow_5d=-2.6e9,
    flow_20d=-6.3e9,
    as_of=dt.date(2026, 2, 10),
)


async def test_a_funds_flows_are_bars_up_and_down_from_a_zero_line_and_in_the_key_numbers() -> None:
    app = ChartsApp()
    async with app.run_test(size=(100, 120)) as pilot:
        chart = app.query_one(FundFlowChart)
        chart.view = VIEW  # a stock: no fund flows
        await pilot.pause()
        assert isinstance(chart.render(), Align)
        view = dataclasses.replace(VIEW, chart_range="1Y", fund_flows=FLOWS)
        chart.view = view
        app.query_one(KeyNumbers).view = view
        await pilot.pause()
        text = plot_text(chart)
        assert "Fund flow per day (creations − redemptions) · to Feb 10" in text
        assert "Feb '25" in text and "Feb '26" in text  # a year of days: the year in the labels
        lines = text.splitlines()
        zero = next(index for index, line in enumerate(lines) if line.lstrip().startswith("$0"))
        assert any("█" in line for line in lines[:zero])  # creations above the zero line
        assert any("█" in line for line in lines[zero + 1 :])  # redemptions below it
        figures = app.query_one(KeyNumbers).figures(view).plain
        assert "Fund flow     −$594M 1d  −$2.6B 5d  −$6.3B 20d  as of Feb 10" in figures


async def test_volume_without_any_volume_is_no_data_rather_than_zero_bars() -> None:
    app = ChartsApp()
    async with app.run_test(size=(100, 120)) as pilot:
        chart = app.query_one(VolumeChart)
        no_volume = tuple(dataclasses.replace(point, volume=None) for point in PRICES)
        chart.view = dataclasses.replace(VIEW, prices=no_volume)
        await pilot.pause()
        assert isinstance(chart.render(), Align)


async def test_each_chart_has_its_own_plot() -> None:
    class TwoCharts(App[None]):
        def compose(self) -> ComposeResult:
            yield PriceChart(id="up")
            yield PriceChart(id="down")

    app = TwoCharts()
    async with app.run_test(size=(80, 40)) as pilot:
        up = app.query_one("#up", PriceChart)
        down = app.query_one("#down", PriceChart)
        up.view = VIEW
        falling = tuple(dataclasses.replace(p, close=900.0 - i) for i, p in enumerate(PRICES))
        down.view = dataclasses.replace(VIEW, prices=falling, chart_range="5D")
        await pilot.pause()
        up_text = up.render()
        down_text = down.render()
        assert isinstance(up_text, Text)
        assert isinstance(down_text, Text)
        assert "Price · 1D" in up_text.plain
        assert "Price · 5D" in down_text.plain
        assert "900" in down_text.plain
        assert "900" not in up_text.plain


async def test_rising_prices_are_drawn_in_the_themes_success_colour() -> None:
    app = ChartsApp()
    async with app.run_test(size=(100, 120)) as pilot:
        chart = app.query_one(PriceChart)
        chart.view = dataclasses.replace(VIEW, chart_range="5D")  # read against the first price
        await pilot.pause()
        text = chart.render()
        assert isinstance(text, Text)
        success = Color.parse(app.theme_variables["success"]).rgb
        colours = {
            span.style.color.get_truecolor()
            for span in text.spans
            if not isinstance(span.style, str) and span.style.color is not None
        }
        assert success in colours


def colours_of(text: Text) -> set[tuple[int, int, int]]:
    return {
        span.style.color.get_truecolor()
        for span in text.spans
        if not isinstance(span.style, str) and span.style.color is not None
    }


@pytest.mark.parametrize(("chart_range", "up"), [("1D", False), ("5D", True)])
async def test_only_a_day_chart_is_read_against_the_previous_close(
    chart_range: ChartRange, up: bool
) -> None:
    """Prices that rise through the day but stay under yesterday's close are a down day; over
    five days the same prices are read against the first of them."""
    app = ChartsApp()
    async with app.run_test(size=(100, 120)) as pilot:
        chart = app.query_one(PriceChart)
        above = max(p.close for p in PRICES) + 5
        chart.view = dataclasses.replace(VIEW, prev_close=above, chart_range=chart_range)
        await pilot.pause()
        text = chart.render()
        assert isinstance(text, Text)
        error = Color.parse(app.theme_variables["error"]).rgb
        success = Color.parse(app.theme_variables["success"]).rgb
        assert colours_of(text) >= {success if up else error}
        assert (error if up else success) not in colours_of(text)


async def test_a_new_view_redraws_every_chart() -> None:
    app = ChartsApp()
    async with app.run_test(size=(100, 120)) as pilot:
        show_all(app, VIEW)
        await pilot.pause()
        assert all(isinstance(app.query_one(chart).render(), Text) for chart in CHARTS)
        show_all(app, dataclasses.replace(VIEW, prices=(), short_history=(), correlation=None))
        await pilot.pause()
        for chart in (PriceChart, VolumeChart, ShortInterestChart, CorrelationChart):
            assert isinstance(app.query_one(chart).render(), Align), chart.__name__
        assert isinstance(app.query_one(ShortVolumeChart).render(), Text)


async def test_key_numbers_show_figures_with_as_of_dates() -> None:
    app = ChartsApp()
    async with app.run_test(size=(100, 120)) as pilot:
        numbers = app.query_one(KeyNumbers)
        numbers.view = VIEW
        await pilot.pause()
        text = numbers.figures(VIEW).plain
        for part in (
            "412.30",
            "−5.20",
            "▼ −1.25%",
            "405.10 – 418.00",
            "23.4M",
            "0.9% of float",
            "+12.5% vs prior  as of Jan 30",
            "Days to cover 1.8  as of Jan 30",
            "52.0%  +2.1σ  as of Feb 4",
        ):
            assert part in text


async def test_key_numbers_in_40_columns_wrap_between_figures_never_inside_one() -> None:
    app = ChartsApp()
    async with app.run_test(size=(40, 60)) as pilot:
        numbers = app.query_one(KeyNumbers)
        numbers.view = VIEW
        await pilot.pause()
        lines = numbers.figures(VIEW, numbers.size.width).plain.splitlines()
        assert all(len(line) <= numbers.size.width for line in lines)
        assert lines[0].startswith("Last    412.30  −5.20  ▼ −1.25%")  # short labels
        whole = "\n".join(lines)
        for figure in ("▼ −1.25%", "405.10 – 418.00", "open 410.00", "+12.5% vs prior"):
            assert figure in whole  # never split across lines
        rendered = [strip.text for strip in numbers.render_lines(numbers.region.reset_offset)]
        assert rendered[0].rstrip() == lines[0]


async def test_key_numbers_without_short_data_say_so() -> None:
    app = ChartsApp()
    async with app.run_test(size=(100, 120)) as pilot:
        numbers = app.query_one(KeyNumbers)
        no_short = dataclasses.replace(VIEW, short=None, volume=None)
        numbers.view = no_short
        await pilot.pause()
        text = numbers.figures(no_short).plain
        assert "Short         no data" in text
        assert "Volume        —" in text


class SmallVolumeChart(App[None]):
    CSS = "VolumeChart { height: 8; width: 40; }"

    def compose(self) -> ComposeResult:
        yield VolumeChart()


async def test_ticks_never_crowd_a_small_chart(monkeypatch: pytest.MonkeyPatch) -> None:
    """Crowded ticks are dropped by plotext in an order that changes from run to run (it
    depends on string hashing), so a small chart must ask for no more ticks than fit."""
    app = SmallVolumeChart()
    async with app.run_test(size=(60, 20)) as pilot:
        chart = app.query_one(VolumeChart)
        asked: dict[str, list[object]] = {}
        real_x, real_y = chart.plt.xticks, chart.plt.yticks

        def xticks(positions: list[float], labels: list[str]) -> None:
            asked["x"] = labels
            real_x(positions, labels)

        def yticks(positions: list[float], labels: list[str]) -> None:
            asked["y"] = labels
            real_y(positions, labels)

        monkeypatch.setattr(chart.plt, "xticks", xticks)
        monkeypatch.setattr(chart.plt, "yticks", yticks)
        chart.view = VIEW
        await pilot.pause()
        chart.render()
        plot_rows = chart.size.height - 3
        assert 2 <= len(asked["y"]) <= plot_rows // 2 + 1
        widest = max(len(str(label)) for label in asked["x"])
        assert len(asked["x"]) * (widest + 3) <= chart.size.width


async def test_a_view_given_before_mounting_is_drawn_once_mounted() -> None:
    chart = PriceChart()
    chart.view = VIEW

    class Early(App[None]):
        def compose(self) -> ComposeResult:
            yield chart

    async with Early().run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        rendered = chart.render()
        assert isinstance(rendered, Text) and "Price · 1D" in rendered.plain


async def key_numbers_text(view: TickerView) -> str:
    """The key numbers of ``view`` as the mounted widget writes them."""
    app = ChartsApp()
    async with app.run_test(size=(100, 120)) as pilot:
        numbers = app.query_one(KeyNumbers)
        numbers.view = view
        await pilot.pause()
        return numbers.figures(view).plain


async def test_key_numbers_of_an_index_leave_out_what_does_not_apply() -> None:
    index = dataclasses.replace(
        VIEW,
        kind="index",
        sections=("price",),
        short=None,
        volume=None,
        low_52w=5000.0,
        high_52w=7000.0,
    )
    text = await key_numbers_text(index)
    assert "52-wk range   5,000.00 – 7,000.00" in text
    for absent in ("Volume", "Short", "Days to cover"):
        assert absent not in text


async def test_key_numbers_of_a_yield_move_in_basis_points() -> None:
    tnx = dataclasses.replace(
        VIEW,
        kind="yield",
        sections=("price",),
        last=4.189,
        change=-0.011,
        change_pct=-0.26,
        change_bp=-1.1,
        prev_close=4.2,
    )
    text = await key_numbers_text(tnx)
    assert "Last          4.189  −0.011  ▼ −1.1 bp" in text
    assert "prev 4.200" in text and "%" not in text.splitlines()[0]


MEMBERS = tuple(
    MemberQuote(f"S{index:02}", f"Stock {index}", 100.0 + index, 2.0 - index * 0.5)
    for index in range(9)
)


@pytest.mark.parametrize(("width", "columns"), [(120, 4), (60, 2), (30, 1)])
async def test_members_are_listed_best_first_down_as_many_columns_as_fit(
    width: int, columns: int
) -> None:
    etf = dataclasses.replace(VIEW, kind="etf", members=MEMBERS, members_of="Energy")

    class Members(App[None]):
        def compose(self) -> ComposeResult:
            yield MembersList()

    async with Members().run_test(size=(width, 20)) as pilot:
        members = pilot.app.query_one(MembersList)
        members.view = etf
        await pilot.pause()
        lines = members.listing(etf, width).plain.splitlines()
        assert lines[0] == "Members · Energy · 9 stocks"
        rows = lines[1:]
        assert len(rows) == -(-9 // columns)
        assert all(len(line) <= width for line in lines)
        assert rows[0].startswith("S00      100.00  ▲ +2.00%")
        first_column = [line.split()[0] for line in rows]
        assert first_column == [f"S{index:02}" for index in range(len(rows))]  # down, not across
