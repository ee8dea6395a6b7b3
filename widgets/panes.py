"""Which widget shows each pane: the dashboard's places take any of them (`[layout] panes`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tui.models import Pane
from widgets.correlations import CorrelationsPane
from widgets.indices import IndicesPane
from widgets.pane import DataPane
from widgets.sectors import SectorsPane
from widgets.shorts import ShortsPane
from widgets.watchlist import WatchlistPane

PANE_WIDGETS: Mapping[Pane, type[DataPane[Any]]] = {
    Pane.INDICES: IndicesPane,
    Pane.SECTORS: SectorsPane,
    Pane.SHORTS: ShortsPane,
    Pane.CORRELATIONS: CorrelationsPane,
    Pane.WATCHLIST: WatchlistPane,
}
