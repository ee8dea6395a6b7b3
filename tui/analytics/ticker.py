"""The drill-down's view builder: one ticker's quote, chart prices by range, 52-week range, short
figures and histories, its correlation to its peers (its basket, else its sector ETF), and for a
sector ETF the stocks of its sector and the fund's real daily flows; with the sections that apply
to the kind of ticker it is."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Mapping

import polars as pl

from tui import market_hours
from tui.analytics.correlations import correlation_lines
from tui.analytics.frame_rows import frame_rows, unique
from tui.analytics.market import MarketData
from tui.analytics.returns import (
    BASIS_POINTS_PER_POINT,
    YIELD_SYMBOLS,
    latest_quotes,
    pct_change,
)
from tui.analytics.sectors.funds import FundFlowRow, daily_fund_flows, fund_flow_summary
from tui.analytics.sessions import current_session
from tui.analytics.shorts import (
    latest_settlements,
    short_metrics,
    short_rows,
    sv_ratio_history,
    with_prices,
)
from tui.config import Settings
from tui.market_hours import Session
from tui.presenters.correlations import CorrelationLine
from tui.presenters.extended import ext_change_pct
from tui.presenters.shorts import ShortRow
from tui.presenters.ticker import (
    ChartRange,
    FundFlows,
    MemberQuote,
    PricePoint,
    Section,
    TickerKind,
    TickerView,
)
from tui.sources.base import SymbolInfo

INTRADAY_SESSIONS: Mapping[ChartRange, int] = {"1D": 1, "5D": 5}
DAILY_SESSIONS: Mapping[ChartRange, int] = {"1M": 21, "6M": 126, "1Y": 252}
# A fund's daily flows charted for each range: a day's flow is published the next morning, so
# the intraday ranges show the last week's.
FLOW_DAYS: Mapping[ChartRange, int] = {"1D": 5, "5D": 5, **DAILY_SESSIONS}
RANGE_WEEKS = 52


@dataclasses.dataclass(frozen=True, slots=True)
class TickerQuote:
    """What the drill-down reads of the symbol's latest quote; None where unknown."""

    ts: dt.datetime | None = None
    last: float | None = None
    prev_close: float | None = None
    open: float | None = None
    high: float | None = None
    low: float | None = None
    volume: float | None = None
    change: float | None = None
    change_pct: float | None = None
    ext_last: float | None = None
    ext_session: str | None = None


def _bar_session(ts: dt.datetime) -> str:
    """Pre, regular or post market, by the NYSE calendar (a bar outside them is "regular": it
    is shown as it always was)."""
    session = market_hours.session_at(ts)
    return session.value if session in (Session.PRE, Session.POST) else "regular"


def _chart_prices(data: MarketData, symbol: str, chart_range: ChartRange) -> list[PricePoint]:
    if chart_range in INTRADAY_SESSIONS:
        bars = (
            data.intraday.filter(pl.col("symbol") == symbol, pl.col("close").is_not_null())
            .sort("ts")
            .with_columns(day=pl.col("ts").dt.convert_time_zone("America/New_York").dt.date())
        )
        days = bars.get_column("day").unique().sort().tail(INTRADAY_SESSIONS[chart_range])
        bars = bars.filter(pl.col("day").is_in(days.implode()))
    else:
        bars = (
            data.daily.filter(pl.col("symbol") == symbol, pl.col("close").is_not_null())
            .sort("ts")
            .tail(DAILY_SESSIONS[chart_range])
        )
    intraday = chart_range in INTRADAY_SESSIONS
    return [
        PricePoint(
            ts=ts,
            close=close,
            volume=volume,
            session=_bar_session(ts) if intraday else "regular",
        )
        for ts, close, volume in bars.select("ts", "close", "volume").iter_rows()
    ]


def _ticker_correlation(
    data: MarketData, symbol: str, settings: Settings
) -> tuple[CorrelationLine | None, str | None]:
    """The symbol's line to the peers of its first basket, else to its sector ETF."""
    window, history = settings.correlation.window, settings.correlation.history
    for basket in settings.baskets:
        if symbol in basket.symbols:
            groups = {basket.name: unique(basket.symbols)}
            _, members, _ = correlation_lines(data, groups, history, window)
            return members[basket.name, symbol], basket.name
    known = data.info.get(symbol)
    sector = known.sector if known is not None else None
    etf = next((spec.symbol for spec in settings.sectors if spec.name == sector), None)
    if etf is None or etf == symbol:
        return None, None
    _, members, _ = correlation_lines(data, {etf: (symbol, etf)}, history, window)
    return members[etf, symbol], etf


def ticker_kind(symbol: str, known: SymbolInfo | None) -> TickerKind:
    """A stock, a fund, an index, or a yield (an index quoted in percent)."""
    if symbol in YIELD_SYMBOLS:
        return "yield"
    return known.kind if known is not None else "stock"


def range_52_weeks(
    daily: pl.DataFrame, symbol: str, session: dt.date
) -> tuple[float | None, float | None]:
    """The lowest low and highest high (closes where a bar has no range) of the daily bars of the
    last 52 weeks, today's bar included."""
    return ranges_52_weeks(daily, [symbol], session).get(symbol, (None, None))


def ranges_52_weeks(
    daily: pl.DataFrame, symbols: Collection[str], session: dt.date
) -> dict[str, tuple[float | None, float | None]]:
    """`range_52_weeks` of each of ``symbols`` that has daily bars in that time."""
    start = dt.datetime.combine(session - dt.timedelta(weeks=RANGE_WEEKS), dt.time(), tzinfo=dt.UTC)
    ranges = (
        daily.filter(pl.col("symbol").is_in(list(symbols)), pl.col("ts") > start)
        .group_by("symbol")
        .agg(
            low=pl.coalesce("low", "close").min(),
            high=pl.coalesce("high", "close").max(),
        )
    )
    return {symbol: (low, high) for symbol, low, high in ranges.iter_rows()}


def sector_members(data: MarketData, sector: str) -> list[str]:
    """The stocks the source knows in ``sector``, by symbol."""
    return sorted(
        symbol
        for symbol in data.info
        if (known := data.info.get(symbol)) is not None
        and known.kind == "stock"
        and known.sector == sector
    )


def etf_members(data: MarketData, symbol: str) -> list[str]:
    """The stocks of an ETF's sector that the source knows (none for anything but a sector
    ETF)."""
    known = data.info.get(symbol)
    if known is None or known.kind != "etf" or known.sector is None:
        return []
    return sector_members(data, known.sector)


def _member_quotes(data: MarketData, members: list[str]) -> tuple[MemberQuote, ...]:
    """The members with their last price and change, best change first, unpriced last."""
    quotes = latest_quotes(data.quotes, members).select(
        "symbol", "last", change_pct=pct_change(pl.col("last"), pl.col("prev_close"))
    )
    priced = {symbol: (last, change) for symbol, last, change in quotes.iter_rows()}
    rows = [
        MemberQuote(
            symbol,
            known.name if (known := data.info.get(symbol)) is not None else "",
            *priced.get(symbol, (None, None)),
        )
        for symbol in members
    ]
    return tuple(sorted(rows, key=lambda row: (row.change_pct is None, -(row.change_pct or 0.0))))


def ticker_fund_flows(data: MarketData, symbol: str, chart_range: ChartRange) -> FundFlows | None:
    """A fund's real daily flows over the chart range (`FLOW_DAYS`) and its 1-, 5- and 20-day
    flows, from the NAV history the dashboard holds; None for anything without one."""
    flows = daily_fund_flows(data.fund_nav.filter(pl.col("fund") == symbol))
    if flows.is_empty():
        return None
    summary = frame_rows(fund_flow_summary(flows), FundFlowRow)[0]
    recent = flows.tail(FLOW_DAYS[chart_range]).select("date", "flow")
    return FundFlows(
        daily=tuple(recent.iter_rows()),
        flow_1d=summary.flow_1d,
        flow_5d=summary.flow_5d,
        flow_20d=summary.flow_20d,
        as_of=summary.as_of,
    )


def _sections(
    kind: TickerKind,
    prices: list[PricePoint],
    has_short_interest: bool,
    has_short_volume: bool,
    peer_group: str | None,
    members: tuple[MemberQuote, ...],
    has_fund_flows: bool = False,
) -> tuple[Section, ...]:
    """What applies: short figures to a stock (or wherever the source has them), volume to
    what trades shares, a fund's real flows where it has a NAV history, a correlation where there
    are peers, members to a sector ETF."""
    shares = kind in ("stock", "etf") or any(point.volume is not None for point in prices)
    applies: dict[Section, bool] = {
        "price": True,
        "volume": shares,
        "fund_flows": has_fund_flows,
        "short_interest": kind == "stock" or has_short_interest,
        "short_volume": kind == "stock" or has_short_volume,
        "correlation": peer_group is not None,
        "members": bool(members),
    }
    return tuple(section for section, shown in applies.items() if shown)


def ticker_quote(data: MarketData, symbol: str) -> TickerQuote:
    """The symbol's latest quote and its change, as the drill-down shows them (alerts on a
    symbol's price read them too)."""
    quotes = latest_quotes(data.quotes, [symbol]).with_columns(
        change=pl.col("last") - pl.col("prev_close"),
        change_pct=pct_change(pl.col("last"), pl.col("prev_close")),
    )
    return next(iter(frame_rows(quotes, TickerQuote)), TickerQuote())


def _settlements(data: MarketData, symbol: str) -> pl.DataFrame:
    return data.short_interest.filter(pl.col("symbol") == symbol).sort("settlement_date")


def ticker_short_row(
    data: MarketData, symbol: str, settlements: pl.DataFrame | None = None
) -> ShortRow:
    """The symbol's short figures as a Most shorted row, whether or not the table ranks it: what
    the drill-down shows (alerts on a name outside the table read them too). ``settlements``: the
    symbol's short-interest rows, when already filtered."""
    if settlements is None:
        settlements = _settlements(data, symbol)
    listed = pl.DataFrame({"symbol": [symbol]}, schema={"symbol": pl.String()})
    metrics = listed.join(
        short_metrics(latest_settlements(settlements), data.shares), on="symbol", how="left"
    )
    return short_rows(with_prices(metrics, data.quotes), data)[0]


def build_ticker(
    data: MarketData, symbol: str, chart_range: ChartRange, settings: Settings
) -> TickerView:
    """The drill-down for one symbol: quote, chart prices, short figures and peer correlation.

    1D and 5D are the intraday bars of the symbol's last 1 or 5 sessions, 1M/6M/1Y its last
    21/126/252 daily bars (today's partial bar included)."""
    known = data.info.get(symbol)
    quote = ticker_quote(data, symbol)
    prices = _chart_prices(data, symbol, chart_range)

    settlements = _settlements(data, symbol)
    short_row = ticker_short_row(data, symbol, settlements)
    has_short_data = short_row.settlement_date is not None or short_row.sv_date is not None

    correlation, peer_group = _ticker_correlation(data, symbol, settings)
    kind = ticker_kind(symbol, known)
    short_history = tuple(
        (day, shares)
        for day, shares in settlements.select("settlement_date", "short_shares").iter_rows()
        if shares is not None
    )
    ratios = tuple(sv_ratio_history(data.short_volume, symbol).iter_rows())
    members = _member_quotes(data, etf_members(data, symbol))
    low_52w, high_52w = range_52_weeks(data.daily, symbol, current_session(data.now))
    fund_flows = ticker_fund_flows(data, symbol, chart_range)
    change_bp = None
    if kind == "yield" and quote.change is not None:
        change_bp = quote.change * BASIS_POINTS_PER_POINT
    return TickerView(
        symbol=symbol,
        name=known.name if known is not None else "",
        sector=known.sector if known is not None else None,
        last=quote.last,
        change=quote.change,
        change_pct=quote.change_pct,
        prev_close=quote.prev_close,
        day_open=quote.open,
        day_high=quote.high,
        day_low=quote.low,
        volume=quote.volume,
        as_of=quote.ts or (prices[-1].ts if prices else None),
        chart_range=chart_range,
        prices=tuple(prices),
        short=short_row if has_short_data else None,
        short_history=short_history,
        sv_ratio_history=ratios,
        correlation=correlation,
        peer_group=peer_group,
        kind=kind,
        sections=_sections(
            kind,
            prices,
            bool(short_history),
            bool(ratios),
            peer_group,
            members,
            has_fund_flows=fund_flows is not None,
        ),
        change_bp=change_bp,
        low_52w=low_52w,
        high_52w=high_52w,
        members=members,
        members_of=known.sector if members and known is not None else None,
        fund_flows=fund_flows,
        ext_last=quote.ext_last,
        ext_change_pct=ext_change_pct(quote.ext_last, quote.last),
        ext_session=quote.ext_session if quote.ext_last is not None else None,
    )
