"""Name a GitHub request by its route template, as GitHub's REST description spells it.

Metrics count requests per endpoint: `/repos/{owner}/{repo}/pulls/{pull_number}`, never the
path itself, whose owner, repository and numbers would make a series per pull request (and
put customer names in the monitoring). A path the app does not call counts as `other`.
"""

from __future__ import annotations

import re

OTHER = "other"
GRAPHQL = "/graphql"  # GitHub's one GraphQL endpoint (on Enterprise Server: /api/graphql)
# Every route the app calls (bot/github/api.py, auth.py); a test checks each against GitHub's
# OpenAPI description and that a review's requests all find theirs.
TEMPLATES = (
    "/app",
    "/app/hook/deliveries",
    "/app/hook/deliveries/{delivery_id}/attempts",
    "/app/installations/{installation_id}/access_tokens",
    "/repos/{owner}/{repo}/check-runs",
    "/repos/{owner}/{repo}/check-runs/{check_run_id}",
    "/repos/{owner}/{repo}/collaborators/{username}/permission",
    "/repos/{owner}/{repo}/commits/{ref}/check-runs",
    "/repos/{owner}/{repo}/compare/{basehead}",
    "/repos/{owner}/{repo}/contents/{path}",
    "/repos/{owner}/{repo}/git/trees/{tree_sha}",
    "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
    "/repos/{owner}/{repo}/issues/{issue_number}/comments",
    "/repos/{owner}/{repo}/pulls",
    "/repos/{owner}/{repo}/pulls/{pull_number}",
    "/repos/{owner}/{repo}/pulls/{pull_number}/comments",
    "/repos/{owner}/{repo}/pulls/{pull_number}/files",
    "/repos/{owner}/{repo}/pulls/{pull_number}/reviews",
)
MULTI_SEGMENT = frozenset({"path"})  # a file's path in the contents API holds slashes


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(
        re.escape(part) if n % 2 == 0 else (".+" if part in MULTI_SEGMENT else "[^/]+")
        for n, part in enumerate(parts)
    )
    return re.compile(regex)


_PATTERNS = tuple((_pattern(t), t) for t in TEMPLATES)


def template(path: str) -> str:
    """Return the route template matching an API path (without the base URL's own path).

    Shape: `/repos/acme/shop/pulls/7/files` -> `/repos/{owner}/{repo}/pulls/{pull_number}/files`;
    GraphQL -> `/graphql`; a path no template matches -> `other`.
    """
    if path in (GRAPHQL, "/api/graphql"):
        return GRAPHQL
    for pattern, name in _PATTERNS:
        if pattern.fullmatch(path):
            return name
    return OTHER
