"""Routes a change deletes, and the requests to them a test drops along with their checks.

A test that requests an endpoint (`api.post('/api/v2/token', ...)`, `get "/health"`) and checks
its answer can no longer do so once the change deletes the route: the check went with the
endpoint (the token is now minted another way, the status check of the old request had nothing
left to check). A route is deleted when a path the changed production code declared
(`path('api/v2/token', ...)`, `post "/sessions"`, `router.get("/v1/items")`) is no longer
declared or spelt by any changed file; a path another route still starts with
(`api/v2/token/refresh`) is a different route, and one the change still spells anywhere is kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# A route declaration's path: Django `path(`/`re_path(`/`url(`, Rails and Sinatra verbs,
# Express and similar routers (`router.get(`, `app.post(`).
_DECLARED = re.compile(
    r"\b(?:path|re_path|url|get|post|put|patch|delete|match|route)\s*\(?\s*"
    r"r?(?:\"(/?[\w\-./:<>{}]+)\"|'(/?[\w\-./:<>{}]+)')"
)
# A path a test requests: a literal starting with `/` of URL characters.
_REQUESTED = re.compile(r"[\"'`](/[\w\-./]+)(?:\?[^\"'`]*)?[\"'`]")
_LITERAL = re.compile(r"\"([^\"\n]*)\"|'([^'\n]*)'|`([^`\n]*)`")
MIN_SEGMENTS = 2  # segments a path needs to name one endpoint (`api/token`, not `token`)


def _norm(route: str) -> str:
    return route.strip("^$/").lower()


@dataclass(frozen=True)
class Deleted:
    """The route paths the change's production code stops declaring, normalised."""

    paths: frozenset[str]

    @classmethod
    def of(cls, files: Iterable[tuple[str | None, str | None]]) -> Deleted:
        """Read (base text, head text) of each changed production file."""
        before: set[str] = set()
        still: set[str] = set()
        for base, head in files:
            before.update(_norm(a or b) for a, b in _DECLARED.findall(base or ""))
            still.update(
                _norm(next(g for g in m.groups() if g is not None))
                for m in _LITERAL.finditer(head or "")
            )
        gone = {p for p in before - still if p.count("/") + 1 >= MIN_SEGMENTS}
        return cls(frozenset(gone))

    def requested(self, text: str) -> bool:
        """Tell whether code requests a path the change stops routing."""
        return bool(self.paths) and any(_norm(p) in self.paths for p in _REQUESTED.findall(text))
