"""Which rows of a FINRA short-interest file are exchange-listed common stocks: the market
Most shorted ranks, by market class, issue name and symbol (no funds, warrants, rights,
preferreds, units or listed debt). Plain polars, no I/O."""

from __future__ import annotations

import re
import string

import polars as pl

# Market classes of exchanges that list operating companies: NYSE, NYSE American (AMEX), the
# Nasdaq Global/Global Select (NNM) and Capital (SC) markets. OTC is not exchange-listed; NYSE Arca
# (ARCA) and Cboe BZX list almost nothing but exchange-traded products, so they are left out whole.
EQUITY_MARKET_CLASSES = ("NYSE", "AMEX", "NNM", "SC")

# Issue names of funds and exchange-traded products (whole words, any case). Plain strings in the
# syntax both Python's `re` and polars (Rust regex) accept.
_FUND_NAME = (
    r"(?i)\b(ETFs?|ETNs?|Funds?|Index|iShares|ProShares|AdvisorShares|PowerShares|Direxion|SPDR|"
    r"Municipal)\b"
)
# Issue names of warrants, rights, preferreds and listed debt; a coupon ("6.5%") marks debt too.
_NON_COMMON_NAME = r"(?i)\b(Warrants?|Wts?|Rights?|Preferred|Pfd|Pref|Notes?|Debentures?)\b|\d%"
_UNITS_NAME = r"(?i)\bUnits?\b"
# Limited partnerships trade their common units as their equity: those units stay.
_PARTNERSHIP_NAME = r"(?i)\bL\.?P\b|\bPartners\b|\bCommon Units?\b"

# FINRA prints issue names cut to 30 characters, so "... Gold ETF" can arrive as "... Gold ET".
_TRUNCATED_NAME_LENGTH = 30

# Symbol suffixes of an issuer's derived securities, appended to the common stock's symbol:
# units (U, UN), warrants (W, WS, WT), rights (R, RT), preferreds (PR, PRA, PRB, ...).
_DERIVED_SUFFIXES = frozenset(
    {
        "U",
        "UN",
        "W",
        "WS",
        "WT",
        "R",
        "RT",
        "PR",
        *(f"PR{letter}" for letter in string.ascii_uppercase),
    }
)
_LONGEST_DERIVED_SUFFIX = 3
# Nasdaq's fifth-letter codes for the first to fourth preferred, on five-letter symbols only.
_NASDAQ_PREFERRED_FIFTH_LETTERS = frozenset({"P", "O", "N", "M"})


def _derived_symbols(frame: pl.DataFrame) -> pl.Series:
    """Exchange-listed symbols that are another symbol of the file plus a derived-security
    suffix, from the same issuer (the issue names start with the same word): AACU and AACWS
    next to AAC, AAICPRB next to AAIC.

    Requiring the issuer's name to match keeps ACU (Acme United) beside AC (Associated Capital).
    Class shares (GOOGL beside GOOG) stay because their letters are not derived-issue suffixes.
    """
    first_word = pl.col("issue_name").str.strip_chars().str.extract(r"^(\S+)").str.strip_chars(",.")
    words = frame.select("symbol", "market_class", first_word.str.to_lowercase().alias("word"))
    listed = words.filter(pl.col("market_class").is_in(EQUITY_MARKET_CLASSES))
    length = pl.col("symbol").str.len_chars()
    splits = pl.concat(
        listed.select(
            "symbol",
            "word",
            pl.col("symbol").str.slice(0, length - cut).alias("root"),
            pl.col("symbol").str.slice(-cut).alias("suffix"),
            (length == 5).alias("five_letters"),
        )
        for cut in range(1, _LONGEST_DERIVED_SUFFIX + 1)
    )
    suffix = pl.col("suffix")
    with_suffix = splits.filter(
        suffix.is_in(sorted(_DERIVED_SUFFIXES))
        | (pl.col("five_letters") & suffix.is_in(sorted(_NASDAQ_PREFERRED_FIFTH_LETTERS)))
    )
    roots = words.select(pl.col("symbol").alias("root"), pl.col("word").alias("root_word"))
    same_issuer = with_suffix.join(roots, on="root").filter(pl.col("word") == pl.col("root_word"))
    return same_issuer["symbol"].unique()


def market_universe(frame: pl.DataFrame) -> pl.DataFrame:
    """The rows of a short-interest frame that are exchange-listed common stocks.

    Rules, applied to ``market_class``, ``issue_name`` and ``symbol``:
    - listed on NYSE, NYSE American, or a Nasdaq market (EQUITY_MARKET_CLASSES); OTC, NYSE Arca
      and Cboe BZX rows are dropped;
    - not a fund or exchange-traded product by name: ETF, ETN, Fund, Index, Municipal, or an ETP
      sponsor's brand (iShares, ProShares, AdvisorShares, PowerShares, Direxion, SPDR), nor a
      30-character (truncated) name ending in " ET";
    - not a warrant, right, preferred or listed note by name (Warrant, Wt, Right, Preferred, Pfd,
      Pref, Note, Debenture, or a percentage coupon), nor units unless a partnership's;
    - not a derived security by symbol: another listed symbol of the same issuer plus a suffix for
      units, warrants, rights or preferreds (see ``_derived_symbols``).
    Common stocks, ADRs, REITs, SPAC shares and partnership units stay. Tiny floats and illiquid
    names are the analytics' business (they have the share counts and prices).
    """
    name = pl.col("issue_name").fill_null("")
    truncated_etp = (name.str.len_chars() == _TRUNCATED_NAME_LENGTH) & name.str.ends_with(" ET")
    non_partnership_units = name.str.contains(_UNITS_NAME) & ~name.str.contains(_PARTNERSHIP_NAME)
    derived = _derived_symbols(frame)
    return frame.filter(
        pl.col("market_class").is_in(EQUITY_MARKET_CLASSES)
        & ~name.str.contains(_FUND_NAME)
        & ~truncated_etp
        & ~name.str.contains(_NON_COMMON_NAME)
        & ~non_partnership_units
        & ~pl.col("symbol").is_in(derived.implode())
    )


def is_fund_name(issue_name: str) -> bool:
    """True when an issue name reads as a fund or exchange-traded product."""
    truncated_etp = len(issue_name) == _TRUNCATED_NAME_LENGTH and issue_name.endswith(" ET")
    return truncated_etp or re.search(_FUND_NAME, issue_name) is not None
