"""How the status reads: each source's health, each dataset's age and state, where the figures
stand against the market calendar, the note when no source can be reached, and why a pane has no
data. Plain Python, no textual: the status bar (widgets/status.py), the dashboard's panes and the
drill-down share these words; the scheduler only says what happened (tui.models.StatusView).

Times a trader reads are New York times ("retrying 12:31 ET"). Problems carry a "⚠" mark or a
plain word, so they read without colour.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from tui.clock import NEW_YORK
from tui.health import SEVERITY, Condition, is_problem, worst
from tui.kinds import FailureKind
from tui.models import DatasetFreshness, SourceHealth, StatusView, StreamView
from tui.presenters import format as fmt

WARNING_MARK = "⚠"
BUDGET_MARK = "⏳"

# What to press for the embedded demo market, offered while live sources fail.
DEMO_HINT = "d: demo market"
UNREACHABLE_CACHED = "sources unreachable: showing cached data"
UNREACHABLE_EMPTY = "sources unreachable: no data yet"

# A dataset's states that are no failure: the source does not serve it, or it is not set up.
NOT_SERVED: frozenset[str] = frozenset({"unavailable", "not_configured"})


def _hours_minutes(moment: dt.datetime) -> str:
    return f"{moment.astimezone(NEW_YORK):%H:%M}"


def health_text(health: SourceHealth, now: dt.datetime) -> str:
    """A source's state in plain words: "yahoo ok", "yahoo ⚠ slow", "yahoo retrying in 12s",
    "yahoo rate-limited until 10:45", "finra offline", "sec not configured"; rows it sent that
    could not be right, left out, are counted: "yahoo ⚠ 12 bad rows"."""
    text = _state_text(health, now)
    if health.bad_rows:
        rows = "row" if health.bad_rows == 1 else "rows"
        bad = f"{WARNING_MARK} {health.bad_rows} bad {rows}"
        text = f"{health.name} {bad}" if health.state == "ok" else f"{text} {bad}"
    return text


def _state_text(health: SourceHealth, now: dt.datetime) -> str:
    match health.state:
        case "retrying" if health.until is not None:
            return f"{health.name} retrying in {fmt.age((health.until - now).total_seconds())}"
        case "rate_limited" if health.until is not None:
            return f"{health.name} rate-limited until {_hours_minutes(health.until)}"
        case "rate_limited":
            return f"{health.name} rate-limited"
        case "slow":
            return f"{health.name} {WARNING_MARK} slow"
        case _:
            return f"{health.name} {health.state.replace('_', ' ')}"


def budget_text(name: str, waiting: int, *, compact: bool = False) -> str:
    """Requests a source's request budget holds back: "⏳ yahoo budget: 3 requests waiting"
    (``compact``: "⏳3"). Not a problem: what is on screen goes first."""
    if compact:
        return f"{BUDGET_MARK}{waiting}"
    requests = "1 request" if waiting == 1 else f"{waiting} requests"
    return f"{BUDGET_MARK} {name} budget: {requests} waiting"


def stream_text(stream: StreamView | None) -> str | None:
    """The price stream: "stream live 12/s" while prices arrive, "yahoo stream ⚠ polling" while
    it should stream and does not (the quotes are polled then); None when it is not meant to run
    (the market is closed, nothing is on screen, none is configured). A remote monitor polls
    nothing: while the desk feed's ticks do not come it says why, "feed's yahoo stream ⚠ down"
    (the feed polls the quotes meanwhile) or "⚠ no ticks" (the feed says it streams)."""
    if stream is None or not stream.active:
        return None
    if stream.live:
        return f"stream live {stream.ticks_per_s:.0f}/s"
    if stream.relayed:
        return f"feed's {stream.provider} stream {WARNING_MARK} {stream.detail}"
    return f"{stream.provider} stream {WARNING_MARK} polling"


def freshness_text(dataset: DatasetFreshness) -> str:
    """A dataset's age, marked when stale: "quotes 12s", "SI 4d ⚠"; a dataset the source does
    not serve, or that is not set up, says so: "SI not configured", "SV unavailable"."""
    health = dataset.health
    if health is not None and _not_served(dataset):
        return f"{dataset.name} {health.state.replace('_', ' ')}"
    text = f"{dataset.name} {fmt.age(dataset.age_s)}"
    return f"{text} {WARNING_MARK}" if dataset.stale else text


def worth_telling(dataset: DatasetFreshness) -> bool:
    """Whether a dataset's age earns its room where not every age fits: it is stale, or its
    source does not serve it."""
    return dataset.stale or _not_served(dataset)


def _not_served(dataset: DatasetFreshness) -> bool:
    """Never loaded, because its source does not serve it or it is not set up."""
    health = dataset.health
    return _never_loaded(dataset) and health is not None and health.state in NOT_SERVED


def head_text(view: StatusView, *, compact: bool = False) -> str:
    """The session and the market clock ("REGULAR 10:32 ET"), or, for data whose clock stops at
    its last session, as of when the figures are and how far behind the calendar that is
    ("as of Fri Jan 30 close ⚠ 8 sessions old"; ``compact``: "as of Jan 30", the problem
    indicator says the rest)."""
    through = view.data_through
    if through is None:
        return f"{view.session.upper()} {fmt.clock(view.market_time)}"
    if compact:
        return f"as of {through:%b} {through.day}"
    text = f"as of {through:%a %b} {through.day} close"
    behind = view.sessions_behind
    if behind:
        text += f" {WARNING_MARK} {behind} session{'s' if behind > 1 else ''} old"
    return text


def note_text(view: StatusView) -> str | None:
    """What to tell the user besides the figures: the screen's own note, or that no source
    could be reached (and, off the demo, the key for the demo market)."""
    if view.note:
        return view.note
    match view.unreachable:
        case "cached":
            text = UNREACHABLE_CACHED
        case "empty":
            text = UNREACHABLE_EMPTY
        case _:
            return None
    return text if view.is_demo else f"{text} · {DEMO_HINT}"


def worst_problem(view: StatusView) -> str | None:
    """The most serious problem in ``view`` as one word ("offline", "stale", ...), or None;
    ranked by the one severity order source health is ranked by (tui.health)."""
    problems: list[Condition] = [h.state for h in view.health if is_problem(h.state)]
    if view.sessions_behind or any(dataset.stale for dataset in view.datasets):
        problems.append("stale")
    if any(health.bad_rows for health in view.health):
        problems.append("bad_rows")
    problem = worst(problems)
    if problem is None:
        return None
    return "bad rows" if problem == "bad_rows" else problem.replace("_", "-")


# A first failure, by its kind (a second one in a row of the first two is "offline").
_RETRYING_WORDS: dict[FailureKind, str] = {
    FailureKind.OFFLINE: "unreachable",
    FailureKind.TIMEOUT: "not answering",
}


def _never_loaded(dataset: DatasetFreshness) -> bool:
    """No frame of the dataset is kept (one of unknown age is kept, and stale)."""
    return dataset.age_s is None and not dataset.stale


def _failure_text(health: SourceHealth) -> str:
    """Why a dataset could not be fetched, in a pane's words: "yahoo unreachable, retrying
    12:31 ET", "finra rate-limited until 12:40 ET", or the source's own reason for a dataset
    it does not serve."""
    until = f" {fmt.clock(health.until)}" if health.until is not None else ""
    match health.state:
        case "offline":
            return f"{health.name} unreachable" + (f", retrying{until}" if until else "")
        case "rate_limited":
            return f"{health.name} rate-limited" + (f" until{until}" if until else "")
        case "retrying":
            what = _RETRYING_WORDS.get(health.cause, "failed") if health.cause else "failed"
            return f"{health.name} {what}" + (f", retrying{until}" if until else "")
        case _:
            return health.detail or f"{health.name} {health.state.replace('_', ' ')}"


def no_data_text(datasets: Iterable[DatasetFreshness], *, is_demo: bool) -> str | None:
    """Why a pane fed by ``datasets`` has nothing to show, once one of them has failed: "no data
    — yahoo unreachable, retrying 12:31 ET · d: demo market". None while nothing has failed
    (the pane is still loading). The worst failure speaks for the pane."""
    failed = [
        dataset.health
        for dataset in datasets
        if _never_loaded(dataset) and dataset.health is not None and dataset.health.state != "ok"
    ]
    if not failed:
        return None
    # The worst failure; with none, the first dataset the source does not serve or that is
    # not set up (a pane's datasets come in the job table's order: short interest before
    # short volume and share counts).
    problems = [health for health in failed if is_problem(health.state)]
    if problems:
        health = min(problems, key=lambda health: SEVERITY.index(health.state))
    else:
        health = failed[0]
    text = f"no data — {_failure_text(health)}"
    if is_problem(health.state) and not is_demo:
        text += f" · {DEMO_HINT}"
    return text


def build_failure_text(message: str) -> str:
    """What a pane whose figures could not be computed says: "could not compute: …"."""
    return f"could not compute: {message}"
