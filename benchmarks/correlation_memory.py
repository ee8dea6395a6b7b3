"""Peak memory and time of the Correlations refresh as a basket grows.

    uv run python benchmarks/correlation_memory.py [--runs 5] [--members 50 200 500 1000]
        [--no-defaults] [--cap-mib 6144] [--tree DIR] [--json PATH]

Targets (issue 9): peak RSS under 300 MB (286 MiB) and the refresh under 200 ms for a
1,000-member basket over a year.

Each case runs in a fresh process: it reads a year of daily bars (253 sessions, the last one
today's partial bar) for 1,000 synthetic members (or as many as the largest case) plus the
default baskets' symbols, builds the
Correlations view once (cold) and ``--runs`` more times, and reports its VmHWM (peak RSS, from
/proc) and the wall time of each build. The cases are the default three baskets, then one basket
of each ``--members`` size; every case holds the same daily frame, so the differences are the
refresh's own. The bars are made with numpy here, in the parent, and handed over as Arrow IPC:
a child imports numpy only if the code under test does.

``--tree DIR`` measures another checkout's ``tui`` (put first on PYTHONPATH), e.g. the code
before a change. A child whose RSS passes ``--cap-mib`` is killed (the code before the change
needs gigabytes for a few hundred members) and reported as such.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from launch import BENCHMARKS, PYTHON, median, memory_mib, p95

NOW = dt.datetime(2026, 2, 11, 18, 0, tzinfo=dt.UTC)  # 13:00 in New York, mid-session
SESSIONS = 253  # a year of completed sessions and today's partial bar
MEMBERS = (
    1000  # synthetic members in the daily frame (more if a case asks); a basket takes the first N
)
PEAK_BUDGET_MIB = 300e6 / 2**20
REFRESH_BUDGET_MS = 200.0
BUDGET_MEMBERS = 1000
POLL_S = 0.02


def member_symbols(count: int) -> list[str]:
    return [f"M{index:04d}" for index in range(count)]


def write_daily_bars(path: Path, members: int = MEMBERS) -> None:
    """One-factor random walks (pairwise correlations near 0.3, like a sector) for the synthetic
    members and the default baskets' symbols, in the bars schema."""
    import numpy as np
    import polars as pl

    from tui.config import Settings
    from tui.market_hours import last_trading_days
    from tui.sources.base import BARS_SCHEMA

    named = sorted({symbol for basket in Settings().baskets for symbol in basket.symbols})
    symbols = named + member_symbols(members)
    days = last_trading_days(NOW.date(), SESSIONS)
    rng = np.random.default_rng(9)
    market = rng.normal(0.0003, 0.01, size=(1, SESSIONS))
    returns = 0.6 * market + rng.normal(0, 0.015, size=(len(symbols), SESSIONS))
    closes = 50.0 * np.exp(np.cumsum(returns, axis=1))
    day_ts = [dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) for day in days]
    frame = pl.DataFrame(
        {
            "symbol": np.repeat(symbols, SESSIONS),
            "ts": day_ts * len(symbols),
            "open": closes.ravel(),
            "high": closes.ravel(),
            "low": closes.ravel(),
            "close": closes.ravel(),
            "volume": 1e6,
            "interval": "1d",
        },
        schema=BARS_SCHEMA,
    )
    frame.write_ipc(path)


def run_case(bars: Path, members: int, runs: int) -> None:
    """The child: load the bars, build the Correlations view cold and ``runs`` times, print
    JSON. ``members`` 0 means the default baskets."""
    import polars as pl

    from tui.analytics.correlations import build_correlations
    from tui.analytics.market import empty_market_data
    from tui.config import Basket, Settings

    pid = os.getpid()
    daily = pl.read_ipc(bars.read_bytes())  # from bytes: a real source's frames are on the heap
    data = empty_market_data(NOW).replace(daily=daily)
    settings = Settings()
    if members:
        basket = Basket(f"{members} members", tuple(member_symbols(members)))
        settings = Settings(baskets=(basket,))
    loaded = memory_mib(pid)
    timings = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        view = build_correlations(data, settings)
        timings.append((time.perf_counter() - started) * 1000.0)
    lines = sum(1 + len(basket.members) for basket in view.baskets)
    print(
        json.dumps(
            {
                "loaded_mib": loaded["VmRSS"],
                "peak_mib": memory_mib(pid)["VmHWM"],
                "cold_ms": timings[0],
                "median_ms": median(timings[1:]),
                "p95_ms": p95(timings[1:]),
                "lines": lines,
                "numpy_imported": "numpy" in sys.modules,
            }
        )
    )


def measure(bars: Path, members: int, runs: int, cap_mib: float, tree: Path | None) -> dict:
    """Run one case in a fresh process, killing it if its RSS passes ``cap_mib``."""
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(tree), env.get("PYTHONPATH", "")]).rstrip(":")
    command = [str(PYTHON), str(BENCHMARKS / "correlation_memory.py"), "--child", str(bars)]
    command += ["--child-members", str(members), "--runs", str(runs)]
    started = time.monotonic()
    with tempfile.TemporaryFile("w+") as output:
        child = subprocess.Popen(command, stdout=output, stderr=subprocess.PIPE, text=True, env=env)
        highest = 0.0
        while child.poll() is None:
            with contextlib.suppress(FileNotFoundError, ProcessLookupError, KeyError):
                highest = max(highest, memory_mib(child.pid)["VmHWM"])  # unless it just exited
            if highest > cap_mib:
                child.kill()
                child.wait()
                return {"killed_above_mib": cap_mib, "after_s": time.monotonic() - started}
            time.sleep(POLL_S)
        errors = child.stderr.read() if child.stderr else ""
        if child.returncode != 0:
            raise SystemExit(f"case with {members} members failed:\n{errors}")
        output.seek(0)
        return json.loads(output.read())


def describe(result: dict) -> str:
    if "killed_above_mib" in result:
        return (
            f"killed: RSS passed {result['killed_above_mib']:,.0f} MiB"
            f" after {result['after_s']:.0f} s"
        )
    return (
        f"peak {result['peak_mib']:7.1f} MiB (loaded {result['loaded_mib']:5.1f})"
        f"   refresh median {result['median_ms']:7.1f} ms (cold {result['cold_ms']:7.1f})"
        f"   {result['lines']} lines{', numpy' if result['numpy_imported'] else ''}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed builds after the cold one")
    parser.add_argument("--members", type=int, nargs="+", default=[50, 200, 500, 1000])
    parser.add_argument("--no-defaults", action="store_true", help="skip the default baskets")
    parser.add_argument("--cap-mib", type=float, default=6144.0, help="kill a case above this")
    parser.add_argument("--tree", type=Path, help="measure this checkout's tui instead")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-members", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        run_case(args.child, args.child_members, args.runs)
        return 0
    cases = ([] if args.no_defaults else [0]) + list(args.members)
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="tapewatch-corr-") as folder:
        bars = Path(folder) / "daily.arrow"
        write_daily_bars(bars, max(MEMBERS, *args.members))
        print(f"correlation refresh, {SESSIONS} daily sessions, window 60 (default)")
        for members in cases:
            label = f"basket of {members}" if members else "default baskets (3)"
            results[label] = measure(bars, members, args.runs, args.cap_mib, args.tree)
            print(f"  {label:<20} {describe(results[label])}", flush=True)

    target = results.get(f"basket of {BUDGET_MEMBERS}")
    if target is not None and "peak_mib" in target:
        memory = "met" if target["peak_mib"] <= PEAK_BUDGET_MIB else "MISSED"
        speed = "met" if target["median_ms"] <= REFRESH_BUDGET_MS else "MISSED"
        print(
            f"\n{BUDGET_MEMBERS} members: peak {target['peak_mib']:.0f} MiB, budget 300 MB"
            f" = {PEAK_BUDGET_MIB:.0f} MiB -> {memory}; refresh {target['median_ms']:.0f} ms,"
            f" budget {REFRESH_BUDGET_MS:.0f} ms -> {speed}"
        )
    if args.json is not None:
        args.json.write_text(json.dumps({"runs": args.runs, "cases": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
