"""A backup is one moment of the SQLite store, taken while the store keeps writing; a restore
never lands in a store that a process has open."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.jobs.backup import BackupError, backup, restore
from bot.jobs.model import ReviewJob
from bot.jobs.sqlite_store import SqliteStore


def review(number: int) -> ReviewJob:
    return ReviewJob(7, "acme/shop", number, "a" * 40, "pull_request.opened", f"d{number}")


async def test_backups_taken_while_deliveries_are_accepted_hold_each_delivery_with_its_job(
    tmp_path: Path,
) -> None:
    """Each delivery is stored with its job in one transaction; a copy taken between (or
    during) those writes holds both or neither, and the restored copy is a working store."""
    live = tmp_path / "data" / "readiness.sqlite3"
    store = SqliteStore(live)
    accepted = 0
    more = asyncio.Event()
    stop = asyncio.Event()

    async def accept_deliveries() -> None:
        nonlocal accepted
        while not stop.is_set():
            await store.accept(f"d{accepted + 1}", "pull_request", [review(accepted + 1)])
            accepted += 1
            more.set()

    writer = asyncio.create_task(accept_deliveries())
    copies = []
    try:
        for n in range(5):
            seen = accepted
            while accepted == seen:  # the writer has moved on since the last copy
                more.clear()
                await more.wait()
            target = tmp_path / f"copy-{n}.sqlite3"
            copies.append(await asyncio.to_thread(backup, live, target))
    finally:
        stop.set()
        await writer
    assert all(copy.jobs == copy.deliveries > 0 for copy in copies)
    counts = [copy.deliveries for copy in copies]
    assert counts == sorted(counts) and counts[-1] <= accepted

    fresh = tmp_path / "fresh" / "readiness.sqlite3"
    assert (await asyncio.to_thread(restore, tmp_path / "copy-4.sqlite3", fresh)) == copies[-1]
    restored = SqliteStore(fresh)
    try:
        assert await restored.seen("d1")
        assert await restored.counts() == {"queued": copies[-1].jobs}
    finally:
        await restored.close()
    await store.close()


async def test_restore_refuses_a_store_a_process_has_open_even_when_forced(tmp_path: Path) -> None:
    live = tmp_path / "readiness.sqlite3"
    store = SqliteStore(live)
    await store.accept("d1", "pull_request", [review(1)])
    backup(live, tmp_path / "copy.sqlite3")
    try:
        with pytest.raises(BackupError, match="is in use"):
            restore(tmp_path / "copy.sqlite3", live, force=True)
        assert await store.seen("d1")  # the open store was left as it was
    finally:
        await store.close()
    assert restore(tmp_path / "copy.sqlite3", live, force=True).deliveries == 1
