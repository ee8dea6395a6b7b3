"""Time a full analytics refresh (the four pane views) on synthetic markets of 500 and 5,000
symbols.

Budget (DESIGN.md): <= 50 ms for 500 symbols x 1 year, <= 500 ms for 5,000.

    uv run python benchmarks/analytics_refresh.py [--runs 30] [--sizes 500 5000]

Prints, per size, the median and p95 of each builder and of the full refresh, then the process's
peak RSS. The frames are built with numpy: a year of daily bars (plus today's partial bar), one
session of 5-minute bars, a quote, two short-interest settlements, 21 days of short volume and
shares outstanding for every symbol; and the Sector flows pane's fund files: a year of NAV history
for each sector ETF, holdings of up to 500 members (the S&P 500's size) split among them, and
those members' last 55 daily bars.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import time
from collections.abc import Callable

import numpy as np
import polars as pl

from tui.analytics.correlations import build_correlations
from tui.analytics.indices import build_indices
from tui.analytics.market import MarketData
from tui.analytics.sectors import MEMBER_SESSIONS, NAV_DAYS, build_sectors
from tui.analytics.shorts import build_shorts, short_candidates
from tui.analytics.ticker import build_ticker
from tui.config import Settings
from tui.market_hours import last_trading_days, session_times
from tui.sources.base import (
    BARS_SCHEMA,
    FUND_HOLDINGS_SCHEMA,
    FUND_NAV_SCHEMA,
    QUOTES_SCHEMA,
    SHARES_SCHEMA,
    SHORT_INTEREST_SCHEMA,
    SHORT_VOLUME_SCHEMA,
    SymbolInfo,
)

NOW = dt.datetime(2026, 2, 11, 18, 0, tzinfo=dt.UTC)  # 13:00 in New York, mid-session
FUND_MEMBERS = 500  # the sector SPDRs hold the S&P 500 between them
DAILY_SESSIONS = 252
INTRADAY_BARS = 78  # 5-minute bars from 09:30 to 16:00; the session so far is shorter


def _symbols(settings: Settings, count: int) -> list[str]:
    named = [spec.symbol for spec in settings.indices]
    named += [spec.symbol for spec in settings.sectors]
    named += [symbol for basket in settings.baskets for symbol in basket.symbols]
    named += [basket.benchmark for basket in settings.baskets if basket.benchmark]
    named = list(dict.fromkeys([*named, settings.benchmark]))
    return named + [f"S{index:05d}" for index in range(count - len(named))]


def synthetic_market(count: int, settings: Settings, seed: int = 7) -> MarketData:
    """Random-walk prices for ``count`` symbols, in the frame schemas the sources produce."""
    rng = np.random.default_rng(seed)
    symbols = _symbols(settings, count)
    today = NOW.date()
    days = last_trading_days(today, DAILY_SESSIONS + 1)  # the last one is today's partial bar
    n_days = len(days)

    returns = rng.normal(0.0003, 0.015, size=(count, n_days))
    closes = 50.0 * np.exp(rng.normal(0, 0.5, size=(count, 1))) * np.exp(np.cumsum(returns, axis=1))
    spread = np.abs(rng.normal(0, 0.01, size=(count, n_days))) * closes
    highs = closes + spread * rng.uniform(0, 1, size=(count, n_days))
    lows = closes - spread * rng.uniform(0, 1, size=(count, n_days))
    opens = lows + (highs - lows) * rng.uniform(0, 1, size=(count, n_days))
    volumes = rng.lognormal(13, 1, size=(count, n_days))
    day_ts = [dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) for day in days]
    daily = pl.DataFrame(
        {
            "symbol": np.repeat(symbols, n_days),
            "ts": day_ts * count,
            "open": opens.ravel(),
            "high": highs.ravel(),
            "low": lows.ravel(),
            "close": closes.ravel(),
            "volume": volumes.ravel(),
            "interval": "1d",
        },
        schema=BARS_SCHEMA,
    )

    times = session_times(today)
    assert times is not None
    bar_starts = [times.open + dt.timedelta(minutes=5 * index) for index in range(INTRADAY_BARS)]
    bar_starts = [start for start in bar_starts if start <= NOW]
    n_bars = len(bar_starts)
    prev_close = closes[:, -2]
    paths = prev_close[:, None] * np.exp(
        np.cumsum(rng.normal(0, 0.002, size=(count, n_bars)), axis=1)
    )
    intraday = pl.DataFrame(
        {
            "symbol": np.repeat(symbols, n_bars),
            "ts": bar_starts * count,
            "open": paths.ravel(),
            "high": paths.ravel() * 1.001,
            "low": paths.ravel() * 0.999,
            "close": paths.ravel(),
            "volume": rng.lognormal(9, 1, size=count * n_bars),
            "interval": "5m",
        },
        schema=BARS_SCHEMA,
    )
    last = paths[:, -1]
    quotes = pl.DataFrame(
        {
            "symbol": symbols,
            "ts": [NOW] * count,
            "last": last,
            "prev_close": prev_close,
            "open": paths[:, 0],
            "high": paths.max(axis=1),
            "low": paths.min(axis=1),
            "volume": volumes[:, -1],
            "session": "regular",
            "delayed_s": 0,
            "source": "bench",
            # The regular session: no extended-hours price.
            "ext_last": [None] * count,
            "ext_ts": [None] * count,
            "ext_session": [None] * count,
        },
        schema=QUOTES_SCHEMA,
    )

    settlements = [dt.date(2026, 1, 15), dt.date(2026, 1, 30)]
    short_shares = rng.lognormal(15, 1.5, size=(count, 2))
    avg_volume = rng.lognormal(13, 1.2, size=count)
    short_interest = pl.DataFrame(
        {
            "symbol": symbols * 2,
            "settlement_date": [day for day in settlements for _ in range(count)],
            "short_shares": np.concatenate([short_shares[:, 0], short_shares[:, 1]]),
            "prior_short_shares": np.concatenate([short_shares[:, 0] * 0.9, short_shares[:, 0]]),
            "avg_daily_volume": np.concatenate([avg_volume, avg_volume]),
            "days_to_cover": np.concatenate([short_shares[:, 0], short_shares[:, 1]])
            / np.concatenate([avg_volume, avg_volume]),
            "source": "bench",
        },
        schema=SHORT_INTEREST_SCHEMA,
    )
    sv_days = days[-22:-1]
    total = rng.lognormal(13, 1, size=count * len(sv_days))
    short_volume = pl.DataFrame(
        {
            "date": sv_days * count,
            "symbol": np.repeat(symbols, len(sv_days)),
            "short_volume": total * rng.uniform(0.3, 0.6, size=total.size),
            "short_exempt_volume": total * 0.01,
            "total_volume": total,
        },
        schema=SHORT_VOLUME_SCHEMA,
    )
    outstanding = rng.lognormal(19, 1, size=count)
    shares = pl.DataFrame(
        {
            "symbol": symbols,
            "as_of": [dt.date(2025, 12, 31)] * count,
            "shares_outstanding": outstanding,
            "float_shares": np.where(rng.uniform(size=count) < 0.8, outstanding * 0.9, np.nan),
            "source": "bench",
        },
        schema=SHARES_SCHEMA,
    ).with_columns(pl.col("float_shares").fill_nan(None))
    info = {symbol: SymbolInfo(symbol, symbol, "Information Technology") for symbol in symbols}
    nav, holdings, member_bars = _fund_files(rng, settings, symbols, daily)
    return MarketData(
        member_bars=member_bars,
        fund_nav=nav,
        fund_holdings=holdings,
        quotes=quotes,
        daily=daily,
        intraday=intraday,
        short_interest=short_interest,
        short_volume=short_volume,
        shares=shares,
        now=NOW,
        info=info,
    )


def _fund_files(
    rng: np.random.Generator, settings: Settings, symbols: list[str], daily: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The sector ETFs' NAV history (shares created and redeemed in units of 50,000), their
    holdings (up to FUND_MEMBERS stocks, dealt round the funds) and the members' daily bars."""
    funds = [spec.symbol for spec in settings.sectors]
    not_stocks = {*funds, *(spec.symbol for spec in settings.indices), settings.benchmark}
    stocks = [symbol for symbol in symbols if symbol not in not_stocks][:FUND_MEMBERS]
    nav_days = last_trading_days(NOW.date() - dt.timedelta(days=1), NAV_DAYS)
    units = rng.integers(-40, 40, size=(len(funds), NAV_DAYS)) * 50_000.0
    shares = 3e8 + np.cumsum(units, axis=1)
    navs = 100.0 * np.exp(np.cumsum(rng.normal(0, 0.01, size=(len(funds), NAV_DAYS)), axis=1))
    nav = pl.DataFrame(
        {
            "fund": np.repeat(funds, NAV_DAYS),
            "date": nav_days * len(funds),
            "nav": navs.ravel(),
            "shares_outstanding": shares.ravel(),
            "total_net_assets": (navs * shares).ravel(),
            "source": "bench",
        },
        schema=FUND_NAV_SCHEMA,
    )
    weights = rng.uniform(0.1, 1.0, size=len(stocks))
    holdings = pl.DataFrame(
        {
            "fund": [funds[index % len(funds)] for index in range(len(stocks))],
            "as_of": [nav_days[-1]] * len(stocks),
            "symbol": stocks,
            "name": stocks,
            "weight": weights,
            "shares": weights * 1e7,
            "market_value": None,
            "sector": None,
            "source": "bench",
        },
        schema=FUND_HOLDINGS_SCHEMA,
    ).with_columns(pl.col("weight") / pl.col("weight").sum().over("fund"))
    member_bars = (
        daily.filter(pl.col("symbol").is_in(stocks))
        .group_by("symbol", maintain_order=True)
        .tail(MEMBER_SESSIONS)
    )
    return nav, holdings, member_bars


def _time(function: Callable[[], object], runs: int) -> list[float]:
    function()  # warm-up: first-call costs (polars plan caches, imports) are not per refresh
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000.0)
    return samples


def _report(label: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(f"  {label:<22} median {statistics.median(samples):7.1f} ms   p95 {p95:7.1f} ms")


def _run(size: int, settings: Settings, runs: int) -> None:
    data = synthetic_market(size, settings)
    print(
        f"N = {size}: daily {data.daily.height:,} rows, intraday {data.intraday.height:,}, "
        f"short interest {data.short_interest.height:,}, short volume "
        f"{data.short_volume.height:,}"
    )
    builders: dict[str, Callable[[], object]] = {
        "indices": lambda: build_indices(data, settings),
        "sectors": lambda: build_sectors(data, settings),
        "shorts": lambda: build_shorts(data, settings),
        "correlations": lambda: build_correlations(data, settings),
    }
    for label, builder in builders.items():
        _report(label, _time(builder, runs))

    def full_refresh() -> None:
        for builder in builders.values():
            builder()

    _report("full refresh (4 views)", _time(full_refresh, runs))
    # The Sector flows pane keeps its hourly figures while their frames stay the same (the
    # builds above); new fund, short or member data computes them again:
    _report(
        "sectors, new fund data",
        _time(lambda: build_sectors(data.replace(fund_nav=data.fund_nav.clone()), settings), runs),
    )
    _report("short_candidates(200)", _time(lambda: short_candidates(data, settings, 200), runs))
    _report("ticker MSFT 1Y", _time(lambda: build_ticker(data, "MSFT", "1Y", settings), runs))


def main() -> None:
    parser = argparse.ArgumentParser(description="Time a full analytics refresh.")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 5000])
    args = parser.parse_args()
    settings = Settings()
    for size in args.sizes:
        _run(size, settings, args.runs)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak_mib:.0f} MiB (whole process, largest market included)")


if __name__ == "__main__":
    main()
