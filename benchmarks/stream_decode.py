"""What a streamed price costs to decode: one Yahoo streamer frame (JSON envelope, base64,
protobuf PricingData) into a Tick, and the same for Alpaca and Finnhub trade frames.

    uv run python benchmarks/stream_decode.py [--frames N] [--repeat N]

Prints, per provider, the median microseconds per frame (decode and Tick construction, as the
client's read loop does them) and the frames per second one core sustains at that cost. The
frames are varied (symbols, prices, sessions) so no cache flatters them.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import statistics
import time
from collections.abc import Callable

from tui.sources.streaming.alpaca import parse_alpaca_frame
from tui.sources.streaming.finnhub import parse_finnhub_frame
from tui.sources.streaming.pricing import PricingData
from tui.sources.streaming.ticks import Tick
from tui.sources.streaming.yahoo import parse_yahoo_frame

SYMBOLS = ["AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "AVGO", "ORCL", "XLK", "SPY", "^VIX"]
START_MS = 1_770_739_200_000  # 2026-02-10 16:00 UTC


def yahoo_frames(count: int, rng: random.Random) -> list[str]:
    frames = []
    for i in range(count):
        message = PricingData(
            id=rng.choice(SYMBOLS),
            price=rng.uniform(10, 900),
            time=START_MS + i * 1000,
            exchange="NMS",
            quote_type=8,
            market_hours=rng.choice((0, 1, 1, 1, 2)),
            change=rng.uniform(-5, 5),
            change_percent=rng.uniform(-3, 3),
            day_volume=rng.randint(10_000, 90_000_000),
            last_size=rng.randint(1, 500),
            price_hint=2,
        )
        encoded = base64.b64encode(message.SerializeToString()).decode()
        frames.append(json.dumps({"type": "pricing", "message": encoded}))
    return frames


def alpaca_frames(count: int, rng: random.Random) -> list[str]:
    return [
        json.dumps(
            [
                {
                    "T": "t",
                    "i": i,
                    "S": rng.choice(SYMBOLS),
                    "x": "V",
                    "p": round(rng.uniform(10, 900), 2),
                    "s": rng.randint(1, 500),
                    "t": f"2026-02-10T16:{i // 60 % 60:02d}:{i % 60:02d}.{i % 10**9:09d}Z",
                    "c": ["@"],
                    "z": "C",
                }
            ]
        )
        for i in range(count)
    ]


def finnhub_frames(count: int, rng: random.Random) -> list[str]:
    return [
        json.dumps(
            {
                "type": "trade",
                "data": [
                    {
                        "s": rng.choice(SYMBOLS),
                        "p": round(rng.uniform(10, 900), 2),
                        "t": START_MS + i,
                        "v": rng.randint(1, 500),
                        "c": ["1"],
                    }
                ],
            }
        )
        for i in range(count)
    ]


def per_frame_us(parse: Callable[[str], list[Tick]], frames: list[str], repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        for frame in frames:
            parse(frame)
        timings.append((time.perf_counter() - started) / len(frames) * 1e6)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(42)
    cases: list[tuple[str, Callable[[str], list[Tick]], list[str]]] = [
        ("yahoo (json + base64 + protobuf)", parse_yahoo_frame, yahoo_frames(args.frames, rng)),
        ("alpaca (json, RFC 3339 time)", parse_alpaca_frame, alpaca_frames(args.frames, rng)),
        ("finnhub (json, epoch ms)", parse_finnhub_frame, finnhub_frames(args.frames, rng)),
    ]
    print(f"{'frames of one tick':34} {'median us':>10} {'best us':>9} {'frames/s/core':>14}")
    for name, parse, frames in cases:
        assert len(parse(frames[0])) == 1
        timings = per_frame_us(parse, frames, args.repeat)
        median = statistics.median(timings)
        print(f"{name:34} {median:10.2f} {min(timings):9.2f} {1e6 / median:14,.0f}")


if __name__ == "__main__":
    main()
