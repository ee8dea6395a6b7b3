"""Event-loop stalls and key-to-repaint latency while the live dashboard runs its first full poll.

    uv run python benchmarks/stall.py [--runs 5] [--size 160x48] [--press-every 0.1]
        [--latency 0.02] [--finra-rows 22000 12000] [--json PATH] [--tree DIR]

The real TapewatchApp runs on the live sources in a fresh process on the slave side of a pty (a
fresh HOME, so every cache is cold), pointed at the loopback market of the tests
(tests/loopback_market.py: Yahoo, FINRA and the SEC in their own formats, serving a frozen demo
market) with the wall clock stopped at the market's moment. The market runs in a child process
of this script, so its work never shares the app's CPU time or event loop. Its FINRA files are
padded with OTC filler rows to real size (about 22,000 rows per short-interest file and 12,000
per short-volume file; the demo market alone has ~200 names), so that parsing costs what it costs
live. The first poll fetches every dataset: one short-interest file, FINRA's 21 short-volume
files, the SEC's ticker list and share-count frames, and Yahoo's charts of ~150 symbols.

What is measured, in the app's process
- event-loop stalls: a coroutine sleeps 1 ms over and over and records how late each wake-up is.
  The longest lateness between the first HTTP request and the end of the first full poll is the
  longest stall. With it, the CPU time the loop's thread used meanwhile (time.thread_time): on a
  busy machine a stall also holds waits for a core or for the GIL; the CPU figure is the loop's
  own work alone. A watchdog thread samples the main thread's stack while the loop is stalled, so
  each long stall comes with where it was spent.
- the end of the first full poll: every dataset loaded, yahoo, finra and sec ok in the status
  bar, Most shorted and Indices priced; one more second is watched after that (the share counts
  that new short interest wakes, and the quotes they rank, come last).

What is measured from outside
- key to repaint: from the first frame until the poll is over, this script presses a key every
  ``--press-every`` seconds that the benchmark binds in the app to a one-character change on
  screen (a dot after the Indices title, on and off): visible at any time, data or not, and
  costing next to nothing itself, so its latency is the event loop's and the repaint's. The
  latency of a press is the time from writing the key to the pty to the app's first screen update
  drawn after it handled that press (time.monotonic is one clock for both processes on Linux).
  A cursor key would need rows to move through, which the tables only have once prices are in.

Targets (DESIGN.md): no stall over 16 ms during a full poll; key press to repaint p95 < 50 ms.
One untimed warm-up run comes first (the market builds its replies once, the page cache warms).
``--tree DIR`` runs the tui and widgets packages of another checkout (PYTHONPATH), e.g. the code
before a change; run the script with that checkout's own interpreter to use its dependencies.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import multiprocessing
import os
import pickle
import re
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # tests.loopback_market; a --tree checkout comes first

from launch import PYTHON, Marker, PtyProcess, clean_env, fresh_home, median, p95  # noqa: E402

STALL_BUDGET_MS = 16.0
KEY_BUDGET_MS = 50.0
TICK_S = 0.001
WATCH_AFTER_DONE_S = 1.0
RUN_TIMEOUT_S = 90.0
SAMPLE_AFTER_S = 0.008  # the watchdog samples the main thread once the loop is this late
FIRST_FRAME = [Marker.literal(text) for text in ("Indices", "Correlations", "Quit")]
# The key the benchmark binds in the app to a one-line change on screen (a dot after the Indices
# title, on and off): visible at any time, data or not, and costing the app next to nothing, so
# its latency is the event loop's and the repaint's.
PROBE_KEY = b"x"


# -- the market, in its own process ---------------------------------------------------------------


def serve(latency_s: float, si_rows: int, sv_rows: int, pipe: Connection) -> None:
    """Child process: the loopback market with FINRA files padded to ``si_rows`` and ``sv_rows``
    rows, until the parent asks it to stop. Sends the port and the app's settings first."""
    from tests.faultserver import FaultServer, RecordedRequest, Reply
    from tests.loopback_market import LoopbackMarket
    from tui.config import Settings

    class PaddedMarket(LoopbackMarket):
        """FINRA's files at real size: OTC filler names after the demo market's own."""

        def _short_interest_file(self, request: RecordedRequest, match: re.Match[str]) -> Reply:
            reply = super()._short_interest_file(request, match)
            if reply.status != 200:
                return reply
            lines = reply.body.decode().rstrip("\n").split("\n")
            day = match["day"]
            iso = f"{day[:4]}-{day[4:6]}-{day[6:]}"
            lines += [
                f"{day}|ZF{index:04d}|FILLER ISSUE {index}|U|OTC|{1000 + index}|{900 + index}||"
                f"{5000 + index}|1.50||11.11|100|{iso}"
                for index in range(max(0, si_rows - len(lines) + 1))
            ]
            return Reply(200, ("\n".join(lines) + "\n").encode(), dict(reply.headers))

        def _short_volume_file(self, request: RecordedRequest, match: re.Match[str]) -> Reply:
            reply = super()._short_volume_file(request, match)
            if reply.status != 200:
                return reply
            lines = reply.body.decode().rstrip("\r\n").split("\r\n")[:-1]  # without the trailer
            day = match["day"]
            lines += [
                f"{day}|ZF{index:04d}|{100 + index}|0|{400 + index}|B,Q,N"
                for index in range(max(0, sv_rows - len(lines) + 1))
            ]
            lines.append(str(len(lines) - 1))
            return Reply(200, ("\r\n".join(lines) + "\r\n").encode(), dict(reply.headers))

    async def run() -> None:
        async with FaultServer(latency_s=latency_s) as server:
            market = await PaddedMarket.start(server)
            stop = asyncio.Event()
            asyncio.get_running_loop().add_reader(pipe.fileno(), stop.set)
            pipe.send((market.port, pickle.dumps(market.settings(Settings()))))
            await stop.wait()

    asyncio.run(run())


# -- the app, in a pty ----------------------------------------------------------------------------


@dataclass
class Recorder:
    """What the app's process records: loop lateness, stall samples, screen updates."""

    started: float = field(default_factory=time.monotonic)
    last_tick: float = field(default_factory=time.monotonic)
    first_request: float | None = None
    done: float | None = None
    # (woke at, how late in wall time, main-thread CPU time used meanwhile), in seconds
    lateness: list[tuple[float, float, float]] = field(default_factory=list)
    samples: list[tuple[float, list[str]]] = field(default_factory=list)  # (at, stack)
    probes: int = 0  # probe keys handled
    writes: list[tuple[float, int]] = field(default_factory=list)  # (at, probes handled then)


def _where(path: str) -> str:
    """A source file's path from its package on: "polars/io/csv.py", "tui/feed.py"."""
    for prefix in ("/site-packages/", "/lib/python3.11/"):
        if prefix in path:
            return path.split(prefix, 1)[1]
    parts = Path(path).parts
    for anchor in ("tui", "widgets", "tests", "benchmarks"):
        if anchor in parts:
            return "/".join(parts[parts.index(anchor) :])
    return path


def _stack(frame: FrameType | None, depth: int = 40) -> list[str]:
    """The innermost ``depth`` frames as "file.py:function", innermost first."""
    lines = []
    while frame is not None and len(lines) < depth:
        lines.append(f"{_where(frame.f_code.co_filename)}:{frame.f_code.co_name}")
        frame = frame.f_back
    return lines


def _watchdog(recorder: Recorder, stop: threading.Event) -> None:
    """Samples the main thread's stack every few ms while the event loop is late."""
    main = threading.main_thread().ident
    while not stop.wait(0.003):
        now = time.monotonic()
        if now - recorder.last_tick > TICK_S + SAMPLE_AFTER_S and main is not None:
            frame = sys._current_frames().get(main)
            recorder.samples.append((now, _stack(frame)))


def _fully_loaded(app: Any) -> bool:
    """The first full poll is over: every dataset in, every source ok, the panes priced."""
    screen = app.dashboard
    status = screen.query_one("#status").view
    if status is None or len(status.datasets) < 6:
        return False
    if any(dataset.age_s is None for dataset in status.datasets):
        return False
    states = {health.name: health.state for health in status.health}
    if any(states.get(name) != "ok" for name in ("yahoo", "finra", "sec")):
        return False
    shorts = screen.query_one("#shorts").view
    indices = screen.query_one("#indices").view
    return (
        shorts is not None
        and bool(shorts.rows)
        and all(row.price_change_pct is not None for row in shorts.rows)
        and indices is not None
        and indices.rows[0].last is not None
    )


async def _monitor(app: Any, recorder: Recorder, out: Path) -> None:
    loop = asyncio.get_running_loop()
    last_check = 0.0
    while True:
        before = loop.time()
        cpu_before = time.thread_time()  # this coroutine runs on the event loop's thread
        recorder.last_tick = time.monotonic()
        await asyncio.sleep(TICK_S)
        woke = time.monotonic()
        late = max(0.0, loop.time() - before - TICK_S)
        recorder.lateness.append((woke, late, time.thread_time() - cpu_before))
        recorder.last_tick = woke
        if woke - last_check < 0.05 or not app.is_running:
            continue
        last_check = woke
        timed_out = woke - recorder.started > RUN_TIMEOUT_S
        if recorder.done is None and (timed_out or _loaded(app)):
            recorder.done = woke
        if recorder.done is not None and woke - recorder.done > WATCH_AFTER_DONE_S:
            _write_results(recorder, out, timed_out)
            app.exit()
            return


def _loaded(app: Any) -> bool:
    try:
        return _fully_loaded(app)
    except Exception:  # the screen is not composed yet
        return False


def _write_results(recorder: Recorder, out: Path, timed_out: bool) -> None:
    notable = [tick for tick in recorder.lateness if tick[1] > 0.002 or tick[2] > 0.002]
    data = {
        "started": recorder.started,
        "first_request": recorder.first_request,
        "done": recorder.done,
        "timed_out": timed_out,
        "lateness": notable,
        "samples": recorder.samples,
        "writes": recorder.writes,
    }
    temporary = out.with_suffix(".tmp")
    temporary.write_text(json.dumps(data))
    temporary.replace(out)


def run_app(port: int, settings_file: Path, out: Path) -> None:
    """In the pty: the app on the loopback market, watched by the monitor and the watchdog."""
    from tests.loopback_market import DEFAULT_MOMENT, LoopbackTransport, ManualClock
    from tui.app import TapewatchApp
    from tui.cache import Cache
    from tui.sources.live import LiveSource

    recorder = Recorder()
    settings = pickle.loads(settings_file.read_bytes())
    clock = ManualClock(DEFAULT_MOMENT)

    class TimedTransport(LoopbackTransport):
        async def handle_async_request(self, request: Any) -> Any:
            if recorder.first_request is None:
                recorder.first_request = time.monotonic()
            return await super().handle_async_request(request)

    def factory(settings: Any, as_of: Any) -> Any:
        return LiveSource(
            settings, cache=Cache.default(), clock=clock, transport=TimedTransport(port)
        )

    app = TapewatchApp(settings, source_factory=factory, clock=clock)
    display = app._display

    def measured_display(screen: Any, renderable: Any) -> None:
        display(screen, renderable)
        if renderable is not None:
            recorder.writes.append((time.monotonic(), recorder.probes))

    app._display = measured_display  # type: ignore[method-assign]

    def probe() -> None:
        recorder.probes += 1
        pane = app.dashboard.query_one("#indices")
        pane.border_title = "Indices ·" if recorder.probes % 2 else "Indices"

    app.bind(PROBE_KEY.decode(), "bench_probe", show=False)
    app.action_bench_probe = probe  # type: ignore[attr-defined]
    stop = threading.Event()
    watchdog = threading.Thread(target=_watchdog, args=(recorder, stop), daemon=True)

    async def main() -> None:
        monitor = asyncio.create_task(_monitor(app, recorder, out))
        watchdog.start()
        try:
            await app.run_async()
        finally:
            stop.set()
            monitor.cancel()

    asyncio.run(main())


# -- the parent: one run --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunFigures:
    max_stall_ms: float
    max_cpu_stall_ms: float  # the loop thread's own CPU time in its longest stall
    stalls_over_budget: int
    poll_s: float
    keys_from_s: float  # first key press, seconds after the first request
    latencies_ms: list[float]
    missed_presses: int
    top_stalls: list[tuple[float, list[str]]]  # (ms, the most sampled stack)


def _press_keys(process: PtyProcess, out: Path, every_s: float) -> list[float]:
    """Press the probe key every ``every_s`` until the app has written its results; when each
    was pressed."""
    presses: list[float] = []
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while not out.exists() and time.monotonic() < deadline:
        pressed = time.monotonic()
        os.write(process.master, PROBE_KEY)
        presses.append(pressed)
        next_press = pressed + every_s
        while time.monotonic() < next_press:
            if not process.pump(max(0.0, next_press - time.monotonic())):
                return presses
    return presses


def _figures(result: dict[str, Any], presses: list[float]) -> RunFigures:
    start = result["first_request"] or result["started"]
    end = result["done"] + WATCH_AFTER_DONE_S
    ticks = [(at, late, cpu) for at, late, cpu in result["lateness"] if start <= at <= end]
    window = [(at, late) for at, late, _ in ticks]
    stalls_ms = sorted((late * 1000 for _, late in window), reverse=True)
    cpu_stall_ms = max((cpu * 1000 for _, _, cpu in ticks), default=0.0)
    # Attribute the longest stalls to the stacks sampled while they lasted.
    top = []
    for at, late in sorted(window, key=lambda item: -item[1])[:5]:
        samples = result["samples"]
        stacks = [tuple(stack) for sampled, stack in samples if at - late <= sampled <= at]
        common = collections.Counter(stacks).most_common(1)
        top.append((late * 1000, list(common[0][0]) if common else []))
    writes = result["writes"]
    latencies, missed = [], 0
    for count, pressed in enumerate(presses, start=1):
        if pressed > end:
            continue
        # The first update drawn after the app had handled this press.
        shown = next((at for at, handled in writes if at >= pressed and handled >= count), None)
        if shown is None:
            missed += 1
        else:
            latencies.append((shown - pressed) * 1000)
    return RunFigures(
        max_stall_ms=stalls_ms[0] if stalls_ms else 0.0,
        max_cpu_stall_ms=cpu_stall_ms,
        stalls_over_budget=sum(1 for stall in stalls_ms if stall > STALL_BUDGET_MS),
        poll_s=result["done"] - start,
        keys_from_s=(presses[0] - start) if presses else float("nan"),
        latencies_ms=latencies,
        missed_presses=missed,
        top_stalls=top,
    )


def _culprit(stack: list[str]) -> str:
    """The innermost frame, and the innermost of tapewatch's own, of a sampled stack."""
    if not stack:
        return "(not sampled)"
    own = next((frame for frame in stack if frame.startswith(("tui/", "widgets/"))), None)
    shown = [stack[0]] if own is None or own == stack[0] else [stack[0], "...", own]
    return " < ".join(shown)


def one_run(
    port: int, settings_file: Path, columns: int, lines: int, every_s: float, tree: Path | None
) -> RunFigures:
    with fresh_home() as home:
        env = clean_env(home)
        env["PYTHONPATH"] = os.pathsep.join([*([str(tree)] if tree else []), str(ROOT)])
        out = home / "stall.json"
        argv = [
            str(PYTHON),
            str(Path(__file__).resolve()),
            "--app",
            "--port",
            str(port),
            "--settings",
            str(settings_file),
            "--out",
            str(out),
        ]
        process = PtyProcess(argv, env, columns, lines, FIRST_FRAME)
        try:
            if process.wait_for(FIRST_FRAME, RUN_TIMEOUT_S) is None:
                raise SystemExit(f"no first frame; screen ended:\n{process.screen.text[-2000:]}")
            process.drain(0.3)  # the Indices table takes the focus after the first frame
            presses = _press_keys(process, out, every_s)
            if not out.exists():
                screen = process.screen.text[-2000:]
                raise SystemExit(f"the app wrote no results; screen:\n{screen}")
            result = json.loads(out.read_text())
        finally:
            process.quit()
    if result["timed_out"]:
        raise SystemExit("the first full poll did not finish in time")
    return _figures(result, presses)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed cold starts")
    parser.add_argument("--size", default="160x48", help="terminal COLUMNSxLINES")
    parser.add_argument("--press-every", type=float, default=0.1, help="seconds between keys")
    parser.add_argument("--latency", type=float, default=0.02, help="the market's reply delay")
    parser.add_argument(
        "--finra-rows", type=int, nargs=2, default=(22000, 12000), metavar=("SI", "SV")
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--tree", type=Path, help="run the tui/widgets of another checkout")
    parser.add_argument("--app", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--settings", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.app:
        run_app(args.port, args.settings, args.out)
        return 0
    columns, lines = (int(part) for part in args.size.lower().split("x"))

    ours, theirs = multiprocessing.Pipe()
    context = multiprocessing.get_context("spawn")
    server = context.Process(target=serve, args=(args.latency, *args.finra_rows, theirs))
    server.start()
    runs: list[RunFigures] = []
    try:
        port, settings_bytes = ours.recv()
        with fresh_home() as folder:
            settings_file = folder / "settings.pickle"
            settings_file.write_bytes(settings_bytes)
            one_run(port, settings_file, columns, lines, args.press_every, args.tree)  # warm-up
            for run in range(args.runs):
                figures = one_run(port, settings_file, columns, lines, args.press_every, args.tree)
                runs.append(figures)
                print(
                    f"run {run + 1}: first full poll {figures.poll_s:.2f} s (keys from"
                    f" {figures.keys_from_s:.2f} s), longest stall"
                    f" {figures.max_stall_ms:.1f} ms ({figures.stalls_over_budget} over"
                    f" {STALL_BUDGET_MS:.0f} ms; CPU {figures.max_cpu_stall_ms:.1f} ms), key to"
                    " repaint median"
                    f" {median(figures.latencies_ms):.1f} ms p95 {p95(figures.latencies_ms):.1f} ms"
                    f" ({len(figures.latencies_ms)} presses, {figures.missed_presses} unmatched)"
                )
                for stall_ms, stack in figures.top_stalls[:3]:
                    print(f"    {stall_ms:6.1f} ms  {_culprit(stack)}")
    finally:
        with contextlib.suppress(OSError):
            ours.send("stop")
        server.join(timeout=10)
        if server.is_alive():
            server.kill()

    stalls = [figures.max_stall_ms for figures in runs]
    cpu_stalls = [figures.max_cpu_stall_ms for figures in runs]
    latencies = [latency for figures in runs for latency in figures.latencies_ms]
    polls = [figures.poll_s for figures in runs]
    print(f"\n{args.runs} cold starts at {columns}x{lines}, a key every {args.press_every} s")
    print(f"first full poll: median {median(polls):.2f} s")
    verdict = "met" if max(stalls) <= STALL_BUDGET_MS else "MISSED"
    print(
        f"longest stall per run: median {median(stalls):.1f} ms, worst {max(stalls):.1f} ms;"
        f" target {STALL_BUDGET_MS:.0f} ms -> {verdict}"
    )
    print(
        f"longest stall in the loop thread's own CPU time: median {median(cpu_stalls):.1f} ms,"
        f" worst {max(cpu_stalls):.1f} ms (waits for a core or the GIL left out)"
    )
    print(
        f"key to repaint: median {median(latencies):.1f} ms, p95 {p95(latencies):.1f} ms over"
        f" {len(latencies)} presses; target p95 < {KEY_BUDGET_MS:.0f} ms ->"
        f" {'met' if p95(latencies) < KEY_BUDGET_MS else 'MISSED'}"
    )
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {
                    "runs": args.runs,
                    "size": f"{columns}x{lines}",
                    "poll_s": {"median": median(polls)},
                    "max_stall_ms": {"median": median(stalls), "worst": max(stalls)},
                    "max_cpu_stall_ms": {"median": median(cpu_stalls), "worst": max(cpu_stalls)},
                    "key_to_repaint_ms": {"median": median(latencies), "p95": p95(latencies)},
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
