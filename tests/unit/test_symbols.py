"""Symbols: one spelling for every source and input, and finding a symbol by what a user types."""

from __future__ import annotations

import string

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.symbols import (
    SymbolDirectory,
    SymbolEntry,
    canonical,
    canonical_symbols,
    directory,
    dotted,
    parse_symbol,
)

SYMBOL_CHARACTERS = string.ascii_letters + string.digits + ".-^="


# --- one spelling ----------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["BRK.B", "BRK-B", "BRK/B", "brk.b", " brk-b ", "Brk/b"])
def test_every_spelling_of_a_class_share_is_one_symbol(spelling: str) -> None:
    assert parse_symbol(spelling) == "BRK-B"
    assert canonical(spelling) == "BRK-B"


@pytest.mark.parametrize(
    ("text", "symbol"),
    [
        ("msft", "MSFT"),
        ("^gspc", "^GSPC"),
        ("eurusd=x", "EURUSD=X"),
        ("RY.TO", "RY.TO"),  # an exchange suffix, not a share class
        ("BTC-USD", "BTC-USD"),
        ("bf.b", "BF-B"),
    ],
)
def test_symbols_are_stripped_and_upper_cased(text: str, symbol: str) -> None:
    assert parse_symbol(text) == symbol


def test_a_stream_that_writes_class_shares_with_a_dot_is_asked_for_them_so() -> None:
    assert [dotted(symbol) for symbol in ("BRK-B", "MSFT", "BTC-USD", "^GSPC")] == [
        "BRK.B",
        "MSFT",
        "BTC-USD",
        "^GSPC",
    ]


def test_a_polars_column_gets_the_same_spelling_as_one_symbol() -> None:
    raw = ["BRK.B", " bf/b", "MSFT ", "RY.TO", "^GSPC"]
    column = pl.DataFrame({"symbol": raw}).select(canonical_symbols(pl.col("symbol")))
    assert column["symbol"].to_list() == [canonical(text) for text in raw]
    assert column["symbol"].to_list() == ["BRK-B", "BF-B", "MSFT", "RY.TO", "^GSPC"]


@pytest.mark.parametrize(
    "text", ["MS FT", "A/BC", "/B", "", "   ", "A" * 16, "ÄPPL", "$SPX", "A\tB"]
)
def test_symbols_with_other_characters_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="ticker symbol"):
        parse_symbol(text)


def test_the_refusal_tells_the_user_what_a_symbol_may_hold() -> None:
    with pytest.raises(ValueError) as caught:
        parse_symbol("MS FT")
    assert str(caught.value) == (
        "`MS FT` is not a ticker symbol: use letters, digits and . - ^ = (at most 15 characters)"
    )


@given(st.text(SYMBOL_CHARACTERS, min_size=1, max_size=15), st.sampled_from(["", " ", "\t "]))
def test_any_accepted_symbol_is_its_own_canonical_spelling(text: str, padding: str) -> None:
    symbol = parse_symbol(padding + text + padding)
    assert symbol == canonical(text)
    assert parse_symbol(symbol) == symbol


@given(
    st.text(SYMBOL_CHARACTERS, min_size=1, max_size=7),
    st.text(SYMBOL_CHARACTERS, min_size=2, max_size=7),
)
def test_a_slash_is_refused_unless_a_share_class_follows(left: str, right: str) -> None:
    with pytest.raises(ValueError, match="is not a ticker symbol"):
        parse_symbol(left + " " + right)
    with pytest.raises(ValueError, match="is not a ticker symbol"):
        parse_symbol(left + "/" + right)


# --- finding a symbol ------------------------------------------------------------------------

ENTRIES = SymbolDirectory(
    [
        SymbolEntry("MSFT", "Microsoft Corporation"),
        SymbolEntry("MS", "Morgan Stanley"),
        SymbolEntry("MSCI", "MSCI Inc."),
        SymbolEntry("ORCL", "Oracle Corporation"),
        SymbolEntry("CL", "Colgate-Palmolive Company"),
        SymbolEntry("BRK-B", "Berkshire Hathaway Inc. (Class B)"),
        SymbolEntry("MU", "Micron Technology, Inc."),
        SymbolEntry("AMD", "Advanced Micro Devices, Inc."),
        SymbolEntry("^GSPC", "S&P 500"),
    ]
)


def symbols(query: str, limit: int = 6) -> list[str]:
    return [match.entry.symbol for match in ENTRIES.find(query, limit)]


def test_the_symbol_itself_comes_first_in_any_spelling() -> None:
    assert symbols("brk.b")[0] == "BRK-B"
    assert symbols("BRK/B")[0] == "BRK-B"
    assert ENTRIES.find("ms")[0].kind == "symbol"
    assert symbols("ms") == ["MS", "MSCI", "MSFT"]  # then the symbols it starts


def test_company_names_find_their_symbol() -> None:
    assert symbols("microsoft") == ["MSFT"]
    assert ENTRIES.find("microsoft")[0].kind == "name"
    # Names that start so, then names with a word that does; ties to the shorter symbol.
    assert symbols("Micro") == ["MU", "MSFT", "AMD"]
    assert symbols("oracle corp") == ["ORCL"]
    assert symbols("berkshire")[0] == "BRK-B"
    assert symbols("palmolive") == ["CL"]  # a word inside a hyphenated name


def test_a_misspelling_offers_the_closest_names_and_symbols() -> None:
    assert symbols("microsfot") == ["MSFT"]
    assert ENTRIES.find("microsfot")[0].kind == "close"
    assert "ORCL" in symbols("ORLC")


def test_nothing_close_offers_nothing() -> None:
    assert symbols("zzzz") == []
    assert symbols("   ") == []
    assert symbols("ms", limit=1) == ["MS"]


def test_the_directory_names_every_symbol_once() -> None:
    names = {"MSFT": "Microsoft Corporation", "XYZ": "XYZ"}

    class Info:
        def __init__(self, name: str) -> None:
            self.name = name

    found = directory(
        ["XYZ", "MSFT", "MSFT", "NEW"],
        lambda symbol: Info(names[symbol]) if symbol in names else None,
    )
    assert found == [
        SymbolEntry("MSFT", "Microsoft Corporation"),
        SymbolEntry("NEW", ""),
        SymbolEntry("XYZ", ""),  # a name that only repeats the symbol says nothing
    ]
