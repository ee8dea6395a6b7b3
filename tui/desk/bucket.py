"""The desk's JetStream key-value bucket: one key per dataset, chunk keys for frames that do not
fit in one message.

Keys: ``frame.<job>`` holds a frame's headers (and its body, when it fits); a larger body is split
over ``chunk.<job>.0`` … ``chunk.<job>.<n-1>``, each tagged with the body's digest. The feed writes
the chunks first and the head last, so a head always names chunks that are already there; a
reader that finds a chunk of another digest knows a newer frame is being written and waits for
its head. The chunk keys of a job are reused from one frame to the next (the bucket keeps one
revision per key), so the bucket never grows with the number of frames published.

nats-py's key-value API neither sends nor returns headers, so values are published to the
bucket's subjects (``$KV.<bucket>.<key>``, exactly what a key-value put does) and read from its
stream, headers included. Any NATS key-value client still sees the keys and their values.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping
from dataclasses import dataclass

import nats.js.api as api
import nats.js.errors
from nats.js.client import JetStreamContext

from tui.desk.frames import H_CHUNK, H_CHUNKS, H_DIGEST, Encoded, FrameRejected
from tui.desk.link import LinkWait

FRAME_KEY_PREFIX = "frame."
CHUNK_KEY_PREFIX = "chunk."
# Room left in every message for its headers (the head's are well under 2 KiB: the health
# detail is capped); the rest of the server's max_payload carries body bytes.
HEADER_ALLOWANCE = 2048
MIN_CHUNK_BYTES = 1024
OPERATION_TIMEOUT_S = 10.0


class FrameSuperseded(Exception):
    """A chunk belongs to a newer frame than the head being read: that frame's head follows."""


def frame_key(job: str) -> str:
    return f"{FRAME_KEY_PREFIX}{job}"


def chunk_key(job: str, index: int) -> str:
    return f"{CHUNK_KEY_PREFIX}{job}.{index}"


def stream_name(bucket: str) -> str:
    return f"KV_{bucket}"


def key_subject(bucket: str, key: str) -> str:
    return f"$KV.{bucket}.{key}"


def job_of_subject(bucket: str, subject: str) -> str | None:
    """``$KV.tapewatch.frame.quotes`` -> ``quotes``; None for any other subject."""
    prefix = key_subject(bucket, FRAME_KEY_PREFIX)
    return subject[len(prefix) :] if subject.startswith(prefix) else None


def chunk_bytes(max_payload: int) -> int:
    """Body bytes per message on a server that accepts ``max_payload`` bytes per message."""
    size = max_payload - HEADER_ALLOWANCE
    if size < MIN_CHUNK_BYTES:
        raise ValueError(
            f"the server's max_payload is {max_payload} bytes; tapewatch needs at least "
            f"{MIN_CHUNK_BYTES + HEADER_ALLOWANCE}"
        )
    return size


async def ensure_bucket(js: JetStreamContext, bucket: str) -> None:
    """Create the bucket if it does not exist (one revision per key, kept on disk)."""
    try:
        await js.key_value(bucket)
    except nats.js.errors.BucketNotFoundError:
        await js.create_key_value(
            api.KeyValueConfig(
                bucket=bucket,
                description="tapewatch: the latest frame of every dataset",
                history=1,
                storage=api.StorageType.FILE,
                direct=True,
            )
        )


async def require_bucket(js: JetStreamContext, bucket: str) -> None:
    """LinkWait (in plain words) when the bucket is not there: the feed has not run yet."""
    try:
        await js.key_value(bucket)
    except nats.js.errors.BucketNotFoundError:
        raise LinkWait(f"no bucket `{bucket}` yet (is `tapewatch feed` running?)") from None
    except nats.js.errors.ServiceUnavailableError:
        raise LinkWait("JetStream is not enabled on this server (start it with -js)") from None


@dataclass(frozen=True, slots=True)
class PutResult:
    revision: int  # the head's stream sequence
    chunks: int  # 0: the body went inline


async def put_frame(
    js: JetStreamContext,
    bucket: str,
    job: str,
    encoded: Encoded,
    *,
    max_payload: int,
    previous_chunks: int = 0,
) -> PutResult:
    """Write one frame: its chunks (if it needs them), then its head. Chunk keys the previous
    frame used beyond this one's are purged."""
    per_message = chunk_bytes(max_payload)
    body = encoded.body
    headers = dict(encoded.headers)
    if len(body) <= per_message:
        count = 0
        head_body = body
    else:
        count = math.ceil(len(body) / per_message)
        for index in range(count):
            part = body[index * per_message : (index + 1) * per_message]
            chunk_headers = {H_DIGEST: encoded.digest, H_CHUNK: str(index)}
            await js.publish(
                key_subject(bucket, chunk_key(job, index)),
                part,
                headers=chunk_headers,
                timeout=OPERATION_TIMEOUT_S,
            )
        head_body = b""
    headers[H_CHUNKS] = str(count)
    ack = await js.publish(
        key_subject(bucket, frame_key(job)),
        head_body,
        headers=headers,
        timeout=OPERATION_TIMEOUT_S,
    )
    for stale in range(count, previous_chunks):
        await js.publish(
            key_subject(bucket, chunk_key(job, stale)),
            headers={"KV-Operation": "PURGE", "Nats-Rollup": "sub"},
            timeout=OPERATION_TIMEOUT_S,
        )
    return PutResult(ack.seq, count)


async def read_body(
    js: JetStreamContext,
    bucket: str,
    job: str,
    headers: Mapping[str, str],
    inline: bytes,
) -> bytes:
    """The whole body a head names: inline, or gathered from its chunks.

    Raises FrameSuperseded when a newer frame has replaced the chunks, FrameRejected when a
    chunk is missing or the chunk count is not a number."""
    text = headers.get(H_CHUNKS, "0")
    try:
        count = int(text)
    except ValueError:
        raise FrameRejected(job, f"{H_CHUNKS} is not a whole number: {text!r}") from None
    if count <= 0:
        return inline
    digest = headers.get(H_DIGEST, "")
    stream = stream_name(bucket)

    async def fetch(index: int) -> bytes:
        subject = key_subject(bucket, chunk_key(job, index))
        try:
            message = await js.get_msg(stream, subject=subject, direct=True)
        except nats.js.errors.NotFoundError:
            raise FrameRejected(job, f"chunk {index} of {count} is missing") from None
        chunk_headers = message.headers or {}
        if chunk_headers.get(H_DIGEST) != digest:
            raise FrameSuperseded(job)
        return message.data or b""

    parts = await asyncio.gather(*(fetch(index) for index in range(count)))
    return b"".join(parts)
