"""Requests a minute to each host, and how old the prices on screen get, over ten minutes of the
live dashboard on the loopback market at the default config.

    uv run python benchmarks/request_budget.py [--minutes 10] [--warmup 2] [--tree DIR]
                                               [--json PATH]

The dashboard's scheduler runs headless — the same scheduler, feed, sources, HTTP client and
store the screen runs, every pane built on every change; only the painting is left out — against
`tests.loopback_market` (Yahoo, FINRA and the SEC from a frozen demo market, on 127.0.0.1), with
the default settings (its URLs aside): the default request budget, cadences and HTTP client,
and an empty cache, as on a first start.

Time is virtual (`tests/virtual_time.py`): the event loop's clock jumps to the next timer
whenever nothing can run, so ten minutes take as long as the work in them. `asyncio.sleep`,
the scheduler's waits and every timeout are the loop's own; the wall clock the scheduler and
the sources read is derived from the loop's clock, and so is the HTTP client's monotonic clock
(set on the client after it is made: it is not a constructor argument of the live source).
Threads (parsing, building panes) cost no virtual time.

Two runs: the stream down (every price polled) and the stream up (a price stream live for what
is on screen — the indices, sector ETFs, basket members and the Most shorted rows — simulated
through the fetch plan's `streaming` hook (`stream_live` in older trees), so polling for them
slows to the candidates' cadence; the stream's own ticks are counted as keeping those prices
fresh every second).
`--tree DIR` runs the same measurement on another checkout (e.g. a detached worktree of main,
for the figures before the budget); a tree whose fetch plan has no hook runs the stream-up case
as the stream-down one, and says so.

Printed per run: each host's requests in the first minute, and the mean and the highest count
of any whole minute after the warm-up; the oldest any pane's price got after the warm-up (the
time since its symbol's quote last arrived, sampled every second; the Correlations pane shows
no prices).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Collection
from dataclasses import replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _virtual_time_loop() -> Any:
    """This checkout's virtual-time loop (loaded by path: under --tree, `tests` is the other
    tree's package)."""
    spec = importlib.util.spec_from_file_location(
        "virtual_time", ROOT / "tests" / "virtual_time.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.VirtualTimeLoop()


async def _measure(loop: Any, minutes: float, warmup: float, stream_up: bool) -> dict[str, Any]:
    from tests.faultserver import FaultServer
    from tests.loopback_market import LoopbackMarket
    from tui.cache import Cache
    from tui.config import HttpSettings, Settings
    from tui.jobs import JobName
    from tui.models import Pane
    from tui.reports import PaneBuilt, Report
    from tui.scheduler import Scheduler
    from tui.sources.base import Fetched

    arrivals: dict[str, float] = {}  # symbol -> virtual time its quote last arrived
    requests: list[tuple[float, str]] = []
    shown_shorts: list[str] = []
    hooked = False

    async with FaultServer() as server:
        market = await LoopbackMarket.start(server)
        answer = server.fallback

        def counted(request: Any) -> Any:
            requests.append((loop.time(), request.headers.get("host", "?")))
            return answer(request)

        server.fallback = counted
        settings = replace(market.settings(Settings()), http=HttpSettings())
        clock = loop.wall_clock(market.truth.moment)
        with tempfile.TemporaryDirectory() as folder:
            cache = Cache(Path(folder))
            source = market.live_source(settings, clock=clock, cache=cache)
            source.client._monotonic = loop.monotonic  # the budget and pacing on virtual time

            def note(report: Report) -> None:
                if isinstance(report, PaneBuilt) and report.pane is Pane.SHORTS:
                    shown_shorts[:] = [row.symbol for row in report.view.rows]

            scheduler = Scheduler(settings, source, cache=cache, clock=clock, report=note)
            accept = scheduler.accept

            async def accept_and_note(job: JobName, fetched: Fetched) -> bool:
                if job is JobName.QUOTES:
                    for symbol in fetched.frame.get_column("symbol").to_list():
                        arrivals[symbol] = loop.time()
                return await accept(job, fetched)

            scheduler.accept = accept_and_note  # type: ignore[method-assign]
            indices = [index.symbol for index in settings.indices]
            members = [symbol for basket in settings.baskets for symbol in basket.symbols]
            sectors = [sector.symbol for sector in settings.sectors] + [settings.benchmark]
            core = set(indices + members + sectors)
            for basket in settings.baskets:
                if basket.benchmark:
                    core.add(basket.benchmark)

            def live() -> Collection[str]:
                return core | set(shown_shorts)

            if stream_up and hasattr(scheduler.feed, "streaming"):
                scheduler.feed.streaming = lambda: frozenset(live())
                hooked = True
            elif stream_up and hasattr(scheduler.feed, "stream_live"):  # an older tree's name
                scheduler.feed.stream_live = live
                hooked = True
            panes: dict[str, Callable[[], Collection[str]]] = {
                "Indices": lambda: indices + members,
                "Sector flows": lambda: sectors,
                "Most shorted": lambda: shown_shorts,
            }
            oldest: dict[str, float] = defaultdict(float)
            running = asyncio.create_task(scheduler.run())
            try:
                second = 0
                while second < (warmup + minutes) * 60:
                    await asyncio.sleep(1.0)
                    second += 1
                    now = loop.time()
                    if hooked:
                        for symbol in live():
                            arrivals[symbol] = now  # the stream's ticks
                    if now < warmup * 60:
                        continue
                    for pane, symbols in panes.items():
                        ages = [now - arrivals.get(symbol, 0.0) for symbol in symbols()]
                        if ages:
                            oldest[pane] = max(oldest[pane], max(ages))
            finally:
                running.cancel()
                await asyncio.gather(running, return_exceptions=True)
                await scheduler.aclose()

    per_minute: dict[str, list[int]] = defaultdict(list)
    first_minute: Counter[str] = Counter(host for when, host in requests if when < 60)
    hosts = sorted({host for _, host in requests})
    for minute in range(int(warmup), int(warmup + minutes)):
        counts = Counter(host for when, host in requests if minute * 60 <= when < (minute + 1) * 60)
        for host in hosts:
            per_minute[host].append(counts[host])
    return {
        "stream_hooked": hooked,
        "first_minute": dict(first_minute),
        "per_minute": dict(per_minute),
        "mean_per_minute": {host: statistics.fmean(counts) for host, counts in per_minute.items()},
        "max_per_minute": {host: max(counts) for host, counts in per_minute.items()},
        "oldest_price_s": dict(oldest),
    }


def measure(minutes: float, warmup: float) -> dict[str, Any]:
    results = {}
    for case, stream_up in (("stream down", False), ("stream up", True)):
        loop = _virtual_time_loop()
        try:
            results[case] = loop.run_until_complete(_measure(loop, minutes, warmup, stream_up))
        finally:
            loop.close()
    return results


def report(results: dict[str, Any], label: str) -> None:
    for case, figures in results.items():
        note = "" if case == "stream down" or figures["stream_hooked"] else " (no hook: polled)"
        print(f"\n{label}, {case}{note}")
        print(f"  {'host':34} {'1st min':>8} {'mean/min':>9} {'max/min':>8}")
        for host, mean in sorted(figures["mean_per_minute"].items()):
            first = figures["first_minute"].get(host, 0)
            print(f"  {host:34} {first:8d} {mean:9.1f} {figures['max_per_minute'][host]:8d}")
        ages = ", ".join(f"{pane} {age:.0f} s" for pane, age in figures["oldest_price_s"].items())
        print(f"  oldest price on screen: {ages}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="steady-state minutes")
    parser.add_argument("--warmup", type=float, default=4.0, help="minutes left out first")
    parser.add_argument("--tree", type=Path, help="measure this checkout instead")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    if args.tree is not None and os.environ.get("TAPEWATCH_BENCH_TREE") != str(args.tree):
        # The other checkout's packages first on the path; this script and its loop as they are.
        environment = {
            **os.environ,
            "PYTHONPATH": str(args.tree.resolve()),
            "TAPEWATCH_BENCH_TREE": str(args.tree),
        }
        command = [sys.executable, __file__, *(argv if argv is not None else sys.argv[1:])]
        return subprocess.run(command, env=environment, cwd=args.tree, check=False).returncode
    import tui

    label = f"tapewatch at {Path(tui.__file__).resolve().parent.parent}"
    results = measure(args.minutes, args.warmup)
    report(results, label)
    if args.json is not None:
        args.json.write_text(json.dumps({"tree": label, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
