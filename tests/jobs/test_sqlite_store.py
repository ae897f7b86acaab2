"""SQLite-only: jobs, seen deliveries and commands outlive a restart (shared cases:
test_store_contract)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.jobs.model import CommandJob, ReviewJob
from bot.jobs.sqlite_store import SqliteStore


def review(number: int, head: str, delivery: str = "d1") -> ReviewJob:
    return ReviewJob(7, "acme/shop", number, head, "pull_request.opened", delivery)


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
    await reopened.close()


async def test_a_repeat_delivery_is_recognised_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    store = SqliteStore(path)
    assert await store.accept("d1", "pull_request", [review(1, "a" * 40)])
    await store.close()

    reopened = SqliteStore(path)
    assert not await reopened.accept("d1", "pull_request", [review(1, "a" * 40)])
    assert await reopened.counts() == {"queued": 1}
    await reopened.close()


async def test_a_queued_and_answered_command_is_remembered_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    recheck = CommandJob(7, "acme/shop", 1, 555, "mona", "recheck", "d1")
    store = SqliteStore(path)
    assert await store.accept("d1", "issue_comment", [recheck])
    await store.answer(555, "+1")
    await store.close()

    reopened = SqliteStore(path)
    again = CommandJob(7, "acme/shop", 1, 555, "mona", "recheck", "d2")
    assert await reopened.accept("d2", "issue_comment", [again])
    assert await reopened.counts() == {"queued": 1}
    assert await reopened.answered(555) == "+1"
    await reopened.close()


async def test_a_job_that_cannot_be_decoded_does_not_block_the_others(tmp_path: Path) -> None:
    """A payload another release wrote fails its own claim; it is left running (requeued by
    the next start), and the next claim takes the next job."""
    path = tmp_path / "db.sqlite3"
    store = SqliteStore(path)
    await store.accept("d1", "pull_request", [review(1, "a" * 40)])
    await store.accept("d2", "pull_request", [review(2, "b" * 40, "d2")])
    with sqlite3.connect(path) as db:
        db.execute("UPDATE jobs SET payload = ? WHERE pr_key = ?", ('{"bogus": 1}', "acme/shop#1"))
    with pytest.raises(TypeError):
        await store.claim()
    taken = await store.claim()
    assert taken is not None and taken.job == review(2, "b" * 40, "d2")
    await store.close()
