"""What a price stream hands its caller: ticks, and the stream's state. No textual import."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from tui.market_hours import Session


@dataclass(frozen=True, slots=True)
class Tick:
    """One price update for one symbol.

    ``change`` and ``change_pct`` are against the previous regular close when the source says so
    (Yahoo does; trade feeds do not, and leave them None). ``day_volume`` is the day's cumulative
    volume when the source sends it, ``size`` the size of this trade when the source is a trade
    feed. ``volume_is_consolidated`` is False for IEX-only feeds (Alpaca's free feed, Finnhub):
    their volumes cover one exchange, so RelVol and the flow estimate must keep using the
    consolidated volume of bars and never these.
    """

    symbol: str
    ts: dt.datetime  # aware UTC: when the price was made (the trade, or Yahoo's quote time)
    price: float
    source: str  # "yahoo-stream", "alpaca-iex", "finnhub"
    session: Session | None = None  # pre / regular / post when the source says; else None
    change: float | None = None
    change_pct: float | None = None
    day_volume: float | None = None
    size: float | None = None
    bid: float | None = None
    ask: float | None = None
    volume_is_consolidated: bool = True


class StreamPhase(StrEnum):
    """Where a stream client is in its life."""

    CONNECTING = "connecting"  # opening the socket, authenticating, subscribing
    LIVE = "live"  # frames arriving
    SILENT = "silent"  # connected, but nothing arrived for too long while the market is open
    RECONNECTING = "reconnecting"  # waiting out a back-off before the next attempt
    FAILED = "failed"  # gave up: the provider refused the key; polling must take over
    STOPPED = "stopped"  # not started, or stopped by its owner


@dataclass(frozen=True, slots=True)
class StreamState:
    """A snapshot of a stream client's state, in the terms the status bar shows.

    Only ``LIVE`` means prices are arriving: in every other phase the caller polls instead.
    """

    source: str
    phase: StreamPhase
    detail: str  # plain words: why it is in this phase ("Alpaca refused the key: auth failed")
    since: dt.datetime  # aware UTC: when the phase began
    retry_at: dt.datetime | None = None  # RECONNECTING: when the next attempt starts
    ticks_per_s: float = 0.0  # over the last few seconds
    ticks: int = 0  # since the client was made
    skipped_frames: int = 0  # garbage or truncated frames skipped since the client was made

    @property
    def live(self) -> bool:
        """Prices are arriving: polling for the subscribed symbols can slow down."""
        return self.phase is StreamPhase.LIVE

    def label(self, now: dt.datetime) -> str:
        """A short status-bar text: ``live 12.5/s``, ``reconnecting in 8s``, ``silent``."""
        if self.phase is StreamPhase.LIVE:
            return f"live {self.ticks_per_s:.1f}/s"
        if self.phase is StreamPhase.RECONNECTING and self.retry_at is not None:
            seconds = max(0, round((self.retry_at - now).total_seconds()))
            return f"reconnecting in {seconds}s"
        return self.phase.value
