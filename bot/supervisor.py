"""Background tasks that must keep running: a task that dies is logged and restarted.

A bare `asyncio.create_task` that raises dies silently until someone awaits it (at shutdown, as
a traceback). `Supervised` logs why it stopped, restarts it after a growing delay, and says
whether it is running, for /readyz.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

FIRST_DELAY_S = 1.0


class Supervised:
    """Run `work()` in a task; whenever it raises or returns, restart it with backoff.

    Delays double from `first_delay` up to `max_delay` seconds; a run that lasted `max_delay` or
    longer counts as healthy, so the next failure waits `first_delay` again.
    """

    def __init__(
        self,
        name: str,
        work: Callable[[], Awaitable[None]],
        *,
        max_delay: float,
        first_delay: float = FIRST_DELAY_S,
    ) -> None:
        self.name = name
        self._work = work
        self._first_delay = min(first_delay, max_delay)
        self._max_delay = max_delay
        self._task: asyncio.Task[None] | None = None
        self._problem: str | None = f"{name} has not started"

    @property
    def problem(self) -> str | None:
        """Return why the task is not running now, or None while it runs."""
        return self._problem

    def start(self) -> None:
        self._task = asyncio.create_task(self._supervise(), name=self.name)

    async def stop(self) -> None:
        """Cancel the task and wait for it; it is not restarted."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._problem = f"{self.name} was stopped"

    async def _supervise(self) -> None:
        loop = asyncio.get_running_loop()
        delay = self._first_delay
        while True:
            started = loop.time()
            self._problem = None
            failure: Exception | None = None
            try:
                await self._work()
                reason = "it returned, but must run until shutdown"
            except Exception as exc:  # noqa: BLE001 - logged below; whatever it was, run again
                failure = exc
                reason = f"{type(exc).__name__}: {exc}"
            if loop.time() - started >= self._max_delay:
                delay = self._first_delay
            self._problem = f"{self.name} is not running ({reason}); restarting in {delay:g} s"
            log.error("%s", self._problem, exc_info=failure)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._max_delay)
