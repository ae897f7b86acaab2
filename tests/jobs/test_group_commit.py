"""Group commit: writes waiting together share a transaction, yet each caller gets its own
outcome, and nothing is answered before the commit."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.jobs.group_commit import GroupCommit


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path, isolation_level=None) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, value TEXT NOT NULL)")
    return path


@pytest.fixture
def commits() -> list[str]:
    return []


@pytest.fixture
def writer(database: Path, commits: list[str]) -> Iterator[GroupCommit]:
    db = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA busy_timeout=10000")
    db.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
    group = GroupCommit(db, lambda db: None)
    yield group
    group.close()


def stored(database: Path) -> list[str]:
    with sqlite3.connect(database) as db:
        return [row[0] for row in db.execute("SELECT value FROM rows ORDER BY id")]


def insert(value: str) -> Callable[[sqlite3.Connection], int]:
    def run(db: sqlite3.Connection) -> int:
        row_id = db.execute("INSERT INTO rows (value) VALUES (?)", (value,)).lastrowid
        assert row_id is not None
        return row_id

    return run


async def test_writes_that_wait_together_share_one_commit(
    writer: GroupCommit, database: Path, commits: list[str]
) -> None:
    """Fifty writes queued while another connection holds the write lock are committed in at
    most two transactions (the first may have been taken alone), and each caller gets its own
    result only once its row can be read by another connection."""
    locker = sqlite3.connect(database, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    tasks = [asyncio.create_task(writer.write(insert(f"row {n}"))) for n in range(50)]
    await asyncio.sleep(0.2)  # every task has handed its write in; the writer waits for the lock
    assert not any(task.done() for task in tasks)
    assert stored(database) == []
    locker.execute("COMMIT")
    locker.close()
    ids = await asyncio.gather(*tasks)
    assert sorted(ids) == list(range(1, 51))
    assert sorted(stored(database)) == sorted(f"row {n}" for n in range(50))
    assert 1 <= len(commits) <= 2


async def test_a_write_that_fails_is_rolled_back_alone(writer: GroupCommit, database: Path) -> None:
    """A write that raises gets its own error; the writes grouped with it are still committed,
    and nothing of the failed one is."""

    def half_then_fail(db: sqlite3.Connection) -> None:
        db.execute("INSERT INTO rows (value) VALUES ('half')")
        db.execute("INSERT INTO no_such_table VALUES (1)")

    locker = sqlite3.connect(database, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")  # so that the three are grouped
    before = asyncio.create_task(writer.write(insert("before")))
    failing = asyncio.create_task(writer.write(half_then_fail))
    after = asyncio.create_task(writer.write(insert("after")))
    await asyncio.sleep(0.1)
    locker.execute("COMMIT")
    locker.close()
    await before
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        await failing
    await after
    assert stored(database) == ["before", "after"]


async def test_a_write_whose_caller_gave_up_is_stored_only_if_it_must_be(
    writer: GroupCommit, database: Path
) -> None:
    """A caller cancelled before its write ran: an abandonable write (a webhook past its store
    deadline answers 503) stores nothing, as GitHub's redelivery will be the one that counts;
    any other (a job's outcome, its worker stopped meanwhile) is stored all the same."""
    locker = sqlite3.connect(database, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    abandoned = asyncio.create_task(writer.write(insert("abandoned"), abandonable=True))
    outcome = asyncio.create_task(writer.write(insert("outcome")))
    await asyncio.sleep(0.1)
    abandoned.cancel()
    outcome.cancel()
    locker.execute("COMMIT")
    locker.close()
    await writer.write(insert("kept"))
    assert stored(database) == ["outcome", "kept"]


async def test_a_group_that_cannot_commit_fails_every_write_in_it(
    database: Path, commits: list[str]
) -> None:
    """The database stays locked past the busy timeout: each write of the group gets the error
    and none is stored; the next group commits normally."""
    db = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA busy_timeout=200")
    writer = GroupCommit(db, lambda db: None)
    try:
        locker = sqlite3.connect(database, isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")
        results = await asyncio.gather(
            *(writer.write(insert(f"lost {n}")) for n in range(3)),
            return_exceptions=True,
        )
        assert [type(r) for r in results] == [sqlite3.OperationalError] * 3
        assert all("locked" in str(r) for r in results)
        locker.execute("COMMIT")
        locker.close()
        await writer.write(insert("kept"))
    finally:
        writer.close()
    assert stored(database) == ["kept"]


async def test_writes_after_close_are_refused(writer: GroupCommit) -> None:
    writer.close()
    with pytest.raises(sqlite3.OperationalError, match="closed"):
        await writer.write(insert("late"))
