"""Answer `POST /graphql` as GitHub does, for the repository fields the bot reads.

Every query is validated against GitHub's public schema (tests/github_api/graphql/) before it
runs, so a field or argument GitHub does not have fails the test. The answers come from the
double's state: `repository(owner, name) { object(expression: "REV:PATH") { ... on Blob } }`
reads the trees the pull requests brought. Like GitHub: a query error is a 200 with `errors`;
a repository the token does not cover is `null` with a NOT_FOUND error; `Blob.text` is cut at
512,000 bytes with `isTruncated` set, and is null for a binary blob.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import graphql
from aiohttp import web

from . import payloads
from .routes import STATE, Reply, read_json
from .state import GitHubState, Repo

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "github_api" / "graphql" / "schema.graphql"
TEXT_LIMIT = 512_000  # bytes of Blob.text GitHub returns before it truncates


@functools.cache
def schema() -> graphql.GraphQLSchema:
    """Build GitHub's schema once per process (it takes seconds)."""
    text = SCHEMA_PATH.read_text(encoding="utf-8")
    return graphql.build_schema(text, assume_valid_sdl=True)


def problems(query: str) -> list[str]:
    """Return why GitHub would refuse this query document (empty when it is valid)."""
    try:
        document = graphql.parse(query)
    except graphql.GraphQLError as exc:
        return [exc.message]
    return [error.message for error in graphql.validate(schema(), document)]


async def answer(request: web.Request) -> web.StreamResponse:
    """Run a query with an installation token's access, as GitHub's GraphQL endpoint does."""
    gh = request.app[STATE]
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    token = gh.tokens.get(value.strip()) if scheme.lower() in ("token", "bearer") else None
    if token is None:
        raise Reply(401, payloads.error("Bad credentials"))
    body = await read_json(request)
    query = body.get("query") if isinstance(body, dict) else None
    if not isinstance(query, str):
        raise Reply(400, payloads.error("Problems parsing JSON"))
    found = problems(query)
    if found:
        return web.json_response({"errors": [{"message": m} for m in found]})
    result = graphql.graphql_sync(
        schema(),
        query,
        root_value={"repository": functools.partial(_repository, gh, token.allows)},
        variable_values=body.get("variables") or {},
    )
    data: dict[str, Any] = {"data": result.data}
    if result.errors:
        data["errors"] = [_error(e) for e in result.errors]
    return web.json_response(data)


def _error(error: graphql.GraphQLError) -> dict[str, Any]:
    formatted: dict[str, Any] = dict(error.formatted)
    if isinstance(error.original_error, LookupError):
        formatted["type"] = "NOT_FOUND"
        formatted["message"] = str(error.original_error.args[0])
    return formatted


def _repository(
    gh: GitHubState, allows: Any, info: Any, owner: str, name: str, **_: Any
) -> dict[str, Any]:
    full_name = f"{owner}/{name}"
    try:
        if not allows(full_name):
            raise KeyError(full_name)
        repo = gh.repo(full_name)
    except KeyError:
        raise LookupError(
            f"Could not resolve to a Repository with the name '{full_name}'."
        ) from None
    return {"nameWithOwner": repo.full_name, "object": functools.partial(_object, repo)}


def _object(
    repo: Repo, info: Any, expression: str | None = None, **_: Any
) -> dict[str, Any] | None:
    """Resolve `REV:PATH` to a blob of the tree at that commit or ref; None when absent."""
    rev, _, path = (expression or "").partition(":")
    data = repo.trees.get(repo.refs.get(rev, rev), {}).get(path)
    if data is None:
        return None
    binary = b"\0" in data[:8000]
    text = None if binary else data[:TEXT_LIMIT].decode("utf-8", errors="replace")
    return {
        "__typename": "Blob",
        "oid": payloads.blob_sha(data),
        "byteSize": len(data),
        "isBinary": binary,
        "isTruncated": not binary and len(data) > TEXT_LIMIT,
        "text": text,
    }
