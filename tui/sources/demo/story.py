"""The story of DESIGN.md as daily log returns: the calendar of the regime, the factor model,
the stocks with the story's falls pinned, the sector ETFs and indices as baskets of them, the
VIX and the 10-year yield.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from tui import market_hours
from tui.sources import universe
from tui.sources.demo.linalg import recolor
from tui.sources.demo.rng import normal_draw, random_words, stream
from tui.sources.finra_schedule import published_at, settlement_dates
from tui.sources.universe import CD, COM, CS, EN, FIN, HC, IND, IT, MAT, RE, UT

SESSION_DATE = dt.date(2026, 2, 11)  # the demo's "today", in the story's sell-off
HISTORY_SESSIONS = 330  # daily bars before the session date
REGIME_SESSIONS = 25  # the story unfolds over this many sessions before the session date
LATE_SESSIONS = 10  # the sharpest phase: heaviest selling, VIX spike, AI basket sell-off
CORRELATION_WINDOW = 60  # trading days, as the Correlations pane uses by default
YEAR_SESSIONS = 252

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

# The sector SPDRs as funds (see `funds`): net assets in USD at the last history close, and the
# daily creations (+) and redemptions (-) as a fraction of net assets, (mean, standard deviation):
# before the regime, then in its early and late phases. Money leaves the sold sectors' funds
# (IT, Industrials, Materials) and trickles into the others.
FUND_NET_ASSETS: Mapping[str, float] = {
    "XLK": 91.0e9,
    "XLF": 54.0e9,
    "XLV": 38.0e9,
    "XLY": 23.0e9,
    "XLP": 16.5e9,
    "XLE": 27.0e9,
    "XLI": 23.5e9,
    "XLB": 5.6e9,
    "XLU": 19.0e9,
    "XLRE": 7.6e9,
    "XLC": 25.0e9,
}
FUND_FLOW_NORMAL = (0.0002, 0.002)
FUND_FLOW_SOLD = ((-0.0015, 0.002), (-0.0045, 0.002))
FUND_FLOW_BOUGHT = ((0.0006, 0.002), (0.0012, 0.002))
CREATION_UNIT = 50_000  # SPDR shares are created and redeemed in blocks of this many

_VIX_MEAN = 15.8
_TNX_LEVEL = 4.20


@dataclass(frozen=True, slots=True)
class _Leg:
    """A pinned move: the close moves by ``total`` (log) from return index ``first - 1`` to
    ``last``."""

    first: int
    last: int
    total: float


class Story:
    """The calendar of one seed's story and the daily returns it is told in; `Builder` prints
    them as the market's datasets."""

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
        words = random_words([(stream(self.seed, "factors"), len(rows))])
        values = (
            pl.DataFrame({"w": words, "drift": [d for d, _ in rows], "vol": [v for _, v in rows]})
            .select(pl.col("drift") + pl.col("vol") * normal_draw(pl.col("w")))
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
        words = random_words([(stream(self.seed, "idio"), len(self.stocks) * self.count)])
        noise = pl.DataFrame({"w": words}).select(normal_draw(pl.col("w"))).to_series()
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
        rng = stream(self.seed, "story")
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
        recolor(
            columns,
            [year_ago - CORRELATION_WINDOW, year_ago],
            member,
            rng.uniform(*_YEAR_AGO_MEMBER),
            rng.uniform(*_YEAR_AGO_GROUP),
        )
        window_start = self.end - CORRELATION_WINDOW
        recolor(
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
        rng = stream(self.seed, "russell")
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
        rng = stream(self.seed, "vix")
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
