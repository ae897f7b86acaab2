"""The worker pool's own promises, on a real store."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.errors import PermanentError, TransientError
from bot.jobs import worker
from bot.jobs.model import Job, ReviewJob
from bot.jobs.sqlite_store import SqliteStore
from bot.jobs.store import Claimed, StoreUnavailable
from bot.jobs.worker import MAX_ATTEMPTS, Workers
from bot.metrics import Metrics


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

    metrics = Metrics()
    workers = Workers(store, 1, retry_deadline=1800, metrics=metrics)
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
    reason = {"reason": "retries_exhausted"}
    assert metrics.registry.get_sample_value("readiness_dead_letters_total", reason) == 1
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
    workers = Workers(store, 1, retry_deadline=1800)
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

    workers = Workers(store, 1, retry_deadline=1800)
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
            "job attempt 1 failed (StoreUnavailable: SQLite: database is locked); "
            "waiting 10 s (1800 s left before giving up)",
            None,
        )
    ]


async def run_until(store: SqliteStore, workers: Workers, state: str) -> dict[str, int]:
    """Let the workers run until a job reaches `state` (or 30 s pass); return the counts."""
    for _ in range(3000):
        counts = await store.counts()
        if counts.get(state):
            break
        await asyncio.sleep(0.01)
    await workers.stop(5)
    return counts


async def test_github_failures_are_waited_out_past_the_attempt_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GitHub fails more times than a crash is allowed to: the job keeps waiting (it is not the
    job's fault) and finishes once GitHub answers, well before the deadline."""
    monkeypatch.setattr(worker, "MIN_WAIT_S", 0.01)
    monkeypatch.setattr(worker, "MAX_BACKOFF_S", 0.05)
    store = SqliteStore(tmp_path / "db.sqlite3")
    await store.accept("d1", "pull_request", [ReviewJob(7, "acme/shop", 1, "a" * 40, "t", "d1")])
    tries: list[Job] = []

    async def handler(job: Job) -> None:
        tries.append(job)
        if len(tries) <= 2 * MAX_ATTEMPTS:
            raise TransientError("GitHub answered 502 to GET /repos/acme/shop/pulls/1")

    workers = Workers(store, 1, retry_deadline=1800)
    workers.start(handler)
    assert await run_until(store, workers, "done") == {"done": 1}
    assert len(tries) == 2 * MAX_ATTEMPTS + 1
    await store.close()


async def test_a_job_gives_up_on_github_at_the_deadline_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GitHub never recovers: the job waits until its deadline, then is given up once, with
    the reason handed to `abandon` (which completes the run neutral)."""
    monkeypatch.setattr(worker, "MIN_WAIT_S", 0.05)
    store = SqliteStore(tmp_path / "db.sqlite3")
    job = ReviewJob(7, "acme/shop", 1, "a" * 40, "t", "d1")
    await store.accept("d1", "pull_request", [job])
    abandoned: list[tuple[Job, str]] = []

    async def handler(job: Job) -> None:
        raise TransientError("GitHub answered 502 to GET /repos/acme/shop/pulls/1")

    async def abandon(job: Job, reason: str) -> None:
        abandoned.append((job, reason))

    metrics = Metrics()
    workers = Workers(store, 1, retry_deadline=0.5, metrics=metrics)
    workers.start(handler, abandon)
    assert await run_until(store, workers, "failed") == {"failed": 1}
    (failed,) = await store.failed()
    assert failed.attempts > 2  # it did wait and try again
    given_up = metrics.registry.get_sample_value
    assert given_up("readiness_dead_letters_total", {"reason": "deadline_passed"}) == 1
    assert given_up("readiness_job_attempts_sum", {"kind": "review"}) == failed.attempts
    tries = given_up("readiness_job_seconds_count", {"kind": "review", "outcome": "retried"})
    assert tries == failed.attempts - 1
    error = "still failing after waiting 0.5 s: TransientError: GitHub answered 502 to GET "
    assert failed.error == error + "/repos/acme/shop/pulls/1"
    assert abandoned == [(job, f"Readiness gave up on this review: {failed.error}")]
    await store.close()


async def test_a_rate_limit_reset_past_the_deadline_gives_up_at_once(tmp_path: Path) -> None:
    """GitHub names a reset later than the deadline: waiting cannot help, so the job does not
    hold its PR until then."""
    store = SqliteStore(tmp_path / "db.sqlite3")
    await store.accept("d1", "pull_request", [ReviewJob(7, "acme/shop", 1, "a" * 40, "t", "d1")])

    async def handler(job: Job) -> None:
        raise TransientError("GitHub answered 403 to GET /repos/acme/shop/pulls/1", 3600.0)

    workers = Workers(store, 1, retry_deadline=1800)
    workers.start(handler)
    assert await run_until(store, workers, "failed") == {"failed": 1}
    (failed,) = await store.failed()
    assert failed.attempts == 1
    await store.close()


def test_a_store_an_older_release_made_opens_with_its_jobs(tmp_path: Path) -> None:
    """A database made before `uncounted` existed gains the column, its jobs kept."""
    database = tmp_path / "db.sqlite3"
    old = sqlite3.connect(database)
    old.executescript(
        "CREATE TABLE jobs (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, pr_key TEXT NOT NULL, "
        "payload TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, "
        "not_before REAL NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL, "
        "last_error TEXT);"
    )
    payload = '{"installation_id": 7, "repo": "acme/shop", "number": 1, "head_sha": "a", '
    payload += '"trigger": "t", "delivery_id": "d1", "superseded": []}'
    old.execute(
        "INSERT INTO jobs VALUES (1, 'review', 'acme/shop#1', ?, 'queued', 2, 0, 0, 0, NULL)",
        (payload,),
    )
    old.commit()
    old.close()

    async def claim() -> Claimed | None:
        store = SqliteStore(database)
        try:
            return await store.claim()
        finally:
            await store.close()

    claimed = asyncio.run(claim())
    assert claimed is not None
    assert (claimed.job.repo, claimed.attempts, claimed.counted) == ("acme/shop", 3, 3)


async def test_a_job_that_fails_for_good_has_what_it_left_open_finished(tmp_path: Path) -> None:
    """A permanent failure (GitHub refusing the token again after a fresh one) is given up at
    once, and `abandon` completes the run it may have left waiting, with the reason."""
    store = SqliteStore(tmp_path / "db.sqlite3")
    job = ReviewJob(7, "acme/shop", 1, "a" * 40, "t", "d1")
    await store.accept("d1", "pull_request", [job])
    abandoned: list[tuple[Job, str]] = []

    async def handler(job: Job) -> None:
        raise PermanentError("GitHub refused: 401 Bad credentials")

    async def abandon(job: Job, reason: str) -> None:
        abandoned.append((job, reason))

    workers = Workers(store, 1, retry_deadline=1800)
    workers.start(handler, abandon)
    assert await run_until(store, workers, "failed") == {"failed": 1}
    reason = "Readiness gave up on this review: GitHub refused: 401 Bad credentials"
    assert abandoned == [(job, reason)]
    await store.close()
