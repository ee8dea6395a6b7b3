"""`LiveTable`'s cells as text: how wide each column's cells are (the layout widens a column only
where its figures would not fit the width its definition gives), and the header and row lines
drawn at the laid-out widths, each cell fitted to its column and toned.

Plain functions of the columns, rows and widths: the widget keeps the state, the cache of rendered
strips and the repainting.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

from tui.presenters.table import Align, Cell, CellValue, Column, Graphic, Row, Tone, text_width
from tui.presenters.widths import COLUMN_GAP

# The style of a tone (up / down / muted) on the row being drawn.
ToneStyle = Callable[[Tone], Style]


def fit(text: Text, width: int, align: Align) -> Text:
    """``text`` cut to ``width`` with an ellipsis if it is longer, padded to ``width``."""
    text.truncate(width, overflow="ellipsis")
    text.align(align, width)
    return text


def widest_texts(columns: Sequence[Column], rows: Sequence[Row]) -> tuple[list[int], list[int]]:
    """Per column: the widest text of its cells (sparklines and bars count 0), and the same with
    the cells that have a short form in it."""
    widest = [0] * len(columns)
    widest_short = [0] * len(columns)
    for row in rows:
        for index, cell in enumerate(row.cells[: len(widest)]):
            widest[index] = max(widest[index], text_width(cell))
            short = cell_len(cell.short) if isinstance(cell, Cell) and cell.short else None
            widest_short[index] = max(widest_short[index], short or text_width(cell))
    return widest, widest_short


def header_line(
    columns: Sequence[Column],
    visible: Sequence[int],
    widths: Sequence[int],
    header_of: Callable[[Column], str],
) -> Text:
    """The visible columns' headers, as ``header_of`` writes them, each fitted to its width."""
    line = Text()
    laid_out = zip(visible, widths, strict=True)
    for position, (index, width) in enumerate(laid_out):
        if position:
            line.append(" " * COLUMN_GAP)
        column = columns[index]
        header = header_of(column)
        line.append_text(fit(Text(header), width, column.align))
    return line


def row_line(
    row: Row,
    columns: Sequence[Column],
    visible: Sequence[int],
    widths: Sequence[int],
    widest: Sequence[int],
    tone_style: ToneStyle,
) -> Text:
    """The row's visible cells, each fitted to its width (a row's note across the columns it
    has no cells for)."""
    line = Text()
    positions = list(zip(visible, widths, strict=True))
    for position, (index, width) in enumerate(positions):
        if position:
            line.append(" " * COLUMN_GAP)
        if index >= len(row.cells) and row.note is not None:
            span = sum(w for _, w in positions[position:]) + COLUMN_GAP * (
                len(positions) - position - 1
            )
            note = Text(row.note, style=tone_style("muted"))
            line.append_text(fit(note, span, "left"))
            break
        cell = row.cells[index] if index < len(row.cells) else ""
        # Where the column is too narrow for its longest text, every cell with a short form
        # uses it, so that the column reads one way.
        abbreviate = width < widest[index]
        text = cell_text(cell, width, abbreviate, tone_style)
        line.append_text(fit(text, width, columns[index].align))
    return line


def cell_text(cell: CellValue, width: int, abbreviate: bool, tone_style: ToneStyle) -> Text:
    """The cell as styled text for a column ``width`` wide: sparklines and bars drawn at that
    width, a text's short form when ``abbreviate``."""
    if isinstance(cell, Text):
        return cell.copy()
    if isinstance(cell, Graphic):
        text, tone = cell.draw(width), cell.tone
    elif isinstance(cell, Cell):
        text, tone = cell.text, cell.tone
        if cell.short is not None and abbreviate:
            text = cell.short
    else:
        return Text(cell)
    if tone is None:
        return Text(text)
    return Text(text, style=tone_style(tone))
