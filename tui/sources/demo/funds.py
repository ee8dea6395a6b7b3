"""The sector SPDRs as funds: daily NAV, shares outstanding and net assets, and holdings, in the
shape of SSGA's files (FUND_NAV_SCHEMA, FUND_HOLDINGS_SCHEMA), telling the story's flows.

- NAV is the ETF's daily close; shares outstanding move by creations and redemptions, whole
  creation units of `CREATION_UNIT` shares, drawn per day as a fraction of net assets with the
  story's drift (`FUND_FLOW_*`): money leaves XLK, XLI and XLB in the regime, heaviest in its
  late phase, and trickles into the other sectors. Net assets are NAV x shares, scaled to
  `FUND_NET_ASSETS` at the last history close.
- Holdings are the sector's stocks of the demo universe, weighted by market capitalisation (as the
  ETFs' composite returns are), dated the previous trading day like SSGA's daily file.

Built once per market on first use, deterministic per seed.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import polars as pl

from tui.sources import universe
from tui.sources.base import FUND_HOLDINGS_SCHEMA, FUND_NAV_SCHEMA
from tui.sources.demo.build import BuiltMarket
from tui.sources.demo.rng import stream
from tui.sources.demo.story import (
    CREATION_UNIT,
    FUND_FLOW_BOUGHT,
    FUND_FLOW_NORMAL,
    FUND_FLOW_SOLD,
    FUND_NET_ASSETS,
    LATE_SESSIONS,
    SELLING_SECTORS,
)

SOURCE = "demo"


@dataclass(frozen=True, slots=True)
class DemoFunds:
    """Every fund's NAV history (session date included) and its members' weights."""

    nav: pl.DataFrame  # FUND_NAV_SCHEMA, oldest first per fund
    members: pl.DataFrame  # fund, symbol, name, weight, sector, price

    def holdings(self, funds: list[str], as_of: dt.date) -> pl.DataFrame:
        """FUND_HOLDINGS_SCHEMA for ``funds`` (in that order) as of ``as_of``: shares held and
        market value from the fund's net assets on its newest NAV date up to then."""
        assets = (
            self.nav.filter(pl.col("date") <= as_of)
            .group_by("fund")
            .agg(pl.col("total_net_assets").sort_by("date").last().alias("assets"))
        )
        value = pl.col("weight") * pl.col("assets")
        wanted = pl.DataFrame({"fund": funds}, schema={"fund": pl.String})
        return (
            wanted.join(self.members, on="fund", maintain_order="left_right")
            .join(assets, on="fund", how="left", maintain_order="left")
            .select(
                "fund",
                as_of=pl.lit(as_of, pl.Date),
                symbol="symbol",
                name="name",
                weight="weight",
                shares=(value / pl.col("price")).round(),
                market_value=value.round(2),
                sector="sector",
                source=pl.lit(SOURCE),
            )
            .cast(FUND_HOLDINGS_SCHEMA)
        )


def _flow_rates(phase: int, selling: bool) -> tuple[float, float]:
    if phase == 0:
        return FUND_FLOW_NORMAL
    rates = FUND_FLOW_SOLD if selling else FUND_FLOW_BOUGHT
    return rates[phase - 1]


def build_funds(seed: int, market: BuiltMarket) -> DemoFunds:
    """The funds of a built market (see the module docstring)."""
    days = market.days
    count = len(days)
    end = count - 2  # the last history session
    late_start = end - LATE_SESSIONS + 1
    phases = [0 if t < market.regime_start else 1 if t < late_start else 2 for t in range(count)]
    symbols = list(universe.SYMBOLS)
    frames = []
    for fund in universe.etf_symbols():
        sector = universe.SYMBOLS[fund].sector
        position = symbols.index(fund)
        closes = market.daily.slice(position * count, count).get_column("close").to_list()
        rng = stream(seed, "fund-flows", fund)
        growth = [1.0]
        for t in range(1, count):
            mean, sd = _flow_rates(phases[t], sector in SELLING_SECTORS)
            growth.append(growth[-1] * math.exp(rng.gauss(mean, sd)))
        units = FUND_NET_ASSETS[fund] / closes[end] / growth[end] / CREATION_UNIT
        shares = [round(units * g) * CREATION_UNIT for g in growth]
        frames.append(
            pl.DataFrame(
                {
                    "fund": [fund] * count,
                    "date": days,
                    "nav": closes,
                    "shares_outstanding": [float(s) for s in shares],
                    "total_net_assets": [
                        round(c * s, 2) for c, s in zip(closes, shares, strict=True)
                    ],
                    "source": [SOURCE] * count,
                },
                schema=FUND_NAV_SCHEMA,
            )
        )
    member_rows = []
    for symbol in universe.stock_symbols():
        info, params = universe.SYMBOLS[symbol], universe.STOCK_PARAMS[symbol]
        fund = universe.SECTOR_ETFS[info.sector or ""]
        cap = params.price * params.shares_outstanding
        member_rows.append((fund, symbol, info.name.upper(), cap, info.sector, params.price))
    members = pl.DataFrame(
        member_rows,
        schema={
            "fund": pl.String,
            "symbol": pl.String,
            "name": pl.String,
            "cap": pl.Float64,
            "sector": pl.String,
            "price": pl.Float64,
        },
        orient="row",
    ).with_columns(weight=pl.col("cap") / pl.col("cap").sum().over("fund"))
    ordered = members.sort(["fund", "weight"], descending=[False, True])
    return DemoFunds(pl.concat(frames), ordered.drop("cap"))
