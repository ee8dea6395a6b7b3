"""An asyncio event loop on virtual time: whenever nothing can run now, its clock jumps to the
next timer instead of waiting for it. Ten minutes of polling take as long as the work in them.

    loop = VirtualTimeLoop()
    try:
        loop.run_until_complete(main())   # asyncio.sleep, wait_for, loop.time() are all virtual
    finally:
        loop.close()

Nothing in the code under test changes: `asyncio.sleep`, timeouts and `loop.time()` are the
loop's own. Sockets still work (a loopback server in the same loop answers at once, in no
virtual time). While work runs in a thread (`run_in_executor`, `asyncio.to_thread`) the clock
stands still and the loop waits for it in real time, so a parse in a thread costs no virtual
time either. The wall clock the code reads must be derived from `loop.time()` (see
`VirtualTimeLoop.wall_clock`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import selectors
from collections.abc import Callable
from typing import Any

# How long the loop waits in real time for a thread's work or a socket before looking again.
REAL_POLL_S = 0.02


class _JumpingSelector(selectors.BaseSelector):
    """The loop's selector, with waits that cost virtual time instead of real time."""

    def __init__(self, inner: selectors.BaseSelector, loop: VirtualTimeLoop) -> None:
        self._inner = inner
        self._loop = loop

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = self._inner.select(0)
        if ready or timeout == 0:
            return ready
        if self._loop.threads_busy or timeout is None:
            # A thread will wake the loop, or only a socket can: wait for it in real time.
            wait = REAL_POLL_S if timeout is None else min(timeout, REAL_POLL_S)
            return self._inner.select(wait)
        self._loop.advance(timeout)
        return []

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._inner.register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self._inner.unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._inner.modify(fileobj, events, data)

    def close(self) -> None:
        self._inner.close()

    def get_key(self, fileobj: Any) -> selectors.SelectorKey:
        return self._inner.get_key(fileobj)

    def get_map(self) -> Any:
        return self._inner.get_map()


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """A selector event loop whose clock is virtual (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self._now = 0.0
        self._threads_busy = 0
        self._selector = _JumpingSelector(self._selector, self)  # type: ignore[has-type]

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward (the selector does when nothing can run)."""
        self._now += max(seconds, 0.0)

    @property
    def threads_busy(self) -> int:
        return self._threads_busy

    def run_in_executor(
        self, executor: concurrent.futures.Executor | None, func: Callable[..., Any], *args: Any
    ) -> asyncio.Future[Any]:
        future = super().run_in_executor(executor, func, *args)
        self._threads_busy += 1
        future.add_done_callback(self._thread_done)
        return future

    def _thread_done(self, future: asyncio.Future[Any]) -> None:
        self._threads_busy -= 1

    def wall_clock(self, start: dt.datetime) -> Callable[[], dt.datetime]:
        """A UTC wall clock that reads ``start`` at virtual time 0 and moves with the loop."""
        return lambda: start + dt.timedelta(seconds=self._now)

    def monotonic(self) -> float:
        """The loop's clock, for code that takes a monotonic clock (the HTTP client)."""
        return self._now
