"""Answer the endpoints that create content: check runs, reviews, comments and reactions."""

from __future__ import annotations

import copy
from typing import Any

from aiohttp import web

from . import payloads
from .diff import LEFT, RIGHT, FileDiff
from .routes import (
    check_body_length,
    check_run_json,
    get_pull,
    not_found,
    paginate,
    read_json,
    repo_auth,
    unprocessable,
)
from .state import GitHubState, Pull, Repo

RUN_FIELDS = (
    "name",
    "details_url",
    "external_id",
    "status",
    "conclusion",
    "started_at",
    "completed_at",
    "actions",
)


# -- check runs --------------------------------------------------------------------------------


def _merge_run(run: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Apply a create/update body: fields replace, output annotations append (GitHub's rule)."""
    merged = copy.deepcopy(run)
    merged.update({k: body[k] for k in RUN_FIELDS if k in body})
    if "conclusion" in body:
        merged["status"] = "completed"
    if merged["status"] == "completed":
        if merged["conclusion"] is None:
            raise unprocessable(message="Invalid request.\n\nNo conclusion given for completed.")
        merged["completed_at"] = merged["completed_at"] or payloads.now()
    output = body.get("output") or {}
    merged["output"].update({k: v for k, v in output.items() if k != "annotations"})
    merged["output"]["annotations"].extend(output.get("annotations", []))
    merged["output"]["annotations_count"] = len(merged["output"]["annotations"])
    return merged


async def create_check_run(request: web.Request) -> web.StreamResponse:
    """Create a check run on a commit the repository has."""
    gh, repo = repo_auth(request)
    body = await read_json(request)
    if body["head_sha"] not in repo.trees:
        raise unprocessable(message=f"No commit found for SHA: {body['head_sha']}")
    run_id = gh.next_id()
    url = f"{gh.url}/repos/{repo.full_name}/check-runs/{run_id}"
    run: dict[str, Any] = {
        "id": run_id,
        "node_id": f"CR_{run_id}",
        "head_sha": body["head_sha"],
        "name": "",
        "external_id": "",
        "url": url,
        "details_url": None,
        "status": "queued",
        "html_url": f"{payloads.WEB}/{repo.full_name}/runs/{run_id}",
        "conclusion": None,
        "started_at": payloads.now(),
        "completed_at": None,
        "check_suite": {"id": run_id},
        "app": gh.app_json(),
        "output": {
            "title": None,
            "summary": None,
            "text": None,
            "annotations_count": 0,
            "annotations_url": f"{url}/annotations",
            "annotations": [],
        },
    }
    run = _merge_run(run, body)
    gh.runs[run_id] = (repo.full_name.lower(), run)
    return web.json_response(check_run_json(gh, repo, run), status=201)


def _find_run(gh: GitHubState, repo: Repo, request: web.Request) -> dict[str, Any]:
    """Find the check run named in the path, within this repository only."""
    owner, run = gh.runs.get(int(request.match_info["check_run_id"]), ("", {}))
    if owner != repo.full_name.lower():
        raise not_found()
    return run


async def get_check_run(request: web.Request) -> web.StreamResponse:
    """Answer one check run of this repository."""
    gh, repo = repo_auth(request)
    return web.json_response(check_run_json(gh, repo, _find_run(gh, repo, request)))


async def update_check_run(request: web.Request) -> web.StreamResponse:
    """Update a check run, appending any annotations."""
    gh, repo = repo_auth(request)
    run = _merge_run(_find_run(gh, repo, request), await read_json(request))
    gh.runs[run["id"]] = (repo.full_name.lower(), run)
    return web.json_response(check_run_json(gh, repo, run))


async def list_check_runs(request: web.Request) -> web.StreamResponse:
    """List a commit's check runs; `filter=latest` (the default) keeps the newest per name."""
    gh, repo = repo_auth(request)
    ref = request.match_info["ref"]
    sha = repo.refs.get(ref, ref)
    q = request.query
    runs = [
        r
        for owner, r in gh.runs.values()
        if owner == repo.full_name.lower()
        and r["head_sha"] == sha
        and q.get("check_name", r["name"]) == r["name"]
        and q.get("status", r["status"]) == r["status"]
    ]
    runs.sort(key=lambda r: -r["id"])
    if q.get("filter", "latest") == "latest":
        newest = {r["name"]: r for r in reversed(runs)}
        runs = [r for r in runs if newest[r["name"]] is r]
    return paginate(request, [check_run_json(gh, repo, r) for r in runs], key="check_runs")


# -- reviews and review comments ---------------------------------------------------------------


def _place(pull: Pull, commit_id: str, c: dict[str, Any], errors: dict[str, Any]) -> FileDiff:
    """Check one comment sits on the diff of `commit_id`; raise `errors` reply if it does not."""
    f = next((f for f in pull.files[commit_id] if f.filename == c["path"]), None)
    if f is None:
        raise unprocessable(*errors["path"])
    if c.get("subject_type") == "file":
        return f
    if "line" not in c and "position" in c:
        line_side = f.at(c["position"])
        if line_side is None:
            raise unprocessable(*errors["line"])
        c["line"], c["side"] = line_side
    side = c.setdefault("side", RIGHT)
    end = f.find(c["line"], side) if "line" in c and side in (LEFT, RIGHT) else None
    if end is None:
        raise unprocessable(*errors["line"])
    if c.get("start_line") is not None:
        start_side = c.setdefault("start_side", side)
        start = f.find(c["start_line"], start_side) if start_side in (LEFT, RIGHT) else None
        if start is None or start >= end or not f.same_hunk(start, end):
            raise unprocessable(*errors["start"])
    return f


REVIEW_ERRORS = {
    "path": ["Path could not be resolved"],
    "line": ["Line could not be resolved"],
    "start": ["Start line could not be resolved"],
}


def _commit(pull: Pull, body: dict[str, Any]) -> str:
    """Return the commit a review targets: the head by default, or any earlier head of the PR."""
    commit_id = body.get("commit_id") or pull.head_sha
    if commit_id not in pull.files:
        raise unprocessable(message=f"No commit found for SHA: {commit_id}")
    return str(commit_id)


async def create_review(request: web.Request) -> web.StreamResponse:
    """Create a review; one misplaced comment fails the whole review and stores nothing."""
    gh, repo = repo_auth(request)
    pull = get_pull(repo, request)
    body = await read_json(request)
    commit_id = _commit(pull, body)
    comments = [dict(c) for c in body.get("comments", [])]
    check_body_length(body.get("body"), "PullRequestReview")
    if (
        body.get("event") in ("COMMENT", "REQUEST_CHANGES")
        and not body.get("body")
        and not comments
    ):
        raise unprocessable(f"Body is required for {body['event']} reviews without comments")
    placed = []
    for c in comments:
        check_body_length(c["body"], "PullRequestReviewComment")
        placed.append((c, _place(pull, commit_id, c, REVIEW_ERRORS)))
    review = gh.new_review(
        pull,
        body=body.get("body", ""),
        event=body.get("event"),
        commit_id=commit_id,
        login=gh.bot_login,
    )
    for c, f in placed:
        gh.new_review_comment(pull, review, c, f)
    return web.json_response(review)


async def list_reviews(request: web.Request) -> web.StreamResponse:
    """List a pull request's reviews."""
    gh, repo = repo_auth(request)
    pull = get_pull(repo, request)
    return paginate(request, gh.reviews_of(pull.repo, pull.number))


async def create_review_comment(request: web.Request) -> web.StreamResponse:
    """Create one review comment on its own: GitHub wraps it in a review of its own."""
    gh, repo = repo_auth(request)
    pull = get_pull(repo, request)
    body = await read_json(request)
    check_body_length(body["body"], "PullRequestReviewComment")
    if "in_reply_to" in body:
        return _reply(gh, pull, body)
    commit_id = _commit(pull, body)
    spec = dict(body)
    placed = _place(pull, commit_id, spec, REVIEW_ERRORS)
    review = gh.new_review(pull, body="", event="COMMENT", commit_id=commit_id, login=gh.bot_login)
    return web.json_response(gh.new_review_comment(pull, review, spec, placed), status=201)


def _reply(gh: GitHubState, pull: Pull, body: dict[str, Any]) -> web.StreamResponse:
    """Reply in the thread of comment `in_reply_to`, which must start a thread of this pull
    request (GitHub documents replies to replies as unsupported); GitHub ignores every other
    field but `body`, taking the thread's file and line."""
    top = next(
        (c for c in gh.review_comments(pull.repo, pull.number) if c["id"] == body["in_reply_to"]),
        None,
    )
    if top is None:
        raise not_found()
    if top.get("in_reply_to_id") is not None:
        raise unprocessable(message="in_reply_to must be the first comment of a thread")
    review = gh.new_review(
        pull, body="", event="COMMENT", commit_id=top["commit_id"], login=gh.bot_login
    )
    spec = {"path": top["path"], "side": top["side"], "body": body["body"]}
    spec |= {"in_reply_to": top["id"], "subject_type": top["subject_type"]}
    if top["line"] is not None:
        spec["line"] = top["line"]
    f = next((f for f in pull.files[top["commit_id"]] if f.filename == top["path"]), None)
    return web.json_response(gh.new_review_comment(pull, review, spec, f), status=201)


async def list_review_comments(request: web.Request) -> web.StreamResponse:
    """List a pull request's review comments, oldest first."""
    gh, repo = repo_auth(request)
    pull = get_pull(repo, request)
    return paginate(request, gh.review_comments(pull.repo, pull.number))


# -- issue comments and reactions --------------------------------------------------------------


async def create_issue_comment(request: web.Request) -> web.StreamResponse:
    """Comment on a pull request's conversation."""
    gh, repo = repo_auth(request)
    pull = get_pull(repo, request, "issue_number")
    body = await read_json(request)
    check_body_length(body["body"], "IssueComment")
    return web.json_response(
        gh.new_issue_comment(pull, body["body"], login=gh.bot_login), status=201
    )


async def list_issue_comments(request: web.Request) -> web.StreamResponse:
    """List a pull request's conversation comments, oldest first."""
    gh, repo = repo_auth(request)
    pull = get_pull(repo, request, "issue_number")
    return paginate(request, gh.listed_issue_comments(pull.repo, pull.number))


async def create_reaction(request: web.Request) -> web.StreamResponse:
    """React to a comment; GitHub answers 200 with the existing reaction for a repeat."""
    gh, _ = repo_auth(request)
    comment_id = int(request.match_info["comment_id"])
    content = (await read_json(request))["content"]
    reaction_id = gh.reaction_ids.get((comment_id, content))
    status = 200 if reaction_id else 201
    if reaction_id is None:
        reaction_id = gh.reaction_ids[comment_id, content] = gh.next_id()
        gh.reactions.append((comment_id, content))
    return web.json_response(
        {
            "id": reaction_id,
            "node_id": f"REA_{reaction_id}",
            "content": content,
            "user": payloads.user(gh.bot_login, gh.url),
            "created_at": payloads.now(),
        },
        status=status,
    )
