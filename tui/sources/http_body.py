"""A reply's body, read within a cap: the largest decoded reply each kind of request may bring
(``ReplyLimit``), and the streamed read that stops at it, decoding gzip or deflate chunk by chunk
so that a compressed bomb is stopped at the cap instead of being inflated whole. No textual
import. The client that sends the requests is tui.sources.http."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Final

import httpx

from tui.sources.base import Failed, FailureKind

# Only encodings the client can inflate with a bound on the output are asked for.
ACCEPT_ENCODING: Final = "gzip, deflate"

MB: Final = 1_000_000


@dataclass(frozen=True, slots=True)
class ReplyLimit:
    """The largest decoded reply one kind of request may bring, and what to call that kind in a
    failure: ``ReplyLimit("one chart", 8 * MB)`` gives "yahoo sent more than 8 MB for one chart"."""

    what: str
    max_bytes: int


# For callers that name no limit of their own.
DEFAULT_REPLY_LIMIT: Final = ReplyLimit("one reply", 16 * MB)


class _Inflater:
    """Decodes a reply body chunk by chunk, never producing more than asked for, so that a
    compressed bomb is stopped at the cap instead of being inflated whole."""

    def __init__(self, encoding: str) -> None:
        self._identity = encoding == "identity"
        wbits = (zlib.MAX_WBITS | 16) if encoding == "gzip" else zlib.MAX_WBITS
        self._inflater = zlib.decompressobj(wbits)
        # "deflate" is zlib-wrapped by the standard, raw by some servers: until the two bytes of
        # a zlib header have been read, what came is kept to start again as raw deflate.
        self._head: bytes | None = b"" if encoding == "deflate" else None
        self._fed = 0

    def decode(self, data: bytes, max_length: int) -> bytes:
        """At most ``max_length`` (> 0) decoded bytes of ``data``; raises zlib.error."""
        if self._identity:
            return data
        self._fed += len(data)
        if self._head is None:
            return self._inflater.decompress(data, max_length)
        self._head += data
        try:
            decoded = self._inflater.decompress(data, max_length)
        except zlib.error:
            head, self._head = self._head, None
            self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            return self._inflater.decompress(head, max_length)
        if len(self._head) >= 2:
            self._head = None
        return decoded

    @property
    def complete(self) -> bool:
        """Whether the compressed stream ended properly (or there was none)."""
        return self._identity or self._fed == 0 or self._inflater.eof


def _inflater_for(content_encoding: str) -> _Inflater | None:
    """The decoder of a Content-Encoding header, or None for one we did not ask for."""
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return _Inflater("identity")
    if len(codings) == 1 and codings[0] in ("gzip", "x-gzip", "deflate"):
        return _Inflater("deflate" if codings[0] == "deflate" else "gzip")
    return None


def _size_text(size: int) -> str:
    """A byte count in plain words: 8 MB, 64 kB, 300 bytes."""
    if size >= MB:
        return f"{size / MB:g} MB"
    if size >= 1000:
        return f"{size / 1000:g} kB"
    return f"{size} bytes"


def cut(text: str, length: int = 60) -> str:
    """A value from a server, short enough to quote in a message."""
    return text if len(text) <= length else text[: length - 1] + "…"


async def read_body(response: httpx.Response, source: str, limit: ReplyLimit) -> bytes | Failed:
    """The decoded body, read as a stream that stops as soon as the reply, on the wire or once
    decoded, exceeds ``limit``; a Content-Length above it is refused before reading anything."""
    cap = limit.max_bytes
    too_large = Failed(
        source,
        FailureKind.HTTP,
        f"{source} sent more than {_size_text(cap)} for {limit.what}; ignored",
    )
    declared = response.headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > cap:
        return too_large
    encoding = response.headers.get("content-encoding", "")
    inflater = _inflater_for(encoding)
    if inflater is None:
        message = f"{source} sent its reply in an encoding it was not asked for ({cut(encoding)})"
        return Failed(source, FailureKind.HTTP, message)
    if response.is_stream_consumed:  # a transport that read it already (a mock) decoded it too
        return response.content if len(response.content) <= cap else too_large
    parts: list[bytes] = []
    on_the_wire = decoded = 0
    try:
        async for raw in response.aiter_raw():
            on_the_wire += len(raw)
            if on_the_wire > cap:
                return too_large
            # One byte more than the room left: getting it means the cap is exceeded.
            part = inflater.decode(raw, cap - decoded + 1)
            decoded += len(part)
            if decoded > cap:
                return too_large
            parts.append(part)
    except zlib.error:
        pass
    else:
        if inflater.complete:
            return b"".join(parts)
    message = f"{source} sent a compressed reply that could not be decompressed"
    return Failed(source, FailureKind.HTTP, message)
