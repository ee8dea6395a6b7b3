"""End to end, a desk: a real nats-server, a real `tapewatch feed` on the loopback market (Yahoo,
FINRA and the SEC on 127.0.0.1), and two real monitors with `source = "remote"` in tmux (a
private socket), read off their screens.

- both monitors show the same figures, and the feed's health;
- killing the feed (SIGKILL) marks every pane stale on both, after twice the feed's cadence,
  and nothing asks the market for anything meanwhile;
- restarting the feed makes both fresh again, the monitors untouched;
- killing nats-server (SIGKILL) is said on both ("nats reconnecting"), and restarting it on the same
  port and store recovers both;
- the feed stops on SIGTERM with exit status 0.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.clean_env import clean_env
from tests.faultserver import FaultServer
from tests.loopback_market import LoopbackMarket, session_moment, sources_toml
from tests.natsserver import NatsServer
from widgets.pane import STALE_MARK

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

TAPEWATCH = Path(sys.executable).with_name("tapewatch")
CADENCE_S = 3  # every dataset, on the feed: stale on the monitors after 6 s without it
WAIT_S = 45.0
PANES = ("Indices", "Sector flows", "Most shorted", "Correlations")  # all four at 120 x 40


class MarketThread:
    """The loopback market, served by its own event loop in a thread (the test itself waits on
    screens and processes)."""

    def __init__(self) -> None:
        self.server: FaultServer | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="loopback market", daemon=True)

    def start(self) -> str:
        self._thread.start()
        if not self._ready.wait(30) or self.server is None:
            raise RuntimeError(f"the loopback market did not start: {self._error!r}")
        return self.server.url

    def requests(self) -> int:
        assert self.server is not None
        return len(self.server.requests)

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as error:  # reported by start()
            self._error = error
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with FaultServer() as server:
            await LoopbackMarket.start(server, moment=session_moment(dt.datetime.now(dt.UTC)))
            self.server = server
            self._ready.set()
            await self._stop.wait()


def _tmux(socket: str, *args: str) -> str:
    done = subprocess.run(
        ["tmux", "-L", socket, *args], capture_output=True, text=True, timeout=10, check=False
    )
    return done.stdout


class Monitor:
    """A monitor in a detached tmux session on the test's own tmux server."""

    def __init__(self, socket: str, name: str) -> None:
        self.socket = socket
        self.name = name

    def screen(self) -> str:
        return _tmux(self.socket, "capture-pane", "-p", "-t", self.name)

    def keys(self, *keys: str) -> None:
        _tmux(self.socket, "send-keys", "-t", self.name, *keys)

    def wait_for(self, predicate: Callable[[str], bool], what: str) -> str:
        deadline = time.monotonic() + WAIT_S
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                return screen
            time.sleep(0.25)
        raise AssertionError(f"{self.name}: timed out waiting for {what}; screen was:\n{screen}")


class Pane:
    """A pane's box on a captured screen, found by its title: in the grid from 120 columns two
    panes stand side by side, so a pane is a range of columns as well as of lines."""

    def __init__(self, screen: str, title: str) -> None:
        lines = screen.splitlines()
        top = next(i for i, line in enumerate(lines) if f"─ {title} ─" in line)
        heading = lines[top]
        self.left = heading.rindex("╭", 0, heading.index(f"─ {title} ─"))
        self.right = heading.index("╮", self.left)
        # Down to its bottom border, or to the status bar for a pane that runs off the screen.
        bottom = next(
            (i for i in range(top + 1, len(lines)) if lines[i][self.left : self.left + 1] == "╰"),
            len(lines) - 2,
        )
        self._rows = lines[top + 1 : bottom]
        self.border = lines[bottom][self.left : self.right + 1] if bottom < len(lines) - 2 else ""

    def rows(self) -> list[str]:
        """Its rows of figures inside the border, without the last column: a pane's scrollbar
        stands there and shows where each monitor has scrolled."""
        return [row[self.left + 1 : self.right - 1].rstrip() for row in self._rows]

    def stale(self) -> bool:
        return STALE_MARK in self.border


def same_figures(monitors: list[Monitor], titles: tuple[str, ...]) -> None:
    """Wait (bounded) until the monitors show the same rows in the panes ``titles``: each
    builds its panes when the feed's frames reach it."""
    deadline = time.monotonic() + WAIT_S
    while True:
        screens = [monitor.screen() for monitor in monitors]
        differ = [
            title
            for title in titles
            if len({tuple(Pane(screen, title).rows()) for screen in screens}) > 1
        ]
        if not differ:
            for title in titles:
                rows = Pane(screens[0], title).rows()
                assert any("%" in row for row in rows), f"{title} shows no figures"
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{differ} differ:\n" + "\n---\n".join(screens))
        time.sleep(0.25)


def showing_data(screen: str) -> bool:
    return "DESK LIVE" in screen and "S&P 500" in screen and "XLK" in screen and "%" in screen


def fresh(screen: str) -> bool:
    return showing_data(screen) and "nats ok" in screen and STALE_MARK not in screen


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[dict[str, object]]:
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed (.ci/run installs it)")
    market = MarketThread()
    base = market.start()
    nats = NatsServer(tmp_path / "nats")
    nats.start()
    socket = f"tapewatch-desk-{uuid.uuid4().hex[:8]}"
    feed_config = tmp_path / "feed.toml"
    feed_config.write_text(
        f"""
source = "live"
[shorted]
rows = 12
[refresh]
quotes = {CADENCE_S}
intraday = {CADENCE_S}
daily = {CADENCE_S}
short_interest = {CADENCE_S}
short_volume = {CADENCE_S}
shares = {CADENCE_S}
[http]
retries = 1
# The loopback market plays Yahoo, FINRA and the SEC on one host: one request budget for all
# three, polled every few seconds, where the real hosts have one each.
requests_per_minute = 6000
budget_burst = 100
{sources_toml(base)}"""
    )
    monitor_config = tmp_path / "desk.toml"
    monitor_config.write_text(f'source = "remote"\n[sources.remote]\nurl = "{nats.url}"\n')
    env = clean_env(tmp_path)
    feeds: list[subprocess.Popen[bytes]] = []

    def start_feed() -> subprocess.Popen[bytes]:
        log = (tmp_path / "feed.out").open("ab")
        feed = subprocess.Popen(
            [str(TAPEWATCH), "feed", "--config", str(feed_config), "--nats", nats.url],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        feeds.append(feed)
        return feed

    def start_monitor(name: str, width: int, height: int) -> Monitor:
        command = " ".join(
            [
                "env -i",
                *(f"{key}='{value}'" for key, value in env.items()),
                str(TAPEWATCH),
                "--config",
                str(monitor_config),
            ]
        )
        _tmux(socket, "new-session", "-d", "-s", name, "-x", str(width), "-y", str(height), command)
        _tmux(socket, "set-option", "-t", name, "remain-on-exit", "on")
        return Monitor(socket, name)

    try:
        yield {
            "market": market,
            "nats": nats,
            "start_feed": start_feed,
            "start_monitor": start_monitor,
            "feed_log": tmp_path / "feed.out",
        }
    finally:
        for feed in feeds:
            if feed.poll() is None:
                feed.kill()
                feed.wait(10)
        _tmux(socket, "kill-server")
        nats.stop()
        market.stop()


def test_two_monitors_follow_one_feed_through_its_restart_and_the_servers(
    desk: dict[str, object],
) -> None:
    market: MarketThread = desk["market"]  # type: ignore[assignment]
    nats: NatsServer = desk["nats"]  # type: ignore[assignment]
    start_feed: Callable[[], subprocess.Popen[bytes]] = desk["start_feed"]  # type: ignore[assignment]
    start_monitor: Callable[[str, int, int], Monitor] = desk["start_monitor"]  # type: ignore[assignment]
    feed_log: Path = desk["feed_log"]  # type: ignore[assignment]

    feed = start_feed()
    monitors = [start_monitor("desk-a", 120, 40), start_monitor("desk-b", 120, 40)]

    # The same figures on both, with the feed's health: Most shorted is priced once short
    # interest and share counts are in.
    for monitor in monitors:
        monitor.wait_for(
            lambda s: (
                fresh(s) and all(f"{name} ok" in s for name in ("yahoo", "finra", "sec", "ssga"))
            ),
            "the dashboard from the feed",
        )
    same_figures(monitors, ("Indices", "Sector flows", "Most shorted"))

    # The feed dies: every pane goes stale on both after twice its cadence; nobody else asks
    # the market for anything.
    feed.kill()
    feed.wait(10)
    asked = market.requests()
    for monitor in monitors:
        monitor.wait_for(
            lambda s: "S&P 500" in s and all(Pane(s, title).stale() for title in PANES),
            "every pane stale",
        )
        # The server is there; the feed is not, and the status bar says so in words.
        screen = monitor.wait_for(
            lambda s: "the feed has published nothing since" in s, "the silent feed said"
        )
        assert "is `tapewatch feed` running?" in screen and "nats reconnecting" not in screen
    assert market.requests() == asked

    # The feed comes back: both monitors are fresh again without a restart.
    feed = start_feed()
    for monitor in monitors:
        monitor.wait_for(fresh, "fresh data after the feed's restart")

    # nats-server dies: both say so; it comes back on the same port and store: both recover.
    nats.kill()
    for monitor in monitors:
        monitor.wait_for(lambda s: "nats reconnecting" in s, "the lost connection said")
    nats.start()
    for monitor in monitors:
        monitor.wait_for(fresh, "fresh data after nats-server's restart")

    feed.send_signal(signal.SIGTERM)
    assert feed.wait(20) == 0, feed_log.read_text()
    assert feed_log.read_text().rstrip().endswith("tapewatch feed: stopped")
    for monitor in monitors:
        monitor.keys("q")
