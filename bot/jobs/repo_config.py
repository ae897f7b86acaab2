"""Read the config files a review applies: the repository's (base branch) and its organisation's.

The organisation's file lives in its `.github` repository, as `readiness.yml` at the root or
`.github/readiness.yml`; both are read with one GraphQL request, and only when the repository's
own file does not say `extends: false`. No such repository (or one the installation cannot see)
means no organisation config, not an error.
"""

from __future__ import annotations

import logging

from bot.config import (
    CONFIG_PATH,
    ORG_PATHS,
    ORG_REPO,
    Layer,
    Resolved,
    built_in_ids,
    extends,
    org_layer,
    resolve,
    trusted_ids,
)
from bot.github.api import RepoAPI
from bot.github.client import QueryRefused
from bot.rules.registry import PACKS

log = logging.getLogger(__name__)


async def organisation(api: RepoAPI, own: str | None) -> Layer | None:
    """Read the organisation's file unless the repository's (`own`, its text) opts out.

    Returns None when there is none; a file that cannot be read (a GraphQL error other than
    not found) is returned as a layer whose problem the report shows.
    """
    if not extends(own):
        return None
    owner = api.repo.partition("/")[0]
    try:
        files = await api.read_default_branch(f"{owner}/{ORG_REPO}", ORG_PATHS)
    except QueryRefused as exc:
        log.warning("the organisation's config could not be read: %s", exc)
        return unreadable(owner, str(exc))
    return organisation_of(owner, files)


def organisation_of(owner: str, files: dict[str, str | None] | None) -> Layer | None:
    """The organisation's layer from its files as read (path -> text; None: no repository)."""
    for path in ORG_PATHS:
        text = (files or {}).get(path)
        if text is not None:
            return org_layer(owner, path, text)
    return None


def unreadable(owner: str, reason: str) -> Layer:
    """A layer for an organisation file that could not be read: the report names why."""
    return Layer(
        f"{owner}/{ORG_REPO}",
        None,
        problem=f"the organisation's config in `{owner}/{ORG_REPO}` could not be read "
        f"({reason}); it was not applied",
    )


async def effective(api: RepoAPI, ref: str) -> Resolved:
    """The config a review of a pull request into `ref` (a branch or commit) would apply, and
    where each value came from (`Resolved.origins`, `Resolved.describe()`).

    Ids of the repository's own semgrep rules (`repo/<id>`) are taken on trust.
    """
    data = await api.get_content(CONFIG_PATH, ref)
    own = Layer(CONFIG_PATH, None if data is None else data.decode(errors="replace"))
    org = await organisation(api, own.text)
    return resolve(own, org, built_in_ids(PACKS) | trusted_ids(own, org))
