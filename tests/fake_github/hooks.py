"""Serve the app's webhook delivery log and redelivery requests."""

from __future__ import annotations

import asyncio

from aiohttp import web

from .routes import app_auth, not_found


async def list_deliveries(request: web.Request) -> web.StreamResponse:
    """List deliveries newest first, paged by an opaque cursor as GitHub does."""
    hooks = app_auth(request).hooks
    per_page = min(int(request.query.get("per_page", "30")), 100)
    start = int(request.query.get("cursor", "0") or 0)
    page = hooks.deliveries[start : start + per_page]
    headers = {}
    if start + per_page < len(hooks.deliveries):
        url = request.url.update_query(cursor=str(start + per_page), per_page=str(per_page))
        headers["Link"] = f'<{url}>; rel="next"'
    return web.json_response(page, headers=headers)


async def redeliver(request: web.Request) -> web.StreamResponse:
    """Accept a redelivery request and send the event again in the background."""
    hooks = app_auth(request).hooks
    delivery_id = int(request.match_info["delivery_id"])
    item = next((d for d in hooks.deliveries if d["id"] == delivery_id), None)
    if item is None:
        raise not_found()
    task = asyncio.get_running_loop().create_task(hooks.redeliver(item["guid"]))
    hooks.pending.add(task)
    task.add_done_callback(hooks.pending.discard)
    return web.json_response({}, status=202)
