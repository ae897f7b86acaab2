"""A pull request's conversation in GraphQL: its review threads, reviews and comments.

`SELECTION` is text to place inside `pullRequest(number: N) { ... }` and `parse` reads the node
it selects, so another query (the pull request's state, say) can carry it in the same request.
Each connection is read 100 nodes at a time (GitHub's largest page); `Conversation.more` names
the connections that have more, and `follow_up` selects only their next pages.

A thread is read by its first comment alone (and its count): that is where the app writes its
markers. The app replies in a thread only to answer a command written there, which a person's
comment came before; so a thread the app opened with a reply has a person's reply in it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

PAGE = 100  # nodes per connection page: GitHub's maximum for `first`
BOT_SUFFIX = "[bot]"

# What each connection selects of its nodes; the keys are the PullRequest fields.
_NODES = {
    "reviewThreads": (
        "id isResolved comments(first: 1) { totalCount nodes { body author { __typename login } } }"
    ),
    "reviews": "body",
    "comments": "body author { __typename login }",
}


@dataclass(frozen=True)
class Comment:
    """A comment's text and author. `author` is the REST login (`slug[bot]` for an app), None
    for a deleted account (GitHub's ghost)."""

    body: str
    author: str | None


@dataclass(frozen=True)
class Thread:
    """A review thread: its node id (for `resolveReviewThread`), whether it is resolved, the
    comment that opened it and how many replies follow it."""

    id: str
    resolved: bool
    first: Comment | None
    replies: int


@dataclass(frozen=True)
class Conversation:
    """What a pull request's conversation holds, oldest first in each part.

    `more` maps each connection GitHub has more pages of to the cursor after the last read.
    """

    threads: tuple[Thread, ...] = ()
    reviews: tuple[str, ...] = ()
    comments: tuple[Comment, ...] = ()
    more: Mapping[str, str] = field(default_factory=dict)

    def bodies(self) -> Iterator[str]:
        """Every text the app may have left its markers in: threads' first comments, reviews."""
        yield from (t.first.body for t in self.threads if t.first is not None)
        yield from self.reviews

    def then(self, page: Conversation) -> Conversation:
        """Append the next pages read for `more`; `more` becomes what those pages left."""
        return Conversation(
            threads=self.threads + page.threads,
            reviews=self.reviews + page.reviews,
            comments=self.comments + page.comments,
            more=page.more,
        )


def _connection(name: str, after: str | None = None) -> str:
    cursor = f", after: ${after}" if after else ""
    return (
        f"{name}(first: {PAGE}{cursor}) {{ pageInfo {{ hasNextPage endCursor }} "
        f"nodes {{ {_NODES[name]} }} }}"
    )


SELECTION = " ".join(_connection(name) for name in _NODES)


def follow_up(more: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """Select the next page of each connection in `more` only; return the selection and its
    variables (one `String!` cursor each, named `after_<connection>`)."""
    variables = {f"after_{name}": cursor for name, cursor in more.items()}
    selection = " ".join(_connection(name, f"after_{name}") for name in more)
    return selection, variables


def parse(node: Mapping[str, Any]) -> Conversation:
    """Read a `pullRequest` node selected with SELECTION (or a `follow_up`); a connection it
    does not hold is empty."""
    more = {}
    for name in _NODES:
        page = (node.get(name) or {}).get("pageInfo") or {}
        if page.get("hasNextPage") and page.get("endCursor"):
            more[name] = str(page["endCursor"])
    return Conversation(
        threads=tuple(_thread(t) for t in _nodes(node, "reviewThreads")),
        reviews=tuple(str(r.get("body") or "") for r in _nodes(node, "reviews")),
        comments=tuple(_comment(c) for c in _nodes(node, "comments")),
        more=more,
    )


def _nodes(node: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    return [n for n in (node.get(name) or {}).get("nodes") or () if isinstance(n, Mapping)]


def _thread(node: Mapping[str, Any]) -> Thread:
    comments = node.get("comments") or {}
    first = _nodes(node, "comments")
    return Thread(
        id=str(node["id"]),
        resolved=bool(node.get("isResolved")),
        first=_comment(first[0]) if first else None,
        replies=max(0, int(comments.get("totalCount") or 0) - 1),
    )


def _comment(node: Mapping[str, Any]) -> Comment:
    """GraphQL gives an app's login without REST's `[bot]` suffix (`readiness`, not
    `readiness[bot]`); it is put back so both APIs name the app alike."""
    author = node.get("author")
    login = None
    if isinstance(author, Mapping) and author.get("login"):
        login = str(author["login"])
        if author.get("__typename") == "Bot":
            login += BOT_SUFFIX
    return Comment(body=str(node.get("body") or ""), author=login)
