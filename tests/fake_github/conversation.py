"""Answer GraphQL's `pullRequest(number:)` conversation and `resolveReviewThread`, from the same
state the REST endpoints serve (review comments, reviews, conversation comments).

Served on a pull request: `state isDraft headRefOid title body`, `reviewThreads` (id
isResolved resolvedBy path line diffSide comments), `reviews` (id body author state),
`comments` (id body author) and `commits` (commit message). Each list is a connection paged as
GitHub pages: `first` or `last` is required and at most 100 (else GitHub's
MISSING_PAGINATION_BOUNDARIES or EXCESSIVE_PAGINATION error), `after` takes an opaque
cursor (paging forward from `first`), `pageInfo` and `totalCount` are answered. An app's
`author.login` has no `[bot]` suffix and its `__typename` is Bot, as GitHub's GraphQL API
names apps. A pull request, or a
thread, the token cannot see is GitHub's NOT_FOUND error.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Collection
from typing import Any

import graphql

from .state import GitHubState, Repo

MAX_PAGE = 100  # GitHub's limit for `first` on any connection
Resolver = Callable[..., Any]


class TypedError(Exception):
    """A GraphQL error GitHub gives a `type`, at the top level beside its message."""

    type = ""


class NotFound(TypedError):
    """The object is absent or not visible to the token."""

    type = "NOT_FOUND"


class MissingBoundaries(TypedError):
    type = "MISSING_PAGINATION_BOUNDARIES"


class ExcessivePagination(TypedError):
    type = "EXCESSIVE_PAGINATION"


def _cursor(index: int) -> str:
    return base64.b64encode(f"cursor:v2:{index}".encode()).decode()


def _index(cursor: str) -> int:
    try:
        return int(base64.b64decode(cursor).decode().rpartition(":")[2])
    except ValueError:
        raise graphql.GraphQLError(f"`{cursor}` does not appear to be a valid cursor.") from None


def connection(name: str, items: Callable[[], list[Any]]) -> Resolver:
    """Resolve a connection over `items` (read when the field is asked for): the `first` after
    a cursor, or the `last` ones."""

    def page(
        _: graphql.GraphQLResolveInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        **__: Any,
    ) -> dict[str, Any]:
        if last is not None and (first is not None or after is not None):
            raise graphql.GraphQLError("the double pages `last` alone, without `first` or `after`")
        count = first if last is None else last
        if count is None:
            raise MissingBoundaries(
                f"You must provide a `first` or `last` value to properly paginate the `{name}` "
                "connection."
            )
        if count > MAX_PAGE:
            bound = "first" if last is None else "last"
            raise ExcessivePagination(
                f"Requesting {count} records on the `{name}` connection exceeds the `{bound}` "
                f"limit of {MAX_PAGE} records."
            )
        every = items()
        forward = _index(after) + 1 if after else 0
        start = forward if last is None else max(0, len(every) - last)
        nodes = every[start : start + count]
        end = start + len(nodes) - 1
        return {
            "totalCount": len(every),
            "nodes": nodes,
            "edges": [{"cursor": _cursor(start + n), "node": node} for n, node in enumerate(nodes)],
            "pageInfo": {
                "hasNextPage": start + len(nodes) < len(every),
                "hasPreviousPage": start > 0,
                "startCursor": _cursor(start) if nodes else None,
                "endCursor": _cursor(end) if nodes else None,
            },
        }

    return page


def actor(login: str) -> dict[str, Any]:
    """An author as GraphQL names it: an app (`slug[bot]` in REST) is a Bot called `slug`."""
    if login.endswith("[bot]"):
        return {"__typename": "Bot", "login": login.removesuffix("[bot]")}
    return {"__typename": "User", "login": login}


def _comment(comment: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": comment["node_id"],
        "databaseId": comment["id"],
        "body": comment["body"],
        "author": actor(comment["user"]["login"]),
    }


def _thread(thread: dict[str, Any]) -> dict[str, Any]:
    first = thread["comments"][0]
    resolved_by = thread["resolved_by"]
    return {
        "id": thread["id"],
        "isResolved": resolved_by is not None,
        "resolvedBy": None if resolved_by is None else actor(resolved_by),
        "path": first["path"],
        "line": first["line"],
        "diffSide": first["side"],
        "comments": connection("comments", lambda: [_comment(c) for c in thread["comments"]]),
    }


def pull_request(gh: GitHubState, repo: Repo) -> Resolver:
    """Resolve `repository { pullRequest(number:) }` over the repository's pull requests."""

    def resolve(_: graphql.GraphQLResolveInfo, number: int, **__: Any) -> dict[str, Any]:
        pull = repo.pulls.get(number)
        if pull is None:
            raise NotFound(f"Could not resolve to a PullRequest with the number of {number}.")
        name = pull.repo

        def reviews() -> list[dict[str, Any]]:
            return [
                {
                    "id": r["node_id"],
                    "body": r["body"],
                    "state": r["state"],
                    "author": actor(r["user"]["login"]),
                }
                for r in gh.reviews_of(name, number)
            ]

        def comments() -> list[dict[str, Any]]:
            return [_comment(c) for c in gh.listed_issue_comments(name, number)]

        return {
            "number": number,
            "state": pull.state.upper(),  # the double merges nothing: OPEN or CLOSED
            "isDraft": pull.draft,
            "headRefOid": pull.head_sha,
            "title": pull.title,
            "body": pull.body,
            "commits": connection(
                "commits", lambda: [{"commit": {"message": m}} for m in pull.messages]
            ),
            "reviewThreads": connection(
                "reviewThreads", lambda: [_thread(t) for t in gh.threads(name, number)]
            ),
            "reviews": connection("reviews", reviews),
            "comments": connection("comments", comments),
        }

    return resolve


def resolve_review_thread(gh: GitHubState, visible: Collection[str], login: str) -> Resolver:
    """Resolve the `resolveReviewThread` mutation for a token that sees the repositories
    `visible` (lower-case names) and acts as `login`: mark the thread resolved in the state."""

    def resolve(_: graphql.GraphQLResolveInfo, input: dict[str, Any], **__: Any) -> dict[str, Any]:
        thread_id = input["threadId"]
        for name in visible:
            repo = gh.repo(name)
            for number in repo.pulls:
                if any(t["id"] == thread_id for t in gh.threads(repo.full_name, number)):
                    gh.resolve_thread(thread_id, login)
                    (thread,) = [t for t in gh.threads(name, number) if t["id"] == thread_id]
                    return {
                        "clientMutationId": input.get("clientMutationId"),
                        "thread": _thread(thread),
                    }
        raise NotFound(f"Could not resolve to a node with the global id of '{thread_id}'.")

    return resolve
