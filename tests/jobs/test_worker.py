"""The worker pool's own promises, on a real store."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.jobs.model import Job, ReviewJob
from bot.jobs.sqlite_store import SqliteStore
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
