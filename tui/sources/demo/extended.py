"""The demo's pre- and post-market: a price path for each stock and fund outside the regular
session, as quotes (``ext_last``) and as 1-minute bars, so extended hours can be seen and tested
on the demo market. Indices do not trade outside the regular session, and have none.

The regular session's figures are untouched: the paths only start where it ends (the close, for
post-market) or end where it starts (today's open, for pre-market). Each path is a drift from its
start to its end with a small deterministic wiggle, drawn from the seed and the symbol alone.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl

from tui import market_hours

ExtSession = Literal["pre", "post"]

_WIGGLE = 0.0015  # the wiggle's size, as a fraction of the price
_POST_DRIFT = 0.006  # how far a post-market path may drift from the close, either way
_EXT_VOLUME_SHARE = 0.0004  # a minute's volume, as a share of the previous session's


@dataclass(frozen=True, slots=True)
class ExtWindow:
    """Where the clock stands in an extended session: which one, when it began, how long it
    runs and how many of its minutes are done."""

    session: ExtSession
    start: dt.datetime
    minutes: int
    done: int

    def at(self, minute: int) -> dt.datetime:
        return self.start + dt.timedelta(minutes=minute)


def ext_window(times: market_hours.SessionTimes, moment: dt.datetime) -> ExtWindow | None:
    """The pre- or post-market of the session day ``times`` at ``moment``: pre-market from its
    open until the bell, post-market from the close on (frozen at its end for the rest of the
    day); None during the regular session and before the pre-market opens."""
    if times.pre_open <= moment < times.open:
        length = _minutes(times.pre_open, times.open)
        return ExtWindow("pre", times.pre_open, length, _minutes(times.pre_open, moment))
    if moment >= times.close:
        length = _minutes(times.close, times.post_close)
        return ExtWindow("post", times.close, length, min(_minutes(times.close, moment), length))
    return None


def _minutes(start: dt.datetime, end: dt.datetime) -> int:
    return int((end - start).total_seconds() // 60)


def _shape(seed: int, symbol: str) -> tuple[float, float]:
    """A symbol's post-market drift and wiggle phase (stable across runs)."""
    rng = random.Random(f"{seed}:extended:{symbol}")
    return rng.uniform(-_POST_DRIFT, _POST_DRIFT), rng.uniform(0.0, 2 * math.pi)


def ext_price(
    seed: int, symbol: str, window: ExtWindow, start: float, end: float | None, minute: int
) -> float:
    """The symbol's price ``minute`` minutes into ``window``: from ``start`` (the previous close
    before the bell, the close after it) towards ``end`` (today's open; after the close, the
    drift of the symbol's own), wiggling on the way and never below a cent."""
    drift, phase = _shape(seed, symbol)
    target = end if end is not None else start * (1.0 + drift)
    share = minute / window.minutes if window.minutes else 1.0
    # The wiggle fades out towards the end, so pre-market meets today's open.
    fade = 1.0 - share if window.session == "pre" else 1.0
    wiggle = _WIGGLE * math.sin(minute / 9.0 + phase) * fade
    return max(0.01, round(start + (target - start) * share + start * wiggle, 2))


def ext_quotes(
    seed: int,
    window: ExtWindow,
    symbols: Sequence[str],
    starts: Sequence[float | None],
    ends: Sequence[float | None],
    trades: Sequence[bool],
) -> pl.DataFrame:
    """``ext_last``, ``ext_ts`` and ``ext_session`` for each symbol (nulls for one that does not
    trade outside the regular session, or before a pre-market minute is done)."""
    prices: list[float | None] = []
    for symbol, start, end, trading in zip(symbols, starts, ends, trades, strict=True):
        if not trading or start is None or window.done < 1:
            prices.append(None)
        else:
            prices.append(ext_price(seed, symbol, window, start, end, window.done))
    priced = [price is not None for price in prices]
    return pl.DataFrame(
        {
            "ext_last": prices,
            "ext_ts": [window.at(window.done) if has else None for has in priced],
            "ext_session": [window.session if has else None for has in priced],
        },
        schema={
            "ext_last": pl.Float64(),
            "ext_ts": pl.Datetime("us", "UTC"),
            "ext_session": pl.String(),
        },
    )


def ext_bars(
    seed: int,
    window: ExtWindow,
    symbols: Sequence[str],
    starts: Sequence[float | None],
    ends: Sequence[float | None],
    volumes: Sequence[float | None],
    session_minutes: int,
    day: dt.date,
) -> pl.DataFrame:
    """The window's 1-minute bars done so far, in the demo's bar layout (``k`` numbers the
    minutes of the day: negative before the bell, past the session's after it)."""
    rows: list[tuple[object, ...]] = []
    for symbol, start, end, volume in zip(symbols, starts, ends, volumes, strict=True):
        if start is None:
            continue
        previous = start
        for minute in range(1, window.done + 1):
            close = ext_price(seed, symbol, window, start, end, minute)
            tick = max(0.01, round(abs(close - previous) * 0.3, 2))
            k = minute - window.minutes if window.session == "pre" else session_minutes + minute
            rows.append(
                (
                    symbol,
                    day,
                    k,
                    window.at(minute - 1),
                    previous,
                    max(previous, close) + tick,
                    min(previous, close) - tick,
                    close,
                    None if volume is None else round(volume * _EXT_VOLUME_SHARE),
                )
            )
            previous = close
    return pl.DataFrame(
        rows,
        schema={
            "symbol": pl.String(),
            "date": pl.Date(),
            "k": pl.Int32(),
            "ts": pl.Datetime("us", "UTC"),
            "open": pl.Float64(),
            "high": pl.Float64(),
            "low": pl.Float64(),
            "close": pl.Float64(),
            "volume": pl.Float64(),
        },
        orient="row",
    )
