"""`tapewatch serve`: the monitor in a web browser, through textual-serve.

Every browser session (every tab that opens the page) runs its own `python -m tui` process with
the options `serve` was given (--config, --demo, --as-of); the server only relays its terminal to
the page. There is no authentication: by default it listens on loopback only (open it through an
SSH tunnel, `ssh -L 8000:127.0.0.1:8000 box`), and any other address needs --public, which warns.

The page is served with a Content-Security-Policy that lets it load only from this server:
textual-serve's page asks for a web font from a font CDN, which a desk's browsers should not be
sent to (and often cannot reach); the terminal falls back to a local monospace font.
"""

from __future__ import annotations

import ipaddress
import shlex
import socket
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from aiohttp import web

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",  # the page's start button is an inline handler
        "style-src 'self' 'unsafe-inline'",  # xterm.js styles its rows inline
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self' ws: wss:",  # the terminal's websocket
    ]
)
NO_AUTH_WARNING = (
    "tapewatch: WARNING: serving on {where} with --public. There is no authentication: anyone "
    "who can reach this address and port gets the monitor, and each page they open starts a "
    "tapewatch process on this machine. Put it behind an authenticating reverse proxy, or keep "
    "the default (127.0.0.1) and open it through an SSH tunnel."
)


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: addresses only this machine can reach."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def app_command(app_args: Sequence[str]) -> str:
    """The shell command textual-serve runs per browser session: this Python's `-m tui`."""
    return shlex.join([sys.executable, "-m", "tui", *app_args])


def page_url(host: str, port: int) -> str:
    """Where browsers find the page (and so its websocket). A wildcard host (0.0.0.0, ::) is
    not an address a browser can open: use this machine's name instead."""
    if host in {"0.0.0.0", "::", ""}:
        host = socket.getfqdn()
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _make_server(command: str, host: str, port: int, url: str) -> Callable[[], None]:
    """textual-serve's Server, with the page's Content-Security-Policy; returns its serve()."""
    from aiohttp import web
    from textual_serve.server import Server

    @web.middleware
    async def same_origin_only(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        response = await handler(request)
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response

    class DeskServer(Server):
        async def _make_app(self) -> web.Application:
            app = await super()._make_app()
            app.middlewares.append(same_origin_only)
            return app

    server = DeskServer(command, host=host, port=port, title="tapewatch", public_url=url)
    return server.serve


def run_serve(
    *,
    host: str,
    port: int,
    public: bool,
    app_args: Sequence[str],
    err: TextIO | None = None,
    make_server: Callable[[str, str, int, str], Callable[[], None]] = _make_server,
) -> int:
    """Serve the monitor until interrupted. Exit status 2 for a non-loopback host without
    --public (nothing is started)."""
    err = err or sys.stderr
    where = f"{host}:{port}"
    if not is_loopback(host):
        if not public:
            err.write(
                f"tapewatch: refusing to serve on {where}: the monitor has no authentication, "
                "so only 127.0.0.1 is allowed by default. Add --public to serve on another "
                "address anyway.\n"
            )
            return 2
        err.write(NO_AUTH_WARNING.format(where=where) + "\n")
    url = page_url(host, port)
    serve = make_server(app_command(app_args), host, port, url)
    err.write(f"tapewatch: open {url} in a browser (ctrl+c stops the server)\n")
    err.flush()
    serve()
    return 0
