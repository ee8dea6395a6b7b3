"""Streaming prices: Yahoo's streamer (no key), Alpaca's IEX trades and Finnhub's trades (keyed).

One client core (``StreamClient``) runs any provider; a scheduler starts it, feeds it the symbols
on screen, reads ``Tick``s and ``StreamState``s, and polls instead whenever the state is not
live. No textual import.

    client = StreamClient(YahooStream(), on_tick=store.apply_tick, on_state=health.stream)
    client.subscribe(["AAPL", "MSFT"])
    task = client.start()
    ...
    client.subscribe(["AAPL", "NVDA"])  # replaces the set while running
    ...
    await client.stop()
"""

from tui.sources.streaming.alpaca import AlpacaCredentials, AlpacaStream
from tui.sources.streaming.client import (
    AuthRejected,
    Backoff,
    FrameError,
    StreamClient,
    StreamClock,
    StreamProvider,
    SystemClock,
    us_market_open,
)
from tui.sources.streaming.finnhub import FinnhubStream, load_finnhub_token
from tui.sources.streaming.keys import KeyUnavailable, Secret, read_secret
from tui.sources.streaming.ticks import StreamPhase, StreamState, Tick
from tui.sources.streaming.yahoo import YahooStream

__all__ = [
    "AlpacaCredentials",
    "AlpacaStream",
    "AuthRejected",
    "Backoff",
    "FinnhubStream",
    "FrameError",
    "KeyUnavailable",
    "Secret",
    "StreamClient",
    "StreamClock",
    "StreamPhase",
    "StreamProvider",
    "StreamState",
    "SystemClock",
    "Tick",
    "YahooStream",
    "load_finnhub_token",
    "read_secret",
    "us_market_open",
]
