"""The vocabulary every layer shares: the panes, "no data", and the status bar's view models.

Each pane's own view models live with its presenter (`tui/presenters/<pane>.py`), the drill-down's
in `tui/presenters/ticker.py`. These are plain frozen dataclasses of Python values (no polars, no
textual) so that widgets can render them, messages can carry them between threads, and
`snapshot --json` can print them. ``None`` means "not available" and is shown as such, never as
zero.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from tui.kinds import FailureKind

if TYPE_CHECKING:  # transitional re-exports, see __getattr__ at the end
    from tui.presenters.registry import PaneView as PaneView
    from tui.presenters.ticker import ChartRange as ChartRange
    from tui.presenters.ticker import TickerView as TickerView


class Pane(StrEnum):
    """The panes the dashboard can show (its four places show four of them, `[layout]`); also
    the keys of `snapshot --json`."""

    INDICES = "indices"
    SECTORS = "sectors"
    SHORTS = "shorts"
    CORRELATIONS = "correlations"
    WATCHLIST = "watchlist"  # the user's watchlists: a pane if [layout] names it, and a screen


# What a row, a chart or a figure says when the source has nothing for it.
NO_DATA = "no data"


# "slow": requests have been waiting longer than half their deadline, nothing failed yet;
# "unavailable": a dataset the source never serves; "not_configured": an optional dataset the
# user has not set up. Neither of the last two is a failure.
HealthState = Literal[
    "ok", "slow", "retrying", "rate_limited", "offline", "unavailable", "not_configured"
]


@dataclasses.dataclass(frozen=True, slots=True)
class SourceHealth:
    """One source's state: ok, retrying in N s, rate-limited until hh:mm, offline."""

    name: str  # "demo", "yahoo", "finra", "sec", "files"
    state: HealthState
    until: dt.datetime | None = None  # next attempt (retrying) or end of the rate limit
    detail: str = ""  # the last error in plain words
    cause: FailureKind | None = None  # what kind of failure the last one was
    bad_rows: int = 0  # rows its latest answers held that could not be right, left out


@dataclasses.dataclass(frozen=True, slots=True)
class DatasetFreshness:
    """How old one dataset is, and how its last poll went, for the status bar and the panes."""

    name: str  # "quotes", "bars", "short interest", ...
    age_s: float | None  # seconds since it was last refreshed; None: never loaded, or unknown
    stale: bool  # older than twice its refresh cadence (or of unknown age)
    health: SourceHealth | None = None  # the last poll's outcome; None: not polled yet


@dataclasses.dataclass(frozen=True, slots=True)
class StreamView:
    """A price stream, as the status bar tells it: `stream live 12/s`, `yahoo stream ⚠ polling`."""

    provider: str  # "yahoo", "alpaca", "finnhub"
    active: bool  # it should be streaming now (the market is open and rows are on screen)
    live: bool  # prices are arriving; otherwise the quotes are polled
    ticks_per_s: float = 0.0
    detail: str = ""  # why it is not live, in plain words (never a key)
    relayed: bool = False  # a desk feed's stream, its ticks relayed to this remote monitor


@dataclasses.dataclass(frozen=True, slots=True)
class StatusView:
    """Everything the status bar shows."""

    source_label: str  # "DEMO", "LIVE", "FILES", "REPLAY 2026-02-05"
    is_demo: bool
    session: str  # a market session: "pre", "regular", "post", "closed"
    market_time: dt.datetime  # aware; shown in New York time (the demo market has its own clock)
    wall_time: dt.datetime  # aware; what SourceHealth.until and the dataset ages are measured on
    datasets: tuple[DatasetFreshness, ...]
    health: tuple[SourceHealth, ...]
    note: str | None = None  # e.g. "could not start the live source: …"
    # No price could be fetched since start: "cached" while the disk copy shows, else "empty".
    unreachable: Literal["cached", "empty"] | None = None
    # The figures are computed as of this session's close, not today (files that end earlier);
    # ``sessions_behind`` completed sessions have closed since (more than none: stale).
    data_through: dt.date | None = None
    sessions_behind: int = 0
    # Sources whose request budget holds requests back now: (source, requests waiting).
    budget_waiting: tuple[tuple[str, int], ...] = ()
    stream: StreamView | None = None  # the price stream, when one is configured


def to_jsonable(value: Any) -> Any:
    """A view model as JSON-ready Python values: dates as ISO strings, NaN as None."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, tuple | list):
        return [to_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    return value


# Transitional: tui/feed.py (being reworked in parallel) still imports the three names above from
# here. Delete this function and those imports when it imports them from tui.presenters (the
# issue 6 merge). Imported when asked for, not at the top: the presenters import this module.
def __getattr__(name: str) -> Any:
    if name in ("ChartRange", "TickerView"):
        from tui.presenters import ticker

        return getattr(ticker, name)
    if name == "PaneView":
        from tui.presenters import registry

        return registry.PaneView
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
