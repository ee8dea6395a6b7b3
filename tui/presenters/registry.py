"""Every pane's presenter, in the dashboard's order: the one place the panes' widgets and
`tapewatch snapshot` look up a pane's title, columns, sort orders, rows and as-of text.

A pane lives in three files named after it: `tui/analytics/<pane>.py` (its figures and view
builder), `tui/presenters/<pane>.py` (its view model and how it reads, here) and
`widgets/<pane>.py` (its widget).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, TypeVar

from tui.models import Pane
from tui.presenters import corr_matrix, correlations, indices, members, sectors, shorts, watchlist
from tui.presenters.correlations import CorrelationsView
from tui.presenters.indices import IndicesView
from tui.presenters.sectors import SectorsView
from tui.presenters.shorts import ShortsView
from tui.presenters.table import Column, Row, SortMode
from tui.presenters.watchlist import WatchlistView

# What a pane's builder makes and its presenter reads.
PaneView = IndicesView | SectorsView | ShortsView | CorrelationsView | WatchlistView

ViewT_contra = TypeVar("ViewT_contra", contravariant=True)


class Presenter(Protocol[ViewT_contra]):
    """How one pane reads: plain text and tones, no textual."""

    @property
    def title(self) -> str:
        """The pane's title, as DESIGN.md writes it."""
        ...

    @property
    def columns(self) -> tuple[Column, ...]:
        """The table's columns, all of them (a narrow table hides some)."""
        ...

    @property
    def sorts(self) -> tuple[SortMode[Any], ...]:
        """The orders `s` cycles through, the default first."""
        ...

    def rows(self, view: ViewT_contra, sort: SortMode[Any] | None = None) -> list[Row]:
        """The table's rows in ``sort``'s order; without one, in the view's own order."""
        ...

    def as_of_text(self, view: ViewT_contra) -> str:
        """What the figures are as of, for the pane's subtitle: a time, or dates for lagged
        data."""
        ...

    def short_as_of_text(self, view: ViewT_contra) -> str:
        """The as-of text in fewer characters, for a subtitle too narrow for `as_of_text`."""
        ...

    def legend(self, view: ViewT_contra) -> str | None:
        """A line under the table that explains marks and dates, None for no such line."""
        ...

    def headline(self, view: ViewT_contra) -> str:
        """What `snapshot` prints after the title: the as-of, and what plain text must add
        without a help screen or a legend line."""
        ...


# The columns of the screens opened from the panes or by a code, for the help screen.
SCREEN_PRESENTERS: Mapping[str, tuple[Column, ...]] = {
    "Members": members.COLUMNS,
    "CORR": corr_matrix.MATRIX_COLUMNS,
}

PRESENTERS: Mapping[Pane, Presenter[Any]] = {
    Pane.INDICES: indices.PRESENTER,
    Pane.SECTORS: sectors.PRESENTER,
    Pane.SHORTS: shorts.PRESENTER,
    Pane.CORRELATIONS: correlations.PRESENTER,
    Pane.WATCHLIST: watchlist.PRESENTER,
}
