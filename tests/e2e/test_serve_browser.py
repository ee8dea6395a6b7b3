"""End to end: `tapewatch serve --demo` on loopback, and headless Chromium opening the page — the
dashboard's four panes must be drawn in the browser's terminal."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest

from tests import browser
from tests.clean_env import clean_env
from tests.natsserver import free_port

pytestmark = pytest.mark.e2e

TAPEWATCH = Path(sys.executable).with_name("tapewatch")
TITLES = ("Indices", "Sector flows", "Most shorted", "Correlations")
DRAWN_TIMEOUT_S = 60.0


def _require_chromium() -> None:
    if browser.chromium_binary() is not None:
        return
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed: .ci/run installs it (apt-get install chromium)")
    pytest.skip("chromium is not installed (apt-get install chromium); CI installs it")


async def _wait_for_http(url: str, timeout_s: float = 30.0) -> str:
    deadline = asyncio.get_running_loop().time() + timeout_s
    async with aiohttp.ClientSession() as session:
        while asyncio.get_running_loop().time() < deadline:
            try:
                async with session.get(url) as reply:
                    if reply.status == 200:
                        return reply.headers.get("Content-Security-Policy", "")
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"tapewatch serve did not answer on {url} within {timeout_s:.0f} s")


@pytest.fixture
def served_demo(tmp_path: Path) -> Iterator[str]:
    """`tapewatch serve --demo` on a free loopback port; its URL. Stopped with its sessions."""
    port = free_port()
    env = clean_env(tmp_path, term=None)
    with (tmp_path / "serve.log").open("wb") as log:
        serve = subprocess.Popen(
            [str(TAPEWATCH), "serve", "--demo", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # its per-browser app processes share the group we stop
        )
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        browser.stop_process_group(serve)


async def test_the_dashboard_is_drawn_in_a_browser(served_demo: str, tmp_path: Path) -> None:
    _require_chromium()
    policy = await _wait_for_http(served_demo)
    assert "default-src 'self'" in policy
    async with browser.browser(tmp_path / "chromium") as chromium:
        await chromium.open(served_demo)
        deadline = asyncio.get_running_loop().time() + DRAWN_TIMEOUT_S
        text = ""
        while asyncio.get_running_loop().time() < deadline:
            text = await chromium.terminal_text()
            if all(title in text for title in TITLES) and "DEMO" in text:
                break
            await asyncio.sleep(0.25)
        assert all(title in text for title in TITLES), (
            f"the page did not draw the four panes within {DRAWN_TIMEOUT_S:.0f} s; "
            f"its terminal showed:\n{text}"
        )
        assert "DEMO" in text
        await chromium.screenshot_to(tmp_path / "dashboard-in-browser.png")

        # Nothing left this machine: a request anywhere but the server on loopback (the page's
        # web font) was stopped by the page's Content-Security-Policy before it was sent.
        def elsewhere() -> dict[str, str]:
            return {
                request: url
                for request, url in chromium.requests.items()
                if urlsplit(url).hostname != "127.0.0.1"
            }

        deadline = asyncio.get_running_loop().time() + 10
        while any(request not in chromium.blocked for request in elsewhere()):
            assert asyncio.get_running_loop().time() < deadline, (elsewhere(), chromium.blocked)
            await asyncio.sleep(0.05)
        assert all(chromium.blocked[request] == "csp" for request in elsewhere())
