"""Read everything a review needs before it runs, in as few GitHub requests as GitHub allows.

A push review reads: the compare of base and head (the merge base and the changed files with
their patches; the diff itself only when the compare cannot say all of it), the base tree's
listing (the head's is derived from it and the change), then one GraphQL request for the
first batch of file sides (up to BLOBS_PER_QUERY blobs and QUERY_BYTES of text, sized from the
base tree and each patch), the pull request's state, conversation (review markers,
`/readiness ignore` replies) and description (title, body, commits' messages), the app's latest
check run on the head and the organisation's config. Sides beyond that take one more GraphQL
request per batch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.config import CONFIG_PATH, ORG_PATHS, ORG_REPO, Layer, extends
from bot.diff.model import Change, ChangedFile, Skip, SkipKind
from bot.diff.parse import from_files_api, parse
from bot.github.api import (
    COMPARE_FILES,
    Comparison,
    DiffTooLarge,
    GitHubContents,
    PullState,
    RepoAPI,
)
from bot.github.conversation import Conversation
from bot.jobs.repo_config import organisation_of, unreadable
from bot.report.checks import CHECK_NAME
from bot.rules.registry import EXTRAS
from bot.snapshot.model import Snapshot, describe
from bot.snapshot.read import plan

log = logging.getLogger(__name__)

MAX_FILES = 1_000
MAX_ADDED_LINES = 100_000


@dataclass(frozen=True)
class Reading:
    """A review's inputs: the snapshot of the change, the organisation's config layer (None
    when there is none or the repository's own config opts out), this app's latest check run
    on the head (REST shape: `id`, `status`, `output.annotations_count`; None: none yet) and
    the merge base."""

    snap: Snapshot
    organisation: Layer | None
    latest_run: dict[str, Any] | None
    merge_base: str
    """Where the head branched off the base: the commit the diff's base side is read at."""
    conversation: Conversation
    """The pull request's review threads, reviews and comments (markers, ignores)."""
    pull: PullState
    """The pull request's state, draft flag, head and repository address as the reads found."""


async def read_for_review(
    api: RepoAPI, number: int, head_sha: str, base_sha: str, app_id: int
) -> Reading:
    """Read the change between the PR's base and head and every file its rules need.

    The base side of each file is read at the merge base, where the PR's diff starts.
    Raises what the requests raise (TransientError to retry, BadRequest, QueryRefused).
    """
    comparison = await api.compare(base_sha, head_sha)
    change = cap(await fetch_change(api, number, comparison))
    contents = GitHubContents(api, comparison.merge_base, head_sha, change)
    listings, wanted = await plan(change, contents, EXTRAS)
    first, *others = contents.batches(wanted) or [[]]
    rest = [key for batch in others for key in batch]
    owner = api.repo.partition("/")[0]
    found = await api.read_review(
        contents.revisions(first),
        number=number,
        head_sha=head_sha,
        app_id=app_id,
        check_name=CHECK_NAME,
        org=(f"{owner}/{ORG_REPO}", ORG_PATHS),
    )
    texts = {**await contents.texts(first, found.blobs), **await contents.read_many(rest)}
    conversation = await api.read_conversation(number, read=found.conversation)
    snap = Snapshot(change, texts, listings, description=describe(*found.description))
    org = None
    if extends(snap.read(CONFIG_PATH, "base")):
        if found.organisation_problem is not None:
            org = unreadable(owner, found.organisation_problem)
        else:
            org = organisation_of(owner, found.organisation)
    return Reading(snap, org, found.latest_run, comparison.merge_base, conversation, found.pull)


async def fetch_change(api: RepoAPI, number: int, comparison: Comparison) -> Change:
    """The change the compare's files describe when they say all the diff does; else the
    diff, and when GitHub refuses that as too large, the files list page by page.

    A compare that lists its cap of files holds 300 or more: GitHub refuses the diff of more
    than 300 files (406, `../shared/github/LIMITS.md`), so the files list is read straight away
    rather than after a request sure to fail (a PR of exactly 300 pays two pages more).
    """
    if comparison.complete:
        return from_files_api(comparison.files)
    if len(comparison.files) >= COMPARE_FILES:
        return from_files_api([entry async for entry in api.list_files(number)])
    try:
        return parse(await api.get_diff(number))
    except DiffTooLarge:
        log.info("diff too large for the diff media type; reading the files list instead")
        return from_files_api([entry async for entry in api.list_files(number)])


def cap(change: Change) -> Change:
    """Keep a huge change within bounds, saying in the report what was left out."""
    kept: list[ChangedFile] = []
    lines = 0
    for changed in change.files:
        if len(kept) >= MAX_FILES or lines + len(changed.added) > MAX_ADDED_LINES:
            break
        kept.append(changed)
        lines += len(changed.added)
    left = len(change.files) - len(kept)
    if not left:
        return change
    limits = f"{MAX_FILES} files, {MAX_ADDED_LINES} added lines per review"
    note = (
        f"partially reviewed: {left} of {len(change.files)} files were left out (limits: {limits})"
    )
    over = [
        Skip(f.path, SkipKind.OVER_LIMITS, f"over the limits ({limits})")
        for f in change.files[len(kept) :]
    ]
    return Change(tuple(kept), (*change.problems, note), (*change.left_out, *over))
