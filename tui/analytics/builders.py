"""Which function builds each pane's view: the one registry the scheduler, the dashboard and
`tapewatch snapshot` consult. Pure functions of (MarketData, Settings); no textual, no I/O."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from tui.analytics import views
from tui.analytics.market import MarketData
from tui.config import Settings
from tui.models import Pane, PaneView

PaneBuilder = Callable[[MarketData, Settings], PaneView]

BUILDERS: Mapping[Pane, PaneBuilder] = {
    Pane.INDICES: views.build_indices,
    Pane.SECTORS: views.build_sectors,
    Pane.SHORTS: views.build_shorts,
    Pane.CORRELATIONS: views.build_correlations,
}
