"""Short interest and short-sale volume metrics, and the ranking of the Most shorted table."""

from __future__ import annotations

from collections.abc import Collection

import polars as pl

from tui.analytics.returns import pct_change

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
