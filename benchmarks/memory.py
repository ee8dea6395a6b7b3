"""Resident memory of the running dashboard: the demo, and a synthetic 500-symbol x 1-year market.

    uv run python benchmarks/memory.py [--runs 3] [--symbols 500] [--settle 20] [--json PATH]

1. demo: `tapewatch --demo` in a 120 x 40 pty (fresh HOME, `env -i`-style environment). Once every
   visible pane has data and ``--settle`` more seconds have passed (a quotes poll included):
   VmRSS and VmHWM (its peak) from /proc/<pid>/status, with RssAnon (heap: Python objects, polars
   buffers) and RssFile (mapped files: the interpreter's and polars' libraries, which other
   processes may share but RSS counts).
2. synthetic: the real TapewatchApp in the same kind of pty, with a source that answers every
   request with the frames of benchmarks/analytics_refresh.py's `synthetic_market` (500 symbols:
   a year of daily bars, today's 5-minute bars, quotes, two short-interest settlements, 21 days
   of short volume, shares). The frames go through the feed (merge, store) and the four pane
   builders into the widgets, so the process holds what a 500-symbol market costs. They are made
   with numpy in this process and handed over as Arrow IPC files (benchmarks/frame_source.py),
   so the app's process never imports numpy.
3. stages: the synthetic path without the interface, in a child process, reading VmRSS after each
   step (interpreter, polars, the feed and analytics modules, the frames loaded, the feed
   refreshed and every view built, textual and the app's modules imported): what the memory is
   made of.

Budget (DESIGN.md): RSS <= 150 MB with 500 symbols x 1 year loaded. Figures are MiB (2^20
bytes), as /proc reports them; 150 MB is 143 MiB, and the verdict uses that.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from launch import (
    BENCHMARKS,
    PYTHON,
    Marker,
    PtyProcess,
    clean_env,
    fresh_home,
    mapped_mib,
    median,
    memory_mib,
    p95,
    tapewatch_demo,
)

DATA = [
    Marker("S&P 500 + price", re.compile(r"S&P 500 +\d[\d,]*\.\d\d")),
    Marker("XLK row", re.compile(r"XLK .*?\d\.\d\d%")),
    Marker("Most shorted row", re.compile(r"\d\.\dσ")),
]
BUDGET_MIB = 150e6 / 2**20
COLUMNS, LINES = 120, 40
MEMORY_FIELDS = ("VmRSS", "VmHWM", "RssAnon", "RssFile")


def measure_app(argv: Sequence[str], settle_s: float) -> tuple[dict[str, float], dict[str, float]]:
    """Memory of ``argv`` once its panes have data and ``settle_s`` more seconds have passed:
    the /proc/<pid>/status figures, and resident MiB per mapping."""
    with fresh_home() as home:
        process = PtyProcess(argv, clean_env(home), COLUMNS, LINES, DATA)
        try:
            if process.wait_for(DATA, timeout=60) is None:
                raise SystemExit(
                    f"{argv[-1]}: no data on screen; screen text ended:\n"
                    f"{process.screen.text[-2000:]}"
                )
            process.drain(settle_s)
            return memory_mib(process.pid), mapped_mib(process.pid)
        finally:
            process.quit()


def write_synthetic_market(symbols: int, folder: Path) -> None:
    """The analytics benchmark's synthetic market, saved for `FrameSource`."""
    from analytics_refresh import synthetic_market
    from frame_source import save_market

    from tui.config import Settings

    save_market(synthetic_market(symbols, Settings()), folder)


def serve_app(folder: Path) -> None:
    """Run the real app on the saved frames (the child side of the synthetic measurement)."""
    from frame_source import FrameSource

    from tui.app import TapewatchApp
    from tui.config import Settings

    TapewatchApp(Settings(), source_factory=lambda settings, as_of: FrameSource(folder)).run()


def stages(folder: Path) -> None:
    """Print, as JSON, VmRSS / RssAnon / RssFile (MiB) after each step of loading the saved
    market headless."""
    import os

    pid = os.getpid()
    steps: dict[str, dict[str, float]] = {}

    def step(label: str) -> None:
        memory = memory_mib(pid)
        steps[label] = {name: memory[name] for name in ("VmRSS", "RssAnon", "RssFile")}

    step("interpreter")
    import polars

    step("+ import polars")
    polars.DataFrame({"x": [1.0, 2.0]}).select(polars.col("x").sum())
    step("+ polars' first query (thread pool)")
    import asyncio

    from tui.config import Settings
    from tui.models import Pane
    from tui.scheduler import Scheduler

    step("+ scheduler, analytics, sources modules")
    from frame_source import FrameSource

    source = FrameSource(folder)
    step("+ frames loaded")
    scheduler = Scheduler(Settings(), source)

    async def one_round() -> dict[Pane, object]:
        await scheduler.refresh_all()
        return dict(await scheduler.build(list(Pane), scheduler.feed.market_data()))

    views = asyncio.run(one_round())
    step("+ one round of the scheduler, 4 views built")
    import tui.app  # noqa: F401

    step("+ textual and the app's modules")
    frames_mib = sum(frame.estimated_size() for frame in source.frames.values()) / 2**20
    peak = memory_mib(pid)["VmHWM"]
    print(json.dumps({"steps": steps, "peak": peak, "frames_mib": frames_mib, "views": len(views)}))


def summarize(
    measured: Sequence[tuple[dict[str, float], dict[str, float]]],
) -> dict[str, dict[str, float]]:
    """Median and p95 of each /proc figure over the runs, and the first run's mappings."""
    figures = {
        name: {
            "median": median([status[name] for status, _ in measured]),
            "p95": p95([status[name] for status, _ in measured]),
        }
        for name in MEMORY_FIELDS
    }
    return {**figures, "mapped": measured[0][1]}


def print_report(apps: dict[str, dict[str, dict[str, float]]], runs: int, settle: float) -> None:
    print(f"memory in MiB, median (p95) of {runs} runs, {settle:.0f} s after data")
    print(f"  {'':<24}" + "".join(f"{name:>16}" for name in MEMORY_FIELDS))
    for label, figures in apps.items():
        cells = "".join(
            f"{figures[name]['median']:>9.1f} ({figures[name]['p95']:5.1f})"
            for name in MEMORY_FIELDS
        )
        print(f"  {label:<24}{cells}")
    for label, figures in apps.items():
        print(f"resident by mapping, {label} (first run):")
        for mapping, value in figures["mapped"].items():
            print(f"  {mapping:<48}{value:8.1f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh starts of each app")
    parser.add_argument("--symbols", type=int, default=500, help="size of the synthetic market")
    parser.add_argument("--settle", type=float, default=20.0, help="seconds after data appears")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--serve-app", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--stages", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_app is not None:
        serve_app(args.serve_app)
        return 0
    if args.stages is not None:
        stages(args.stages)
        return 0

    synthetic_label = f"{args.symbols} symbols x 1 year"
    demo = [measure_app(tapewatch_demo(), args.settle) for _ in range(args.runs)]
    with tempfile.TemporaryDirectory(prefix="tapewatch-market-") as folder:
        market = Path(folder)
        write_synthetic_market(args.symbols, market)
        serve = [str(PYTHON), str(BENCHMARKS / "memory.py"), "--serve-app", str(market)]
        synthetic = [measure_app(serve, args.settle) for _ in range(args.runs)]
        done = subprocess.run(
            [str(PYTHON), str(BENCHMARKS / "memory.py"), "--stages", str(market)],
            capture_output=True,
            text=True,
            check=True,
            cwd=BENCHMARKS,
        )
    apps = {"demo": summarize(demo), synthetic_label: summarize(synthetic)}
    breakdown = json.loads(done.stdout)
    print_report(apps, args.runs, args.settle)
    columns = "".join(f"{name:>10}" for name in ("VmRSS", "RssAnon", "RssFile"))
    print(f"headless, {synthetic_label}, MiB after each step:{columns}")
    for label, memory in breakdown["steps"].items():
        print(f"  {label:<48}" + "".join(f"{value:10.1f}" for value in memory.values()))
    print(
        f"  peak VmHWM {breakdown['peak']:.1f}; the six frames themselves:"
        f" {breakdown['frames_mib']:.1f} MiB by polars' estimate"
    )

    rss = apps[synthetic_label]["VmRSS"]["median"]
    peak = apps[synthetic_label]["VmHWM"]["median"]
    verdict = "met" if rss <= BUDGET_MIB else "MISSED"
    print(
        f"\n{synthetic_label}: VmRSS {rss:.0f} MiB, peak {peak:.0f} MiB;"
        f" budget 150 MB = {BUDGET_MIB:.0f} MiB -> {verdict}"
    )
    if args.json is not None:
        results = {"symbols": args.symbols, "settle_s": args.settle, "runs": args.runs}
        results |= {"demo": apps["demo"], "synthetic": apps[synthetic_label], "stages": breakdown}
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
