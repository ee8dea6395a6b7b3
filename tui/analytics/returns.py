"""Price changes: vs the previous close, over 5 sessions, year to date, and baskets (equal-weighted
unless configured otherwise).

"Today's session" is `sessions.current_session(now)`; daily bars dated on or after it (today's
partial bar) are never used as a previous close.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence

import polars as pl

from tui.analytics.sessions import (
    bar_date,
    new_york_date,
    new_york_day_bounds,
    sessions_before,
)

# Treasury yield indices, quoted in percent (4.215 is 4.215 %): they move in basis points.
YIELD_SYMBOLS = frozenset({"^TNX", "^FVX", "^TYX", "^IRX"})
BASIS_POINTS_PER_POINT = 100.0  # 1 bp = 0.01 percentage point

BASKET_BASE_LEVEL = 100.0


def pct_change(new: pl.Expr, base: pl.Expr) -> pl.Expr:
    """Percent change from ``base`` to ``new``; null when either is missing or the base is zero."""
    return pl.when(base != 0).then((new / base - 1.0) * 100.0)


def latest_quotes(quotes: pl.DataFrame, symbols: Collection[str] | None = None) -> pl.DataFrame:
    """One quote per symbol, the newest by ``ts``; only ``symbols`` when given."""
    if symbols is not None:
        quotes = quotes.filter(pl.col("symbol").is_in(list(symbols)))
    return quotes.sort("ts", nulls_last=False).unique("symbol", keep="last", maintain_order=True)


def previous_closes(
    daily: pl.DataFrame, symbols: Collection[str] | None, session: dt.date
) -> pl.DataFrame:
    """Previous closes: daily closes dated before today's session (never today's partial bar).

    Returns (symbol, date, close) sorted by symbol and date, null closes dropped."""
    cutoff = dt.datetime.combine(session, dt.time(), tzinfo=dt.UTC)
    frame = daily.lazy()
    if symbols is not None:
        frame = frame.filter(pl.col("symbol").is_in(list(symbols)))
    return (
        frame.filter(pl.col("ts") < cutoff, pl.col("close").is_not_null())
        .select("symbol", bar_date(), "close")
        .sort("symbol", "date")
        .collect()
    )


def five_day_base(session: dt.date) -> dt.date:
    """The session 5-day changes are measured from: the 5th session before today's."""
    return sessions_before(session, 5)[0]


def previous_year_end(session: dt.date) -> dt.date:
    """YTD % is measured from the last close on or before this day: Dec 31 of the previous year."""
    return dt.date(session.year - 1, 12, 31)


def reference_closes(closes: pl.DataFrame, session: dt.date) -> pl.DataFrame:
    """Per symbol: the close 5 sessions before today's and the previous year's last close.

    From `previous_closes` output: ``close_5d_ago`` (at `five_day_base`, or the latest close before
    it when that day is missing) and ``close_prev_year``."""
    return closes.group_by("symbol").agg(
        close_5d_ago=pl.col("close").filter(pl.col("date") <= five_day_base(session)).last(),
        close_prev_year=pl.col("close").filter(pl.col("date") <= previous_year_end(session)).last(),
    )


def quote_changes(quotes: pl.DataFrame, references: pl.DataFrame) -> pl.DataFrame:
    """Change = last - prev_close; change % is of prev_close; 5-day % and YTD % are of last.

    Adds ``change``, ``change_pct``, ``change_5d`` and ``change_5d_pct`` (vs the close at
    `five_day_base`), ``change_ytd`` and ``ytd_pct`` (vs the close at `previous_year_end`) to the
    quotes, given `reference_closes`. The changes without "pct" are in price points."""
    last = pl.col("last")
    return quotes.join(references, on="symbol", how="left").with_columns(
        change=last - pl.col("prev_close"),
        change_pct=pct_change(last, pl.col("prev_close")),
        change_5d=last - pl.col("close_5d_ago"),
        change_5d_pct=pct_change(last, pl.col("close_5d_ago")),
        change_ytd=last - pl.col("close_prev_year"),
        ytd_pct=pct_change(last, pl.col("close_prev_year")),
    )


def latest_session_bars(intraday: pl.DataFrame, symbols: Collection[str]) -> pl.DataFrame:
    """Intraday series: the closes of the latest session (New York day) in the intraday frame,
    the day of its newest regular-session bar — before the bell that is the previous session's,
    not the pre-market's of stocks alone (indices do not trade then).

    Returns (symbol, ts, close) sorted by symbol and time, null closes dropped."""
    local = pl.col("ts").dt.convert_time_zone("America/New_York")
    minute = local.dt.hour().cast(pl.Int32) * 60 + local.dt.minute().cast(pl.Int32)
    regular = intraday.filter(minute.is_between(9 * 60 + 30, 16 * 60, closed="left"))
    newest = (regular if regular.height else intraday).get_column("ts").max()
    if not isinstance(newest, dt.datetime):
        return pl.DataFrame(
            schema={"symbol": pl.String(), "ts": intraday.schema["ts"], "close": pl.Float64()}
        )
    start, end = new_york_day_bounds(new_york_date(newest))
    return (
        intraday.lazy()
        .filter(
            pl.col("symbol").is_in(list(symbols)),
            pl.col("ts") >= start,
            pl.col("ts") < end,
            pl.col("close").is_not_null(),
        )
        .select("symbol", "ts", "close")
        .sort("symbol", "ts")
        .collect()
    )


def basket_membership(
    baskets: Mapping[str, Sequence[str]],
    weights: Mapping[str, Mapping[str, float]] | None = None,
) -> pl.DataFrame:
    """(basket, symbol, weight) rows, each member once per basket, in the configured order.

    A member's weight is its share of the basket (`Basket.member_weights`); equal without
    ``weights`` for the basket. Only the proportions between members count."""
    rows = []
    for name, members in baskets.items():
        unique_members = list(dict.fromkeys(members))
        shares = (weights or {}).get(name) or {}
        for symbol in unique_members:
            rows.append((name, symbol, shares.get(symbol, 1.0 / len(unique_members))))
    return pl.DataFrame(
        rows,
        schema={"basket": pl.String(), "symbol": pl.String(), "weight": pl.Float64()},
        orient="row",
    )


def weighted_mean(value: pl.Expr) -> pl.Expr:
    """The mean of ``value`` over a basket's members that have one, each by its ``weight``
    (null when none has one): the basket's return from its members' returns."""
    present = value.is_not_null()
    weight = pl.col("weight").filter(present).sum()
    return pl.when(weight > 0).then((value * pl.col("weight")).filter(present).sum() / weight)


def _basket_growth(closes: pl.DataFrame, membership: pl.DataFrame) -> pl.DataFrame:
    """(basket, date, growth): the basket's returns compounded from the first loaded close.

    Rebalanced daily to its weights: each session's return is the weighted mean of the members'
    simple returns that session (members without one are left out, the others' weights scaled
    up)."""
    return (
        closes.with_columns(ret=pl.col("close") / pl.col("close").shift(1).over("symbol") - 1.0)
        .join(membership, on="symbol", how="inner")
        .group_by("basket", "date")
        .agg(ret=weighted_mean(pl.col("ret")))
        .sort("basket", "date")
        .select(
            "basket", "date", growth=(1.0 + pl.col("ret").fill_null(0.0)).cum_prod().over("basket")
        )
    )


def _growth_at(day: dt.date) -> pl.Expr:
    """A basket's growth at its last close on or before ``day`` (null without one)."""
    return pl.col("growth").filter(pl.col("date") <= day).last()


def basket_levels(closes: pl.DataFrame, membership: pl.DataFrame, base: dt.date) -> pl.DataFrame:
    """Basket level: 100 at the last close on or before ``base``, moved by the mean member return.

    Returns (basket, date, level). The base is a fixed date (`previous_year_end`: the level is
    then also the year-to-date index), so the level of a day is the same whatever stretch of
    history is loaded, as long as it reaches back to the base; without a close on or before it
    the level is null."""
    return _basket_growth(closes, membership).select(
        "basket",
        "date",
        level=BASKET_BASE_LEVEL * pl.col("growth") / _growth_at(base).over("basket"),
    )


def basket_quotes(
    closes: pl.DataFrame, quotes: pl.DataFrame, membership: pl.DataFrame, session: dt.date
) -> pl.DataFrame:
    """Basket today: yesterday's level x (1 + the weighted mean member return vs previous close).

    Per basket, the columns `quote_changes` gives per symbol: ``last``, ``change``, ``change_pct``,
    ``change_5d_pct``, ``ytd_pct``; also ``previous_level`` and ``ts``, the newest member quote.
    Levels are 100 at the previous year's last close (`basket_levels`); without history back to
    it the level, ``last``, ``change`` and YTD are null while the change % and 5-day % stand.
    Members lacking a price are left out of the means."""
    growth = (
        _basket_growth(closes, membership)
        .group_by("basket")
        .agg(
            previous=pl.col("growth").last(),
            five_days_ago=_growth_at(five_day_base(session)),
            year_end=_growth_at(previous_year_end(session)),
        )
    )
    member_return = pl.when(pl.col("prev_close") != 0).then(
        pl.col("last") / pl.col("prev_close") - 1.0
    )
    today = (
        quotes.join(membership, on="symbol", how="inner")
        .group_by("basket")
        .agg(today_return=weighted_mean(member_return), ts=pl.col("ts").max())
    )
    # Without any history, today's return is all there is: growth 1 since yesterday.
    now = pl.col("previous").fill_null(1.0) * (1.0 + pl.col("today_return"))
    previous_level = BASKET_BASE_LEVEL * pl.col("previous") / pl.col("year_end")
    last = previous_level * (1.0 + pl.col("today_return"))
    return (
        membership.select("basket")
        .unique(maintain_order=True)
        .join(growth, on="basket", how="left")
        .join(today, on="basket", how="left")
        .select(
            "basket",
            "ts",
            previous_level=previous_level,
            last=last,
            change=last - previous_level,
            change_pct=pl.col("today_return") * 100.0,
            change_5d_pct=pct_change(now, pl.col("five_days_ago")),
            ytd_pct=pct_change(now, pl.col("year_end")),
        )
    )


def basket_intraday_returns(
    session_bars: pl.DataFrame, quotes: pl.DataFrame, membership: pl.DataFrame
) -> pl.DataFrame:
    """Basket intraday: the weighted mean of member returns vs their previous closes, each at its
    latest bar.

    Returns (basket, ts, ret), one row per bar time of the session."""
    member_returns = (
        session_bars.join(
            quotes.select("symbol", "prev_close").filter(pl.col("prev_close") != 0),
            on="symbol",
            how="inner",
        )
        .join(membership, on="symbol", how="inner")
        .select(
            "basket", "symbol", "ts", "weight", ret=pl.col("close") / pl.col("prev_close") - 1.0
        )
        .sort("basket", "ts")
    )
    # Running weighted mean of each member's latest return: add the change in a member's
    # weighted return at each of its bars, and count a member's weight from its first bar on.
    earlier = pl.col("ret").shift(1).over("basket", "symbol")
    weight = pl.col("weight")
    return (
        member_returns.with_columns(
            total=(weight * (pl.col("ret") - earlier.fill_null(0.0))).cum_sum().over("basket"),
            members=(weight * earlier.is_null()).cum_sum().over("basket"),
        )
        .group_by("basket", "ts", maintain_order=True)
        .agg(ret=(pl.col("total") / pl.col("members")).last())
    )
