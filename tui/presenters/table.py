"""The pieces every pane's table is made of, as plain data: columns, cells with a tone, rows, sort
orders, and the plain-text table `tapewatch snapshot` prints. No textual import: a script and the
screen get the same rows.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, Literal, TypeVar, cast

from rich.cells import cell_len
from rich.text import Text

from tui.models import NO_DATA
from tui.presenters import format as fmt

Align = Literal["left", "center", "right"]
Tone = Literal["up", "down", "muted"]

ItemT = TypeVar("ItemT")
ViewT = TypeVar("ViewT")

BASKET_PREFIX = "basket:"


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a pane's table, defined once: the pane's table, its narrow layouts, the help
    screen's glossary and `tapewatch snapshot` all read it from here.

    ``header`` heads the column; ``short`` replaces it where the table is too narrow for every
    column with its full header (None: the header is short enough). ``help`` says what the
    figure is and how it is written, for the help screen.

    Widths come from here and from the table's width, not from the data, so that columns stand
    in the same place before and after the figures arrive. ``width`` fits the column's widest
    expected value (None: its header); a number wider than that widens its column rather than
    being cut. A text column (a name, a sector, a basket) has a ``min_width``: it may be
    narrowed to it, its text ending in "…" (or in a cell's short form), before a lower-priority
    column is hidden, and it widens to its longest text when the table has room. A column that
    ``grows`` (a sparkline, a bar) is at least ``width`` wide and takes the width the other
    columns leave, up to ``max_width`` (None: no end); its cells are drawn at the width it
    gets. ``priority`` 0 columns are always
    shown; when the table is too narrow, the columns with the highest priority number are
    hidden first (the rightmost among equals). An ``optional`` column is laid out only while
    its table is told to show it (`LiveTable.show_optional`): the extended-hours figures, in pre
    and post market. The market's clock decides that, not the figures, so that they arriving
    move no column; `tapewatch snapshot` leaves it out where none of its cells has anything.
    """

    key: str
    header: str
    help: str = ""
    short: str | None = None
    width: int | None = None
    min_width: int | None = None
    grows: bool = False
    max_width: int | None = None
    align: Align = "right"
    priority: int = 0
    optional: bool = False

    @property
    def short_header(self) -> str:
        """The header in narrow layouts."""
        return self.short or self.header

    @property
    def headers(self) -> tuple[str, ...]:
        """Every header the column can show: the full one, then the short one if it differs."""
        return tuple(dict.fromkeys((self.header, self.short_header)))

    @property
    def is_text(self) -> bool:
        """A name-like column, which may be narrowed with "…" (it has a ``min_width``)."""
        return self.min_width is not None


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell's text with a tone the theme colours (up = $success, down = $error, muted).

    ``short`` is a shorter form of the text ("Info Tech" for "Information Technology") that a
    column too narrow for the text shows whole instead of cutting it."""

    text: str
    tone: Tone | None = None
    short: str | None = None


@dataclass(frozen=True, slots=True)
class Sparkline:
    """A cell drawn as a sparkline of ``values`` as wide as its column (`fmt.sparkline`, a short
    series stretched towards it): the table draws it at the width it gives a growing column,
    `snapshot` at the column's width."""

    values: tuple[float, ...]
    tone: Tone | None = None
    lower: float | None = None  # a scale shared by several rows (None: the series' own range)
    upper: float | None = None

    def draw(self, width: int) -> str:
        """The sparkline at most ``width`` characters wide (a short series stretched towards
        the width, each value at most twice)."""
        return fmt.sparkline(self.values, width, lower=self.lower, upper=self.upper, stretch=True)


@dataclass(frozen=True, slots=True)
class SignedBar:
    """A cell drawn as a bar around a centre line (`fmt.signed_bar`), as wide as its column:
    ``scale`` fills a half, whatever the half's width."""

    value: float | None
    scale: float
    tone: Tone | None = None

    def draw(self, width: int) -> str:
        """The bar in ``width`` characters (an even width leaves the last one blank)."""
        return fmt.signed_bar(self.value, self.scale, max(0, (width - 1) // 2))


Graphic = Sparkline | SignedBar  # cells drawn at the width their column gets
CellValue = str | Text | Cell | Graphic


@dataclass(frozen=True, slots=True)
class Row:
    """One row, identified by ``key`` (a symbol, usually).

    ``note`` ("not found", "no data") is shown muted in place of the cells from ``len(cells)`` on,
    spanning the remaining visible columns.
    """

    key: str
    cells: tuple[CellValue, ...]
    note: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.cells, tuple):
            object.__setattr__(self, "cells", tuple(self.cells))


def tone_for(value: float | None) -> Tone | None:
    """The tone of a signed figure: up when positive, down when negative, none otherwise (zero,
    missing, or not a finite number)."""
    if value is None or value == 0 or not math.isfinite(value):
        return None
    return "up" if value > 0 else "down"


def toned(text: str, value: float | None) -> Cell:
    """A cell whose tone follows the sign of ``value``."""
    return Cell(text, tone_for(value))


SortValue = Callable[[ItemT], float | str | None]

SORTED_DESCENDING = "▼"
SORTED_ASCENDING = "▲"


@dataclass(frozen=True, slots=True)
class SortMode(Generic[ItemT]):
    """One way of ordering a pane's rows, either way.

    ``value`` is what a row is sorted by (None or NaN: missing, always last); without one the
    rows keep the view's order (reversed when descending). ``column`` is the key of the column
    it sorts by, marked ▼ or ▲ in the header. ``descending`` (largest first) is the direction `s`
    brings; `S` reverses it.
    """

    label: str
    value: SortValue[ItemT] | None
    column: str | None = None
    descending: bool = True

    def reversed(self) -> SortMode[ItemT]:
        """The same order, the other way."""
        return replace(self, descending=not self.descending)

    @property
    def marker(self) -> str:
        """▼ when descending, ▲ when ascending."""
        return SORTED_DESCENDING if self.descending else SORTED_ASCENDING

    @property
    def text(self) -> str:
        """The label and the direction, for a pane's subtitle: "flow ▼" ("order" alone for the
        view's own order)."""
        if self.value is None and not self.descending:
            return self.label
        return f"{self.label} {self.marker}"


def _missing(value: float | str | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def ordered(
    items: Sequence[ItemT],
    mode: SortMode[Any] | None,
    of: Callable[[ItemT], Any] | None = None,
) -> list[ItemT]:
    """``items`` in ``mode``'s order of each item (or of ``of(item)``: a basket by its average
    line), missing values last either way; without a mode, in the view's own order. Ties keep
    the view's order."""
    if mode is None:
        return list(items)
    value = mode.value
    if value is None:
        return list(reversed(items)) if mode.descending else list(items)
    keyed = [(value(item if of is None else of(item)), item) for item in items]
    present = [(key, item) for key, item in keyed if not _missing(key)]
    missing = [item for key, item in keyed if _missing(key)]
    present.sort(key=lambda pair: cast("float | str", pair[0]), reverse=mode.descending)
    return [item for _, item in present] + missing


def cell_text(cell: CellValue, width: int | None = None) -> str:
    """A cell's characters, without tone or style; a sparkline or a bar drawn ``width`` wide
    (a graphic has no width of its own: its column gives it)."""
    if isinstance(cell, Graphic):
        if width is None:
            raise ValueError("a sparkline or bar cell is drawn at its column's width")
        return cell.draw(width)
    if isinstance(cell, Text):
        return cell.plain
    return cell.text if isinstance(cell, Cell) else cell


def text_width(cell: CellValue) -> int:
    """The width a cell's text needs (0 for a graphic, drawn at the width it is given)."""
    if isinstance(cell, Graphic):
        return 0
    if isinstance(cell, Text):
        return cell.cell_len
    return cell_len(cell.text if isinstance(cell, Cell) else cell)


def plain_table(columns: Sequence[Column], rows: Sequence[Row]) -> list[str]:
    """The rows as aligned plain-text lines under a header line (for `tapewatch snapshot`):
    sparklines and bars at their column's width; an optional column with nothing in it is left
    out."""
    texts = [
        [
            cell_text(cell, column.width or cell_len(column.header))
            for cell, column in zip(row.cells, columns, strict=False)
        ]
        for row in rows
    ]
    empty = [
        index
        for index, column in enumerate(columns)
        if column.optional and not any(index < len(line) and line[index] for line in texts)
    ]
    if empty:
        columns = [column for index, column in enumerate(columns) if index not in empty]
        texts = [[text for index, text in enumerate(line) if index not in empty] for line in texts]
    widths = []
    for index, column in enumerate(columns):
        cells = [line[index] for line in texts if index < len(line)]
        widths.append(max([cell_len(column.header), *(cell_len(text) for text in cells)]))

    def line(values: Sequence[str], note: str | None = None) -> str:
        parts = []
        for index, (column, width) in enumerate(zip(columns, widths, strict=True)):
            if index >= len(values):
                if note is not None:
                    parts.append(note)
                break
            text = values[index]
            pad = " " * max(0, width - cell_len(text))
            parts.append(text + pad if column.align == "left" else pad + text)
        return " ".join(parts).rstrip()

    lines = [line([column.header for column in columns])]
    lines += [line(values, row.note) for values, row in zip(texts, rows, strict=True)]
    return lines


AS_OF_PREFIX = "as of "


def as_of_time(moment: dt.datetime | None) -> str:
    """A pane's as-of for prices: "as of 10:32 ET", or "no data" before any price."""
    return NO_DATA if moment is None else f"{AS_OF_PREFIX}{fmt.clock(moment)}"


def basket_key(name: str) -> str:
    """The row key of the basket called ``name``, in the Indices and the Correlations pane."""
    return f"{BASKET_PREFIX}{name}"


def basket_of(key: str) -> str | None:
    """The basket a row key names, None for any other row."""
    return key.removeprefix(BASKET_PREFIX) if key.startswith(BASKET_PREFIX) else None


class PanePresenter(Generic[ViewT]):
    """What the panes' presenters share: no legend line unless a pane has one, and `snapshot`
    heads a pane's table with its as-of text unless the pane says more. Each pane's presenter
    gives the rest of `tui.presenters.registry.Presenter`."""

    def as_of_text(self, view: ViewT) -> str:
        """What the figures are as of (each pane says)."""
        raise NotImplementedError

    def short_as_of_text(self, view: ViewT) -> str:
        """The as-of text, for a narrow subtitle: the same unless a pane says shorter."""
        return self.as_of_text(view)

    def legend(self, view: ViewT) -> str | None:
        """No legend line: the help screen explains the pane."""
        return None

    def headline(self, view: ViewT) -> str:
        """What `snapshot` prints after the pane's title: its as-of text."""
        return self.as_of_text(view)
