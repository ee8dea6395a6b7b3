"""The Most shorted pane: short interest and short-sale volume metrics, the ranking, the universe
of names the table may show, and its view builder."""

from __future__ import annotations

from collections.abc import Collection

import polars as pl

from tui.analytics.frame_rows import frame_rows, newest, unique
from tui.analytics.market import MarketData
from tui.analytics.returns import latest_quotes, pct_change
from tui.config import Settings, ShortedSettings
from tui.models import NO_DATA
from tui.presenters.shorts import ShortRow, ShortsView

ZSCORE_LOOKBACK = 20  # trading days the short-volume ratio is compared with
ZSCORE_MIN_DAYS = 10  # fewer earlier days than this and the z-score is not shown
# A baseline whose standard deviation is this small relative to its mean is constant (float noise).
CONSTANT_RELATIVE_STD = 1e-9


def latest_shares(shares: pl.DataFrame) -> pl.DataFrame:
    """Short % base: the float when known, else shares outstanding, else none.

    Per symbol from its newest shares row: (symbol, share_base, share_basis), the basis being
    "float" or "outstanding". A zero float counts as unknown."""
    newest = shares.sort("as_of", nulls_last=False).unique("symbol", keep="last")
    use_float = pl.col("float_shares") > 0
    use_outstanding = pl.col("shares_outstanding") > 0
    return newest.select(
        "symbol",
        share_base=pl.when(use_float)
        .then(pl.col("float_shares"))
        .when(use_outstanding)
        .then(pl.col("shares_outstanding")),
        share_basis=pl.when(use_float)
        .then(pl.lit("float"))
        .when(use_outstanding)
        .then(pl.lit("outstanding")),
    )


def latest_settlements(
    short_interest: pl.DataFrame, symbols: Collection[str] | None = None
) -> pl.DataFrame:
    """Each symbol's newest short-interest row (only ``symbols`` when given)."""
    if symbols is not None:
        short_interest = short_interest.filter(pl.col("symbol").is_in(list(symbols)))
    return short_interest.sort("settlement_date").unique("symbol", keep="last")


def at_latest_settlement(short_interest: pl.DataFrame) -> pl.DataFrame:
    """The rows of the frame's newest settlement date."""
    return short_interest.filter(pl.col("settlement_date") == pl.col("settlement_date").max())


def short_metrics(settlement_rows: pl.DataFrame, shares: pl.DataFrame) -> pl.DataFrame:
    """Short % = short shares / float (else / shares outstanding); change vs prior settlement in %.

    Adds ``short_pct``, ``short_pct_basis``, ``short_change_pct`` and fills ``days_to_cover``:
    as published, else short shares / average daily volume where that volume is positive (so a
    published null for "no volume" stays null)."""
    return settlement_rows.join(latest_shares(shares), on="symbol", how="left").with_columns(
        short_pct=pl.when(pl.col("share_base").is_not_null()).then(
            pl.col("short_shares") / pl.col("share_base") * 100.0
        ),
        short_pct_basis=pl.when(
            pl.col("share_base").is_not_null() & pl.col("short_shares").is_not_null()
        ).then(pl.col("share_basis")),
        short_change_pct=pct_change(pl.col("short_shares"), pl.col("prior_short_shares")),
        days_to_cover=pl.coalesce(
            pl.col("days_to_cover"),
            pl.when(pl.col("avg_daily_volume") > 0).then(
                pl.col("short_shares") / pl.col("avg_daily_volume")
            ),
        ),
    )


def rank_by_short_pct(metrics: pl.DataFrame) -> pl.DataFrame:
    """Highest short % first, unknown short % last; then by days to cover, then by symbol."""
    return metrics.sort(
        ["short_pct", "days_to_cover", "symbol"],
        descending=[True, True, False],
        nulls_last=True,
    )


def short_volume_stats(short_volume: pl.DataFrame, symbols: Collection[str]) -> pl.DataFrame:
    """Short-volume ratio = short / total volume on the latest day; z-score vs the 20 days before.

    Per symbol: ``sv_date`` (its latest day with volume), ``sv_ratio`` and ``sv_zscore``, the
    ratio's z-score against the ratios of its up to 20 previous days using their sample standard
    deviation (ddof 1). Null with fewer than 10 previous days or when those never change."""
    ratios = (
        short_volume.lazy()
        .filter(pl.col("symbol").is_in(list(symbols)), pl.col("total_volume") > 0)
        .select(
            "symbol",
            "date",
            ratio=pl.col("short_volume") / pl.col("total_volume"),
        )
        .drop_nulls("ratio")
        .sort("symbol", "date")
    )
    latest = pl.col("ratio").last()
    baseline = pl.col("ratio").shift(1).tail(ZSCORE_LOOKBACK).drop_nulls()
    constant = baseline.std() <= baseline.abs().mean() * CONSTANT_RELATIVE_STD
    return (
        ratios.group_by("symbol")
        .agg(
            sv_date=pl.col("date").last(),
            sv_ratio=latest,
            sv_zscore=pl.when((baseline.len() >= ZSCORE_MIN_DAYS) & ~constant).then(
                (latest - baseline.mean()) / baseline.std()
            ),
        )
        .collect()
    )


def sv_ratio_history(short_volume: pl.DataFrame, symbol: str) -> pl.DataFrame:
    """One symbol's daily short-volume ratio as (date, ratio), oldest first; days without volume
    left out."""
    return (
        short_volume.filter(pl.col("symbol") == symbol, pl.col("total_volume") > 0)
        .select("date", ratio=pl.col("short_volume") / pl.col("total_volume"))
        .drop_nulls("ratio")
        .sort("date")
    )


# ---------------------------------------------------------------------------------- the pane


def _short_universe(data: MarketData, shorted: ShortedSettings) -> pl.DataFrame:
    """Short metrics of the names the table may show, ranked, before the price filter."""
    if shorted.universe == "watchlist":
        watchlist = unique(shorted.watchlist)
        metrics = short_metrics(latest_settlements(data.short_interest, watchlist), data.shares)
        listed = pl.DataFrame({"symbol": watchlist}, schema={"symbol": pl.String()})
        return rank_by_short_pct(listed.join(metrics, on="symbol", how="left"))
    settled = at_latest_settlement(data.short_interest).filter(
        pl.col("avg_daily_volume") >= shorted.min_avg_volume
    )
    metrics = short_metrics(settled, data.shares).filter(
        pl.col("share_base").is_null() | (pl.col("share_base") >= shorted.min_float)
    )
    return rank_by_short_pct(metrics)


def short_candidates(data: MarketData, settings: Settings, count: int) -> list[str]:
    """Symbols to quote for Most shorted: the top ``count`` by short %, before the price filter."""
    universe = _short_universe(data, settings.shorted)
    return universe.get_column("symbol").head(count).to_list()


def with_prices(metrics: pl.DataFrame, quotes: pl.DataFrame) -> pl.DataFrame:
    """The metrics with each name's latest price (``last``, ``quote_ts``) and its change today
    (``price_change_pct``), and in pre and post market the extended-hours move from that price
    (``ext_change_pct``, ``ext_session``)."""
    prices = latest_quotes(quotes, metrics.get_column("symbol").to_list()).select(
        "symbol",
        "last",
        quote_ts="ts",
        price_change_pct=pct_change(pl.col("last"), pl.col("prev_close")),
        ext_change_pct=pct_change(pl.col("ext_last"), pl.col("last")),
        ext_session=pl.when(pl.col("ext_last").is_not_null()).then("ext_session"),
        price_source="source",
    )
    return metrics.join(prices, on="symbol", how="left", maintain_order="left")


def short_rows(metrics: pl.DataFrame, data: MarketData) -> list[ShortRow]:
    """Rows of the Most shorted table for priced metrics, in the frame's order.

    A name without any short figure says why: the source's problem, else "no data" (a name with
    figures shows them, whatever problem a source had with some other dataset of it)."""
    symbols = metrics.get_column("symbol").to_list()
    stats = short_volume_stats(data.short_volume, symbols)
    names = {symbol: known.name for symbol in symbols if (known := data.info.get(symbol))}
    problems = {symbol: data.problems[symbol] for symbol in symbols if symbol in data.problems}
    no_short_data = pl.col("settlement_date").is_null() & pl.col("sv_date").is_null()
    frame = metrics.join(stats, on="symbol", how="left", maintain_order="left").with_columns(
        name=pl.col("symbol").replace_strict(names, default="", return_dtype=pl.String()),
        problem=pl.when(no_short_data).then(
            pl.coalesce(
                pl.col("symbol").replace_strict(problems, default=None, return_dtype=pl.String()),
                pl.lit(NO_DATA),
            )
        ),
    )
    return frame_rows(frame, ShortRow)


def build_shorts(data: MarketData, settings: Settings) -> ShortsView:
    """The Most shorted table: the universe ranked by short %, highest first, unknown last."""
    shorted = settings.shorted
    priced = with_prices(_short_universe(data, shorted), data.quotes)
    if shorted.universe == "market":
        priced = priced.filter(pl.col("last").is_null() | (pl.col("last") >= shorted.min_price))
    top = priced.head(shorted.rows)
    rows = short_rows(top, data)
    settlements = [row.settlement_date for row in rows if row.settlement_date is not None]
    sv_dates = [row.sv_date for row in rows if row.sv_date is not None]
    return ShortsView(
        rows=tuple(rows),
        settlement_date=max(settlements, default=None),
        sv_date=max(sv_dates, default=None),
        as_of=newest(top.get_column("quote_ts").to_list()),
    )
