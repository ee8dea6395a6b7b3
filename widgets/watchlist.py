"""The Watchlist pane: one of the user's watchlists as tui/presenters/watchlist.py shows it, its
name in the title. Number keys switch lists (the watchlist screen adds Tab); `-` removes the
ticker under the cursor; Enter opens it."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message

from tui.presenters.table import Row
from tui.presenters.watchlist import EMPTY_LIST, PRESENTER, WatchlistView
from widgets.messages import TickerSelected, WatchlistRemove, WatchlistShown
from widgets.pane import DataPane

LIST_KEYS = 9  # 1 to 9 pick a list


class WatchlistPane(DataPane[WatchlistView]):
    """A watchlist: per ticker last, changes, volume, 52-week range, short figures, today."""

    presenter = PRESENTER
    HAS_LEGEND = True
    TICK_COLUMN = "last"  # a streamed price marks this cell ▴ or ▾

    BINDINGS: ClassVar[list[BindingType]] = [
        # Not in the footer, cut at 80 columns: the watchlist screen's title says it.
        Binding("minus", "remove", "Remove", id="watch_remove", show=False),
        *(
            Binding(str(number), f"show_list({number - 1})", f"List {number}", show=False)
            for number in range(1, LIST_KEYS + 1)
        ),
    ]

    def __init__(
        self,
        *,
        list_name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.list_name = list_name  # the list shown (None: the first, once the view says)
        self._title = PRESENTER.title
        self._announced: str | None = None  # the list last said to be shown

    @property
    def list_names(self) -> list[str]:
        """The lists there are, in the config's order."""
        return [] if self.view is None else [rows.name for rows in self.view.lists]

    def show_list(self, name: str) -> None:
        """Show the list called ``name`` (an unknown name changes nothing once lists are
        known)."""
        if self.view is not None and name not in self.list_names:
            return
        self.list_name = name
        self._refresh_rows()
        self._update_title()
        self.table.move_cursor(0)

    def action_show_list(self, index: int) -> None:
        """Show the list at ``index`` (0 for the first), if there is one."""
        names = self.list_names
        if 0 <= index < len(names):
            self.show_list(names[index])

    def action_next_list(self, step: int) -> None:
        """Show the next list (``step`` 1) or the previous one (-1), round the end."""
        names = self.list_names
        if not names:
            return
        current = names.index(self.list_name) if self.list_name in names else 0
        self.show_list(names[(current + step) % len(names)])

    def action_remove(self) -> None:
        """Remove the ticker under the cursor from the list shown."""
        symbol = self.table.cursor_key
        if symbol is not None and self.list_name is not None:
            self.post_message(WatchlistRemove(self.list_name, symbol))

    def _rows(self, view: WatchlistView) -> list[Row]:
        names = [rows.name for rows in view.lists]
        if self.list_name not in names:
            self.list_name = names[0] if names else None
        self._update_title()
        if self.list_name is None:
            return []
        return self._with_marks(PRESENTER.rows(view, self.sort, list_name=self.list_name))

    def _refresh_rows(self) -> None:
        super()._refresh_rows()
        if self.view is not None and not self.table.rows:
            self.table.placeholder = EMPTY_LIST

    def _update_title(self) -> None:
        names = self.list_names
        name = self.list_name
        title = PRESENTER.title
        if name is not None and name.casefold() != title.casefold():
            title = f"{title} · {name}"
        if name is not None and len(names) > 1 and name in names:
            title += f" ({names.index(name) + 1}/{len(names)})"
        if title != self._title:
            self._title = title
            self.border_title = Text(title)  # Text: a list's name is not markup
        if name is not None and name != self._announced:
            self._announced = name
            self.post_message(WatchlistShown(name))  # where `+` adds now

    def _activation(self, key: str) -> Message:
        return TickerSelected(key)
