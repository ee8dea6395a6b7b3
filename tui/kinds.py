"""Names shared by the sources, the job table and source health. No polars, no textual: the job
table and the status bar's health order import these before the first frame.

The Source protocol and the frame schemas (tui.sources.base) use them; so do tui.jobs, which says
which frame schema and which source role each job has, and tui.health, which turns a failure
into a state for the status bar.
"""

from __future__ import annotations

from enum import StrEnum


class Dataset(StrEnum):
    """A frame schema: the kind of frame a source returns and the store keeps (tui.sources.base
    holds the schema of each). Several jobs may keep frames of one kind: daily and intraday
    bars are both BARS."""

    QUOTES = "quotes"
    BARS = "bars"
    SHORT_INTEREST = "short_interest"
    SHORT_VOLUME = "short_volume"
    SHARES = "shares"
    FUND_NAV = "fund_nav"
    FUND_HOLDINGS = "fund_holdings"


class SourceRole(StrEnum):
    """What a source is asked for, as far as who answers goes: a composite source (the live one)
    names the part that plays each role, for the status bar's health line."""

    PRICES = "prices"  # quotes and bars
    SHORT_DATA = "short_data"  # short interest and short-sale volume
    SHARES = "shares"  # shares outstanding and float
    FUNDS = "funds"  # the sector funds' NAV history and holdings (SSGA's files)


class FailureKind(StrEnum):
    """Why a fetch failed, in the terms the status bar shows."""

    TIMEOUT = "timeout"
    OFFLINE = "offline"  # connection refused, DNS failure, reset
    RATE_LIMITED = "rate_limited"  # HTTP 429, or a circuit still open after one
    HTTP = "http"  # any other non-success status
    PARSE = "parse"  # the reply arrived but was not in the expected format
    NOT_AVAILABLE = "not_available"  # the source cannot provide this dataset (e.g. a missing key)
    NOT_CONFIGURED = "not_configured"  # an optional dataset the user has not set up (a folder)
