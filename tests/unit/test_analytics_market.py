"""MarketData, and the registry of pane builders on an empty market."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from tui.analytics.builders import BUILDERS
from tui.analytics.market import empty_market_data
from tui.analytics.ticker import build_ticker
from tui.config import Settings
from tui.models import Pane
from tui.presenters.correlations import CorrelationsView
from tui.presenters.indices import IndicesView
from tui.presenters.sectors import SectorsView
from tui.presenters.shorts import ShortsView
from tui.sources.base import SCHEMAS, Dataset

NOW = dt.datetime(2026, 2, 11, 18, 0, tzinfo=dt.UTC)  # Wednesday 13:00 in New York


def test_empty_market_data_has_every_schema_and_nothing_in_it() -> None:
    data = empty_market_data(NOW)
    assert data.quotes.schema == SCHEMAS[Dataset.QUOTES]
    assert data.daily.schema == data.intraday.schema == SCHEMAS[Dataset.BARS]
    assert data.short_interest.schema == SCHEMAS[Dataset.SHORT_INTEREST]
    assert data.short_volume.schema == SCHEMAS[Dataset.SHORT_VOLUME]
    assert data.shares.schema == SCHEMAS[Dataset.SHARES]
    assert all(
        frame.is_empty()
        for frame in (data.quotes, data.daily, data.intraday, data.short_interest, data.shares)
    )
    assert (data.now, dict(data.info), dict(data.problems)) == (NOW, {}, {})


def test_replace_returns_a_new_market_and_leaves_the_old_one() -> None:
    data = empty_market_data(NOW)
    later = NOW + dt.timedelta(minutes=1)
    updated = data.replace(now=later, problems={"X": "not found"})
    assert (updated.now, dict(updated.problems)) == (later, {"X": "not found"})
    assert (data.now, dict(data.problems)) == (NOW, {})
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.now = later  # type: ignore[misc]


def test_every_pane_has_a_builder_that_accepts_an_empty_market() -> None:
    data = empty_market_data(NOW)
    views = {pane: BUILDERS[pane](data, Settings()) for pane in Pane}
    indices, sectors = views[Pane.INDICES], views[Pane.SECTORS]
    shorts, correlations = views[Pane.SHORTS], views[Pane.CORRELATIONS]
    assert isinstance(indices, IndicesView) and indices.as_of is None
    assert isinstance(sectors, SectorsView) and sectors.as_of is None
    assert isinstance(shorts, ShortsView) and shorts.rows == ()
    assert isinstance(correlations, CorrelationsView) and correlations.as_of is None
    ticker = build_ticker(data, "AAPL", "1D", Settings())
    assert (ticker.name, ticker.last, ticker.prices, ticker.short) == ("", None, (), None)
