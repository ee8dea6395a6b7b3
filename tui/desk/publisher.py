"""The feed's side: publish each job's latest frame to the bucket, and ticks to a subject.

    publisher = FramePublisher(NatsOptions("nats://127.0.0.1:4222"))
    publisher.start()
    receipt = await publisher.publish_stored("quotes", stored, source="yahoo", health=health)
    await publisher.aclose()

A frame published while the server is away is not lost: the latest frame of every job is kept
and sent again as soon as the connection is back (and after every reconnection, so a server that
lost its store gets every dataset again). ``publish`` never raises for a connection problem; its
receipt says whether the frame went out and, if not, why.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import polars as pl
from nats.aio.client import Client

from tui.clock import utc_now
from tui.desk.bucket import ensure_bucket, put_frame
from tui.desk.frames import (
    COMPRESSION,
    FeedContext,
    FrameMeta,
    IpcCompression,
    StoredLike,
    encode_frame,
)
from tui.desk.link import Backoff, LinkStatus, LinkUser, NatsLink, plain_error
from tui.desk.options import DEFAULT_BUCKET, NatsOptions
from tui.desk.ticks import TICKS_SUBJECT, Tick, encode_tick_batches
from tui.models import SourceHealth

log = logging.getLogger("tapewatch.desk")  # the log folder's logger (tui.logs)

SUPERSEDED = "superseded by a newer frame"
RESEND_ROUNDS = 3


@dataclass(frozen=True, slots=True)
class PublishReceipt:
    """What became of one publish."""

    job: str
    sent: bool
    body_bytes: int = 0
    chunks: int = 0  # 0: the frame went in one message
    revision: int = 0  # the head's revision in the bucket
    detail: str = ""  # why it was not sent (it will be, once the connection is back)


@dataclass(slots=True)
class _Latest:
    meta: FrameMeta
    frame: pl.DataFrame
    sent: bool = False
    chunks: int = 0  # chunk keys its last write used (to purge the ones a smaller frame leaves)


class FramePublisher(LinkUser):
    """Publishes frames to ``bucket`` and ticks to ``ticks_subject`` over one kept-up link."""

    def __init__(
        self,
        options: NatsOptions,
        *,
        bucket: str = DEFAULT_BUCKET,
        ticks_subject: str = TICKS_SUBJECT,
        on_status: Callable[[LinkStatus], None] | None = None,
        backoff: Backoff | None = None,
        compression: IpcCompression = COMPRESSION,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.bucket = bucket
        self.ticks_subject = ticks_subject
        self._compression = compression
        self._clock = clock
        self._latest: dict[str, _Latest] = {}
        self._lock = asyncio.Lock()  # one write at a time: a job's chunks never interleave
        self._link = NatsLink(
            options, self._on_connect, on_status=on_status, backoff=backoff, clock=clock
        )

    async def publish(
        self,
        job: str,
        frame: pl.DataFrame,
        *,
        as_of: dt.datetime,
        fetched_at: dt.datetime,
        source: str,
        health: SourceHealth,
        problems: Mapping[str, str] | None = None,
        feed: FeedContext | None = None,
    ) -> PublishReceipt:
        """Publish ``job``'s latest frame (replacing the one in the bucket); ``feed`` says what
        a monitor needs to know about the feed beside it (label, cadence, market clock)."""
        meta = FrameMeta(
            job=job,
            as_of=as_of,
            fetched_at=fetched_at,
            published_at=self._clock(),
            source=source,
            health=health,
            problems=dict(problems or {}),
            rows=frame.height,
            feed=feed or FeedContext(),
        )
        previous = self._latest.get(job)
        latest = _Latest(meta, frame, chunks=previous.chunks if previous else 0)
        self._latest[job] = latest
        client = self._link.client
        if client is None:
            return PublishReceipt(job, sent=False, detail=self._link.status.describe(self._clock()))
        return await self._send(client, latest)

    async def publish_stored(
        self,
        job: str,
        stored: StoredLike,
        *,
        source: str,
        health: SourceHealth,
        feed: FeedContext | None = None,
    ) -> PublishReceipt:
        """``publish`` for what the scheduler's store keeps (frame, as-of, fetched-at, problems)."""
        return await self.publish(
            job,
            stored.frame,
            as_of=stored.as_of,
            fetched_at=stored.fetched_at,
            source=source,
            health=health,
            problems=stored.problems,
            feed=feed,
        )

    async def publish_ticks(self, ticks: Sequence[Tick]) -> bool:
        """Send ticks on the ticks subject (plain NATS, not kept: a monitor that is not listening
        misses them, as it would miss a tick on the wire). False when not connected."""
        client = self._link.client
        if client is None or not ticks:
            return False
        try:
            for batch in encode_tick_batches(ticks, client.max_payload):
                await client.publish(self.ticks_subject, batch)
        except Exception as error:
            log.info("nats: ticks not sent: %s", plain_error(error))
            return False
        return True

    async def _send(self, client: Client, latest: _Latest) -> PublishReceipt:
        job = latest.meta.job
        async with self._lock:
            # Published now: a frame re-sent after a reconnection keeps its as-of and fetch time;
            # the market clock it carries moves on with the publish time.
            now = self._clock()
            meta = latest.meta
            moved = (now - meta.published_at).total_seconds()
            meta = replace(meta, published_at=now, feed=meta.feed.moved_on(moved))
            if latest is not self._latest.get(job):  # a newer frame came while we waited
                return PublishReceipt(job, sent=False, detail=SUPERSEDED)
            try:
                encoded = await asyncio.to_thread(
                    encode_frame, meta, latest.frame, compression=self._compression
                )
                result = await put_frame(
                    client.jetstream(),
                    self.bucket,
                    job,
                    encoded,
                    max_payload=client.max_payload,
                    previous_chunks=latest.chunks,
                )
            except Exception as error:
                detail = plain_error(error)
                log.warning("nats: %s not published: %s", job, detail)
                return PublishReceipt(job, sent=False, detail=f"{detail}; will retry")
            latest.sent = True
            latest.chunks = result.chunks
            return PublishReceipt(
                job,
                sent=True,
                body_bytes=len(encoded.body),
                chunks=result.chunks,
                revision=result.revision,
            )

    async def _on_connect(self, client: Client) -> None:
        """On each connection: make sure the bucket exists, then send every job's latest frame
        again (a server that lost its store, or frames published while it was away)."""
        await ensure_bucket(client.jetstream(), self.bucket)
        for latest in list(self._latest.values()):
            latest.sent = False
        # Frames published while this runs are not sent by publish() (the link is not up yet):
        # go round again for them, a bounded number of times.
        for _ in range(RESEND_ROUNDS):
            unsent = [latest for latest in self._latest.values() if not latest.sent]
            if not unsent:
                return
            for latest in unsent:
                receipt = await self._send(client, latest)
                if not receipt.sent and receipt.detail != SUPERSEDED:
                    raise ConnectionError(f"re-sending {latest.meta.job}: {receipt.detail}")
