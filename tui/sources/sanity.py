"""Sane figures: the domain of each frame schema's columns, and the one check every fetched frame
passes before it is stored, cached or drawn. No textual.

A server, or a file, can send anything that parses: a price of 0 or of 1e308, a quote stamped in
the year 2100, a negative short position. Such a row must not be shown as live, and must never
reach the on-disk copy, where it would outlive the fault. Each column has a domain:

- prices: finite, above 0 and at most PRICE_CEILING (a Treasury yield or a futures contract may
  be 0 or negative: YIELD_SYMBOLS, and symbols ending in ``=F``);
- volumes, share counts, days to cover: finite, 0 or more, at most QUANTITY_CEILING (a count
  of shares outstanding or of the float above 0);
- times: not later than the source's clock plus CLOCK_SKEW (a daily bar, stamped with its
  session date, and a date column, by a day: a session in Asia has begun before the UTC date
  has), not before EARLIEST_DATE;
- symbols: present, without control characters, at most MAX_SYMBOL_LENGTH characters;
- the funds' files: a fund's ticker as a symbol, its NAV a price (null where the issuer printed
  "-"), its shares and assets and its holdings' weights and shares counts; their problems name
  the fund.

`screen` drops every row outside its schema's domain, logs the reasons, counts the rows in
``Fetched.bad_rows`` (the status bar shows the count with the source's health: ``yahoo ⚠ 12 bad
rows``) and names a symbol left with no row at all in ``problems``. `tui.feed` passes every outcome
of every source through it; the files source applies the same checks to each line of a user's
file (`price_checks`, `quantity_checks`, `date_checks`), so that its problems name file and line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
from collections.abc import Sequence
from typing import Final

import polars as pl

from tui.analytics.returns import YIELD_SYMBOLS
from tui.market_hours import EARLIEST_DATE
from tui.plain import plain
from tui.sources.base import Dataset, Fetched, FetchOutcome, key_column

log = logging.getLogger("tapewatch.sanity")

# No instrument trades near a billion a share (Berkshire Hathaway's A shares, the dearest, are
# under a million); 1e308 overflowed every column it reached.
PRICE_CEILING: Final = 1e9
# More than a hundred thousand times the largest company's share count, or a day's volume of the
# whole US market.
QUANTITY_CEILING: Final = 1e15
# How far ahead of the source's clock a timestamp may be: clocks differ by seconds, and a bar
# may be stamped with its end.
CLOCK_SKEW: Final = dt.timedelta(minutes=10)
# How far ahead a date (a daily bar's session, a settlement, a file's date) may be.
DATE_LEAD: Final = dt.timedelta(days=1)
MAX_SYMBOL_LENGTH: Final = 32
# Reasons written to the log per screened outcome; the rest are counted.
LOGGED_REASONS: Final = 5

# A check: a condition that holds for a bad value (null: not bad), and why it is bad.
Check = tuple[pl.Expr, pl.Expr]


def _text(template: str, *values: pl.Expr) -> pl.Expr:
    return pl.format(template, *values)


# Yahoo's futures contracts end so ("CL=F"): crude oil settled at −37.63 on 20 April 2020.
FUTURES_SUFFIX: Final = "=F"


def may_be_signed(symbol: pl.Expr) -> pl.Expr:
    """Whether the prices of ``symbol`` may be 0 or negative: a Treasury yield (quoted in
    percent) or a futures contract."""
    return symbol.is_in(sorted(YIELD_SYMBOLS)) | symbol.str.ends_with(FUTURES_SUFFIX)


def sane_price(symbol: str, value: float) -> bool:
    """One price checked as `price_checks` checks a column (for a source that keeps a few
    figures of its own, such as Yahoo's remembered closes)."""
    signed = symbol in YIELD_SYMBOLS or symbol.endswith(FUTURES_SUFFIX)
    return math.isfinite(value) and abs(value) <= PRICE_CEILING and (value > 0 or signed)


def price_checks(name: str, value: pl.Expr, signed: pl.Expr) -> list[Check]:
    """A price: finite, above 0 unless ``signed`` holds, at most PRICE_CEILING in size."""
    return [
        (~value.is_finite(), _text(f"{name} {{}} is not a finite number", value)),
        ((value < 0) & ~signed, _text(f"{name} {{}} is negative", value)),
        ((value == 0) & ~signed, pl.lit(f"{name} is 0")),
        (value.abs() > PRICE_CEILING, _text(f"{name} {{}} is not a price (above 1e9)", value)),
    ]


def quantity_checks(name: str, value: pl.Expr, *, positive: bool = False) -> list[Check]:
    """A volume or a count: finite, 0 or more (above 0 when ``positive``), at most
    QUANTITY_CEILING."""
    checks = [
        (~value.is_finite(), _text(f"{name} {{}} is not a finite number", value)),
        (value < 0, _text(f"{name} {{}} is negative", value)),
        (value > QUANTITY_CEILING, _text(f"{name} {{}} is not a count (above 1e15)", value)),
    ]
    if positive:
        checks.insert(2, (value == 0, pl.lit(f"{name} is 0")))
    return checks


def date_checks(name: str, value: pl.Expr, latest: dt.date) -> list[Check]:
    """A date: not after ``latest``, not before EARLIEST_DATE."""
    return [
        (value > latest, _text(f"{name} {{}} is in the future", value)),
        (value < EARLIEST_DATE, _text(f"{name} {{}} is before {EARLIEST_DATE.year}", value)),
    ]


def time_checks(name: str, value: pl.Expr, latest: pl.Expr) -> list[Check]:
    """A UTC timestamp: not after ``latest``, not before EARLIEST_DATE."""
    shown = value.dt.strftime("%Y-%m-%d %H:%M UTC")
    earliest = dt.datetime.combine(EARLIEST_DATE, dt.time(), tzinfo=dt.UTC)
    return [
        (value > latest, _text(f"{name} {{}} is in the future", shown)),
        (value < earliest, _text(f"{name} {{}} is before {EARLIEST_DATE.year}", shown)),
    ]


def _required(name: str) -> Check:
    return pl.col(name).is_null(), pl.lit(f"{name} is missing")


def _symbol_checks(name: str = "symbol") -> list[Check]:
    symbol = pl.col(name)
    return [
        _required(name),
        (symbol.str.contains(r"[\x00-\x1f\x7f-\x9f]"), pl.lit(f"{name} holds control characters")),
        (
            symbol.str.len_chars() > MAX_SYMBOL_LENGTH,
            pl.lit(f"{name} is longer than {MAX_SYMBOL_LENGTH} characters"),
        ),
    ]


def _prices(names: Sequence[str], required: Sequence[str] = ()) -> list[Check]:
    signed = may_be_signed(pl.col("symbol"))
    checks = [_required(name) for name in required]
    for name in names:
        checks += price_checks(name, pl.col(name), signed)
    return checks


def _quantities(names: Sequence[str], *, positive: bool = False) -> list[Check]:
    return [
        check for name in names for check in quantity_checks(name, pl.col(name), positive=positive)
    ]


def _dates(name: str, now: dt.datetime) -> list[Check]:
    return [_required(name), *date_checks(name, pl.col(name), (now + DATE_LEAD).date())]


def checks_for(dataset: Dataset, now: dt.datetime) -> list[Check]:
    """Every check a row of ``dataset`` must pass, the source's clock reading ``now``; in the
    order their reasons are preferred (the first failed one is given)."""
    match dataset:
        case Dataset.QUOTES:
            return [
                *_symbol_checks(),
                _required("ts"),
                *time_checks("ts", pl.col("ts"), pl.lit(now + CLOCK_SKEW)),
                *time_checks("ext_ts", pl.col("ext_ts"), pl.lit(now + CLOCK_SKEW)),
                *_prices(
                    ("last", "prev_close", "open", "high", "low", "ext_last"), required=("last",)
                ),
                *_quantities(("volume",)),
            ]
        case Dataset.BARS:
            # A daily bar is stamped with its session's date at 00:00 UTC.
            lead = (
                pl.when(pl.col("interval") == "1d")
                .then(pl.lit(now + DATE_LEAD))
                .otherwise(pl.lit(now + CLOCK_SKEW))
            )
            return [
                *_symbol_checks(),
                _required("ts"),
                *time_checks("ts", pl.col("ts"), lead),
                *_prices(("close", "open", "high", "low"), required=("close",)),
                *_quantities(("volume",)),
            ]
        case Dataset.SHORT_INTEREST:
            quantities = ("short_shares", "prior_short_shares", "avg_daily_volume")
            return [
                *_symbol_checks(),
                *_dates("settlement_date", now),
                *_quantities((*quantities, "days_to_cover")),
            ]
        case Dataset.SHORT_VOLUME:
            return [
                *_symbol_checks(),
                *_dates("date", now),
                *_quantities(("short_volume", "short_exempt_volume", "total_volume")),
            ]
        case Dataset.SHARES:
            return [
                *_symbol_checks(),
                *_dates("as_of", now),
                *_quantities(("shares_outstanding", "float_shares"), positive=True),
            ]
        case Dataset.FUND_NAV:
            # A day the issuer printed "-" for is null (not published), not bad.
            return [
                *_symbol_checks("fund"),
                *_dates("date", now),
                *price_checks("nav", pl.col("nav"), pl.lit(False)),
                *_quantities(("shares_outstanding", "total_net_assets")),
            ]
        case Dataset.FUND_HOLDINGS:
            return [
                *_symbol_checks("fund"),
                *_symbol_checks(),
                *_dates("as_of", now),
                *_quantities(("weight", "shares", "market_value")),
            ]


def first_failed(checks: Sequence[Check]) -> pl.Expr:
    """Why a row fails: the reason of its first failed check, null for a good row."""
    return pl.coalesce([pl.when(condition).then(reason) for condition, reason in checks])


def any_failed(checks: Sequence[Check]) -> pl.Expr:
    """True for a row that fails any check (cheap: no reason is formatted)."""
    return pl.any_horizontal([condition.fill_null(False) for condition, _ in checks])


def holds_bad_rows(frame: pl.DataFrame, dataset: Dataset, now: dt.datetime) -> bool:
    """Whether a row of ``frame`` is outside ``dataset``'s domain (``now``: the source's clock):
    for a source deciding whether a copy it keeps for later asks may be kept at all."""
    checks = checks_for(dataset, now)
    if frame.is_empty() or not checks:
        return False
    return bool(frame.select(any_failed(checks)).to_series().any())


def screen(outcome: FetchOutcome, dataset: Dataset, now: dt.datetime, source: str) -> FetchOutcome:
    """``outcome`` without the rows outside ``dataset``'s domain (``now``: the source's clock).

    A failure, or a frame whose rows are all good, is returned as it is. Otherwise the bad rows
    are dropped and counted in ``bad_rows``, their reasons logged (a few; the count says the
    rest), a symbol left with no row named in ``problems`` with the first reason, and ``as_of``
    kept from running ahead of the clock. CPU work on a whole frame: call it in a thread.
    """
    if not isinstance(outcome, Fetched) or outcome.frame.is_empty():
        return outcome
    checks = checks_for(dataset, now)
    if not checks:
        return outcome
    frame = outcome.frame
    bad = frame.select(any_failed(checks)).to_series()
    if not bad.any():
        return outcome
    key = key_column(dataset)  # what a problem names: a symbol, or a fund for its files
    rejected = frame.filter(bad).select(
        pl.col(key),
        first_failed(checks).alias("reason"),
        # A row whose symbol is refused names nothing a user asked for.
        (~any_failed(_symbol_checks(key))).alias("named"),
    )
    kept = frame.filter(~bad)
    reasons = [
        f"{plain(symbol) if symbol is not None else '(no symbol)'}: {reason}"
        for symbol, reason, _ in rejected.iter_rows()
    ]
    more = f" (and {len(reasons) - LOGGED_REASONS} more)" if len(reasons) > LOGGED_REASONS else ""
    log.warning(
        "%s sent %d %s row(s) that cannot be right, left out: %s%s",
        source,
        len(reasons),
        dataset.value,
        "; ".join(reasons[:LOGGED_REASONS]),
        more,
    )
    left = set(kept.get_column(key).to_list())
    problems = dict(outcome.problems)
    for symbol, reason, named in rejected.iter_rows():
        if named and symbol not in left and symbol not in problems:
            problems[symbol] = f"bad data: {reason}"
    latest = now + (CLOCK_SKEW if dataset is Dataset.QUOTES else DATE_LEAD)
    return dataclasses.replace(
        outcome,
        frame=kept,
        as_of=min(outcome.as_of, latest),
        problems=problems,
        bad_rows=outcome.bad_rows + rejected.height,
    )
