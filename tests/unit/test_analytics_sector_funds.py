"""Real ETF flows, split detection, sector short pressure and breadth, each checked against a
direct computation in plain Python and numpy."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import polars as pl
import pytest

from tui.analytics.market import empty_market_data
from tui.analytics.sectors.funds import (
    FLOWS_SCHEMA,
    daily_fund_flows,
    fund_figures,
    fund_flow_summary,
    members,
    sector_breadth,
    sector_short_pressure,
)
from tui.market_hours import last_trading_days
from tui.sources.base import (
    BARS_SCHEMA,
    FUND_HOLDINGS_SCHEMA,
    FUND_NAV_SCHEMA,
    QUOTES_SCHEMA,
    SHORT_INTEREST_SCHEMA,
    SHORT_VOLUME_SCHEMA,
)

SESSION = dt.date(2026, 2, 11)
DAYS = last_trading_days(dt.date(2026, 2, 10), 60)


def nav_frame(
    rows: list[tuple[str, dt.date, float | None, float | None, float | None]],
) -> pl.DataFrame:
    return pl.DataFrame([(*row, "test") for row in rows], schema=FUND_NAV_SCHEMA, orient="row")


def random_history(
    fund: str, seed: int, count: int = 40
) -> list[tuple[str, dt.date, float, float, float]]:
    rng = random.Random(seed)
    nav, shares = 100.0, 5_000_000.0
    rows = []
    for day in DAYS[-count:]:
        nav *= 1 + rng.gauss(0, 0.015)
        shares += rng.choice((-1, 0, 1, 2)) * 50_000
        rows.append((fund, day, round(nav, 4), shares, round(nav * shares, 2)))
    return rows


def direct_flows(
    rows: list[tuple[str, dt.date, float | None, float | None, float | None]],
) -> dict[tuple[str, dt.date], tuple[float, float | None]]:
    """flow and split ratio per (fund, date), the obvious way."""
    result: dict[tuple[str, dt.date], tuple[float, float | None]] = {}
    previous: dict[str, tuple[float, float]] = {}
    for fund, day, nav, shares, assets in sorted(rows, key=lambda r: (r[0], r[1])):
        if nav is None or shares is None or nav <= 0 or shares <= 0:
            continue
        assets = assets if assets is not None else nav * shares
        if fund in previous:
            prev_shares, prev_assets = previous[fund]
            ratio, split = shares / prev_shares, None
            continuous = abs(assets / prev_assets - 1) <= 0.15
            for k in range(2, 50):
                if continuous and abs(ratio - k) <= 0.02 * k:
                    split = float(k)
                if continuous and abs(1 / ratio - k) <= 0.02 * k:
                    split = 1 / k
            result[(fund, day)] = ((shares - prev_shares * (split or 1.0)) * nav, split)
        previous[fund] = (shares, assets)
    return result


def test_daily_flow_is_the_change_in_shares_at_that_days_nav() -> None:
    rows = random_history("XLK", 1) + random_history("XLB", 2)
    flows = daily_fund_flows(nav_frame(rows))
    assert flows.schema == FLOWS_SCHEMA
    expected = direct_flows(rows)
    got = {
        (f, d): (flow, split)
        for f, d, flow, split in flows.select("fund", "date", "flow", "split_ratio").iter_rows()
    }
    assert got.keys() == expected.keys()
    for key, (flow, split) in expected.items():
        assert got[key][0] == pytest.approx(flow, rel=1e-12, abs=1e-6), key
        assert got[key][1] == split
    # a price move alone is not a flow: shares unchanged, NAV up 5 %
    flat = nav_frame([("XLE", DAYS[0], 100.0, 1e6, 1e8), ("XLE", DAYS[1], 105.0, 1e6, 1.05e8)])
    assert daily_fund_flows(flat)["flow"].to_list() == [0.0]


def test_splits_are_not_flows_but_the_units_created_beside_them_are() -> None:
    d = DAYS
    rows: list[tuple[str, dt.date, float | None, float | None, float | None]] = [
        ("XLK", d[0], 291.04, 325_805_897.0, 94_822_000_000.0),
        # a 2-for-1 with 1,000,000 units redeemed the same day: NAV halves, assets carry on
        ("XLK", d[1], 146.62, 650_611_794.0, 95_393_000_000.0),
        ("XLK", d[2], 147.00, 651_000_000.0, 95_697_000_000.0),
        # a 1-for-3 reverse split, assets unpublished that day: NAV x shares stands in
        ("XLK", d[3], 441.00, 217_000_000.0, None),
        # a real doubling of the fund by creations, assets doubling too: a flow, not a split
        ("XLK", d[4], 441.50, 434_000_000.0, 191_611_000_000.0),
        # a 20 % creation with a flat NAV: a flow
        ("XLK", d[5], 441.50, 520_800_000.0, 229_933_200_000.0),
    ]
    flows = daily_fund_flows(nav_frame(rows))
    assert flows["split_ratio"].to_list() == [2.0, None, pytest.approx(1 / 3), None, None]
    assert flows["shares_change"].to_list() == [
        650_611_794.0 - 2 * 325_805_897.0,
        388_206.0,
        pytest.approx(0.0, abs=1e-3),
        217_000_000.0,
        86_800_000.0,
    ]
    assert flows["flow"][0] == pytest.approx(-1_000_000 * 146.62)
    expected = direct_flows(rows)
    assert flows["flow"].to_list() == pytest.approx([expected[("XLK", day)][0] for day in d[1:6]])


def test_unpublished_days_are_skipped_and_the_next_day_carries_their_change() -> None:
    d = DAYS
    rows: list[tuple[str, dt.date, float | None, float | None, float | None]] = [
        ("XLI", d[0], 150.0, 1_000_000.0, 150_000_000.0),
        ("XLI", d[1], 151.0, None, None),  # "-" in the file
        ("XLI", d[2], 149.0, 1_030_000.0, 153_470_000.0),
    ]
    flows = daily_fund_flows(nav_frame(rows))
    assert flows.select("date", "shares_change", "flow").rows() == [
        (d[2], 30_000.0, 30_000.0 * 149.0)
    ]


def test_flow_windows_sum_the_latest_published_days_with_their_as_of_date() -> None:
    rows = random_history("XLK", 3, count=30) + random_history("XLU", 4, count=4)
    flows = daily_fund_flows(nav_frame(rows))
    summary = fund_flow_summary(flows)
    assert summary.columns == ["fund", "as_of", "flow_1d", "flow_5d", "flow_20d"]
    by_fund = {row["fund"]: row for row in summary.iter_rows(named=True)}
    xlk = np.array(flows.filter(pl.col("fund") == "XLK").sort("date")["flow"].to_list())
    assert by_fund["XLK"]["as_of"] == DAYS[-1]
    assert by_fund["XLK"]["flow_1d"] == pytest.approx(xlk[-1])
    assert by_fund["XLK"]["flow_5d"] == pytest.approx(xlk[-5:].sum())
    assert by_fund["XLK"]["flow_20d"] == pytest.approx(xlk[-20:].sum())
    # four published days give three flows: 1d only
    assert by_fund["XLU"]["flow_5d"] is None and by_fund["XLU"]["flow_20d"] is None
    assert by_fund["XLU"]["flow_1d"] is not None


def test_a_missing_newest_day_leaves_the_as_of_on_the_last_complete_day() -> None:
    rows = random_history("XLB", 5, count=10)
    rows[-1] = (*rows[-1][:3], None, None)  # the newest day printed without shares yet
    summary = fund_flow_summary(daily_fund_flows(nav_frame(rows)))
    assert summary["as_of"].to_list() == [DAYS[-2]]


# --- membership, short pressure, breadth ------------------------------------------------------

HOLDINGS = pl.DataFrame(
    [
        ("XLK", dt.date(2026, 2, 3), "OLD", "Gone", 0.5, 1.0, None, None, "t"),  # older file
        ("XLK", dt.date(2026, 2, 10), "AAA", "A", 0.6, 1.0, None, None, "t"),
        ("XLK", dt.date(2026, 2, 10), "BBB", "B", 0.3, 1.0, None, None, "t"),
        ("XLK", dt.date(2026, 2, 10), "CCC", "C", 0.1, 1.0, None, None, "t"),
        ("XLB", dt.date(2026, 2, 10), "DDD", "D", 0.7, 1.0, None, None, "t"),
        ("XLB", dt.date(2026, 2, 10), "EEE", "E", 0.3, 1.0, None, None, "t"),
        ("XLU", dt.date(2026, 2, 10), "ZZZ", "Z", 1.0, 1.0, None, None, "t"),  # no data at all
    ],
    schema=FUND_HOLDINGS_SCHEMA,
    orient="row",
)
SECTORS = {"XLK": ["AAA", "BBB", "CCC"], "XLB": ["DDD", "EEE"]}
WEIGHTS = {"AAA": 0.6, "BBB": 0.3, "CCC": 0.1, "DDD": 0.7, "EEE": 0.3}


def test_membership_is_the_newest_holdings_file_of_each_fund() -> None:
    assert members(HOLDINGS).filter(pl.col("fund") == "XLK")["symbol"].to_list() == [
        "AAA",
        "BBB",
        "CCC",
    ]


def short_volume_frame(seed: int) -> pl.DataFrame:
    rng = random.Random(seed)
    rows = []
    for day in DAYS[-22:]:
        for symbol in [*WEIGHTS, "ZZZ_NOT_HELD"]:
            total = rng.uniform(1e5, 1e7)
            rows.append((day, symbol, total * rng.uniform(0.3, 0.7), 0.0, total))
    return pl.DataFrame(rows, schema=SHORT_VOLUME_SCHEMA, orient="row")


def daily_bars(seed: int, days: list[dt.date]) -> pl.DataFrame:
    rng = random.Random(seed)
    rows = []
    for symbol in WEIGHTS:
        price = rng.uniform(20, 400)
        for day in days:
            price *= 1 + rng.gauss(0, 0.02)
            ts = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
            rows.append((symbol, ts, price, price, price, price, 1e6, "1d"))
    return pl.DataFrame(rows, schema=BARS_SCHEMA, orient="row")


def test_sector_short_pressure_matches_a_direct_computation() -> None:
    short_volume = short_volume_frame(7)
    settlement, earlier = dt.date(2026, 1, 30), dt.date(2026, 1, 15)
    interest_rows = [
        ("AAA", settlement, 1_200_000.0, 1_000_000.0, 1e6, 1.2, "t"),
        ("BBB", settlement, 450_000.0, 500_000.0, 1e6, 0.5, "t"),
        ("CCC", settlement, 100_000.0, 0.0, 1e6, 0.1, "t"),  # no prior: no change to weigh
        ("AAA", earlier, 1_000_000.0, 900_000.0, 1e6, 1.0, "t"),  # older settlement: ignored
        ("DDD", settlement, 2_000_000.0, 1_600_000.0, 1e6, 2.0, "t"),
    ]
    short_interest = pl.DataFrame(interest_rows, schema=SHORT_INTEREST_SCHEMA, orient="row")
    bars = daily_bars(8, DAYS)
    result = sector_short_pressure(HOLDINGS, short_volume, short_interest, bars)
    rows = {row["fund"]: row for row in result.iter_rows(named=True)}
    assert list(rows) == ["XLK", "XLB", "XLU"]

    for fund, symbols in SECTORS.items():
        ratios = []
        for day in DAYS[-22:]:
            day_rows = short_volume.filter(pl.col("date") == day, pl.col("symbol").is_in(symbols))
            ratios.append(day_rows["short_volume"].sum() / day_rows["total_volume"].sum())
        baseline = np.array(ratios[-21:-1])
        assert rows[fund]["sv_date"] == DAYS[-1]
        assert rows[fund]["sv_ratio"] == pytest.approx(ratios[-1])
        assert rows[fund]["sv_zscore"] == pytest.approx(
            (ratios[-1] - baseline.mean()) / baseline.std(ddof=1)
        )
        assert rows[fund]["sv_members"] == len(symbols)

    def close_on(symbol: str, day: dt.date) -> float:
        mine = bars.filter(pl.col("symbol") == symbol, pl.col("ts").dt.date() <= day)
        return mine.sort("ts")["close"][-1]

    xlk = rows["XLK"]
    assert xlk["settlement_date"] == settlement
    assert xlk["si_change_pct"] == pytest.approx((0.6 * 20.0 + 0.3 * -10.0) / 0.9)
    assert xlk["si_change_usd"] == pytest.approx(
        200_000 * close_on("AAA", settlement) - 50_000 * close_on("BBB", settlement)
    )
    assert xlk["si_members"] == 2
    assert rows["XLB"]["si_change_pct"] == pytest.approx(25.0)
    assert rows["XLU"]["sv_ratio"] is None and rows["XLU"]["si_change_pct"] is None


def test_the_short_volume_z_score_needs_ten_earlier_days() -> None:
    short_volume = short_volume_frame(9).filter(pl.col("date") >= DAYS[-10])
    empty_interest = pl.DataFrame(schema=SHORT_INTEREST_SCHEMA)
    result = sector_short_pressure(HOLDINGS, short_volume, empty_interest, daily_bars(1, DAYS))
    assert result["sv_zscore"].null_count() == 3
    assert result["sv_ratio"].null_count() == 1


def test_breadth_counts_members_up_today_and_above_their_50_day_average() -> None:
    history = [day for day in DAYS if day < SESSION]
    bars = daily_bars(11, history)
    # EEE has too short a history for a 50-day average
    bars = bars.filter(~((pl.col("symbol") == "EEE") & (pl.col("ts").dt.date() < history[-30])))
    rng = random.Random(12)
    quote_rows = []
    for symbol in WEIGHTS:
        closes = bars.filter(pl.col("symbol") == symbol)["close"]
        last = closes[-1] * (1 + rng.gauss(0, 0.05))
        ts = dt.datetime(2026, 2, 11, 16, 0, tzinfo=dt.UTC)
        quote_rows.append(
            (
                symbol,
                ts,
                last,
                closes[-1],
                last,
                last,
                last,
                1e6,
                "regular",
                0,
                "t",
                None,
                None,
                None,
            )
        )
    quotes = pl.DataFrame(quote_rows, schema=QUOTES_SCHEMA, orient="row")
    result = sector_breadth(HOLDINGS, quotes, bars, SESSION)
    rows = {row["fund"]: row for row in result.iter_rows(named=True)}
    for fund, symbols in SECTORS.items():
        up, above = [], []
        for symbol in symbols:
            quote = quotes.filter(pl.col("symbol") == symbol).row(0, named=True)
            up.append(quote["last"] > quote["prev_close"])
            closes = bars.filter(pl.col("symbol") == symbol).sort("ts")["close"].to_numpy()
            if len(closes) >= 50:
                above.append(quote["last"] > closes[-50:].mean())
        assert rows[fund]["members"] == rows[fund]["priced"] == len(symbols)
        assert rows[fund]["up_share"] == pytest.approx(sum(up) / len(up))
        assert rows[fund]["members_50d"] == len(above)
        assert rows[fund]["above_50d_share"] == pytest.approx(sum(above) / len(above))
    assert rows["XLB"]["members_50d"] == 1
    assert rows["XLU"]["up_share"] is None and rows["XLU"]["priced"] == 0


def test_the_panes_figures_are_computed_again_only_when_a_frame_is_replaced() -> None:
    """The pane is rebuilt on every quotes poll: the figures of the hourly frames are kept while
    those frames are the same objects, and never once one of them is replaced."""
    history = [day for day in DAYS if day < SESSION]
    data = empty_market_data(dt.datetime(2026, 2, 11, 16, 0, tzinfo=dt.UTC)).replace(
        fund_nav=nav_frame(random_history("XLK", 3)),
        fund_holdings=HOLDINGS,
        short_volume=short_volume_frame(5),
        member_bars=daily_bars(6, history),
    )
    summary, pressure, breadth = fund_figures(data, SESSION)
    again = fund_figures(data, SESSION)
    assert again[0] is summary and again[1] is pressure  # kept: the same frames
    assert again[2].equals(breadth)
    fresh = (
        fund_flow_summary(daily_fund_flows(data.fund_nav)),
        sector_short_pressure(HOLDINGS, data.short_volume, data.short_interest, data.member_bars),
    )
    assert summary.equals(fresh[0]) and pressure.equals(fresh[1])
    # New short volume: new short pressure, the flows as they were.
    other = data.replace(short_volume=short_volume_frame(8))
    changed = fund_figures(other, SESSION)
    assert not changed[1].equals(pressure)
    assert changed[1].equals(
        sector_short_pressure(HOLDINGS, other.short_volume, other.short_interest, other.member_bars)
    )
    assert changed[0].equals(summary)
    # New quotes move breadth at once: a member priced by the dashboard counts its quote.
    ts = dt.datetime(2026, 2, 11, 16, 0, tzinfo=dt.UTC)
    last = data.member_bars.filter(pl.col("symbol") == "DDD")["close"][-1]
    up = pl.DataFrame(
        [("DDD", ts, last * 2, last, None, None, None, None, "regular", 0, "t", None, None, None)],
        schema=QUOTES_SCHEMA,
        orient="row",
    )
    down = up.with_columns(last=pl.lit(last / 2))
    rises = fund_figures(data.replace(quotes=up), SESSION)[2]
    falls = fund_figures(data.replace(quotes=down), SESSION)[2]
    xlb = pl.col("fund") == "XLB"
    assert rises.filter(xlb)["up_share"][0] > falls.filter(xlb)["up_share"][0]
