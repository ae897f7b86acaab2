"""What the workers and the webhook need from a durable job store, SQLite or Redis alike.

`accept` records a delivery and queues its jobs atomically (False for a repeat delivery);
`refuse` records one answered 400, so that the redelivery sweep leaves it alone.
Queued reviews of one PR coalesce to the newest head; a command is queued once per comment, even
when the comment comes again under a new delivery id; at most one job per PR runs at a time; a
job claimed by a process that died is handed out again. `retry` re-queues after a delay, saying
whether the attempt ended waiting for a service (GitHub, the store, a shutdown) rather than by
its own fault: the workers bound the first kind by time and the second by count, so a job that
kills the process each time still stops, and a GitHub outage is waited out. `fail` parks a job
in the dead-letter state. `answer` records how a command was answered, so a
retried command resumes after its answer instead of answering twice.

A store that cannot answer (Redis down or silent, SQLite locked) raises StoreUnavailable from
any call, within about CALL_TIMEOUT_S: callers answer 503, wait and try again, or log one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.errors import TransientError
from bot.jobs.model import Job

CALL_TIMEOUT_S = 5.0  # the longest a call waits for Redis to answer or SQLite's write lock


class StoreUnavailable(TransientError):
    """The store could not answer now: Redis down or silent, SQLite locked or unusable.

    A fault of the moment, not of the caller's data: worth trying again later (a job that meets
    it is retried like one GitHub failed). The text says what failed, never where: a Redis URL
    may hold a password.
    """


class StoreNotFound(LookupError):
    """No job store where the settings point: a reader (`readiness jobs`) must not make one."""


@dataclass(frozen=True)
class Claimed:
    """A job handed to a worker.

    `attempts` counts every claim, this one included. `uncounted` are those that do not count
    against the job's limit: attempts that ended by `retry(..., waited=True)`, and attempts made
    for an older head this job no longer reviews. An attempt that ended neither way killed its
    process or was cut off. `since` is when the job's head was queued (epoch seconds): a newer
    head replacing a waiting review starts the clock again.
    """

    id: str
    job: Job
    attempts: int
    uncounted: int
    since: float

    @property
    def counted(self) -> int:
        """The attempts that count against the job's limit: all but those that waited."""
        return self.attempts - self.uncounted


@dataclass(frozen=True)
class FailedJob:
    """A job in the dead-letter state, for `readiness jobs`."""

    id: str
    key: str
    kind: str
    attempts: int
    error: str


class JobStore(Protocol):
    async def accept(self, delivery_id: str, event: str, jobs: list[Job]) -> bool: ...

    async def answered(self, comment_id: int) -> str | None:
        """Return the outcome `answer` recorded for this comment's command, or None."""
        ...

    async def answer(self, comment_id: int, outcome: str) -> None:
        """Record how this comment's command was answered (a non-empty word), kept 7 days."""
        ...

    async def seen(self, delivery_id: str) -> bool:
        """Tell whether this delivery was accepted before (to skip needless redeliveries)."""
        ...

    async def refuse(self, delivery_id: str, event: str, reason: str) -> None:
        """Record a delivery answered 400 (a payload the app cannot use): never redeliver it."""
        ...

    async def refused(self, delivery_id: str) -> bool:
        """Tell whether this delivery was refused as unusable (redelivering cannot help)."""
        ...

    async def claim(self) -> Claimed | None: ...

    async def finish(self, job_id: str) -> None: ...

    async def retry(self, job_id: str, delay: float, error: str, *, waited: bool = False) -> None:
        """Queue the job again in `delay` seconds; `waited`: the attempt ended waiting for a
        service, not by the job's fault (it then does not count against the job's limit)."""
        ...

    async def fail(self, job_id: str, error: str) -> None: ...

    async def counts(self) -> dict[str, int]:
        """Return how many jobs are in each state: queued, running, done, failed."""
        ...

    async def queued(self) -> int:
        """Return how many jobs wait: asked on every delivery, so it must stay cheap."""
        ...

    async def failed(self, limit: int = 20) -> list[FailedJob]:
        """Return the most recently failed jobs, newest first."""
        ...

    async def next_due_in(self) -> float | None:
        """Return seconds until the next queued job is due; None when nothing is queued."""
        ...

    async def ping(self) -> None:
        """Raise when the store cannot be reached (for /readyz)."""
        ...

    async def close(self) -> None: ...
