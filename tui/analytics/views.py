"""Transitional: tui/feed.py (being reworked in parallel) still imports these from here.

Delete this module when feed.py imports `short_candidates` from `tui.analytics.shorts` and
`build_ticker` from `tui.analytics.ticker` (the issue 6 merge).
"""

from tui.analytics.shorts import short_candidates
from tui.analytics.ticker import build_ticker

__all__ = ["build_ticker", "short_candidates"]
