"""How a table's width is shared among its columns, as plain Python: the rule is tested without a
terminal, and the table widget only draws what it decides.

Widths come from the column definitions (`tui.presenters.table.Column`) and the table's width,
not from the figures, so columns stand in the same place before and after data arrives. The
figures matter only where they would not fit: a number wider than its column's expected width
widens the column (a number is never cut) and a label longer than expected widens its column
when there is room.

The rule, in order:

1. Every column starts at its defined width: a number at its ``width`` (or its header, with room
   for the sort mark when it can be sorted by), a text column at its ``min_width``, a growing
   column (sparkline, bar) at its ``width``.
2. While they do not fit, the column with the highest priority number is hidden, the rightmost
   among equals; priority-0 columns are always shown.
3. Room left goes first to the text columns, up to their longest text, left first: names read
   whole before anything else gets wider (in their short forms, "Info Tech" for "Information
   Technology", when the room is too little for the long ones but enough for those);
4. then to the growing columns, shared evenly: sparklines and bars use the width, no blank column
   is left while a pane has one, unless every growing column has reached its ``max_width`` (a
   bar in a zoomed pane: wider says nothing more); the rest is left blank on the right.
5. If the priority-0 columns alone do not fit, the text columns are narrowed down to their
   header, their text ending in "…"; past that, the table scrolls sideways.

Full headers are used unless the short ones show more columns, or as many with less text cut.
``every_column`` (a zoomed pane) hides nothing and cuts no name: what does not fit scrolls
sideways. An ``optional`` column (the extended-hours figures) takes part only ``with_optional``
(in pre and post market, as the market's clock says): the session decides it, never the cells,
so that figures arriving move no column.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from rich.cells import cell_len

from tui.presenters.table import Column

COLUMN_GAP = 1


@dataclass(frozen=True, slots=True)
class ColumnLayout:
    """The columns a table shows, in order (indices into its columns), their widths, and whether
    their headers are the short ones."""

    visible: tuple[int, ...]
    widths: tuple[int, ...]
    short_headers: bool

    @property
    def total(self) -> int:
        """The width the visible columns take, gaps included."""
        return sum(self.widths) + COLUMN_GAP * max(0, len(self.widths) - 1)


def header_width(column: Column, *, short: bool, sortable: bool) -> int:
    """The width of a column's header, with room for the sort mark when it can be sorted by (so
    sorting never moves a column)."""
    header = column.short_header if short else column.header
    return cell_len(header) + (1 if sortable else 0)


def layout_columns(
    columns: Sequence[Column],
    available: int,
    *,
    widest: Sequence[int] | None = None,
    widest_short: Sequence[int] | None = None,
    sortable: Collection[str] = frozenset(),
    every_column: bool = False,
    with_optional: bool = False,
) -> ColumnLayout:
    """The columns shown in ``available`` cells and their widths (see the module's rule).

    ``widest`` is, per column, the widest text of its cells (0 before any data; sparklines and
    bars count 0: they are drawn at the width they get); ``widest_short`` the same with each
    cell in its short form where it has one (as ``widest`` when not given); ``sortable`` the keys
    of the columns a sort can mark; ``with_optional`` whether the optional columns are laid out
    (otherwise they are never shown, even zoomed).
    """
    measured = list(widest) if widest is not None else [0] * len(columns)
    shortest = list(widest_short) if widest_short is not None else measured
    choices = [
        _layout(
            columns,
            available,
            measured,
            shortest,
            sortable,
            short=short,
            every_column=every_column,
            with_optional=with_optional,
        )
        for short in (False, True)
    ]
    full, short = choices

    def merit(choice: tuple[ColumnLayout, int]) -> tuple[int, int, int]:
        layout, cut = choice
        return len(layout.visible), -cut, -max(0, layout.total - available)

    return (short if merit(short) > merit(full) else full)[0]


def _layout(
    columns: Sequence[Column],
    available: int,
    widest: Sequence[int],
    widest_short: Sequence[int],
    sortable: Collection[str],
    *,
    short: bool,
    every_column: bool,
    with_optional: bool,
) -> tuple[ColumnLayout, int]:
    """The layout with full or ``short`` headers, and how many cells of text it cuts."""
    headers = [
        header_width(column, short=short, sortable=column.key in sortable) for column in columns
    ]
    whole: list[int] = []
    start: list[int] = []
    for column, header, longest in zip(columns, headers, widest, strict=True):
        natural = max(header, column.width or 0, longest)
        whole.append(natural)
        if column.min_width is not None and not every_column:
            start.append(min(natural, max(header, column.min_width)))
        else:
            start.append(natural)

    visible = [
        index for index, column in enumerate(columns) if with_optional or not column.optional
    ]
    if not every_column:
        visible = _fitting(columns, visible, start, available)
    widths = {index: start[index] for index in visible}
    spare = available - sum(widths.values()) - COLUMN_GAP * max(0, len(visible) - 1)
    texts = [index for index in visible if columns[index].is_text]
    if spare < 0 and not every_column:
        # Only the priority-0 columns are left: names give way, the rightmost first.
        for index in reversed(texts):
            give = min(-spare, widths[index] - headers[index])
            widths[index] -= give
            spare += give
    for index in texts:  # names whole first, left first; in their short forms if that is all
        wanted = whole[index]
        if wanted - widths[index] > spare:
            wanted = max(headers[index], columns[index].width or 0, widest_short[index])
        grow = max(0, min(spare, wanted - widths[index]))
        widths[index] += grow
        spare -= grow
    growing = [index for index in visible if columns[index].grows]
    while growing and spare > 0:  # then the sparklines and bars, each up to its max_width
        each, extra = divmod(spare, len(growing))
        for position, index in enumerate(growing):
            room = _room_to_grow(columns[index], widths[index])
            grow = min(room, each + (1 if position < extra else 0))
            widths[index] += grow
            spare -= grow
        growing = [index for index in growing if _room_to_grow(columns[index], widths[index])]
    cut = sum(whole[index] - widths[index] for index in texts)
    layout = ColumnLayout(tuple(visible), tuple(widths[index] for index in visible), short)
    return layout, cut


def _room_to_grow(column: Column, width: int) -> int:
    """How much wider a growing column may get (no end without a ``max_width``)."""
    if column.max_width is None:
        return 1 << 30
    return max(0, column.max_width - width)


def _fitting(
    columns: Sequence[Column], visible: list[int], widths: Sequence[int], available: int
) -> list[int]:
    """``visible`` without the columns hidden to fit: the highest priority numbers first (the
    rightmost among equals), until the rest fit or only priority-0 columns are left."""
    shown = list(visible)

    def total() -> int:
        return sum(widths[index] for index in shown) + COLUMN_GAP * max(0, len(shown) - 1)

    hide_order = sorted(shown, key=lambda index: (columns[index].priority, index), reverse=True)
    for index in hide_order:
        if total() <= available or columns[index].priority == 0:
            break
        shown.remove(index)
    return shown
