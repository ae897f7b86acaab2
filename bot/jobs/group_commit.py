"""Group commit for SQLite: writes that arrive together share one transaction and one fsync.

With `synchronous=FULL` every commit waits for the disk (a few ms). Committing each delivery
alone caps the webhook at a few hundred a second and makes everything queue behind the fsync.
Here one thread owns the write connection: callers hand it a function and await a future; the
thread takes every write waiting, runs each in a savepoint of one `BEGIN IMMEDIATE`
transaction, commits once, and only then resolves the futures. So a caller is answered only
once its write is durable, exactly as with a commit of its own, and while one group is being
synced the next one gathers. The event loop never waits on SQLite: it only awaits futures.

A write that raises is rolled back to its savepoint and its caller gets the exception; the
others in the group still commit. A write whose caller stopped waiting (its task was cancelled,
say at the webhook's store deadline) before the thread reached it is skipped, so a delivery
answered 503 is not stored late. When the transaction itself fails (the database locked past
the busy timeout, a full disk, a failed commit) every write of the group gets the error and
none of them is stored.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_GROUP = 256  # writes per transaction: bounds how long the write lock is held at once


class Closed(sqlite3.OperationalError):
    """The store was closed: no more writes are taken."""


@dataclass
class _Write:
    run: Callable[[sqlite3.Connection], Any]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]
    abandonable: bool = False
    """Store nothing when the caller gave up waiting before the group ran (a delivery it
    answered 503); any other write lands anyway (a job's outcome must not be lost)."""


_Outcome = tuple[_Write, Any, BaseException | None]


class GroupCommit:
    """One writer thread over one SQLite connection, committing waiting writes together.

    `db` must be in autocommit mode (`isolation_level=None`) and is owned by the thread from
    now on. `after_commit` runs in the thread after each successful commit, before any caller
    is answered, with the connection (to refresh what readers cache).
    """

    def __init__(
        self, db: sqlite3.Connection, after_commit: Callable[[sqlite3.Connection], None]
    ) -> None:
        self._db = db
        self._after_commit = after_commit
        self._waiting: queue.SimpleQueue[_Write | None] = queue.SimpleQueue()
        self._closed = False
        self._thread = threading.Thread(target=self._serve, name="sqlite-writer", daemon=True)
        self._thread.start()

    async def write(
        self, run: Callable[[sqlite3.Connection], T], *, abandonable: bool = False
    ) -> T:
        """Run `run(db)` in the next group; return its result once that group is committed.
        `abandonable`: skip it if the caller stops waiting before its group runs.

        Raises what `run` raised, sqlite3.Error when the group could not be committed, and
        Closed after `close`.
        """
        if self._closed:
            raise Closed("the job store is closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._waiting.put(_Write(run, loop, future, abandonable))
        return await future

    def close(self) -> None:
        """Commit what is waiting, stop the thread and close the connection (blocks)."""
        if self._closed:
            return
        self._closed = True
        self._waiting.put(None)
        self._thread.join()
        self._db.close()

    def _serve(self) -> None:
        stopping = False
        while not stopping:
            first = self._waiting.get()
            if first is None:
                break
            group = [first]
            while len(group) < MAX_GROUP:
                try:
                    more = self._waiting.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                group.append(more)
            try:
                outcomes = self._commit(group)
            except Exception as exc:  # the thread must outlive any one group: log it all
                log.exception("a group of %d SQLite writes failed", len(group))
                self._roll_back()
                outcomes = [(write, None, exc) for write in group]
            _answer(outcomes)

    def _commit(self, group: list[_Write]) -> list[_Outcome]:
        """Run `group` in one transaction; return each write's result or error."""
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            return [(write, None, exc) for write in group]
        outcomes: list[_Outcome] = []
        for write in group:
            if write.abandonable and write.future.done():  # its caller gave up waiting
                continue
            db.execute("SAVEPOINT write")
            try:
                result = write.run(db)
            except Exception as exc:  # noqa: BLE001 - handed to its caller, who raises it
                if not db.in_transaction:  # SQLite rolled the whole transaction back
                    return [(w, None, exc) for w in group]
                db.execute("ROLLBACK TO write")
                db.execute("RELEASE write")
                outcomes.append((write, None, exc))
                continue
            db.execute("RELEASE write")
            outcomes.append((write, result, None))
        try:
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._roll_back()
            return [(w, None, exc) for w in group]
        try:
            self._after_commit(db)
        except sqlite3.Error as exc:  # committed all the same: the callers' writes stand
            log.warning("after a commit: %s", exc)
        return outcomes

    def _roll_back(self) -> None:
        """Leave no transaction open, whatever state a failure left the connection in."""
        if self._db.in_transaction:
            try:
                self._db.execute("ROLLBACK")
            except sqlite3.Error as exc:
                log.warning("could not roll back: %s", exc)


def _answer(outcomes: list[_Outcome]) -> None:
    """Resolve each caller's future on its own event loop (one wake-up per loop)."""
    by_loop: dict[asyncio.AbstractEventLoop, list[_Outcome]] = {}
    for outcome in outcomes:
        by_loop.setdefault(outcome[0].loop, []).append(outcome)
    for loop, mine in by_loop.items():
        try:
            loop.call_soon_threadsafe(_resolve, mine)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            continue


def _resolve(outcomes: list[_Outcome]) -> None:
    for write, result, error in outcomes:
        if write.future.done():
            continue
        if error is None:
            write.future.set_result(result)
        else:
            write.future.set_exception(error)
