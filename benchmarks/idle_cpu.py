"""Idle CPU of `tapewatch --demo` in a tmux pane at the default cadence, as % of one core.

    uv run python benchmarks/idle_cpu.py [--runs 3] [--sizes 40x30 120x40] [--warmup 20]
                                         [--window 30] [--json PATH]

Each run starts tapewatch in a detached tmux pane of the given size (its own tmux server, a fresh
HOME, an `env -i`-style environment), waits until the demo data is on screen, lets it run for the
warm-up, then reads utime + stime of the tapewatch process from /proc/<pid>/stat (which sums
every thread of the process) at the start and end of the measured window. Nothing is typed in
the window: this is what the dashboard costs while someone just watches it. The demo clock runs
one market minute per second from 09:45, so every window falls in the regular session, with
prices moving; the status bar's clock changes every second, quotes are polled every 15 s and
intraday bars every 60 s.

Also reported: the CPU per thread (which thread burns it), the voluntary context switches per
second (wake-ups), and a floor: benchmarks/bare_app.py idle in the same pane for one window.

Budget (DESIGN.md): <= 1 % of one core in a 40-column pane.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from launch import (
    CpuSample,
    Marker,
    TmuxPane,
    bare_app,
    clean_env,
    cpu_sample,
    fresh_home,
    median,
    memory_mib,
    p95,
    tapewatch_demo,
)

DATA_ON_SCREEN = [
    Marker("S&P 500 + price", re.compile(r"S&P 500 +\d[\d,]*\.\d\d")),
    Marker("XLK row", re.compile(r"XLK .*?\d\.\d\d%")),
]
BARE_ON_SCREEN = [Marker.literal("Quit"), Marker.literal("DEMO")]
BUDGET_PERCENT = 1.0
SLICE_S = 5.0  # the window is also read in slices, to show when the CPU is spent


@dataclass(frozen=True, slots=True)
class Window:
    """What one process used over one measured window."""

    percent: float  # of one core, all threads
    slices_percent: list[float]  # the same, per SLICE_S seconds
    threads_percent: dict[str, float]  # per thread ("name (tid)"), busiest first
    wakeups_per_s: float  # voluntary context switches, all threads
    rss_mib: tuple[float, float]  # VmRSS at the start and the end of the window
    screen: str = ""


def measure_window(pid: int, window_s: float) -> Window:
    """CPU over ``window_s`` seconds: the total, per slice and per thread."""
    rss_before = memory_mib(pid)["VmRSS"]
    start = cpu_sample(pid)
    samples = [start]
    end_at = start.at + window_s
    while (now := time.monotonic()) < end_at:
        time.sleep(min(SLICE_S, end_at - now))
        samples.append(cpu_sample(pid))
    end = samples[-1]
    elapsed = end.at - start.at
    return Window(
        percent=100.0 * (end.total_s - start.total_s) / elapsed,
        slices_percent=[
            100.0 * (later.total_s - earlier.total_s) / (later.at - earlier.at)
            for earlier, later in itertools.pairwise(samples)
        ],
        threads_percent=_per_thread(start, end, elapsed),
        wakeups_per_s=(end.voluntary_switches - start.voluntary_switches) / elapsed,
        rss_mib=(rss_before, memory_mib(pid)["VmRSS"]),
    )


def _per_thread(start: CpuSample, end: CpuSample, elapsed: float) -> dict[str, float]:
    used = {
        name: 100.0 * (seconds - start.threads.get(name, 0.0)) / elapsed
        for name, seconds in end.threads.items()
    }
    return {name: value for name, value in sorted(used.items(), key=lambda kv: -kv[1]) if value}


def run(
    argv: Sequence[str],
    columns: int,
    lines: int,
    ready: Sequence[Marker],
    warmup_s: float,
    window_s: float,
) -> Window:
    """Start ``argv`` in a tmux pane, wait for ``ready``, warm up, measure one window."""
    with fresh_home() as home:
        pane = TmuxPane(argv, clean_env(home), columns, lines)
        try:
            if pane.wait_for(ready, timeout=30) is None:
                raise SystemExit(f"{argv[-1]} never got ready; screen:\n{pane.screen()}")
            time.sleep(warmup_s)
            window = measure_window(pane.pid, window_s)
            return dataclasses.replace(window, screen=pane.screen())
        finally:
            pane.close()


def summarize(windows: Sequence[Window]) -> dict[str, object]:
    """Median and p95 over runs; the median share of the main thread, of the other Python
    threads together and of polars' pool together."""
    percents = [window.percent for window in windows]
    threads: dict[str, list[float]] = {}
    for window in windows:
        grouped: dict[str, float] = {}
        for name, value in window.threads_percent.items():
            group = re.sub(r"-\d+$", "", re.sub(r" \(\d+\)$", "", name))
            grouped[group] = grouped.get(group, 0.0) + value
        for group, value in grouped.items():
            threads.setdefault(group, []).append(value)
    return {
        "median": median(percents),
        "p95": p95(percents),
        "runs": percents,
        "threads_median": {name: median(values) for name, values in threads.items()},
        "wakeups_per_s": median([window.wakeups_per_s for window in windows]),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh starts per size")
    parser.add_argument("--sizes", nargs="+", default=["40x30", "120x40"])
    parser.add_argument("--warmup", type=float, default=20.0, help="seconds after data appears")
    parser.add_argument("--window", type=float, default=30.0, help="seconds measured")
    parser.add_argument("--no-floor", action="store_true", help="skip the bare app's run")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)

    sizes: dict[str, dict[str, object]] = {}
    for size in args.sizes:
        columns, lines = (int(part) for part in size.lower().split("x"))
        windows = []
        for index in range(args.runs):
            window = run(tapewatch_demo(), columns, lines, DATA_ON_SCREEN, args.warmup, args.window)
            windows.append(window)
            slices = " ".join(f"{value:.1f}" for value in window.slices_percent)
            print(
                f"{size} run {index + 1}: {window.percent:.2f} % of one core"
                f" (per {SLICE_S:.0f} s: {slices}); {window.wakeups_per_s:.0f} wake-ups/s;"
                f" VmRSS {window.rss_mib[0]:.1f} -> {window.rss_mib[1]:.1f} MiB"
            )
        sizes[size] = summarize(windows)
        threads = windows[-1].threads_percent
        print(
            "  threads (last run, % of one core): "
            + ", ".join(f"{name} {value:.2f}" for name, value in threads.items())
        )
        print(f"  last screen:\n{windows[-1].screen}")
    report: dict[str, object] = {"window_s": args.window, "warmup_s": args.warmup, "sizes": sizes}
    if not args.no_floor:
        columns, lines = (int(part) for part in args.sizes[0].lower().split("x"))
        floor = run(bare_app(), columns, lines, BARE_ON_SCREEN, args.warmup, args.window)
        report["bare_floor"] = {"size": args.sizes[0], "percent": floor.percent}
        print(f"bare app floor at {args.sizes[0]}: {floor.percent:.2f} % of one core")

    print(f"\nidle CPU, % of one core over {args.window:.0f} s after {args.warmup:.0f} s warm-up")
    for size, figures in sizes.items():
        percent, high = float(figures["median"]), float(figures["p95"])  # type: ignore[arg-type]
        verdict = "met" if percent <= BUDGET_PERCENT else "MISSED"
        budget = f"budget {BUDGET_PERCENT} % -> {verdict}" if size.startswith("40x") else ""
        print(f"  {size:>7}: median {percent:.2f} %  p95 {high:.2f} %  {budget}")
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
