"""How long SSGA's workbooks take to parse, and that fetching them leaves the event loop free.

Builds, in SSGA's layout, a NAV history workbook of 5,800 sessions (about 23 years, the oldest
two with "-" for shares and assets) and holdings workbooks of 70 lines
(a sector fund) and 505 lines (SPY), then:

1. times the pure parsers (median and best of ``--repeat`` runs, milliseconds);
2. serves the workbooks on loopback and fetches them through `SsgaSource` (download, parse and
   cache write in a worker thread) while a 1 ms heartbeat runs on the event loop, and reports the
   longest gap between heartbeats; then does the same with the parsers called on the loop itself,
   for comparison. The HTTP client makes one warm-up request first (its first request sets up
   its connection machinery on the loop, whatever the source).

    uv run python benchmarks/parse_ssga.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.faultserver and tests.ssga_workbooks as a script

from tests.faultserver import FaultServer, Reply  # noqa: E402
from tests.ssga_workbooks import (  # noqa: E402
    CASH_LINE,
    holdings_workbook,
    nav_workbook,
    ssga_date,
)
from tui.cache import Cache  # noqa: E402
from tui.config import HttpSettings, SsgaSettings  # noqa: E402
from tui.market_hours import NEW_YORK, last_trading_days  # noqa: E402
from tui.sources.http import HttpClient  # noqa: E402
from tui.sources.ssga import SsgaSource, parse_holdings, parse_nav_history  # noqa: E402

NAV_DAYS = 5_800
SHARES_SINCE = dt.date(2006, 1, 3)  # earlier rows print "-" for shares and assets
NEWEST = dt.date(2026, 12, 3)
HEARTBEAT_S = 0.001


def nav_book(seed: int = 1) -> bytes:
    """A NAV history workbook of NAV_DAYS sessions ending at NEWEST, newest first."""
    rng = random.Random(seed)
    days = last_trading_days(NEWEST, NAV_DAYS)
    nav, shares = 25.0, 40_000_000.0
    rows: list[tuple[str, float, float | str, float | str]] = []
    for day in days:
        nav *= 1 + rng.gauss(0.0003, 0.012)
        shares = max(shares + rng.choice((-2, -1, 0, 1, 2)) * 50_000, 1_000_000)
        if day < SHARES_SINCE:
            rows.append((ssga_date(day), round(nav, 6), "-", "-"))
        else:
            rows.append((ssga_date(day), round(nav, 6), shares, round(nav * shares, 2)))
    return nav_workbook("XLK", rows[::-1])


def holdings_book(fund: str, lines: int, seed: int = 2) -> bytes:
    rng = random.Random(seed)
    weights = [rng.paretovariate(1.2) for _ in range(lines)]
    total = sum(weights)
    rows = [
        (
            f"COMPANY {i} INC",
            f"T{i:03d}",
            f"{i:09d}",
            f"{i:07d}",
            100.0 * w / total,
            "-",
            float(rng.randrange(1_000, 50_000_000)),
            "USD",
        )
        for i, w in enumerate(weights)
    ]
    return holdings_workbook(fund, NEWEST, [*rows, CASH_LINE])


def timed(step: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and best wall time of ``step`` in milliseconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        step()
        times.append((time.perf_counter() - started) * 1000.0)
    return statistics.median(times), min(times)


async def longest_stall(work: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    """Run ``work`` beside a 1 ms heartbeat; (longest gap between beats, work's duration) in ms."""
    done = asyncio.Event()
    gaps: list[float] = []

    async def heartbeat() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(HEARTBEAT_S)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    beat = asyncio.create_task(heartbeat())
    await asyncio.sleep(0.01)
    started = time.perf_counter()
    await work()
    duration = time.perf_counter() - started
    done.set()
    await beat
    return max(gaps) * 1000.0, duration * 1000.0


async def through_the_source(nav: bytes, sector: bytes, spy: bytes, runs: int) -> None:
    async with FaultServer() as server:
        server.serve("/lib/navhist-us-en-xlk.xlsx", Reply(200, nav))
        server.serve("/lib/holdings-daily-us-en-xlk.xlsx", Reply(200, sector))
        server.serve("/lib/holdings-daily-us-en-spy.xlsx", Reply(200, spy))
        client = HttpClient(HttpSettings())
        moment = dt.datetime.combine(NEWEST, dt.time(21), tzinfo=NEW_YORK)
        stalls, durations, direct = [], [], []
        try:
            # The client's first request imports and sets up its connection machinery on the
            # loop (~100 ms here); that is not the SSGA source's doing, so it is left out.
            await client.get(server.url + "/warm-up", source="ssga", accept=(404,))
            for _ in range(runs):
                with tempfile.TemporaryDirectory() as folder:
                    source = SsgaSource(
                        client,
                        SsgaSettings(base_url=server.url + "/lib"),
                        clock=lambda: moment,
                        cache=Cache(Path(folder)),
                    )

                    async def fetch_all(source: SsgaSource = source) -> None:
                        await asyncio.gather(
                            source.fund_nav_history(["XLK"], NAV_DAYS),
                            source.fund_holdings(["XLK", "SPY"]),
                        )

                    stall, duration = await longest_stall(fetch_all)
                    stalls.append(stall)
                    durations.append(duration)

                async def on_the_loop() -> None:
                    parse_nav_history(nav, "XLK")
                    parse_holdings(sector, "XLK")
                    parse_holdings(spy, "SPY")

                direct.append((await longest_stall(on_the_loop))[0])
        finally:
            await client.aclose()
    print(
        f"fetch NAV history + 2 holdings through SsgaSource (threads): "
        f"{statistics.median(durations):.1f} ms; longest event-loop stall "
        f"median {statistics.median(stalls):.1f} ms, worst {max(stalls):.1f} ms"
    )
    print(
        f"the same three parses on the event loop: longest stall "
        f"median {statistics.median(direct):.1f} ms, worst {max(direct):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="runs per measurement")
    args = parser.parse_args()
    nav, sector, spy = nav_book(), holdings_book("XLK", 70), holdings_book("SPY", 505)
    rows = parse_nav_history(nav, "XLK").height
    print(f"NAV history: {rows} rows, {len(nav) / 1024:.0f} KiB; holdings: 70 and 505 lines")
    for label, step in (
        (f"parse_nav_history ({rows} rows)", lambda: parse_nav_history(nav, "XLK")),
        ("parse_holdings (70 lines)", lambda: parse_holdings(sector, "XLK")),
        ("parse_holdings (505 lines)", lambda: parse_holdings(spy, "SPY")),
    ):
        median, best = timed(step, args.repeat)
        print(f"{label:<34} median {median:7.1f} ms   best {best:7.1f} ms")
    asyncio.run(through_the_source(nav, sector, spy, max(3, args.repeat // 4)))


if __name__ == "__main__":
    main()
