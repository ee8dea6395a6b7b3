"""Time a quotes refresh of 150 symbols from Yahoo, against the fault server with 50 ms latency.

Budget: one round-trip per concurrency slot, i.e. 150 / 8 x 50 ms (about 0.94 s) for a refresh,
which needs one request per symbol once the previous closes are cached. The first poll also asks
for each symbol's daily closes (two requests per symbol, sent together), so it is reported apart.

    uv run python benchmarks/quotes_refresh.py [--symbols 150] [--latency 0.05] [--runs 5]

For scale, the same run also times bare httpx fetching the same 150 replies through a semaphore of
the same size (no retries, no parsing): the floor this machine's HTTP stack sets. The server runs
in a child process, as a real one would not share our CPU. Every symbol is served
the same recorded-shape payloads from tests/fixtures/yahoo; the source's clock is moved on by the
quotes cadence between polls so that no reply is reused from its short cache.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing
import statistics
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.faultserver when run as a script

from tests.faultserver import FaultServer, RecordedRequest, Reply  # noqa: E402
from tui.config import HttpSettings, RefreshSettings, YahooSettings  # noqa: E402
from tui.sources.base import Fetched  # noqa: E402
from tui.sources.http import HttpClient  # noqa: E402
from tui.sources.yahoo.source import YahooSource  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "yahoo"
INTRADAY = (FIXTURES / "chart_AAPL_5m_1d_prepost_2026-02-10.json").read_bytes()
DAILY = (FIXTURES / "chart_AAPL_1d_5d_2026-02-10.json").read_bytes()
CAPTURED = dt.datetime(2026, 2, 10, 16, 2, 20, tzinfo=dt.UTC)


def chart(request: RecordedRequest) -> Reply:
    body = DAILY if request.query.get("interval") == "1d" else INTRADAY
    return Reply(200, body, {"Content-Type": "application/json"})


def serve(latency_s: float, pipe: Connection) -> None:
    """Child process: run the server until the parent asks for its request log."""

    async def run() -> None:
        async with FaultServer(latency_s=latency_s) as server:
            server.fallback = chart
            asked = asyncio.Event()
            asyncio.get_running_loop().add_reader(pipe.fileno(), asked.set)
            pipe.send(server.url)
            await asked.wait()
            asyncio.get_running_loop().remove_reader(pipe.fileno())
            pipe.recv()
            pipe.send((len(server.requests), server.max_in_flight))

    asyncio.run(run())


class SteppingClock:
    """A fixed market time that the benchmark moves on by one poll interval at a time."""

    def __init__(self) -> None:
        self.now = CAPTURED

    def __call__(self) -> dt.datetime:
        return self.now


async def timed_poll(source: YahooSource, symbols: list[str]) -> float:
    started = time.perf_counter()
    outcome = await source.quotes(symbols)
    elapsed = time.perf_counter() - started
    if not isinstance(outcome, Fetched) or outcome.frame.height != len(symbols):
        raise SystemExit(f"poll failed: {outcome}")
    print(f"  {elapsed * 1000:7.1f} ms")
    return elapsed


async def bare_httpx(url: str, symbols: list[str], slots: int) -> float:
    """One round of the same intraday requests through a plain httpx client."""
    slot = asyncio.Semaphore(slots)

    async def fetch(client: httpx.AsyncClient, symbol: str) -> None:
        async with slot:
            reply = await client.get(f"{url}/v8/finance/chart/{symbol}", params={"interval": "5m"})
            reply.raise_for_status()

    async with httpx.AsyncClient() as client:
        started = time.perf_counter()
        await asyncio.gather(*(fetch(client, symbol) for symbol in symbols))
        return time.perf_counter() - started


async def measure(url: str, symbols: list[str], runs: int) -> tuple[float, list[float]]:
    clock = SteppingClock()
    client = HttpClient(HttpSettings())
    try:
        source = YahooSource(client, YahooSettings(base_url=url), clock=clock)
        print("first poll (intraday + daily closes):")
        first = await timed_poll(source, symbols)
        print(f"refreshes ({runs}):")
        refreshes = []
        for _ in range(runs):
            clock.now += dt.timedelta(seconds=RefreshSettings().quotes)
            refreshes.append(await timed_poll(source, symbols))
    finally:
        await client.aclose()
    return first, refreshes


def main(symbol_count: int, latency_s: float, runs: int) -> None:
    slots = HttpSettings().per_host_concurrency
    symbols = [f"S{index:03d}" for index in range(symbol_count)]
    budget_s = symbol_count / slots * latency_s
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(target=serve, args=(latency_s, theirs))
    server.start()
    try:
        url = ours.recv()
        print(f"{symbol_count} symbols, {latency_s * 1000:.0f} ms latency, {slots} slots per host")
        first, refreshes = asyncio.run(measure(url, symbols, runs))
        bare = [asyncio.run(bare_httpx(url, symbols, slots)) for _ in range(runs)]
        ours.send("report")
        requests, max_in_flight = ours.recv()
    finally:
        server.join(timeout=10)
        if server.is_alive():
            server.kill()
    median = statistics.median(refreshes)
    print(f"budget {budget_s * 1000:.0f} ms ({symbol_count} / {slots} x {latency_s * 1000:.0f} ms)")
    print(f"refresh median {median * 1000:.0f} ms = {median / budget_s:.2f} x budget")
    print(f"first poll {first * 1000:.0f} ms = {first / budget_s:.2f} x budget")
    bare_median = statistics.median(bare)
    print(f"bare httpx median {bare_median * 1000:.0f} ms = {bare_median / budget_s:.2f} x budget")
    print(f"server: {requests} requests, at most {max_in_flight} at once")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=150)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()
    main(arguments.symbols, arguments.latency, arguments.runs)
