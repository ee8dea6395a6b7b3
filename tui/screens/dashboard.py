"""The dashboard: four live panes and a status bar, fed by the scheduler.

The scheduler (tui.scheduler, no Textual) decides when each dataset is polled and rebuilds the
panes its data feeds, in threads. The screen runs it in one worker and turns its reports into
messages — a pane's new view, a pane whose figures could not be computed, the status bar's new
state — which collapse to the newest when the UI is busy. Each status also tells every pane
without rows whether it is still loading or why its data could not be fetched. Widgets only
render what they are given.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Footer, Static

from tui import market_hours
from tui.clock import utc_now
from tui.config import Settings
from tui.jobs import pane_datasets, stale_panes
from tui.messages import PaneNotComputed, PaneUpdated, PricesMoved, StatusUpdated
from tui.models import Pane, StatusView
from tui.plain import plain
from tui.presenters.extended import is_extended_hours
from tui.presenters.registry import PRESENTERS, PaneView
from tui.presenters.status import DEMO_HINT, no_data_text
from tui.reports import PaneBuilt, PaneFailed, PricesTicked, Report, StatusChanged
from tui.screens.watched import WatchedScreen
from widgets.messages import AlertRequested
from widgets.pane import DataPane
from widgets.pane_grid import PaneGrid
from widgets.panes import PANE_WIDGETS
from widgets.status import StatusBar
from widgets.table import LiveTable

if TYPE_CHECKING:
    from tui.alerts.monitor import AlertMonitor
    from tui.feed import Feed
    from tui.playback import ReplaySource
    from tui.scheduler import Scheduler
    from tui.sources.base import Source
    from tui.stream import PriceStream

log = logging.getLogger("tapewatch.dashboard")

SourceFactory = Callable[[Settings, dt.date | None], "Source"]


def default_source_factory(settings: Settings, as_of: dt.date | None) -> Source:
    from tui.sources.factory import make_source

    return make_source(settings, as_of=as_of)


REPLAY_KEYS = Binding.Group("Replay")


class DashboardScreen(WatchedScreen[None]):
    """Indices, Sector flows, Most shorted and Correlations, with a status bar."""

    # Focus the first table after the first frame, not before it: each focus change rebuilds
    # the footer, and the first frame should not wait for that.
    AUTO_FOCUS = None
    # A zoomed pane (`z`) keeps the status bar and the footer under it (and gives way to the
    # "too small" hint like the other panes).
    ALLOW_IN_MAXIMIZED_VIEW = "#too-small, #status, Footer"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh", "Refresh", id="refresh"),
        Binding("z", "zoom", "Zoom", id="zoom"),
        Binding("tab", "app.focus_next", "Next pane", id="next_pane", show=False),
        Binding("shift+tab", "app.focus_previous", "Previous pane", id="prev_pane", show=False),
        Binding("d", "use_demo", "Demo market", id="use_demo", show=False),
        # A replay's keys, shown in the footer only while one plays, as one group ("p n > <
        # Replay"): beside z and S, four keys with their own words would push Quit out of an
        # 80-column footer (? names each one).
        Binding("p", "replay('toggle_pause')", "Pause", id="replay_pause", group=REPLAY_KEYS),
        Binding("n", "replay('step')", "Step", id="replay_step", group=REPLAY_KEYS),
        Binding(
            "greater_than_sign", "replay('faster')", "Faster", id="replay_faster", group=REPLAY_KEYS
        ),
        Binding(
            "less_than_sign", "replay('slower')", "Slower", id="replay_slower", group=REPLAY_KEYS
        ),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        as_of: dt.date | None = None,
        source_factory: SourceFactory | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        record: Path | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.as_of = as_of
        self.record = record  # `--record`: where the session's log goes
        self.source_factory = source_factory or default_source_factory
        self.clock = clock or utc_now
        self.scheduler: Scheduler | None = None
        self._note: str | None = None
        self._last_status: StatusView | None = None
        self._failed_panes: set[Pane] = set()  # panes whose last build raised
        self.alerts: AlertMonitor | None = None  # the alert rules, fed the scheduler's reports
        self._last_focused: Widget | None = None

    @property
    def streams(self) -> bool:
        """Whether streamed prices may come: the running scheduler has a stream, or before it
        is built the settings ask for one (live data, not a replay, a provider on)."""
        if self.scheduler is not None:
            return self.scheduler.stream is not None
        if self.settings.source == "remote":  # whatever the feed streams
            return True
        return (
            self.settings.source == "live"
            and self.as_of is None
            and self.settings.stream.provider != "off"
        )

    @property
    def feed(self) -> Feed | None:
        """What the running scheduler fetches from (the drill-down and the palette use it)."""
        return self.scheduler.feed if self.scheduler is not None else None

    def compose(self) -> ComposeResult:
        with PaneGrid(id="panes"):
            # The panes the config's [layout] puts in the four places, in reading order: in the
            # grid top-left, top-right, bottom-left, bottom-right; stacked, top to bottom.
            for name in self.settings.layout.panes:
                widget = PANE_WIDGETS[Pane(name)](id=name)
                widget.streamed = self.streams  # before the figures: their columns stay put
                yield widget
        yield Static("Terminal too small for tapewatch.\nMake it at least 36 x 12.", id="too-small")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(StatusBar).show(self._placeholder_status())
        self.call_after_refresh(self._focus_first_table)
        # After the first frame too: the scheduler's thread imports polars, and would share the
        # interpreter with the first render.
        self.call_after_refresh(self._start_scheduler)
        # Cheap UI work only: ages and the clock in the status bar.
        self.set_interval(1.0, self._publish_status)

    # -- the scheduler ---------------------------------------------------------------------

    def _focus_first_table(self) -> None:
        if self.focused is None:
            self.query(DataPane).first().table.focus()

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

    @work(group="scheduler", exclusive=True, exit_on_error=False)
    async def _start_scheduler(self, settings: Settings | None = None) -> None:
        """Build the source and the scheduler off the event loop (polars is imported here), then
        run the scheduler until this worker is cancelled."""
        settings = settings or self.settings
        try:
            scheduler = await asyncio.to_thread(self._make_scheduler, settings)
        except Exception as error:  # a broken source must say so, not leave "loading…" forever
            log.exception("could not start the %s source", settings.source)
            # The error can quote a path or a file's content: plain text (tui.plain).
            self._note = plain(
                f"could not start the {settings.source} source: {error} · {DEMO_HINT}"
            )
            self.query_one(StatusBar).show(replace(self._placeholder_status(), note=self._note))
            for widget in self.query(DataPane):
                widget.set_missing(f"no data — {self._note}")
            self.notify(self._note, severity="error", timeout=10, markup=False)
            return
        self.scheduler = scheduler
        self._note = None
        self.refresh_bindings()  # a replay's keys show in the footer now
        # Before the first figures, so that they come into columns already there: whether the
        # source streams after all (a live source may be the demo's), and the market's session.
        for widget in self.query(DataPane):
            widget.streamed = self.streams
        self._publish_status()
        from tui.screens.alerts import attach_alerts

        await attach_alerts(self, scheduler)
        await scheduler.run()

    def _make_scheduler(self, settings: Settings) -> Scheduler:
        from tui.cache import Cache
        from tui.scheduler import PushedFrames, Scheduler

        source = self.source_factory(settings, self.as_of)
        replaying = isinstance(source, PushedFrames)
        # Live data is kept on disk for the next start, and only live data streams (a remote
        # monitor streams what the desk's feed relays); the demo and a replay need no copy.
        live = not source.is_demo and self.as_of is None and not replaying
        recorder = None
        if self.record is not None and not replaying:
            from tui.recording import Recorder

            recorder = Recorder(self.record, clock=self.clock, market_clock=source.now)
        stream: PriceStream | None = None
        if live and settings.source == "live":
            from tui.stream import make_stream

            stream = make_stream(settings, clock=self.clock)
        elif settings.source == "remote":
            from tui.sources.remote import RemoteSource

            stream = source.stream if isinstance(source, RemoteSource) else None
        return Scheduler(
            settings,
            source,
            cache=Cache.default() if live else None,
            # A replay runs on its own clock: ages and stale marks as they were then.
            clock=source.now if replaying else self.clock,
            report=self._on_report,
            recorder=recorder,
            stream=stream,
        )

    def _on_report(self, report: Report) -> None:
        """The scheduler's reports, as messages (called on the event loop)."""
        if self.alerts is not None:
            self.alerts.note(report)
        match report:
            case PaneBuilt(pane, view):
                self._failed_panes.discard(pane)
                self.post_message(PaneUpdated(pane, view))
            case StatusChanged(status):
                self.post_message(StatusUpdated(status))
            case PricesTicked(moves):
                self.post_message(PricesMoved(moves))
            case PaneFailed(pane, message):
                # The pane says so over its last view; the log has the traceback.
                self.post_message(PaneNotComputed(pane, message))
                if pane not in self._failed_panes:  # told once per failing spell
                    self._failed_panes.add(pane)
                    self.notify(
                        f"{PRESENTERS[pane].title} could not be updated: {message}",
                        severity="error",
                        timeout=10,
                        markup=False,
                    )

    def _publish_status(self) -> None:
        if self.scheduler is None:
            return
        self.post_message(StatusUpdated(self.scheduler.status(self._note)))

    def status_now(self) -> StatusView:
        """What the status bar says now (the drill-down shows the same)."""
        if self.scheduler is not None:
            return self.scheduler.status(self._note)
        return self._last_status or replace(self._placeholder_status(), note=self._note)

    # -- messages --------------------------------------------------------------------------

    def _pane(self, pane: Pane) -> DataPane[PaneView] | None:
        """The widget of ``pane``, None when the layout does not show it."""
        found = self.query(f"#{pane.value}").results(DataPane)
        return next(found, None)

    @on(PaneUpdated)
    def _show_pane(self, message: PaneUpdated) -> None:
        widget = self._pane(message.pane)
        if widget is not None:
            widget.show(message.view)
        self._refresh_freshness()

    @on(PricesMoved)
    def _show_ticks(self, message: PricesMoved) -> None:
        moves = {move.symbol: move for move in message.moves}
        for pane in Pane:
            widget = self._pane(pane)
            if widget is not None:
                widget.tick(moves)
        if self.app.screen is not self:  # the drill-down on top shows its symbol's moves too
            self.app.screen.post_message(PricesMoved(message.moves))

    def watch_symbols(self, owner: str, symbols: Iterable[str]) -> None:
        """``owner`` (the drill-down) shows these symbols: stream them too, while it does."""
        if self.scheduler is not None:
            self.scheduler.watch_symbols(owner, symbols)

    @on(PaneNotComputed)
    def _show_failure(self, message: PaneNotComputed) -> None:
        widget = self._pane(message.pane)
        if widget is not None:
            widget.set_build_failure(message.error)

    @on(StatusUpdated)
    def _show_status(self, message: StatusUpdated) -> None:
        status = message.status
        if status == self._last_status:
            return
        self._last_status = status
        self.query_one(StatusBar).show(status)
        self._refresh_freshness()

    def _refresh_freshness(self) -> None:
        """Each pane's stale mark, when its data is old or behind the market calendar (the pane
        shows its own as-of), why a pane without rows has none, and whether the market is in
        extended hours (their columns are laid out then)."""
        status = self._last_status
        if status is None:
            return
        stale = set(Pane) if status.sessions_behind else stale_panes(status.datasets)
        extended = is_extended_hours(status.session)
        for pane in Pane:
            widget = self._pane(pane)
            if widget is None:
                continue  # not in the layout
            widget.set_stale(pane in stale)
            # The market's clock, not the figures, brings the extended-hours columns.
            widget.extended_hours = extended
            datasets = pane_datasets(pane, status.datasets)
            widget.set_missing(no_data_text(datasets, is_demo=status.is_demo))

    # -- focus across a terminal too small for the panes ------------------------------------

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self._last_focused = event.widget

    def on_resize(self, event: events.Resize) -> None:
        # Hidden panes lose the focus; when they show again, the table that had it gets it
        # back, its cursor row in view (else no key reaches a table until Tab).
        self.call_after_refresh(self._restore_focus)

    def _restore_focus(self) -> None:
        table = self._last_focused
        if self.focused is None and isinstance(table, LiveTable) and table in self.focus_chain:
            self.set_focus(table)
            table.move_cursor(table.cursor_row)

    @on(AlertRequested)
    def _new_alert(self, message: AlertRequested) -> None:
        message.stop()
        self.request_alert(Pane(message.pane), message.key)

    def request_alert(self, pane: Pane, key: str) -> None:
        """Open the alert form for the row ``key`` of ``pane`` (`a` on a row, here or on a
        screen over the dashboard's data)."""
        self._open_alert_form(pane, key)

    @work(group="alert-form", exclusive=True, exit_on_error=False)
    async def _open_alert_form(self, pane: Pane, key: str) -> None:
        from tui.screens.alerts import new_alert_from_row

        await new_alert_from_row(self, pane, key)

    # -- zoom ------------------------------------------------------------------------------

    def action_zoom(self) -> None:
        """Zoom the focused pane to the whole screen, every column shown; `z` again or Esc
        (Textual's own key for a maximized widget) brings the panes back."""
        if self.maximized is not None:
            self.minimize()
            return
        slots = self.query_one(PaneGrid)
        node = self.focused
        while node is not None and node.parent is not slots:
            node = node.parent if isinstance(node.parent, Widget) else None
        if node is not None:
            self.maximize(node, container=False)

    def watch_maximized(self, zoomed: Widget | None) -> None:
        for pane in self.query(DataPane):
            pane.zoomed = pane is zoomed

    # -- actions ---------------------------------------------------------------------------

    def action_refresh(self) -> None:
        """Poll every dataset now."""
        if self.scheduler is not None:
            self.scheduler.wake()
        self.notify("Refreshing…", timeout=1.5)

    def _replay(self) -> ReplaySource | None:
        from tui.playback import ReplaySource

        source = self.scheduler.source if self.scheduler is not None else None
        return source if isinstance(source, ReplaySource) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "replay":  # hidden and off unless a replay plays
            return self.scheduler is not None and self._replay() is not None
        return True

    def action_replay(self, control: str) -> None:
        """Pause or resume the replay, step one frame, play it faster or slower."""
        replay = self._replay()
        if replay is None or control not in ("toggle_pause", "step", "faster", "slower"):
            return
        getattr(replay, control)()
        self._publish_status()

    def action_use_demo(self) -> None:
        """Switch to the embedded demo market (offered when live sources are unreachable)."""
        if self.scheduler is not None and self.scheduler.source.is_demo:
            return
        self.workers.cancel_group(self, "scheduler")
        previous, self.scheduler = self.scheduler, None
        self.settings = replace(self.settings, source="demo")
        self.as_of = None
        self._start_scheduler(self.settings)
        if previous is not None:
            self.run_worker(previous.aclose(), group="close", exit_on_error=False)

    async def on_unmount(self) -> None:
        if self.scheduler is not None:
            await self.scheduler.aclose()

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
