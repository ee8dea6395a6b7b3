"""One set of tone colours: a rise in a table, a rise in the drill-down's key numbers and a
healthy source in the status bar take the same theme colour, and so do their falls, failures and
muted text."""

from __future__ import annotations

import dataclasses

from rich.color import Color as RichColor
from rich.text import Text
from textual.app import App, ComposeResult
from textual.color import Color
from textual.containers import Vertical

from tests.tui.test_widgets_charts import VIEW as TICKER
from tests.tui.test_widgets_status import HEALTHY
from tui.models import SourceHealth
from tui.presenters.table import Cell, Column, Row
from widgets.status import StatusBar
from widgets.table import LiveTable
from widgets.ticker_figures import KeyNumbers

STATUS = dataclasses.replace(
    HEALTHY, health=(SourceHealth("yahoo", "ok"), SourceHealth("finra", "offline"))
)


class TonesApp(App[None]):
    def compose(self) -> ComposeResult:
        with Vertical():
            yield LiveTable((Column("up", "Up"), Column("down", "Down")))
            yield KeyNumbers()
            yield StatusBar()

    def on_mount(self) -> None:
        toned = Row("B", (Cell("+1.00%", "up"), Cell("−1.00%", "down")))
        self.query_one(LiveTable).set_rows([Row("A", ("cursor", "row")), toned])
        self.query_one(KeyNumbers).view = dataclasses.replace(TICKER, change=1.5, change_pct=0.4)
        self.query_one(StatusBar).show(STATUS)


def colour_of(text: Text, part: str) -> RichColor | None:
    """The colour of the span that covers ``part`` of ``text``."""
    start = text.plain.index(part)
    for span in text.spans:
        style = span.style
        if span.start <= start < span.end and not isinstance(style, str) and style.color:
            return style.color
    return None


async def test_every_widget_colours_a_tone_with_the_same_theme_colour() -> None:
    app = TonesApp()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        success = Color.parse(app.theme_variables["text-success"]).rich_color
        error = Color.parse(app.theme_variables["text-error"]).rich_color
        row = app.query_one(LiveTable).render_line(2)  # under the cursor row, whose colours win
        styles = {segment.text.strip(): segment.style for segment in row if segment.text.strip()}
        assert styles["+1.00%"] is not None and styles["+1.00%"].color == success
        assert styles["−1.00%"] is not None and styles["−1.00%"].color == error

        figures = app.query_one(KeyNumbers).figures(app.query_one(KeyNumbers).view or TICKER)
        assert colour_of(figures, "+1.50") == success

        status = app.query_one(StatusBar).full_text(STATUS)
        assert colour_of(status, "yahoo ok") == success
        assert colour_of(status, "finra offline") == error
