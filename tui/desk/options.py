"""Where the desk's NATS server is and how to reach it: URL, credentials file, TLS files.

The names match what NATS clients take (a ``.creds`` file, a CA bundle, a client certificate and
key), so the config's ``[sources.remote]`` and ``tapewatch doctor --nats`` can pass them through.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from tui.config import RemoteSettings

DEFAULT_BUCKET = "tapewatch"


@dataclass(frozen=True, slots=True)
class NatsOptions:
    """How to connect to the desk's NATS server."""

    url: str  # nats://host:4222, tls://host:4222; user:password@ in the URL works too
    creds_file: Path | None = None  # a NATS .creds file (JWT and NKey seed)
    tls_ca_file: Path | None = None  # trust this CA instead of the system's
    tls_cert_file: Path | None = None  # a client certificate, for servers that verify clients
    tls_key_file: Path | None = None
    connect_timeout_s: float = 2.0
    name: str = "tapewatch"  # how the connection shows in the server's monitoring

    @property
    def display_url(self) -> str:
        """The URL without any password or token in it: safe to show and to log."""
        return redact_url(self.url)

    def tls_context(self) -> ssl.SSLContext | None:
        """A TLS context when a TLS file is given; None lets the client decide from the URL."""
        if not (self.tls_ca_file or self.tls_cert_file):
            return None
        context = ssl.create_default_context(
            cafile=str(self.tls_ca_file) if self.tls_ca_file else None
        )
        if self.tls_cert_file:
            key = str(self.tls_key_file) if self.tls_key_file else None
            context.load_cert_chain(str(self.tls_cert_file), key)
        return context

    def connect_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``nats.connect`` (reconnection is left to the caller)."""
        kwargs: dict[str, Any] = {
            "servers": [self.url],
            "name": self.name,
            "connect_timeout": self.connect_timeout_s,
        }
        if self.creds_file is not None:
            kwargs["user_credentials"] = str(self.creds_file)
        context = self.tls_context()
        if context is not None:
            kwargs["tls"] = context
        return kwargs


def options_from_settings(remote: RemoteSettings, *, name: str = "tapewatch") -> NatsOptions:
    """The options of the config's ``[sources.remote]`` (``~`` in a path is the home folder)."""

    def path(text: str) -> Path | None:
        return Path(text).expanduser() if text else None

    return NatsOptions(
        url=remote.url,
        creds_file=path(remote.creds_file),
        tls_ca_file=path(remote.tls_ca_file),
        tls_cert_file=path(remote.tls_cert_file),
        tls_key_file=path(remote.tls_key_file),
        name=name,
    )


def redact_url(url: str) -> str:
    """``nats://alice:secret@host:4222`` -> ``nats://alice:***@host:4222``; a bare token too."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(an unreadable URL)"
    if parts.password is None and parts.username is None:
        return url
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***" if parts.password is not None else "***"
    return urlunsplit((parts.scheme, f"{user}@{host}", parts.path, parts.query, parts.fragment))
