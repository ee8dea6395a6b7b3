"""The four dashboard panes, driven with view models in a small harness app."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any, Literal

import pytest
from textual.app import App, ComposeResult
from textual.containers import Vertical

from tests.tui.harness import wait_until
from tui.presenters.correlations import BasketCorrelations, CorrelationLine, CorrelationsView
from tui.presenters.indices import IndexRow, IndicesPresenter, IndicesView
from tui.presenters.sectors import SectorRow, SectorsView
from tui.presenters.shorts import ShortRow, ShortsView
from widgets.correlations import CorrelationsPane
from widgets.indices import IndicesPane
from widgets.messages import BasketSelected, TickerSelected
from widgets.pane import STALE_MARK, DataPane
from widgets.sectors import SectorsPane
from widgets.shorts import ShortsPane
from widgets.table import LiveTable

NOW = dt.datetime(2026, 2, 5, 15, 32, tzinfo=dt.UTC)
SETTLED = dt.date(2026, 1, 30)
SV_DAY = dt.date(2026, 2, 4)


def index_row(
    symbol: str, label: str, change_pct: float | None, ytd: float | None, **extra: object
) -> IndexRow:
    values: dict[str, object] = {
        "symbol": symbol,
        "label": label,
        "kind": "index",
        "last": 6012.35,
        "change": -45.2,
        "change_pct": change_pct,
        "change_5d_pct": -2.1,
        "ytd_pct": ytd,
        "intraday": (1.0, 2.0, 3.0),
        "as_of": NOW,
    }
    values.update(extra)
    return IndexRow(**values)  # type: ignore[arg-type]


INDICES = IndicesView(
    rows=(
        index_row("^GSPC", "S&P 500", -0.75, 1.5),
        index_row("^NDX", "Nasdaq-100", -1.43, -0.8),
        index_row("^VIX", "VIX", 16.06, 30.1),
        index_row("^TNX", "10-year yield", -1.22, -3.0, kind="yield", last=4.2154),
        index_row(
            "basket:AI infra",
            "AI infra",
            -2.0,
            -4.0,
            kind="basket",
            benchmark="XLI",
            rel_5d_pct=-5.2,
        ),
        index_row("^RUT", "Russell 2000", None, None, last=None, problem="not found"),
    ),
    as_of=NOW,
)


def sector_row(
    symbol: str,
    sector: str,
    flow: float | None,
    change: float | None,
    real: tuple[float, float, float] = (0.0, 0.0, 0.0),  # the fund's flows, 1d, 5d and 20d
    pressure: tuple[float, float, float] = (0.0, 0.0, 0.5),  # SV z, SI chg, up share
) -> SectorRow:
    flow_1d, flow_5d, flow_20d = real
    sv_zscore, si_change_pct, up_share = pressure
    return SectorRow(
        symbol,
        sector,
        change,
        0.2,
        flow,
        None if flow is None else flow * 3,
        1.4,
        NOW,
        fund_flow_1d=flow_1d,
        fund_flow_5d=flow_5d,
        fund_flow_20d=flow_20d,
        sv_zscore=sv_zscore,
        si_change_pct=si_change_pct,
        up_share=up_share,
    )


SECTORS = SectorsView(
    rows=(
        sector_row("XLE", "Energy", 1.2e9, 0.3, (-1e8, 2e8, 5e8), (0.5, 1.0, 0.6)),
        sector_row("XLF", "Financials", 3e8, 1.1, (4e8, -3e8, 1e8), (-0.2, -2.0, 0.2)),
        sector_row("XLI", "Industrials", -8e8, -0.8, (-3e8, -9e8, -2e9), (1.1, 0.5, 0.7)),
        sector_row(
            "XLK", "Information Technology", -2.4e9, -2.1, (2e7, -2e9, -6e9), (3.0, 3.0, 0.4)
        ),
        SectorRow("XLRE", "Real Estate", None, None, None, None, None, None, problem="no data"),
    ),
    benchmark="^GSPC",
    as_of=NOW,
)


def short_row(
    symbol: str,
    pct: float,
    basis: Literal["float", "outstanding"],
    change: float,
    dtc: float,
    z: float,
) -> ShortRow:
    return ShortRow(
        symbol,
        symbol,
        pct,
        basis,
        67e6,
        change,
        dtc,
        0.52,
        z,
        -1.9,
        SETTLED,
        SV_DAY,
    )


SHORTS = ShortsView(
    rows=(
        short_row("GME", 21.3, "float", -3.1, 6.2, -0.5),
        short_row("ORCL", 2.3, "outstanding", 18.1, 2.5, 2.4),
        short_row("MSFT", 0.9, "float", 12.5, 1.8, 2.1),
    ),
    settlement_date=SETTLED,
    sv_date=SV_DAY,
    as_of=NOW,
)


def correlation_line(label: str, year_ago: float, now: float) -> CorrelationLine:
    series = tuple(year_ago + (now - year_ago) * i / 251 for i in range(252))
    return CorrelationLine(label, series, now, year_ago)


CORRELATIONS = CorrelationsView(
    baskets=(
        BasketCorrelations(
            "Mag 7",
            ("MSFT", "AAPL"),
            correlation_line("Mag 7", 0.53, 0.22),
            (correlation_line("MSFT", 0.54, 0.02), correlation_line("AAPL", 0.5, 0.3)),
        ),
        BasketCorrelations(
            "Software",
            ("CRM", "NOW"),
            correlation_line("Software", 0.1, 0.45),
            (correlation_line("CRM", 0.4, 0.4), correlation_line("NOW", 0.42, 0.5)),
        ),
    ),
    window=60,
    as_of=SV_DAY,
)


class PanesApp(App[None]):
    """The four panes stacked as on a narrow dashboard (each as tall as its rows), each shown
    its view on mount; records selections."""

    CSS = "DataPane { height: auto; max-height: 20; }"

    def __init__(self, *, show: bool = True) -> None:
        super().__init__()
        self.show_views = show
        self.selected: list[str] = []
        self.baskets: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield IndicesPane()
            yield SectorsPane()
            yield ShortsPane()
            yield CorrelationsPane()

    def on_mount(self) -> None:
        if self.show_views:
            self.query_one(IndicesPane).show(INDICES)
            self.query_one(SectorsPane).show(SECTORS)
            self.query_one(ShortsPane).show(SHORTS)
            self.query_one(CorrelationsPane).show(CORRELATIONS)

    def on_ticker_selected(self, message: TickerSelected) -> None:
        self.selected.append(message.symbol)

    def on_basket_selected(self, message: BasketSelected) -> None:
        self.baskets.append(message.name)


def keys(pane: DataPane[Any]) -> list[str]:
    return [row.key for row in pane.table.rows]


def lines(pane: DataPane[Any]) -> list[str]:
    table = pane.table
    return [table.render_line(y).text.rstrip() for y in range(len(table.rows) + 1)]


PANES: tuple[type[DataPane[Any]], ...] = (IndicesPane, SectorsPane, ShortsPane, CorrelationsPane)


async def test_panes_say_loading_before_their_first_view() -> None:
    app = PanesApp(show=False)
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.pause()
        for pane_type in PANES:
            pane = app.query_one(pane_type)
            assert pane.table.render_line(1).text.strip() == "loading…"
            assert str(pane.border_subtitle) == f"loading… · sort: {pane.sort.text}"


async def test_panes_are_titled_as_the_design_says() -> None:
    app = PanesApp()
    async with app.run_test(size=(120, 60)):
        titles = [app.query_one(pane_type).border_title for pane_type in PANES]
        assert titles == ["Indices", "Sector flows", "Most shorted", "Correlations"]


class OnePane(App[None]):
    """Just ``pane``."""

    def __init__(self, pane: DataPane[Any]) -> None:
        super().__init__()
        self.pane = pane

    def compose(self) -> ComposeResult:
        yield self.pane


async def test_a_view_shown_before_mounting_appears_once_mounted() -> None:
    pane = IndicesPane()
    pane.show(INDICES)
    async with OnePane(pane).run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        assert lines(pane)[1].startswith("S&P 500")


async def test_indices_rows_follow_the_configured_order() -> None:
    app = PanesApp()
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.pause()
        pane = app.query_one(IndicesPane)
        assert keys(pane) == [row.symbol for row in INDICES.rows]
        text = lines(pane)
        assert "6,012.35" in text[1]
        assert "▼ −0.75%" in text[1]
        assert "4.215" in text[4]  # yields get three decimals
        assert "−5.2%" in text[5]  # the basket against its benchmark
        assert text[6].split() == ["Russell", "2000", "not", "found"]


@pytest.mark.parametrize(
    ("pane_type", "orders"),
    [
        (
            IndicesPane,
            [
                ("order", ["^GSPC", "^NDX", "^VIX", "^TNX", "basket:AI infra", "^RUT"]),
                ("chg % ▼", ["^VIX", "^GSPC", "^TNX", "^NDX", "basket:AI infra", "^RUT"]),
                ("5d % ▼", ["^GSPC", "^NDX", "^VIX", "^TNX", "basket:AI infra", "^RUT"]),
                ("YTD ▼", ["^VIX", "^GSPC", "^NDX", "^TNX", "basket:AI infra", "^RUT"]),
            ],
        ),
        (
            SectorsPane,
            [
                ("est today ▼", ["XLE", "XLF", "XLI", "XLK", "XLRE"]),
                ("flow 1d ▼", ["XLF", "XLK", "XLE", "XLI", "XLRE"]),
                ("flow 5d ▼", ["XLE", "XLF", "XLI", "XLK", "XLRE"]),
                ("flow 20d ▼", ["XLE", "XLF", "XLI", "XLK", "XLRE"]),
                ("SV z ▼", ["XLK", "XLI", "XLE", "XLF", "XLRE"]),
                ("SI chg ▼", ["XLK", "XLE", "XLI", "XLF", "XLRE"]),
                ("up % ▼", ["XLI", "XLE", "XLK", "XLF", "XLRE"]),
                ("chg % ▼", ["XLF", "XLE", "XLI", "XLK", "XLRE"]),
                ("rel vol ▼", ["XLE", "XLF", "XLI", "XLK", "XLRE"]),
            ],
        ),
        (
            ShortsPane,
            [
                ("SI % ▼", ["GME", "ORCL", "MSFT"]),
                ("SI chg ▼", ["ORCL", "MSFT", "GME"]),
                ("DTC ▼", ["GME", "ORCL", "MSFT"]),
                ("SV z ▼", ["ORCL", "MSFT", "GME"]),
                ("Px % ▼", ["GME", "ORCL", "MSFT"]),
                ("symbol ▲", ["GME", "MSFT", "ORCL"]),
            ],
        ),
    ],
)
async def test_s_cycles_the_sort_orders(
    pane_type: type[DataPane[Any]], orders: list[tuple[str, list[str]]]
) -> None:
    app = PanesApp()
    async with app.run_test(size=(120, 60)) as pilot:
        pane = app.query_one(pane_type)
        pane.table.focus()
        for text, expected in [*orders, orders[0]]:
            await pilot.pause()
            assert pane.sort.text == text
            assert str(pane.border_subtitle).endswith(f"sort: {text}")
            assert keys(pane) == expected
            await pilot.press("s")


@pytest.mark.parametrize("pane_type", PANES)
async def test_S_reverses_any_sort_keeping_missing_values_last(
    pane_type: type[DataPane[Any]],
) -> None:
    app = PanesApp()
    async with app.run_test(size=(120, 60)) as pilot:
        pane = app.query_one(pane_type)
        pane.table.focus()
        for sort in pane.presenter.sorts:
            await pilot.pause()
            assert pane.sort.label == sort.label
            # (The Correlations pane opens the basket the cursor lands on: compare baskets.)
            forward = [key for key in keys(pane) if not key.startswith("member:")]
            await pilot.press("S")
            assert pane.sort.descending is not sort.descending
            assert pane.sort.marker in str(pane.border_subtitle) or sort.value is None
            backward = [key for key in keys(pane) if not key.startswith("member:")]
            assert sorted(backward) == sorted(forward)
            view = pane.view
            assert view is not None
            if sort.value is not None and pane_type is not CorrelationsPane:
                values = [sort.value(row) for row in view.rows]
                missing = [
                    row.symbol
                    for row, value in zip(view.rows, values, strict=True)
                    if value is None
                ]
                assert backward[len(backward) - len(missing) :] == missing
            await pilot.press("S", "s")


async def test_the_sorted_column_is_marked_in_the_header_either_way() -> None:
    app = PanesApp()
    async with app.run_test(size=(120, 60)) as pilot:
        pane = app.query_one(ShortsPane)
        pane.table.focus()
        await pilot.pause()
        header = lines(pane)[0]
        assert "SI %▼" in header and "▲" not in header
        await pilot.press("S")
        await pilot.pause()
        assert "SI %▲" in lines(pane)[0]
        await pilot.press("s")
        await pilot.pause()
        header = lines(pane)[0]
        assert "SI chg▼" in header and "SI %▼" not in header and "SI %▲" not in header
        indices = app.query_one(IndicesPane)
        assert "▼" not in lines(indices)[0] and "▲" not in lines(indices)[0]  # its own order


async def test_a_new_sort_puts_the_cursor_on_the_new_first_row() -> None:
    app = PanesApp()
    async with app.run_test(size=(120, 60)) as pilot:
        pane = app.query_one(ShortsPane)
        pane.table.focus()
        await pilot.press("G")
        assert pane.table.cursor_key == "MSFT"
        await pilot.press("s")  # SI chg: ORCL, MSFT, GME
        assert (pane.table.cursor_row, pane.table.cursor_key) == (0, "ORCL")
        await pilot.press("G", "S")  # SI chg, smallest first: GME, MSFT, ORCL
        assert (pane.table.cursor_row, pane.table.cursor_key) == (0, "GME")


async def test_the_subtitle_shows_the_views_as_of_and_the_stale_mark() -> None:
    app = PanesApp()
    async with app.run_test(size=(120, 60)) as pilot:
        pane = app.query_one(SectorsPane)
        await pilot.pause()
        assert not pane.has_class("stale")
        assert pane.border_subtitle == "as of 10:32 ET · sort: est today ▼"
        pane.set_stale(True)
        await pilot.pause()
        assert pane.has_class("stale")
        assert pane.border_subtitle == f"{STALE_MARK} · as of 10:32 ET · sort: est today ▼"
        pane.show(replace(SECTORS, as_of=NOW + dt.timedelta(minutes=3)))
        assert pane.border_subtitle == f"{STALE_MARK} · as of 10:35 ET · sort: est today ▼"
        pane.set_stale(False)
        assert not pane.has_class("stale")
        assert pane.border_subtitle == "as of 10:35 ET · sort: est today ▼"
        shorts = app.query_one(ShortsPane)
        assert shorts.border_subtitle == "SI Jan 30 · SV Feb 4 · sort: SI % ▼"


async def test_a_subtitle_too_wide_for_the_border_is_said_shorter_not_cut() -> None:
    app = PanesApp()
    dated = replace(
        SECTORS,
        fund_flow_as_of=dt.date(2026, 2, 10),
        sv_date=dt.date(2026, 2, 10),
        settlement_date=dt.date(2026, 1, 30),
    )
    full = "as of 10:32 ET · flow Feb 10 · SV Feb 10 · SI Jan 30 · sort: est today ▼"
    async with app.run_test(size=(60, 60)) as pilot:
        pane = app.query_one(SectorsPane)
        pane.show(dated)
        await pilot.pause()
        assert pane.border_subtitle == "10:32 ET · flow, SV Feb 10 · SI Jan 30 · est today ▼"
        await pilot.resize_terminal(120, 60)
        await wait_until(pilot, lambda: pane.border_subtitle == full, "the full subtitle")


async def test_enter_on_a_ticker_posts_ticker_selected() -> None:
    app = PanesApp()
    async with app.run_test(size=(120, 60)) as pilot:
        app.query_one(IndicesPane).table.focus()
        await pilot.press("j", "enter")
        app.query_one(SectorsPane).table.focus()
        await pilot.press("enter")
        app.query_one(ShortsPane).table.focus()
        await pilot.press("G", "enter")
        await pilot.pause()
        assert app.selected == ["^NDX", "XLE", "MSFT"]
        assert app.baskets == []


async def test_enter_on_a_basket_posts_basket_selected() -> None:
    app = PanesApp()
    async with app.run_test(size=(120, 60)) as pilot:
        app.query_one(IndicesPane).table.focus()
        await pilot.press("j", "j", "j", "j", "enter")
        await pilot.pause()
        assert app.baskets == ["AI infra"]
        assert app.selected == []


async def test_rows_with_a_problem_show_it_instead_of_numbers() -> None:
    app = PanesApp()
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.pause()
        sector_lines = lines(app.query_one(SectorsPane))
        assert sector_lines[-1].split() == ["XLRE", "Real", "Estate", "no", "data"]


# 100 columns: the bar at its narrowest beside every figure but two; 160: every column, the
# names whole, and the bar takes the room left.
@pytest.mark.parametrize(("width", "bar_widths"), [(100, range(7, 8)), (160, range(21, 42))])
async def test_sector_flow_bars_point_left_for_outflows(width: int, bar_widths: range) -> None:
    app = PanesApp()
    async with app.run_test(size=(width, 60)) as pilot:
        await pilot.pause()
        pane = app.query_one(SectorsPane)
        text = lines(pane)
        bar_width = pane.table.column_widths["bar"]
        half = (bar_width - 1) // 2
        assert bar_width in bar_widths
        bar_start = pane.table.column_offsets["bar"]
        xle, xlk = text[1][bar_start:], text[4][bar_start:]
        # Drawn as wide as its column: the centre line in the middle, the bar within it.
        assert xlk[half] == "│" and xlk[bar_width:].startswith(" ")
        # XLE, +$1.2B: half the largest flow fills half the right side.
        assert xle.split("│")[0].strip() == "" and xle.split("│")[1].count("█") == round(half / 2)
        assert "+$1.2B" in text[1]
        # XLK, −$2.4B: the largest outflow fills the left side.
        assert xlk.split("│")[0] == "█" * half
        assert "−$2.4B" in text[4]


async def test_short_interest_of_shares_outstanding_is_marked_and_explained() -> None:
    app = PanesApp()
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.pause()
        pane = app.query_one(ShortsPane)
        text = lines(pane)
        assert "2.3%ᵒ" in text[2]
        assert "21.3% " in text[1]
        legend = str(pane.legend.render())
        assert legend == "ᵒ % of shares outstanding, not float"  # the dates: in the subtitle
        assert "SI Jan 30 · SV Feb 4" in str(pane.border_subtitle)


async def test_correlations_open_the_basket_under_the_cursor() -> None:
    app = PanesApp()
    async with app.run_test(size=(120, 60)) as pilot:
        pane = app.query_one(CorrelationsPane)
        pane.table.focus()
        await pilot.pause()
        assert keys(pane) == [
            "basket:Mag 7",
            "member:Mag 7:MSFT",
            "member:Mag 7:AAPL",
            "basket:Software",
        ]
        await pilot.press("G")  # onto the Software basket: it opens, Mag 7 closes
        await pilot.pause()
        assert keys(pane) == [
            "basket:Mag 7",
            "basket:Software",
            "member:Software:CRM",
            "member:Software:NOW",
        ]
        assert pane.table.cursor_key == "basket:Software"
        await pilot.press("j", "enter")
        await pilot.pause()
        assert app.selected == ["CRM"]


async def test_correlations_rows_show_now_a_year_ago_and_the_change() -> None:
    app = PanesApp()
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.pause()
        text = lines(app.query_one(CorrelationsPane))
        assert text[2].split()[0] == "MSFT"
        assert text[2].split()[-3:] == ["0.02", "0.54", "−0.52"]
        sparkline = text[2].split()[1]
        assert sparkline[0] > sparkline[-1]  # falling correlation: the blocks shrink


async def test_correlations_sort_by_change_puts_the_biggest_fall_first() -> None:
    app = PanesApp()
    async with app.run_test(size=(120, 60)) as pilot:
        pane = app.query_one(CorrelationsPane)
        pane.table.focus()
        await pilot.press("G", "s")
        await pilot.pause()
        assert pane.sort_label == "chg vs 1y"
        # The new order is shown from its top: the cursor is on the first row, whose basket
        # is open.
        assert keys(pane) == [
            "basket:Mag 7",
            "member:Mag 7:MSFT",
            "member:Mag 7:AAPL",
            "basket:Software",
        ]
        assert pane.table.cursor_row == 0
        await pilot.press("enter")
        await pilot.pause()
        assert app.baskets == ["Mag 7"]


ESSENTIALS: dict[type[DataPane[Any]], set[str]] = {
    IndicesPane: {"name", "last", "change_pct"},
    SectorsPane: {"etf", "change_pct", "flow"},
    ShortsPane: {"symbol", "short_pct", "days_to_cover"},
    CorrelationsPane: {"name", "series", "now"},
}


async def test_at_40_columns_each_pane_keeps_its_essentials_whole() -> None:
    app = PanesApp()
    async with app.run_test(size=(40, 80)) as pilot:
        await pilot.pause()
        for pane_type, essentials in ESSENTIALS.items():
            pane = app.query_one(pane_type)
            shown = {column.key for column in pane.table.visible_columns}
            assert essentials <= shown, pane_type.__name__
            assert len(shown) < len(pane.table.columns), pane_type.__name__
            for text in lines(pane):
                assert len(text) <= pane.table.size.width
        short_lines = lines(app.query_one(ShortsPane))
        assert "2.3%ᵒ" in short_lines[2]
        assert "2.5" in short_lines[2]


async def test_tab_moves_between_the_panes_tables() -> None:
    app = PanesApp()
    async with app.run_test(size=(120, 60)) as pilot:
        await pilot.pause()
        tables = list(app.query(LiveTable))
        app.set_focus(tables[0])
        await pilot.press("tab")
        assert app.focused is tables[1]
        await pilot.press("tab", "tab")
        assert app.focused is tables[3]
        await pilot.press("shift+tab")
        assert app.focused is tables[2]


async def test_focus_basket_opens_it_and_puts_the_cursor_on_it() -> None:
    app = PanesApp()
    async with app.run_test(size=(120, 60)) as pilot:
        pane = app.query_one(CorrelationsPane)
        app.query_one(IndicesPane).table.focus()
        pane.focus_basket("Software")
        await pilot.pause()
        assert pane.table.cursor_key == "basket:Software"
        assert "member:Software:CRM" in keys(pane)
        assert "member:Mag 7:MSFT" not in keys(pane)
        assert app.focused is pane.table
        pane.focus_basket("No such basket")
        await pilot.pause()
        assert pane.table.cursor_key == "basket:Software"


async def test_the_sort_key_can_be_remapped_by_its_binding_id() -> None:
    app = PanesApp()
    async with app.run_test(size=(120, 60)) as pilot:
        pane = app.query_one(ShortsPane)
        pane.table.focus()
        app.set_keymap({"sort": "o"})
        await pilot.press("o")
        assert pane.sort_label == "SI chg"


class MarkupPresenter(IndicesPresenter):
    """An as-of text that would be bold if it were read as console markup."""

    def as_of_text(self, view: IndicesView) -> str:
        return "[b]10:33[/b] ET"


class MarkupPane(IndicesPane):
    presenter = MarkupPresenter()


async def test_resending_the_same_view_and_staleness_costs_no_repaint() -> None:
    app = PanesApp()
    async with app.run_test(size=(120, 60)) as pilot:
        pane = app.query_one(IndicesPane)
        pane.set_stale(False)
        await pilot.pause()
        refreshes: list[object] = []
        original = pane.refresh

        def counting_refresh(*args: Any, **kwargs: Any) -> object:
            refreshes.append(args)
            return original(*args, **kwargs)

        pane.refresh = counting_refresh  # type: ignore[method-assign, assignment]
        pane.set_stale(False)
        pane.show(INDICES)
        assert refreshes == []
        pane.set_stale(True)
        assert refreshes


async def test_the_subtitle_is_plain_text_not_markup() -> None:
    pane = MarkupPane()
    pane.show(INDICES)
    async with OnePane(pane).run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        # Taken as plain text, not console markup (Textual keeps the title as Content).
        assert pane._border_subtitle is not None
        assert pane._border_subtitle.plain == "[b]10:33[/b] ET · sort: order"


async def test_a_pane_wants_the_lines_of_its_rows_and_of_its_notice() -> None:
    """The dashboard's grid gives each pane the lines it wants: border, header, rows, and the
    notice and legend lines as they wrap."""
    app = PanesApp()
    async with app.run_test(size=(60, 60)) as pilot:
        await pilot.pause()
        indices = app.query_one(IndicesPane)
        assert indices.wanted_height(60) == 2 + 1 + len(INDICES.rows)
        indices.set_build_failure("the figures could not be computed: division by zero")
        await pilot.pause()
        assert indices.wanted_height(200) == 2 + 1 + len(INDICES.rows) + 1  # one line
        assert indices.wanted_height(60) > indices.wanted_height(200)  # the notice wraps
