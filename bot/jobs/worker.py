"""A bounded pool of workers that take jobs from the store and run them through a handler.

A job failure is logged and recorded, never fatal to a worker. A transient one (GitHub down or
rate-limited, the store refusing) is waited out: retried with growing delays, or at the time
GitHub names, until the job's head has waited `retry_deadline` seconds; a newer head replaces
the job (and so stops the wait). A crash or bug counts: after MAX_ATTEMPTS such attempts, a
job whose every run kills the process included, the job is dead-lettered. Permanent failures
fail the job at once. A store outage is logged once when it starts and once when it ends;
workers wait it out.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bot.errors import PermanentError, TransientError
from bot.jobs.model import Job, kind_of
from bot.jobs.store import Claimed, JobStore, StoreUnavailable
from bot.logs import bound
from bot.metrics import Metrics
from bot.redaction import scrub

log = logging.getLogger(__name__)

Handler = Callable[[Job], Awaitable[None]]
Abandon = Callable[[Job, str], Awaitable[None]]  # finish what a job given up for good left open
MAX_ATTEMPTS = 5
MIN_WAIT_S = 10.0  # the first wait for a service that failed
MAX_BACKOFF_S = 300.0  # the longest wait between two tries unless GitHub names a later time
IDLE_POLL_S = 5.0
STORE_BACKOFF_S = 2.0
SETTLE_TRIES = 30  # a minute of refusals, on top of the store's own wait (SQLite: 5 s busy)


def backoff(attempts: int) -> float:
    """Return the delay in seconds after a job's `attempts`-th crash: 10 s, 20 s, 40 s…"""
    return min(MAX_BACKOFF_S, 10.0 * 2.0 ** (attempts - 1))


def wait(waited: float, hint: float | None) -> float:
    """Return the delay in seconds before the next try of a job that has waited `waited`
    seconds for a service: as long again (so the waits double), from MIN_WAIT_S up to
    MAX_BACKOFF_S, or GitHub's hint when it is later."""
    return max(hint or 0.0, min(MAX_BACKOFF_S, max(MIN_WAIT_S, waited)))


class Workers:
    """Run up to `concurrency` jobs at once; `wake()` when a job was queued."""

    def __init__(
        self,
        store: JobStore,
        concurrency: int,
        *,
        retry_deadline: float,
        metrics: Metrics | None = None,
    ) -> None:
        """`retry_deadline`: seconds a job's head may wait out transient failures, from when
        it was queued; then the job is given up (its run completes `neutral`). `metrics`
        records each attempt and each job given up (a registry of its own when none is given)."""
        self._store = store
        self._concurrency = concurrency
        self._retry_deadline = retry_deadline
        self._metrics = metrics or Metrics()
        self._wakeup = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._abandon: Abandon | None = None
        self._outage: str | None = None  # why the store last failed, until it answers again
        self._cut_short = 0  # jobs stopped by shutdown
        self._not_requeued: list[str] = []  # why the store could not take such a job back

    def wake(self) -> None:
        self._wakeup.set()

    def start(self, handler: Handler, abandon: Abandon | None = None) -> None:
        """Start the workers; `abandon` is told of each job given up for good, with the reason."""
        self._abandon = abandon
        self._tasks = [
            asyncio.create_task(self._loop(handler), name=f"worker-{n}")
            for n in range(self._concurrency)
        ]

    async def stop(self, deadline: float) -> None:
        """Stop claiming, give running jobs `deadline` seconds, then re-queue what is left.

        Logs one line for the jobs cut short; when the store cannot take them back, it says so
        and they run again when their claim lapses (Redis: the lease; SQLite: the next start).
        """
        self._stopping = True
        self.wake()
        _, pending = await asyncio.wait(self._tasks, timeout=deadline) if self._tasks else ((), ())
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._not_requeued:
            log.warning(
                "shutdown: %d job(s) cut short, %d not queued again as the job store is "
                "unavailable (%s); those run again when their claim lapses",
                self._cut_short,
                len(self._not_requeued),
                self._not_requeued[-1],
            )
        elif self._cut_short:
            log.warning("shutdown: %d job(s) cut short and queued again", self._cut_short)
        self._tasks = []

    async def _loop(self, handler: Handler) -> None:
        while not self._stopping:
            try:
                claimed = await self._store.claim()
                self._store_answered()
                if claimed is None:
                    await self._idle()
                    continue
                await self._process(claimed, handler)
            except StoreUnavailable as exc:
                if self._stopping:
                    return  # shutting down: nothing to wait for
                self._store_failed(exc)
                await asyncio.sleep(STORE_BACKOFF_S)
                continue
            except Exception:  # the store failed in a way it should not: log it all, go on
                log.exception("job store failed; retrying in %.0f s", STORE_BACKOFF_S)
                await asyncio.sleep(STORE_BACKOFF_S)
                continue
            self.wake()  # a job of the same PR may have waited for this one

    def _store_failed(self, exc: StoreUnavailable) -> None:
        if self._outage is None:
            log.warning(
                "job store unavailable (%s); workers try again every %g s", exc, STORE_BACKOFF_S
            )
        self._outage = str(exc)

    def _store_answered(self) -> None:
        if self._outage is not None:
            self._outage = None
            log.info("job store available again")

    async def _idle(self) -> None:
        due = await self._store.next_due_in()
        timeout = IDLE_POLL_S if due is None else min(IDLE_POLL_S, due)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), timeout)
        self._wakeup.clear()

    async def _process(self, claimed: Claimed, handler: Handler) -> None:
        job, kind = claimed.job, kind_of(claimed.job)
        with bound(
            delivery_id=job.delivery_id,
            installation_id=job.installation_id,
            repo=job.repo,
            pr=job.number,
            head_sha=getattr(job, "head_sha", None),
            job=claimed.id,
        ):
            if claimed.counted > MAX_ATTEMPTS:
                # Attempts are counted when a job is claimed, so a job whose every attempt killed
                # the process (or was cut off) still reaches the limit and stops here; attempts
                # that ended waiting for GitHub are not counted (the deadline bounds those).
                error = f"gave up after {MAX_ATTEMPTS} attempts that ended without a result"
                log.error("job dead-lettered: %s", error)
                self._given_up(claimed, "retries_exhausted")
                await self._abandoned(job, error)
                await self._settle(self._store.fail, claimed.id, error)
                return
            log.info("job started (attempt %d): %s", claimed.attempts, type(job).__name__)
            started = time.perf_counter()
            try:
                await handler(job)
            except asyncio.CancelledError:
                self._metrics.job(kind, "interrupted", time.perf_counter() - started)
                self._cut_short += 1
                try:
                    await self._store.retry(claimed.id, 0.0, "interrupted by shutdown", waited=True)
                except StoreUnavailable as exc:
                    self._not_requeued.append(str(exc))
                raise
            except PermanentError as exc:
                self._metrics.job(kind, "failed", time.perf_counter() - started)
                self._given_up(claimed, "refused")
                log.error("job failed for good: %s", exc)
                await self._abandoned(job, scrub(str(exc)))
                await self._settle(self._store.fail, claimed.id, scrub(str(exc)))
            except TransientError as exc:
                await self._wait_or_fail(claimed, exc, started)
            except Exception as exc:  # a bug in one job must not kill the worker
                log.exception("job crashed")
                await self._retry_or_fail(claimed, exc, started)
            else:
                self._metrics.job(kind, "done", time.perf_counter() - started)
                self._metrics.settled(kind, "done", claimed.attempts, time.time() - claimed.since)
                await self._settle(self._store.finish, claimed.id)
                log.info("job done")

    async def _wait_or_fail(self, claimed: Claimed, exc: TransientError, started: float) -> None:
        """Wait out a service that failed for now: retry after GitHub's hint or a growing
        delay, as long as the head has waited less than the deadline (the last try is at it)."""
        error = scrub(f"{type(exc).__name__}: {exc}")
        waited = time.time() - claimed.since
        remaining = self._retry_deadline - waited
        kind = kind_of(claimed.job)
        if remaining <= 0 or (exc.retry_after or 0.0) > remaining:
            error = f"still failing after waiting {self._retry_deadline:g} s: {error}"
            log.error("job failed: %s", error)
            self._metrics.job(kind, "failed", time.perf_counter() - started)
            self._given_up(claimed, "deadline_passed")
            await self._abandoned(claimed.job, error)
            await self._settle(self._store.fail, claimed.id, error)
            return
        self._metrics.job(kind, "retried", time.perf_counter() - started)
        delay = min(wait(waited, exc.retry_after), remaining)
        log.warning(
            "job attempt %d failed (%s); waiting %.0f s (%.0f s left before giving up)",
            claimed.attempts,
            error,
            delay,
            remaining,
        )
        requeue = functools.partial(self._store.retry, waited=True)
        await self._settle(requeue, claimed.id, delay, error)

    async def _retry_or_fail(self, claimed: Claimed, exc: Exception, started: float) -> None:
        error = scrub(f"{type(exc).__name__}: {exc}")
        kind = kind_of(claimed.job)
        if claimed.counted >= MAX_ATTEMPTS:
            log.error("job failed after %d attempts: %s", claimed.counted, error)
            self._metrics.job(kind, "failed", time.perf_counter() - started)
            self._given_up(claimed, "retries_exhausted")
            await self._abandoned(claimed.job, error)
            await self._settle(self._store.fail, claimed.id, error)
            return
        self._metrics.job(kind, "retried", time.perf_counter() - started)
        delay = backoff(claimed.counted)
        log.warning("job attempt %d failed (%s); retrying in %.0f s", claimed.counted, error, delay)
        await self._settle(self._store.retry, claimed.id, delay, error)

    def _given_up(self, claimed: Claimed, reason: str) -> None:
        queued = time.time() - claimed.since
        self._metrics.settled(kind_of(claimed.job), "failed", claimed.attempts, queued)
        self._metrics.dead_letter(reason)

    async def _settle(self, write: Callable[..., Awaitable[None]], *args: Any) -> None:
        """Record a job's outcome, waiting out a store that refuses for a while (a locked
        database, a Redis failover): a job left `running` would block every later push of its
        PR until a restart. After SETTLE_TRIES refusals the error goes to the loop, which logs
        it; the job then runs again when its lease or the next start frees it."""
        for attempt in range(1, SETTLE_TRIES + 1):
            try:
                await write(*args)
                return
            except StoreUnavailable as exc:  # a bug is not waited out: it goes to the loop
                if attempt == SETTLE_TRIES or self._stopping:
                    raise
                if attempt == 1:
                    log.warning("job store refused the job's outcome (%s); retrying", exc)
                await asyncio.sleep(STORE_BACKOFF_S)

    async def _abandoned(self, job: Job, error: str) -> None:
        """Finish what the job left open before it is recorded failed: a process that dies in
        between runs the job again (and gives it up again), rather than leave a run open."""
        if self._abandon is not None:
            reason = f"Readiness gave up on this review: {error}"
            await self._abandon(job, reason)
