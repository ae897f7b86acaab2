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

    @property
    def key(self) -> str:
        return (
            f"{self.repo}#{self.number}"
            if self.number is not None
            else f"{self.repo}@{self.head_sha}"
        )


@dataclass(frozen=True)
class CommandJob:
    """Answer a `/readiness …` comment on a PR."""

    installation_id: int
    repo: str
    number: int
    comment_id: int
    user: str
    command: str
    delivery_id: str

    @property
    def key(self) -> str:
        return f"{self.repo}#{self.number}"


Job = ReviewJob | CommandJob


def comment_of(job: Job) -> int | None:
    """Return the comment a command answers (queued once per comment), None for a review."""
    return job.comment_id if isinstance(job, CommandJob) else None


_KINDS: dict[str, type[ReviewJob] | type[CommandJob]] = {"review": ReviewJob, "command": CommandJob}


def kind_of(job: Job) -> str:
    return "review" if isinstance(job, ReviewJob) else "command"


def dumps(job: Job) -> str:
    return json.dumps(asdict(job), sort_keys=True)


def loads(kind: str, payload: str) -> Job:
    data: dict[str, Any] = json.loads(payload)
    return _KINDS[kind](**data)
