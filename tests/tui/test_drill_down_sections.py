"""The drill-down on the demo market: only the sections that apply to a ticker show, an ETF lists
its sector's stocks, and the charts' axes read right as the real screen renders them."""

from __future__ import annotations

import math

import polars as pl
import pytest
from textual.widget import Widget

from tests.tui.harness import demo_app, displayed, wait_for_data, wait_for_drill_down
from tests.tui.test_chart_axes import check_round_labels, plot_rows, reference_rows
from tui.presenters import format as fmt
from tui.screens.ticker import TickerScreen
from widgets.charts import CorrelationChart, FundFlowChart, KeyNumbers, MembersList, PriceChart

OPTIONAL = (
    "#volume-chart",
    "#flow-chart",
    "#si-chart",
    "#sv-chart",
    "#short-charts",
    "#corr-chart",
    "#members",
)


def shown(screen: TickerScreen) -> set[str]:
    """The optional sections on screen."""
    return {selector for selector in OPTIONAL if displayed(screen.query_one(selector))}


@pytest.mark.parametrize(
    ("symbol", "sections"),
    [
        ("^GSPC", set()),
        ("^TNX", set()),
        ("XLK", {"#volume-chart", "#flow-chart", "#members"}),
        ("MSFT", {"#volume-chart", "#si-chart", "#sv-chart", "#short-charts", "#corr-chart"}),
    ],
)
async def test_a_drill_down_shows_only_the_sections_that_apply(
    symbol: str, sections: set[str]
) -> None:
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_data(pilot, app)
        app.open_ticker(symbol)
        screen = await wait_for_drill_down(pilot, app, symbol)
        assert shown(screen) == sections
        figures = screen.query_one(KeyNumbers)
        assert figures.view is not None
        text = figures.figures(figures.view).plain
        assert "52-wk range" in text
        assert ("Short" in text) == (symbol == "MSFT")
        assert ("Volume" in text) == (symbol in ("XLK", "MSFT"))
        assert ("Fund flow" in text) == (symbol == "XLK")  # a fund with a NAV history


async def test_an_etf_lists_its_sectors_stocks_with_their_prices() -> None:
    app = demo_app()
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_for_data(pilot, app)
        app.open_ticker("XLK")
        screen = await wait_for_drill_down(pilot, app, "XLK")
        view = screen.query_one(MembersList).view
        assert view is not None and view.members_of == "Information Technology"
        symbols = [member.symbol for member in view.members]
        assert {"MSFT", "NVDA", "AAPL", "KLAC"} <= set(symbols)  # KLAC: in no dashboard pane
        assert all(member.last is not None for member in view.members)  # every one priced
        changes = [member.change_pct for member in view.members]
        assert changes == sorted(changes, reverse=True)  # type: ignore[type-var]


def money(label: str) -> float:
    """A dollar tick's value: "+$500M" -> 5e8, "$0" -> 0, "−$1.0B" -> -1e9."""
    sign = -1.0 if label.startswith(fmt.MINUS) else 1.0
    digits = label.lstrip("+" + fmt.MINUS).removeprefix("$")
    scale = {"K": 1e3, "M": 1e6, "B": 1e9}.get(digits[-1:], 1.0)
    return sign * float(digits.rstrip("KMB")) * scale


async def test_an_etfs_real_daily_flows_are_bars_from_a_zero_line() -> None:
    """XLK over a month: each published day's creations minus redemptions (the change in shares
    outstanding times that day's NAV), outflows drawn down from the row labelled $0."""
    app = demo_app()
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_for_data(pilot, app)
        app.open_ticker("XLK")
        screen = await wait_for_drill_down(pilot, app, "XLK")
        await pilot.press("3")
        await pilot.pause()
        screen = await wait_for_drill_down(pilot, app, "XLK")
        chart = screen.query_one(FundFlowChart)
        view = chart.view
        assert view is not None and view.chart_range == "1M" and view.fund_flows is not None
        nav = screen.feed.market_data().fund_nav.filter(pl.col("fund") == "XLK").sort("date")
        shares, navs = nav["shares_outstanding"].to_list(), nav["nav"].to_list()
        flows = [(shares[i] - shares[i - 1]) * navs[i] for i in range(1, len(shares))]
        assert [flow for _, flow in view.fund_flows.daily] == pytest.approx(flows[-21:])
        assert view.fund_flows.flow_20d == pytest.approx(sum(flows[-20:]))
        assert view.fund_flows.flow_20d < 0  # money leaving IT  # type: ignore[operator]

        rows = rendered_rows(chart)
        labels = [row.label for row in rows]  # type: ignore[attr-defined]
        assert "$0" in labels
        zero = labels.index("$0")
        values = [money(label) for label in labels if label]
        assert values == sorted(values, reverse=True)  # a dollar axis, top down
        cells = [row.canvas for row in rows]  # type: ignore[attr-defined]
        assert any("█" in line for line in cells[zero + 1 :])  # outflows below the zero line
        assert "Fund flow per day" in str(chart.render())


def rendered_rows(chart: Widget) -> list[object]:
    rendered = chart.render()
    assert hasattr(rendered, "plain")
    return plot_rows(str(rendered.plain))


@pytest.mark.parametrize("size", [(200, 60), (120, 40), (80, 24)])
async def test_msfts_charts_read_right_on_the_real_screen(size: tuple[int, int]) -> None:
    """The issue's own case: MSFT, 1Y, its correlation to the Mag 7 near zero drawn on the row
    labelled 0.00, and on the day chart the previous close on the row labelled with it."""
    app = demo_app()
    async with app.run_test(size=size) as pilot:
        await wait_for_data(pilot, app)
        app.open_ticker("MSFT")
        screen = await wait_for_drill_down(pilot, app, "MSFT")
        view = screen.query_one(KeyNumbers).view
        assert view is not None and view.prev_close is not None

        rows = rendered_rows(screen.query_one(PriceChart))
        close = fmt.price(view.prev_close)
        labels = [row.label for row in rows]  # type: ignore[attr-defined]
        assert close in labels
        assert reference_rows(rows) == [labels.index(close)]  # type: ignore[arg-type]
        check_round_labels(rows, except_values=(view.prev_close,))  # type: ignore[arg-type]

        await pilot.press("5")
        await pilot.pause()
        screen = await wait_for_drill_down(pilot, app, "MSFT")
        assert view.correlation is not None and view.correlation.now is not None
        assert math.isclose(view.correlation.now, 0.0, abs_tol=0.15)  # near zero, as the story
        rows = rendered_rows(screen.query_one(CorrelationChart))
        labels = [row.label for row in rows]  # type: ignore[attr-defined]
        assert "0.00" in labels
        assert reference_rows(rows) == [labels.index("0.00")]  # type: ignore[arg-type]
