"""Test frames in the dataset schemas, built from the few fields a test cares about."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from tui.sources.base import QUOTES_SCHEMA


def quotes(records: Iterable[Mapping[str, Any]], *, ts: dt.datetime) -> pl.DataFrame:
    """QUOTES_SCHEMA rows: each record names its symbol and prices; the rest defaults (no day
    range or volume, a regular-session quote at ``ts``)."""
    defaults = {
        "ts": ts,
        "prev_close": None,
        "open": None,
        "high": None,
        "low": None,
        "volume": None,
        "session": "regular",
        "delayed_s": 0,
        "source": "test",
    }
    return pl.DataFrame([{**defaults, **record} for record in records], schema=QUOTES_SCHEMA)
