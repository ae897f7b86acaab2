"""Wire the server: webhook route, health probes, the job store, the GitHub client and workers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from bot.events import router
from bot.github.api import AppAPI
from bot.github.auth import AppAuth
from bot.github.client import GitHubClient
from bot.home import AppIdentity, identify, page
from bot.jobs import redeliver
from bot.jobs.pipeline import Pipeline
from bot.jobs.store import JobStore, StoreUnavailable
from bot.jobs.stores import open_store
from bot.jobs.worker import Workers
from bot.metrics import CONTENT_TYPE, Metrics
from bot.redaction import scrub
from bot.settings import Settings
from bot.supervisor import Supervised
from bot.webhook.view import MAX_BODY_BYTES, make_view

log = logging.getLogger(__name__)

STORE = web.AppKey[JobStore]("store")
METRICS = web.AppKey[Metrics]("metrics")  # this app's own registry: apps in one process never mix
BACKGROUND = web.AppKey[list[Supervised]]("background")  # tasks /readyz checks are running
IDENTITY = web.AppKey[list[AppIdentity]]("identity")  # what GitHub says the app is, once read


async def create_app(settings: Settings) -> web.Application:
    """Build the application; the GitHub session, workers and sweeper live in its cleanup ctx.

    Raises SettingError when the job store cannot be opened.
    """
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    store = await open_store(settings)
    app[STORE] = store
    app_metrics = app[METRICS] = Metrics()
    workers = Workers(
        store, settings.workers, retry_deadline=settings.retry_deadline, metrics=app_metrics
    )
    secrets = [settings.webhook_secret.get_secret_value()]
    if settings.webhook_secret_previous is not None:
        secrets.append(settings.webhook_secret_previous.get_secret_value())
    webhook = make_view(
        secrets, settings.app_id, router, store, workers.wake, settings.max_queued, app_metrics
    )
    app[BACKGROUND] = []
    app[IDENTITY] = []

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        timeout = aiohttp.ClientTimeout(total=settings.github_timeout, connect=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            client = GitHubClient(session, base_url=settings.github_api_url, metrics=app_metrics)
            auth = AppAuth(settings.app_id, settings.private_key_pem(), client)
            api = AppAPI(client, auth)
            pipeline = Pipeline(auth, client, api, settings.app_id, store, app_metrics)
            workers.start(pipeline, pipeline.abandon)

            async def remember_identity() -> None:  # in the background: start-up never waits
                app[IDENTITY].append(await identify(api))

            identity = asyncio.create_task(remember_identity(), name="app-identity")
            interval = settings.redeliver_interval
            sweeper = Supervised(
                "redelivery sweep",
                lambda: redeliver.run_forever(api, store, interval),
                max_delay=interval,  # a failing sweep is retried, but never less often than usual
            )
            app[BACKGROUND].append(sweeper)
            sweeper.start()
            log.info("readiness started with %d workers", settings.workers)
            yield
            identity.cancel()
            await sweeper.stop()
            await workers.stop(settings.shutdown_timeout)
        await store.close()

    app.cleanup_ctx.append(lifecycle)
    app.router.add_get("/", home)
    app.router.add_post("/webhook", webhook)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    return app


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def home(request: web.Request) -> web.Response:
    """A page for people: the app's name, version, health and install link."""
    identity = request.app[IDENTITY][0] if request.app[IDENTITY] else AppIdentity()
    problems, _ = await _health(request.app)
    return page(identity, [scrub(p) for p in problems])


async def _health(app: web.Application) -> tuple[list[str], dict[str, int]]:
    """Return what keeps the app from being ready (store, background tasks) and job counts."""
    problems = [task.problem for task in app[BACKGROUND] if task.problem is not None]
    counts: dict[str, int] = {}
    try:
        await app[STORE].ping()
        counts = await app[STORE].counts()
    except Exception as exc:  # noqa: BLE001 - any database failure means "not ready"
        problems.insert(0, f"job store: {exc}")
    return problems, counts


async def readyz(request: web.Request) -> web.Response:
    """Answer 200 with job counts; 503 with the reason when the store or a background task is down.

    Shape: `{"status": "ok", "jobs": {state: n}}` or `{"status": "unavailable", "error": "..."}`.
    """
    problems, counts = await _health(request.app)
    if problems:
        error = "; ".join(problems)
        log.error("readiness probe failed: %s", error)
        return web.json_response({"status": "unavailable", "error": scrub(error)}, status=503)
    return web.json_response({"status": "ok", "jobs": counts})


async def metrics(request: web.Request) -> web.Response:
    """Expose the app's metrics in Prometheus text format, with the store's job counts.

    While the store does not answer: 503, which Prometheus records as a failed scrape (`up` 0).
    """
    try:
        counts = await request.app[STORE].counts()
    except StoreUnavailable as exc:
        log.warning("metrics unavailable: %s", exc)
        return web.Response(text="job store unavailable\n", status=503, content_type="text/plain")
    body = request.app[METRICS].exposition(counts)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})
