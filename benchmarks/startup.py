"""Start-up time of `tapewatch --demo`, measured from outside, against a bare Textual app.

    uv run python benchmarks/startup.py [--runs 10] [--size 120x40] [--json PATH] [--tree DIR]

``--tree DIR`` times the tui and widgets packages of another checkout (put first on PYTHONPATH),
to measure a candidate fix against the same bare app in the same run.

Each trial starts a fresh process on the slave side of a new pty of the given size, with a fresh
HOME and an `env -i`-style environment, and timestamps the output as the parent reads it
(escape sequences removed). Times are from just before the fork, so they include the interpreter's
own start-up. Trials alternate between tapewatch and the bare app, after one untimed warm-up run
of each (the page cache is warm, as it is for a user's second start).

What is timed
- first output: the first byte written to the terminal (imports done, the driver started).
- first full frame: the first moment every part of the dashboard's layout has been drawn: the four
  pane titles (Indices, Sector flows, Most shorted, Correlations), the status bar's DEMO label and
  the footer's "Quit" key. Textual may paint a screen in more than one write (the footer
  recomposes its keys after mounting), so it is the time the last of these markers arrived, not
  the first paint. At 120 x 40 the whole layout fits before data arrives.
- demo data on screen: "S&P 500" followed by a price in the Indices pane.
- all panes with data: also a sector row (XLK and a percentage) and a Most shorted row (its
  short-volume z-score, "+0.5σ"); Correlations is below the fold at 120 x 40 once data is in.
- with each: the CPU time (utime + stime from /proc, 10 ms resolution) the process had used when
  the milestone was reached, all threads and the main thread alone. The main thread's is the work
  on the path to the frame; wall time beyond it is waiting (for the GIL held by another thread,
  for a core). Other work on the machine stretches wall time far more than CPU time, so the
  main-thread CPU ratio is the steadier comparison when the machine is busy.
- bare app: benchmarks/bare_app.py, with the dashboard's widget count at its first frame (the
  script counts both trees headless and refuses to run if they differ), the same titles, DEMO
  label and footer keys, so the same markers time its first full frame.

Budgets (DESIGN.md): first full frame <= 1.15 x the bare app's, timed in the same run; demo data
on screen <= 1.0 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from launch import (
    Marker,
    PtyProcess,
    bare_app,
    clean_env,
    fresh_home,
    median,
    p95,
    tapewatch_demo,
)

FIRST_FRAME = [
    *(Marker.literal(title) for title in ("Indices", "Sector flows", "Most shorted")),
    Marker.literal("Correlations"),
    Marker.literal("DEMO"),
    Marker.literal("Quit"),
]
DEMO_DATA = [Marker("S&P 500 + price", re.compile(r"S&P 500 +\d[\d,]*\.\d\d"))]
ALL_PANES = [
    *DEMO_DATA,
    Marker("XLK row", re.compile(r"XLK .*?\d\.\d\d%")),
    Marker("Most shorted row", re.compile(r"\d\.\dσ")),
]
TIMEOUT_S = 30.0
FIRST_FRAME_RATIO_BUDGET = 1.15
DATA_BUDGET_S = 1.0


def count_widgets(columns: int, lines: int) -> dict[str, int]:
    """Widgets under the screen at the first frame (the screen itself not counted), headless."""
    from bare_app import BareApp
    from textual.app import App

    from tui.app import TapewatchApp
    from tui.config import Settings

    async def count(app: App[Any]) -> int:
        async with app.run_test(size=(columns, lines)) as pilot:
            await pilot.pause()
            return len(list(app.screen.walk_children()))

    return {
        "tapewatch": asyncio.run(count(TapewatchApp(Settings(source="demo")))),
        "bare": asyncio.run(count(BareApp())),
    }


def trial(
    argv: Sequence[str], columns: int, lines: int, with_data: bool, tree: Path | None = None
) -> dict[str, float]:
    """One start: seconds from fork to each milestone. ``tree``: import tui from this checkout."""
    markers = FIRST_FRAME + (ALL_PANES if with_data else [])
    with fresh_home() as home:
        env = clean_env(home)
        if tree is not None:
            env["PYTHONPATH"] = str(tree)
        process = PtyProcess(argv, env, columns, lines, markers)
        try:
            times: dict[str, float] = {}
            steps = [("first full frame", FIRST_FRAME)]
            if with_data:
                steps += [("demo data", DEMO_DATA), ("all panes with data", ALL_PANES)]
            for label, wanted in steps:
                reached = process.wait_for(wanted, TIMEOUT_S)
                if reached is None:
                    missing = [marker.name for marker in wanted if marker.name not in process.seen]
                    raise SystemExit(
                        f"{argv[-1]}: no {label} within {TIMEOUT_S:.0f} s (missing {missing});"
                        f" screen text ended:\n{process.screen.text[-2000:]}"
                    )
                times[label] = reached
                cpu_all, cpu_main = process.cpu_when(wanted)
                times[f"{label}, CPU s all threads"] = cpu_all
                times[f"{label}, CPU s main thread"] = cpu_main
            assert process.first_output is not None
            times["first output"] = process.first_output
            return times
        finally:
            process.quit()


def summary(samples: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    return {
        label: {"median": median(values), "p95": p95(values)} for label, values in samples.items()
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="timed starts of each app")
    parser.add_argument("--size", default="120x40", help="terminal COLUMNSxLINES")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--tree",
        type=Path,
        help="time the tui and widgets packages of another checkout (PYTHONPATH), e.g. a fix",
    )
    args = parser.parse_args(argv)
    columns, lines = (int(part) for part in args.size.lower().split("x"))

    counts = count_widgets(columns, lines)
    print(f"widgets at the first frame: tapewatch {counts['tapewatch']}, bare {counts['bare']}")
    if counts["tapewatch"] != counts["bare"]:
        print("the bare app no longer matches the dashboard: update benchmarks/bare_app.py")
        return 1

    apps = {"tapewatch": tapewatch_demo(), "bare": bare_app()}
    for name, command in apps.items():  # warm-up: page cache, bytecode
        trial(command, columns, lines, name == "tapewatch", args.tree)
    samples: dict[str, dict[str, list[float]]] = {name: {} for name in apps}
    ratios: list[float] = []
    for run in range(args.runs):
        order = list(apps) if run % 2 == 0 else list(reversed(apps))
        results = {
            name: trial(apps[name], columns, lines, name == "tapewatch", args.tree)
            for name in order
        }
        for name, times in results.items():
            for label, value in times.items():
                samples[name].setdefault(label, []).append(value)
        ratio = results["tapewatch"]["first full frame"] / results["bare"]["first full frame"]
        ratios.append(ratio)
        print(
            f"run {run + 1:2d}: tapewatch frame {results['tapewatch']['first full frame']:.3f} s"
            f" data {results['tapewatch']['demo data']:.3f} s | bare frame"
            f" {results['bare']['first full frame']:.3f} s | ratio {ratio:.2f}"
        )

    figures = {name: summary(values) for name, values in samples.items()}
    print(f"\n{args.runs} runs at {columns}x{lines}, seconds from process start")
    print(f"  {'':<50}{'median':>8}{'p95':>8}")
    for name, by_label in figures.items():
        for label, stats in by_label.items():
            print(f"  {name + ' ' + label:<50}{stats['median']:8.3f}{stats['p95']:8.3f}")
    frame_ratio = (
        figures["tapewatch"]["first full frame"]["median"]
        / figures["bare"]["first full frame"]["median"]
    )
    cpu_ratio = (
        figures["tapewatch"]["first full frame, CPU s main thread"]["median"]
        / figures["bare"]["first full frame, CPU s main thread"]["median"]
    )
    data_median = figures["tapewatch"]["demo data"]["median"]
    print(
        f"first full frame / bare: {frame_ratio:.2f} x (median of medians; per-run ratios median"
        f" {median(ratios):.2f}, p95 {p95(ratios):.2f}); budget {FIRST_FRAME_RATIO_BUDGET} x ->"
        f" {'met' if frame_ratio <= FIRST_FRAME_RATIO_BUDGET else 'MISSED'}"
    )
    print(f"main-thread CPU to the first full frame / bare: {cpu_ratio:.2f} x (steadier)")
    print(
        f"demo data on screen: median {data_median:.3f} s; budget {DATA_BUDGET_S} s ->"
        f" {'met' if data_median <= DATA_BUDGET_S else 'MISSED'}"
    )
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {
                    "size": f"{columns}x{lines}",
                    "runs": args.runs,
                    "widgets": counts,
                    "figures": figures,
                    "first_frame_ratio": frame_ratio,
                    "first_frame_cpu_ratio": cpu_ratio,
                    "per_run_ratio": {"median": median(ratios), "p95": p95(ratios)},
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
