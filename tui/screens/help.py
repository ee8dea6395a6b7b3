"""Help: every key, and how every figure on the dashboard is computed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

# (binding id users can remap, default keys, where, what it does)
KEY_ROWS: tuple[tuple[str | None, str, str, str], ...] = (
    (None, "↑ ↓ / j k", "tables", "move the cursor"),
    (None, "g / G", "tables", "first / last row"),
    (None, "PgUp PgDn Home End", "tables", "page, top, bottom"),
    ("next_pane", "Tab", "dashboard", "next pane"),
    ("prev_pane", "Shift+Tab", "dashboard", "previous pane"),
    (None, "Enter", "tables", "drill into the ticker under the cursor (a basket: its members)"),
    ("sort", "s", "tables", "cycle the sort of the focused table"),
    ("alert", "a", "tables", "new alert on the row under the cursor"),
    ("alerts", "A", "anywhere", "ALRT: every alert rule, its state and the firings"),
    ("delete_alert", "x", "ALRT", "delete the alert under the cursor (Enter edits it)"),
    ("find", "/", "anywhere", "open a ticker by symbol"),
    ("refresh", "r", "dashboard, drill-down", "refresh now"),
    ("use_demo", "d", "dashboard", "switch to the embedded demo market"),
    (None, "1 – 5", "drill-down", "chart range 1D, 5D, 1M, 6M, 1Y"),
    ("range_prev", "[", "drill-down", "shorter chart range"),
    ("range_next", "]", "drill-down", "longer chart range"),
    ("back", "Esc", "drill-down, help", "back"),
    ("help", "?", "anywhere", "this help"),
    (None, "Ctrl+P", "anywhere", "command palette: tickers and commands"),
    ("quit", "q", "anywhere", "quit"),
)


def keys_markdown(keymap: Mapping[str, str]) -> str:
    """The key table, showing the user's own keys where the config remaps them."""
    lines = ["## Keys", "", "| Key | Where | What it does |", "|---|---|---|"]
    for binding_id, default, where, what in KEY_ROWS:
        keys = keymap.get(binding_id, default) if binding_id else default
        lines.append(f"| `{keys}` | {where} | {what} |")
    lines += [
        "",
        "Keys can be changed in the config file's `[keys]` table "
        "(`tapewatch config path` shows where it is).",
        "",
    ]
    return "\n".join(lines)


FIGURES = """\
## How each figure is computed

**Indices.** *chg* and *chg %*: last price against the previous session's close, taken from the
daily bars. *5 d %*: against the close five sessions before today. *YTD %*: against the last close
of the previous year. Yields (10-year and other Treasury yields) move in basis points, 1 bp = 0.01
percentage point: *chg* in yield points, then the change, 5-day and YTD moves in bp. The sparkline
is today's intraday path; without intraday bars (an old replay, your own files) the cell says
"no intraday" and the other figures stand. Baskets are equal-weighted and rebalanced daily (the
basket's return is the mean of its members' returns), at 100 on the last close of the previous
year, so a basket's level is also its year-to-date index and the same in every view; *vs bmk* is
the basket's 5-day % minus its benchmark's.

**Sector flows.** The 11 GICS sectors through their SPDR ETFs. *RS*: the sector's change % minus
the S&P 500's. *Flow* is an **estimate**, not fund-flow data: signed dollar volume, the money-flow
multiplier ((close − low) − (high − close)) / (high − low) × volume × typical price
(high + low + close) / 3 — positive when the ETF closes near its high on volume. *Flow 5 d* sums the
last five sessions, today included. *Rel vol*: today's volume so far over the volume usually
traded by the same time of day — the mean of the previous 20 sessions' intraday bars up to that
time (as many of them as the source keeps: the demo keeps 10); after the close, whole days against
the 20-session mean. Without earlier intraday bars it is estimated from the mean daily volume and
a typical U-shaped intraday volume profile, and marked ≈. The *flow today* bar is drawn to one
scale: the largest flow a sector usually has by this time of day (its mean absolute daily flow
times the share of a day's volume usually traded by now) fills a half, so early in the day a bar
is as short as the flow so far. Ranked by today's flow.

**Most shorted.** *SI %*: short interest (FINRA, settled twice a month, published about a week
later) as a percentage of the float, or of shares outstanding where the float is unknown (marked).
*Chg*: against the prior settlement. *DTC* (days to cover): short interest over average daily
volume. *SV ratio*: short-sale volume over total volume in FINRA's daily Reg SHO file (posted
after 6 pm New York); *SV z*: that ratio's z-score against the 20 trading days before it. Every
figure published with a lag shows its as-of date.

**Correlations.** Daily log returns, rolling Pearson correlation over a window of trading days
(60 by default). A basket's line is the average pairwise correlation of its members; a member's
line is its correlation to its peers — the mean of its rolling correlations with each other
member. The sparkline spans the last year; *now* against *1 y ago*.

**Freshness.** Each pane shows the as-of time of its data; the status bar shows each dataset's age
and marks it stale when it is older than twice its refresh cadence, and each source's health.
"""


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
            yield Markdown(keys_markdown(self.keymap) + "\n" + FIGURES, id="help-text")

    def on_mount(self) -> None:
        self.query_one("#help-body").border_title = "tapewatch help — Esc to close"
        self.query_one("#help-body").focus()
