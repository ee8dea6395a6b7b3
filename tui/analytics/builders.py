"""Which function builds each pane's view: the one registry the scheduler, the dashboard and
`tapewatch snapshot` consult. Pure functions of (MarketData, Settings); no textual, no I/O.

Each builder lives in its pane's module, `tui/analytics/<pane>.py`, with the figures it computes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from tui.analytics.correlations import build_correlations
from tui.analytics.indices import build_indices
from tui.analytics.market import MarketData
from tui.analytics.sectors import build_sectors
from tui.analytics.shorts import build_shorts
from tui.analytics.watchlist import build_watchlist
from tui.config import Settings
from tui.models import Pane
from tui.presenters.registry import PaneView

PaneBuilder = Callable[[MarketData, Settings], PaneView]

BUILDERS: Mapping[Pane, PaneBuilder] = {
    Pane.INDICES: build_indices,
    Pane.SECTORS: build_sectors,
    Pane.SHORTS: build_shorts,
    Pane.CORRELATIONS: build_correlations,
    Pane.WATCHLIST: build_watchlist,
}
