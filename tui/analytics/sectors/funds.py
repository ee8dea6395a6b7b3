"""The Sector flows pane's real figures: each sector ETF's creations and redemptions from the
fund's own files, and per sector its members' short pressure and breadth. Pure functions on polars
frames; no textual import, no I/O.

- `daily_fund_flows`: creations and redemptions per fund and published day, splits taken out.
- `fund_flow_summary`: flow 1d (the latest complete day), 5d and 20d per fund, with the as-of date.
- `sector_short_pressure`: per fund (sector), its members' volume-weighted short-volume ratio today
  and its z-score, and their change in short interest at the latest settlement.
- `sector_breadth`: per fund, the share of its members up today and above their 50-day average.
- `fund_figures`: all three from the dashboard's `MarketData`, as the pane reads them.

Membership comes from the funds' holdings (FUND_HOLDINGS_SCHEMA): each fund's newest holdings
date counts; the other inputs are the usual frames (short_volume, short_interest, quotes) and the
members' daily bars (`MarketData.member_bars`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

import polars as pl

from tui.analytics.market import MarketData
from tui.analytics.shorts import CONSTANT_RELATIVE_STD, ZSCORE_LOOKBACK, ZSCORE_MIN_DAYS

FLOW_WINDOWS = (1, 5, 20)  # published days summed by flow_1d, flow_5d, flow_20d
# A jump in shares outstanding is a split when the ratio is within this fraction of a whole
# number (2 or more, or its inverse: a reverse split) ...
SPLIT_RATIO_TOLERANCE = 0.02
# ... and the fund's total net assets moved by less than this fraction that day.
SPLIT_ASSETS_CONTINUITY = 0.15
AVERAGE_SESSIONS = 50  # breadth: members above the mean of their last 50 daily closes
# Published days of NAV history kept: a year of daily flows for the drill-down's 1Y chart (each
# day's flow needs the day before), with some to spare.
NAV_DAYS = 260
# Daily bars of each member kept: today's, the 50 before it, and a few to spare.
MEMBER_SESSIONS = AVERAGE_SESSIONS + 5

FLOWS_SCHEMA = pl.Schema(
    {
        "fund": pl.String(),
        "date": pl.Date(),
        "nav": pl.Float64(),
        "shares_outstanding": pl.Float64(),
        "shares_change": pl.Float64(),  # created (+) or redeemed (-), split taken out
        "split_ratio": pl.Float64(),  # 2.0 for a 2-for-1, 0.5 for a 1-for-2; null on other days
        "flow": pl.Float64(),  # USD: shares_change x the day's NAV
    }
)


def daily_fund_flows(nav: pl.DataFrame) -> pl.DataFrame:
    """Daily creation/redemption flow per fund (FLOWS_SCHEMA), oldest first per fund.

    flow = change in shares outstanding x **that day's NAV**. Creation and redemption orders are
    struck at the day's NAV, and this is exactly the change in total net assets less the part the
    price move explains: S_t·NAV_t - S_t-1·NAV_t = (TNA_t - TNA_t-1) - TNA_t-1·(NAV_t/NAV_t-1 - 1).
    The average of the two days' NAV was not chosen: on a day of a large move it prices the
    day's units half at yesterday's price, so part of the move leaks into the flow.

    Days whose NAV or shares are not published ("-", null, or not positive) are skipped: the next
    published day's change covers them. A jump in shares by a whole-number ratio k (or 1/k) with
    total net assets continuous (within SPLIT_ASSETS_CONTINUITY; NAV x shares where assets are
    missing) is a split: the shares are compared with k x the day before, so only the units
    created or redeemed beside the split count as flow. A fund's first published day has no flow
    and no row.
    """
    shares, price = pl.col("shares_outstanding"), pl.col("nav")
    assets = pl.coalesce(pl.col("total_net_assets"), price * shares)
    usable = (
        nav.lazy()
        .filter(price > 0, shares > 0)
        .sort("fund", "date")
        .with_columns(assets=assets)
        .with_columns(
            prev_shares=shares.shift(1).over("fund"),
            prev_assets=pl.col("assets").shift(1).over("fund"),
        )
        .filter(pl.col("prev_shares").is_not_null())
    )
    ratio = shares / pl.col("prev_shares")
    up, down = ratio.round(), (1.0 / ratio).round()
    continuous = (pl.col("assets") / pl.col("prev_assets") - 1.0).abs() <= SPLIT_ASSETS_CONTINUITY
    split = (
        pl.when(continuous & (up >= 2) & ((ratio - up).abs() <= SPLIT_RATIO_TOLERANCE * up))
        .then(up)
        .when(
            continuous & (down >= 2) & ((1.0 / ratio - down).abs() <= SPLIT_RATIO_TOLERANCE * down)
        )
        .then(1.0 / down)
    )
    change = shares - pl.col("prev_shares") * pl.col("split_ratio").fill_null(1.0)
    return (
        usable.with_columns(split_ratio=split)
        .with_columns(shares_change=change)
        .select(
            "fund",
            "date",
            "nav",
            "shares_outstanding",
            "shares_change",
            "split_ratio",
            flow=pl.col("shares_change") * price,
        )
        .collect()
        .cast(FLOWS_SCHEMA)
    )


@dataclasses.dataclass(frozen=True, slots=True)
class FundFlowRow:
    """A row of `fund_flow_summary`, as the pane and the drill-down read it; None where
    unknown."""

    as_of: dt.date | None = None
    flow_1d: float | None = None
    flow_5d: float | None = None
    flow_20d: float | None = None


def fund_flow_summary(flows: pl.DataFrame, windows: Sequence[int] = FLOW_WINDOWS) -> pl.DataFrame:
    """Per fund: ``as_of`` (its latest complete day: the newest published day with a flow) and
    ``flow_{n}d`` for each window, the sum of the flows of its ``n`` latest published days up to
    as_of (null when the history has fewer). From `daily_fund_flows`' frame."""
    flow = pl.col("flow")
    return _grouped(
        flows.lazy(),
        by=("fund",),
        order=("date",),
        as_of=pl.col("date").last(),
        **{f"flow_{n}d": pl.when(flow.count() >= n).then(flow.tail(n).sum()) for n in windows},
    )


def members(holdings: pl.DataFrame) -> pl.DataFrame:
    """(fund, symbol, weight) of each fund's newest holdings date."""
    newest = pl.col("as_of") == pl.col("as_of").max().over("fund")
    return holdings.filter(newest).select("fund", "symbol", "weight")


def _grouped(
    frame: pl.LazyFrame, by: Sequence[str], order: Sequence[str], **aggregates: pl.Expr
) -> pl.DataFrame:
    """``aggregates`` per group of ``by``, in the order of ``by``, each over its rows sorted on
    ``order``: computed eagerly over one sorted block, so float sums add in one order every time
    (a join's rows, and a lazy plan's partial sums, come in any order, and float sums in another
    order differ in the last digits: the same data would print different figures)."""
    block = frame.sort(*by, *order).collect()
    return block.group_by(*by, maintain_order=True).agg(**aggregates)


def _funds(holdings: pl.DataFrame) -> pl.DataFrame:
    return holdings.select("fund").unique(maintain_order=True)


def sector_short_pressure(
    holdings: pl.DataFrame,
    short_volume: pl.DataFrame,
    short_interest: pl.DataFrame,
    daily: pl.DataFrame,
) -> pl.DataFrame:
    """Per fund (sector) in ``holdings``:

    - ``sv_date``, ``sv_ratio``: its members' short-sale volume over their total volume on the
      newest day in ``short_volume`` (volume-weighted: a ratio of sums); ``sv_members`` counts the
      members with volume that day. ``sv_zscore``: that ratio's z-score against the sector's
      ratios on the up to 20 days before (sample standard deviation); null with fewer than 10 of
      them or when they never change.
    - ``settlement_date``: the newest settlement among its members' short interest;
      ``si_change_pct``: their % change in short shares against the prior settlement, weighted by
      market value in the fund (the holdings weight, which is proportional to it);
      ``si_change_usd``: the change in short shares priced at each member's close on or before the
      settlement date (daily bars); ``si_members`` counts the members with a change.

    A fund whose members have no data keeps its row, with nulls.
    """
    held = members(holdings)
    volume = _grouped(
        short_volume.lazy().filter(pl.col("total_volume") > 0).join(held.lazy(), on="symbol"),
        by=("fund", "date"),
        order=("symbol",),
        ratio=pl.col("short_volume").sum() / pl.col("total_volume").sum(),
        members=pl.len(),
    )
    latest = pl.col("ratio").last()
    baseline = pl.col("ratio").shift(1).tail(ZSCORE_LOOKBACK).drop_nulls()
    constant = baseline.std() <= baseline.abs().mean() * CONSTANT_RELATIVE_STD
    by_volume = _grouped(
        volume.lazy(),
        by=("fund",),
        order=("date",),
        sv_date=pl.col("date").last(),
        sv_ratio=latest,
        sv_zscore=pl.when((baseline.len() >= ZSCORE_MIN_DAYS) & ~constant).then(
            (latest - baseline.mean()) / baseline.std()
        ),
        sv_members=pl.col("members").last().cast(pl.UInt32),
    )
    settled = short_interest.lazy().join(held.lazy(), on="symbol")
    newest = settled.filter(
        pl.col("settlement_date") == pl.col("settlement_date").max().over("fund"),
        pl.col("prior_short_shares") > 0,
        pl.col("short_shares").is_not_null(),
    )
    closes = (
        daily.lazy()
        .filter(pl.col("interval") == "1d", pl.col("close").is_not_null())
        .select("symbol", date=pl.col("ts").dt.date(), close="close")
        .sort("date")
    )
    priced = newest.sort("settlement_date").join_asof(
        closes,
        left_on="settlement_date",
        right_on="date",
        by="symbol",
        strategy="backward",
        check_sortedness=False,  # both sides are sorted on the dates above
    )
    change = pl.col("short_shares") - pl.col("prior_short_shares")
    change_pct = change / pl.col("prior_short_shares") * 100.0
    by_interest = _grouped(
        priced,
        by=("fund",),
        order=("symbol",),
        settlement_date=pl.col("settlement_date").max(),
        si_change_pct=(pl.col("weight") * change_pct).sum() / pl.col("weight").sum(),
        si_change_usd=pl.when(pl.col("close").is_not_null().any()).then(
            (change * pl.col("close")).sum()
        ),
        si_members=pl.len().cast(pl.UInt32),
    )
    return (
        _funds(holdings)
        .join(by_volume, on="fund", how="left", maintain_order="left")
        .join(by_interest, on="fund", how="left", maintain_order="left")
    )


def moving_averages(daily: pl.DataFrame, session: dt.date) -> pl.DataFrame:
    """Per symbol of ``daily``: ``average``, the mean of its AVERAGE_SESSIONS latest daily closes
    before ``session`` (null with fewer)."""
    before = dt.datetime.combine(session, dt.time(), tzinfo=dt.UTC)
    closes = daily.lazy().filter(
        pl.col("interval") == "1d", pl.col("ts") < before, pl.col("close").is_not_null()
    )
    return _grouped(
        closes,
        by=("symbol",),
        order=("ts",),
        average=pl.when(pl.len() >= AVERAGE_SESSIONS).then(
            pl.col("close").tail(AVERAGE_SESSIONS).mean()
        ),
    )


def sector_breadth(
    holdings: pl.DataFrame,
    quotes: pl.DataFrame,
    daily: pl.DataFrame,
    session: dt.date,
    averages: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Per fund (sector) in ``holdings``, from its members' quotes for ``session``:

    - ``members``: its members; ``priced``: those with a last price and a previous close;
    - ``up_share``: the share of the priced members whose last price is above the previous close;
    - ``above_50d_share``: the share of members whose last price is above the mean of their 50
      latest daily closes before ``session`` (``members_50d`` of them have 50 such closes);
    - ``as_of``: the newest quote time among its members.
    Shares are fractions (0.25 for a quarter); null when no member counts. ``averages``: the
    `moving_averages` of ``daily``, when already computed.
    """
    held = members(holdings)
    last = quotes.lazy().select("symbol", "ts", "last", "prev_close")
    if averages is None:
        averages = moving_averages(daily, session)
    joined = (
        held.lazy()
        .join(last, on="symbol", how="left")
        .join(averages.lazy(), on="symbol", how="left")
        .with_columns(
            up=pl.when(pl.col("prev_close").is_not_null())
            .then(pl.col("last") > pl.col("prev_close"))
            .cast(pl.Float64),
            above=(pl.col("last") > pl.col("average")).cast(pl.Float64),
        )
    )
    by_fund = joined.group_by("fund").agg(
        as_of=pl.col("ts").max(),
        members=pl.len().cast(pl.UInt32),
        priced=pl.col("up").count().cast(pl.UInt32),
        up_share=pl.col("up").mean(),
        above_50d_share=pl.col("above").mean(),
        members_50d=pl.col("above").count().cast(pl.UInt32),
    )
    return (
        _funds(holdings)
        .lazy()
        .join(by_fund, on="fund", how="left", maintain_order="left")
        .collect()
    )


def member_symbols(holdings: pl.DataFrame) -> list[str]:
    """Every member of every fund (its newest holdings), once each, in the files' order."""
    return members(holdings).get_column("symbol").unique(maintain_order=True).to_list()


def member_quotes(quotes: pl.DataFrame, bars: pl.DataFrame) -> pl.DataFrame:
    """Each member's latest price and the close before it (symbol, ts, last, prev_close): its
    quote where the dashboard has one (the freshest price), else its latest two daily ``bars``
    (the newest may be today's partial bar; ``ts`` is then that session's date at 00:00 UTC)."""
    quoted = quotes.select("symbol", "ts", "last", "prev_close")
    from_bars = (
        bars.lazy()
        .filter(pl.col("interval") == "1d", pl.col("close").is_not_null())
        .sort("symbol", "ts")
        .group_by("symbol", maintain_order=True)
        .agg(
            ts=pl.col("ts").last(),
            last=pl.col("close").last(),
            prev_close=pl.when(pl.len() >= 2).then(pl.col("close").slice(-2, 1).first()),
        )
        .join(quoted.lazy(), on="symbol", how="anti")
        .collect()
    )
    return pl.concat([quoted, from_bars.cast(quoted.schema)])


def fund_figures(
    data: MarketData, session: dt.date
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The funds' real flows (`fund_flow_summary`), their members' short pressure
    (`sector_short_pressure`) and breadth for ``session`` (`sector_breadth`), each a frame by
    fund, from the dashboard's frames.

    Only breadth moves with every quote: the rest comes from hourly or slower data, so it is
    computed again only when one of its frames has been replaced (`_SlowFigures`)."""
    summary, pressure, averages = _SLOW_FIGURES.get(data, session)
    prices = member_quotes(data.quotes, data.member_bars)
    breadth = sector_breadth(data.fund_holdings, prices, data.member_bars, session, averages)
    return summary, pressure, breadth


class _SlowFigures:
    """The figures of the last frames they were computed from, kept while those frames are the
    dashboard's: its frames are immutable and replaced whole, so the same objects mean the same
    figures, and the pane, rebuilt on every quotes poll, skips most of its work. (Two threads
    at once can only compute the same figures twice.)"""

    def __init__(self) -> None:
        self._last: tuple[tuple[object, ...], tuple[pl.DataFrame, ...]] | None = None

    def get(
        self, data: MarketData, session: dt.date
    ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        frames = (
            data.fund_nav,
            data.fund_holdings,
            data.short_volume,
            data.short_interest,
            data.member_bars,
        )
        last = self._last
        if last is not None:
            (*kept, kept_session), figures = last
            if kept_session == session and all(a is b for a, b in zip(kept, frames, strict=True)):
                summary, pressure, averages = figures
                return summary, pressure, averages
        summary = fund_flow_summary(daily_fund_flows(data.fund_nav))
        pressure = sector_short_pressure(
            data.fund_holdings, data.short_volume, data.short_interest, data.member_bars
        )
        averages = moving_averages(data.member_bars, session)
        self._last = ((*frames, session), (summary, pressure, averages))
        return summary, pressure, averages


_SLOW_FIGURES = _SlowFigures()
