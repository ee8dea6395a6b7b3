"""The Sector flows pane's estimate of today's flow, and relative volume.

The estimate is not fund-flow data: signed dollar volume from where each session closed within
its range. A session that closes at its high counts all its dollar volume as inflow, one that
closes at its low as outflow. (The funds' real creations and redemptions, published the next
morning, are in `tui.analytics.sectors.funds`.)

During a session, today's volume and flow are only so far: relative volume compares today's volume
with the volume the previous sessions had traded by the same time of day (from their intraday
bars), and the flow bar scales today's flow against the flow the sectors usually see by then.
Without intraday bars of earlier sessions, the share of a day's volume usually traded by a time of
day comes from `VOLUME_PROFILE`, and the figure is marked as an estimate.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Mapping
from typing import Literal

import polars as pl

from tui.analytics.frame_rows import rows_by_key
from tui.analytics.sessions import bar_date, sessions_before
from tui.clock import NEW_YORK
from tui.market_hours import session_times

FLOW_SESSIONS = 5  # flow_5d sums today and the 4 sessions before it
VOLUME_SESSIONS = 20  # relative volume compares with the mean of this many previous sessions

# The share of a regular session's volume traded in each quarter hour, 9:30-9:45 first: a typical
# U shape of US equity and ETF volume, heavy at the open, thin at lunch, heavy into the close (the
# closing auction in the last quarter). An approximation, used only for sessions without intraday
# bars of earlier sessions to compare with; a session of another length (an early close) is
# stretched onto it.
# fmt: off
VOLUME_PROFILE: tuple[float, ...] = (
    0.071, 0.055, 0.050, 0.045,  # 9:30-10:30
    0.040, 0.037, 0.035, 0.033,  # 10:30-11:30
    0.031, 0.029, 0.023, 0.022,  # 11:30-12:30
    0.021, 0.021, 0.021, 0.022,  # 12:30-13:30
    0.023, 0.024, 0.030, 0.031,  # 13:30-14:30
    0.033, 0.035, 0.038, 0.042,  # 14:30-15:30
    0.055, 0.133,  # 15:30-16:00, the closing auction in the last quarter
)
# fmt: on

BAR_MINUTES = {"1m": 1.0, "2m": 2.0, "5m": 5.0, "15m": 15.0, "30m": 30.0, "60m": 60.0, "1h": 60.0}

RelVolumeBasis = Literal["intraday", "profile", "day"]


def money_flow_multiplier(high: pl.Expr, low: pl.Expr, close: pl.Expr) -> pl.Expr:
    """((C-L)-(H-C))/(H-L): +1 at the high, -1 at the low, 0 when H == L."""
    return pl.when(high == low).then(0.0).otherwise(((close - low) - (high - close)) / (high - low))


def money_flow(high: pl.Expr, low: pl.Expr, close: pl.Expr, volume: pl.Expr) -> pl.Expr:
    """Signed dollar volume: money-flow multiplier x volume x typical price (H+L+C)/3."""
    return money_flow_multiplier(high, low, close) * volume * (high + low + close) / 3.0


def sector_flows(
    quotes: pl.DataFrame, daily: pl.DataFrame, symbols: Collection[str], session: dt.date
) -> pl.DataFrame:
    """Flow today from the quote; flow 5d adds the 4 previous sessions; the daily norms.

    Per symbol with a quote: ``flow_today`` (the quote's high, low, last and volume); ``flow_5d``,
    null unless all 4 previous daily bars give a flow; and over the daily bars of the previous 20
    sessions ``mean_volume`` and ``mean_abs_flow`` (the mean size of a day's flow)."""
    flow_window = sessions_before(session, FLOW_SESSIONS - 1)
    volume_window = sessions_before(session, VOLUME_SESSIONS)
    start = dt.datetime.combine(volume_window[0], dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(session, dt.time(), tzinfo=dt.UTC)
    bar_flow = money_flow(pl.col("high"), pl.col("low"), pl.col("close"), pl.col("volume"))
    in_flow_window = pl.col("date") >= flow_window[0]
    history = (
        daily.lazy()
        .filter(
            pl.col("symbol").is_in(list(symbols)),
            pl.col("ts") >= start,
            pl.col("ts") < end,
        )
        .with_columns(bar_date(), flow=bar_flow)
        .group_by("symbol")
        .agg(
            previous_flow=pl.col("flow").filter(in_flow_window).sum(),
            previous_flow_days=pl.col("flow").filter(in_flow_window).count(),
            mean_volume=pl.col("volume").mean(),
            mean_abs_flow=pl.col("flow").abs().mean(),
        )
    )
    today_flow = money_flow(pl.col("high"), pl.col("low"), pl.col("last"), pl.col("volume"))
    return (
        quotes.lazy()
        .filter(pl.col("symbol").is_in(list(symbols)))
        .join(history, on="symbol", how="left")
        .select(
            "symbol",
            flow_today=today_flow,
            flow_5d=pl.when(pl.col("previous_flow_days") == FLOW_SESSIONS - 1).then(
                today_flow + pl.col("previous_flow")
            ),
            mean_volume="mean_volume",
            mean_abs_flow="mean_abs_flow",
        )
        .collect()
    )


def profile_share(elapsed_minutes: float, session_minutes: float) -> float:
    """The share of a session's volume `VOLUME_PROFILE` expects by ``elapsed_minutes`` after the
    open (0 at the open, 1 at the close)."""
    if session_minutes <= 0:
        return 1.0
    position = min(max(elapsed_minutes / session_minutes, 0.0), 1.0) * len(VOLUME_PROFILE)
    whole = int(position)
    done = sum(VOLUME_PROFILE[:whole])
    if whole < len(VOLUME_PROFILE):
        done += VOLUME_PROFILE[whole] * (position - whole)
    return done


@dataclasses.dataclass(frozen=True, slots=True)
class VolumeClock:
    """How far into its session a symbol's latest quote is."""

    elapsed_minutes: float  # since the open
    session_minutes: float  # the whole regular session
    whole_day: bool  # at or past the close: compare whole days


def volume_clock(quote_ts: dt.datetime | None, session: dt.date) -> VolumeClock:
    """Where a quote stamped ``quote_ts`` stands in ``session`` (a whole day unless it is from
    the session's regular hours)."""
    times = session_times(session)
    if times is None or quote_ts is None:
        return VolumeClock(0.0, 0.0, whole_day=True)
    length = (times.close - times.open).total_seconds() / 60.0
    elapsed = (quote_ts - times.open).total_seconds() / 60.0
    if not 0.0 <= elapsed < length:
        return VolumeClock(length, length, whole_day=True)
    return VolumeClock(elapsed, length, whole_day=False)


def volume_by_time_of_day(
    intraday: pl.DataFrame, elapsed: Mapping[str, float], session: dt.date
) -> pl.DataFrame:
    """Per symbol of ``elapsed``, over the previous `VOLUME_SESSIONS` sessions that have
    intraday bars of it: ``sessions`` (how many), ``volume_by_now`` (the mean volume traded in
    the first ``elapsed[symbol]`` minutes of the regular session, the same time of day as now)
    and ``volume_by_close`` (the mean whole regular session).

    A bar that straddles that time counts in proportion to its part before it."""
    bounds = [
        times
        for day in sessions_before(session, VOLUME_SESSIONS)
        if (times := session_times(day)) is not None
    ]
    ts_type = intraday.schema["ts"]
    sessions = pl.DataFrame(
        {
            "day": [times.date for times in bounds],
            "bell": [times.open for times in bounds],
            "last_bell": [times.close for times in bounds],
        },
        schema={"day": pl.Date(), "bell": ts_type, "last_bell": ts_type},
    )
    now = pl.DataFrame(
        {"symbol": list(elapsed), "elapsed": list(elapsed.values())},
        schema={"symbol": pl.String(), "elapsed": pl.Float64()},
    )
    minutes = pl.col("interval").replace_strict(BAR_MINUTES, default=1.0, return_dtype=pl.Float64)
    started = (pl.col("ts") - pl.col("bell")).dt.total_seconds() / 60.0
    share = ((pl.col("elapsed") - started) / minutes).clip(0.0, 1.0)
    return (
        intraday.lazy()
        .filter(pl.col("volume").is_not_null())
        .join(now.lazy(), on="symbol", how="inner")
        .with_columns(day=pl.col("ts").dt.convert_time_zone(str(NEW_YORK)).dt.date())
        .join(sessions.lazy(), on="day", how="inner")
        .filter(pl.col("ts") >= pl.col("bell"), pl.col("ts") < pl.col("last_bell"))
        .group_by("symbol", "day")
        .agg(by_now=(share * pl.col("volume")).sum(), by_close=pl.col("volume").sum())
        .group_by("symbol")
        .agg(
            sessions=pl.len(),
            volume_by_now=pl.col("by_now").mean(),
            volume_by_close=pl.col("by_close").mean(),
        )
        .collect()
    )


@dataclasses.dataclass(frozen=True, slots=True)
class TimeOfDayVolume:
    """A row of `volume_by_time_of_day`."""

    sessions: int
    volume_by_now: float
    volume_by_close: float


@dataclasses.dataclass(frozen=True, slots=True)
class RelativeVolume:
    """Today's volume against the usual volume by the same time of day."""

    value: float | None  # today's volume / the usual volume by now
    basis: RelVolumeBasis
    sessions: int  # the sessions of intraday bars it compares with (0 unless "intraday")
    day_share: float | None  # the share of a usual day's volume traded by now


def relative_volume(
    volume: float | None,
    clock: VolumeClock,
    mean_daily_volume: float | None,
    by_time: TimeOfDayVolume | None,
) -> RelativeVolume:
    """Today's volume so far over the volume usually traded by the same time: the mean of the
    previous sessions' intraday bars up to that time; without any, the mean daily volume times
    the `VOLUME_PROFILE` share ("profile"); at or after the close, whole days ("day")."""

    def ratio(usual: float | None) -> float | None:
        return None if volume is None or usual is None or usual <= 0 else volume / usual

    if clock.whole_day:
        return RelativeVolume(ratio(mean_daily_volume), "day", 0, 1.0)
    if by_time is not None and by_time.sessions > 0:
        day_share = (
            by_time.volume_by_now / by_time.volume_by_close if by_time.volume_by_close > 0 else None
        )
        return RelativeVolume(ratio(by_time.volume_by_now), "intraday", by_time.sessions, day_share)
    share = profile_share(clock.elapsed_minutes, clock.session_minutes)
    usual = None if mean_daily_volume is None else mean_daily_volume * share
    return RelativeVolume(ratio(usual), "profile", 0, share)


def relative_volumes(
    intraday: pl.DataFrame,
    quotes: Mapping[str, tuple[dt.datetime | None, float | None]],
    mean_volumes: Mapping[str, float | None],
    session: dt.date,
) -> dict[str, RelativeVolume]:
    """Per symbol of ``quotes`` (its latest quote's time and volume), its `relative_volume`:
    against the previous sessions' intraday bars up to the same time of day, else against
    ``mean_volumes`` (the mean daily volume) times the typical profile."""
    clocks = {symbol: volume_clock(ts, session) for symbol, (ts, _) in quotes.items()}
    during = {
        symbol: clock.elapsed_minutes for symbol, clock in clocks.items() if not clock.whole_day
    }
    by_time = rows_by_key(volume_by_time_of_day(intraday, during, session), TimeOfDayVolume)
    return {
        symbol: relative_volume(
            volume, clocks[symbol], mean_volumes.get(symbol), by_time.get(symbol)
        )
        for symbol, (_, volume) in quotes.items()
    }


def mean_daily_volumes(
    daily: pl.DataFrame, symbols: Collection[str], session: dt.date
) -> dict[str, float]:
    """Per symbol, the mean volume of its daily bars over the `VOLUME_SESSIONS` sessions before
    ``session`` (symbols without any are left out)."""
    window = sessions_before(session, VOLUME_SESSIONS)
    start = dt.datetime.combine(window[0], dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(session, dt.time(), tzinfo=dt.UTC)
    means = (
        daily.filter(
            pl.col("symbol").is_in(list(symbols)),
            pl.col("ts") >= start,
            pl.col("ts") < end,
            pl.col("volume").is_not_null(),
        )
        .group_by("symbol")
        .agg(pl.col("volume").mean())
    )
    return dict(means.iter_rows())


@dataclasses.dataclass(frozen=True, slots=True)
class SectorQuote:
    """What the pane reads of an ETF's latest quote; None where unknown."""

    ts: dt.datetime | None = None
    last: float | None = None
    change_pct: float | None = None
    volume: float | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class SectorFlow:
    """A row of `sector_flows`; None where unknown."""

    flow_today: float | None = None
    flow_5d: float | None = None
    mean_volume: float | None = None
    mean_abs_flow: float | None = None
