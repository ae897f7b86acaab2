"""Answer the GitHub REST endpoints the bot uses, from GitHubState, with GitHub's quirks."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from . import payloads
from .auth import Token, jwt_problem, new_token
from .state import BASE_ROLES, PERMISSIONS, GitHubState, Pull, Repo

STATE = web.AppKey("state", GitHubState)
MAX_BODY = 65536
DIFF_TYPES = ("application/vnd.github.v3.diff", "application/vnd.github.diff")
RAW_TYPES = ("application/vnd.github.raw", "application/vnd.github.v3.raw")
# The legacy `permission` field knows only admin/write/read/none (see the endpoint's description).
LEGACY = {
    "admin": "admin",
    "maintain": "write",
    "write": "write",
    "triage": "read",
    "read": "read",
    "none": "none",
}
TOO_LARGE = {
    "message": "Sorry, the diff exceeded the maximum number of files (300). Consider using "
    "'List pull requests files' API or locally cloning the repository instead.",
    "errors": [{"resource": "PullRequest", "field": "diff", "code": "too_large"}],
    "documentation_url": "https://docs.github.com/rest/pulls/pulls#get-a-pull-request",
    "status": "406",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Reply(Exception):
    """Carry an error response out of a handler."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body


def unprocessable(*errors: Any, message: str = "Unprocessable Entity") -> Reply:
    """Build GitHub's 422 reply."""
    return Reply(422, payloads.error(message, errors=list(errors)))


def not_found() -> Reply:
    """Build GitHub's 404 reply."""
    return Reply(404, payloads.error("Not Found"))


def check_body_length(body: str | None, resource: str) -> None:
    """Refuse bodies over GitHub's 65536-character limit."""
    if body is not None and len(body) > MAX_BODY:
        error = f"Body is too long (maximum is {MAX_BODY} characters)"
        raise unprocessable(
            {"resource": resource, "code": "custom", "field": "body", "message": error},
            message="Validation Failed",
        )


async def read_json(request: web.Request) -> Any:
    """Return the JSON body ({} when empty); the middleware has already read and checked it."""
    raw = await request.read()
    return json.loads(raw) if raw else {}


# -- auth --------------------------------------------------------------------------------------


def app_auth(request: web.Request) -> GitHubState:
    """Require a valid app JWT, as GitHub does on /app endpoints."""
    gh = request.app[STATE]
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    problem = "no Bearer JWT" if scheme.lower() != "bearer" else None
    problem = problem or jwt_problem(token.strip(), app_id=gh.app_id, public_key=gh.public_key)
    if problem:
        gh.log.info("JWT refused for %s %s: %s", request.method, request.path, problem)
        raise Reply(401, payloads.error("A JSON web token could not be decoded"))
    return gh


def repo_auth(request: web.Request) -> tuple[GitHubState, Repo]:
    """Require an unexpired installation token that covers the repository in the path."""
    gh = request.app[STATE]
    full_name = f"{request.match_info['owner']}/{request.match_info['repo']}"
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    token = gh.tokens.get(value.strip()) if scheme.lower() in ("token", "bearer") else None
    if token is None or not token.allows(full_name):
        gh.log.info("token refused for %s %s", request.method, request.path)
        raise Reply(401, payloads.error("Bad credentials"))
    return gh, gh.repo(full_name)


def get_pull(repo: Repo, request: web.Request, key: str = "pull_number") -> Pull:
    """Find the pull request named in the path."""
    pull = repo.pulls.get(int(request.match_info[key]))
    if pull is None:
        raise not_found()
    return pull


# -- responses ---------------------------------------------------------------------------------


def paginate(request: web.Request, items: list[Any], key: str | None = None) -> web.Response:
    """Answer one page of `items` with a Link header, as GitHub pages every list."""
    gh = request.app[STATE]
    per_page = min(max(int(request.query.get("per_page", 30)), 1), 100)
    last = max((len(items) + per_page - 1) // per_page, 1)
    page = max(int(request.query.get("page", 1)), 1)
    chunk = items[(page - 1) * per_page : page * per_page]
    links = []
    for rel, number in (("prev", page - 1), ("next", page + 1), ("first", 1), ("last", last)):
        if (rel in ("next", "last") and page < last) or (rel in ("prev", "first") and page > 1):
            query = {**request.query, "per_page": str(per_page), "page": str(number)}
            links.append(f'<{gh.url}{request.rel_url.raw_path}?{urlencode(query)}>; rel="{rel}"')
    headers = {"Link": ", ".join(links)} if links else {}
    body: Any = chunk if key is None else {"total_count": len(items), key: chunk}
    return web.json_response(body, headers=headers)


def pull_json(gh: GitHubState, pull: Pull, *, full: bool = False) -> dict[str, Any]:
    """Return a pull request; `full` adds the counts only the single-PR endpoint has."""
    base_url = f"{gh.url}/repos/{pull.repo}/pulls/{pull.number}"
    data: dict[str, Any] = {
        "id": payloads.stable_id(f"{pull.repo}#{pull.number}".lower()),
        "node_id": f"PR_{pull.number}",
        "number": pull.number,
        "state": pull.state,
        "locked": False,
        "title": pull.title,
        "body": pull.body or None,
        "draft": pull.draft,
        "user": payloads.user(pull.user, gh.url),
        "head": _branch(gh, pull.head_repo, pull.head_ref, pull.head_sha, pull.user),
        "base": _branch(gh, pull.repo, pull.base_ref, pull.base_sha, pull.repo.split("/")[0]),
        "url": base_url,
        "html_url": f"{payloads.WEB}/{pull.repo}/pull/{pull.number}",
        "diff_url": f"{payloads.WEB}/{pull.repo}/pull/{pull.number}.diff",
        "created_at": pull.created_at,
        "updated_at": pull.updated_at,
        "closed_at": None if pull.state == "open" else pull.updated_at,
        "merged_at": None,
        "author_association": "CONTRIBUTOR",
    }
    if full:
        files = pull.files[pull.head_sha]
        data.update(
            merged=False,
            mergeable=None,
            commits=len(pull.diffs),
            additions=sum(f.additions for f in files),
            deletions=sum(f.deletions for f in files),
            changed_files=len(files),
        )
    return data


def _branch(gh: GitHubState, repo: str, ref: str, sha: str, owner: str) -> dict[str, Any]:
    """Return a pull request's head or base."""
    return {
        "label": f"{owner}:{ref}",
        "ref": ref,
        "sha": sha,
        "user": payloads.user(owner, gh.url),
        "repo": payloads.repository(repo, gh.url, "main"),
    }


def check_run_json(gh: GitHubState, repo: Repo, run: dict[str, Any]) -> dict[str, Any]:
    """Return a check run as the API shows it: a count and a URL instead of the annotations."""
    data = copy.deepcopy(run)
    data["output"].pop("annotations")
    data["pull_requests"] = [
        {
            "id": payloads.stable_id(f"{p.repo}#{p.number}".lower()),
            "number": p.number,
            "url": f"{gh.url}/repos/{p.repo}/pulls/{p.number}",
            "head": {"ref": p.head_ref, "sha": p.head_sha},
            "base": {"ref": p.base_ref, "sha": p.base_sha},
        }
        for p in repo.pulls.values()
        if p.head_sha == run["head_sha"] and p.state == "open"
    ]
    return data


# -- app endpoints -----------------------------------------------------------------------------


async def create_token(request: web.Request) -> web.StreamResponse:
    """Mint an installation token, optionally narrowed to some repositories."""
    gh = app_auth(request)
    installation_id = int(request.match_info["installation_id"])
    repos = gh.installations.get(installation_id)
    if repos is None:
        raise not_found()
    body = await read_json(request)
    wanted = {n.lower() for n in (body or {}).get("repositories", [])}
    if wanted:
        narrowed = {r for r in repos if r.split("/", 1)[1] in wanted}
        if len(narrowed) < len(wanted):
            raise unprocessable(
                message="There is at least one repository that does not exist or "
                "is not accessible to the parent installation."
            )
        repos = narrowed
    token = new_token()
    expires = time.time() + gh.token_lifetime
    gh.tokens[token] = Token(installation_id, frozenset(repos), expires)
    gh.tokens_issued += 1
    stamp = datetime.fromtimestamp(expires, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return web.json_response(
        {
            "token": token,
            "expires_at": stamp,
            "permissions": PERMISSIONS,
            "repository_selection": "all",
        },
        status=201,
    )


# -- repository endpoints ----------------------------------------------------------------------


async def get_app(request: web.Request) -> web.StreamResponse:
    """Describe the authenticated app (its JWT says which)."""
    return web.json_response(app_auth(request).app_json())


async def get_repo(request: web.Request) -> web.StreamResponse:
    """Describe a repository."""
    gh, repo = repo_auth(request)
    return web.json_response(payloads.repository(repo.full_name, gh.url, repo.default_branch))


async def list_pulls(request: web.Request) -> web.StreamResponse:
    """List pull requests, newest first, filtered like GitHub."""
    gh, repo = repo_auth(request)
    state, head, base = (request.query.get(k) for k in ("state", "head", "base"))
    pulls = [
        p
        for p in sorted(repo.pulls.values(), key=lambda p: -p.number)
        if (state or "open") in ("all", p.state)
        and (head is None or head == f"{p.head_repo.split('/')[0]}:{p.head_ref}")
        and (base is None or base == p.base_ref)
    ]
    return paginate(request, [pull_json(gh, p) for p in pulls])


async def get_pull_request(request: web.Request) -> web.StreamResponse:
    """Return a pull request as JSON, or its diff for the diff media type."""
    gh, repo = repo_auth(request)
    pull = get_pull(repo, request)
    if any(t in request.headers.get("Accept", "") for t in DIFF_TYPES):
        if pull.too_large():
            raise Reply(406, TOO_LARGE)
        return web.Response(
            body=pull.diffs[pull.head_sha], headers={"Content-Type": "text/plain; charset=utf-8"}
        )
    return web.json_response(pull_json(gh, pull, full=True))


async def list_files(request: web.Request) -> web.StreamResponse:
    """List the files derived from the head diff; GitHub stops at 3000."""
    gh, repo = repo_auth(request)
    pull = get_pull(repo, request)
    return paginate(request, _diff_entries(gh, repo, pull, 3000))


def _diff_entries(gh: GitHubState, repo: Repo, pull: Pull, cap: int) -> list[dict[str, Any]]:
    """The first `cap` files of the PR's head diff as GitHub's diff entries."""
    head_files = repo.trees.get(pull.head_sha, {})
    entries = []
    for f in pull.files[pull.head_sha][:cap]:
        data = head_files.get(f.filename)
        sha = (
            payloads.blob_sha(data) if data is not None else payloads.blob_sha(f.filename.encode())
        )
        entries.append(payloads.diff_entry(f, repo.full_name, pull.head_sha, gh.url, sha))
    return entries


async def compare(request: web.Request) -> web.StreamResponse:
    """Compare two commits of a PR (`base...head`): the merge base is where head branched off,
    and the files are the PR's, at most 300 "for the entire comparison" like GitHub's."""
    gh, repo = repo_auth(request)
    base, _, head = request.match_info["basehead"].partition("...")
    pull = next((p for p in repo.pulls.values() if p.base_sha == base and head in p.diffs), None)
    if pull is None:
        raise not_found()
    fork = pull.merge_base or pull.base_sha
    url = f"{gh.url}/repos/{repo.full_name}/compare/{base}...{head}"
    return web.json_response(
        {
            "url": url,
            "html_url": f"{payloads.WEB}/{repo.full_name}/compare/{base}...{head}",
            "status": "ahead" if fork == base else "diverged",
            "ahead_by": 1,
            "behind_by": 0 if fork == base else 1,
            "total_commits": 1,
            "base_commit": {"sha": base},
            "merge_base_commit": {"sha": fork},
            "commits": [],
            "files": _diff_entries(gh, repo, pull, 300),
        }
    )


async def get_content(request: web.Request) -> web.StreamResponse:
    """Serve a file at a ref or sha from the trees the pull requests brought."""
    gh, repo = repo_auth(request)
    path = request.match_info["path"]
    ref = request.query.get("ref") or repo.default_branch
    data = repo.trees.get(repo.refs.get(ref, ref), {}).get(path)
    if data is None:
        raise not_found()
    if any(t in request.headers.get("Accept", "") for t in RAW_TYPES):
        return web.Response(body=data, headers={"Content-Type": "text/plain; charset=utf-8"})
    return web.json_response(payloads.content_file(repo.full_name, path, data, ref, gh.url))


async def get_tree(request: web.Request) -> web.StreamResponse:
    """List a commit's files as a recursive git tree (blobs only; folders are implied)."""
    gh, repo = repo_auth(request)
    sha = request.match_info["tree_sha"]
    files = repo.trees.get(repo.refs.get(sha, sha))
    if files is None:
        raise not_found()
    tree = [
        {
            "path": path,
            "mode": "100644",
            "type": "blob",
            "sha": payloads.blob_sha(data),
            "size": len(data),
            "url": f"{gh.url}/repos/{repo.full_name}/git/blobs/{payloads.blob_sha(data)}",
        }
        for path, data in sorted(files.items())
    ]
    url = f"{gh.url}/repos/{repo.full_name}/git/trees/{sha}"
    return web.json_response({"sha": sha, "url": url, "tree": tree, "truncated": False})


async def get_permission(request: web.Request) -> web.StreamResponse:
    """Report a user's access as GitHub does: `permission` is the legacy base role of the
    highest grant, `role_name` its name (a custom role's own name), and the flags follow the
    base role."""
    gh, repo = repo_auth(request)
    username = request.match_info["username"]
    base, role_name = gh.permission_of(repo.full_name, username)
    user = payloads.user(username, gh.url)
    rank = BASE_ROLES.index(base) if base in BASE_ROLES else -1
    user["permissions"] = {
        "pull": rank >= 0,
        "triage": rank >= 1,
        "push": rank >= 2,
        "maintain": rank >= 3,
        "admin": rank >= 4,
    }
    user["role_name"] = role_name
    body = {"permission": LEGACY[base], "role_name": role_name, "user": user}
    return web.json_response(body)
