"""Build the Source the settings ask for. Called in a worker thread: it imports polars."""

from __future__ import annotations

import datetime as dt

from tui.cache import Cache
from tui.config import Settings
from tui.sources.base import Source


def make_source(
    settings: Settings, *, as_of: dt.date | None = None, cache: Cache | None = None
) -> Source:
    """The demo market, the user's files, the live feeds, or a desk's feed; replayed at `as_of`
    when given (not a desk's feed: the feed itself replays, with `tapewatch feed --as-of`)."""
    source: Source
    if settings.source == "remote":
        if as_of is not None:
            raise ValueError("a remote monitor shows what the feed publishes: replay on the feed")
        from tui.sources.remote import RemoteSource

        return RemoteSource(settings)
    if settings.source == "demo":
        from tui.sources.demo import DemoMarket

        hours, minutes = settings.demo.start.split(":")
        start = dt.time(int(hours), int(minutes))
        source = DemoMarket(settings.demo.seed, settings.demo.speed, start_time=start)
    elif settings.source == "files":
        from tui.sources.files import FilesSource

        source = FilesSource(settings.sources.files)
    else:
        from tui.sources.live import LiveSource

        source = LiveSource(settings, cache=cache if cache is not None else Cache.default())
    if as_of is not None:
        from tui.sources.replay import AsOfSource

        source = AsOfSource(source, as_of)
    return source
