"""tui.presenters.rows: the cells every table shows, and their plain-text form for `snapshot`."""

from __future__ import annotations

import datetime as dt

from tui.models import CorrelationLine, SectorRow
from tui.presenters.rows import (
    Cell,
    Column,
    Row,
    cell_text,
    correlation_row,
    plain_table,
    sector_rows,
)


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
    bars = [cell_text(row.cells[-1]) for row in rows]
    assert bars[0].count("█") == 5 and bars[1].count("█") == 1  # 4e8 fills, 1e8 a quarter
    assert bars[0].index("█") < bars[0].index("│") < bars[1].index("█")  # outflow left


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
