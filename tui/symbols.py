"""Ticker symbols: one spelling for every source and every input, and finding a symbol by what a
user types (its symbol, part of it, or its company's name). No textual import.

The canonical spelling is upper case with a share class after a dash: ``BRK-B``. It is how Yahoo,
the SEC's ticker list and the demo market write class shares; FINRA, SSGA's holdings and the
Alpaca and Finnhub streams write ``BRK.B`` and some feeds ``BRK/B``. Each source converts at its
boundary (``canonical`` for one symbol, ``canonical_symbols`` for a polars column, ``dotted`` for
what a stream is asked for), and every symbol a user types or configures goes through
``parse_symbol``, so BRK.B, brk-b and BRK/B are one ticker, shown the same everywhere.

A separator followed by exactly one letter is a share class; longer suffixes are left as they are
(``RY.TO``, ``BTC-USD``). A one-letter exchange suffix (Yahoo's ``VOD.L``) therefore reads as a
share class: tapewatch watches US listings.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from tui.plain import shown

if TYPE_CHECKING:
    import polars as pl

MAX_SYMBOL_LENGTH = 15
# One pattern for Python's `re` and for polars (Rust regex): a root, a class separator, a letter.
SHARE_CLASS_PATTERN = r"^([A-Z0-9]+)[./]([A-Z])$"
_SHARE_CLASS = re.compile(SHARE_CLASS_PATTERN)
_DASHED_CLASS = re.compile(r"^([A-Z0-9]+)-([A-Z])$")
_SYMBOL = re.compile(rf"[A-Z0-9.\-^=]{{1,{MAX_SYMBOL_LENGTH}}}")


def canonical(symbol: str) -> str:
    """``symbol`` in the canonical spelling: stripped, upper case, a share class after a dash
    (``brk.b`` -> ``BRK-B``). Nothing is checked: for symbols that come from a source."""
    return _SHARE_CLASS.sub(r"\1-\2", symbol.strip().upper())


def canonical_symbols(column: pl.Expr) -> pl.Expr:
    """A polars column of symbols in the canonical spelling (what ``canonical`` does to one)."""
    return column.str.strip_chars().str.to_uppercase().str.replace(SHARE_CLASS_PATTERN, "$1-$2")


def dotted(symbol: str) -> str:
    """A canonical symbol as exchanges, FINRA and the Alpaca and Finnhub streams write a share
    class: after a dot (``BRK-B`` -> ``BRK.B``)."""
    return _DASHED_CLASS.sub(r"\1.\2", symbol)


def parse_symbol(text: str) -> str:
    """A symbol a user typed or configured, in the canonical spelling.

    Letters, digits and ``. - ^ =`` (``^GSPC``, ``EURUSD=X``), and ``/`` only before a share
    class (``BRK/B``), 1 to 15 characters; anything else raises ``ValueError`` with a message
    meant for the user.
    """
    text = text.strip()
    if not text:
        raise ValueError("a ticker symbol cannot be empty")
    symbol = canonical(text)
    if not _SYMBOL.fullmatch(symbol):
        raise ValueError(
            f"`{shown(text, 20)}` is not a ticker symbol: use letters, digits and . - ^ = "
            f"(at most {MAX_SYMBOL_LENGTH} characters)"
        )
    return symbol


# --- finding a symbol ------------------------------------------------------------------------


class Described(Protocol):
    """What a source says about a symbol (`tui.sources.base.SymbolInfo` is one)."""

    @property
    def name(self) -> str: ...


@dataclass(frozen=True, slots=True)
class SymbolEntry:
    """A symbol a user can open, and its company's (or fund's, or index's) name."""

    symbol: str
    name: str


def directory(
    symbols: Iterable[str], describe: Callable[[str], Described | None]
) -> list[SymbolEntry]:
    """Every symbol with its name (empty when the source has none), sorted by symbol."""
    entries = []
    for symbol in sorted(set(symbols)):
        info = describe(symbol)
        name = info.name if info is not None and info.name != symbol else ""
        entries.append(SymbolEntry(symbol, name))
    return entries


# How a query matched, best first.
MatchKind = Literal["symbol", "prefix", "name", "close"]
_RANKS: dict[MatchKind, int] = {"symbol": 0, "prefix": 1, "name": 2, "close": 3}


@dataclass(frozen=True, slots=True)
class SymbolMatch:
    """One suggestion for a query: the entry and how it matched."""

    entry: SymbolEntry
    kind: MatchKind


_WORD = re.compile(r"[a-z0-9]+")
CLOSE_ENOUGH = 0.75  # how alike (difflib's ratio) a misspelling and a symbol or name word are


@dataclass(frozen=True, slots=True)
class _Indexed:
    entry: SymbolEntry
    name: str  # case-folded
    words: tuple[str, ...]


class SymbolDirectory:
    """The symbols a user can open, ready to be searched as they type (names are case-folded
    and split into words once, so a market of thousands of names answers a keystroke quickly)."""

    def __init__(self, entries: Iterable[SymbolEntry]) -> None:
        self._indexed = [
            _Indexed(entry, name, tuple(_WORD.findall(name)))
            for entry in entries
            for name in (entry.name.casefold(),)
        ]

    def __len__(self) -> int:
        return len(self._indexed)

    def find(self, query: str, limit: int = 6) -> list[SymbolMatch]:
        """The entries closest to ``query``, best first, at most ``limit``.

        Best is the symbol itself (in any spelling: ``brk.b`` finds BRK-B), then symbols that
        start with it, then names that start with it, names with a word that starts with it
        (``micro`` finds Microsoft and Advanced Micro Devices) and, from three letters, names
        that contain it; failing those, symbols and name words spelled closely (``microsfot``).
        Ties go to the shorter symbol.
        """
        text = query.strip()
        if not text or limit < 1:
            return []
        query_symbol = canonical(text)
        query_name = " ".join(_WORD.findall(text.casefold()))
        found: list[tuple[int, int, str, SymbolMatch]] = []
        for item in self._indexed:
            matched = _match(query_symbol, query_name, item)
            if matched is not None:
                kind, within = matched
                rank = _RANKS[kind] * 100 + within
                symbol = item.entry.symbol
                found.append((rank, len(symbol), symbol, SymbolMatch(item.entry, kind)))
        if not found:
            found = self._close_matches(query_symbol, query_name)
        found.sort(key=lambda item: item[:3])
        return [match for *_, match in found[:limit]]

    def _close_matches(
        self, query_symbol: str, query_name: str
    ) -> list[tuple[int, int, str, SymbolMatch]]:
        """Entries whose symbol or a name word is spelled like the query, the closest first."""
        symbol_matcher = difflib.SequenceMatcher(b=query_symbol)
        name_matcher = difflib.SequenceMatcher(b=query_name)
        found = []
        for item in self._indexed:
            candidates = [(symbol_matcher, query_symbol, item.entry.symbol)]
            candidates += [(name_matcher, query_name, word) for word in item.words]
            best = max(_likeness(*candidate) for candidate in candidates)
            if best >= CLOSE_ENOUGH:
                rank = _RANKS["close"] * 100 + round((1 - best) * 100)
                symbol = item.entry.symbol
                found.append((rank, len(symbol), symbol, SymbolMatch(item.entry, "close")))
        return found


def _likeness(matcher: difflib.SequenceMatcher[str], query: str, text: str) -> float:
    """difflib's ratio of ``text`` to ``query`` (the matcher's second sequence), skipping the
    full comparison when the cheap upper bounds already fall short (most words of a market's
    names)."""
    shorter, longer = sorted((len(text), len(query)))
    if 2 * shorter < CLOSE_ENOUGH * (shorter + longer):  # real_quick_ratio, without the call
        return 0.0
    matcher.set_seq1(text)
    if matcher.real_quick_ratio() < CLOSE_ENOUGH or matcher.quick_ratio() < CLOSE_ENOUGH:
        return 0.0
    return matcher.ratio()


def _match(query_symbol: str, query_name: str, item: _Indexed) -> tuple[MatchKind, int] | None:
    """How ``item`` matches, and how well within that kind (0 best)."""
    symbol = item.entry.symbol
    if symbol == query_symbol:
        return "symbol", 0
    if query_symbol and symbol.startswith(query_symbol):
        return "prefix", 0
    if not query_name:
        return None
    if item.name.startswith(query_name):
        return "name", 0
    if any(word.startswith(query_name) for word in item.words):
        return "name", 1
    if len(query_name) >= 3 and query_name in item.name:
        return "name", 2
    return None


def subscription_order(symbols: Iterable[str]) -> list[str]:
    """``symbols`` in the order a stream with a cap on its symbols keeps them: the indices
    first (``^GSPC``: the Indices pane's rows, which only a stream or a poll can price), then
    by symbol — stable, so the symbols past the cap are always the same ones."""
    return sorted(set(symbols), key=lambda symbol: (not symbol.startswith("^"), symbol))
