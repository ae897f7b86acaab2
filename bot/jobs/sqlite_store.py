"""The durable job store on SQLite: deliveries are recorded and jobs persisted before the 202.

A job is `queued` until a worker claims it (`running`), then `done`, re-`queued` with a delay,
or `failed`. Jobs left `running` by a process that died are queued again when the store opens,
so a crash or restart loses nothing. Review jobs coalesce per PR: a queued review for the same
PR takes the newest head instead of queueing twice. At most one job per PR runs at a time.
A command is queued once per comment (`commands`, which also keeps how it was answered).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from bot.jobs.model import Job, ReviewJob, comment_of, dumps, kind_of, loads
from bot.jobs.store import CALL_TIMEOUT_S, Claimed, FailedJob, StoreNotFound, StoreUnavailable

RETENTION_S = 7 * 24 * 3600
BUSY_TIMEOUT = f"PRAGMA busy_timeout={round(CALL_TIMEOUT_S * 1000)}"  # wait for a lock, then fail

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    delivery_id TEXT PRIMARY KEY,
    event TEXT NOT NULL,
    received_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    pr_key TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    uncounted INTEGER NOT NULL DEFAULT 0,
    not_before REAL NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, not_before);
CREATE TABLE IF NOT EXISTS refused (
    delivery_id TEXT PRIMARY KEY,
    event TEXT NOT NULL,
    reason TEXT NOT NULL,
    received_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS commands (
    comment_id INTEGER PRIMARY KEY,
    outcome TEXT,
    received_at REAL NOT NULL
);
"""


class SqliteStore:
    """The embedded job store: one process, one SQLite file; statements run off the event loop."""

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        """Open the store at `path`, creating it, and queue again what a dead process left running.

        `read_only` opens an existing store and changes nothing in it (`readiness jobs` may run
        beside a live server, whose running jobs must stay running); it raises sqlite3.Error
        when the file is not a job store, StoreNotFound when there is no file.
        """
        if read_only:
            if not path.is_file():
                raise StoreNotFound(f"no {path.name}")
            uri = f"{path.resolve().as_uri()}?mode=ro"
            self._db = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        if read_only:
            try:
                self._db.execute(BUSY_TIMEOUT)
                self._db.execute("SELECT 1 FROM jobs LIMIT 0")
            except sqlite3.Error:
                self._db.close()
                raise
            return
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # a 202 promises the job is on disk
            self._db.execute(BUSY_TIMEOUT)
            self._db.executescript(_SCHEMA)
            self._add_missing_columns()
            now = time.time()
            self._db.execute(
                "UPDATE jobs SET state = 'queued', updated_at = ? WHERE state = 'running'", (now,)
            )
            self._db.execute("DELETE FROM deliveries WHERE received_at < ?", (now - RETENTION_S,))
            self._db.execute("DELETE FROM refused WHERE received_at < ?", (now - RETENTION_S,))
            self._db.execute("DELETE FROM commands WHERE received_at < ?", (now - RETENTION_S,))
            self._db.execute(
                "DELETE FROM jobs WHERE state IN ('done', 'failed') AND updated_at < ?",
                (now - RETENTION_S,),
            )

    def _add_missing_columns(self) -> None:
        """Bring a store an older release made up to date (its rows keep their values)."""
        columns = {row["name"] for row in self._db.execute("PRAGMA table_info(jobs)")}
        if "uncounted" not in columns:
            self._db.execute("ALTER TABLE jobs ADD COLUMN uncounted INTEGER NOT NULL DEFAULT 0")

    async def close(self) -> None:
        await self._run(self._db.close)

    async def _run(self, fn: Any, *args: Any) -> Any:
        """Run `fn` in a thread, one at a time; raise StoreUnavailable when SQLite cannot (the
        database locked past the busy timeout, a disk error, a table gone)."""
        try:
            return await asyncio.to_thread(self._locked, fn, *args)
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(f"SQLite: {exc}") from exc

    def _locked(self, fn: Any, *args: Any) -> Any:
        with self._lock:
            return fn(*args)

    async def accept(self, delivery_id: str, event: str, jobs: list[Job]) -> bool:
        """Record a delivery and queue its jobs in one transaction; False for a repeat delivery."""
        result: bool = await self._run(self._accept, delivery_id, event, jobs)
        return result

    def _accept(self, delivery_id: str, event: str, jobs: list[Job]) -> bool:
        now = time.time()
        self._db.execute("BEGIN IMMEDIATE")
        try:
            inserted = self._db.execute(
                "INSERT OR IGNORE INTO deliveries VALUES (?, ?, ?)", (delivery_id, event, now)
            ).rowcount
            if inserted:
                for job in jobs:
                    self._enqueue(job, now)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        return bool(inserted)

    def _enqueue(self, job: Job, now: float) -> None:
        comment = comment_of(job)
        if (
            comment is not None
            and not self._db.execute(
                "INSERT OR IGNORE INTO commands (comment_id, received_at) VALUES (?, ?)",
                (comment, now),
            ).rowcount
        ):
            return  # this comment's command was queued before, under another delivery
        if isinstance(job, ReviewJob):
            waiting = self._db.execute(
                "SELECT id, payload, attempts FROM jobs "
                "WHERE kind = 'review' AND pr_key = ? AND state = 'queued'",
                (job.key,),
            ).fetchone()
            if waiting is not None:
                old = loads("review", waiting["payload"])
                assert isinstance(old, ReviewJob)
                merged = job.replacing(old, started=waiting["attempts"] > 0)
                # A new head is a new review: due now (keeping its place in the queue), and
                # its limit and clock start again (attempts only grow: Redis fences claims).
                self._db.execute(
                    "UPDATE jobs SET payload = ?, uncounted = attempts, "
                    "not_before = MIN(not_before, ?), "
                    "created_at = ?, updated_at = ? WHERE id = ?",
                    (dumps(merged), now, now, now, waiting["id"]),
                )
                return
        self._db.execute(
            "INSERT INTO jobs (kind, pr_key, payload, state, not_before, created_at, updated_at) "
            "VALUES (?, ?, ?, 'queued', ?, ?, ?)",
            (kind_of(job), job.key, dumps(job), now, now, now),
        )

    async def answered(self, comment_id: int) -> str | None:
        row = await self._run(
            lambda: self._db.execute(
                "SELECT outcome FROM commands WHERE comment_id = ?", (comment_id,)
            ).fetchone()
        )
        return None if row is None or row[0] is None else str(row[0])

    async def answer(self, comment_id: int, outcome: str) -> None:
        await self._run(
            self._db.execute,
            "INSERT INTO commands (comment_id, outcome, received_at) VALUES (?, ?, ?) "
            "ON CONFLICT (comment_id) DO UPDATE SET outcome = excluded.outcome",
            (comment_id, outcome, time.time()),
        )

    async def seen(self, delivery_id: str) -> bool:
        row = await self._run(
            lambda: self._db.execute(
                "SELECT 1 FROM deliveries WHERE delivery_id = ?", (delivery_id,)
            ).fetchone()
        )
        return row is not None

    async def refuse(self, delivery_id: str, event: str, reason: str) -> None:
        await self._run(
            lambda: self._db.execute(
                "INSERT OR REPLACE INTO refused VALUES (?, ?, ?, ?)",
                (delivery_id, event, reason, time.time()),
            )
        )

    async def refused(self, delivery_id: str) -> bool:
        row = await self._run(
            lambda: self._db.execute(
                "SELECT 1 FROM refused WHERE delivery_id = ?", (delivery_id,)
            ).fetchone()
        )
        return row is not None

    async def claim(self) -> Claimed | None:
        """Take the oldest due job whose PR has no job running."""
        claimed: Claimed | None = await self._run(self._claim)
        return claimed

    def _claim(self) -> Claimed | None:
        now = time.time()
        row = self._db.execute(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, updated_at = ? "
            "WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND not_before <= ? "
            "  AND pr_key NOT IN (SELECT pr_key FROM jobs WHERE state = 'running') "
            "  ORDER BY not_before, id LIMIT 1) "
            "RETURNING id, kind, payload, attempts, uncounted, created_at",
            (now, now),
        ).fetchone()
        if row is None:
            return None
        job = loads(row["kind"], row["payload"])
        return Claimed(str(row["id"]), job, row["attempts"], row["uncounted"], row["created_at"])

    async def ping(self) -> None:
        """Raise if the database cannot be queried."""
        await self._run(lambda: self._db.execute("SELECT 1").fetchone())

    async def finish(self, job_id: str) -> None:
        await self._run(self._set, job_id, "done", None, None)

    async def retry(self, job_id: str, delay: float, error: str, *, waited: bool = False) -> None:
        await self._run(self._set, job_id, "queued", delay, error, waited)

    async def fail(self, job_id: str, error: str) -> None:
        await self._run(self._set, job_id, "failed", None, error)

    def _set(
        self, job_id: str, state: str, delay: float | None, error: str | None, waited: bool = False
    ) -> None:
        now = time.time()
        self._db.execute(
            "UPDATE jobs SET state = ?, not_before = ?, updated_at = ?, last_error = ?, "
            "uncounted = uncounted + ? WHERE id = ?",
            (state, now + (delay or 0.0), now, error, int(waited), int(job_id)),
        )

    async def counts(self) -> dict[str, int]:
        """Return the number of jobs in each state, for /readyz and the logs."""
        rows = await self._run(
            lambda: self._db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall()
        )
        return {str(state): int(count) for state, count in rows}

    async def queued(self) -> int:
        row = await self._run(
            lambda: self._db.execute("SELECT COUNT(*) FROM jobs WHERE state = 'queued'").fetchone()
        )
        return int(row[0])

    async def failed(self, limit: int = 20) -> list[FailedJob]:
        rows = await self._run(
            lambda: self._db.execute(
                "SELECT id, pr_key, kind, attempts, last_error FROM jobs WHERE state = 'failed' "
                "ORDER BY updated_at DESC LIMIT ?",
                (limit,),
            ).fetchall()
        )
        return [FailedJob(str(r[0]), r[1], r[2], int(r[3]), r[4] or "") for r in rows]

    async def next_due_in(self) -> float | None:
        """Return seconds until a queued job of a free PR is due; None if there is none.

        A job waiting for its PR's running job is left out: the worker that finishes that job
        wakes the others, so nobody spins on it.
        """
        row = await self._run(
            lambda: self._db.execute(
                "SELECT MIN(not_before) FROM jobs WHERE state = 'queued' "
                "AND pr_key NOT IN (SELECT pr_key FROM jobs WHERE state = 'running')"
            ).fetchone()
        )
        return None if row[0] is None else max(0.0, float(row[0]) - time.time())
