"""`readiness backup` / `readiness restore`: a running server's store, copied and restored into a
fresh data directory, is served from there as if the server had never moved."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import aiohttp

from tests.conftest import REPO, SECRET, free_port, open_pull
from tests.fake_github import FakeGitHub
from tests.payloads import signed
from tests.test_restart import start, wait_for
from tests.test_review_loop import BASE, HEAD

ROOT = Path(__file__).resolve().parents[1]


def readiness(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run the `readiness` command with `env` as its whole READINESS_ environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("READINESS_")}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        timeout=60,
        check=False,
    )


async def post(env: dict[str, str], data: dict[str, object], delivery: str) -> tuple[int, object]:
    body = json.dumps(data).encode()
    headers = signed(body, SECRET, "pull_request", delivery)
    async with aiohttp.ClientSession() as session:
        url = f"http://127.0.0.1:{env['READINESS_PORT']}/webhook"
        async with session.post(url, data=body, headers=headers) as response:
            return response.status, await response.json()


async def test_a_live_backup_restored_elsewhere_finishes_the_review_and_knows_its_deliveries(
    server_env: dict[str, str], github: FakeGitHub, tmp_path: Path
) -> None:
    """The backup is taken while the server is mid-review; the server's machine is then lost.
    Restored into a new data directory, a new server finishes that review once, and the
    delivery from before the backup, sent again, is a duplicate that queues nothing."""
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    github.fail("POST", f"/repos/{REPO}/pulls/7/reviews", 503, delay=60)  # held mid-review
    first = await start(server_env)
    try:
        assert await post(server_env, data, "delivery-before-the-backup") == (
            202,
            {"status": "queued", "event": "pull_request", "jobs": 1},
        )
        reviews = f"/repos/{REPO}/pulls/7/reviews"
        await wait_for(lambda: bool(github.calls("POST", reviews)), 60, "the review")

        backup = tmp_path / "readiness-backup.sqlite3"
        done = await asyncio.to_thread(readiness, server_env, "backup", str(backup))
        live = Path(server_env["READINESS_DATA_DIR"]) / "readiness.sqlite3"
        assert (done.returncode, done.stderr) == (0, "")
        assert done.stdout == f"backed up {live} to {backup}: 1 job(s), 1 delivery id(s)\n"

        # The live store is the server's: restoring over it is refused, forced or not.
        over = await asyncio.to_thread(readiness, server_env, "restore", str(backup))
        assert over.returncode == 2
        assert over.stderr == (
            f"readiness: READINESS_DATA_DIR already holds a job store ({live}); restore into an "
            "empty directory, or stop every server using it and pass --force to replace it\n"
        )
        forced = await asyncio.to_thread(readiness, server_env, "restore", str(backup), "--force")
        assert forced.returncode == 2
        assert forced.stderr == (
            f"readiness: {live} is in use (a running server or another readiness command has it "
            "open); stop it first\n"
        )
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()
    assert [run["status"] for run in github.check_runs] == ["in_progress"]
    assert github.reviews_of(REPO, 7) == []

    fresh = tmp_path / "fresh-data"
    moved = {**server_env, "READINESS_DATA_DIR": str(fresh), "READINESS_PORT": str(free_port())}
    done = await asyncio.to_thread(readiness, moved, "restore", str(backup))
    restored = fresh / "readiness.sqlite3"
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == f"restored {backup} into {restored}: 1 job(s), 1 delivery id(s)\n"

    second = await start(moved)
    try:
        await wait_for(lambda: [r["status"] for r in github.check_runs] == ["completed"], 60, "run")
        (run,) = github.check_runs
        assert run["conclusion"] == "failure"  # the live key in shop/config.py
        assert len(github.reviews_of(REPO, 7)) == 1

        again = await post(moved, data, "delivery-before-the-backup")
        assert again == (200, {"status": "duplicate", "jobs": 0})
        await asyncio.sleep(1.0)  # room for a second review to show up, if one were queued
        assert len(github.reviews_of(REPO, 7)) == 1
    finally:
        second.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.wait(), 30) == 0


def make_store(data_dir: Path) -> Path:
    """A store a server made (SQLite opened by the server's own code), with one delivery."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import asyncio, sys; from pathlib import Path; "
            "from bot.jobs.sqlite_store import SqliteStore\n"
            "async def main():\n"
            "    store = SqliteStore(Path(sys.argv[1]))\n"
            "    await store.accept('d1', 'ping', [])\n"
            "    await store.close()\n"
            "asyncio.run(main())",
            str(data_dir / "readiness.sqlite3"),
        ],
        cwd=ROOT,
        check=True,
    )
    assert done.returncode == 0
    return data_dir / "readiness.sqlite3"


def test_backup_replaces_an_existing_file_only_when_forced(tmp_path: Path) -> None:
    make_store(tmp_path / "data")
    env = {"READINESS_DATA_DIR": str(tmp_path / "data")}
    target = tmp_path / "nightly.sqlite3"
    target.write_text("last night's backup")

    kept = readiness(env, "backup", str(target))
    assert kept.returncode == 2
    assert kept.stderr == f"readiness: {target} exists; pass --force to replace it\n"
    assert target.read_text() == "last night's backup"

    replaced = readiness(env, "backup", str(target), "--force")
    assert (replaced.returncode, replaced.stderr) == (0, "")
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT delivery_id FROM deliveries").fetchall() == [("d1",)]
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one whole file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "nightly.sqlite3"]


def test_backup_names_the_setting_when_there_is_no_store(tmp_path: Path) -> None:
    done = readiness({"READINESS_DATA_DIR": str(tmp_path)}, "backup", str(tmp_path / "b"))
    assert done.returncode == 2
    assert done.stderr == (
        "readiness: READINESS_DATA_DIR: no job store there (readiness.sqlite3 is missing); "
        "use the server's directory\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_restore_refuses_a_file_that_is_not_a_job_store_and_creates_nothing(
    tmp_path: Path,
) -> None:
    """Neither a text file nor another application's SQLite database becomes a job store."""
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database")
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY)")
    env = {"READINESS_DATA_DIR": str(tmp_path / "data")}

    done = readiness(env, "restore", str(notes))
    assert done.returncode == 2
    assert done.stderr == (
        f"readiness: {notes} is not a Readiness job store (file is not a database)\n"
    )
    done = readiness(env, "restore", str(other))
    assert done.returncode == 2
    assert done.stderr == (
        f"readiness: {other} is not a Readiness job store (no such table: deliveries)\n"
    )
    assert not (tmp_path / "data").exists()


def test_backup_and_restore_refuse_a_redis_store_and_say_what_to_use(tmp_path: Path) -> None:
    """Redis holds the jobs then; copying the SQLite file would back up nothing that matters."""
    make_store(tmp_path)  # an old SQLite store beside must not be mistaken for the jobs
    env = {"READINESS_DATA_DIR": str(tmp_path), "READINESS_REDIS_URL": "redis://:pw@db:6379/0"}
    for command in ("backup", "restore"):
        done = readiness(env, command, str(tmp_path / "copy.sqlite3"))
        assert done.returncode == 2
        assert done.stderr == (
            f"readiness: READINESS_REDIS_URL is set, so the job store is in Redis: "
            f"`readiness {command}` copies only the SQLite store; use Redis's own persistence "
            "(RDB snapshots or AOF)\n"
        )
    assert not (tmp_path / "copy.sqlite3").exists()
