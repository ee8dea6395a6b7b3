"""A `Source` that answers from frames saved as Arrow IPC files, for benchmarks/memory.py.

`save_market` writes a `MarketData`'s frames to a folder; `FrameSource` reads them back (into
memory, as a real source holds them) and answers every request with the
whole frame, whatever symbols were asked for, so the store ends up holding exactly those frames.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from tui.analytics.market import MarketData
from tui.sources.base import BarInterval, Fetched, FetchOutcome, SourceRole, SymbolInfo

FRAMES = ("quotes", "daily", "intraday", "short_interest", "short_volume", "shares")


def save_market(data: MarketData, folder: Path) -> None:
    """Write ``data``'s frames, its clock and its symbols' sectors to ``folder``."""
    for name in FRAMES:
        frame: pl.DataFrame = getattr(data, name)
        frame.write_ipc(folder / f"{name}.arrow")
    sectors = {symbol: info.sector for symbol, info in data.info.items()}
    meta = {"now": data.now.isoformat(), "sectors": sectors}
    (folder / "meta.json").write_text(json.dumps(meta))


class FrameSource:
    """Implements `Source` from the files `save_market` wrote."""

    name = "bench"
    label = "BENCH"
    is_demo = False

    def __init__(self, folder: Path) -> None:
        # From bytes, not the path: a file could be memory-mapped, and a real source's frames
        # live on the heap.
        self.frames = {
            name: pl.read_ipc((folder / f"{name}.arrow").read_bytes()) for name in FRAMES
        }
        meta = json.loads((folder / "meta.json").read_text())
        self._now = dt.datetime.fromisoformat(meta["now"])
        self._info = {
            symbol: SymbolInfo(symbol, symbol, sector) for symbol, sector in meta["sectors"].items()
        }

    def source_for(self, role: SourceRole) -> str:
        return self.name

    def now(self) -> dt.datetime:
        return self._now

    def describe(self, symbol: str) -> SymbolInfo | None:
        return self._info.get(symbol)

    def known_symbols(self) -> Sequence[str]:
        return list(self._info)

    def _answer(self, name: str) -> FetchOutcome:
        return Fetched(self.frames[name], self._now)

    async def quotes(self, symbols: Sequence[str]) -> FetchOutcome:
        return self._answer("quotes")

    async def bars(self, symbols: Sequence[str], interval: BarInterval, days: int) -> FetchOutcome:
        return self._answer("daily" if interval == "1d" else "intraday")

    async def short_interest(
        self, symbols: Sequence[str] | None, settlements: int = 1
    ) -> FetchOutcome:
        return self._answer("short_interest")

    async def short_volume(self, symbols: Sequence[str] | None, days: int) -> FetchOutcome:
        return self._answer("short_volume")

    async def shares(self, symbols: Sequence[str]) -> FetchOutcome:
        return self._answer("shares")

    async def aclose(self) -> None:
        return None
