"""A bare Textual app shaped like tapewatch's dashboard at its first frame: the floor that
benchmarks/startup.py times tapewatch against.

It has the dashboard's 27 widgets (not counting the screen), made of stock widgets only: a
container of four bordered panes with the dashboard's titles in two columns, each holding a
"loading…" line where the dashboard has its LiveTable and a hidden notice line (Indices, Sector
flows and Most shorted also have a legend line), the hidden "too small" notice, a one-line
status bar with the DEMO label, and a Footer showing the same seven keys. Like tapewatch, the App
pushes the screen from `on_mount`. It imports nothing but textual, fetches nothing and starts no
workers.

    uv run python benchmarks/bare_app.py      (q quits)
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

PANE_TITLES = ("Indices", "Sector flows", "Most shorted", "Correlations")
STATUS_TEXT = " DEMO  REGULAR 09:45 ET │ loading market data…"


class BareScreen(Screen[None]):
    """The dashboard's widget tree, without its data, feed or custom widgets."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "sort", "Sort"),
        Binding("r", "reload", "Refresh"),
    ]

    DEFAULT_CSS = """
    #panes { height: 1fr; layout: grid; grid-size: 2 2; }
    .pane { border: round $border-blurred; border-title-style: bold; height: 1fr; }
    .table { background: $surface; color: $text-muted; }
    .legend { dock: bottom; color: $text-muted; }
    .notice { display: none; }
    #too-small { display: none; }
    #status { height: 1; background: $panel; }
    """

    def compose(self) -> ComposeResult:
        with Container(id="panes"):
            for title, pane_id in zip(
                PANE_TITLES, ("indices", "sectors", "shorts", "corr"), strict=True
            ):
                with Vertical(classes="pane", id=pane_id) as pane:
                    pane.border_title = title
                    yield Static("loading…", classes="table")
                    yield Static("", classes="notice")
                    if pane_id != "corr":
                        yield Static("", classes="legend")
        yield Static("Terminal too small.", id="too-small")
        yield Static(STATUS_TEXT, id="status")
        yield Footer()

    # The stand-in keys do nothing: they are there so that the footer shows the same keys. The
    # footer shows one key per action, so each needs its own.

    def action_sort(self) -> None:
        """Nothing to sort."""

    def action_reload(self) -> None:
        """Nothing to refresh."""


class BareApp(App[None]):
    """Pushes `BareScreen` on mount, as TapewatchApp pushes the dashboard."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
        Binding("slash", "find", "Find ticker"),
        # Stand-ins for the dashboard's S and z keys, after Quit: the idle benchmark finds
        # "Quit" in a 40-column footer.
        Binding("S", "reverse", "Reverse"),
        Binding("z", "zoom", "Zoom"),
    ]

    def action_help(self) -> None:
        """No help screen."""

    def action_find(self) -> None:
        """No ticker prompt."""

    def action_reverse(self) -> None:
        """Nothing to sort."""

    def action_zoom(self) -> None:
        """Nothing to zoom."""

    def on_mount(self) -> None:
        self.push_screen(BareScreen())


if __name__ == "__main__":
    BareApp().run()
