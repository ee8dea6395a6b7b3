"""Help: every key, and what every column of every pane shows and how it is computed.

The columns are explained from their definitions (`Column.help` in tui/presenters/<pane>.py), the
ones the tables and `tapewatch snapshot` are headed with, so help names each column as the
screen does, its narrow header included. Lists, not tables: they wrap in a 40-column pane where a
table's cells would be cut.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from tui.codes import CODES
from tui.models import Pane
from tui.presenters.registry import PRESENTERS, SCREEN_PRESENTERS, Presenter
from tui.presenters.table import Column

# (binding id users can remap, default keys, where, what it does)
KEY_ROWS: tuple[tuple[str | None, str, str, str], ...] = (
    (None, "↑ ↓ / j k", "tables", "move the cursor"),
    (None, "g / G", "tables", "first / last row"),
    (None, "PgUp PgDn Home End", "tables", "page, top, bottom"),
    ("next_pane", "Tab", "dashboard", "next pane"),
    ("prev_pane", "Shift+Tab", "dashboard", "previous pane"),
    ("zoom", "z", "dashboard", "the focused pane on the whole screen, every column (z, Esc: back)"),
    (
        None,
        "Enter",
        "tables",
        "drill into the ticker under the cursor (a basket: its members; the members' Σ row: CORR)",
    ),
    ("sort", "s", "tables", "sort the focused table by its next column (▼ largest first)"),
    ("reverse_sort", "S", "tables", "reverse the sort of the focused table (▲ ▼)"),
    ("alert", "a", "tables", "new alert on the row under the cursor"),
    ("alerts", "A", "anywhere", "ALRT: every alert rule, its state and the firings"),
    ("delete_alert", "x", "ALRT", "delete the alert under the cursor (Enter edits it)"),
    (
        "find",
        "/",
        "anywhere",
        "open a ticker by symbol (BRK.B or BRK-B) or company name, or type a code (below)",
    ),
    (
        "watch_add",
        "+",
        "tables, drill-down",
        "add a ticker to the watchlist shown last: the one under the cursor, or type another",
    ),
    ("watch_remove", "-", "watchlist", "remove the ticker under the cursor from the list"),
    ("next_list", "Tab", "watchlist screen", "next watchlist"),
    ("prev_list", "Shift+Tab", "watchlist screen", "previous watchlist"),
    (None, "1 – 9", "watchlist", "watchlist 1 to 9"),
    (None, "← → ↑ ↓ / h j k l", "CORR", "move between the cells; Enter: that pair's charts"),
    ("toggle_change", "c", "CORR", "the matrix now, or its change against a year ago"),
    ("refresh", "r", "dashboard, drill-down", "refresh now"),
    ("use_demo", "d", "dashboard", "switch to the embedded demo market"),
    (None, "1 – 5", "drill-down", "chart range 1D, 5D, 1M, 6M, 1Y"),
    ("range_prev", "[", "drill-down", "shorter chart range"),
    ("range_next", "]", "drill-down", "longer chart range"),
    ("back", "Esc", "screens, help", "back"),
    ("replay_pause", "p", "replay", "pause or resume the replay"),
    ("replay_step", "n", "replay", "paused: play the next frame"),
    ("replay_faster", ">", "replay", "play faster (up to 600 ×)"),
    ("replay_slower", "<", "replay", "play slower"),
    ("help", "?", "anywhere", "this help"),
    (None, "Ctrl+P", "anywhere", "command palette: tickers and commands"),
    ("quit", "q", "anywhere", "quit"),
)


def keys_markdown(keymap: Mapping[str, str]) -> str:
    """The keys, showing the user's own keys where the config remaps them."""
    lines = ["## Keys", ""]
    for binding_id, default, where, what in KEY_ROWS:
        keys = keymap.get(binding_id, default) if binding_id else default
        lines.append(f"- `{keys}` — {what} *({where})*")
    lines += [
        "",
        "Keys can be changed in the config file's `[keys]` table "
        "(`tapewatch config path` shows where it is).",
        "",
    ]
    return "\n".join(lines)


# How each pane's figures are computed, beyond what its columns say.
PANE_NOTES: Mapping[Pane, str] = {
    Pane.INDICES: (
        "Changes are measured against the previous session's close, taken from the daily bars. "
        "Yields (the 10-year and other Treasury yields) move in basis points, 1 bp = 0.01 "
        "percentage point: *Chg* in yield points, then *Chg %*, *5d %* and *YTD %* in bp. "
        "Baskets are equal-weighted and rebalanced daily (the basket's return is the mean of "
        "its members' returns), at 100 on the last close of the previous year, so a basket's "
        "level is also its year-to-date index and the same in every view. While prices "
        "stream, a price that just moved is marked ▴ or ▾ for a moment; in pre and post "
        "market *Ext* gives the extended-hours price and its move from the regular close, "
        "apart from the regular session's figures."
    ),
    Pane.SECTORS: (
        "The 11 GICS sectors through their SPDR ETFs, ranked by today's flow estimate. Two kinds "
        "of flow, never mixed. **est today** is an *estimate* from the ETF's trading, not "
        "fund-flow data: signed dollar volume, the money-flow multiplier "
        "((close − low) − (high − close)) / (high − low) × volume × typical price "
        "(high + low + close) / 3 — positive when the ETF closes near its high on volume. "
        "**flow 1d / 5d / 20d** are the funds' *real* creations and redemptions, from State "
        "Street's daily NAV history of each SPDR (Date, NAV, Shares Outstanding, Total Net "
        "Assets): the change in shares outstanding × that day's NAV. A day's NAV is posted in "
        "the evening, so flow 1d is the previous session's until then; its date is in the "
        "subtitle. Short pressure and breadth are the sector's members (the fund's holdings, "
        "from State Street's holdings files, refreshed weekly): SV % and SV z from FINRA's daily "
        "short-sale volume, SI chg from its latest short-interest settlement, Up % and >50d from "
        "the members' latest prices."
    ),
    Pane.SHORTS: (
        "Short interest is FINRA's, settled twice a month and published about a week later; "
        "short-sale volume comes from FINRA's daily Reg SHO file, posted after 6 pm New York. "
        "The line under the table gives the dates of both."
    ),
    Pane.CORRELATIONS: (
        "Daily log returns, rolling Pearson correlation over a window of trading days (60 by "
        "default). A basket's line is the average pairwise correlation of its members; a "
        "member's line is its correlation to its peers — the mean of its rolling correlations "
        "with each other member."
    ),
    Pane.WATCHLIST: (
        "Your watchlists (`[[watchlists]]` in the config, `/W` or `/W name`): `+` adds the "
        "ticker under the cursor of any table (or one you type) to the list shown last, `-` "
        "removes one; number keys and, on the watchlist screen, Tab switch lists. Edits are "
        "saved in the user data folder and survive a restart; the config file is never "
        "rewritten (a config list shows its symbols less those removed in the app, then those "
        "added). Each list's tickers are polled with the dashboard's own. `[layout] panes` can "
        "put a Watchlist pane on the dashboard."
    ),
}

# The screens opened from the panes or by a code, beyond what their columns say.
SCREEN_NOTES: Mapping[str, str] = {
    "Members": (
        "Enter on a basket (Indices or Correlations) lists its members: the view that shows "
        "which member carries the basket's move and which broke away. The basket is rebalanced "
        "daily to its weights (equal unless the config's `weights` says), so today a member "
        "contributes its weight times its change, and over 5 sessions each day's weight times "
        "return scaled by the basket's growth before that day: the contributions add up to the "
        "basket's move exactly, as the Σ row shows."
    ),
    "CORR": (
        "`/CORR basket`: every pairwise correlation of the basket's members over the rolling "
        "window ending on its last session (the Correlations pane's window), each cell a "
        "number and a shade so it reads without colour. `c` shows instead the change against "
        "the window a year earlier. Enter on a cell: that pair's rolling correlation over the "
        "year, on an axis with its zero line, and both prices at 100 on one chart."
    ),
}

FRESHNESS = """\
## Freshness

Each pane shows the as-of time of its data; the status bar shows each dataset's age and marks it
stale when it is older than twice its refresh cadence, and each source's health: ok, ⚠ slow
(requests waiting long), retrying, rate-limited, offline. A dataset the source does not serve
says unavailable, an optional one you have not set up not configured: neither is a failure. A
pane with no data says why, and when its source is tried again. Times are New York times.
While the market is open prices stream: the status bar says `stream live 12/s`, or
`yahoo stream ⚠ polling` when the stream is down and the quotes are polled instead.
"""


def column_entry(column: Column) -> str:
    """A column's glossary line: its header(s), in bold as the table writes them, and its help."""
    names = f"**{column.header}**"
    if len(column.headers) > 1:
        names += f" (narrow: **{column.short_header}**)"
    return f"- {names} — {column.help}"


def pane_markdown(pane: Pane, presenter: Presenter[Any]) -> str:
    """A pane's section: how its figures are computed, then each column."""
    lines = [f"### {presenter.title}", "", PANE_NOTES[pane], ""]
    lines += [column_entry(column) for column in presenter.columns]
    return "\n".join([*lines, ""])


def screen_markdown(title: str, columns: Sequence[Column]) -> str:
    """A screen's section: how its figures are computed, then each column."""
    lines = [f"### {title}", "", SCREEN_NOTES[title], ""]
    lines += [column_entry(column) for column in columns]
    return "\n".join([*lines, ""])


def figures_markdown() -> str:
    """Every pane's and screen's columns, as their definitions give them."""
    sections = [pane_markdown(pane, presenter) for pane, presenter in PRESENTERS.items()]
    screens = [screen_markdown(title, columns) for title, columns in SCREEN_PRESENTERS.items()]
    return "\n".join(["## The panes", "", *sections, "## The screens", "", *screens, FRESHNESS])


def codes_markdown() -> str:
    """The codes `/` and the palette take."""
    lines = ["## Codes", "", "Type them after `/` or in the command palette (any case):", ""]
    for spec in CODES:
        code = f"{spec.code} {spec.argument}".strip()
        lines.append(f"- `{code}` — {spec.what}")
    lines += [
        "",
        "A code wins over a ticker of the same letters (`W DES` opens the ticker W). A basket "
        "or list may be named by the start of its name: `CORR mag`.",
        "",
    ]
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    """Every key, and the definition of every figure."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss", "Back", id="back"),
        Binding("question_mark", "dismiss", "Close help", show=False),
    ]

    def __init__(self, keymap: Mapping[str, str]) -> None:
        super().__init__()
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Markdown(
                "\n".join([keys_markdown(self.keymap), codes_markdown(), figures_markdown()]),
                id="help-text",
            )

    def on_mount(self) -> None:
        self.query_one("#help-body").border_title = "tapewatch help — Esc to close"
        self.query_one("#help-body").focus()
