"""The app's manifest (`bot/app.yml`) as `readiness setup` posts it, and GitHub's pages for it.

Pure apart from reading the packaged `app.yml`. Manifest fields:
https://docs.github.com/apps/sharing-github-apps/registering-a-github-app-from-a-manifest
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from importlib import resources
from typing import Any

import yaml
from yarl import URL

WEBHOOK_PATH = "/webhook"  # where bot/app.py takes deliveries
# GitHub logins: letters, digits and single hyphens, at most 39 characters.
LOGIN = re.compile(r"[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}")


def load() -> dict[str, Any]:
    """Return `app.yml` as shipped in the package: name, permissions, events, placeholder URLs."""
    text = resources.files("bot").joinpath("app.yml").read_text(encoding="utf-8")
    manifest = yaml.safe_load(text)
    if not isinstance(manifest, dict):
        raise ValueError("app.yml is not a mapping")
    return manifest


def public_url(value: str) -> str:
    """Return where `readiness serve` is reachable, without a trailing slash.

    Raises ValueError unless `value` is an absolute http(s) URL without query or fragment (a
    path prefix is kept: `https://host/readiness` takes deliveries at `/readiness/webhook`).
    """
    url = URL(value.strip())
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"not an http(s) URL: {value!r}")
    if url.query_string or url.fragment:
        raise ValueError(f"a URL without query or fragment is needed: {value!r}")
    return str(url).rstrip("/")


def build(
    base: Mapping[str, Any], *, public: str, redirect_url: str, name: str | None = None
) -> dict[str, Any]:
    """Return the manifest to post: `base` with the webhook at `public` + /webhook and GitHub
    sending the browser back to `redirect_url`; permissions and events stay as `base` has them."""
    manifest = copy.deepcopy(dict(base))
    hook = dict(manifest.get("hook_attributes") or {})
    hook["url"] = public + WEBHOOK_PATH
    hook.setdefault("active", True)
    manifest["hook_attributes"] = hook
    manifest["redirect_url"] = redirect_url
    if name:
        manifest["name"] = name
    return manifest


def web_url(api_url: str) -> str:
    """Return GitHub's web root for its REST API root.

    `https://api.github.com` -> `https://github.com` (likewise `api.NAME.ghe.com`); Enterprise
    Server's `https://HOST/api/v3` -> `https://HOST`; any other root is taken as both.
    Raises ValueError for anything but an absolute http(s) URL.
    """
    url = URL(api_url.strip())
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError("not an http(s) URL")
    path = url.path.rstrip("/")
    if path.endswith("/api/v3"):
        return str(url.with_path(path.removesuffix("/api/v3"), encoded=True)).rstrip("/")
    if url.host.startswith("api.") and not path:
        return str(url.with_host(url.host.removeprefix("api."))).rstrip("/")
    return str(url.with_query(None).with_fragment(None)).rstrip("/")


def new_app_url(web: str, state: str, org: str | None = None) -> str:
    """Return the page the manifest is posted to: the user's, or organisation `org`'s.

    Raises ValueError when `org` is not a GitHub login.
    """
    if org is None:
        page = f"{web}/settings/apps/new"
    elif LOGIN.fullmatch(org):
        page = f"{web}/organizations/{org}/settings/apps/new"
    else:
        raise ValueError(f"not an organisation name: {org!r}")
    return str(URL(page).update_query(state=state))
