"""How long FINRA's files take to parse: a synthetic 22,000-row short-interest file (the size of a
real one) and a 12,000-row Reg SHO short-volume file, plus the listed-stock universe filter.

    uv run python benchmarks/parse_finra.py [--repeat N]

Prints the median and best wall time of each step in milliseconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import string
import time
from collections.abc import Callable

from tui.sources.finra import parse_short_interest, parse_short_volume
from tui.sources.finra_listing import market_universe

SHORT_INTEREST_ROWS = 22_000
SHORT_VOLUME_ROWS = 12_000

SHORT_INTEREST_HEADER = (
    "accountingYearMonthNumber|symbolCode|issueName|issuerServicesGroupExchangeCode|"
    "marketClassCode|currentShortPositionQuantity|previousShortPositionQuantity|stockSplitFlag|"
    "averageDailyVolumeQuantity|daysToCoverQuantity|revisionFlag|changePercent|"
    "changePreviousNumber|settlementDate"
)
# Roughly the mix of a real file: most rows OTC, the rest spread over the exchanges.
MARKETS = [("S", "OTC")] * 11 + [("A", "NYSE"), ("R", "NNM"), ("R", "SC"), ("B", "AMEX")] * 2
MARKETS += [("E", "ARCA"), ("H", "BZX")]
NAME_WORDS = ["Holdings", "Inc.", "Corp", "Therapeutics", "Bancorp", "Energy", "Group", "ETF"]


def symbols(count: int, rng: random.Random) -> list[str]:
    """Distinct tickers of one to five capital letters, sorted like FINRA's files."""
    chosen: set[str] = set()
    while len(chosen) < count:
        length = rng.choice((1, 2, 3, 3, 4, 4, 4, 5))
        chosen.add("".join(rng.choices(string.ascii_uppercase, k=length)))
    return sorted(chosen)


def short_interest_file(settlement: dt.date, rng: random.Random) -> bytes:
    lines = [SHORT_INTEREST_HEADER]
    for symbol in symbols(SHORT_INTEREST_ROWS, rng):
        group, market = rng.choice(MARKETS)
        name = f"{symbol.title()} {' '.join(rng.choices(NAME_WORDS, k=2))}"[:30]
        current, previous = rng.randint(0, 50_000_000), rng.randint(0, 50_000_000)
        volume = rng.choice((0, rng.randint(1, 20_000_000)))
        days = 999.99 if volume == 0 else max(1.0, round(current / volume, 2))
        change = current - previous
        percent = round(100 * change / previous, 2) if previous else 100.0
        lines.append(
            f"{settlement:%Y%m%d}|{symbol}|{name}|{group}|{market}|{current}|{previous}||"
            f"{volume}|{days:.2f}||{percent:.2f}|{change}|{settlement:%Y-%m-%d}"
        )
    return ("\n".join(lines) + "\n").encode()


def short_volume_file(day: dt.date, rng: random.Random) -> bytes:
    lines = ["Date|Symbol|ShortVolume|ShortExemptVolume|TotalVolume|Market"]
    for symbol in symbols(SHORT_VOLUME_ROWS, rng):
        total = rng.uniform(100, 50_000_000)
        short = total * rng.uniform(0.2, 0.7)
        exempt = rng.randint(0, 5_000)
        lines.append(f"{day:%Y%m%d}|{symbol}|{short:.6f}|{exempt}|{total:.6f}|B,Q,N")
    lines.append(str(SHORT_VOLUME_ROWS))
    return ("\r\n".join(lines) + "\r\n").encode()


def measure(label: str, step: Callable[[], object], repeat: int) -> None:
    step()  # warm-up: polars' thread pool and regex compilation
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        step()
        timings.append((time.perf_counter() - started) * 1000)
    median, best = statistics.median(timings), min(timings)
    print(f"{label:<44} median {median:7.1f} ms   best {best:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per step")
    repeat = parser.parse_args().repeat
    rng = random.Random(20260211)
    short_interest = short_interest_file(dt.date(2026, 1, 30), rng)
    short_volume = short_volume_file(dt.date(2026, 2, 10), rng)
    parsed = parse_short_interest(short_interest)
    print(
        f"short interest: {parsed.height:,} rows, {len(short_interest) / 1e6:.1f} MB; "
        f"short volume: {SHORT_VOLUME_ROWS:,} rows, {len(short_volume) / 1e6:.1f} MB"
    )
    measure("parse_short_interest (22k rows)", lambda: parse_short_interest(short_interest), repeat)
    measure("parse_short_volume (12k rows, CRLF)", lambda: parse_short_volume(short_volume), repeat)
    measure("market_universe (22k rows)", lambda: market_universe(parsed), repeat)


if __name__ == "__main__":
    main()
