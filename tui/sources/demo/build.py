"""The market built once: the story's returns printed as daily bars, the session date's
1-minute bars, bi-monthly short interest, daily short volume and shares outstanding.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from tui.sources import universe
from tui.sources.base import SHARES_SCHEMA, SHORT_INTEREST_SCHEMA, SHORT_VOLUME_SCHEMA
from tui.sources.demo.intraday import intraday_bars
from tui.sources.demo.rng import centred_draw, random_words, spread, stream, to_grid, uniform_draw
from tui.sources.demo.story import (
    MOMENTUM_SHORTED,
    OTHER_SOFTWARE,
    SELLING_SECTORS,
    SOFTWARE_SELLOFF,
    Story,
)
from tui.sources.universe import CD, COM, CS, EN, FIN, HC, IND, IT, MAT, RE, UT

FRACTIONAL_VOLUME_SINCE = dt.date(2026, 2, 23)  # Reg SHO files carry fractional shares from here

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

_INTRADAY_BETA = {"stock": 0.55, "etf": 0.85, "index": 0.9}
_INTRADAY_BETA_BY_SYMBOL = {"^VIX": -0.75, "^TNX": 0.2}

_DAY = dt.timedelta(days=1)

# Short pressure rising in IT in the late phase: each IT stock's short-volume ratio climbs by up
# to this much more (software, the names being sold hardest, by more), on a convex ramp.
_IT_SHORT_RAMP = 0.08
_SOFTWARE_SHORT_RAMP = 0.10
_SHORT_RAMP_POWER = 4.0


def _short_volume_ramp(symbol: str) -> float:
    """How much a stock's short-volume ratio has risen by the session date (the late phase's
    ramp): software most, the rest of IT less, other sectors not at all."""
    if symbol in SOFTWARE_SELLOFF or symbol in OTHER_SOFTWARE:
        return _SOFTWARE_SHORT_RAMP
    return _IT_SHORT_RAMP if universe.SYMBOLS[symbol].sector == IT else 0.0


@dataclass(frozen=True, slots=True)
class BuiltMarket:
    """Every frame the demo serves, drawn once for a seed and session date."""

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


class Builder(Story):
    """Draws the whole market for one seed and session date."""

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
        words = random_words([(stream(self.seed, "daily"), size * count)])
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
        move = 0.7 * r + sigma * (0.25 * centred_draw(word, 20, 12) + 0.45 * pressure)
        move = (
            pl.when(role < 0)
            .then(pl.min_horizontal(move, -0.35 * sigma))
            .when(role > 0)
            .then(pl.max_horizontal(move, 0.1 * sigma))
            .otherwise(move)
        )
        frame = frame.with_columns(move=move, close=pl.col("log_close").exp())
        move, ratio, place = pl.col("move"), pl.col("move") / sigma, uniform_draw(word, 6, 7)
        span = pl.max_horizontal(
            sigma * (0.9 + 0.72 * uniform_draw(word, 13, 7)), move.abs() * 1.15
        )
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
            return to_grid(pl.col(name), scale)

        bars = frame.select(
            "s",
            "t",
            symbol=spread(self.series, s),
            date=spread(pl.Series(self.days, dtype=pl.Date), t),
            ts=spread(
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
                * (0.8 + 0.4 * uniform_draw(word, 0, 6))
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
        rng = stream(self.seed, "short-interest")
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
        index, previous = spread(self.settlement_index, k), spread(self.settlement_index, k - 1)
        params = [universe.STOCK_PARAMS[symbol] for symbol in self.stocks]
        short = spread([p.float_shares for p in params], s) * (
            spread([p.short_pct_float for p in params], s) * pl.col("level").exp()
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
                symbol=spread(self.stocks, s),
                settlement_date=spread(pl.Series(self.settlements, dtype=pl.Date), k),
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
        words = random_words([(stream(self.seed, "short-volume"), size * self.count)])
        s, t, word = pl.col("s"), pl.col("t"), pl.col("w")
        regime = spread([1.0 if phase else 0.0 for phase in self.phase], t)
        fractional = spread([day >= FRACTIONAL_VOLUME_SINCE for day in self.days], t)
        boosts = spread([boost.get(symbol, 0.0) for symbol in self.stocks], s)
        leaning = spread([self._short_ramp(t) for t in range(self.count)], t)
        ramps = spread([_short_volume_ramp(symbol) for symbol in self.stocks], s)
        total = pl.col("volume") * (0.42 + 0.07 * centred_draw(word, 21, 11)).clip(0.2, 0.65)
        ratio = (
            0.47 + 0.045 * centred_draw(word, 10, 11) + regime * boosts + leaning * ramps
        ).clip(0.15, 0.9)

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
                short_exempt_volume=(
                    pl.col("short_volume") * 0.01 * uniform_draw(word, 0, 10)
                ).round(),
                total_volume="total_volume",
            )
            .cast(SHORT_VOLUME_SCHEMA)
            .collect(engine="in-memory")
        )

    def _short_ramp(self, t: int) -> float:
        """How far shorts have leaned into IT by session ``t``: 0 before the late phase, rising
        ever faster through it to 1 on the session date, so each day's short-volume ratio
        stands out against the 20 days before it."""
        if self.phase[t] < 2:
            return 0.0
        share = (t - self.late_start + 1) / (self.today - self.late_start + 1)
        return float(share**_SHORT_RAMP_POWER)

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

    def build(self) -> BuiltMarket:
        factors = self.factors()
        stocks = self.pin_story(self.stock_returns(factors))
        composites = self.composite_returns(stocks, factors)
        daily, series_params = self.daily_bars(stocks, composites, self.vix_and_yield(factors))
        market = BuiltMarket(
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
