"""Run every benchmark script and print one table of figures against DESIGN.md's budgets.

    uv run python benchmarks/run_all.py [--quick] [--only startup memory ...]

Each script runs in its own process, one after another (they would disturb each other's timings
if run together), and its own output is printed as it finishes. startup.py, idle_cpu.py,
memory.py, correlation_memory.py, stall.py, request_budget.py and desk.py hand their figures
over as JSON; the figures of analytics_refresh.py, parse_finra.py and quotes_refresh.py are read
from their printed lines.
``--quick`` runs each with fewer repetitions (a smoke run, about 3 minutes instead of about 10):
its figures are less stable.
The load average is printed before and after, since anything else running on the machine
inflates these figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from launch import BENCHMARKS, PYTHON


@dataclass(frozen=True, slots=True)
class Figure:
    """One row of the table."""

    benchmark: str
    figure: str
    median: float
    p95: float | None
    unit: str
    budget: float | None = None  # same unit; None: reported for scale, no budget
    budget_text: str = ""

    @property
    def verdict(self) -> str:
        if self.budget is None:
            return ""
        return "met" if self.median <= self.budget else "MISSED"


Parser = Callable[[str, dict[str, object] | None], list[Figure]]


def _startup(output: str, data: dict[str, object] | None) -> list[Figure]:
    assert data is not None
    figures: dict[str, dict[str, dict[str, float]]] = data["figures"]  # type: ignore[assignment]
    tapewatch, bare = figures["tapewatch"], figures["bare"]
    per_run: dict[str, float] = data["per_run_ratio"]  # type: ignore[assignment]
    size = f" ({data['size']})"

    def seconds(label: str, stats: dict[str, float], budget: float | None = None) -> Figure:
        budget_text = "" if budget is None else f"<= {budget} s"
        return Figure("startup", label, stats["median"], stats["p95"], "s", budget, budget_text)

    return [
        seconds("bare app first full frame" + size, bare["first full frame"]),
        seconds("first full frame" + size, tapewatch["first full frame"]),
        Figure(
            "startup",
            "first full frame / bare (p95: per run)",
            float(data["first_frame_ratio"]),  # type: ignore[arg-type]
            per_run["p95"],
            "x",
            1.15,
            "<= 1.15 x bare",
        ),
        Figure(
            "startup",
            "main-thread CPU to first full frame / bare",
            float(data["first_frame_cpu_ratio"]),  # type: ignore[arg-type]
            None,
            "x",
        ),
        seconds("demo data on screen", tapewatch["demo data"], 1.0),
    ]


def _idle(output: str, data: dict[str, object] | None) -> list[Figure]:
    assert data is not None
    sizes: dict[str, dict[str, float]] = data["sizes"]  # type: ignore[assignment]
    rows = []
    for size, stats in sizes.items():
        narrow = size.startswith("40x")
        rows.append(
            Figure(
                "idle_cpu",
                f"idle CPU, {size} pane",
                stats["median"],
                stats["p95"],
                "% core",
                1.0 if narrow else None,
                "<= 1 % (40 columns)" if narrow else "",
            )
        )
    floor = data.get("bare_floor")
    if isinstance(floor, dict):
        rows.append(
            Figure("idle_cpu", f"bare app idle, {floor['size']}", floor["percent"], None, "% core")
        )
    return rows


def _memory(output: str, data: dict[str, object] | None) -> list[Figure]:
    assert data is not None
    symbols = data["symbols"]
    rows = []
    for key, label in (("demo", "demo"), ("synthetic", f"{symbols} symbols x 1 year")):
        stats: dict[str, dict[str, float]] = data[key]  # type: ignore[assignment]
        budget = 150e6 / 2**20 if key == "synthetic" else None
        budget_text = "<= 150 MB (143 MiB)" if budget else ""
        rows.append(
            Figure(
                "memory",
                f"VmRSS, {label}",
                stats["VmRSS"]["median"],
                stats["VmRSS"]["p95"],
                "MiB",
                budget,
                budget_text,
            )
        )
        rows.append(
            Figure(
                "memory",
                f"VmHWM (peak), {label}",
                stats["VmHWM"]["median"],
                stats["VmHWM"]["p95"],
                "MiB",
            )
        )
    return rows


ANALYTICS_SIZE = re.compile(r"^N = (\d+):", re.MULTILINE)
TIMED_LINE = r"^\s*{label}\s+median\s+([\d.]+) ms\s+(?:p95|best)\s+([\d.]+) ms"


def _analytics(output: str, data: dict[str, object] | None) -> list[Figure]:
    rows = []
    sections = ANALYTICS_SIZE.split(output)[1:]
    for size, text in zip(sections[::2], sections[1::2], strict=True):
        line = re.search(TIMED_LINE.format(label=re.escape("full refresh (4 views)")), text, re.M)
        if line is None:
            continue
        budget = {"500": 50.0, "5000": 500.0}.get(size)
        rows.append(
            Figure(
                "analytics_refresh",
                f"full refresh, {int(size):,} symbols",
                float(line[1]),
                float(line[2]),
                "ms",
                budget,
                f"<= {budget:.0f} ms" if budget else "",
            )
        )
    return rows


def _correlation(output: str, data: dict[str, object] | None) -> list[Figure]:
    assert data is not None
    cases: dict[str, dict[str, float]] = data["cases"]  # type: ignore[assignment]
    rows = []
    for label, case in cases.items():
        if "peak_mib" not in case:
            continue  # killed above its memory cap
        target = label == "basket of 1000"
        peak_budget = 300e6 / 2**20 if target else None
        rows.append(
            Figure(
                "correlation_memory",
                f"peak RSS, {label}",
                case["peak_mib"],
                None,
                "MiB",
                peak_budget,
                "< 300 MB (286 MiB)" if target else "",
            )
        )
        rows.append(
            Figure(
                "correlation_memory",
                f"Correlations refresh, {label}",
                case["median_ms"],
                case["p95_ms"],
                "ms",
                200.0 if target else None,
                "< 200 ms" if target else "",
            )
        )
    return rows


def _finra(output: str, data: dict[str, object] | None) -> list[Figure]:
    rows = []
    for label in ("parse_short_interest (22k rows)", "parse_short_volume (12k rows, CRLF)"):
        line = re.search(TIMED_LINE.format(label=re.escape(label)), output, re.M)
        if line is not None:  # the second figure is the best run, not a p95
            rows.append(Figure("parse_finra", label, float(line[1]), None, "ms"))
    return rows


def _quotes(output: str, data: dict[str, object] | None) -> list[Figure]:
    budget = re.search(r"^budget (\d+) ms", output, re.M)
    refresh = re.search(r"^refresh median (\d+) ms", output, re.M)
    first = re.search(r"^first poll (\d+) ms", output, re.M)
    bare = re.search(r"^bare httpx median (\d+) ms", output, re.M)
    if budget is None or refresh is None:
        return []
    limit = float(budget[1])
    rows = [
        Figure(
            "quotes_refresh",
            "refresh, 150 symbols",
            float(refresh[1]),
            None,
            "ms",
            limit,
            f"<= {limit:.0f} ms (script's own)",
        ),
    ]
    if first is not None:
        rows.append(Figure("quotes_refresh", "first poll", float(first[1]), None, "ms"))
    if bare is not None:
        rows.append(
            Figure("quotes_refresh", "bare httpx, same requests", float(bare[1]), None, "ms")
        )
    return rows


def _stall(output: str, data: dict[str, object] | None) -> list[Figure]:
    assert data is not None
    stalls: dict[str, float] = data["max_stall_ms"]  # type: ignore[assignment]
    cpu: dict[str, float] = data["max_cpu_stall_ms"]  # type: ignore[assignment]
    keys: dict[str, float] = data["key_to_repaint_ms"]  # type: ignore[assignment]
    return [
        Figure(
            "stall",
            "longest event-loop stall, first full poll (p95: worst run)",
            stalls["median"],
            stalls["worst"],
            "ms",
            16.0,
            "<= 16 ms",
        ),
        Figure(
            "stall",
            "the same, the loop thread's CPU time only (p95: worst run)",
            cpu["median"],
            cpu["worst"],
            "ms",
        ),
        Figure(
            "stall",
            "key to repaint during the first full poll (p95 budget)",
            keys["median"],
            keys["p95"],
            "ms",
        ),
    ]


def _request_budget(output: str, data: dict[str, object] | None) -> list[Figure]:
    assert data is not None
    results: dict[str, dict[str, dict[str, float]]] = data["results"]  # type: ignore[assignment]
    figures = []
    for case, budget in (("stream down", 120.0), ("stream up", 60.0)):
        found = results[case]
        yahoo = next((host for host in found["mean_per_minute"] if "yahoo" in host), None)
        if yahoo is None:
            continue
        figures.append(
            Figure(
                "request_budget",
                f"Yahoo requests a minute, {case} (p95: busiest minute)",
                found["mean_per_minute"][yahoo],
                found["max_per_minute"][yahoo],
                "/min",
                budget,
                f"<= {budget:g} /min",
            )
        )
        for pane, age in found["oldest_price_s"].items():
            figures.append(Figure("request_budget", f"oldest {pane} price, {case}", age, None, "s"))
    return figures


def _desk(output: str, data: dict[str, object] | None) -> list[Figure]:
    assert data is not None
    loopback: dict[str, Any] = data["loopback"]  # type: ignore[assignment]
    demo: dict[str, Any] = data["demo"]  # type: ignore[assignment]
    transport: dict[str, float] = data["transport_ms"]  # type: ignore[assignment]
    monitors = data["monitors"]

    def latency(label: str, figures: dict[str, float]) -> Figure:
        return Figure("desk", label, figures["median"], figures["p95"], "ms")

    return [
        Figure(
            "desk",
            f"requests a minute, feed + {monitors} monitors / one monitor alone",
            float(data["ratio"]),  # type: ignore[arg-type]
            None,
            "x",
            1.05,
            "= 1 x (±5 %)",
        ),
        Figure("desk", "feed CPU, loopback market", loopback["feed_cpu_pct"], None, "% core"),
        Figure("desk", "feed RSS", loopback["feed_rss_mib"], None, "MiB"),
        latency(f"published -> on all {monitors} monitors (p95 < 250 ms)", demo["on_monitor_ms"]),
        latency(f"published -> built on all {monitors} monitors", demo["built_ms"]),
        latency(f"published -> on all {monitors} bare watchers (transport)", transport),
    ]


@dataclass(frozen=True, slots=True)
class Script:
    name: str
    arguments: tuple[str, ...]
    quick: tuple[str, ...]
    parse: Parser
    writes_json: bool = False


SCRIPTS = (
    Script("startup", (), ("--runs", "3"), _startup, writes_json=True),
    Script(
        "idle_cpu",
        (),
        ("--runs", "1", "--warmup", "5", "--window", "15", "--no-floor"),
        _idle,
        writes_json=True,
    ),
    Script("memory", (), ("--runs", "1", "--settle", "5"), _memory, writes_json=True),
    Script("analytics_refresh", (), ("--runs", "5"), _analytics),
    Script(
        "correlation_memory",
        (),
        ("--runs", "2", "--members", "200", "1000"),
        _correlation,
        writes_json=True,
    ),
    Script("parse_finra", (), ("--repeat", "5"), _finra),
    Script("quotes_refresh", (), ("--runs", "2"), _quotes),
    Script("stall", (), ("--runs", "2"), _stall, writes_json=True),
    Script("request_budget", (), ("--minutes", "3"), _request_budget, writes_json=True),
    Script("desk", (), ("--window", "30", "--demo-window", "60"), _desk, writes_json=True),
)


def run_script(script: Script, quick: bool) -> list[Figure]:
    """Run one script, print its output, and return its figures."""
    arguments = list(script.quick if quick else script.arguments)
    with tempfile.TemporaryDirectory() as folder:
        json_path = Path(folder) / "figures.json"
        if script.writes_json:
            arguments += ["--json", str(json_path)]
        started = time.monotonic()
        done = subprocess.run(
            [str(PYTHON), str(BENCHMARKS / f"{script.name}.py"), *arguments],
            capture_output=True,
            text=True,
            cwd=BENCHMARKS.parent,
        )
        elapsed = time.monotonic() - started
        shown = " ".join(arguments[:-2] if script.writes_json else arguments)
        print(f"\n=== {script.name}.py {shown} ({elapsed:.0f} s, exit {done.returncode})")
        print(done.stdout.rstrip())
        if done.returncode != 0:
            print(done.stderr.rstrip())
            return []
        data = json.loads(json_path.read_text()) if script.writes_json else None
    return script.parse(done.stdout, data)


DECIMALS = {"s": 3, "x": 2, "% core": 2, "MiB": 1, "ms": 1}


def print_table(figures: Sequence[Figure]) -> None:
    header = ("benchmark", "figure", "median", "p95", "unit", "budget", "")

    def number(value: float | None, unit: str) -> str:
        return "" if value is None else f"{value:.{DECIMALS.get(unit, 2)}f}"

    rows = [
        (
            figure.benchmark,
            figure.figure,
            number(figure.median, figure.unit),
            number(figure.p95, figure.unit),
            figure.unit,
            figure.budget_text,
            figure.verdict,
        )
        for figure in figures
    ]
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
    right = {2, 3}
    for row in [header, *rows]:
        print(
            "  ".join(
                cell.rjust(width) if column in right else cell.ljust(width)
                for column, (cell, width) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (smoke run)")
    parser.add_argument(
        "--only", nargs="+", choices=[script.name for script in SCRIPTS], help="run only these"
    )
    args = parser.parse_args(argv)
    chosen = [script for script in SCRIPTS if args.only is None or script.name in args.only]
    load_before = os.getloadavg()
    figures: list[Figure] = []
    failed = []
    for script in chosen:
        found = run_script(script, args.quick)
        if not found:
            failed.append(script.name)
        figures += found
    load_after = os.getloadavg()
    today = dt.datetime.now().astimezone()
    print(
        f"\n=== tapewatch benchmarks, {today:%Y-%m-%d}, {os.cpu_count()} cores,"
        f" load average {load_before[0]:.2f} before, {load_after[0]:.2f} after"
        f"{' (quick run)' if args.quick else ''}"
    )
    print_table(figures)
    if failed:
        print(f"no figures from: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
