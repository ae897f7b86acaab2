"""`readiness jobs` needs only the store's location, reads only what a server made."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.jobs.model import ReviewJob
from bot.jobs.redis_store import RedisStore
from bot.jobs.sqlite_store import SqliteStore
from bot.jobs.store import JobStore
from tests.redis_server import redis_url

ROOT = Path(__file__).resolve().parents[1]


def jobs(env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run `readiness jobs` with only `env` for settings (no key, no secret, no app id)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("READINESS_")}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "jobs"],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        timeout=60,
        check=False,
    )


def review(number: int, delivery: str) -> ReviewJob:
    return ReviewJob(1, "acme/shop", number, "a" * 40, "pull_request.opened", delivery)


async def fill(store: JobStore) -> None:
    """Leave one job running (claimed by a live server) and one failed."""
    await store.accept("d1", "pull_request", [review(7, "d1")])
    failed = await store.claim()
    assert failed is not None
    await store.fail(failed.id, "PermanentError: GitHub refused: 403")
    await store.accept("d2", "pull_request", [review(8, "d2")])
    assert await store.claim() is not None


EXPECTED = (
    "queued: 0  running: 1  done: 0  failed: 1\n"
    "failed review acme/shop#7 (job 1, 1 attempts): PermanentError: GitHub refused: 403\n"
)


async def test_jobs_reads_sqlite_with_the_data_dir_alone_and_leaves_running_jobs_running(
    tmp_path: Path,
) -> None:
    """Beside a live server whose job is running: it used to need the private key and webhook
    secret, and opening the store queued the running job again (a second worker could take it)."""
    server_store = SqliteStore(tmp_path / "readiness.sqlite3")
    try:
        await fill(server_store)
        done = await asyncio.to_thread(jobs, {"READINESS_DATA_DIR": str(tmp_path)})
        assert (done.returncode, done.stderr) == (0, "")
        assert done.stdout == EXPECTED
        assert await server_store.counts() == {"running": 1, "failed": 1}
    finally:
        await server_store.close()


def test_jobs_refuses_to_create_a_store_where_there_is_none(tmp_path: Path) -> None:
    """Run from the wrong directory it used to create an empty store and print zeros."""
    done = jobs({}, cwd=tmp_path)  # the default, ./data, is not there
    assert done.returncode == 2
    assert done.stderr == (
        "readiness: READINESS_DATA_DIR: no job store there (readiness.sqlite3 is missing); "
        "use the server's directory\n"
    )
    assert done.stdout == "" and list(tmp_path.iterdir()) == []

    empty = tmp_path / "empty"
    empty.mkdir()
    done = jobs({"READINESS_DATA_DIR": str(empty)})
    assert done.returncode == 2 and "READINESS_DATA_DIR: no job store there" in done.stderr
    assert list(empty.iterdir()) == []


def test_jobs_refuses_a_file_that_is_not_a_job_store(tmp_path: Path) -> None:
    (tmp_path / "readiness.sqlite3").write_text("not a database")
    done = jobs({"READINESS_DATA_DIR": str(tmp_path)})
    assert done.returncode == 2
    assert done.stderr == (
        "readiness: READINESS_DATA_DIR: readiness.sqlite3 there is not a job store "
        "(file is not a database)\n"
    )


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A fresh key prefix in the test Redis, deleted afterwards."""
    url = redis_url()
    prefix = f"readiness-test:{uuid.uuid4().hex}:"
    yield prefix
    cleaner = aioredis.Redis.from_url(url)
    keys = [key async for key in cleaner.scan_iter(match=prefix + "*")]
    if keys:
        await cleaner.delete(*keys)
    await cleaner.aclose()


async def test_jobs_reads_redis_and_refuses_a_prefix_no_server_used(redis_prefix: str) -> None:
    url = redis_url()
    server_store = await RedisStore.connect(url, prefix=redis_prefix)
    try:
        await fill(server_store)
        env = {"READINESS_REDIS_URL": url, "READINESS_REDIS_PREFIX": redis_prefix}
        done = await asyncio.to_thread(jobs, env)
        assert (done.returncode, done.stderr) == (0, "")
        assert done.stdout == EXPECTED.replace("job 1,", "job 000000000001,")
        assert await server_store.counts() == {"running": 1, "failed": 1}
    finally:
        await server_store.close()

    unused = {"READINESS_REDIS_URL": url, "READINESS_REDIS_PREFIX": redis_prefix + "typo:"}
    done = await asyncio.to_thread(jobs, unused)
    assert done.returncode == 2
    assert done.stderr == (
        "readiness: READINESS_REDIS_PREFIX: no job store under this prefix in that Redis "
        "(a server has never used it)\n"
    )
