"""Build response bodies in GitHub's shapes, trimmed to the fields a bot plausibly reads."""

from __future__ import annotations

import base64
import hashlib
import zlib
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from .diff import FileDiff

WEB = "https://github.com"
DOCS = "https://docs.github.com/rest"


def now() -> str:
    """Return the current time as GitHub writes timestamps (ISO 8601, UTC, Z)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stable_id(name: str) -> int:
    """Derive a stable numeric id from a name, so repeated payloads agree."""
    return zlib.crc32(name.encode()) % 10_000_000 + 1


def blob_sha(data: bytes) -> str:
    """Return git's blob id for `data`, as GitHub reports file shas."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def user(login: str, base: str) -> dict[str, Any]:
    """Return a simple-user object; logins ending in [bot] are apps, as on GitHub."""
    url = f"{base}/users/{quote(login)}"
    return {
        "login": login,
        "id": stable_id(login),
        "node_id": f"U_{stable_id(login)}",
        "type": "Bot" if login.endswith("[bot]") else "User",
        "site_admin": False,
        "url": url,
        "html_url": f"{WEB}/{quote(login)}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{stable_id(login)}",
        "gravatar_id": "",
        **{f"{k}_url": f"{url}/{k}" for k in ("followers", "repos", "organizations")},
        "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events",
        "following_url": f"{url}/following{{/other_user}}",
        "gists_url": f"{url}/gists{{/gist_id}}",
        "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{url}/subscriptions",
    }


def repository(full_name: str, base: str, default_branch: str) -> dict[str, Any]:
    """Return a minimal repository object."""
    owner, name = full_name.split("/", 1)
    return {
        "id": stable_id(full_name.lower()),
        "node_id": f"R_{stable_id(full_name.lower())}",
        "name": name,
        "full_name": full_name,
        "owner": user(owner, base),
        "private": False,
        "visibility": "public",
        "fork": False,
        "archived": False,
        "default_branch": default_branch,
        "html_url": f"{WEB}/{full_name}",
        "url": f"{base}/repos/{full_name}",
    }


def diff_entry(f: FileDiff, repo: str, head_sha: str, base: str, sha: str) -> dict[str, Any]:
    """Return one entry of the pull request files list."""
    path = quote(f.filename)
    entry: dict[str, Any] = {
        "sha": sha,
        "filename": f.filename,
        "status": f.status,
        "additions": f.additions,
        "deletions": f.deletions,
        "changes": f.additions + f.deletions,
        "blob_url": f"{WEB}/{repo}/blob/{head_sha}/{path}",
        "raw_url": f"{WEB}/{repo}/raw/{head_sha}/{path}",
        "contents_url": f"{base}/repos/{repo}/contents/{path}?ref={head_sha}",
    }
    if f.patch is not None:
        entry["patch"] = f.patch
    if f.previous_filename is not None:
        entry["previous_filename"] = f.previous_filename
    return entry


def content_file(repo: str, path: str, data: bytes, ref: str, base: str) -> dict[str, Any]:
    """Return a contents-API file; above 1 MB GitHub sends no content, only metadata."""
    sha = blob_sha(data)
    large = len(data) > 1_000_000
    url = f"{base}/repos/{repo}/contents/{quote(path)}?ref={quote(ref)}"
    return {
        "type": "file",
        "encoding": "none" if large else "base64",
        "content": "" if large else base64.encodebytes(data).decode(),
        "size": len(data),
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "sha": sha,
        "url": url,
        "git_url": f"{base}/repos/{repo}/git/blobs/{sha}",
        "html_url": f"{WEB}/{repo}/blob/{ref}/{quote(path)}",
        "download_url": f"https://raw.githubusercontent.com/{repo}/{ref}/{quote(path)}",
        "_links": {"self": url, "git": f"{base}/repos/{repo}/git/blobs/{sha}"},
    }


def error(message: str, **extra: Any) -> dict[str, Any]:
    """Return GitHub's error body shape."""
    return {"message": message, **extra, "documentation_url": DOCS}
