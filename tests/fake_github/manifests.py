"""GitHub's manifest flow: the web page a manifest is posted to, and the API that redeems its code.

The page (`POST /settings/apps/new?state=…`, or an organisation's) is github.com's web UI, not
the REST API: it checks the manifest as GitHub does, creates the app with a fresh RSA key and
webhook secret, and redirects the browser to the manifest's `redirect_url` with a one-hour,
one-use `code` and the `state` it was given. `POST /app-manifests/{code}/conversions` then answers
the app with its `pem`, `webhook_secret` and client credentials, once.
"""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web
from yarl import URL

from .registrations import register
from .routes import STATE, not_found

WEB_USER = "readiness-dev"  # who is signed in to the double's web pages
MANIFEST_KEYS = frozenset(
    {
        "name",
        "url",
        "hook_attributes",
        "redirect_url",
        "callback_urls",
        "setup_url",
        "description",
        "public",
        "default_events",
        "default_permissions",
        "request_oauth_on_install",
        "setup_on_update",
    }
)
ACCESS = frozenset({"read", "write", "admin"})


async def new_app_page(request: web.Request) -> web.StreamResponse:
    """Create the app the posted manifest describes and send the browser to its redirect URL."""
    gh = request.app[STATE]
    form = await request.post()
    org = request.match_info.get("org")
    try:
        manifest = _manifest(form.get("manifest"))
    except ValueError as exc:
        gh.errors.append(
            f"{request.method} {request.path}: GitHub would refuse the manifest: {exc}"
        )
        return web.Response(status=422, text=f"Invalid GitHub App manifest: {exc}")
    slug = re.sub(r"[^a-z0-9]+", "-", str(manifest["name"]).lower()).strip("-")
    taken = {gh.slug} | {r.app["slug"] for r in gh.manifests.registrations}
    if slug in taken:  # GitHub keeps the form open and says so; nothing is created
        return web.Response(status=200, text=f"Name {manifest['name']!r} is already taken")
    registration = register(gh.manifests, manifest, slug, org or WEB_USER, gh.url, org is not None)
    gh.manifests.registrations.append(registration)
    target = URL(str(manifest["redirect_url"])).update_query(
        code=registration.code, state=request.query.get("state", "")
    )
    return web.Response(status=302, headers={"Location": str(target)})


async def convert(request: web.Request) -> web.StreamResponse:
    """Answer the app a manifest code stands for, with its key and secrets (201), once."""
    registration = request.app[STATE].manifests.redeem(request.match_info["code"])
    if registration is None:
        raise not_found()
    return web.json_response(registration.app, status=201)


def _manifest(value: Any) -> dict[str, Any]:
    """Parse and check a posted manifest as GitHub does; ValueError says what is wrong."""
    if not isinstance(value, str):
        raise ValueError("no `manifest` form field")
    manifest = json.loads(value)
    if not isinstance(manifest, dict):
        raise ValueError("the manifest is not a JSON object")
    if unknown := set(manifest) - MANIFEST_KEYS:
        raise ValueError(f"unknown keys {sorted(unknown)}")
    for key in ("name", "url", "redirect_url"):
        if not isinstance(manifest.get(key), str) or not manifest[key]:
            raise ValueError(f"`{key}` must be a non-empty string")
    hook = manifest.get("hook_attributes")
    if not isinstance(hook, dict) or not _absolute(hook.get("url")):
        raise ValueError("`hook_attributes.url` must be an absolute http(s) URL")
    if not _absolute(manifest["redirect_url"]):
        raise ValueError("`redirect_url` must be an absolute http(s) URL")
    permissions = manifest.get("default_permissions", {})
    if not isinstance(permissions, dict) or not set(permissions.values()) <= ACCESS:
        raise ValueError("`default_permissions` maps permissions to read, write or admin")
    events = manifest.get("default_events", [])
    if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
        raise ValueError("`default_events` must be a list of event names")
    return manifest


def _absolute(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    url = URL(value)
    return url.scheme in ("http", "https") and bool(url.host)
