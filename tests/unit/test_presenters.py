"""tui.presenters: each pane's columns, rows and as-of text, the registry `snapshot` loops over,
and the plain-text table it prints."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from tui.models import Pane
from tui.presenters.correlations import PRESENTER as CORRELATIONS
from tui.presenters.correlations import (
    BasketCorrelations,
    CorrelationLine,
    CorrelationsView,
    correlation_row,
    member_symbols,
)
from tui.presenters.indices import PRESENTER as INDICES
from tui.presenters.indices import IndexRow, IndicesView, index_row
from tui.presenters.registry import PRESENTERS
from tui.presenters.sectors import PRESENTER as SECTORS
from tui.presenters.sectors import SECTOR_SHORT_NAMES, SectorRow, SectorsView, sector_rows
from tui.presenters.shorts import PRESENTER as SHORTS
from tui.presenters.shorts import ShortRow, ShortsView, short_row
from tui.presenters.table import (
    Cell,
    Column,
    Row,
    SignedBar,
    Sparkline,
    basket_key,
    basket_of,
    cell_text,
    plain_table,
    tone_for,
)

NOW = dt.datetime(2026, 2, 11, 15, 32, tzinfo=dt.UTC)  # 10:32 in New York
BAR = [column.key for column in SECTORS.columns].index("bar")  # the Sector flows pane's bar


def line(label: str, now: float | None, year_ago: float | None) -> CorrelationLine:
    return CorrelationLine(label, (0.5, 0.4), now, year_ago)


CORRELATION_VIEW = CorrelationsView(
    baskets=(
        BasketCorrelations(
            "Mag 7", ("MSFT", "AAPL"), line("Mag 7", 0.4, 0.5), (line("MSFT", 0.0, 0.5),)
        ),
        BasketCorrelations("Chips", ("NVDA",), line("Chips", 0.2, 0.3), (line("NVDA", 0.2, 0.3),)),
    ),
    window=60,
    as_of=dt.date(2026, 2, 10),
)


# --- the registry --------------------------------------------------------------------------------


def test_every_pane_has_a_presenter_titled_as_the_design_says() -> None:
    assert list(PRESENTERS) == list(Pane)
    titles = [presenter.title for presenter in PRESENTERS.values()]
    assert titles == ["Indices", "Sector flows", "Most shorted", "Correlations", "Watchlist"]
    for presenter in PRESENTERS.values():
        assert presenter.sorts and presenter.columns
        assert len({column.key for column in presenter.columns}) == len(presenter.columns)


# --- as-of texts ---------------------------------------------------------------------------------


def test_prices_are_as_of_a_time_and_no_prices_say_no_data() -> None:
    assert INDICES.as_of_text(IndicesView((), NOW)) == "as of 10:32 ET"
    assert INDICES.as_of_text(IndicesView((), None)) == "no data"
    sectors = SectorsView((), "^GSPC", NOW)
    assert SECTORS.as_of_text(sectors) == "as of 10:32 ET"
    assert SECTORS.headline(sectors) == (
        "as of 10:32 ET · est today is an estimate (signed dollar volume); flow 1d/5d/20d "
        "are the funds' creations and redemptions"
    )
    # The lagged figures carry their own dates.
    dated = SectorsView(
        (),
        "^GSPC",
        NOW,
        fund_flow_as_of=dt.date(2026, 2, 10),
        sv_date=dt.date(2026, 2, 10),
        settlement_date=dt.date(2026, 1, 30),
    )
    assert SECTORS.as_of_text(dated) == "as of 10:32 ET · flow Feb 10 · SV Feb 10 · SI Jan 30"
    # A half-width pane's subtitle says it shorter: one date for the figures of one day.
    assert SECTORS.short_as_of_text(dated) == "10:32 ET · flow, SV Feb 10 · SI Jan 30"
    apart = dataclasses.replace(dated, sv_date=dt.date(2026, 2, 9))
    assert SECTORS.short_as_of_text(apart) == "10:32 ET · flow Feb 10 · SV Feb 9 · SI Jan 30"
    assert SECTORS.short_as_of_text(sectors) == "10:32 ET"
    assert INDICES.short_as_of_text(IndicesView((), NOW)) == "as of 10:32 ET"  # short enough


def test_short_figures_are_as_of_their_settlement_and_volume_dates() -> None:
    view = ShortsView((), dt.date(2026, 1, 30), dt.date(2026, 2, 10), NOW)
    assert SHORTS.as_of_text(view) == "SI Jan 30 · SV Feb 10"
    assert SHORTS.headline(view) == "SI as of Jan 30 · SV Feb 10"
    assert SHORTS.legend(view) is None  # the pane's subtitle has the dates: no line repeats them
    only_volume = ShortsView((), None, dt.date(2026, 2, 10), NOW)
    assert SHORTS.as_of_text(only_volume) == "SV Feb 10"
    assert SHORTS.as_of_text(ShortsView((), None, None, None)) == "no short data"


def test_correlations_are_as_of_their_window_and_last_session() -> None:
    assert CORRELATIONS.as_of_text(CORRELATION_VIEW) == "60 d window, to Feb 10"
    empty = CorrelationsView((), 60, None)
    assert CORRELATIONS.as_of_text(empty) == "no data"
    assert CORRELATIONS.legend(empty) is None


# --- rows ----------------------------------------------------------------------------------------


def test_correlation_rows_list_every_basket_then_its_members_without_a_sort() -> None:
    keys = [row.key for row in CORRELATIONS.rows(CORRELATION_VIEW)]
    assert keys == ["basket:Mag 7", "member:Mag 7:MSFT", "basket:Chips", "member:Chips:NVDA"]


def test_correlation_rows_sorted_and_with_one_basket_open() -> None:
    now_first = CORRELATIONS.sorts[0]
    rows = CORRELATIONS.rows(CORRELATION_VIEW, now_first, expanded={"Mag 7"})
    assert [row.key for row in rows] == ["basket:Chips", "basket:Mag 7", "member:Mag 7:MSFT"]
    assert member_symbols(CORRELATION_VIEW)["member:Mag 7:MSFT"] == "MSFT"


def test_a_correlation_line_with_a_problem_shows_it_instead_of_dashes() -> None:
    row = correlation_row(
        "member:AI:ZZZZ", "  ZZZZ", CorrelationLine("ZZZZ", (), None, None, "not found")
    )
    assert row.note == "not found" and row.cells == ("  ZZZZ",)
    healthy = correlation_row(
        "member:AI:NVDA", "  NVDA", CorrelationLine("NVDA", (0.5, 0.4), 0.4, 0.5)
    )
    assert healthy.note is None and cell_text(healthy.cells[2]) == "0.40"


def test_flow_bars_share_one_scale_the_largest_flow_filling_its_half() -> None:
    now = dt.datetime(2026, 2, 11, 15, tzinfo=dt.UTC)
    rows = sector_rows(
        [
            SectorRow("XLK", "Information Technology", -1.0, -0.5, -4e8, None, 1.0, now),
            SectorRow("XLU", "Utilities", 0.5, 1.0, 1e8, None, 1.0, now),
        ]
    )
    bars = [cell_text(row.cells[BAR], 11) for row in rows]
    assert bars[0].count("█") == 5 and bars[1].count("█") == 1  # 4e8 fills, 1e8 a quarter
    assert bars[0].index("█") < bars[0].index("│") < bars[1].index("█")  # outflow left


def index_figures(**changes: object) -> IndexRow:
    values: dict[str, object] = {
        "symbol": "^GSPC",
        "label": "S&P 500",
        "kind": "index",
        "last": 6871.49,
        "change": -8.51,
        "change_pct": -0.12,
        "change_5d_pct": -2.8,
        "ytd_pct": -9.4,
        "intraday": (1.0, 2.0, 3.0),
        "as_of": NOW,
    }
    return IndexRow(**{**values, **changes})  # type: ignore[arg-type]


def test_a_yield_moves_in_basis_points_today_over_5_days_and_year_to_date() -> None:
    tnx = index_figures(
        symbol="^TNX",
        label="10-year yield",
        kind="yield",
        last=4.189,
        change=-0.011,
        change_pct=None,
        change_5d_pct=None,
        ytd_pct=None,
        change_bp=-1.1,
        change_5d_bp=-3.84,
        ytd_bp=-12.0,
    )
    cells = [cell_text(cell, 8) for cell in index_row(tnx).cells]
    assert cells[1:6] == ["4.189", "−0.011", "▼ −1.1 bp", "−3.8 bp", "−12.0 bp"]
    assert all("%" not in cell for cell in cells)
    assert [cell.tone for cell in index_row(tnx).cells[2:6]] == ["down"] * 4  # type: ignore[union-attr]


def test_a_row_without_intraday_bars_shows_its_figures_and_says_why_today_is_empty() -> None:
    spx = index_figures(intraday=(), intraday_note="no intraday bars on 2026-01-20")
    cells = [cell_text(cell, 8) for cell in index_row(spx).cells]
    assert cells[1:6] == ["6,871.49", "−8.51", "▼ −0.12%", "−2.8%", "−9.4%"]
    assert cells[6] == "no intraday"
    view = IndicesView((spx, index_figures(symbol="^NDX")), NOW)
    assert INDICES.legend(view) == "Today: no intraday bars on 2026-01-20"
    assert INDICES.headline(view) == "as of 10:32 ET · Today: no intraday bars on 2026-01-20"
    assert INDICES.legend(IndicesView((index_figures(),), NOW)) is None


def test_an_estimated_relative_volume_is_marked_and_explained() -> None:
    now = dt.datetime(2026, 2, 11, 15, tzinfo=dt.UTC)
    measured = SectorRow(
        "XLK",
        "IT",
        1.0,
        0.5,
        1e8,
        None,
        2.04,
        now,
        rel_volume_basis="intraday",
        rel_volume_sessions=10,
    )
    estimated = SectorRow(
        "XLU", "Utilities", 1.0, 0.5, 1e8, None, 1.6, now, rel_volume_basis="profile"
    )
    cells = [cell_text(row.cells[6]) for row in sector_rows([measured, estimated])]
    assert cells == ["2.0×", "≈1.6×"]
    view = SectorsView((measured, estimated), "^GSPC", NOW)
    assert (
        SECTORS.legend(view)
        == "≈ RelVol from a typical intraday volume profile (no earlier intraday bars)"
    )
    assert SECTORS.legend(view) in SECTORS.headline(view)
    assert SECTORS.legend(SectorsView((measured,), "^GSPC", NOW)) is None


def test_flow_bars_early_in_the_day_are_scaled_by_the_usual_flow_by_then() -> None:
    """At 9:45 a flow a tenth of what the busiest sector usually has by 9:45 is a short bar,
    not a full one because it is the largest so far."""
    now = dt.datetime(2026, 2, 11, 14, 45, tzinfo=dt.UTC)
    rows = sector_rows(
        [
            SectorRow("XLK", "IT", 0.1, 0.0, 4e7, None, 1.0, now, usual_flow=2e8),
            SectorRow("XLU", "Utilities", 0.1, 0.0, -1e7, None, 1.0, now, usual_flow=5e7),
            SectorRow("XLE", "Energy", 0.1, 0.0, 4e8, None, 1.0, now, usual_flow=None),
        ]
    )
    bars = [cell_text(row.cells[BAR], 11) for row in rows]
    assert [bar.count("█") for bar in bars] == [1, 0, 5]  # a fifth, a twentieth; 4e8 caps
    assert bars[0] == "     │█    "


def test_a_basket_row_key_names_its_basket() -> None:
    assert basket_key("AI infra") == "basket:AI infra"
    assert basket_of("basket:AI infra") == "AI infra"
    assert basket_of("^GSPC") is None


# --- the table pieces ----------------------------------------------------------------------------


def test_row_cells_given_as_a_list_compare_equal_to_a_tuple() -> None:
    assert Row("A", ["1", "2"]) == Row("A", ("1", "2"))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "tone"),
    [
        (1.5, "up"),
        (-0.1, "down"),
        (0.0, None),
        (None, None),
        (float("nan"), None),
        (float("inf"), None),  # not a number a colour could qualify
        (float("-inf"), None),
    ],
)
def test_tone_follows_the_sign_of_a_finite_figure(value: float | None, tone: str | None) -> None:
    assert tone_for(value) == tone


def test_plain_table_aligns_columns_under_their_headers_and_spans_notes() -> None:
    columns = (Column("symbol", "Symbol", align="left"), Column("pct", "SI %"))
    rows = [
        Row("GME", ("GME", Cell("17.9%", "up"))),
        Row("LONGNAME", ("LONGNAME", "2.0%")),
        Row("ZZZZ", ("ZZZZ",), note="not found"),
    ]
    assert plain_table(columns, rows) == [
        "Symbol    SI %",
        "GME      17.9%",
        "LONGNAME  2.0%",
        "ZZZZ     not found",
    ]


def test_sparklines_and_bars_are_drawn_at_the_width_their_column_gets() -> None:
    spark = Sparkline((1.0, 2.0, 3.0, 4.0), "up")
    assert cell_text(spark, 4) == "▁▃▆█"
    assert cell_text(spark, 8) == "▁▁▃▃▆▆██"  # stretched, not padded with blanks
    bar = SignedBar(-4e8, 4e8, "down")
    assert cell_text(bar, 11) == "█████│     "
    assert cell_text(bar, 21) == "██████████│          "
    with pytest.raises(ValueError, match="width"):
        cell_text(spark)


def test_snapshot_text_draws_graphics_at_their_columns_width() -> None:
    columns = (Column("name", "Name", align="left"), Column("spark", "Today", width=4))
    rows = [Row("A", ("A", Sparkline((1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0))))]
    assert plain_table(columns, rows) == ["Name Today", "A     ▁▃▆█"]


def test_long_sector_names_carry_their_short_gics_form() -> None:
    now = dt.datetime(2026, 2, 11, 15, tzinfo=dt.UTC)
    rows = sector_rows(
        [
            SectorRow("XLK", "Information Technology", -1.0, -0.5, -4e8, None, 1.0, now),
            SectorRow("XLU", "Utilities", 0.5, 1.0, 1e8, None, 1.0, now),
        ]
    )
    assert rows[0].cells[1] == Cell("Information Technology", short="Info Tech")
    assert rows[1].cells[1] == Cell("Utilities")
    shortest = max(len(name) for name in SECTOR_SHORT_NAMES.values())
    sector_column = next(column for column in SECTORS.columns if column.key == "sector")
    assert sector_column.min_width is not None and shortest <= sector_column.min_width


def test_the_most_shorted_rows_end_with_the_company_name_and_its_short_form() -> None:
    row = ShortRow(
        "SOUN", "SoundHound AI, Inc.", 40.7, "float", 1.6e8, 8.3, 2.7, 0.41, -1.0, -3.1,
        dt.date(2026, 1, 30), dt.date(2026, 2, 10),
    )  # fmt: skip
    assert [column.key for column in SHORTS.columns][-1] == "name"
    assert short_row(row).cells[-1] == Cell("SoundHound AI, Inc.", short="SoundHound AI")
