"""The dashboard: four live panes and a status bar, fed by one async worker per dataset.

The screen owns the feed. Its workers loop fetch -> store -> sleep; a single rebuild worker turns
changed data into views in a thread (so the event loop never waits on polars) and posts them as
messages, which collapse to the newest when the UI is busy. Widgets only render what they are given.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui import market_hours
from tui.clock import utc_now
from tui.config import Settings
from tui.messages import PaneUpdated, StatusUpdated
from tui.models import Pane, StatusView
from tui.presenters.registry import PaneView
from widgets.correlations import CorrelationsPane
from widgets.indices import IndicesPane
from widgets.messages import BasketSelected
from widgets.pane import DataPane
from widgets.sectors import SectorsPane
from widgets.shorts import ShortsPane
from widgets.status import StatusBar

if TYPE_CHECKING:
    from tui.feed import Feed, Job
    from tui.sources.base import Source

log = logging.getLogger("tapewatch.dashboard")

SourceFactory = Callable[[Settings, dt.date | None], "Source"]

# Which jobs each pane's figures come from, for its stale mark.
PANE_JOBS: dict[Pane, tuple[str, ...]] = {
    Pane.INDICES: ("quotes", "intraday", "daily"),
    Pane.SECTORS: ("quotes", "daily"),
    Pane.SHORTS: ("short_interest", "short_volume", "shares", "quotes"),
    Pane.CORRELATIONS: ("daily",),
}


# Jobs to run again at once when a job brings new data they depend on.
FOLLOWERS: dict[str, tuple[str, ...]] = {
    "short_interest": ("shares", "quotes"),
    "shares": ("quotes",),
}


def default_source_factory(settings: Settings, as_of: dt.date | None) -> Source:
    from tui.sources.factory import make_source

    return make_source(settings, as_of=as_of)


class DashboardScreen(Screen[None]):
    """Indices, Sector flows, Most shorted and Correlations, with a status bar."""

    # Focus the first table after the first frame, not before it: each focus change rebuilds
    # the footer, and the first frame should not wait for that.
    AUTO_FOCUS = None

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh", "Refresh", id="refresh"),
        Binding("tab", "app.focus_next", "Next pane", id="next_pane", show=False),
        Binding("shift+tab", "app.focus_previous", "Previous pane", id="prev_pane", show=False),
        Binding("d", "use_demo", "Demo market", id="use_demo", show=False),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        as_of: dt.date | None = None,
        source_factory: SourceFactory | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.as_of = as_of
        self.source_factory = source_factory or default_source_factory
        self.clock = clock or utc_now
        self.feed: Feed | None = None
        self._wake: dict[str, asyncio.Event] = {}
        self._dirty: set[Pane] = set()
        self._rebuild_wanted = asyncio.Event()
        self._note: str | None = None
        self._last_status: StatusView | None = None

    def compose(self) -> ComposeResult:
        with Container(id="panes"):
            yield IndicesPane(id="indices")
            yield SectorsPane(id="sectors")
            yield ShortsPane(id="shorts")
            yield CorrelationsPane(id="correlations")
        yield Static("Terminal too small for tapewatch.\nMake it at least 36 x 12.", id="too-small")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(StatusBar).show(self._placeholder_status())
        self.call_after_refresh(self._focus_first_table)
        # After the first frame too: the feed's thread imports polars, and would share the
        # interpreter with the first render.
        self.call_after_refresh(self._start_feed)
        # Cheap UI work only: ages and the clock in the status bar.
        self.set_interval(1.0, self._publish_status)

    # -- the feed --------------------------------------------------------------------------

    def _focus_first_table(self) -> None:
        if self.focused is None:
            self._pane(Pane.INDICES).table.focus()

    def _placeholder_status(self) -> StatusView:
        demo = self.settings.source == "demo"
        now = self.clock()
        return StatusView(
            source_label="DEMO" if demo else self.settings.source.upper(),
            is_demo=demo,
            session=market_hours.session_at(now).value,
            market_time=now,
            wall_time=now,
            datasets=(),
            health=(),
            note="loading market data…",
        )

    @work(group="feed", exclusive=True, exit_on_error=False)
    async def _start_feed(self, settings: Settings | None = None) -> None:
        """Build the source and feed off the event loop (polars is imported here), then poll."""
        settings = settings or self.settings
        try:
            feed = await asyncio.to_thread(self._make_feed, settings)
        except Exception as error:  # a broken source must say so, not leave "loading…" forever
            log.exception("could not start the %s source", settings.source)
            self._note = f"could not start the {settings.source} source: {error} · d: demo market"
            self.query_one(StatusBar).show(replace(self._placeholder_status(), note=self._note))
            self.notify(self._note, severity="error", timeout=10)
            return
        self.feed = feed
        self._note = None
        # The last good data on disk paints at once; the polls then replace it.
        restored = await asyncio.to_thread(feed.load_cached)
        if restored:
            self._mark_dirty(frozenset().union(*(job.panes for job in restored)))
        for job in feed.jobs:
            self._wake[job.name] = asyncio.Event()
            self.run_worker(self._poll(feed, job), group="poll", name=job.name, exit_on_error=False)
        self.run_worker(self._rebuild_loop(feed), group="poll", name="rebuild", exit_on_error=False)

    def _make_feed(self, settings: Settings) -> Feed:
        from tui.cache import Cache
        from tui.feed import Feed

        source = self.source_factory(settings, self.as_of)
        # Live data is kept on disk for the next start; the demo and a replay need no copy.
        keep = not source.is_demo and self.as_of is None
        return Feed(settings, source, clock=self.clock, cache=Cache.default() if keep else None)

    async def _poll(self, feed: Feed, job: Job) -> None:
        wake = self._wake[job.name]
        while True:
            wake.clear()
            result = await feed.refresh(job)
            if result.changed:
                self._mark_dirty(job.panes)
                # New short interest names new stocks: fetch their share counts and prices now,
                # not at the next (daily) share-count poll.
                for follower in FOLLOWERS.get(job.name, ()):
                    self._wake[follower].set()
            self._publish_status()
            delay = result.retry_in_s if result.failure is not None else job.cadence_s
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=delay)

    def _mark_dirty(self, panes: frozenset[Pane]) -> None:
        self._dirty |= panes
        self._rebuild_wanted.set()

    async def _rebuild_loop(self, feed: Feed) -> None:
        """Rebuild dirty panes one batch at a time, so views never arrive out of order; each
        pane is posted as soon as it is built (Indices first), not when the batch is done."""
        while True:
            await self._rebuild_wanted.wait()
            self._rebuild_wanted.clear()
            panes, self._dirty = self._dirty, set()
            data = feed.market_data()
            for pane in (pane for pane in Pane if pane in panes):
                built = await asyncio.to_thread(feed.build, [pane], data)
                self.post_message(PaneUpdated(pane, built[pane]))

    def _publish_status(self) -> None:
        if self.feed is None:
            return
        self.post_message(StatusUpdated(self.feed.status(self._note)))

    # -- messages --------------------------------------------------------------------------

    def _pane(self, pane: Pane) -> DataPane[PaneView]:
        return self.query_one(f"#{pane.value}", DataPane)

    @on(PaneUpdated)
    def _show_pane(self, message: PaneUpdated) -> None:
        self._pane(message.pane).show(message.view)
        self._refresh_freshness()

    @on(StatusUpdated)
    def _show_status(self, message: StatusUpdated) -> None:
        status = message.status
        if status == self._last_status:
            return
        self._last_status = status
        self.query_one(StatusBar).show(status)
        self._refresh_freshness()

    def _refresh_freshness(self) -> None:
        """Each pane's stale mark, when its data is old (the pane shows its own as-of)."""
        status = self._last_status
        if status is None or self.feed is None:
            return
        stale_jobs = {
            job.name
            for job, fresh in zip(self.feed.jobs, status.datasets, strict=True)
            if fresh.stale
        }
        for pane, jobs in PANE_JOBS.items():
            widget = self._pane(pane)
            widget.set_stale(any(job in stale_jobs for job in jobs))

    @on(BasketSelected)
    def _focus_basket(self, message: BasketSelected) -> None:
        message.stop()
        self.query_one(CorrelationsPane).focus_basket(message.name)

    # -- actions ---------------------------------------------------------------------------

    def action_refresh(self) -> None:
        """Poll every dataset now."""
        for wake in self._wake.values():
            wake.set()
        self.notify("Refreshing…", timeout=1.5)

    def action_use_demo(self) -> None:
        """Switch to the embedded demo market (offered when live sources are unreachable)."""
        if self.feed is not None and self.feed.source.is_demo:
            return
        self.workers.cancel_group(self, "poll")
        previous, self.feed = self.feed, None
        self._wake.clear()
        self.settings = replace(self.settings, source="demo")
        self.as_of = None
        self._start_feed(self.settings)
        if previous is not None:
            self.run_worker(previous.aclose(), group="close", exit_on_error=False)

    async def on_unmount(self) -> None:
        if self.feed is not None:
            await self.feed.aclose()

    def symbol_checker(self) -> Callable[[str], str | None]:
        """For the ticker prompt: None when a symbol can be opened, else why not."""

        def check(symbol: str) -> str | None:
            feed = self.feed
            if feed is None:
                return "market data is still loading"
            if feed.source.is_demo and symbol not in feed.known_symbols():
                return f"{symbol} is not in the demo market"
            return None

        return check
