"""Copy the SQLite job store to one file and back, with SQLite's online backup API.

`backup` reads the live store through a read-only connection of its own, in one read
transaction: the copy is the store at one moment, and a running server goes on accepting
deliveries meanwhile (in WAL mode a reader never blocks the writer). The copy is written under
a temporary name and renamed into place once it checks out, so FILE is never half written.

`restore` copies a backup into the data directory's database while holding SQLite's exclusive
lock on it. A server keeps its database open (WAL mode keeps a shared lock for the whole
connection), so a store in use cannot be taken and is refused rather than swapped under the
server. A restored store is what the backup held: its deliveries are still known (a
redelivery is a duplicate) and its running jobs are queued again when a server opens it.
Every refusal is a BackupError with a one-line reason; nothing is changed before it is raised.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ReadinessError

# Tables every release's store has: a file without them is not a Readiness job store.
STORE_TABLES = ("deliveries", "jobs")


class BackupError(ReadinessError):
    """A backup or restore that cannot be done safely; the text is one line for the operator."""


@dataclass(frozen=True)
class Copied:
    """What a backup or restore copied: jobs in any state, and the deliveries kept for dedupe."""

    jobs: int
    deliveries: int

    def __str__(self) -> str:
        return f"{self.jobs} job(s), {self.deliveries} delivery id(s)"


def backup(database: Path, target: Path, *, force: bool = False) -> Copied:
    """Copy the store at `database` to the file `target`; safe while a server uses the store.

    Raises BackupError when there is no store, the file is not one, or `target` exists
    (unless `force`) or cannot be written.
    """
    if not database.is_file():
        raise BackupError(
            f"READINESS_DATA_DIR: no job store there ({database.name} is missing); "
            "use the server's directory"
        )
    if target.exists():
        if target.resolve() == database.resolve():
            raise BackupError(f"{target} is the job store itself; back it up to another file")
        if not force:
            raise BackupError(f"{target} exists; pass --force to replace it")
    source = _open_store(database, "READINESS_DATA_DIR: the job store")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        source.close()
        raise BackupError(f"cannot write {target}: {exc.strerror}") from None
    os.close(fd)
    partial = Path(name)  # mode 0600: deliveries and jobs name private repositories
    try:
        copy = sqlite3.connect(partial, isolation_level=None)
        try:
            source.backup(copy)  # all pages in one step: one read transaction, one moment
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside
            copied = _check(copy, f"the copy {target}")
        finally:
            copy.close()
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as exc:
        raise BackupError(f"cannot write {target}: {_reason(exc)}") from None
    finally:
        source.close()
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return copied


def restore(source: Path, database: Path, *, force: bool = False) -> Copied:
    """Copy the backup `source` into the store at `database`, which no process may have open.

    Raises BackupError when `source` is not a sound job store, `database` already exists
    (unless `force`), or a process (a running server) has it open.
    """
    if not source.is_file():
        raise BackupError(f"cannot read {source}: no such file")
    if database.exists() and source.resolve() == database.resolve():
        raise BackupError(f"{source} is the job store itself; nothing to restore")
    backup_db = _open_store(source, str(source))
    try:
        _check(backup_db, str(source))  # a damaged backup never replaces anything
        if database.exists() and not force:
            raise BackupError(
                f"READINESS_DATA_DIR already holds a job store ({database}); restore into an "
                "empty directory, or stop every server using it and pass --force to replace it"
            )
        try:
            database.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BackupError(f"READINESS_DATA_DIR: cannot create it ({exc.strerror})") from None
        created = not database.exists()
        store = _exclusive(database)
        try:
            backup_db.backup(store)  # one transaction: an interrupted restore changes nothing
            return _check(store, str(database))
        except BaseException as exc:
            if created:  # not even an empty store is left for a server to start on
                database.unlink(missing_ok=True)
            if isinstance(exc, sqlite3.Error):
                raise BackupError(f"cannot write {database}: {exc}") from None
            raise
        finally:
            store.close()
    finally:
        backup_db.close()


def _open_store(path: Path, what: str) -> sqlite3.Connection:
    """Open a job store read-only; BackupError unless it is one."""
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    try:
        for table in STORE_TABLES:
            db.execute(f"SELECT 1 FROM {table} LIMIT 0")
    except sqlite3.Error as exc:
        db.close()
        raise BackupError(f"{what} is not a Readiness job store ({exc})") from None
    return db


def _exclusive(database: Path) -> sqlite3.Connection:
    """Open `database` holding its exclusive lock until closed; BackupError if it is in use."""
    try:
        db = sqlite3.connect(database, timeout=0, isolation_level=None)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open {database}: {exc}") from None
    try:
        db.execute("PRAGMA locking_mode=EXCLUSIVE")  # the lock stays after the transaction ends
        db.execute("BEGIN EXCLUSIVE")
        db.execute("COMMIT")
    except sqlite3.Error as exc:
        db.close()
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            raise BackupError(
                f"{database} is in use (a running server or another readiness command has it "
                "open); stop it first"
            ) from None
        raise BackupError(f"{database} is not a Readiness job store ({exc})") from None
    return db


def _check(db: sqlite3.Connection, what: str) -> Copied:
    """Run SQLite's quick check over a store and count what it holds; BackupError if damaged."""
    try:
        verdict = db.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(f"{what} is damaged (SQLite quick_check: {verdict})")
        jobs = db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]
        deliveries = db.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0]
    except sqlite3.Error as exc:
        raise BackupError(f"{what} is not a Readiness job store ({exc})") from None
    return Copied(int(jobs), int(deliveries))


def _reason(exc: sqlite3.Error | OSError) -> str:
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc)
