"""The one wall clock and the one time zone a trader reads times in. No textual, no polars.

Everything that needs "now" takes a clock argument defaulting to `utc_now`, so tests and the demo
market can stop or speed time; everything shown to a trader is in New York time.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")


def utc_now() -> dt.datetime:
    """The wall clock, timezone-aware UTC."""
    return dt.datetime.now(dt.UTC)
