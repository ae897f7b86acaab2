"""The worker pool's own promises, on a real store."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.jobs import worker
from bot.jobs.model import Job, ReviewJob
from bot.jobs.sqlite_store import SqliteStore
from bot.jobs.store import StoreUnavailable
from bot.jobs.worker import MAX_ATTEMPTS, Workers


async def test_a_job_that_kills_the_process_every_time_is_dead_lettered(tmp_path: Path) -> None:
    """Each attempt dies with the process (claimed, never finished; the store is reopened as a
    restart does): after the limit the job is failed, not run again."""
    database = tmp_path / "db.sqlite3"
    store = SqliteStore(database)
    job = ReviewJob(7, "acme/shop", 1, "a" * 40, "pull_request.opened", "d1")
    await store.accept("d1", "pull_request", [job])
    await store.close()
    for _ in range(MAX_ATTEMPTS):
        store = SqliteStore(database)  # a restart: what the dead process left running is queued
        assert await store.claim() is not None
        await store.close()  # the process dies mid-job: no finish, no retry

    store = SqliteStore(database)
    ran: list[Job] = []

    async def handler(job: Job) -> None:
        ran.append(job)

    workers = Workers(store, 1)
    workers.start(handler)
    try:
        for _ in range(200):
            if (await store.counts()).get("failed"):
                break
            await asyncio.sleep(0.01)
    finally:
        await workers.stop(5)
    (failed,) = await store.failed()
    await store.close()
    assert ran == []
    assert failed.attempts == MAX_ATTEMPTS + 1
    assert failed.error == f"gave up after {MAX_ATTEMPTS} attempts that ended without a result"


async def test_a_locked_database_delays_a_jobs_outcome_but_never_loses_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process holds the database locked past SQLite's busy wait when the job ends:
    the outcome is recorded once the lock goes, not left `running` until a restart."""
    monkeypatch.setattr(worker, "STORE_BACKOFF_S", 0.2)
    database = tmp_path / "db.sqlite3"
    store = SqliteStore(database)
    await store.accept("d1", "pull_request", [ReviewJob(7, "acme/shop", 1, "a" * 40, "t", "d1")])
    locker = sqlite3.connect(database, isolation_level=None)

    async def handler(job: Job) -> None:
        locker.execute("BEGIN EXCLUSIVE")  # what a backup or a second process may do

    async def release_later() -> None:
        await asyncio.sleep(7.0)  # longer than the store's 5 s busy timeout
        locker.execute("COMMIT")

    releaser = asyncio.create_task(release_later())
    workers = Workers(store, 1)
    workers.start(handler)
    try:
        for _ in range(300):
            if await _done(store) == 1:
                break
            await asyncio.sleep(0.1)
    finally:
        await releaser
        await workers.stop(5)
        locker.close()
    assert await store.counts() == {"done": 1}
    await store.close()


async def _done(store: SqliteStore) -> int:
    try:
        return (await store.counts()).get("done", 0)
    except sqlite3.OperationalError:  # locked: ask again
        return 0


async def test_a_job_that_meets_a_store_outage_is_retried_like_a_transient_failure(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A command's own store call (recording its answer) fails: the job waits and runs again,
    logged in one line, not as a crash with a traceback."""
    store = SqliteStore(tmp_path / "db.sqlite3")
    job = ReviewJob(7, "acme/shop", 1, "a" * 40, "pull_request.opened", "d1")
    await store.accept("d1", "pull_request", [job])

    async def handler(job: Job) -> None:
        raise StoreUnavailable("SQLite: database is locked")

    workers = Workers(store, 1)
    workers.start(handler)
    try:
        for _ in range(200):
            if (await store.next_due_in() or 0) > 1:  # queued again, with its backoff
                break
            await asyncio.sleep(0.01)
    finally:
        await workers.stop(5)
    await store.close()
    lines = [r for r in caplog.records if r.name == "bot.jobs.worker" and r.levelno >= 30]
    assert [(r.getMessage(), r.exc_info) for r in lines] == [
        (
            "job attempt 1 failed (StoreUnavailable: SQLite: database is locked); retrying in 10 s",
            None,
        )
    ]
