"""A remote monitor says when the feed has gone quiet while the NATS link is still up."""

from __future__ import annotations

import datetime as dt

from tui.config import Settings
from tui.desk.link import LinkState, LinkStatus
from tui.jobs import JobName
from tui.models import SourceHealth
from tui.sources.remote import FeedSilence, RemoteSource

AT = dt.datetime(2026, 2, 10, 15, 30, tzinfo=dt.UTC)  # 10:30 ET


def seconds_later(seconds: float) -> dt.datetime:
    return AT + dt.timedelta(seconds=seconds)


def test_the_feed_is_silent_after_twice_its_quickest_cadence_without_a_frame() -> None:
    silence = FeedSilence()
    assert silence.silent_since(seconds_later(600)) is None  # nothing heard yet: no verdict
    silence.note(JobName.QUOTES, AT, 15.0)
    silence.note(JobName.SHORT_INTEREST, seconds_later(5), 3600.0)
    assert silence.silent_since(seconds_later(35)) is None  # 30 s since the last frame
    assert silence.silent_since(seconds_later(35.5)) == seconds_later(5)
    silence.note(JobName.QUOTES, seconds_later(40), 15.0)  # the feed is back
    assert silence.silent_since(seconds_later(41)) is None


def test_a_feed_that_names_no_cadence_is_never_called_silent() -> None:
    silence = FeedSilence()
    silence.note(JobName.QUOTES, AT, None)
    assert silence.silent_since(seconds_later(3600)) is None


def test_the_status_bar_says_feed_offline_and_since_when_while_the_link_is_up() -> None:
    remote = RemoteSource(Settings(source="remote"), clock=lambda: AT)
    connected = LinkStatus(LinkState.CONNECTED, "nats://127.0.0.1:4222")
    remote._on_link(connected)
    remote._silence.note(JobName.QUOTES, AT, 15.0)
    assert remote.connection(seconds_later(10)) == (SourceHealth("nats", "ok"), None)
    health, note = remote.connection(seconds_later(31))
    expected = "the feed has published nothing since 10:30:00 ET: is `tapewatch feed` running?"
    assert health == SourceHealth("feed", "offline", detail=expected)
    assert note == expected
    # With the link itself down, the link's trouble is what the bar says.
    remote._on_link(LinkStatus(LinkState.RECONNECTING, "nats://127.0.0.1:4222", detail="refused"))
    health, note = remote.connection(seconds_later(31))
    assert health.name == "nats" and note == "nats reconnecting (refused)"
