"""The first frame must not wait for heavy imports: the App, the dashboard and the panes load
without polars, httpx or plotext (the feed imports them in a worker thread afterwards), nor the
Markdown parser of the help screen (imported when help is first opened)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = (
    "polars",
    "httpx",
    "plotext",
    "textual_plotext",
    "numpy",
    "markdown_it",
    "importlib.metadata",  # the version is looked up only for --version
)


def test_the_app_and_the_dashboard_import_nothing_heavy() -> None:
    code = (
        "import sys, tui.cli, tui.app, tui.screens.dashboard, tui.presenters.registry\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == ""
