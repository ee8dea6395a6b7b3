"""What the scheduler reports, through one callback: small immutable objects. No polars, no
textual — the dashboard matches on them before the first frame, and a headless process can log or
publish them the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.jobs import JobName
from tui.models import Pane, StatusView
from tui.presenters.registry import PaneView

if TYPE_CHECKING:
    from tui.presenters.ticks import PriceMove
    from tui.sources.base import Failed


@dataclass(frozen=True, slots=True)
class JobResult:
    """What one poll did: ``changed`` is True when new data replaced the old."""

    job: JobName
    changed: bool
    failure: Failed | None = None
    retry_in_s: float | None = None  # when the job runs again after a failure
    asked: bool = True  # False: it had nothing to ask yet (it waits for its symbols)


@dataclass(frozen=True, slots=True)
class JobFinished:
    """A poll is over."""

    result: JobResult


@dataclass(frozen=True, slots=True)
class PaneBuilt:
    """A pane's view was rebuilt from newer data."""

    pane: Pane
    view: PaneView


@dataclass(frozen=True, slots=True)
class PaneFailed:
    """A pane's builder raised; the pane keeps what it showed (the traceback is in the log)."""

    pane: Pane
    message: str


@dataclass(frozen=True, slots=True)
class StatusChanged:
    """What the status bar should say now."""

    status: StatusView


@dataclass(frozen=True, slots=True)
class PricesTicked:
    """Streamed prices moved (a few times a second at most): the rows showing these symbols
    update their price cells; the panes are rebuilt whole later, when the moves are folded into
    the quotes."""

    moves: tuple[PriceMove, ...]


Report = JobFinished | PaneBuilt | PaneFailed | StatusChanged | PricesTicked
Reporter = Callable[[Report], None]
