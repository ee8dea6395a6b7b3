"""tui.presenters.widths: how a table's width is shared among its columns — defined widths, not
the data; names whole before lower-priority columns; then the sparklines and bars."""

from __future__ import annotations

import pytest

from tui.presenters import correlations, indices, sectors, shorts
from tui.presenters.table import Column
from tui.presenters.widths import COLUMN_GAP, ColumnLayout, layout_columns

NAME = Column("name", "Name", width=10, min_width=6, align="left")
LAST = Column("last", "Last", width=9)
CHANGE = Column("change", "Chg %", width=8, priority=2)
SPARK = Column("spark", "Today", width=8, grows=True, align="left", priority=1)
COLUMNS = (NAME, LAST, CHANGE, SPARK)


def widths(layout: ColumnLayout, columns: tuple[Column, ...] = COLUMNS) -> dict[str, int]:
    return {columns[i].key: w for i, w in zip(layout.visible, layout.widths, strict=True)}


def test_widths_come_from_the_definitions_before_any_data() -> None:
    layout = layout_columns(COLUMNS, 38)  # 10 + 9 + 8 + 8 + 3 gaps = 38: exactly
    assert widths(layout) == {"name": 10, "last": 9, "change": 8, "spark": 8}
    assert layout.total == 38


def test_the_same_widths_hold_after_data_that_fits_them() -> None:
    before = layout_columns(COLUMNS, 50)
    after = layout_columns(COLUMNS, 50, widest=[7, 8, 8, 0])
    assert before == after


def test_a_number_wider_than_expected_widens_its_column_rather_than_being_cut() -> None:
    layout = layout_columns(COLUMNS, 60, widest=[4, 12, 6, 0])
    assert widths(layout)["last"] == 12


def test_free_width_goes_to_whole_names_first_then_to_growing_columns() -> None:
    # Names of 16: 6 more than the name's width; the rest of the room goes to the sparkline.
    layout = layout_columns(COLUMNS, 60, widest=[16, 8, 6, 0])
    assert widths(layout) == {"name": 16, "last": 9, "change": 8, "spark": 60 - 16 - 9 - 8 - 3}
    assert layout.total == 60


def test_growing_columns_share_the_room_left() -> None:
    bar = Column("bar", "Bar", width=5, grows=True)
    columns = (LAST, SPARK, bar)
    layout = layout_columns(columns, 9 + 8 + 5 + 2 + 11)
    assert widths(layout, columns) == {"last": 9, "spark": 14, "bar": 10}


def test_a_growing_column_stops_at_its_max_width_and_the_others_take_the_rest() -> None:
    bar = Column("bar", "Bar", width=5, grows=True, max_width=9)
    alone = layout_columns((LAST, bar), 9 + 5 + 1 + 30)
    assert widths(alone, (LAST, bar)) == {"last": 9, "bar": 9}  # the rest is left blank
    assert alone.total == 9 + 9 + 1
    columns = (LAST, SPARK, bar)
    shared = layout_columns(columns, 9 + 8 + 5 + 2 + 20)
    assert widths(shared, columns) == {"last": 9, "spark": 8 + 16, "bar": 9}


def test_lower_priority_columns_hide_before_names_are_cut_below_their_minimum() -> None:
    # 36 wide: name 10 + last 9 + change 8 + spark 8 + 3 gaps = 38 does not fit; the name may
    # shrink to 6, which fits everything (34): the name is cut, no column hidden...
    layout = layout_columns(COLUMNS, 36, widest=[10, 8, 6, 0])
    assert [COLUMNS[i].key for i in layout.visible] == ["name", "last", "change", "spark"]
    assert widths(layout)["name"] == 8  # the 2 spare go to the name before the sparkline
    # ...but below that, the lowest priority goes first (Chg %, priority 2).
    layout = layout_columns(COLUMNS, 30, widest=[10, 8, 6, 0])
    assert [COLUMNS[i].key for i in layout.visible] == ["name", "last", "spark"]
    assert widths(layout)["name"] == 10


def test_names_are_cut_only_when_the_essential_columns_alone_do_not_fit() -> None:
    layout = layout_columns(COLUMNS, 16, widest=[10, 8, 6, 0])
    assert [COLUMNS[i].key for i in layout.visible] == ["name", "last"]
    assert widths(layout) == {"name": 6, "last": 9}  # 6 + 1 + 9 = 16


def test_the_sortable_columns_keep_room_for_the_sort_mark() -> None:
    narrow = Column("z", "SV z", width=3)
    plain = layout_columns((narrow,), 20)
    marked = layout_columns((narrow,), 20, sortable={"z"})
    assert plain.widths == (4,) and marked.widths == (5,)


def test_short_headers_are_used_where_they_show_more_columns() -> None:
    columns = (
        Column("symbol", "Symbol", align="left"),
        Column("flow", "Five-day flow", short="5d", width=6, priority=1),
        Column("volume", "Relative volume", short="RVol", width=5, priority=2),
    )
    assert not layout_columns(columns, 40).short_headers
    short = layout_columns(columns, 20)
    assert short.short_headers and len(short.visible) == 3


def test_every_column_hides_nothing_and_cuts_no_name() -> None:
    layout = layout_columns(COLUMNS, 20, widest=[10, 8, 6, 0], every_column=True)
    assert len(layout.visible) == len(COLUMNS)
    assert widths(layout)["name"] == 10
    assert layout.total > 20  # the table scrolls sideways


PANES = {
    "indices": indices.COLUMNS,
    "sectors": sectors.COLUMNS,
    "shorts": shorts.COLUMNS,
    "correlations": correlations.COLUMNS,
}


@pytest.mark.parametrize("pane", list(PANES))
@pytest.mark.parametrize("available", [37, 57, 58, 78, 98])
def test_every_panes_layout_fills_its_width_without_blank_columns_where_it_can(
    pane: str, available: int
) -> None:
    """A pane with a growing column or a name left to widen uses its whole width."""
    columns = PANES[pane]
    layout = layout_columns(columns, available)
    shown = [columns[i] for i in layout.visible]
    assert layout.total <= available
    if any(column.grows for column in shown):
        assert layout.total == available
    assert sum(layout.widths) + COLUMN_GAP * (len(shown) - 1) == layout.total


def test_at_58_columns_the_panes_keep_what_a_trader_reads_first() -> None:
    """The width of a pane in the 120-column grid."""
    keys = {
        pane: {columns[i].key for i in layout_columns(columns, 58).visible}
        for pane, columns in PANES.items()
    }
    assert {"name", "last", "change_pct", "change_5d", "intraday"} <= keys["indices"]
    sector_keys = {
        "etf",
        "sector",
        "change_pct",
        "flow",
        "fund_flow_1d",
        "fund_flow_5d",
        "sv_zscore",
    }
    assert sector_keys <= keys["sectors"]
    assert {"symbol", "short_pct", "short_change", "days_to_cover", "sv_zscore"} <= keys["shorts"]
    assert keys["correlations"] == {"name", "series", "now", "year_ago", "change"}


def test_names_take_their_short_forms_whole_when_the_long_ones_do_not_fit() -> None:
    # 30 columns: the name starts at 6 and the sparkline at 8, 15 spare: too few for the long
    # names (30) but enough for their short forms (14); the sparkline gets the rest.
    layout = layout_columns((NAME, SPARK), 30, widest=[30, 0], widest_short=[14, 0])
    assert widths(layout, (NAME, SPARK)) == {"name": 14, "spark": 15}
    # With room for the long names, they are whole.
    layout = layout_columns((NAME, SPARK), 60, widest=[30, 0], widest_short=[14, 0])
    assert widths(layout, (NAME, SPARK))["name"] == 30


EXT = Column("ext", "Ext", width=11, priority=3, optional=True)


def test_an_optional_column_is_laid_out_by_the_session_never_by_its_figures() -> None:
    columns = (*COLUMNS, EXT)
    filled = [7, 8, 8, 0, 11]
    # Outside pre and post market: never, figures in its cells or not, zoomed or not.
    assert "ext" not in widths(layout_columns(columns, 80, widest=filled), columns)
    zoomed = layout_columns(columns, 20, widest=filled, every_column=True)
    assert "ext" not in widths(zoomed, columns)
    # In pre and post market it is there before its figures, and they move nothing.
    before = layout_columns(columns, 80, with_optional=True)
    after = layout_columns(columns, 80, widest=filled, with_optional=True)
    assert widths(before, columns)["ext"] == 11
    assert before == after
    # Too narrow, it is hidden by its priority like any other column.
    narrow = layout_columns(columns, 40, with_optional=True)
    assert "ext" not in widths(narrow, columns)
