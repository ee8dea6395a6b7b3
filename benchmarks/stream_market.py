"""The live market on loopback with a price stream: for benchmarks/stream_cpu.py and to watch the
stream by hand.

    uv run python benchmarks/stream_market.py market                 # Yahoo, FINRA, the SEC
    uv run python benchmarks/stream_market.py stream --rate 100      # Yahoo's streamer
    uv run python benchmarks/stream_market.py app                    # the app on both

`market` serves tests/loopback_market.py (a frozen demo market in Yahoo's, FINRA's and the SEC's
formats) on 127.0.0.1 and `stream` a loopback Yahoo streamer (tests/streamserver.py framing)
that sends ``--rate`` price updates a second, round-robin over the symbols the app subscribed
to, each a small random step from the market's own quote. Each writes its port to a file in
``--state`` (default /tmp/tapewatch-stream-market), so `app` can find them; `stream` can be
stopped (Ctrl+C) and started again on the same port to watch the fallback to polling and the
recovery. `app` runs tapewatch on them, with its wall clock at the loopback market's moment (a
Wednesday in the regular session), so the stream is due: run it in a terminal (or tmux).

No network beyond 127.0.0.1; every loop stops by itself when its process is stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # tests.loopback_market, tests.streamserver

STATE = Path("/tmp/tapewatch-stream-market")


def market_clock(market: dict[str, Any]) -> Callable[[], dt.datetime]:
    """The loopback market's clock: its moment when it started, running on since."""
    moment = dt.datetime.fromisoformat(market["moment"])
    started = float(market["started"])
    return lambda: moment + dt.timedelta(seconds=time.time() - started)


def _state(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}.json"


async def serve_market(folder: Path) -> None:
    """The loopback market until interrupted; its port and quotes go to ``folder``."""
    from tests.faultserver import FaultServer
    from tests.loopback_market import LoopbackMarket

    async with FaultServer() as server:
        market = await LoopbackMarket.start(server)
        quotes = {
            row["symbol"]: row["last"]
            for row in market.truth.quotes.iter_rows(named=True)
            if row["last"] is not None
        }
        moment = market.truth.moment.isoformat()
        # The market's clock runs on from its moment, from now: the streamer's ticks and the
        # app's clock both read it, so ticks of a restarted streamer are newer than before.
        _state(folder, "market").write_text(
            json.dumps(
                {"port": market.port, "moment": moment, "started": time.time(), "quotes": quotes}
            )
        )
        print(f"loopback market on 127.0.0.1:{market.port} (Ctrl+C to stop)", flush=True)
        await asyncio.Event().wait()


async def serve_stream(folder: Path, rate: float, port: int | None) -> None:
    """A loopback Yahoo streamer sending ``rate`` updates a second until interrupted."""
    from tests.streamserver import StreamServer, pricing_frame

    market = json.loads(_state(folder, "market").read_text())
    quotes: dict[str, float] = market["quotes"]
    clock = market_clock(market)
    saved = _state(folder, "stream")
    if port is None and saved.exists():
        port = json.loads(saved.read_text())["port"]
    server = StreamServer("yahoo", port=port or 0)
    rng = random.Random(7)
    prices = dict(quotes)
    async with server:
        saved.write_text(json.dumps({"port": server.port}))
        print(f"loopback streamer on {server.url}, {rate:g} updates/s (Ctrl+C to stop)", flush=True)
        began = time.monotonic()
        sent = 0
        turn = 0
        while True:
            subscribed = sorted(server.subscribed & prices.keys())
            elapsed = time.monotonic() - began
            due = int(elapsed * rate)
            if not subscribed:
                await asyncio.sleep(0.1)
                began, sent = time.monotonic(), 0
                continue
            for _ in range(max(0, due - sent)):
                symbol = subscribed[turn % len(subscribed)]
                turn += 1
                price = prices[symbol] = round(prices[symbol] * (1 + rng.gauss(0, 0.0004)), 2)
                change = price - quotes[symbol]
                stamp = clock()
                await server.push(
                    pricing_frame(
                        symbol,
                        price,
                        int(stamp.timestamp() * 1000),
                        change=change,
                        change_percent=100 * change / quotes[symbol],
                    )
                )
            sent = max(sent, due)
            await asyncio.sleep(0.01)


def settings_for(folder: Path) -> Any:
    """The app's settings: the loopback market's services (reached through a transport that
    delivers every request to its port) and the loopback streamer."""
    from dataclasses import replace

    from tests.loopback_market import (
        FINRA_URL,
        SEC_CONTACT,
        SEC_TICKERS_URL,
        SEC_URL,
        YAHOO_URL,
    )
    from tui.config import (
        FinraSettings,
        SecSettings,
        Settings,
        SourcesSettings,
        StreamSettings,
        YahooSettings,
    )

    stream = json.loads(_state(folder, "stream").read_text())
    sources = SourcesSettings(
        yahoo=YahooSettings(base_url=YAHOO_URL),
        finra=FinraSettings(base_url=FINRA_URL),
        sec=SecSettings(base_url=SEC_URL, tickers_url=SEC_TICKERS_URL, contact=SEC_CONTACT),
    )
    return replace(
        Settings(),
        source="live",
        sources=sources,
        stream=StreamSettings(url=f"ws://127.0.0.1:{stream['port']}/"),
    )


def make_app(folder: Path) -> Any:
    """tapewatch on the loopback market and streamer, its clock running on from the market's
    moment (a Wednesday in the regular session, so the stream is due)."""
    from tests.loopback_market import LoopbackTransport
    from tui.app import TapewatchApp
    from tui.cache import Cache
    from tui.sources.live import LiveSource

    market = json.loads(_state(folder, "market").read_text())
    clock = market_clock(market)

    def source(settings: Any, as_of: Any) -> Any:
        transport = LoopbackTransport(market["port"])
        return LiveSource(settings, cache=Cache.default(), clock=clock, transport=transport)

    return TapewatchApp(settings_for(folder), source_factory=source, clock=clock)


def run_app(folder: Path) -> int:
    result = make_app(folder).run()
    return result if isinstance(result, int) else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["market", "stream", "app"])
    parser.add_argument("--state", type=Path, default=STATE, help="where the ports are kept")
    parser.add_argument("--rate", type=float, default=100.0, help="stream updates a second")
    parser.add_argument("--port", type=int, help="the streamer's port (default: as before)")
    args = parser.parse_args(argv)
    try:
        if args.what == "market":
            asyncio.run(serve_market(args.state))
        elif args.what == "stream":
            asyncio.run(serve_stream(args.state, args.rate, args.port))
        else:
            return run_app(args.state)
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
