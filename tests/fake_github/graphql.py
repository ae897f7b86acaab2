"""Answer GitHub's GraphQL endpoint: queries are validated against GitHub's published schema,
then executed by graphql-core over the double's state, with GitHub's error shape.

Served: `repository(owner, name) { object(expression: "REF:PATH") { ... on Blob { text
isBinary isTruncated byteSize } } }` (REF is `HEAD`, a branch or a commit sha);
`object(expression: "SHA") { ... on Commit { checkSuites(filterBy: {appId}) { nodes {
checkRuns(filterBy: {checkName, checkType}) { nodes { databaseId status annotations {
totalCount } } } } } } }` over the check runs the REST endpoints made; a pull request's
conversation and the `resolveReviewThread` mutation (`conversation.py`); and the mutation
`addReaction(input: {subjectId, content}) { reaction { content } }` on a review or conversation
comment, recorded in `GitHubState.node_reactions`. A query the schema refuses is recorded as an
error, as a REST request outside GitHub's description is. A repository (or comment) that does
not exist, or that the token does not cover, is GitHub's `NOT_FOUND` error.
Like GitHub, `Blob.text` is cut at 512,000 bytes with `isTruncated` set, and null for a binary.
"""

from __future__ import annotations

import json
import time
from functools import cache
from pathlib import Path
from typing import Any

import graphql
from aiohttp import web

from . import payloads
from .conversation import NotFound, TypedError, pull_request, resolve_review_thread
from .routes import STATE, Reply
from .state import GitHubState, Repo

# GitHub's public schema, from octokit/graphql-schema (SOURCE.yaml beside it).
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "github_api" / "graphql" / "schema.graphql"
TEXT_LIMIT = 512_000  # bytes of Blob.text GitHub returns before it truncates


@cache
def schema() -> graphql.GraphQLSchema:
    """Build GitHub's schema once per process (a few seconds: it is large).

    `assume_valid_sdl`: the published schema repeats two fields, which graphql-core would refuse.
    """
    return graphql.build_schema(SCHEMA_PATH.read_text(encoding="utf-8"), assume_valid_sdl=True)


def problems(body: Any) -> list[str]:
    """Say what GitHub would refuse in a GraphQL request body (empty when it is valid)."""
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return ["the body must be a JSON object with a `query` string"]
    try:
        document = graphql.parse(body["query"])
    except graphql.GraphQLError as exc:
        return [exc.message]
    return [error.message for error in graphql.validate(schema(), document)]


async def answer(request: web.Request) -> web.Response:
    """Execute a valid query over the double's state, as the request's token may see it."""
    gh = request.app[STATE]
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    token = gh.tokens.get(value.strip()) if scheme.lower() in ("token", "bearer") else None
    if token is None or time.time() >= token.expires_at:
        raise Reply(401, payloads.error("Bad credentials"))
    token_repos = token.repos
    body = json.loads(await request.read())

    def repository(
        _: graphql.GraphQLResolveInfo, owner: str, name: str, **__: Any
    ) -> dict[str, Any]:
        full_name = f"{owner}/{name}"
        if full_name.lower() not in token_repos:
            raise NotFound(f"Could not resolve to a Repository with the name '{full_name}'.")
        try:
            repo = gh.repo(full_name)
        except KeyError:
            raise NotFound(
                f"Could not resolve to a Repository with the name '{full_name}'."
            ) from None
        return {
            "nameWithOwner": repo.full_name,
            "url": f"{payloads.WEB}/{repo.full_name}",
            "object": _objects(gh, repo),
            "pullRequest": pull_request(gh, repo),
        }

    def add_reaction(_: graphql.GraphQLResolveInfo, **args: Any) -> dict[str, Any]:
        subject, content = str(args["input"]["subjectId"]), str(args["input"]["content"])
        found = gh.comment_by_node(subject)
        if found is None or found[0].lower() not in token_repos:
            raise NotFound(f"Could not resolve to a node with the global id of '{subject}'")
        reaction_id = gh.node_reaction_ids.get((subject, content))
        if reaction_id is None:  # GitHub answers a repeat with the reaction already there
            reaction_id = gh.node_reaction_ids[subject, content] = gh.next_id()
            gh.node_reactions.append((subject, content))
        return {
            "reaction": {"id": f"REA_{reaction_id}", "content": content},
            "subject": {"__typename": found[1], "id": subject},
        }

    root = {
        "repository": repository,
        "addReaction": add_reaction,
        "resolveReviewThread": resolve_review_thread(gh, token_repos, gh.bot_login),
    }
    result = graphql.graphql_sync(
        schema(),
        body["query"],
        root_value=root,
        variable_values=body.get("variables"),
    )
    out: dict[str, Any] = {"data": result.data}
    if result.errors:
        out["errors"] = [_github_error(error) for error in result.errors]
    return web.json_response(out)


def _objects(gh: GitHubState, repo: Repo) -> Any:
    def object_(
        _: graphql.GraphQLResolveInfo, expression: str = "", **__: Any
    ) -> dict[str, Any] | None:
        ref, colon, path = expression.partition(":")
        ref = repo.default_branch if ref == "HEAD" else ref
        if not colon:
            return _commit(gh, repo, repo.refs.get(ref, ref))
        data = repo.trees.get(repo.refs.get(ref, ref), {}).get(path)
        if data is None:
            return None
        binary = b"\0" in data[:8000]
        return {
            "__typename": "Blob",
            "byteSize": len(data),
            "isBinary": binary,
            "isTruncated": not binary and len(data) > TEXT_LIMIT,
            "text": None if binary else data[:TEXT_LIMIT].decode("utf-8", errors="replace"),
        }

    return object_


def _commit(gh: GitHubState, repo: Repo, sha: str) -> dict[str, Any] | None:
    """A commit the repository has, with its check suites: one per app (this double has one
    app), each with its runs; `checkType: LATEST` keeps the newest run of each name."""
    if sha not in repo.trees:
        return None
    runs = [
        run
        for owner, run in gh.runs.values()
        if owner == repo.full_name.lower() and run["head_sha"] == sha
    ]

    def check_runs(
        _: graphql.GraphQLResolveInfo, first: int = 100, filterBy: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        wanted = filterBy or {}
        found = sorted(
            (r for r in runs if wanted.get("checkName", r["name"]) == r["name"]),
            key=lambda r: -int(r["id"]),
        )
        if wanted.get("checkType", "LATEST") == "LATEST":
            found = [r for r in found if r is next(n for n in found if n["name"] == r["name"])]
        nodes = [
            {
                "databaseId": r["id"],
                "name": r["name"],
                "status": str(r["status"]).upper(),
                "annotations": {"totalCount": len(r["output"]["annotations"])},
            }
            for r in found[:first]
        ]
        return {"nodes": nodes, "totalCount": len(found)}

    def check_suites(
        _: graphql.GraphQLResolveInfo, first: int = 100, filterBy: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        app = (filterBy or {}).get("appId", gh.app_id)
        suites = [{"checkRuns": check_runs}] if runs and app == gh.app_id else []
        return {"nodes": suites[:first], "totalCount": len(suites)}

    return {"__typename": "Commit", "oid": sha, "checkSuites": check_suites}


def _github_error(error: graphql.GraphQLError) -> dict[str, Any]:
    """GitHub's shape: `type` (NOT_FOUND...) at the top level, beside message, path, locations."""
    formatted = dict(error.formatted)
    if isinstance(error.original_error, TypedError):
        formatted = {"type": error.original_error.type, **formatted}
    return formatted


def refused(messages: list[str]) -> dict[str, Any]:
    """GitHub's answer to a query its schema refuses (HTTP 200 with `errors`)."""
    return {"errors": [{"message": m} for m in messages]}
