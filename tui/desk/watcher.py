"""The monitor's side: watch the bucket's frames, and the ticks subject.

    async with FrameWatcher(options, schemas=schemas, on_status=show) as watcher:
        async for update in watcher:       # FrameUpdate: job, frame, as_of, source, health…
            store(update)

On start — and again after every reconnection — the watcher yields the latest frame of every
dataset at once, then each new one as it is published. A burst of frames for one dataset
collapses to the newest. A frame whose body equals the last one read for its dataset (the feed
re-published unchanged data) is not read again: its update carries the new times with the frame
already held. A frame that cannot be used (another format version, a schema that does not match)
is reported to ``on_rejected`` and skipped, never yielded.

The connection is kept up with back-off (tui.desk.link); ``status`` and ``on_status`` say where
it stands in plain words.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import nats.js.api as api
import polars as pl
from nats.aio.client import Client
from nats.aio.msg import Msg

from tui.desk.bucket import (
    FRAME_KEY_PREFIX,
    FrameSuperseded,
    job_of_subject,
    key_subject,
    read_body,
    require_bucket,
    stream_name,
)
from tui.desk.frames import H_DIGEST, FrameRejected, FrameUpdate, decode_body, read_meta
from tui.desk.link import Backoff, LinkStatus, LinkUser, NatsLink, plain_error
from tui.desk.options import DEFAULT_BUCKET, NatsOptions
from tui.desk.service import REQUEST_SUBJECT, RequestFailed, request_symbols
from tui.desk.ticks import TICKS_SUBJECT, TickBatch, decode_ticks

log = logging.getLogger("tapewatch.desk")  # the log folder's logger (tui.logs)

# Bodies larger than this are decoded in a thread, off the monitor's event loop.
DECODE_IN_THREAD_BYTES = 256 * 1024
_KV_OPERATION = "KV-Operation"


class FrameWatcher(LinkUser):
    """Yields a FrameUpdate for every frame published to ``bucket``."""

    def __init__(
        self,
        options: NatsOptions,
        *,
        schemas: Mapping[str, pl.Schema],
        bucket: str = DEFAULT_BUCKET,
        on_status: Callable[[LinkStatus], None] | None = None,
        on_rejected: Callable[[FrameRejected], None] | None = None,
        backoff: Backoff | None = None,
        request_subject: str = REQUEST_SUBJECT,
    ) -> None:
        self.bucket = bucket
        self.schemas = dict(schemas)
        self.request_subject = request_subject
        self._on_rejected = on_rejected
        self._pending: dict[str, Msg] = {}  # job -> its newest head not yet read
        self._wakeup = asyncio.Event()
        self._closed = False
        self._held: dict[str, FrameUpdate] = {}  # job -> the last update yielded
        self._link = NatsLink(options, self._on_connect, on_status=on_status, backoff=backoff)

    async def aclose(self) -> None:
        self._closed = True
        self._wakeup.set()
        await super().aclose()

    def __aiter__(self) -> FrameWatcher:
        self.start()
        return self

    async def __anext__(self) -> FrameUpdate:
        while True:
            if self._closed:
                raise StopAsyncIteration
            if not self._pending:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            job = next(iter(self._pending))
            head = self._pending.pop(job)
            update = await self._read(job, head)
            if update is not None:
                self._held[job] = update
                return update

    async def request_symbols(
        self,
        symbols: Sequence[str],
        *,
        jobs: Sequence[str] = (),
        timeout_s: float = 10.0,
        client_name: str = "",
    ) -> list[FrameUpdate]:
        """Ask the feed for symbols not in the published frames, over this watcher's connection
        (see tui.desk.service.request_symbols for what it raises)."""
        client = self._link.client
        if client is None:
            raise RequestFailed(f"not connected: {self.status.describe()}")
        return await request_symbols(
            client,
            symbols,
            schemas=self.schemas,
            jobs=jobs,
            timeout_s=timeout_s,
            subject=self.request_subject,
            client_name=client_name,
        )

    async def _on_connect(self, client: Client) -> None:
        js = client.jetstream()
        await require_bucket(js, self.bucket)

        async def on_head(message: Msg) -> None:
            job = job_of_subject(self.bucket, message.subject)
            if job is None or (message.headers or {}).get(_KV_OPERATION):
                return  # not a frame head, or a key deleted by hand
            self._pending.pop(job, None)  # keep arrival order: a newer head goes to the back
            self._pending[job] = message
            self._wakeup.set()

        # An ordered consumer from the last value of every key: the current frames at once, then
        # each new one. It lives as long as this connection; the next connection makes another.
        await js.subscribe(
            key_subject(self.bucket, f"{FRAME_KEY_PREFIX}>"),
            stream=stream_name(self.bucket),
            cb=on_head,
            ordered_consumer=True,
            deliver_policy=api.DeliverPolicy.LAST_PER_SUBJECT,
        )

    async def _read(self, job: str, head: Msg) -> FrameUpdate | None:
        headers = head.headers or {}
        revision = _revision(head)
        try:
            held = self._held.get(job)
            if held is not None and held.digest and held.digest == headers.get(H_DIGEST):
                meta = read_meta(headers)
                return replace(
                    held, meta=replace(meta, problems=held.meta.problems), revision=revision
                )
            client = self._link.client
            if client is None:
                return None  # the next connection delivers this dataset's newest head again
            body = await read_body(client.jetstream(), self.bucket, job, headers, head.data)
            if len(body) > DECODE_IN_THREAD_BYTES:
                return await asyncio.to_thread(
                    decode_body, headers, body, self.schemas, revision=revision
                )
            return decode_body(headers, body, self.schemas, revision=revision)
        except FrameSuperseded:
            log.debug("nats: %s was replaced while being read; its newer head follows", job)
            return None
        except FrameRejected as rejected:
            log.warning("nats: frame rejected: %s", rejected)
            if self._on_rejected is not None:
                self._on_rejected(rejected)
            return None
        except Exception as error:
            # A chunk read that failed on a live connection: start the connection again, which
            # delivers every dataset's newest head afresh (unchanged bodies are not re-read).
            log.warning("nats: reading %s failed: %s", job, plain_error(error))
            self._link.drop(f"reading {job} failed: {plain_error(error)}")
            return None


class TickWatcher(LinkUser):
    """Yields the tick batches published on ``subject`` while connected (ticks are not kept: a
    batch sent while the connection was down is not seen). A slow reader loses the oldest
    batches beyond ``max_backlog``, counted in ``dropped``."""

    def __init__(
        self,
        options: NatsOptions,
        *,
        subject: str = TICKS_SUBJECT,
        on_status: Callable[[LinkStatus], None] | None = None,
        backoff: Backoff | None = None,
        max_backlog: int = 1000,
    ) -> None:
        self.subject = subject
        self.dropped = 0
        self._backlog: deque[TickBatch] = deque()
        self._max_backlog = max_backlog
        self._wakeup = asyncio.Event()
        self._closed = False
        self._link = NatsLink(options, self._on_connect, on_status=on_status, backoff=backoff)

    async def aclose(self) -> None:
        self._closed = True
        self._wakeup.set()
        await super().aclose()

    def __aiter__(self) -> TickWatcher:
        self.start()
        return self

    async def __anext__(self) -> TickBatch:
        while True:
            if self._closed:
                raise StopAsyncIteration
            if self._backlog:
                return self._backlog.popleft()
            self._wakeup.clear()
            await self._wakeup.wait()

    async def _on_connect(self, client: Client) -> None:
        async def on_ticks(message: Msg) -> None:
            batch = decode_ticks(message.data)
            if batch.unreadable:
                log.info("nats: %d unreadable tick(s) skipped", batch.unreadable)
            if not batch.ticks:
                return
            if len(self._backlog) >= self._max_backlog:
                self._backlog.popleft()
                self.dropped += 1
            self._backlog.append(batch)
            self._wakeup.set()

        await client.subscribe(self.subject, cb=on_ticks)
        await client.flush()  # subscribed at the server before we call ourselves connected


def _revision(message: Msg) -> int:
    """The stream sequence of a JetStream message (its key-value revision); 0 if unknown."""
    try:
        return message.metadata.sequence.stream
    except Exception:  # not a JetStream delivery (no ack subject to read it from)
        return 0
