"""The jobs a webhook turns into: small, serialisable, and keyed per pull request."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class ReviewJob:
    """Review a PR. `number` is None when only the commit is known (a re-run from a fork)."""

    installation_id: int
    repo: str
    number: int | None
    head_sha: str | None
    trigger: str
    delivery_id: str
    base_sha: str | None = None
    """The base branch's tip the webhook named with `head_sha` (None when it named none): with
    both, a review need not read the pull request first."""
    superseded: tuple[str, ...] = ()
    """Earlier heads of the PR whose review this job replaced after it had started: their
    unfinished check runs are closed as `cancelled` when this job runs."""

    @property
    def key(self) -> str:
        return (
            f"{self.repo}#{self.number}"
            if self.number is not None
            else f"{self.repo}@{self.head_sha}"
        )

    def replacing(self, waiting: ReviewJob, started: bool) -> ReviewJob:
        """Take the place of a waiting review of the same PR (coalescing to the newest head).

        A waiting review that had started (a retry, or a job a dead process left) may have left
        a run in progress on its head: that head is handed on, so the run gets closed.
        """
        heads = [*waiting.superseded, *self.superseded]
        if started and waiting.head_sha:
            heads.append(waiting.head_sha)
        kept = tuple(dict.fromkeys(h for h in heads if h != self.head_sha))
        return ReviewJob(**{**asdict(self), "superseded": kept})


@dataclass(frozen=True)
class ReviewThread:
    """Where a command written as a review comment (on a line of the diff) is answered."""

    node_id: str
    """The comment's GraphQL id, which reactions are added to."""
    top: int
    """The thread's first comment, which replies go under (GitHub threads are one level)."""
    path: str
    commit_id: str
    """GitHub's description requires both on a reply, though GitHub then ignores them."""


@dataclass(frozen=True)
class CommandJob:
    """Answer a `/readiness …` comment on a PR: in its conversation, or in a review thread."""

    installation_id: int
    repo: str
    number: int
    comment_id: int
    user: str
    command: str
    delivery_id: str
    args: str = ""
    """The rest of the command's line (`secrets/jwt docs/ -- reason` after `ignore`)."""
    thread: ReviewThread | None = None
    """Set when the command is a review comment; None for a conversation comment."""

    @property
    def key(self) -> str:
        return f"{self.repo}#{self.number}"

    @property
    def once(self) -> int:
        """The key the command is queued and answered once under: the comment's id, negated
        for a review comment, since GitHub numbers those apart from conversation comments."""
        return -self.comment_id if self.thread is not None else self.comment_id


Job = ReviewJob | CommandJob


def comment_of(job: Job) -> int | None:
    """Return the key of the comment a command answers (`CommandJob.once`), None for a review."""
    return job.once if isinstance(job, CommandJob) else None


_KINDS: dict[str, type[ReviewJob] | type[CommandJob]] = {"review": ReviewJob, "command": CommandJob}


def kind_of(job: Job) -> str:
    return "review" if isinstance(job, ReviewJob) else "command"


def dumps(job: Job) -> str:
    return json.dumps(asdict(job), sort_keys=True)


def loads(kind: str, payload: str) -> Job:
    data: dict[str, Any] = json.loads(payload)
    if isinstance(data.get("superseded"), list | dict):  # JSON has no tuples; Lua's cjson
        data["superseded"] = tuple(data["superseded"])  # writes an empty list as {}
    if isinstance(data.get("thread"), dict):
        data["thread"] = ReviewThread(**data["thread"])
    return _KINDS[kind](**data)
