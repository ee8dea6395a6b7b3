"""The request budget: never more than its requests a minute to one host, whatever bursts of
jobs ask at once, handed out in priority order; on virtual time (the client's injected clock and
sleep), so every figure is exact."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

import httpx
import pytest

from tests.virtual_time import VirtualTimeLoop
from tui.config import HttpSettings
from tui.sources.budget import WINDOW_MARGIN_S, WINDOW_S, Priority, RequestBudget, request_priority
from tui.sources.http import HttpClient, HttpReply

pytestmark = pytest.mark.timeout(30)


class VirtualTime:
    """A monotonic clock that moves only when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


def most_in_any_window(starts: list[float], window: float) -> int:
    """The most start times that fall in any half-open window of ``window`` seconds (a start
    exactly one window after another, up to rounding, is in the next window)."""
    ordered = sorted(starts)
    most = 0
    first = 0
    for last, start in enumerate(ordered):
        while ordered[first] <= start - window + 1e-9:
            first += 1
        most = max(most, last - first + 1)
    return most


def test_a_burst_of_jobs_never_exceeds_the_budget() -> None:
    """Six jobs of every priority, each asking ten requests at once ten times at random
    moments, through the shared client on virtual time: no 60 s window holds more than the
    budget's 40 starts, no second more than its burst of 10, and every request is
    answered."""
    loop = VirtualTimeLoop()
    sent_at: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent_at.append(loop.time())
        return httpx.Response(200, content=b"{}")

    async def main() -> list[list[HttpReply | object]]:
        settings = HttpSettings(retries=0, requests_per_minute=40, budget_burst=10)
        client = HttpClient(
            settings,
            transport=httpx.MockTransport(answer),
            monotonic=loop.monotonic,
            sleep=asyncio.sleep,
        )
        rng = random.Random(11)

        async def job(priority: Priority) -> list[HttpReply | object]:
            replies: list[HttpReply | object] = []
            with request_priority(priority):
                for _ in range(10):
                    await asyncio.sleep(rng.uniform(0, 60))
                    replies += await asyncio.gather(
                        *(client.get("https://yahoo.test/x", source="yahoo") for _ in range(10))
                    )
            return replies

        try:
            return await asyncio.gather(*(job(p) for p in [*Priority, *Priority][:6]))
        finally:
            await client.aclose()

    try:
        results = loop.run_until_complete(main())
    finally:
        loop.close()
    assert all(isinstance(reply, HttpReply) for replies in results for reply in replies)
    assert len(sent_at) == 600
    # Even a host that sees them up to half a second late counts no more than 40 a minute.
    assert most_in_any_window(sent_at, WINDOW_S + 0.5) <= 40
    assert most_in_any_window(sent_at, 1.0) <= 10  # a burst at most, then evenly spaced
    # Held to the budget: 600 requests at 40 a minute take at least 14 minutes.
    assert max(sent_at) >= (600 - 40) / 40 * WINDOW_S


async def test_held_back_requests_go_most_urgent_first() -> None:
    time = VirtualTime()
    budget = RequestBudget(6, burst=4, monotonic=time, sleep=time.sleep)
    order: list[str] = []

    async def ask(name: str, priority: Priority) -> None:
        await budget.acquire(priority)
        order.append(name)

    # History first in line, then bars, then quotes on screen. Of a burst of four, history
    # takes one: the last three are kept for prices on screen, which go next, at once. The
    # minute's other three starts are theirs too, so the bars wait for the window to roll, then
    # go at the budget's pace (one every 10 s), before history.
    tasks = [
        asyncio.create_task(ask(f"{priority.name}-{index}", priority))
        for priority in (Priority.HISTORY, Priority.BARS, Priority.ON_SCREEN)
        for index in range(2)
    ]
    await asyncio.gather(*tasks)
    assert order == [
        "HISTORY-0",
        "ON_SCREEN-0",
        "ON_SCREEN-1",
        "BARS-0",
        "BARS-1",
        "HISTORY-1",
    ]
    assert time.now == pytest.approx(WINDOW_S + WINDOW_MARGIN_S + 2 * WINDOW_S / 6)


async def test_a_minute_full_of_bars_leaves_prices_on_screen_their_starts() -> None:
    time = VirtualTime()
    budget = RequestBudget(10, burst=10, monotonic=time, sleep=time.sleep)
    granted: dict[str, float] = {}

    async def ask(name: str, priority: Priority) -> None:
        granted[name] = await budget.acquire(priority)

    # Twenty bars ask first, then a quotes poll's three batches: the bars may take seven of
    # the minute's ten starts, never the three a quotes poll needs.
    bars = [asyncio.create_task(ask(f"bars-{index}", Priority.BARS)) for index in range(20)]
    screen = [asyncio.create_task(ask(f"screen-{i}", Priority.ON_SCREEN)) for i in range(3)]
    await asyncio.gather(*screen)
    assert [granted[f"screen-{i}"] for i in range(3)] == [0.0, 0.0, 0.0]
    assert sum(1 for name, at in granted.items() if name.startswith("bars") and at < 60) == 7
    for task in bars:
        task.cancel()
    await asyncio.gather(*bars, return_exceptions=True)


async def test_a_cancelled_wait_takes_nothing() -> None:
    time = VirtualTime()
    budget = RequestBudget(2, burst=1, monotonic=time, sleep=time.sleep)
    await budget.acquire()
    waiting = asyncio.create_task(budget.acquire())
    await asyncio.sleep(0)
    assert budget.waiting == 1
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert budget.waiting == 0
    granted = await budget.acquire()
    assert granted == pytest.approx(WINDOW_S / 2)  # the next start the window allows


async def test_the_client_counts_what_the_budget_holds_back_and_not_as_slow() -> None:
    """Requests waiting for the budget are counted as waiting, never as overdue: the status
    bar says the budget holds them back, not that Yahoo is slow."""
    time = VirtualTime()
    release = asyncio.Event()
    sleeping = asyncio.Event()

    async def held_sleep(seconds: float) -> None:
        sleeping.set()
        await release.wait()
        time.now += seconds

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"{}")

    settings = HttpSettings(retries=0, requests_per_minute=2, budget_burst=1)
    client = HttpClient(
        settings, transport=httpx.MockTransport(answer), monotonic=time, sleep=held_sleep
    )
    try:
        first = await client.get("https://yahoo.test/a", source="yahoo")
        assert isinstance(first, HttpReply)
        later = [
            asyncio.create_task(client.get("https://yahoo.test/b", source="yahoo"))
            for _ in range(3)
        ]
        await sleeping.wait()
        time.now += 1000  # however long they wait, they are not overdue
        assert client.budget_waiting("yahoo") == 3
        assert client.overdue("yahoo") == 0
        assert client.budget_waiting("finra") == 0
        release.set()
        replies = await asyncio.gather(*later)
    finally:
        await client.aclose()
    assert all(isinstance(reply, HttpReply) for reply in replies)
    assert client.budget_waiting("yahoo") == 0


async def test_a_source_may_have_its_own_budget_on_its_host() -> None:
    time = VirtualTime()
    sent: Counter[str] = Counter()

    def answer(request: httpx.Request) -> httpx.Response:
        sent[request.url.host] += 1
        return httpx.Response(200, content=b"{}")

    settings = HttpSettings(retries=0, requests_per_minute=10, budget_burst=10)
    client = HttpClient(
        settings, transport=httpx.MockTransport(answer), monotonic=time, sleep=time.sleep
    )
    try:
        await asyncio.gather(
            *(client.get("https://a.test/", source="a", per_minute=5) for _ in range(10)),
            *(client.get("https://b.test/", source="b") for _ in range(10)),
        )
    finally:
        await client.aclose()
    assert sent == {"a.test": 10, "b.test": 10}
    # a.test at 5 a minute: its second five wait a minute (and the margin that keeps the
    # host's own count of a minute within the budget); b.test's ten go at once.
    assert time.now == pytest.approx(WINDOW_S + WINDOW_MARGIN_S)
