"""Which feed priced a row, where it matters: a trade feed of one venue (Alpaca's IEX trades,
Finnhub's trades) next to Yahoo's consolidated prices. Such a row's price carries a mark, and the
pane's legend says what the mark means; Yahoo's polls and its streamer are one feed and carry
none. Plain Python, no textual."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

# A price from a one-venue trade feed is marked; the legend names the feed.
PRICE_MARKS: Final[Mapping[str, tuple[str, str]]] = {
    "alpaca-iex": ("ⁱ", "Alpaca's IEX trades"),
    "finnhub": ("ᶠ", "Finnhub's trades"),
}


def price_mark(source: str | None) -> str:
    """The mark after a price from ``source`` ("" for Yahoo's, the demo's, your files')."""
    mark = PRICE_MARKS.get(source or "")
    return mark[0] if mark is not None else ""


def price_marks_legend(sources: Iterable[str | None]) -> str | None:
    """What the marks in a pane mean ("ⁱ last trade on IEX (Alpaca's IEX trades), one venue"),
    None when no row carries one."""
    used = [
        PRICE_MARKS[source]
        for source in dict.fromkeys(sources)
        if source is not None and source in PRICE_MARKS
    ]
    if not used:
        return None
    return " · ".join(f"{mark} price from {name}, one venue" for mark, name in used)
