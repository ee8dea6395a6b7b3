"""CPU of the live dashboard while a price stream sends 100 updates a second, as % of one core.

    uv run python benchmarks/stream_cpu.py [--runs 3] [--size 120x40] [--rate 100]
                                           [--warmup 20] [--window 30] [--json PATH]

The loopback market (tests/loopback_market.py) and a loopback Yahoo streamer
(benchmarks/stream_market.py, the tests' framing) run in processes of their own; the streamer
sends ``--rate`` price updates a second, round-robin over every symbol the app subscribes to
(the dashboard's rows: indices, sector ETFs, the most shorted names), each a small random step.
tapewatch runs on them in a detached tmux pane (its own tmux server, a fresh HOME, an
`env -i`-style environment) with its clock in the loopback market's regular session, so the
stream is due. Once the status bar says the stream is live, it runs for the warm-up, then utime +
stime of the app's process (all its threads, /proc/<pid>/stat) is read over the window, also in
slices and per thread. The streamer's own CPU is not counted: it is another process.

What the app does with the updates: a coalesced flush four times a second moves the price cells
of the rows showing those symbols (each marked ▴/▾ for a second, then unmarked), and every 5 s the
moves are folded into the quotes and the panes rebuilt whole.

Budget (DESIGN.md): 100 ticks a second on a 120x40 dashboard under 10 % of one core.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from idle_cpu import SLICE_S, Window, measure_window, summarize
from launch import PYTHON, ROOT, Marker, TmuxPane, clean_env, fresh_home, median, p95

STREAM_LIVE = [Marker("stream live", re.compile(r"stream live \d+/s"))]
BUDGET_PERCENT = 10.0
SCRIPT = ROOT / "benchmarks" / "stream_market.py"


@contextlib.contextmanager
def loopback(rate: float, state: Path) -> Iterator[None]:
    """The loopback market and streamer, each in a process of its own, until the block ends."""
    market = subprocess.Popen(
        [str(PYTHON), str(SCRIPT), "market", "--state", str(state)],
        stdout=subprocess.DEVNULL,
        cwd=ROOT,
    )
    stream: subprocess.Popen[bytes] | None = None
    try:
        deadline = time.monotonic() + 60
        while not (state / "market.json").exists():
            if time.monotonic() > deadline or market.poll() is not None:
                raise SystemExit("the loopback market did not start")
            time.sleep(0.2)
        stream = subprocess.Popen(
            [str(PYTHON), str(SCRIPT), "stream", "--state", str(state), "--rate", str(rate)],
            stdout=subprocess.DEVNULL,
            cwd=ROOT,
        )
        while not (state / "stream.json").exists():
            if time.monotonic() > deadline or stream.poll() is not None:
                raise SystemExit("the loopback streamer did not start")
            time.sleep(0.2)
        yield
    finally:
        for process in (stream, market):
            if process is not None:
                process.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=10)


def run(size: tuple[int, int], rate: float, warmup_s: float, window_s: float) -> Window:
    """One fresh start of the market, the streamer and the app; one measured window."""
    columns, lines = size
    with tempfile.TemporaryDirectory(prefix="tapewatch-stream-") as folder, fresh_home() as home:
        state = Path(folder)
        with loopback(rate, state):
            argv = [str(PYTHON), str(SCRIPT), "app", "--state", str(state)]
            env = clean_env(home) | {"PYTHONPATH": str(ROOT)}
            pane = TmuxPane(argv, env, columns, lines)
            try:
                if pane.wait_for(STREAM_LIVE, timeout=60) is None:
                    raise SystemExit(f"the stream never went live; screen:\n{pane.screen()}")
                time.sleep(warmup_s)
                window = measure_window(pane.pid, window_s)
                return dataclasses.replace(window, screen=pane.screen())
            finally:
                pane.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh starts")
    parser.add_argument("--size", default="120x40")
    parser.add_argument("--rate", type=float, default=100.0, help="stream updates a second")
    parser.add_argument("--warmup", type=float, default=20.0, help="seconds after it is live")
    parser.add_argument("--window", type=float, default=30.0, help="seconds measured")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    columns, lines = (int(part) for part in args.size.lower().split("x"))

    windows = []
    for index in range(args.runs):
        window = run((columns, lines), args.rate, args.warmup, args.window)
        windows.append(window)
        slices = " ".join(f"{value:.1f}" for value in window.slices_percent)
        print(
            f"{args.size} run {index + 1}: {window.percent:.2f} % of one core"
            f" (per {SLICE_S:.0f} s: {slices}); {window.wakeups_per_s:.0f} wake-ups/s"
        )
    threads = windows[-1].threads_percent
    print(
        "  threads (last run, % of one core): "
        + ", ".join(f"{name} {value:.2f}" for name, value in threads.items())
    )
    print(f"  last screen:\n{windows[-1].screen}")
    percents = [window.percent for window in windows]
    verdict = "met" if median(percents) < BUDGET_PERCENT else "MISSED"
    print(
        f"\n{args.rate:g} ticks/s at {args.size}, % of one core over {args.window:.0f} s: "
        f"median {median(percents):.2f} %  p95 {p95(percents):.2f} %  "
        f"budget < {BUDGET_PERCENT:g} % -> {verdict}"
    )
    if args.json is not None:
        report = {"rate": args.rate, "size": args.size, "window_s": args.window}
        report |= summarize(windows)
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
