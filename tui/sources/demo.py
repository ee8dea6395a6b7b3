"""The embedded demo market: a deterministic, seeded synthetic market that implements `Source`.

Everything here is invented (DEMO, not market data) but built to look and behave like the real
thing: real tickers from `tui.sources.universe`, daily history on the NYSE calendar, an intraday
session that advances with the demo clock, bi-monthly short interest published on FINRA's schedule
and daily short-sale volume posted in the evening.

How the market is made
- Daily log returns come from a factor model: market, the 11 sectors, style factors (mega-cap tech,
  software, AI infrastructure, retail favourites) and an idiosyncratic part. Sector ETFs and indices
  are cap- or price-weighted baskets of the stocks, so they move with their members (the Russell
  2000, whose members the universe lacks, follows the market, small-cap and retail factors).
- Over the last ``REGIME_SESSIONS`` sessions before the session date the regime changes (the story
  of DESIGN.md): a software sell-off with rising short interest, Microsoft decoupling from its
  Mag-7 peers, hedge-fund selling heaviest in IT, Industrials and Materials, a VIX spike and the AI
  infrastructure basket falling against industrials. The parts of the story a test can measure are
  pinned exactly (falls between checkpoints, the Mag-7 correlation windows), so every seed tells the
  same story along a different path.
- The session date's bar is drawn like any other day; its 1-minute path is a bridge from the open
  to the close that touches the day's high and low. Earlier sessions' intraday bars are drawn the
  same way on demand, so they agree with their daily bars.
- Randomness comes from `random.Random` streams keyed by seed and name through `zlib.crc32` (never
  `hash()`, which varies between processes), read in bulk as raw bytes and shaped with polars.
  Bulk frames are laid out series-major with a fixed number of rows per series, so per-series and
  per-day values meet as broadcast arrays (or a `gather`) and per-series reductions use `reshape`:
  no joins, no window functions. Construction plus a first quotes and daily-bars fetch for every
  symbol takes about 80 ms on a 2-core machine; fetches are slices of the precomputed frames.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
import random
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from tui import market_hours
from tui.market_hours import NEW_YORK
from tui.sources import universe
from tui.sources.base import (
    BARS_SCHEMA,
    QUOTES_SCHEMA,
    SHARES_SCHEMA,
    SHORT_INTEREST_SCHEMA,
    SHORT_VOLUME_SCHEMA,
    BarInterval,
    Fetched,
    FetchOutcome,
    Session,
    SourceRole,
    SymbolInfo,
)
from tui.sources.finra_schedule import published_at, settlement_dates, short_volume_posted_at
from tui.sources.universe import CD, COM, CS, EN, FIN, HC, IND, IT, MAT, RE, UT

SESSION_DATE = dt.date(2026, 2, 11)  # the demo's "today", in the story's sell-off
HISTORY_SESSIONS = 330  # daily bars before the session date
REGIME_SESSIONS = 25  # the story unfolds over this many sessions before the session date
LATE_SESSIONS = 10  # the sharpest phase: heaviest selling, VIX spike, AI basket sell-off
CORRELATION_WINDOW = 60  # trading days, as the Correlations pane uses by default
INTRADAY_SESSIONS = 10  # intraday bars reach this many sessions back, like a live feed's window
YEAR_SESSIONS = 252
FRACTIONAL_VOLUME_SINCE = dt.date(2026, 2, 23)  # Reg SHO files carry fractional shares from here

MAG7 = ("AAPL", "MSFT", "GOOGL", "AMZN", "META", "NVDA", "TSLA")
DECOUPLING_MEMBER = "MSFT"
SOFTWARE_SELLOFF = ("MSFT", "ORCL", "CRM", "INTU", "ADBE", "NOW")
OTHER_SOFTWARE = ("PANW", "CRWD", "SNOW", "PLTR", "WDAY", "ADSK", "FTNT", "DDOG", "TEAM", "NET")
AI_INFRASTRUCTURE = ("NVDA", "AVGO", "AMD", "TSM", "MU", "ANET", "VRT", "SMCI", "DELL", "CEG")
MOMENTUM_SHORTED = ("MSFT", "ORCL", "AVGO", "AMZN")
SELLING_SECTORS = (IT, IND, MAT)

# Simple-return falls over the regime (low, high), pinned per seed within the range.
_SELLOFF_FALLS: Mapping[str, tuple[float, float]] = {
    "MSFT": (0.17, 0.22),
    "ORCL": (0.23, 0.28),
    "CRM": (0.19, 0.25),
    "INTU": (0.18, 0.24),
    "ADBE": (0.16, 0.22),
    "NOW": (0.21, 0.27),
    "AMZN": (0.09, 0.14),
}
_AVGO_EARLY_FALL = (0.04, 0.08)
_AI_RELATIVE_FALL = (0.06, 0.12)  # AI basket members vs the Industrials sector, late phase

# Mag-7 correlation targets (low, high): MSFT's mean correlation to its peers and the group's
# average pairwise correlation, over the 60-day windows ending a year before the end and at the end.
_YEAR_AGO_MEMBER = (0.52, 0.56)
_YEAR_AGO_GROUP = (0.51, 0.55)
_END_MEMBER = (-0.05, 0.05)
_END_GROUP = (0.19, 0.25)

# Factor model, (normal, regime) per parameter; daily log-return units.
_MARKET_VOL = (0.0080, 0.0115)
_MARKET_DRIFT = (0.00055, -0.0006)
_SECTOR_VOL = (0.0050, 0.0065)
_SECTOR_REGIME_DRIFT: Mapping[str, float] = {
    IT: -0.0030,
    FIN: 0.0005,
    HC: 0.0012,
    CD: -0.0008,
    CS: 0.0018,
    EN: 0.0015,
    IND: -0.0010,
    MAT: -0.0012,
    UT: 0.0010,
    RE: 0.0005,
    COM: -0.0002,
}
_STYLE_VOL: Mapping[str, tuple[float, float]] = {
    "mega": (0.0095, 0.0080),
    "software": (0.0060, 0.0090),
    "ai": (0.0090, 0.0120),
    "retail": (0.0180, 0.0200),
    "small": (0.0050, 0.0060),
}
_SOFTWARE_REGIME_DRIFT = -0.0035
_AI_LATE_DRIFT = -0.0060

# Close location and volume in the regime, (early, late) phase: selling pressure in [-1, 1]
# pushes closes towards the day's low; the multiplier scales volume.
_SECTOR_PRESSURE: Mapping[str, tuple[float, float]] = {
    IT: (-0.30, -0.55),
    FIN: (0.00, 0.25),
    HC: (0.15, 0.35),
    CD: (0.00, 0.05),
    CS: (0.15, 0.40),
    EN: (0.15, 0.30),
    IND: (-0.20, -0.50),
    MAT: (-0.25, -0.55),
    UT: (0.15, 0.35),
    RE: (0.10, 0.25),
    COM: (0.00, 0.10),
}
_INDEX_PRESSURE: Mapping[str, tuple[float, float]] = {
    "^GSPC": (-0.10, -0.20),
    "^NDX": (-0.15, -0.30),
    "^DJI": (-0.05, -0.15),
    "^RUT": (-0.10, -0.20),
    "^VIX": (0.10, 0.35),
    "^TNX": (0.00, 0.00),
}
_REGIME_VOLUME = (1.10, 1.15)
_SELLING_VOLUME = (1.25, 1.45)
_SELLOFF_VOLUME = 1.8
_REGIME_RANGE = 1.35  # daily ranges widen in the regime

_VIX_MEAN = 15.8
_TNX_LEVEL = 4.20
_INTRADAY_BETA = {"stock": 0.55, "etf": 0.85, "index": 0.9}
_INTRADAY_BETA_BY_SYMBOL = {"^VIX": -0.75, "^TNX": 0.2}
_MINUTE_WIGGLE = 0.06  # size of a minute bar's wicks, as a fraction of the daily volatility

_DAY = dt.timedelta(days=1)
_UTC_TS = pl.Datetime("us", "UTC")


# --------------------------------------------------------------------------------------------
# Randomness and the regular layout


def _stream(seed: int, *key: object) -> random.Random:
    """An independent generator for one purpose (e.g. ``"intraday", "2026-02-10"``), the same in
    every process: keyed with crc32, never with ``hash()``."""
    text = "|".join(str(part) for part in key)
    return random.Random(seed * 0x1_0000_0000 + zlib.crc32(text.encode()))


def _words(blocks: Iterable[tuple[random.Random, int]]) -> pl.Series:
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


def _uniform(word: pl.Expr, shift: int, bits: int) -> pl.Expr:
    """A uniform draw in (0, 1) from ``bits`` bits of a 32-bit word, starting at bit ``shift``."""
    field = (word // (1 << shift)) % (1 << bits)
    return (field.cast(pl.Float64) + 0.5) / float(1 << bits)


def _centred(word: pl.Expr, shift: int, bits: int) -> pl.Expr:
    """A uniform draw with mean 0 and variance 1: a cheap stand-in for a normal one where the
    shape of the tails does not matter (sums of many of them are normal anyway)."""
    return (_uniform(word, shift, bits) - 0.5) * math.sqrt(12.0)


def _normal(word: pl.Expr) -> pl.Expr:
    """A standard normal draw from one 32-bit word (Box–Muller on its two 16-bit halves)."""
    radius = (-2.0 * _uniform(word, 16, 16).log()).sqrt()
    return radius * (2.0 * math.pi * _uniform(word, 0, 16)).cos()


def _spread(values: Sequence[Any] | pl.Series, index: pl.Expr) -> pl.Expr:
    """``values[index]`` on every row: broadcasts per-series or per-day values."""
    series = values if isinstance(values, pl.Series) else pl.Series(values)
    return pl.lit(series).gather(index)


def _to_grid(value: pl.Expr, scale: pl.Expr) -> pl.Expr:
    """Round prices to the grid they trade on (``scale`` ticks a unit: cents, or thousandths for
    yields) with constant decimals, so the result never depends on how a frame was batched."""
    return pl.when(scale == 1000.0).then(value.round(3)).otherwise(value.round(2))


def _per_series(expr: pl.Expr, stat: str, series: int, size: int) -> pl.Expr:
    """A statistic (``"sum"``, ``"min"``, ``"max"``, ``"std"``, ``"last"``) of ``expr`` over each
    series' ``size`` consecutive rows (nulls ignored): one value per series."""
    rows = expr.reshape((series, size)).arr
    return {"sum": rows.sum, "min": rows.min, "max": rows.max, "std": rows.std, "last": rows.last}[
        stat
    ]()


def _series_stat(expr: pl.Expr, stat: str, series: int, size: int, index: pl.Expr) -> pl.Expr:
    """`_per_series` spread back to every row of each series."""
    return _per_series(expr, stat, series, size).gather(index)


# --------------------------------------------------------------------------------------------
# Calendars


# --------------------------------------------------------------------------------------------
# Small dense linear algebra for the Mag-7 correlation windows (7 x 7; no numpy at runtime)

_Matrix = list[list[float]]


def _cholesky(matrix: _Matrix) -> _Matrix | None:
    """Lower Cholesky factor, or None when the matrix is not positive definite."""
    size = len(matrix)
    lower = [[0.0] * size for _ in range(size)]
    for i in range(size):
        for j in range(i + 1):
            rest = matrix[i][j] - sum(lower[i][k] * lower[j][k] for k in range(j))
            if i == j:
                if rest <= 1e-12 * max(abs(matrix[i][i]), 1e-300):
                    return None
                lower[i][i] = math.sqrt(rest)
            else:
                lower[i][j] = rest / lower[j][j]
    return lower


def _lower_inverse(lower: _Matrix) -> _Matrix:
    """Inverse of a lower-triangular matrix (forward substitution)."""
    size = len(lower)
    inverse = [[0.0] * size for _ in range(size)]
    for col in range(size):
        for row in range(col, size):
            known = sum(lower[row][k] * inverse[k][col] for k in range(col, row))
            inverse[row][col] = ((1.0 if row == col else 0.0) - known) / lower[row][row]
    return inverse


def _scatter(rows: Sequence[Sequence[float]]) -> _Matrix:
    """Sum of the outer products of the rows (a covariance matrix, unnormalised)."""
    size = len(rows[0])
    return [[sum(row[i] * row[j] for row in rows) for j in range(size)] for i in range(size)]


def _target_correlation(
    current: _Matrix, member: int, member_mean: float, group_mean: float
) -> _Matrix:
    """``current`` shifted so that the member's mean correlation to the others is
    ``member_mean`` and the mean over all pairs is ``group_mean``; blended towards an
    equicorrelated matrix with those means if the shift leaves it not positive definite."""
    size = len(current)
    pairs = size * (size - 1) / 2
    peer_mean = (group_mean * pairs - member_mean * (size - 1)) / (pairs - (size - 1))

    def mean_of(in_member_pairs: bool) -> float:
        values = [
            current[i][j]
            for i in range(size)
            for j in range(i + 1, size)
            if (member in (i, j)) == in_member_pairs
        ]
        return sum(values) / len(values)

    member_shift = member_mean - mean_of(True)
    peer_shift = peer_mean - mean_of(False)
    for weight in (0.0, 0.25, 0.5, 0.75, 1.0):
        target = [[1.0] * size for _ in range(size)]
        for i in range(size):
            for j in range(size):
                if i == j:
                    continue
                is_member = member in (i, j)
                shifted = current[i][j] + (member_shift if is_member else peer_shift)
                flat = member_mean if is_member else peer_mean
                target[i][j] = (1.0 - weight) * shifted + weight * flat
        if _cholesky(target) is not None:
            return target
    raise ValueError("correlation targets are not attainable")  # the flat matrix always is


def _recolor(
    columns: list[list[float]],
    cuts: Sequence[int],
    member: int,
    member_mean: float,
    group_mean: float,
) -> None:
    """Give the window of returns (cuts[0], cuts[-1]] exactly the target correlations, in place.

    The window is split into blocks at ``cuts``; each block keeps its mean (so prices at every
    cut are unchanged) and only the deviations within blocks are re-mixed: whitened with their own
    scatter's Cholesky factor, then coloured with the factor of the scatter the target needs.
    """
    first, last = cuts[0] + 1, cuts[-1]
    size = len(columns)
    block_of = {
        t: b for b, (lo, hi) in enumerate(itertools.pairwise(cuts)) for t in range(lo + 1, hi + 1)
    }
    block_means = [
        [sum(col[lo + 1 : hi + 1]) / (hi - lo) for col in columns]
        for lo, hi in itertools.pairwise(cuts)
    ]
    window_mean = [sum(col[first : last + 1]) / (last - first + 1) for col in columns]
    within = [
        [columns[j][t] - block_means[block_of[t]][j] for j in range(size)]
        for t in range(first, last + 1)
    ]
    between = [
        [block_means[block_of[t]][j] - window_mean[j] for j in range(size)]
        for t in range(first, last + 1)
    ]
    within_scatter, between_scatter = _scatter(within), _scatter(between)
    total = [
        [within_scatter[i][j] + between_scatter[i][j] for j in range(size)] for i in range(size)
    ]
    scale = [math.sqrt(total[i][i]) for i in range(size)]
    current = [[total[i][j] / (scale[i] * scale[j]) for j in range(size)] for i in range(size)]
    target = _target_correlation(current, member, member_mean, group_mean)
    stretch = 1.0
    while True:  # widen the variances until the within-block part left over is attainable
        needed = [
            [
                stretch**2 * scale[i] * scale[j] * target[i][j] - between_scatter[i][j]
                for j in range(size)
            ]
            for i in range(size)
        ]
        needed_factor = _cholesky(needed)
        if needed_factor is not None:
            break
        stretch *= 1.05
    own_factor = _cholesky(within_scatter)
    if own_factor is None:
        raise ValueError("window too short to recolour")
    whiten = _lower_inverse(own_factor)
    # mixing = whiten^T @ needed_factor^T, so that within @ mixing has scatter `needed`
    mixing = [
        [sum(whiten[k][i] * needed_factor[j][k] for k in range(size)) for j in range(size)]
        for i in range(size)
    ]
    for offset, t in enumerate(range(first, last + 1)):
        row = within[offset]
        means = block_means[block_of[t]]
        for j in range(size):
            columns[j][t] = means[j] + sum(row[k] * mixing[k][j] for k in range(size))


# --------------------------------------------------------------------------------------------
# The market, built once


@dataclass(frozen=True, slots=True)
class _Leg:
    """A pinned move: the close moves by ``total`` (log) from return index ``first - 1`` to
    ``last``."""

    first: int
    last: int
    total: float


@dataclass(frozen=True, slots=True)
class _Market:
    days: tuple[dt.date, ...]  # history sessions, then the session date
    regime_start: int  # index of the first session of the story's regime
    daily: pl.DataFrame  # every session's full bar, series-major in universe order
    series_params: pl.DataFrame  # per symbol: calm-period volatility, intraday beta, price scale
    today_bars: pl.DataFrame  # the session date's 1-minute bars (the full session)
    short_interest: pl.DataFrame  # SHORT_INTEREST_SCHEMA, every settlement
    publications: tuple[tuple[dt.datetime, dt.date], ...]  # when each settlement is published
    short_volume: pl.DataFrame  # SHORT_VOLUME_SCHEMA, every session
    shares: pl.DataFrame  # SHARES_SCHEMA

    def sessions(self, pairs: Iterable[tuple[int, int]]) -> pl.DataFrame:
        """The daily bars of these (universe position, session index) pairs, with what the
        intraday generator needs (`intraday_bars`)."""
        pairs = list(pairs)
        count = len(self.days)
        rows = self.daily[[position * count + t for position, t in pairs]]
        params = self.series_params[[position for position, _ in pairs]]
        regime = pl.Series([_REGIME_RANGE if t >= self.regime_start else 1.0 for _, t in pairs])
        return pl.concat(
            [rows, params.select(sigma=pl.col("calm") * regime, beta="beta", scale="scale")],
            how="horizontal",
        )


class _Builder:
    """Draws the whole market for one seed and session date."""

    def __init__(self, seed: int, session_date: dt.date) -> None:
        self.seed = seed
        self.session_date = session_date
        history = market_hours.last_trading_days(
            market_hours.previous_trading_day(session_date), HISTORY_SESSIONS
        )
        self.days = (*history, session_date)
        self.count = len(self.days)
        self.end = self.count - 2  # the last history session
        self.today = self.count - 1
        self.regime_start = self.end - REGIME_SESSIONS + 1
        self.late_start = self.end - LATE_SESSIONS + 1
        self.phase = [
            0 if t < self.regime_start else 1 if t < self.late_start else 2
            for t in range(self.count)
        ]
        self.series = tuple(universe.SYMBOLS)  # stocks, then ETFs, then indices
        self.stocks = universe.stock_symbols()
        self.settlements = settlement_dates(self.days[0], self.days[self.end])
        # the first settlement's period starts before the history: it only seeds "prior"
        self.publications = tuple((published_at(day), day) for day in self.settlements[1:])
        index_of = {day: t for t, day in enumerate(self.days)}
        self.settlement_index = [index_of[day] for day in self.settlements]
        inside = [t for t in self.settlement_index if self.regime_start - 1 < t < self.end]
        # checkpoints: prices at these closes are pinned by the story and kept by the recolouring
        self.cuts = sorted({self.regime_start - 1, self.late_start - 1, self.end, *inside})

    def _layout(self, frame: pl.DataFrame, size: int) -> pl.DataFrame:
        """Add the series index ``s`` and the position ``t`` within the series."""
        row = pl.int_range(pl.len())
        return frame.with_columns(s=row // size, t=row % size)

    # -- factors and stock returns ------------------------------------------------------------

    def factors(self) -> dict[str, list[float]]:
        """Daily factor returns: market, each sector, and the style factors."""
        normal, regime = _MARKET_DRIFT
        specs: dict[str, tuple[tuple[float, float], Sequence[float]]] = {
            "market": (_MARKET_VOL, (normal, regime, regime))
        }
        for sector in universe.SECTORS:
            drift = _SECTOR_REGIME_DRIFT[sector]
            specs[sector] = (_SECTOR_VOL, (0.0, drift, drift))
        specs["mega"] = (_STYLE_VOL["mega"], (0.0, 0.0, 0.0))
        specs["software"] = (_STYLE_VOL["software"], (0.0, *[_SOFTWARE_REGIME_DRIFT] * 2))
        specs["ai"] = (_STYLE_VOL["ai"], (0.0, 0.0, _AI_LATE_DRIFT))
        specs["retail"] = (_STYLE_VOL["retail"], (0.0, 0.0, 0.0))
        specs["small"] = (_STYLE_VOL["small"], (0.0, 0.0, 0.0))
        rows = [
            (drifts[phase], vols[min(phase, 1)])
            for vols, drifts in specs.values()
            for phase in self.phase
        ]
        words = _words([(_stream(self.seed, "factors"), len(rows))])
        values = (
            pl.DataFrame({"w": words, "drift": [d for d, _ in rows], "vol": [v for _, v in rows]})
            .select(pl.col("drift") + pl.col("vol") * _normal(pl.col("w")))
            .to_series()
            .to_list()
        )
        return {name: values[i * self.count : (i + 1) * self.count] for i, name in enumerate(specs)}

    def stock_returns(self, factors: Mapping[str, list[float]]) -> pl.Series:
        """Daily log returns of every stock from the factor model (before the story is pinned),
        series-major.

        Computed one row per stock with the days as an array: per-stock loadings broadcast
        against per-day factor arrays."""
        heavy = set(universe.HEAVILY_SHORTED)
        software = set(SOFTWARE_SELLOFF) | set(OTHER_SOFTWARE)
        regime = [1.0 if phase else 0.0 for phase in self.phase]
        days = pl.Array(pl.Float64, self.count)

        def per_day(values: Sequence[float]) -> pl.Expr:
            return pl.lit(pl.Series([list(values)], dtype=days))

        rows = []
        for symbol in self.stocks:
            params = universe.STOCK_PARAMS[symbol]
            in_mag7, decoupling = symbol in MAG7, symbol == DECOUPLING_MEMBER
            idio_regime = (
                2.3
                if decoupling
                else 1.7
                if in_mag7
                else 1.8
                if symbol in SOFTWARE_SELLOFF
                else 1.3
            )
            rows.append(
                {
                    "sector": universe.SECTORS.index(universe.SYMBOLS[symbol].sector or IT),
                    "beta": params.beta,
                    "mega_normal": 1.0 if in_mag7 else 0.0,
                    "mega_regime": (-0.6 if decoupling else 0.35) if in_mag7 else 0.0,
                    "software": (0.5 if decoupling else 1.0) if symbol in software else 0.0,
                    "ai": 1.0 if symbol in AI_INFRASTRUCTURE else 0.0,
                    "retail": 1.0 if symbol in heavy else 0.0,
                    "idio": params.idio_vol,
                    "idio_regime_extra": params.idio_vol * (idio_regime - 1.0),
                }
            )
        words = _words([(_stream(self.seed, "idio"), len(self.stocks) * self.count)])
        noise = pl.DataFrame({"w": words}).select(_normal(pl.col("w"))).to_series()
        sectors = pl.Series([factors[sector] for sector in universe.SECTORS], dtype=days)
        mega = factors["mega"]
        col = pl.col
        returns = (
            col("beta") * per_day(factors["market"])
            + pl.lit(sectors).gather(col("sector"))
            + col("mega_normal")
            * per_day([m * (1.0 - g) for m, g in zip(mega, regime, strict=True)])
            + col("mega_regime") * per_day([m * g for m, g in zip(mega, regime, strict=True)])
            + col("software") * per_day(factors["software"])
            + col("ai") * per_day(factors["ai"])
            + col("retail") * per_day(factors["retail"])
            + col("noise") * (col("idio") + col("idio_regime_extra") * per_day(regime))
        )
        return (
            pl.DataFrame(rows)
            .with_columns(noise=noise.reshape((len(self.stocks), self.count)))
            .select(returns.reshape((-1,)))
            .to_series()
        )

    # -- the story -------------------------------------------------------------------------------

    def _pin(self, returns: list[float], leg: _Leg, rng: random.Random) -> None:
        """Shift returns so the close moves by ``leg.total`` over the leg, split unevenly across
        the segments between cuts (every segment moves the same way); the session date carries on
        at the leg's average pace."""
        bounds = [leg.first - 1, *[c for c in self.cuts if leg.first - 1 < c < leg.last], leg.last]
        spans = list(itertools.pairwise(bounds))
        weights = [(hi - lo) * rng.uniform(0.5, 1.5) for lo, hi in spans]
        for (lo, hi), weight in zip(spans, weights, strict=True):
            target = leg.total * weight / sum(weights)
            shift = (target - sum(returns[lo + 1 : hi + 1])) / (hi - lo)
            for t in range(lo + 1, hi + 1):
                returns[t] += shift
        returns[self.today] += leg.total / (leg.last - leg.first + 1)

    def _sector_move(self, returns: Mapping[str, list[float]], sector: str, first: int) -> float:
        """Log change of a cap-weighted (buy-and-hold) basket of a sector's stocks from the
        close at ``first - 1`` to the last history close."""
        members = [s for s in self.stocks if universe.SYMBOLS[s].sector == sector]
        caps = [
            universe.STOCK_PARAMS[s].price * universe.STOCK_PARAMS[s].shares_outstanding
            for s in members
        ]
        growth = [math.exp(sum(returns[s][first : self.end + 1])) for s in members]
        return math.log(sum(c * g for c, g in zip(caps, growth, strict=True)) / sum(caps))

    def pin_story(self, flat: pl.Series) -> pl.Series:
        """The stock returns with the story pinned: the sell-offs move by set amounts between
        checkpoints, then the Mag-7 correlation windows get their targets."""
        industrials = [s for s in self.stocks if universe.SYMBOLS[s].sector == IND]
        changed = list(dict.fromkeys([*_SELLOFF_FALLS, "AVGO", *AI_INFRASTRUCTURE, *MAG7]))
        position = {symbol: i for i, symbol in enumerate(self.stocks)}
        returns = {
            symbol: flat.slice(position[symbol] * self.count, self.count).to_list()
            for symbol in dict.fromkeys([*changed, *industrials])
        }
        self._tell_story(returns)
        indices = [
            position[symbol] * self.count + t for symbol in changed for t in range(self.count)
        ]
        return flat.scatter(indices, [value for symbol in changed for value in returns[symbol]])

    def _tell_story(self, returns: dict[str, list[float]]) -> None:
        """`pin_story` on the returns of the story's stocks and the Industrials (in place)."""
        rng = _stream(self.seed, "story")
        for symbol, (low, high) in _SELLOFF_FALLS.items():
            fall = rng.uniform(low, high)
            self._pin(returns[symbol], _Leg(self.regime_start, self.end, math.log(1 - fall)), rng)
        early = math.log(1 - rng.uniform(*_AVGO_EARLY_FALL))
        self._pin(returns["AVGO"], _Leg(self.regime_start, self.late_start - 1, early), rng)
        industrials = self._sector_move(returns, IND, self.late_start)
        for symbol in AI_INFRASTRUCTURE:
            relative = industrials + math.log(1 - rng.uniform(*_AI_RELATIVE_FALL))
            leg = _Leg(self.late_start, self.end, min(relative, math.log(0.97)))
            self._pin(returns[symbol], leg, rng)
        columns = [returns[symbol] for symbol in MAG7]
        member = MAG7.index(DECOUPLING_MEMBER)
        year_ago = self.end - YEAR_SESSIONS
        _recolor(
            columns,
            [year_ago - CORRELATION_WINDOW, year_ago],
            member,
            rng.uniform(*_YEAR_AGO_MEMBER),
            rng.uniform(*_YEAR_AGO_GROUP),
        )
        window_start = self.end - CORRELATION_WINDOW
        _recolor(
            columns,
            [window_start, *[c for c in self.cuts if c > window_start]],
            member,
            rng.uniform(*_END_MEMBER),
            rng.uniform(*_END_GROUP),
        )

    # -- composites ----------------------------------------------------------------------------

    def composite_returns(
        self, stocks: pl.Series, factors: Mapping[str, list[float]]
    ) -> dict[str, list[float]]:
        """Sector ETFs and equity indices as baskets of the stocks' daily returns (cap-weighted;
        the Dow price-weighted); the Russell 2000 from the factors."""
        n = len(self.stocks)
        weights: dict[str, list[float]] = {
            name: [0.0] * n for name in (*universe.etf_symbols(), "^GSPC", "^NDX", "^DJI")
        }
        for i, symbol in enumerate(self.stocks):
            params = universe.STOCK_PARAMS[symbol]
            cap = params.price * params.shares_outstanding
            weights[universe.SECTOR_ETFS[universe.SYMBOLS[symbol].sector or IT]][i] = cap
            weights["^GSPC"][i] = cap if params.in_sp500 else 0.0
            weights["^NDX"][i] = cap if params.in_nasdaq100 else 0.0
            weights["^DJI"][i] = params.price if params.in_dow else 0.0
        row = pl.int_range(pl.len())
        # one row per day holding every stock's simple return, weighted by each basket in turn
        by_day = pl.DataFrame({"r": stocks}).select(
            gain=(pl.col("r").gather((row % n) * self.count + row // n).exp() - 1.0).reshape(
                (self.count, n)
            )
        )
        per_stock = pl.Array(pl.Float64, n)
        totals = {name: sum(w) for name, w in weights.items()}
        shares = {name: [x / totals[name] for x in w] for name, w in weights.items()}
        composites = by_day.select(
            (pl.col("gain") * pl.lit(pl.Series([share], dtype=per_stock)))
            .arr.sum()
            .log1p()
            .alias(name)
            for name, share in shares.items()
        )
        result = {name: composites.get_column(name).to_list() for name in weights}
        rng = _stream(self.seed, "russell")
        result["^RUT"] = [
            1.1 * factors["market"][t]
            + factors["small"][t]
            + 0.25 * factors["retail"][t]
            + 0.002 * rng.gauss(0.0, 1.0)
            for t in range(self.count)
        ]
        return result

    def vix_and_yield(self, factors: Mapping[str, list[float]]) -> dict[str, list[float]]:
        """Levels (not returns) of ^VIX and ^TNX."""
        rng = _stream(self.seed, "vix")
        mean = math.log(_VIX_MEAN)
        log_vix = [mean]
        for t in range(1, self.count):
            surprise = factors["market"][t] - _MARKET_DRIFT[min(self.phase[t], 1)]
            value = mean + 0.93 * (log_vix[-1] - mean) - 3.0 * surprise + 0.045 * rng.gauss(0, 1)
            log_vix.append(min(max(value, math.log(11.5)), math.log(20.0)))
        # the spike: a bridge from the level before the late phase to 1.5-1.75 times it (>= 23)
        base = self.late_start - 1
        peak = math.log(min(max(math.exp(log_vix[base]) * rng.uniform(1.5, 1.75), 23.0), 36.0))
        walk = [0.0]
        for _ in range(LATE_SESSIONS):
            walk.append(walk[-1] + 0.05 * rng.gauss(0.0, 1.0))
        for step in range(1, LATE_SESSIONS + 1):
            share = (step / LATE_SESSIONS) ** 0.7
            log_vix[base + step] = (
                log_vix[base] + share * (peak - log_vix[base]) + walk[step] - share * walk[-1]
            )
        log_vix[self.today] = (
            log_vix[self.end] - 3.0 * factors["market"][self.today] + 0.05 * rng.gauss(0.0, 1.0)
        )
        yields = [4.25]
        for t in range(1, self.count):
            drift = 0.02 * (4.25 - yields[-1]) - (0.004 if self.phase[t] else 0.0)
            yields.append(yields[-1] + drift + 0.045 * rng.gauss(0.0, 1.0))
        offset = _TNX_LEVEL - yields[self.end]
        return {"^VIX": [math.exp(x) for x in log_vix], "^TNX": [y + offset for y in yields]}

    # -- bars ------------------------------------------------------------------------------------

    def _series_params(self, levels: Mapping[str, list[float]]) -> dict[str, list[Any]]:
        """Per symbol: anchor level (last history close), volume, pressure, rounding."""
        params: dict[str, list[Any]] = {
            key: [] for key in ("anchor", "adv", "pressure", "volume", "role", "scale", "beta")
        }
        for symbol, info in universe.SYMBOLS.items():
            adv: float | None
            if info.kind == "stock":
                stock = universe.STOCK_PARAMS[symbol]
                anchor, adv = stock.price, stock.avg_volume
            else:
                fund = universe.ETF_PARAMS.get(symbol) or universe.INDEX_PARAMS[symbol]
                anchor, adv = fund.level, fund.avg_volume
            if symbol in levels:
                anchor = levels[symbol][self.end]
            if info.sector is not None:
                pressure = _SECTOR_PRESSURE[info.sector]
                volume = _SELLING_VOLUME if info.sector in SELLING_SECTORS else _REGIME_VOLUME
            else:
                pressure, volume = _INDEX_PRESSURE[symbol], _REGIME_VOLUME
            if symbol in SOFTWARE_SELLOFF:
                volume = (_SELLOFF_VOLUME, _SELLOFF_VOLUME)
            params["anchor"].append(math.log(anchor))
            params["adv"].append(adv)
            params["pressure"].append(pressure)
            params["volume"].append(volume)
            # sector ETFs print the story's flows in the late phase: -1 sold, +1 bought
            params["role"].append(
                0 if info.kind != "etf" else -1 if info.sector in SELLING_SECTORS else 1
            )
            params["scale"].append(1000.0 if symbol == "^TNX" else 100.0)
            params["beta"].append(_INTRADAY_BETA_BY_SYMBOL.get(symbol, _INTRADAY_BETA[info.kind]))
        return params

    def daily_bars(
        self,
        stocks: pl.Series,
        composites: Mapping[str, list[float]],
        levels: Mapping[str, list[float]],
    ) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Every session's OHLCV for every symbol, from its close-to-close returns; and per
        symbol the inputs of its intraday paths (calm-period volatility, beta, price scale)."""
        others: list[float] = []
        for symbol in self.series[len(self.stocks) :]:
            if symbol in levels:
                level = levels[symbol]
                others.append(0.0)
                others.extend(math.log(b / a) for a, b in itertools.pairwise(level))
            else:
                others.extend(composites[symbol])
        flat = pl.concat([stocks, pl.Series(others)])
        params = self._series_params(levels)
        size, count = len(self.series), self.count
        words = _words([(_stream(self.seed, "daily"), size * count)])
        table = self._layout(pl.DataFrame({"r": flat, "w": words}), count)
        s, t, r = pl.col("s"), pl.col("t"), pl.col("r")
        calm = table.select(
            pl.when(t < self.regime_start).then(r).reshape((size, count)).arr.std()
        ).to_series()
        series_params = pl.DataFrame(
            {"calm": calm, "beta": params["beta"], "scale": params["scale"]}
        )
        # Per-symbol values meet per-day ones as arrays (a row per symbol, a value per day),
        # flattened to the bars' rows: cheaper than gathering them row by row.
        day_array = pl.Array(pl.Float64, count)

        def per_day(values: Sequence[float]) -> pl.Expr:
            return pl.lit(pl.Series([values], dtype=day_array))

        early = per_day([1.0 if phase == 1 else 0.0 for phase in self.phase])
        late = per_day([1.0 if phase == 2 else 0.0 for phase in self.phase])
        regime = per_day([1.0 if phase else 0.0 for phase in self.phase])
        zeros = per_day([0.0] * count)
        col = pl.col
        every_day = pl.DataFrame(
            {
                "anchor": params["anchor"],
                "calm": calm,
                "scale": params["scale"],
                "adv": pl.Series(params["adv"], dtype=pl.Float64),
                "pressure_early": [p[0] for p in params["pressure"]],
                "pressure_late": [p[1] for p in params["pressure"]],
                "volume_early": [v[0] for v in params["volume"]],
                "volume_late": [v[1] for v in params["volume"]],
                "role": [float(role) for role in params["role"]],
            }
        ).select(
            (expr).reshape((-1,)).alias(name)
            for name, expr in {
                "anchor": col("anchor") + zeros,
                "sigma": col("calm") * (1.0 + (_REGIME_RANGE - 1.0) * regime),
                "pressure": col("pressure_early") * early + col("pressure_late") * late,
                "volume_factor": 1.0
                + (col("volume_early") - 1.0) * early
                + (col("volume_late") - 1.0) * late,
                "role": col("role") * late,
                "scale": col("scale") + zeros,
                "adv": col("adv") + zeros,
            }.items()
        )
        frame = pl.concat([table, every_day], how="horizontal").lazy()
        cumulative = r.cum_sum()
        frame = frame.with_columns(
            log_close=pl.col("anchor") + cumulative - cumulative.gather(s * count + self.end)
        )
        sigma, pressure = pl.col("sigma"), pl.col("pressure")
        # one random word per bar: move 12 bits, range 7, close location 7, volume 6
        word = pl.col("w")
        # Each bar: the intraday move (open -> close), the day's range around it, and where in
        # the range the close sits, pushed towards the low by selling pressure and towards the
        # high by buying. In the late phase the sector ETFs carry the flow story outright: the
        # sold sectors open higher and close near their lows, the others rise from the open and
        # close in the upper half of their range (the money-flow multiplier is the close's place
        # in the range).
        role = pl.col("role")
        move = 0.7 * r + sigma * (0.25 * _centred(word, 20, 12) + 0.45 * pressure)
        move = (
            pl.when(role < 0)
            .then(pl.min_horizontal(move, -0.35 * sigma))
            .when(role > 0)
            .then(pl.max_horizontal(move, 0.1 * sigma))
            .otherwise(move)
        )
        frame = frame.with_columns(move=move, close=pl.col("log_close").exp())
        move, ratio, place = pl.col("move"), pl.col("move") / sigma, _uniform(word, 6, 7)
        span = pl.max_horizontal(sigma * (0.9 + 0.72 * _uniform(word, 13, 7)), move.abs() * 1.15)
        wanted = (
            pl.when(pl.col("role") < 0)
            .then(0.05 + 0.25 * place)
            .when(pl.col("role") > 0)
            .then(0.55 + 0.35 * place)
            .otherwise(
                0.5
                + 0.3 * ratio / (1.0 + ratio.abs())
                + 0.4 * pressure
                + 0.12 * math.sqrt(12.0) * (place - 0.5)
            )
        )
        frame = frame.with_columns(span=span, wanted=wanted.clip(0.03, 0.97))
        span = pl.col("span")
        location = pl.col("wanted").clip(
            pl.when(move > 0).then(move / span).otherwise(0.0),
            pl.when(move < 0).then(1.0 + move / span).otherwise(1.0),
        )
        scale, close = pl.col("scale"), pl.col("close")
        frame = frame.with_columns(location=location).with_columns(
            raw_open=close * (-move).exp(),
            raw_high=close * ((1.0 - pl.col("location")) * span).exp(),
            raw_low=close * (-pl.col("location") * span).exp(),
        )

        def price(name: str) -> pl.Expr:
            return _to_grid(pl.col(name), scale)

        bars = frame.select(
            "s",
            "t",
            symbol=_spread(self.series, s),
            date=_spread(pl.Series(self.days, dtype=pl.Date), t),
            ts=_spread(
                pl.Series(self.days, dtype=pl.Date)
                .cast(pl.Datetime("us"))
                .dt.replace_time_zone("UTC"),
                t,
            ),
            open=price("raw_open"),
            high=price("raw_high"),
            low=price("raw_low"),
            close=price("close"),
            volume=(
                pl.col("adv")
                * pl.col("volume_factor")
                * (0.8 + 0.4 * _uniform(word, 0, 6))
                * (0.7 + 0.3 * r.abs() / sigma)
            )
            .round()
            .clip(lower_bound=1.0),
        )
        # rounding can put the open a hair outside the range: widen the range, never move the open
        bars = bars.with_columns(
            high=pl.max_horizontal("high", "open", "close"),
            low=pl.min_horizontal("low", "open", "close"),
        )
        return bars.collect(engine="in-memory"), series_params

    # -- short interest, short volume, shares ----------------------------------------------------

    def short_interest(self, daily: pl.DataFrame) -> pl.DataFrame:
        """Bi-monthly short interest for every stock and settlement the history covers."""
        story_start = self.days[self.regime_start] - dt.timedelta(days=10)
        rising = set(MOMENTUM_SHORTED) | set(SOFTWARE_SELLOFF)
        rng = _stream(self.seed, "short-interest")
        levels: list[float] = []
        for symbol in self.stocks:
            level = 0.0
            for settlement in self.settlements:
                if symbol in rising and settlement >= story_start:
                    level += 0.08 + 0.12 * rng.random()  # momentum shorting: every report higher
                else:  # drifting around the stock's usual level
                    level = 0.85 * level + 0.08 * (rng.random() - 0.5) * math.sqrt(12.0)
                levels.append(level)
        size, settlements = len(self.stocks), len(self.settlements)
        volume = pl.lit(daily.get_column("volume").head(size * self.count).cum_sum())
        s, k = pl.col("s"), pl.col("t")
        index, previous = _spread(self.settlement_index, k), _spread(self.settlement_index, k - 1)
        params = [universe.STOCK_PARAMS[symbol] for symbol in self.stocks]
        short = _spread([p.float_shares for p in params], s) * (
            _spread([p.short_pct_float for p in params], s) * pl.col("level").exp()
        ).clip(upper_bound=0.9)
        return (
            self._layout(pl.DataFrame({"level": levels}), settlements)
            .lazy()
            .with_columns(short_shares=short.round())
            .with_columns(prior_short_shares=pl.col("short_shares").shift(1))
            .filter(k >= 1)
            .with_columns(
                # FINRA's average daily volume over the settlement period
                avg_daily_volume=(
                    (
                        volume.gather(s * self.count + index)
                        - volume.gather(s * self.count + previous)
                    )
                    / (index - previous)
                ).round()
            )
            .select(
                symbol=_spread(self.stocks, s),
                settlement_date=_spread(pl.Series(self.settlements, dtype=pl.Date), k),
                short_shares="short_shares",
                prior_short_shares="prior_short_shares",
                avg_daily_volume="avg_daily_volume",
                days_to_cover=(pl.col("short_shares") / pl.col("avg_daily_volume")).round(2),
                source=pl.lit("demo"),
            )
            .cast(SHORT_INTEREST_SCHEMA)
            .collect(engine="in-memory")
        )

    def short_volume(self, daily: pl.DataFrame) -> pl.DataFrame:
        """Daily Reg SHO short-sale volume for every stock and session (the session date's too):
        the off-exchange share of volume, a short ratio around 0.47, raised in the sell-off."""
        boost = {symbol: 0.12 for symbol in SOFTWARE_SELLOFF} | {
            symbol: 0.06 for symbol in (*OTHER_SOFTWARE, "AVGO", "AMZN")
        }
        size = len(self.stocks)
        words = _words([(_stream(self.seed, "short-volume"), size * self.count)])
        s, t, word = pl.col("s"), pl.col("t"), pl.col("w")
        regime = _spread([1.0 if phase else 0.0 for phase in self.phase], t)
        fractional = _spread([day >= FRACTIONAL_VOLUME_SINCE for day in self.days], t)
        boosts = _spread([boost.get(symbol, 0.0) for symbol in self.stocks], s)
        total = pl.col("volume") * (0.42 + 0.07 * _centred(word, 21, 11)).clip(0.2, 0.65)
        ratio = (0.47 + 0.045 * _centred(word, 10, 11) + regime * boosts).clip(0.15, 0.9)

        def as_published(value: pl.Expr) -> pl.Expr:
            """Whole shares until the files went fractional (then 6 decimals, as FINRA prints)."""
            return pl.when(fractional).then(value.round(6)).otherwise(value.round())

        return (
            daily.head(size * self.count)
            .select("s", "t", "date", "symbol", "volume")
            .with_columns(words)
            .lazy()
            .with_columns(total_volume=as_published(total))
            .with_columns(short_volume=as_published(pl.col("total_volume") * ratio))
            .select(
                "date",
                "symbol",
                "short_volume",
                short_exempt_volume=(pl.col("short_volume") * 0.01 * _uniform(word, 0, 10)).round(),
                total_volume="total_volume",
            )
            .cast(SHORT_VOLUME_SCHEMA)
            .collect(engine="in-memory")
        )

    def shares(self) -> pl.DataFrame:
        """Shares outstanding and float, as of a recent filing (a few weeks back)."""
        rows = []
        for symbol in self.stocks:
            params = universe.STOCK_PARAMS[symbol]
            as_of = self.session_date - dt.timedelta(days=20 + zlib.crc32(symbol.encode()) % 45)
            while as_of.weekday() >= 5:
                as_of -= _DAY
            rows.append((symbol, as_of, params.shares_outstanding, params.float_shares, "demo"))
        return pl.DataFrame(rows, schema=SHARES_SCHEMA, orient="row")

    def build(self) -> _Market:
        factors = self.factors()
        stocks = self.pin_story(self.stock_returns(factors))
        composites = self.composite_returns(stocks, factors)
        daily, series_params = self.daily_bars(stocks, composites, self.vix_and_yield(factors))
        market = _Market(
            days=self.days,
            regime_start=self.regime_start,
            daily=daily,
            series_params=series_params,
            today_bars=daily.clear(),
            short_interest=self.short_interest(daily),
            publications=self.publications,
            short_volume=self.short_volume(daily),
            shares=self.shares(),
        )
        today = market.sessions((position, self.today) for position in range(len(self.series)))
        return dataclasses.replace(market, today_bars=intraday_bars(self.seed, today))


# --------------------------------------------------------------------------------------------
# Intraday paths


def _session_minutes(day: dt.date) -> tuple[dt.datetime, int]:
    """A trading day's regular-session open (UTC) and its length in minutes."""
    times = market_hours.session_times(day)
    if times is None:
        raise ValueError(f"{day} is not a trading day")
    return times.open, int((times.close - times.open).total_seconds() // 60)


def intraday_bars(seed: int, sessions: pl.DataFrame) -> pl.DataFrame:
    """1-minute bars of the regular session for each row of ``sessions`` (a symbol's daily bar
    with its ``sigma``, intraday ``beta`` and price ``scale``; not empty), consistent with that bar:
    opening at its open, ending at its close, touching its high and low, volumes adding up.
    Rows come out in the order of ``sessions``, ``minutes`` of them per session."""
    lengths = {day: _session_minutes(day)[1] for day in sessions.get_column("date").unique()}
    minutes = sessions.get_column("date").replace_strict(lengths, return_dtype=pl.Int64)
    if minutes.n_unique() == 1:
        return _intraday_sessions(seed, sessions)
    # full and early-close sessions drawn apart, then put back in the order asked for
    order = pl.int_range(pl.len()).alias("order")
    parts = sessions.with_columns(order, length=minutes).partition_by("length", maintain_order=True)
    drawn = [
        _intraday_sessions(seed, part).with_columns(
            order=_spread(part.get_column("order"), pl.int_range(pl.len()) // part["length"][0])
        )
        for part in parts
    ]
    return pl.concat(drawn).sort("order", "k").drop("order")


def _market_walk(seed: int, day: dt.date, minutes: int) -> list[float]:
    """The market-wide intraday shock of a day, as a running sum (shared by every symbol)."""
    rng = _stream(seed, "minutes", day.isoformat())
    return list(itertools.accumulate(rng.gauss(0.0, 1.0) for _ in range(minutes)))


def _intraday_sessions(seed: int, sessions: pl.DataFrame) -> pl.DataFrame:
    """`intraday_bars` for sessions of the same length: per symbol and day, a bridge from open
    to close built from the day's market-wide minute shock and the symbol's own, stretched to
    touch the day's high and low."""
    days = list(dict.fromkeys(sessions.get_column("date").to_list()))
    minutes = _session_minutes(days[0])[1]
    size = sessions.height
    day_of = sessions.get_column("date").replace_strict(
        {day: i for i, day in enumerate(days)}, return_dtype=pl.Int64
    )
    opens = pl.Series([_session_minutes(day)[0] for day in days], dtype=_UTC_TS).gather(day_of)
    # per minute: the share of the session elapsed and the volume profile (U-shaped: heavy at
    # the open and into the close)
    elapsed = [(k + 1) / minutes for k in range(minutes)]
    profile = [
        round(
            1000
            * (
                0.6
                + 2.0 * (2.0 * q - 1.0) ** 6
                + 0.9 * math.exp(-40.0 * q)
                + 0.6 * math.exp(-60.0 * (1 - q))
            )
        )
        for q in ((k + 0.5) / minutes for k in range(minutes))
    ]
    minute_array = pl.Array(pl.Float64, minutes)
    market = pl.Series([_market_walk(seed, day, minutes) for day in days], dtype=minute_array)
    # One random word per symbol and minute (path step 14 bits, upper wick 6, lower wick 6,
    # volume 6), drawn for the whole universe in its fixed order and picked by each session's
    # universe index ``s``: a symbol's path is the same whether drawn alone or with the others.
    everyone = len(universe.SYMBOLS)
    words = (
        pl.concat(
            [
                _words([(_stream(seed, "intraday", day.isoformat()), everyone * minutes)])
                for day in days
            ]
        )
        .reshape((len(days) * everyone, minutes))
        .gather(day_of * everyone + sessions.get_column("s"))
        .reshape((-1,))
    )

    # Per-session values broadcast to every minute (an array per session, flattened), and
    # per-minute values to every session: cheaper than gathering them row by row.
    def per_minute(values: Sequence[float]) -> pl.Expr:
        return pl.lit(pl.Series([values], dtype=minute_array))

    zeros = per_minute([0.0] * minutes)
    beta = pl.col("beta")
    every_minute = sessions.with_columns(market=market.gather(day_of)).select(
        *[
            (pl.col(name).cast(pl.Float64) + zeros).reshape((-1,)).alias(name)
            for name in ("open", "high", "low", "volume", "scale")
        ],
        *[
            (expr + zeros).reshape((-1,)).alias(name)
            for name, expr in {
                "log_open": pl.col("open").log(),
                "log_move": pl.col("close").log() - pl.col("open").log(),
                "log_high": pl.col("high").log(),
                "log_low": pl.col("low").log(),
                "wick": _MINUTE_WIGGLE * 1.6 * pl.col("sigma"),
                "market": beta * pl.col("market"),
                "own_scale": (1.0 - beta**2).sqrt(),
            }.items()
        ],
        fraction=(beta * 0.0 + per_minute(elapsed)).reshape((-1,)),
        profile=(beta * 0.0 + per_minute(profile)).reshape((-1,)).cast(pl.Int64),
    )
    row = pl.int_range(pl.len())
    frame = (
        pl.concat([pl.DataFrame({"w": words}), every_minute], how="horizontal")
        .lazy()
        .with_columns(s=row // minutes, k=row % minutes)
    )
    s, k = pl.col("s"), pl.col("k")  # k counts minutes from 0
    first, last = s * minutes, s * minutes + minutes - 1

    def within(name: str) -> pl.Expr:
        """Running sum of an integer column within each symbol's session: exact, so a symbol's
        path does not depend on which other symbols are drawn with it."""
        total = pl.col(name).cum_sum()
        return total - (total - pl.col(name)).gather(first)

    def per_symbol(expr: pl.Expr, stat: str) -> pl.Expr:
        return _series_stat(expr, stat, size, minutes, s)

    frame = frame.with_columns(
        # whole-number weights: the U-shaped profile times 64-127 (the noise)
        weight=pl.col("profile") * (64 + (pl.col("w") % 64).cast(pl.Int64)),
        step=(pl.col("w") // (1 << 18)).cast(pl.Int64),  # 14 bits: a uniform step
    )
    # The walk: the market's running shock (shared) plus the symbol's own, a running sum of
    # uniform steps with mean 0 and variance 1 (sums of 14-bit fields, kept whole until here).
    own = (
        within("step").cast(pl.Float64) / (1 << 14)
        - (k + 1).cast(pl.Float64) * (0.5 - 0.5 / (1 << 14))
    ) * math.sqrt(12.0)
    frame = frame.with_columns(
        walk=pl.col("market") + pl.col("own_scale") * own,
        cumulative_weight=within("weight"),
    )
    fraction = pl.col("fraction")
    line = pl.col("log_open") + fraction * pl.col("log_move")
    frame = frame.with_columns(
        line=line, bridge=pl.col("walk") - fraction * pl.col("walk").gather(last)
    )
    bridge, line = pl.col("bridge"), pl.col("line")
    # stretch the bridge above and below the line so its extremes are the day's high and low
    up = per_symbol(pl.when(bridge > 0).then((pl.col("log_high") - line) / bridge), "min")
    down = per_symbol(pl.when(bridge < 0).then((pl.col("log_low") - line) / bridge), "min")
    stretch = pl.when(bridge > 0).then(up.fill_null(0.0)).otherwise(down.fill_null(0.0))
    scale = pl.col("scale")
    # On the price grid the path stays within the day's range and ends at its close: its log is
    # at most log(high), at least log(low) and ends at log(close), so rounding a hair of floating
    # error lands back on those grid prices.
    frame = (
        frame.with_columns(path=(line + bridge * stretch).exp())
        .with_columns(bar_close=_to_grid(pl.col("path"), scale))
        .with_columns(
            bar_open=pl.when(k == 0).then(pl.col("open")).otherwise(pl.col("bar_close").shift(1))
        )
    )
    # wicks: a small random fraction of the day's volatility beyond the bar's body
    wick = pl.col("wick")
    frame = frame.with_columns(
        top=pl.max_horizontal("bar_open", "bar_close")
        * (1.0 + wick * _uniform(pl.col("w"), 12, 6)),
        bottom=pl.min_horizontal("bar_open", "bar_close")
        * (1.0 - wick * _uniform(pl.col("w"), 6, 6)),
    )
    frame = frame.with_columns(
        bar_high=pl.min_horizontal("high", _to_grid(pl.col("top"), scale)),
        bar_low=pl.max_horizontal("low", _to_grid(pl.col("bottom"), scale)),
        # whole shares adding up exactly to the day's volume (integer arithmetic throughout)
        cumulative=pl.col("volume").cast(pl.Int64)
        * pl.col("cumulative_weight")
        // per_symbol(pl.col("weight"), "sum"),
    )
    bar_high, bar_low = pl.col("bar_high"), pl.col("bar_low")
    return frame.select(
        symbol=_spread(sessions.get_column("symbol"), s),
        date=_spread(sessions.get_column("date"), s),
        k=(k + 1).cast(pl.Int32),
        ts=_spread(opens, s) + pl.duration(minutes=k),
        open="bar_open",
        # the path touches the day's high and low, except when its bridge never rises above (or
        # never falls below) the open-to-close line: then the nearest bar takes the extreme
        high=pl.when(bar_high == per_symbol(bar_high, "max")).then("high").otherwise(bar_high),
        low=pl.when(bar_low == per_symbol(bar_low, "min")).then("low").otherwise(bar_low),
        close="bar_close",
        volume=pl.when(k == 0)
        .then(pl.col("cumulative"))
        .otherwise(pl.col("cumulative") - pl.col("cumulative").shift(1))
        .cast(pl.Float64),
    ).collect(engine="in-memory")


def _five_minute(bars: pl.DataFrame) -> pl.DataFrame:
    """5-minute bars aggregated from 1-minute bars (the newest one may be partial)."""
    volume = pl.col("volume")
    return (
        bars.with_columns(bucket=(pl.col("k") - 1) // 5)
        .group_by("symbol", "date", "bucket", maintain_order=True)
        .agg(
            pl.col("ts").first(),
            pl.col("open").first(),
            pl.col("high").max(),
            pl.col("low").min(),
            pl.col("close").last(),
            pl.when(volume.null_count() == pl.len())
            .then(None)
            .otherwise(volume.sum())
            .alias("volume"),
        )
    )


# --------------------------------------------------------------------------------------------
# The source


def _midnight(day: dt.date) -> dt.datetime:
    """A date as 00:00 UTC: the timestamp of daily bars and of as-of dates."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)


def _unique(symbols: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(symbols))


def _as_of(newest: object, fallback: dt.datetime) -> dt.datetime:
    """A frame's as-of time: the close of its newest date, or ``fallback`` when it is empty."""
    if isinstance(newest, dt.date):
        return market_hours.session_close(newest)
    return fallback


class DemoMarket:
    """A deterministic synthetic market (see the module docstring). Implements `Source`.

    The clock starts at ``start_time`` New York time on ``session_date`` and runs ``speed``
    market minutes per real second (``monotonic`` is injectable for tests). After the close
    prices stop; the demo holds one session, so after that day the market stays closed.
    """

    name = "demo"
    label = "DEMO"
    is_demo = True

    def __init__(
        self,
        seed: int = 20260211,
        speed: float = 1.0,
        *,
        session_date: dt.date = SESSION_DATE,
        start_time: dt.time = dt.time(9, 45),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if speed < 0:
            raise ValueError("speed must be >= 0 (market minutes per real second)")
        times = market_hours.session_times(session_date)
        if times is None:
            raise ValueError(f"the demo session date {session_date} is not a trading day")
        self.seed = seed
        self.speed = speed
        self.session_date = session_date
        self._times = times
        self._minutes = int((times.close - times.open).total_seconds() // 60)
        self._monotonic = monotonic
        self._started = monotonic()
        self._start = dt.datetime.combine(session_date, start_time, tzinfo=NEW_YORK).astimezone(
            dt.UTC
        )
        self._market = _Builder(seed, session_date).build()
        self._end = len(self._market.days) - 2
        previous = market_hours.session_times(self._market.days[self._end])
        assert previous is not None  # a history day is a trading day
        self._previous_close = previous.close
        self._past_intraday: dict[tuple[str, int], pl.DataFrame] = {}  # (symbol, session): bars
        self._index = {symbol: position for position, symbol in enumerate(universe.SYMBOLS)}
        self._is_index = pl.Series([info.kind == "index" for info in universe.SYMBOLS.values()])
        self._so_far_cache: tuple[int, pl.DataFrame] | None = None
        self._postings = [(short_volume_posted_at(day), day) for day in self._market.days]

    # -- clock -----------------------------------------------------------------------------------

    def now(self) -> dt.datetime:
        """The demo market's clock, as aware UTC."""
        elapsed = (self._monotonic() - self._started) * self.speed
        return self._start + dt.timedelta(minutes=elapsed)

    def _session(self, moment: dt.datetime) -> Session:
        if moment.astimezone(NEW_YORK).date() > self.session_date:
            return Session.CLOSED
        return market_hours.session_at(moment)

    def _minutes_done(self, moment: dt.datetime) -> int | None:
        """Completed 1-minute bars of the session date at ``moment``; None before the open."""
        if moment < self._times.open:
            return None
        return min(int((moment - self._times.open).total_seconds() // 60), self._minutes)

    def _price_time(self, done: int | None) -> dt.datetime:
        """When the latest price was printed: the end of the last completed minute bar, or the
        previous session's close before the open."""
        if done is None:
            return self._previous_close
        return self._times.open + dt.timedelta(minutes=done)

    # -- reference data --------------------------------------------------------------------------

    def source_for(self, role: SourceRole) -> str:
        """The demo market plays every role itself."""
        return self.name

    def describe(self, symbol: str) -> SymbolInfo | None:
        """Name, sector and kind of a symbol of the demo universe."""
        return universe.SYMBOLS.get(symbol)

    def known_symbols(self) -> Sequence[str]:
        """Every symbol of the demo universe."""
        return tuple(universe.SYMBOLS)

    @staticmethod
    def _split(
        symbols: Iterable[str], stocks_only: bool = False
    ) -> tuple[list[str], dict[str, str]]:
        """Requested symbols the demo can answer for, and a reason for each of the others."""
        wanted: list[str] = []
        problems: dict[str, str] = {}
        for symbol in _unique(symbols):
            info = universe.SYMBOLS.get(symbol)
            if info is None:
                problems[symbol] = "not found"
            elif stocks_only and info.kind != "stock":
                problems[symbol] = "no data"
            else:
                wanted.append(symbol)
        return wanted, problems

    # -- prices ----------------------------------------------------------------------------------

    def _rows(
        self, frame: pl.DataFrame, positions: Sequence[int], size: int, offset: int
    ) -> pl.DataFrame:
        """Rows ``position * size + offset`` of a symbol-major frame (one block per symbol)."""
        return frame[[position * size + offset for position in positions]]

    def _session_bar(self, wanted: Sequence[str], done: int | None) -> pl.DataFrame:
        """The latest session's bar so far (the previous session's before the open), in the
        order of ``wanted``: open, high, low, close, volume."""
        positions = [self._index[symbol] for symbol in wanted]
        daily, count = self._market.daily, self._end + 2
        columns = ["open", "high", "low", "close", "volume"]
        if done is None:
            return self._rows(daily, positions, count, self._end).select(columns)
        today = self._rows(daily, positions, count, self._end + 1)
        if done == 0:  # the opening print only
            opening = pl.col("open")
            return today.select(
                "open",
                high=opening,
                low=opening,
                close=opening,
                volume=pl.when(pl.col("volume").is_null()).then(None).otherwise(0.0),
            )
        running = self._so_far(done)[positions]
        return pl.concat([today.select("open"), running], how="horizontal")

    def _so_far(self, done: int) -> pl.DataFrame:
        """Per symbol (universe order) over the session date's first ``done`` minutes: high,
        low, close (the last price) and volume; kept for the latest ``done`` asked."""
        if self._so_far_cache is None or self._so_far_cache[0] != done:
            size = len(universe.SYMBOLS)

            def per_symbol(name: str, stat: str) -> pl.Expr:
                return _per_series(pl.col(name), stat, size, done)

            summary = self._market.today_bars.filter(pl.col("k") <= done).select(
                high=per_symbol("high", "max"),
                low=per_symbol("low", "min"),
                close=per_symbol("close", "last"),
                volume=pl.when(pl.lit(self._is_index))
                .then(None)
                .otherwise(per_symbol("volume", "sum")),
            )
            self._so_far_cache = (done, summary)
        return self._so_far_cache[1]

    async def quotes(self, symbols: Sequence[str]) -> FetchOutcome:
        """Latest quote per symbol at the demo clock's time."""
        moment = self.now()
        wanted, problems = self._split(symbols)
        done = self._minutes_done(moment)
        positions = [self._index[symbol] for symbol in wanted]
        # before the open the quote shows the previous session and the close before it
        previous = self._end - 1 if done is None else self._end
        prev_close = self._rows(self._market.daily, positions, self._end + 2, previous)
        stamp = self._price_time(done)
        frame = pl.concat(
            [
                pl.DataFrame({"symbol": wanted}, schema={"symbol": pl.String}),
                self._session_bar(wanted, done),
                prev_close.select(prev_close="close"),
            ],
            how="horizontal",
        ).select(
            "symbol",
            ts=pl.lit(stamp, dtype=_UTC_TS),
            last="close",
            prev_close="prev_close",
            open="open",
            high="high",
            low="low",
            volume="volume",
            session=pl.lit(self._session(moment).value),
            delayed_s=pl.lit(0, dtype=pl.Int32),
            source=pl.lit("demo"),
        )
        return Fetched(frame.cast(QUOTES_SCHEMA), stamp, problems)

    async def bars(self, symbols: Sequence[str], interval: BarInterval, days: int) -> FetchOutcome:
        """Daily bars of the last ``days`` sessions (the session date's partial bar included once
        it has opened), or 1-/5-minute bars of the last ``days`` sessions up to now (at most
        ``INTRADAY_SESSIONS``)."""
        moment = self.now()
        wanted, problems = self._split(symbols)
        done = self._minutes_done(moment)
        if interval == "1d":
            frame = self._daily(wanted, done, days)
        else:
            frame = self._intraday(wanted, done, days)
            if interval == "5m":
                frame = _five_minute(frame)
        frame = frame.select(
            "symbol", "ts", "open", "high", "low", "close", "volume", interval=pl.lit(interval)
        )
        return Fetched(frame.cast(BARS_SCHEMA), self._price_time(done), problems)

    def _daily(self, wanted: Sequence[str], done: int | None, days: int) -> pl.DataFrame:
        last = self._end if done is None else self._end + 1
        first = max(last - days + 1, 0)
        columns = ["symbol", "t", "ts", "open", "high", "low", "close", "volume"]
        position = {self._index[symbol]: order for order, symbol in enumerate(wanted)}
        history = self._market.daily.filter(
            pl.col("s").is_in(list(position)), pl.col("t").is_between(first, min(last, self._end))
        )
        parts = [history.select(*columns, "s")]
        if done is not None and days > 0:
            partial = self._session_bar(wanted, done).with_columns(
                symbol=pl.Series(wanted, dtype=pl.String),
                t=pl.lit(self._end + 1, dtype=pl.Int64),
                ts=pl.lit(_midnight(self.session_date), dtype=_UTC_TS),
                s=pl.Series([self._index[symbol] for symbol in wanted], dtype=pl.Int64),
            )
            parts.append(partial.select(*columns, "s"))
        # one sort key (requested order, then date): much cheaper than sorting on two columns
        order = pl.col("s").replace_strict(position, return_dtype=pl.Int64) * 1000 + pl.col("t")
        return pl.concat(parts).sort(order)

    def _intraday(self, wanted: Sequence[str], done: int | None, days: int) -> pl.DataFrame:
        """1-minute bars of the last ``days`` sessions for each symbol, the session date's cut at
        now; earlier sessions are drawn on first use (all at once) and kept."""
        latest = self._end if done is None else self._end + 1
        sessions = range(max(latest - min(days, INTRADAY_SESSIONS) + 1, 0), latest + 1)
        missing = [
            (symbol, t)
            for symbol in wanted
            for t in sessions
            if t <= self._end and (symbol, t) not in self._past_intraday
        ]
        if missing:
            drawn = intraday_bars(
                self.seed, self._market.sessions((self._index[s], t) for s, t in missing)
            )
            offset = 0
            for symbol, t in missing:
                minutes = _session_minutes(self._market.days[t])[1]
                self._past_intraday[(symbol, t)] = drawn.slice(offset, minutes)
                offset += minutes
        today = self._market.today_bars
        parts = [
            self._past_intraday[(symbol, t)]
            if t <= self._end
            else today.slice(self._index[symbol] * self._minutes, done or 0)
            for symbol in wanted
            for t in sessions
        ]
        return pl.concat([today.clear(), *parts])

    # -- short interest, short volume, shares ------------------------------------------------

    async def short_interest(
        self, symbols: Sequence[str] | None, settlements: int = 1
    ) -> FetchOutcome:
        """Short interest of the newest ``settlements`` settlement dates published by now."""
        moment = self.now()
        wanted, problems = self._split(
            universe.stock_symbols() if symbols is None else symbols, stocks_only=True
        )
        published = [day for at, day in self._market.publications if at <= moment]
        dates = published[len(published) - settlements :] if settlements > 0 else []
        frame = self._market.short_interest.filter(
            pl.col("settlement_date").is_in(dates), pl.col("symbol").is_in(wanted)
        )
        return Fetched(frame, _as_of(max(dates, default=None), moment), problems)

    async def short_volume(self, symbols: Sequence[str] | None, days: int) -> FetchOutcome:
        """Daily short-sale volume for the last ``days`` trading days whose file is up by now."""
        moment = self.now()
        wanted, problems = self._split(
            universe.stock_symbols() if symbols is None else symbols, stocks_only=True
        )
        posted = [day for at, day in self._postings if at <= moment]
        dates = posted[len(posted) - days :] if days > 0 else []
        frame = self._market.short_volume.filter(
            pl.col("date").is_in(dates), pl.col("symbol").is_in(wanted)
        )
        return Fetched(frame, _as_of(max(dates, default=None), moment), problems)

    async def shares(self, symbols: Sequence[str]) -> FetchOutcome:
        """Shares outstanding and float of the requested stocks."""
        wanted, problems = self._split(symbols, stocks_only=True)
        frame = pl.DataFrame({"symbol": wanted}, schema={"symbol": pl.String}).join(
            self._market.shares, on="symbol", how="left", maintain_order="left"
        )
        return Fetched(frame, _as_of(frame.get_column("as_of").max(), self.now()), problems)

    async def aclose(self) -> None:
        """Nothing to release: the demo holds no clients or files."""
