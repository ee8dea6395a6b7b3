"""The Sector flows pane on the demo market: the funds' real flows beside today's estimate, the
sectors' short pressure and breadth, which columns a narrow pane keeps, and sorting by either
flow."""

from __future__ import annotations

import polars as pl
import pytest

from tests.tui.harness import demo_app, panes, wait_for_data, wait_until
from tui.app import TapewatchApp
from tui.models import Pane
from tui.presenters import format as fmt
from tui.presenters.sectors import SectorsView
from tui.presenters.table import cell_text

EVERY_COLUMN = (
    "etf",
    "sector",
    "change_pct",
    "rel_strength",
    "flow",
    "bar",
    "rel_volume",
    "fund_flow_1d",
    "fund_flow_5d",
    "fund_flow_20d",
    "sv_ratio",
    "sv_zscore",
    "si_change",
    "up_share",
    "above_50d",
)


def sectors_view(app: TapewatchApp) -> SectorsView:
    view = panes(app)[Pane.SECTORS].view
    assert isinstance(view, SectorsView)
    return view


def demo_flows(app: TapewatchApp, fund: str) -> list[float]:
    """A fund's daily flows straight from the demo's NAV history: the change in shares
    outstanding times that day's NAV."""
    scheduler = app.dashboard.scheduler
    assert scheduler is not None
    nav = scheduler.feed.market_data().fund_nav.filter(pl.col("fund") == fund).sort("date")
    shares, navs = nav["shares_outstanding"].to_list(), nav["nav"].to_list()
    return [(shares[i] - shares[i - 1]) * navs[i] for i in range(1, len(shares))]


@pytest.mark.parametrize(
    ("size", "hidden"),
    [
        # Half of 200 columns: every figure but the short-volume ratio (its z-score stays) and
        # the share above the 50-day average (Up % stays), the sectors in their short forms.
        ((200, 60), {"sv_ratio", "above_50d"}),
        # Half of 120: what a trader reads first — the two flows beside the estimate, the
        # short pressure, the sector named.
        (
            (120, 40),
            set(EVERY_COLUMN)
            - {"etf", "sector", "change_pct", "flow", "fund_flow_1d", "fund_flow_5d", "sv_zscore"},
        ),
        # 40 columns: the ETF names the sector.
        ((40, 30), set(EVERY_COLUMN) - {"etf", "change_pct", "flow", "fund_flow_1d", "sv_zscore"}),
    ],
)
async def test_the_pane_keeps_its_essential_columns_as_it_narrows(
    size: tuple[int, int], hidden: set[str]
) -> None:
    app = demo_app()
    async with app.run_test(size=size) as pilot:
        await wait_for_data(pilot, app)
        table = panes(app)[Pane.SECTORS].table
        shown = [column.key for column in table.visible_columns]
        assert shown == [key for key in EVERY_COLUMN if key not in hidden]
        header = table.render_line(0).text
        # Today's estimate and yesterday's real flow are never confused, however narrow.
        assert "est" in header and "flow 1d" in header
        if "sector" in shown:  # whole, in its short form where the long one does not fit
            assert "Info Tech" in "\n".join(table.render_line(y).text for y in range(12))


async def test_zoomed_the_pane_shows_every_column_and_the_bar_stops_growing() -> None:
    app = demo_app()
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_for_data(pilot, app)
        pane = panes(app)[Pane.SECTORS]
        pane.table.focus()
        await pilot.press("z")
        await wait_until(pilot, lambda: pane.region.width == 200, "the zoom")
        table = pane.table
        assert [column.key for column in table.visible_columns] == list(EVERY_COLUMN)
        lines = [table.render_line(y).text for y in range(12)]
        assert any(line.startswith("XLK  Information Technology") for line in lines)
        # The bar is as wide as a bar needs, not the 70 columns left: the rest stays blank.
        assert table.column_widths["bar"] == 41
        xlk = next(line for line in lines if line.startswith("XLK"))
        assert len(xlk.rstrip()) < 200 - 20


async def test_xlk_xli_and_xlb_show_the_money_that_left_them() -> None:
    app = demo_app()
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_for_data(pilot, app)
        view = sectors_view(app)
        rows = {row.symbol: row for row in view.rows}
        table = panes(app)[Pane.SECTORS].table
        keys = [column.key for column in table.columns]
        for fund in ("XLK", "XLI", "XLB"):
            flows = demo_flows(app, fund)
            row = rows[fund]
            assert row.fund_flow_1d == pytest.approx(flows[-1])
            assert row.fund_flow_5d == pytest.approx(sum(flows[-5:]))
            assert row.fund_flow_20d == pytest.approx(sum(flows[-20:]))
            assert sum(flows[-20:]) < 0
            cells = next(r for r in table.rows if r.key == fund).cells
            shown = cell_text(cells[keys.index("fund_flow_20d")])
            assert shown == fmt.money_flow(sum(flows[-20:]))
        # The three sold sectors lost the most over 20 days ...
        ranked = sorted(view.rows, key=lambda row: row.fund_flow_20d or 0.0)
        assert {row.symbol for row in ranked[:3]} == {"XLK", "XLI", "XLB"}
        # ... and shorts lean into IT hardest.
        by_pressure = sorted(view.rows, key=lambda row: row.sv_zscore or 0.0, reverse=True)
        assert by_pressure[0].symbol == "XLK"
        # Every lagged figure has its date: the funds' flows are yesterday's at 11:30.
        subtitle = str(panes(app)[Pane.SECTORS].border_subtitle)
        assert "flow Feb 10 · SV Feb 10 · SI Jan 30" in subtitle


async def test_s_sorts_by_the_real_flow_after_the_estimate() -> None:
    app = demo_app()
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_for_data(pilot, app)
        pane = panes(app)[Pane.SECTORS]
        pane.table.focus()
        assert pane.sort.text == "est today ▼"
        estimate = [row.key for row in pane.table.rows]
        await pilot.press("s")
        await pilot.pause()
        assert pane.sort.text == "flow 1d ▼"
        assert pane.table.sorted_by == ("fund_flow_1d", True)
        view = sectors_view(app)
        real = [row.symbol for row in sorted(view.rows, key=lambda row: -(row.fund_flow_1d or 0))]
        assert [row.key for row in pane.table.rows] == real
        assert real != estimate
        assert real[-1] == "XLK"  # the largest redemption yesterday
