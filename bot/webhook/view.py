"""`POST /webhook`: verify, translate, persist, answer 202 — the review runs later in a worker.

Order matters: the signature is checked on the raw bytes before anything is parsed, so an
unsigned body is never even read as JSON. aiohttp's `client_max_size` answers 413 to bodies above
the cap (GitHub never sends more than 25 MB). A signed delivery we cannot use (not JSON, or a
payload whose fields `bot.events.payloads` refuses) is answered 400 in one log line and recorded
as refused, so that the redelivery sweep does not ask GitHub for it again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web
from gidgethub import ValidationFailure, sansio
from gidgethub.routing import Router
from pydantic import ValidationError

from bot.access_log import DELIVERY
from bot.events.payloads import Envelope, reason
from bot.jobs.model import Job
from bot.jobs.store import CALL_TIMEOUT_S, JobStore, StoreUnavailable
from bot.logs import bound
from bot.metrics import UNVERIFIED, Metrics

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 26 * 1024 * 1024 - 1  # a little above GitHub's 25 MB payload cap
RETRY_AFTER_S = 60
# GitHub gives up on a delivery after 10 s. A store call fails by itself after CALL_TIMEOUT_S
# (5 s), storing nothing; this bounds the whole exchange (a reconnect, then a call) above that.
STORE_DEADLINE_S = CALL_TIMEOUT_S + 1.0
SIGNED_ANSWERS = frozenset({200, 202, 400, 429, 503})  # given only after the signature checked out

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error(status: int, message: str, retry_after: int | None = None) -> web.Response:
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return web.json_response({"error": message}, status=status, headers=headers)


def _signed_with(body: bytes, signature: str, secrets: Sequence[str]) -> int | None:
    """Return the index of the secret that signed the body, or None when none did."""
    for index, secret in enumerate(secrets):
        try:
            sansio.validate_event(body, signature=signature, secret=secret)
        except ValidationFailure:
            continue
        return index
    return None


def make_view(
    secrets: Sequence[str],
    app_id: int,
    router: Router,
    store: JobStore,
    wake: Callable[[], None],
    max_queued: int,
    metrics: Metrics,
) -> Handler:
    """Build the webhook handler over its collaborators.

    `secrets` holds the webhook secret, then during a rotation the previous one: a delivery
    signed with either is accepted, so GitHub and the server can switch at different moments.
    Every answer is counted by event and outcome, with its latency.
    """

    async def webhook(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        delivery = request.headers.get("X-GitHub-Delivery", "")
        event_name = request.headers.get("X-GitHub-Event", "")
        with bound(delivery_id=delivery or None, event=event_name or None):
            signature = request.headers.get("X-Hub-Signature-256")
            if not signature:
                log.warning("rejected a delivery without X-Hub-Signature-256")
                return _error(401, "missing X-Hub-Signature-256 signature")
            signed_with = _signed_with(body, signature, secrets)
            if signed_with is None:
                log.warning("rejected a delivery with a wrong signature")
                return _error(401, "invalid X-Hub-Signature-256 signature")
            if signed_with > 0:
                log.info("delivery signed with the previous webhook secret; finish the rotation")
            if not delivery or not event_name:
                return _error(400, "missing X-GitHub-Event or X-GitHub-Delivery header")
            try:
                data = json.loads(body)
            except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
                return await refuse(delivery, event_name, "the body is not valid JSON")
            except ValueError:  # an integer longer than CPython converts (4,300 digits)
                return await refuse(delivery, event_name, "the body holds a number too long")
            if not isinstance(data, dict):
                return await refuse(delivery, event_name, "the body is not a JSON object")
            event = sansio.Event(data, event=event_name, delivery_id=delivery)
            jobs: list[Job] = []
            try:
                Envelope.model_validate(data)  # the router looks the action up
                if "installation" in data:  # only an installation's events can be acted on
                    await router.dispatch(event, jobs=jobs, app_id=app_id)
            except ValidationError as exc:
                why = f"the {event_name} payload cannot be used: {reason(exc)}"
                return await refuse(delivery, event_name, why)
            try:
                async with asyncio.timeout(STORE_DEADLINE_S):
                    full = bool(jobs) and await store.queued() >= max_queued
                    fresh = not full and await store.accept(delivery, event_name, jobs)
            except (StoreUnavailable, TimeoutError) as exc:
                # GitHub records a failed delivery, which the redelivery sweep asks for again.
                why = str(exc) or f"no answer within {STORE_DEADLINE_S:g} s"
                log.error("delivery refused: the job store is unavailable (%s)", why)
                return _error(503, "the job store is unavailable; redeliver later", RETRY_AFTER_S)
            if full:
                # Refuse what cannot be kept: the delivery fails and is redelivered later.
                log.error("queue full (%d jobs); delivery refused", max_queued)
                return _error(429, "the review queue is full; redeliver later", RETRY_AFTER_S)
            if not fresh:
                request[DELIVERY] = {"event": event_name, "outcome": "duplicate", "jobs": 0}
                return web.json_response({"status": "duplicate", "jobs": 0}, status=200)
            if jobs:
                wake()
            ack = _ack(event, jobs)
            request[DELIVERY] = {"event": event_name, "outcome": ack["status"], "jobs": len(jobs)}
            return web.json_response(ack, status=202)

    async def refuse(delivery: str, event_name: str, why: str) -> web.Response:
        """Answer 400 and record the refusal, so that the redelivery sweep leaves it alone."""
        log.warning("refused a delivery: %s", why)
        try:
            async with asyncio.timeout(STORE_DEADLINE_S):  # GitHub waits 10 s for any answer
                await store.refuse(delivery, event_name, why)
        except Exception as exc:  # noqa: BLE001 - the answer stands; the sweep may retry it once
            log.warning("could not record the refused delivery: %s", exc)
        return _error(400, why)

    async def measured(request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = await webhook(request)
            status = response.status
            return response
        except web.HTTPException as exc:  # aiohttp's 413 for a body above the cap
            status = exc.status
            raise
        finally:
            # The event header is only trusted once the body's signature checked out.
            verified = status in SIGNED_ANSWERS
            event = request.headers.get("X-GitHub-Event", "") if verified else UNVERIFIED
            metrics.delivery(event, status, time.perf_counter() - started)

    return measured


def _ack(event: sansio.Event, jobs: list[Job]) -> dict[str, Any]:
    return {"status": "queued" if jobs else "ignored", "event": event.event, "jobs": len(jobs)}
