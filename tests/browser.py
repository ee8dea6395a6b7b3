"""Headless Chromium (Debian's package) driven over the DevTools protocol, for browser tests.

No browser download and no driver: Chromium is started with a private profile and
``--remote-debugging-port=0``, and spoken to over its websocket with aiohttp. It is kept on this
machine: every host name but 127.0.0.1 resolves to nothing (``--host-resolver-rules``), and the
background services that call home are switched off.

The terminal in textual-serve's page draws on a canvas, so its text is not in the DOM. The page
is given, before its scripts run, a setter that catches each xterm.js Terminal as it is built
(xterm assigns ``this._addonManager`` in its constructor), so a test can read the terminal's
buffer — the very characters the page draws — with ``Browser.terminal_text()``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser")
START_TIMEOUT_S = 20.0

CATCH_TERMINALS = """
Object.defineProperty(Object.prototype, "_addonManager", {
  configurable: true,
  get() { return undefined; },
  set(value) {
    Object.defineProperty(this, "_addonManager", {
      value, writable: true, configurable: true, enumerable: true,
    });
    (window.__terminals = window.__terminals || []).push(this);
  },
});
"""

READ_TERMINALS = """
(() => {
  const terminals = window.__terminals || [];
  return terminals.map((terminal) => {
    const buffer = terminal.buffer && terminal.buffer.active;
    if (!buffer) return "";
    const lines = [];
    for (let row = 0; row < buffer.length; row++) {
      const line = buffer.getLine(row);
      if (line) lines.push(line.translateToString(true));
    }
    return lines.join("\\n");
  }).join("\\n");
})()
"""


def chromium_binary() -> str | None:
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


class DevToolsError(RuntimeError):
    pass


class Browser:
    """One headless Chromium with one page, driven over the DevTools protocol."""

    def __init__(self, profile: Path, *, width: int = 1800, height: int = 1100) -> None:
        binary = chromium_binary()
        if binary is None:
            raise RuntimeError("chromium is not installed (.ci/run installs it)")
        self.binary = binary
        self.profile = profile
        self.width = width
        self.height = height
        self.requests: dict[str, str] = {}  # DevTools request id -> URL, every request made
        self.blocked: dict[str, str] = {}  # request id -> why the browser stopped it ("csp")
        self._process: subprocess.Popen[bytes] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._socket: aiohttp.ClientWebSocketResponse | None = None
        self._ids = itertools.count(1)
        self._replies: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reader: asyncio.Task[None] | None = None

    def _launch(self) -> subprocess.Popen[bytes]:
        self.profile.mkdir(parents=True, exist_ok=True)
        command = [
            self.binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--disable-extensions",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--user-data-dir={self.profile}",
            f"--window-size={self.width},{self.height}",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            "about:blank",
        ]
        with (self.profile / "chromium.log").open("ab") as log:
            return subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    async def start(self) -> None:
        self._process = self._launch()
        port = await self._devtools_port()
        self._session = aiohttp.ClientSession()
        page_socket = await self._page_socket_url(port)
        self._socket = await self._session.ws_connect(page_socket, max_msg_size=0)
        self._reader = asyncio.create_task(self._read())
        await self.send("Page.enable")
        await self.send("Network.enable")
        await self.send("Page.addScriptToEvaluateOnNewDocument", source=CATCH_TERMINALS)

    async def _devtools_port(self) -> int:
        """Chromium writes the port it chose to DevToolsActivePort in its profile."""
        marker = self.profile / "DevToolsActivePort"
        deadline = asyncio.get_running_loop().time() + START_TIMEOUT_S
        while asyncio.get_running_loop().time() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise DevToolsError(f"chromium exited: {self._log_tail()}")
            if marker.exists():
                first_line = marker.read_text().splitlines()[:1]
                if first_line and first_line[0].isdigit():
                    return int(first_line[0])
            await asyncio.sleep(0.05)
        raise DevToolsError(f"chromium did not open its DevTools port: {self._log_tail()}")

    async def _page_socket_url(self, port: int) -> str:
        assert self._session is not None
        deadline = asyncio.get_running_loop().time() + START_TIMEOUT_S
        while asyncio.get_running_loop().time() < deadline:
            with contextlib.suppress(aiohttp.ClientError):
                async with self._session.get(f"http://127.0.0.1:{port}/json/list") as reply:
                    targets = await reply.json()
                for target in targets:
                    if target.get("type") == "page" and "webSocketDebuggerUrl" in target:
                        return str(target["webSocketDebuggerUrl"])
            await asyncio.sleep(0.05)
        raise DevToolsError("chromium opened no page")

    def _log_tail(self) -> str:
        path = self.profile / "chromium.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    async def _read(self) -> None:
        assert self._socket is not None
        async for message in self._socket:
            if message.type is not aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            if "id" in data:
                future = self._replies.pop(data["id"], None)
                if future is not None and not future.done():
                    future.set_result(data)
            elif data.get("method") == "Network.requestWillBeSent":
                params = data["params"]
                self.requests[params["requestId"]] = params["request"]["url"]
            elif data.get("method") == "Network.loadingFailed":
                params = data["params"]
                if reason := params.get("blockedReason"):
                    self.blocked[params["requestId"]] = reason

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one DevTools command and wait (bounded) for its result."""
        assert self._socket is not None
        command_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._replies[command_id] = future
        command = {"id": command_id, "method": method, "params": params}
        await self._socket.send_str(json.dumps(command))
        reply = await asyncio.wait_for(future, 15)
        if "error" in reply:
            raise DevToolsError(f"{method}: {reply['error']}")
        result: dict[str, Any] = reply.get("result", {})
        return result

    async def open(self, url: str) -> None:
        await self.send("Page.navigate", url=url)

    async def terminal_text(self) -> str:
        """Every line of every terminal on the page, as drawn."""
        result = await self.send("Runtime.evaluate", expression=READ_TERMINALS, returnByValue=True)
        value = result.get("result", {}).get("value")
        return value if isinstance(value, str) else ""

    async def screenshot(self) -> bytes:
        """The page as a PNG."""
        result = await self.send("Page.captureScreenshot", format="png")
        return base64.b64decode(result["data"])

    async def screenshot_to(self, path: Path) -> None:
        """Save the page as a PNG (for a person to look at when a test fails)."""
        image = await self.screenshot()
        await asyncio.to_thread(path.write_bytes, image)

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._session is not None:
            await self._session.close()
        if self._process is not None:
            stop_process_group(self._process)


def stop_process_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the group the process leads (it was started in a new session), then SIGKILL
    if it has not gone within ten seconds."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextlib.asynccontextmanager
async def browser(profile: Path, **size: int) -> AsyncIterator[Browser]:
    chromium = Browser(profile, **size)
    try:
        await chromium.start()
        yield chromium
    finally:
        await chromium.close()
