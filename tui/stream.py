"""The tick path: prices a stream pushes, made cheap enough for a hundred ticks a second. No
textual.

A `PriceStream` sits beside the scheduler (tui.scheduler runs it as one task). Ticks come in
through `push` — from its own websocket client (tui.sources.streaming: Yahoo's streamer, Alpaca's
IEX trades, Finnhub's trades), or from anything else that has ticks, such as the desk feed
daemon's `tapewatch.ticks` subject — and go three ways:

1. Coalesced: a `TickBook` keeps only the newest tick per symbol, and every ``flush_s`` (a few
   times a second) the book is drained into `PriceMove`s: per symbol its new regular-session
   price or extended-hours price and which way it moved. A tick older than the price already
   known, or for a symbol nothing has priced yet, moves nothing. The host turns the moves into
   a light update of the rows that show those symbols (their price cells, with a brief signed
   highlight), with no pane rebuilt.
2. Folded: every ``fold_s`` the prices that moved are written into the quotes frame of the store
   (`overlay`, polars in a thread), which rebuilds the panes whole: baskets, flows and everything
   else that depends on prices catch up, and the quotes' age stays that of the newest price.
3. Kept over polls: a quotes poll that answers with an older price than a tick gave does not
   replace it (`overlay` again, on the polled frame).

Whether prices are streaming is the client's state (`StreamState`): only LIVE is; in any other
phase the quotes job polls at its own cadence and the status bar says `yahoo stream ⚠ polling`.
While live the quotes poll slows to ``[stream] live_quotes``. The client runs only while the
market is open (pre, regular or post market) and something is on screen to subscribe.

Feeding it from elsewhere (the desk daemon's ticks): build it with no provider
(``PriceStream(None, ...)``), run it beside the scheduler, and call ``push(Tick(...))`` on the event
loop for each tick; ``set_state`` tells it whether that feed is live. The other way round,
``relay_to`` hands each flush's ticks (the newest of each symbol) to a listener as well: the desk
feed publishes them to its monitors.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol

from tui import market_hours
from tui.clock import utc_now
from tui.market_hours import Session
from tui.models import StreamView
from tui.presenters.ticks import PriceMove
from tui.sources.sanity import CLOCK_SKEW, sane_price
from tui.symbols import subscription_order

if TYPE_CHECKING:
    import polars as pl

    from tui.config import Settings
    from tui.sources.streaming import StreamClient, StreamProvider, StreamState, Tick

log = logging.getLogger("tapewatch.stream")

FLUSH_S: Final = 0.25  # how often coalesced ticks reach the screen
FOLD_S: Final = 5.0  # how often streamed prices are written into the quotes frame
MARKET_CHECK_S: Final = 30.0  # how often the client is started or stopped with the market

# The names the status bar gives each provider, by its Tick.source.
PROVIDER_NAMES: Final[Mapping[str, str]] = {
    "yahoo-stream": "yahoo",
    "alpaca-iex": "alpaca",
    "finnhub": "finnhub",
}
_EXT_SESSIONS: Final = (Session.PRE, Session.POST)


class TickBook:
    """Ticks waiting for the next flush: only the newest of each symbol is kept, so a burst
    costs a dictionary entry per symbol, not a row per tick."""

    def __init__(self) -> None:
        self._newest: dict[str, Tick] = {}
        self.received = 0  # ticks added since the book was made

    def add(self, tick: Tick) -> None:
        self.received += 1
        held = self._newest.get(tick.symbol)
        if held is None or tick.ts >= held.ts:
            self._newest[tick.symbol] = tick

    def drain(self) -> list[Tick]:
        """The newest tick of each symbol since the last drain."""
        ticks, self._newest = list(self._newest.values()), {}
        return ticks

    def __len__(self) -> int:
        return len(self._newest)


@dataclass(slots=True)
class _Known:
    """The newest price known for a symbol: polled or streamed."""

    ts: dt.datetime | None
    last: float | None
    ext_ts: dt.datetime | None = None
    ext_last: float | None = None


@dataclass(frozen=True, slots=True)
class Streamed:
    """What the stream has said of one symbol, to write over the quotes frame: its newest
    regular-session price (and the day's consolidated volume, when the feed has it) and its newest
    extended-hours price."""

    source: str
    ts: dt.datetime | None = None
    last: float | None = None
    day_volume: float | None = None
    ext_ts: dt.datetime | None = None
    ext_last: float | None = None
    ext_session: str | None = None


def tick_session(tick: Tick) -> Session:
    """The session a tick was made in: as the feed says, else by the NYSE calendar."""
    return tick.session if tick.session is not None else market_hours.session_at(tick.ts)


def _direction(new: float, old: float | None) -> int:
    if old is None or math.isclose(new, old, rel_tol=0.0, abs_tol=1e-9):
        return 0
    return 1 if new > old else -1


class PriceBook:
    """The newest price of every symbol shown, and what the stream changed of it.

    `seed` it with each stored quotes frame; `apply` a flush's ticks to get the moves."""

    def __init__(self) -> None:
        self._known: dict[str, _Known] = {}
        self._streamed: dict[str, Streamed] = {}
        self.changed_since_fold = False

    def seed(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """The prices of a stored quotes frame: (symbol, ts, last, ext_ts, ext_last) rows."""
        known: dict[str, _Known] = {}
        for symbol, ts, last, ext_ts, ext_last in rows:
            known[symbol] = _Known(
                ts,
                last,
                ext_ts if isinstance(ext_ts, dt.datetime) else None,
                ext_last if isinstance(ext_last, float) else None,
            )
        self._known = known

    def apply(self, ticks: Iterable[Tick]) -> list[PriceMove]:
        """The moves the ticks make: each newer than what is known of its symbol (a tick for a
        symbol nothing has priced, or at most as new as the price shown, moves nothing)."""
        moves: list[PriceMove] = []
        for tick in ticks:
            known = self._known.get(tick.symbol)
            if known is None or not sane_price(tick.symbol, tick.price):
                continue
            session = tick_session(tick)
            previous = self._streamed.get(tick.symbol) or Streamed(tick.source)
            if session in _EXT_SESSIONS:
                if known.ext_ts is not None and tick.ts <= known.ext_ts:
                    continue
                if known.ts is not None and tick.ts <= known.ts:
                    continue
                base = known.ext_last if known.ext_last is not None else known.last
                moves.append(
                    PriceMove(
                        tick.symbol,
                        tick.ts,
                        tick.source,
                        _direction(tick.price, base),
                        ext_last=tick.price,
                        ext_session=session.value,
                    )
                )
                known.ext_ts, known.ext_last = tick.ts, tick.price
                self._streamed[tick.symbol] = Streamed(
                    tick.source,
                    previous.ts,
                    previous.last,
                    previous.day_volume,
                    tick.ts,
                    tick.price,
                    session.value,
                )
            elif session is Session.REGULAR:
                if known.ts is not None and tick.ts <= known.ts:
                    continue
                moves.append(
                    PriceMove(
                        tick.symbol,
                        tick.ts,
                        tick.source,
                        _direction(tick.price, known.last),
                        last=tick.price,
                    )
                )
                known.ts, known.last = tick.ts, tick.price
                known.ext_ts = known.ext_last = None  # the regular session has begun
                volume = tick.day_volume if tick.volume_is_consolidated else None
                self._streamed[tick.symbol] = Streamed(
                    tick.source, tick.ts, tick.price, volume or previous.day_volume
                )
            # Overnight trading (Yahoo's "extended hours" outside pre and post) is not shown.
        if moves:
            self.changed_since_fold = True
        return moves

    def streamed(self) -> dict[str, Streamed]:
        """What the stream changed, for `overlay` (a copy: the thread that folds it may run
        while ticks go on arriving)."""
        self.changed_since_fold = False
        return dict(self._streamed)

    def forget(self) -> None:
        """The stream is over: polls own the prices again."""
        self._streamed.clear()
        self.changed_since_fold = False


def overlay(frame: pl.DataFrame, streamed: Mapping[str, Streamed]) -> pl.DataFrame:
    """``frame`` (QUOTES_SCHEMA) with what the stream said written over it, where it is newer:
    a regular-session price moves last, ts, the day's high and low, the source (and the volume,
    from a consolidated feed); an extended-hours price moves the ext columns. A symbol the frame
    lacks is left out. CPU work on a whole frame: call it in a thread."""
    import polars as pl

    if not streamed or frame.is_empty():
        return frame
    updates = pl.DataFrame(
        [
            (symbol, s.source, s.ts, s.last, s.day_volume, s.ext_ts, s.ext_last, s.ext_session)
            for symbol, s in streamed.items()
        ],
        schema={
            "symbol": pl.String(),
            "_source": pl.String(),
            "_ts": frame.schema["ts"],
            "_last": pl.Float64(),
            "_volume": pl.Float64(),
            "_ext_ts": frame.schema["ts"],
            "_ext_last": pl.Float64(),
            "_ext_session": pl.String(),
        },
        orient="row",
    )
    newer = pl.col("_ts").is_not_null() & (pl.col("ts").is_null() | (pl.col("_ts") > pl.col("ts")))
    ext_newer = (
        pl.col("_ext_ts").is_not_null()
        & (pl.col("ext_ts").is_null() | (pl.col("_ext_ts") > pl.col("ext_ts")))
        & (pl.col("ts").is_null() | (pl.col("_ext_ts") > pl.col("ts")))
    )
    merged = frame.join(updates, on="symbol", how="left").with_columns(
        _newer=newer.fill_null(False), _ext_newer=ext_newer.fill_null(False)
    )
    moved = pl.col("_newer")
    return merged.with_columns(
        ts=pl.when(moved).then("_ts").otherwise("ts"),
        last=pl.when(moved).then("_last").otherwise("last"),
        high=pl.when(moved).then(pl.max_horizontal("high", "_last")).otherwise("high"),
        low=pl.when(moved).then(pl.min_horizontal("low", "_last")).otherwise("low"),
        volume=pl.when(moved & pl.col("_volume").is_not_null()).then("_volume").otherwise("volume"),
        source=pl.when(moved | pl.col("_ext_newer")).then("_source").otherwise("source"),
        ext_last=pl.when("_ext_newer")
        .then("_ext_last")
        .when(moved)
        .then(None)
        .otherwise("ext_last"),
        ext_ts=pl.when("_ext_newer").then("_ext_ts").when(moved).then(None).otherwise("ext_ts"),
        ext_session=pl.when("_ext_newer")
        .then("_ext_session")
        .when(moved)
        .then(None)
        .otherwise("ext_session"),
    ).select(frame.columns)


class StreamHost(Protocol):
    """What a PriceStream tells the one who runs it (the scheduler)."""

    def prices_moved(self, moves: list[PriceMove]) -> None:
        """Coalesced moves, for the rows that show those symbols (called on the event loop)."""
        ...

    async def fold_streamed(self) -> None:
        """Write what the stream changed into the stored quotes frame."""
        ...

    def stream_changed(self, live: bool) -> None:
        """The stream's state changed (``live``: prices are arriving)."""
        ...

    def record_tick(self, tick: Tick) -> None:
        """Keep the tick in the session's recording (`--record`), when there is one."""
        ...


ClientFactory = Callable[
    ["StreamProvider", Callable[["Tick"], None], Callable[["StreamState"], None]], "StreamClient"
]


def _default_client(
    provider: StreamProvider,
    on_tick: Callable[[Tick], None],
    on_state: Callable[[StreamState], None],
) -> StreamClient:
    from tui.sources.streaming import StreamClient

    return StreamClient(provider, on_tick=on_tick, on_state=on_state)


class PriceStream:
    """One stream of prices beside the scheduler: what it subscribes to, its ticks coalesced
    and folded, and its state for the status bar.

    ``provider`` None: no client of its own (ticks come through `push`); ``failure`` says why a
    configured provider could not be made (no key): it then never goes live and says so.
    """

    def __init__(
        self,
        provider: StreamProvider | None,
        *,
        name: str,
        clock: Callable[[], dt.datetime] = utc_now,
        market_open: Callable[[dt.datetime], bool] | None = None,
        live_quotes_s: float = 60.0,
        streams_indices: bool = True,
        max_symbols: int | None = None,
        failure: str | None = None,
        flush_s: float = FLUSH_S,
        fold_s: float = FOLD_S,
        client_factory: ClientFactory = _default_client,
    ) -> None:
        self.name = name  # "yahoo", "alpaca", "finnhub", "desk"
        self.live_quotes_s = live_quotes_s
        # A feed that prices the indices too (Yahoo's): while it is live the quotes poll can
        # slow down. Trade feeds do not carry indices, which keep their cadence.
        self.streams_indices = streams_indices
        # The provider's cap on the symbols of a connection (Yahoo's 100; None: no cap): the
        # symbols past it (`subscription_order`) are not streamed and keep their polls.
        self.max_symbols = max_symbols
        self.failure = failure
        self.book = TickBook()
        self.prices = PriceBook()
        self._provider = provider
        self._clock = clock
        self._market_open = market_open or (
            lambda now: market_hours.session_at(now) is not Session.CLOSED
        )
        self._flush_s = flush_s
        self._fold_s = fold_s
        self._client_factory = client_factory
        self._client: StreamClient | None = None
        self._watched: dict[str, frozenset[str]] = {}
        self._ticks_waiting = asyncio.Event()
        self._live = False
        self._state: StreamState | None = None
        self._host: StreamHost | None = None
        self._relay: Callable[[list[Tick]], None] | None = None

    # -- what to stream ------------------------------------------------------------------

    @property
    def symbols(self) -> frozenset[str]:
        """Every symbol something on screen shows."""
        return frozenset().union(*self._watched.values()) if self._watched else frozenset()

    def watch(self, owner: str, symbols: Iterable[str]) -> None:
        """``owner`` (a pane, the drill-down) shows these symbols now (replacing what it
        showed before); the subscription follows."""
        wanted = frozenset(symbol for symbol in symbols if symbol)
        if self._watched.get(owner) == wanted:
            return
        if wanted:
            self._watched[owner] = wanted
        else:
            self._watched.pop(owner, None)
        if self._client is not None:
            self._client.subscribe(self.symbols)

    # -- ticks ---------------------------------------------------------------------------

    def push(self, tick: Tick) -> None:
        """One tick (on the event loop): kept for the next flush, and recorded."""
        self.book.add(tick)
        if self._host is not None:
            self._host.record_tick(tick)
        self._ticks_waiting.set()

    def seed(self, frame: pl.DataFrame) -> None:
        """The stored quotes frame (after a poll or a fold): the prices ticks are measured
        against."""
        self.prices.seed(frame.select("symbol", "ts", "last", "ext_ts", "ext_last").iter_rows())

    def relay_to(self, listener: Callable[[list[Tick]], None]) -> None:
        """Hand every flush's ticks (the newest of each symbol since the last flush) to
        ``listener`` too, on the event loop: the desk feed publishes them."""
        self._relay = listener

    def flush(self) -> list[PriceMove]:
        """The moves of the ticks kept since the last flush (a tick stamped later than the
        clock allows is left out, as a polled row would be: it would hold its price for good)."""
        latest = self._clock() + CLOCK_SKEW
        ticks = [tick for tick in self.book.drain() if tick.ts <= latest]
        if self._relay is not None and ticks:
            self._relay(ticks)
        return self.prices.apply(ticks)

    def streamed(self) -> dict[str, Streamed]:
        return self.prices.streamed()

    # -- state ---------------------------------------------------------------------------

    @property
    def live(self) -> bool:
        """Prices are arriving: the quotes poll may slow down."""
        return self._live

    def set_state(self, state: StreamState) -> None:
        """The client's state (or the state of whatever feeds `push`)."""
        self._state = state
        live = state.live
        if live != self._live:
            self._live = live
            if self._host is not None:
                self._host.stream_changed(live)

    def quotes_cadence(self, cadence_s: float) -> float:
        """Seconds between quotes polls: slower while the stream is live and prices the indices
        too, else the job's own."""
        if self._live and self.streams_indices and self.live_symbols == self.symbols:
            return max(cadence_s, self.live_quotes_s)
        return cadence_s  # (and while some symbols on screen are past the provider's cap)

    @property
    def live_symbols(self) -> frozenset[str]:
        """The symbols streaming now (none unless live; those within the provider's cap): the
        feed may poll them less."""
        if not self._live:
            return frozenset()
        if self.max_symbols is None or len(self.symbols) <= self.max_symbols:
            return self.symbols
        return frozenset(subscription_order(self.symbols)[: self.max_symbols])

    def view(self) -> StreamView:
        """What the status bar says of the stream."""
        now = self._clock()
        # Meant to stream: the market is open and rows are on screen (a provider that could not
        # be made says so from the open).
        active = self._market_open(now) and (bool(self.symbols) or self.failure is not None)
        state = self._state
        client = self._client
        rate = client.state.ticks_per_s if client is not None else 0.0
        detail = self.failure or (state.detail if state is not None else "")
        return StreamView(
            provider=self.name,
            active=active,
            live=self._live,
            ticks_per_s=rate,
            detail=detail,
        )

    # -- running -------------------------------------------------------------------------

    def attach(self, host: StreamHost) -> None:
        """Tell ``host`` of state changes from now on (`run` attaches its host)."""
        self._host = host

    async def run(self, host: StreamHost) -> None:
        """Flush, fold, and start or stop the client with the market, until cancelled."""
        self.attach(host)
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._flush_loop(host), name="stream flush")
                group.create_task(self._fold_loop(host), name="stream fold")
                if self._provider is not None and self.failure is None:
                    group.create_task(self._market_loop(), name="stream market")
        finally:
            await self._stop_client()

    async def _flush_loop(self, host: StreamHost) -> None:
        while True:
            await self._ticks_waiting.wait()
            # Ticks that come within the next moment join this flush: a burst is one update.
            await asyncio.sleep(self._flush_s)
            self._ticks_waiting.clear()
            moves = self.flush()
            if moves:
                host.prices_moved(moves)

    async def _fold_loop(self, host: StreamHost) -> None:
        while True:
            await asyncio.sleep(self._fold_s)
            if self.prices.changed_since_fold:
                await host.fold_streamed()

    async def _market_loop(self) -> None:
        while True:
            market_open = self._market_open(self._clock())
            wanted = market_open and bool(self.symbols)
            if wanted and self._client is None:
                self._start_client()
            elif not wanted and self._client is not None:
                await self._stop_client()
            # Soon again while the market is open and the first rows are still to come.
            waiting_for_rows = market_open and self._client is None
            await asyncio.sleep(1.0 if waiting_for_rows else MARKET_CHECK_S)

    def _start_client(self) -> None:
        assert self._provider is not None
        client = self._client_factory(self._provider, self.push, self.set_state)
        client.subscribe(self.symbols)
        self._client = client
        client.start()
        log.info("%s stream started for %d symbols", self.name, len(self.symbols))

    async def _stop_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                await client.stop()
            self.prices.forget()
            if self._live:
                self._live = False
                if self._host is not None:
                    self._host.stream_changed(False)


def make_stream(
    settings: Settings,
    *,
    clock: Callable[[], dt.datetime] = utc_now,
    environ: Mapping[str, str] | None = None,
) -> PriceStream | None:
    """The stream ``[stream]`` asks for, or None when it is off. A keyed provider without a
    usable key gives a stream that never goes live and says why (the quotes are polled)."""
    config = settings.stream
    if config.provider == "off":
        return None
    from tui.sources.streaming import (
        AlpacaCredentials,
        AlpacaStream,
        FinnhubStream,
        KeyUnavailable,
        YahooStream,
        load_finnhub_token,
    )
    from tui.sources.streaming.yahoo import MAX_SYMBOLS as YAHOO_MAX_SYMBOLS

    key_file = Path(config.key_file).expanduser() if config.key_file else None
    provider: StreamProvider | None = None
    failure: str | None = None
    try:
        match config.provider:
            case "yahoo":
                provider = YahooStream(config.url) if config.url else YahooStream()
            case "alpaca":
                credentials = AlpacaCredentials.load(key_file, environ=environ)
                provider = (
                    AlpacaStream(credentials, config.url)
                    if config.url
                    else AlpacaStream(credentials)
                )
            case "finnhub":
                token = load_finnhub_token(key_file, environ=environ)
                provider = FinnhubStream(token, config.url) if config.url else FinnhubStream(token)
    except KeyUnavailable as error:
        failure = str(error)
        log.warning("%s stream unavailable: %s", config.provider, failure)
    return PriceStream(
        provider,
        name=config.provider,
        clock=clock,
        live_quotes_s=config.live_quotes,
        streams_indices=config.provider == "yahoo",
        max_symbols=YAHOO_MAX_SYMBOLS if config.provider == "yahoo" else None,
        failure=failure,
    )
