"""Wire the server: webhook route, health probes, the job store, the GitHub client and workers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from bot.events import router
from bot.github.api import AppAPI
from bot.github.auth import AppAuth
from bot.github.client import GitHubClient
from bot.jobs import redeliver
from bot.jobs.pipeline import Pipeline
from bot.jobs.redis_store import RedisStore
from bot.jobs.sqlite_store import SqliteStore
from bot.jobs.store import JobStore
from bot.jobs.worker import Workers
from bot.redaction import scrub
from bot.settings import Settings
from bot.webhook.view import MAX_BODY_BYTES, make_view

log = logging.getLogger(__name__)

STORE = web.AppKey[JobStore]("store")


async def open_store(settings: Settings) -> JobStore:
    """Use the shared Redis store when READINESS_REDIS_URL is set, else the embedded SQLite one."""
    if settings.redis_url is not None:
        log.info("job store: Redis")
        return await RedisStore.connect(
            settings.redis_url.get_secret_value(), prefix=settings.redis_prefix
        )
    log.info("job store: SQLite at %s", settings.database)
    return SqliteStore(settings.database)


async def create_app(settings: Settings) -> web.Application:
    """Build the application; the GitHub session, workers and sweeper live in its cleanup ctx."""
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    store = await open_store(settings)
    app[STORE] = store
    workers = Workers(store, settings.workers)
    secret = settings.webhook_secret.get_secret_value()
    webhook = make_view(secret, settings.app_id, router, store, workers.wake, settings.max_queued)

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        timeout = aiohttp.ClientTimeout(total=settings.github_timeout, connect=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            client = GitHubClient(session, base_url=settings.github_api_url)
            auth = AppAuth(settings.app_id, settings.private_key_pem(), client)
            workers.start(Pipeline(auth, client, settings.app_id))
            sweeper = asyncio.create_task(
                redeliver.run_forever(AppAPI(client, auth), store, settings.redeliver_interval),
                name="redelivery-sweeper",
            )
            log.info("readiness started with %d workers", settings.workers)
            yield
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
            await workers.stop(settings.shutdown_timeout)
        await store.close()

    app.cleanup_ctx.append(lifecycle)
    app.router.add_post("/webhook", webhook)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    return app


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    try:
        await request.app[STORE].ping()
        counts = await request.app[STORE].counts()
    except Exception as exc:  # noqa: BLE001 - any database failure means "not ready"
        log.error("readiness probe failed: %s", exc)
        return web.json_response({"status": "unavailable", "error": scrub(str(exc))}, status=503)
    return web.json_response({"status": "ok", "jobs": counts})


async def metrics(request: web.Request) -> web.Response:
    """Expose job counts per state (failed = the dead-letter queue) in Prometheus text format."""
    counts = await request.app[STORE].counts()
    lines = [
        "# HELP readiness_jobs Jobs in the store, by state.",
        "# TYPE readiness_jobs gauge",
        *(
            f'readiness_jobs{{state="{state}"}} {counts.get(state, 0)}'
            for state in ("queued", "running", "done", "failed")
        ),
    ]
    return web.Response(text="\n".join(lines) + "\n", content_type="text/plain")
