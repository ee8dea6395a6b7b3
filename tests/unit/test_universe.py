"""The demo universe: real tickers, GICS sectors, the configured indices, baskets and ETFs."""

from __future__ import annotations

from collections import Counter

import pytest

from tui.config import DEFAULT_BASKETS, DEFAULT_INDICES, DEFAULT_SECTORS
from tui.sources import universe
from tui.sources.universe import SECTOR_ETFS, SECTORS, STOCK_PARAMS, SYMBOLS, stock_symbols


def test_at_least_170_stocks_with_names_and_known_sectors() -> None:
    stocks = stock_symbols()
    assert len(stocks) >= 170
    assert len(set(stocks)) == len(stocks)
    for symbol in stocks:
        info = SYMBOLS[symbol]
        assert info.symbol == symbol
        assert info.kind == "stock"
        assert info.name.strip()
        assert info.sector in SECTORS


def test_sector_names_and_etfs_match_the_default_settings() -> None:
    assert tuple(spec.name for spec in DEFAULT_SECTORS) == SECTORS
    assert dict(SECTOR_ETFS) == {spec.name: spec.symbol for spec in DEFAULT_SECTORS}
    for sector, etf in SECTOR_ETFS.items():
        assert SYMBOLS[etf].kind == "etf"
        assert SYMBOLS[etf].sector == sector
    assert universe.etf_symbols() == tuple(spec.symbol for spec in DEFAULT_SECTORS)


def test_every_sector_has_a_spread_of_stocks() -> None:
    counts = Counter(SYMBOLS[symbol].sector for symbol in stock_symbols())
    assert set(counts) == set(SECTORS)
    assert min(counts.values()) >= 8


def test_default_indices_are_known_as_indices() -> None:
    for spec in DEFAULT_INDICES:
        info = SYMBOLS[spec.symbol]
        assert info.kind == "index"
        assert info.sector is None
    assert set(universe.index_symbols()) == {spec.symbol for spec in DEFAULT_INDICES}


def test_every_default_basket_member_is_a_stock() -> None:
    for basket in DEFAULT_BASKETS:
        for symbol in basket.symbols:
            assert SYMBOLS[symbol].kind == "stock", symbol


@pytest.mark.parametrize(
    ("symbol", "sector"),
    [
        ("GOOGL", "Communication Services"),
        ("META", "Communication Services"),
        ("AMZN", "Consumer Discretionary"),
        ("TSLA", "Consumer Discretionary"),
        ("V", "Financials"),
        ("MA", "Financials"),
        ("TSM", "Information Technology"),
        ("MSFT", "Information Technology"),
        ("UBER", "Industrials"),
        ("TGT", "Consumer Staples"),
    ],
)
def test_gics_sectors_as_of_2026(symbol: str, sector: str) -> None:
    assert SYMBOLS[symbol].sector == sector


def test_heavily_shorted_names_are_there_and_heavily_shorted() -> None:
    expected = {"GME", "AMC", "UPST", "LCID", "RIVN", "PLUG", "SOUN", "BYND", "CVNA", "RKT", "AI"}
    assert expected | {"HIMS"} <= set(universe.HEAVILY_SHORTED)
    assert len(universe.HEAVILY_SHORTED) >= 12
    levels = [STOCK_PARAMS[symbol].short_pct_float for symbol in universe.HEAVILY_SHORTED]
    assert min(levels) >= 0.10
    assert levels == sorted(levels, reverse=True)
    assert STOCK_PARAMS["AAPL"].short_pct_float < 0.02


def test_synthetic_parameters_are_plausible() -> None:
    for symbol, params in STOCK_PARAMS.items():
        assert params.symbol == symbol
        assert params.price > 0
        assert 0 < params.float_shares <= params.shares_outstanding
        assert params.avg_volume >= 100_000
        assert 0 < params.beta < 3
        assert 0 < params.idio_vol < 0.1
        assert 0 < params.short_pct_float < 0.5


def test_index_memberships() -> None:
    dow = [s for s, p in STOCK_PARAMS.items() if p.in_dow]
    assert len(dow) == 30
    assert {"MSFT", "NVDA", "SHW", "TRV", "AMZN"} <= set(dow)
    assert STOCK_PARAMS["AAPL"].in_nasdaq100 and STOCK_PARAMS["AAPL"].in_sp500
    assert not STOCK_PARAMS["TSM"].in_sp500  # an ADR


def test_reference_data_cannot_be_changed() -> None:
    with pytest.raises(TypeError):
        SYMBOLS["ZZZZ"] = SYMBOLS["AAPL"]  # type: ignore[index]
