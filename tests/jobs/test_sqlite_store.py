"""The SQLite job store keeps accepted jobs across restarts and runs one job per PR at a time."""

from __future__ import annotations

from pathlib import Path

from bot.jobs.model import CommandJob, ReviewJob
from bot.jobs.sqlite_store import SqliteStore


def review(number: int, head: str, delivery: str = "d1") -> ReviewJob:
    return ReviewJob(7, "acme/shop", number, head, "pull_request.opened", delivery)


async def test_a_delivery_is_accepted_once(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "db.sqlite3")
    assert await store.accept("d1", "pull_request", [review(1, "a" * 40)])
    assert not await store.accept("d1", "pull_request", [review(1, "a" * 40)])
    assert await store.counts() == {"queued": 1}


async def test_queued_reviews_of_one_pr_coalesce_to_the_newest_head(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "db.sqlite3")
    await store.accept("d1", "pull_request", [review(1, "a" * 40, "d1")])
    await store.accept("d2", "pull_request", [review(1, "b" * 40, "d2")])
    await store.accept("d3", "pull_request", [review(2, "c" * 40, "d3")])
    first = await store.claim()
    second = await store.claim()
    assert first is not None and second is not None
    assert (first.job, second.job) == (review(1, "b" * 40, "d2"), review(2, "c" * 40, "d3"))
    assert await store.claim() is None


async def test_one_pr_never_runs_two_jobs_at_once(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "db.sqlite3")
    recheck = CommandJob(7, "acme/shop", 1, 99, "mona", "recheck", "d2")
    await store.accept("d1", "pull_request", [review(1, "a" * 40)])
    running = await store.claim()
    assert running is not None
    await store.accept("d2", "issue_comment", [recheck])
    assert await store.claim() is None  # PR 1 is busy
    await store.finish(running.id)
    waiting = await store.claim()
    assert waiting is not None and waiting.job == recheck


async def test_jobs_survive_a_restart_and_interrupted_ones_run_again(tmp_path: Path) -> None:
    """A process that dies mid-job leaves it `running`; the next process queues it again."""
    path = tmp_path / "db.sqlite3"
    store = SqliteStore(path)
    await store.accept("d1", "pull_request", [review(1, "a" * 40)])
    await store.accept("d2", "pull_request", [review(2, "b" * 40, "d2")])
    interrupted = await store.claim()
    assert interrupted is not None
    await store.close()

    reopened = SqliteStore(path)
    assert await reopened.counts() == {"queued": 2}
    again = await reopened.claim()
    assert again is not None and again.job == interrupted.job and again.attempts == 2


async def test_a_retried_job_waits_for_its_delay(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "db.sqlite3")
    await store.accept("d1", "pull_request", [review(1, "a" * 40)])
    claimed = await store.claim()
    assert claimed is not None
    await store.retry(claimed.id, 3600, "GitHub answered 502")
    assert await store.claim() is None
    due = await store.next_due_in()
    assert due is not None and 3500 < due <= 3600
    await store.fail(claimed.id, "gone")
    assert await store.counts() == {"failed": 1}
