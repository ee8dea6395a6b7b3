"""The request budget: at most so many requests a minute to one host, shared by every job, handed
out in priority order. No textual, no httpx: the HTTP client owns one budget per host.

Yahoo's chart and spark endpoints are unofficial and answer bursts with waves of HTTP 429, so
tapewatch spends a fixed number of requests a minute on each host and decides what they are
spent on: what is on screen first, then intraday bars, then short candidates and symbols off
screen, and history last. A request waits for the budget before it takes a connection slot, so
a queue of history requests never holds back a quote.

The budget lets ``burst`` requests go at once, then one every ``60 / per_minute`` seconds (the
credit builds back while the host is left alone), and never more than ``per_minute`` in any
``WINDOW_S`` seconds: a queue of a hundred requests is spread over the minutes instead of sent
in one second. Time is measured and
waited on the clock and sleep it is given, so tests drive it exactly.

Which priority a request has is said where the work is decided (the fetch plan, tui.feed), not
where it is sent: ``with request_priority(Priority.HISTORY): await source.bars(...)``. The value
lives in a context variable, so every task the call starts (a gather of one request per symbol)
inherits it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import heapq
import itertools
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Final, Protocol, runtime_checkable

WINDOW_S: Final = 60.0
# Waited beyond a minute before the budget's count starts again: the host sees requests a few
# milliseconds later than they were let go, and must never count more than the budget in its
# own minute.
WINDOW_MARGIN_S: Final = 1.0
# Requests of a burst, and of any minute's budget, only prices on screen may take (the three
# spark batches of the rows a dashboard shows): bars, candidates and history leave them room, so
# a quotes poll is neither spaced out behind a burst nor held until the minute's window rolls.
ON_SCREEN_RESERVE: Final = 3


class Priority(IntEnum):
    """Who goes first when the budget holds requests back: the lowest value."""

    ON_SCREEN = 0  # prices the panes and the drill-down show
    BARS = 1  # intraday bars: the sparklines, relative volume
    CANDIDATES = 2  # short candidates, symbols off screen, prices a stream already gives
    HISTORY = 3  # daily history, short-interest files, share counts


_PRIORITY: contextvars.ContextVar[Priority] = contextvars.ContextVar(
    "tapewatch_request_priority", default=Priority.ON_SCREEN
)


@contextlib.contextmanager
def request_priority(priority: Priority) -> Iterator[None]:
    """Requests sent inside this block (and by the tasks it starts) wait with ``priority``."""
    token = _PRIORITY.set(priority)
    try:
        yield
    finally:
        _PRIORITY.reset(token)


def current_priority() -> Priority:
    """The priority requests sent from here wait with."""
    return _PRIORITY.get()


@runtime_checkable
class BudgetedRequests(Protocol):
    """A source whose requests wait for a per-host request budget (the live source): the fetch
    plan asks it in priority order, and the status says how many requests the budget holds
    back."""

    def budget_waiting(self, source: str) -> int: ...


@dataclass(order=True)
class _Waiter:
    priority: int
    order: int
    granted: asyncio.Future[float] = field(compare=False)


class RequestBudget:
    """At most ``per_minute`` request starts in any minute, ``burst`` at once and then evenly
    spaced, granted to waiters in priority order, then in the order they came."""

    def __init__(
        self,
        per_minute: float,
        *,
        burst: int,
        monotonic: Callable[[], float],
        sleep: Callable[[float], Awaitable[None]],
    ) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError("a budget allows at least one request")
        self._monotonic = monotonic
        self._sleep = sleep
        self._queue: list[_Waiter] = []
        self._order = itertools.count()
        self._starts: deque[float] = deque()  # granted start times, oldest first
        # When the rate's credit is used up (a generic cell rate's theoretical arrival time).
        self._paced_until = float("-inf")
        self._dispatcher: asyncio.Task[None] | None = None
        self._arrived = asyncio.Event()
        self.configure(per_minute, burst=burst)

    def configure(self, per_minute: float, *, burst: int) -> None:
        """Change the limits (a source asking for its own budget on a shared host)."""
        self.per_minute = int(per_minute) if per_minute >= 1 else 1
        self.burst = max(1, min(burst, self.per_minute))

    @property
    def waiting(self) -> int:
        """Requests held back now."""
        return sum(1 for waiter in self._queue if not waiter.granted.done())

    @property
    def spacing_s(self) -> float:
        """The even spacing of requests at the budget's rate."""
        return WINDOW_S / self.per_minute

    def next_start(self, priority: int = Priority.ON_SCREEN) -> float:
        """The earliest monotonic time another request of ``priority`` may start: ``burst`` at
        once, then one every `spacing_s` (a generic cell rate: the credit builds back while the
        host is left alone), and never more than ``per_minute`` in any minute — for anything but
        prices on screen, `ON_SCREEN_RESERVE` fewer of both."""
        now = self._monotonic()
        credit = self.burst - 1
        limit = self.per_minute
        if priority > Priority.ON_SCREEN:
            credit -= min(ON_SCREEN_RESERVE, credit)
            limit = max(1, limit - ON_SCREEN_RESERVE)
        earliest = max(now, self._paced_until - credit * self.spacing_s)
        if len(self._starts) >= limit:
            earliest = max(earliest, self._starts[-limit] + WINDOW_S + WINDOW_MARGIN_S)
        return earliest

    async def acquire(self, priority: Priority | None = None) -> float:
        """Wait until a request may start; the monotonic time it was granted. A cancelled
        wait takes nothing from the budget."""
        waiter = _Waiter(
            int(current_priority() if priority is None else priority),
            next(self._order),
            asyncio.get_running_loop().create_future(),
        )
        if not self._queue and self.next_start(waiter.priority) <= self._monotonic():
            return self._grant(waiter)
        heapq.heappush(self._queue, waiter)
        self._arrived.set()  # a more urgent waiter may go before the one the dispatcher waits for
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch(), name="request budget")
        try:
            return await waiter.granted
        except asyncio.CancelledError:
            if waiter.granted.done() and not waiter.granted.cancelled():
                self.refund(waiter.granted.result())  # granted as it was cancelled
            raise

    def refund(self, granted_at: float) -> None:
        """Give back a start that was granted but not used (the host's circuit opened)."""
        with contextlib.suppress(ValueError):
            self._starts.remove(granted_at)
            self._paced_until -= self.spacing_s

    def _grant(self, waiter: _Waiter) -> float:
        started = self._monotonic()
        self._paced_until = max(self._paced_until, started) + self.spacing_s
        self._starts.append(started)
        while len(self._starts) > self.per_minute:
            self._starts.popleft()
        if not waiter.granted.done():
            waiter.granted.set_result(started)
        return started

    async def _dispatch(self) -> None:
        """Hand out starts as the window allows, the most urgent waiter first."""
        while self._queue:
            head = self._queue[0]
            if head.granted.done():  # its caller gave up waiting
                heapq.heappop(self._queue)
                continue
            delay = self.next_start(head.priority) - self._monotonic()
            if delay > 0:
                await self._wait(delay)
                continue
            self._grant(heapq.heappop(self._queue))
            await asyncio.sleep(0)  # let the granted caller run before the next grant

    async def _wait(self, delay: float) -> None:
        """Sleep ``delay``, or less when a new waiter arrives (it may be more urgent)."""
        self._arrived.clear()
        sleeping = asyncio.ensure_future(self._sleep(delay))
        arriving = asyncio.ensure_future(self._arrived.wait())
        try:
            await asyncio.wait({sleeping, arriving}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeping, arriving):
                task.cancel()
            await asyncio.gather(sleeping, arriving, return_exceptions=True)

    async def aclose(self) -> None:
        """Stop handing out starts (the client is closing)."""
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dispatcher
