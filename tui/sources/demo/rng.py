"""Randomness and the regular layout of the demo's bulk frames.

Randomness comes from `random.Random` streams keyed by seed and name through `zlib.crc32` (never
`hash()`, which varies between processes), read in bulk as raw bytes and shaped with polars.
Bulk frames are laid out series-major with a fixed number of rows per series, so per-series and
per-day values meet as broadcast arrays (or a `gather`) and per-series reductions use `reshape`:
no joins, no window functions.
"""

from __future__ import annotations

import math
import random
import zlib
from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl


def stream(seed: int, *key: object) -> random.Random:
    """An independent generator for one purpose (e.g. ``"intraday", "2026-02-10"``), the same in
    every process: keyed with crc32, never with ``hash()``."""
    text = "|".join(str(part) for part in key)
    return random.Random(seed * 0x1_0000_0000 + zlib.crc32(text.encode()))


def random_words(blocks: Iterable[tuple[random.Random, int]]) -> pl.Series:
    """Uniform random 32-bit words, ``count`` from each generator in turn (raw bytes: fast)."""
    raw = b"".join(rng.randbytes(4 * count) for rng, count in blocks)
    size = len(raw) // 4
    if size == 0:
        return pl.Series("w", [], dtype=pl.UInt32)
    return (
        pl.Series("w", [raw], dtype=pl.Binary)
        .bin.reinterpret(dtype=pl.Array(pl.UInt32, size), endianness="little")
        .reshape((size,))
    )


def uniform_draw(word: pl.Expr, shift: int, bits: int) -> pl.Expr:
    """A uniform draw in (0, 1) from ``bits`` bits of a 32-bit word, starting at bit ``shift``."""
    field = (word // (1 << shift)) % (1 << bits)
    return (field.cast(pl.Float64) + 0.5) / float(1 << bits)


def centred_draw(word: pl.Expr, shift: int, bits: int) -> pl.Expr:
    """A uniform draw with mean 0 and variance 1: a cheap stand-in for a normal one where the
    shape of the tails does not matter (sums of many of them are normal anyway)."""
    return (uniform_draw(word, shift, bits) - 0.5) * math.sqrt(12.0)


def normal_draw(word: pl.Expr) -> pl.Expr:
    """A standard normal draw from one 32-bit word (Box–Muller on its two 16-bit halves)."""
    radius = (-2.0 * uniform_draw(word, 16, 16).log()).sqrt()
    return radius * (2.0 * math.pi * uniform_draw(word, 0, 16)).cos()


def spread(values: Sequence[Any] | pl.Series, index: pl.Expr) -> pl.Expr:
    """``values[index]`` on every row: broadcasts per-series or per-day values."""
    series = values if isinstance(values, pl.Series) else pl.Series(values)
    return pl.lit(series).gather(index)


def to_grid(value: pl.Expr, scale: pl.Expr) -> pl.Expr:
    """Round prices to the grid they trade on (``scale`` ticks a unit: cents, or thousandths for
    yields) with constant decimals, so the result never depends on how a frame was batched."""
    return pl.when(scale == 1000.0).then(value.round(3)).otherwise(value.round(2))


def per_series(expr: pl.Expr, stat: str, series: int, size: int) -> pl.Expr:
    """A statistic (``"sum"``, ``"min"``, ``"max"``, ``"std"``, ``"last"``) of ``expr`` over each
    series' ``size`` consecutive rows (nulls ignored): one value per series."""
    rows = expr.reshape((series, size)).arr
    return {"sum": rows.sum, "min": rows.min, "max": rows.max, "std": rows.std, "last": rows.last}[
        stat
    ]()


def series_stat(expr: pl.Expr, stat: str, series: int, size: int, index: pl.Expr) -> pl.Expr:
    """`per_series` spread back to every row of each series."""
    return per_series(expr, stat, series, size).gather(index)
