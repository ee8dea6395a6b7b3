"""`PaneGrid`: the container of the dashboard's panes, one per slot, in reading order.

The stylesheet chooses the arrangement. With ``layout: grid; grid-size: N`` the panes stand in N
columns (slot i in column i mod N: with two, slots 1 and 3 on the left, 2 and 4 on the right),
each column's panes one above the other; each pane gets the rows it wants to show everything
(`wanted_height`) when they fit, and a pane that wants more than its share gets what the others
leave: free rows go to the panes that have more rows to show, the columns do not share rows.
Any other layout (``vertical``, for stacked panes) is Textual's own.

Any widget can stand in a slot; one with a ``wanted_height(width)`` method says how many lines
it needs, one without takes what is left.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from textual.containers import Container
from textual.geometry import NULL_OFFSET, NULL_SPACING, Region, Size
from textual.layout import ArrangeResult, Layout, WidgetPlacement
from textual.layouts.grid import GridLayout
from textual.widget import Widget


@runtime_checkable
class WantsRows(Protocol):
    """A widget that can say how many lines it needs to show everything."""

    def wanted_height(self, width: int) -> int:
        """The lines needed at ``width`` columns."""
        ...


def share_rows(wanted: Sequence[int | None], available: int) -> list[int]:
    """The heights of widgets stacked in ``available`` lines, given the lines each ``wanted``
    (None: as many as it can get).

    When everything fits, each gets what it wants and the bottom one the lines left over (so the
    column ends at the bottom of the screen). Otherwise the widgets that want no more than an
    equal share get what they want, and those that want more share the rest equally, the upper
    ones taking the odd lines.
    """
    count = len(wanted)
    if count == 0:
        return []
    heights = [0] * count
    remaining = max(0, available)
    pending = sorted(
        range(count), key=lambda index: (wanted[index] is None, wanted[index] or 0, index)
    )
    while pending:
        share = remaining // len(pending)
        smallest = pending[0]
        want = wanted[smallest]
        if want is not None and want <= share:
            heights[smallest] = want
            remaining -= want
            pending.pop(0)
            continue
        # Everyone left wants more than an equal share: split what is left.
        ordered = sorted(pending)
        extra = remaining - share * len(ordered)
        for position, index in enumerate(ordered):
            heights[index] = share + (1 if position < extra else 0)
        return heights
    heights[-1] += remaining
    return heights


class PaneColumns(Layout):
    """Widgets in ``columns`` columns by reading order, each column stacked by `share_rows`."""

    name = "pane-columns"

    def __init__(self, columns: int) -> None:
        self.columns = max(1, columns)

    def arrange(
        self, parent: Widget, children: list[Widget], size: Size, greedy: bool = True
    ) -> ArrangeResult:
        placements: list[WidgetPlacement] = []
        count = min(self.columns, len(children)) or 1
        base, extra = divmod(size.width, count)
        x = 0
        for column in range(count):
            width = base + (1 if column < extra else 0)
            stacked = children[column::count]
            wanted = [
                child.wanted_height(width) if isinstance(child, WantsRows) else None
                for child in stacked
            ]
            y = 0
            for child, height in zip(stacked, share_rows(wanted, size.height), strict=True):
                region = Region(x, y, width, height)
                placements.append(WidgetPlacement(region, NULL_OFFSET, NULL_SPACING, child))
                y += height
            x += width
        return placements


class PaneGrid(Container):
    """The panes' slots: in columns where the stylesheet says ``layout: grid`` (``grid-size``
    columns), else laid out by the stylesheet's layout."""

    @property
    def layout(self) -> Layout:
        styled = self.styles.layout
        if isinstance(styled, GridLayout):
            columns = self.styles.grid_size_columns
            if self._columns is None or self._columns.columns != columns:
                self._columns = PaneColumns(columns)
            return self._columns
        return super().layout

    _columns: PaneColumns | None = None
