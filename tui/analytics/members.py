"""A basket's members: each one's contribution to the basket's move today and over five sessions,
its correlation to its peers now and a year ago, its short interest; and the view builder.

The basket is the index the Indices pane shows (`tui.analytics.returns`): rebalanced daily to its
weights, each session's return the weighted mean of its members' returns that session (the
members with a return, their weights scaled up to 1). So:

- today, member i contributes w_i r_i (its share of the weights of the members priced today
  times its return since the previous close), and the contributions add up to the basket's
  change today;
- over the sessions since the close five sessions ago, day t adds w_i,t r_i,t G_t-1, where
  G_t-1 is the basket's growth from that close to the day before t: the basket's five-day
  return is the sum over days of R_t G_t-1 (R_t the basket's return on day t), so the members'
  contributions add up to it exactly. With small daily moves it is close to w_i times the
  member's own five-day return.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

import polars as pl

from tui.analytics.correlations import correlation_lines
from tui.analytics.frame_rows import newest, rows_by_key, unique
from tui.analytics.market import MarketData
from tui.analytics.returns import (
    basket_membership,
    basket_quotes,
    five_day_base,
    latest_quotes,
    pct_change,
    previous_closes,
)
from tui.analytics.sessions import current_session
from tui.analytics.shorts import latest_settlements, short_metrics
from tui.config import Basket, Settings
from tui.models import NO_DATA
from tui.presenters.correlations import CorrelationLine
from tui.presenters.members import MemberRow, MembersView


@dataclasses.dataclass(frozen=True, slots=True)
class Contributions:
    """Each member's contribution to the basket's move, in percentage points."""

    today: dict[str, float]  # members priced today
    five_days: dict[str, float]  # members with a return on any of the sessions


def contributions(
    data: MarketData, symbols: tuple[str, ...], weights: Mapping[str, float]
) -> Contributions:
    """Each member's contribution to the basket's move today and over five sessions (see the
    module's notes), in percentage points."""
    session = current_session(data.now)
    membership = basket_membership({"basket": symbols}, {"basket": weights})
    quotes = latest_quotes(data.quotes, symbols).select(
        "symbol",
        ret=pl.when(pl.col("prev_close") != 0).then(pl.col("last") / pl.col("prev_close") - 1.0),
    )
    today = _day_shares(quotes.join(membership, on="symbol").drop_nulls("ret"))
    today_parts = {
        symbol: part * 100.0 for symbol, part in today.select("symbol", "part").iter_rows()
    }
    closes = previous_closes(data.daily, symbols, session)
    if closes.filter(pl.col("date") <= five_day_base(session)).is_empty():
        # No close five sessions ago to measure from: the basket has no 5-day move either.
        return Contributions(today=today_parts, five_days={})
    daily = (
        closes.with_columns(ret=pl.col("close") / pl.col("close").shift(1).over("symbol") - 1.0)
        .filter(pl.col("date") > five_day_base(session))
        .drop_nulls("ret")
        .join(membership, on="symbol")
    )
    # Day by day: each member's part of the basket's return, and the basket's growth before it.
    days = _day_shares(daily, by="date").sort("date")
    growth = (
        days.group_by("date", maintain_order=True)
        .agg(basket=pl.col("part").sum())
        .with_columns(before=(1.0 + pl.col("basket")).cum_prod().shift(1).fill_null(1.0))
    )
    scaled = days.join(growth, on="date").with_columns(part=pl.col("part") * pl.col("before"))
    through_yesterday = float((1.0 + growth.get_column("basket")).product()) if len(growth) else 1.0
    five_days: dict[str, float] = {}
    for symbol, part in scaled.group_by("symbol").agg(pl.col("part").sum()).iter_rows():
        five_days[symbol] = part * 100.0
    for symbol, part in today.select("symbol", "part").iter_rows():
        five_days[symbol] = five_days.get(symbol, 0.0) + part * through_yesterday * 100.0
    return Contributions(today=today_parts, five_days=five_days)


def _day_shares(frame: pl.DataFrame, by: str | None = None) -> pl.DataFrame:
    """``frame`` (a return and a weight per member, per ``by`` group) with ``part``: the
    member's share of the weights present in its group times its return."""
    total = pl.col("weight").sum()
    share = pl.col("weight") / (total if by is None else total.over(by))
    return frame.with_columns(part=share * pl.col("ret"))


@dataclasses.dataclass(frozen=True, slots=True)
class MemberQuote:
    """What the members view reads of a member's latest quote; None where unknown."""

    ts: dt.datetime | None = None
    last: float | None = None
    change_pct: float | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class MemberShort:
    short_pct: float | None = None
    short_pct_basis: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class BasketMove:
    change_pct: float | None = None
    change_5d_pct: float | None = None


def find_basket(settings: Settings, name: str) -> Basket | None:
    """The configured basket called ``name``, None when there is none."""
    return next((basket for basket in settings.baskets if basket.name == name), None)


def build_members(data: MarketData, settings: Settings, name: str) -> MembersView | None:
    """The members view of the basket called ``name`` (None for an unknown basket)."""
    basket = find_basket(settings, name)
    if basket is None:
        return None
    symbols = unique(basket.symbols)
    weights = basket.member_weights()
    session = current_session(data.now)
    membership = basket_membership({name: symbols}, {name: weights})
    closes = previous_closes(data.daily, symbols, session)
    latest = latest_quotes(data.quotes, symbols)
    move = rows_by_key(
        basket_quotes(closes, latest, membership, session), BasketMove, key="basket"
    ).get(name, BasketMove())
    quotes = rows_by_key(
        latest.with_columns(change_pct=pct_change(pl.col("last"), pl.col("prev_close"))),
        MemberQuote,
    )
    parts = contributions(data, symbols, weights)
    window, history = settings.correlation.window, settings.correlation.history
    averages, lines, _ = correlation_lines(data, {name: symbols}, history, window)
    shorts = rows_by_key(
        short_metrics(latest_settlements(data.short_interest, symbols), data.shares),
        MemberShort,
    )
    members = []
    for symbol in symbols:
        quote = quotes.get(symbol, MemberQuote())
        short = shorts.get(symbol, MemberShort())
        known = data.info.get(symbol)
        line: CorrelationLine = lines[name, symbol]
        has_figures = quote.last is not None or bool(line.series)
        members.append(
            MemberRow(
                symbol=symbol,
                name=known.name if known is not None else "",
                weight=weights[symbol],
                last=quote.last,
                change_pct=quote.change_pct,
                contribution_pct=parts.today.get(symbol),
                contribution_5d_pct=parts.five_days.get(symbol),
                correlation=line,
                short_pct=short.short_pct,
                short_pct_basis=short.short_pct_basis,
                problem=None if has_figures else data.problems.get(symbol) or NO_DATA,
            )
        )
    return MembersView(
        basket=name,
        benchmark=basket.benchmark,
        weighted=bool(basket.weights),
        change_pct=move.change_pct,
        change_5d_pct=move.change_5d_pct,
        average=averages[name],
        members=tuple(members),
        window=window,
        as_of=newest([quote.ts for quote in quotes.values()]),
    )
