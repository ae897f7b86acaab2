"""Recover deliveries GitHub failed to make: it never retries a failed delivery by itself.

On start and then periodically, the app's recent delivery log is read; an event whose every
attempt failed, which the store never accepted and the webhook did not refuse as unusable (a
400: the same payload would be refused again), is redelivered — a bounded number per sweep.
Redeliveries keep their delivery id, so the webhook's dedupe makes a repeat harmless. A sweep
that GitHub or the store failed is tried again soon: what was refused during an outage is
recovered once both answer again.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from gidgethub import HTTPException

from bot.errors import TransientError
from bot.github.api import AppAPI
from bot.jobs.store import JobStore, StoreUnavailable

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=24)  # GitHub keeps deliveries for 3 days; older events are stale anyway
MAX_PER_SWEEP = 50
INTERVAL_S = 600.0
RETRY_S = 30.0  # after a failed sweep: sooner than the interval, so an outage's losses come back


async def sweep(app: AppAPI, store: JobStore, now: datetime | None = None) -> int:
    """Redeliver failed, never-accepted deliveries of the last day; return how many."""
    since = (now or datetime.now(UTC)) - WINDOW
    failed: dict[str, int] = {}
    succeeded: set[str] = set()
    async for item in app.list_deliveries():
        delivered = datetime.fromisoformat(str(item["delivered_at"]).replace("Z", "+00:00"))
        if delivered < since:
            break
        guid = str(item["guid"])
        if 200 <= int(item.get("status_code") or 0) < 300:
            succeeded.add(guid)
        else:
            failed.setdefault(guid, int(item["id"]))  # newest failed attempt of this event
    redelivered = 0
    for guid, delivery_id in failed.items():
        if redelivered >= MAX_PER_SWEEP:
            log.warning(
                "more failed deliveries than %d; the rest wait for the next sweep", redelivered
            )
            break
        if guid in succeeded or await store.seen(guid) or await store.refused(guid):
            continue  # accepted since, or refused as unusable: redelivering cannot help
        await app.redeliver(delivery_id)
        redelivered += 1
        log.info("asked GitHub to redeliver %s", guid)
    return redelivered


async def run_forever(app: AppAPI, store: JobStore, interval: float = INTERVAL_S) -> None:
    """Sweep now and every `interval` seconds; a sweep GitHub or the store failed is logged in
    one line and tried again after `RETRY_S` (or `interval`, when shorter).

    Anything else (an unexpected answer, a bug) ends the loop: the app runs it under
    `Supervised`, which logs why and restarts it.
    """
    while True:
        failure: str | None = None
        try:
            count = await sweep(app, store)
            if count:
                log.info("redelivery sweep: %d deliveries requested", count)
        except StoreUnavailable as exc:
            failure = f"the job store is unavailable ({exc})"
        except (HTTPException, TransientError) as exc:
            failure = str(exc)
        wait = interval if failure is None else min(interval, RETRY_S)
        if failure is not None:
            log.warning("redelivery sweep failed: %s; next try in %g s", failure, wait)
        await asyncio.sleep(wait)
