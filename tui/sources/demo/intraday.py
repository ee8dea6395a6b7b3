"""Intraday paths: 1-minute bars of a session that agree with its daily bar, and 5-minute bars
aggregated from them."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence

import polars as pl

from tui import market_hours
from tui.sources import universe
from tui.sources.demo.rng import random_words, series_stat, spread, stream, to_grid, uniform_draw

_MINUTE_WIGGLE = 0.06  # size of a minute bar's wicks, as a fraction of the daily volatility

UTC_TS = pl.Datetime("us", "UTC")


def session_minutes(day: dt.date) -> tuple[dt.datetime, int]:
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
    lengths = {day: session_minutes(day)[1] for day in sessions.get_column("date").unique()}
    minutes = sessions.get_column("date").replace_strict(lengths, return_dtype=pl.Int64)
    if minutes.n_unique() == 1:
        return _intraday_sessions(seed, sessions)
    # full and early-close sessions drawn apart, then put back in the order asked for
    order = pl.int_range(pl.len()).alias("order")
    parts = sessions.with_columns(order, length=minutes).partition_by("length", maintain_order=True)
    drawn = [
        _intraday_sessions(seed, part).with_columns(
            order=spread(part.get_column("order"), pl.int_range(pl.len()) // part["length"][0])
        )
        for part in parts
    ]
    return pl.concat(drawn).sort("order", "k").drop("order")


def _market_walk(seed: int, day: dt.date, minutes: int) -> list[float]:
    """The market-wide intraday shock of a day, as a running sum (shared by every symbol)."""
    rng = stream(seed, "minutes", day.isoformat())
    return list(itertools.accumulate(rng.gauss(0.0, 1.0) for _ in range(minutes)))


def _intraday_sessions(seed: int, sessions: pl.DataFrame) -> pl.DataFrame:
    """`intraday_bars` for sessions of the same length: per symbol and day, a bridge from open
    to close built from the day's market-wide minute shock and the symbol's own, stretched to
    touch the day's high and low."""
    days = list(dict.fromkeys(sessions.get_column("date").to_list()))
    minutes = session_minutes(days[0])[1]
    size = sessions.height
    day_of = sessions.get_column("date").replace_strict(
        {day: i for i, day in enumerate(days)}, return_dtype=pl.Int64
    )
    opens = pl.Series([session_minutes(day)[0] for day in days], dtype=UTC_TS).gather(day_of)
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
                random_words([(stream(seed, "intraday", day.isoformat()), everyone * minutes)])
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
        return series_stat(expr, stat, size, minutes, s)

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
        .with_columns(bar_close=to_grid(pl.col("path"), scale))
        .with_columns(
            bar_open=pl.when(k == 0).then(pl.col("open")).otherwise(pl.col("bar_close").shift(1))
        )
    )
    # wicks: a small random fraction of the day's volatility beyond the bar's body
    wick = pl.col("wick")
    frame = frame.with_columns(
        top=pl.max_horizontal("bar_open", "bar_close")
        * (1.0 + wick * uniform_draw(pl.col("w"), 12, 6)),
        bottom=pl.min_horizontal("bar_open", "bar_close")
        * (1.0 - wick * uniform_draw(pl.col("w"), 6, 6)),
    )
    frame = frame.with_columns(
        bar_high=pl.min_horizontal("high", to_grid(pl.col("top"), scale)),
        bar_low=pl.max_horizontal("low", to_grid(pl.col("bottom"), scale)),
        # whole shares adding up exactly to the day's volume (integer arithmetic throughout)
        cumulative=pl.col("volume").cast(pl.Int64)
        * pl.col("cumulative_weight")
        // per_symbol(pl.col("weight"), "sum"),
    )
    bar_high, bar_low = pl.col("bar_high"), pl.col("bar_low")
    return frame.select(
        symbol=spread(sessions.get_column("symbol"), s),
        date=spread(sessions.get_column("date"), s),
        k=(k + 1).cast(pl.Int32),
        ts=spread(opens, s) + pl.duration(minutes=k),
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


def five_minute(bars: pl.DataFrame) -> pl.DataFrame:
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
