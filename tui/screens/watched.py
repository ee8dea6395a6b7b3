"""`WatchedScreen`: a screen whose workers never die silently.

Workers run with ``exit_on_error=False`` so that one failure does not end the app; without a
handler such a worker would end in ERROR with nobody told. Every screen that runs workers derives
from this one: a worker that raises is logged with its traceback and the user is told in a
notification.
"""

from __future__ import annotations

import logging
from typing import TypeVar

from textual import on
from textual.screen import Screen
from textual.worker import Worker, WorkerState

log = logging.getLogger("tapewatch.screens")

ResultT = TypeVar("ResultT")


class WatchedScreen(Screen[ResultT]):
    """A Screen that logs and notifies every one of its workers that ends in ERROR."""

    @on(Worker.StateChanged)
    def _report_failed_worker(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        worker = event.worker
        error = worker.error
        what = worker.name or worker.description or "a background task"
        log.error("worker %s failed", what, exc_info=error)
        self.notify(
            f"Internal error in {what}: {error} (details in the log)",
            severity="error",
            timeout=10,
            markup=False,
        )
