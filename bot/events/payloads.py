"""The fields of each webhook event the handlers read, validated at the edge.

GitHub's payloads are large; these models name only what a handler uses (everything else is
ignored), with the types GitHub documents and no coercion, so a payload we cannot use (a `user`
that is a string, a `comment` that is null, an id of 400 digits) is refused with a 400 that names
the field, instead of failing deep in a handler with a 500. `tests/events` parses every fixture
of a handled event with them.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

# GitHub's ids and numbers are positive 64-bit integers.
GitHubId = Annotated[int, Field(ge=1, le=2**63 - 1)]
# A commit id: SHA-1, or SHA-256 in repositories that use it.
Sha = Annotated[str, Field(pattern=r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")]
# `owner/name` as GitHub allows them; it ends up in every API path.
RepoName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$")]
MAX_REASON = 300


class Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)


class Envelope(Model):
    """What routing reads from any event: the action names the handler to run."""

    action: str | None = None


class Installation(Model):
    id: GitHubId


class Repository(Model):
    full_name: RepoName


class Commit(Model):
    sha: Sha


class PullRef(Model):
    number: GitHubId


class PullRequest(Model):
    number: GitHubId
    head: Commit
    base: Commit


class PullRequestEvent(Model):
    action: str
    installation: Installation
    repository: Repository
    pull_request: PullRequest


class User(Model):
    login: str = Field(min_length=1, max_length=100)
    type: str | None = None


class Issue(Model):
    number: GitHubId
    pull_request: dict[str, Any] | None = None  # present only on pull requests' conversations


class Comment(Model):
    id: GitHubId
    body: str | None = None
    user: User | None = None  # null in some payloads (a deleted account)
    performed_via_github_app: dict[str, Any] | None = None


class IssueCommentEvent(Model):
    installation: Installation
    repository: Repository
    issue: Issue
    comment: Comment


class ReviewComment(Comment):
    """A comment on a line of the diff: GraphQL knows it by `node_id`, and a reply goes under
    the first comment of its thread (`in_reply_to_id`, absent on that first comment)."""

    node_id: str = Field(min_length=1, max_length=200)
    path: str = Field(min_length=1)
    commit_id: Sha
    in_reply_to_id: GitHubId | None = None


class PullRequestReviewCommentEvent(Model):
    installation: Installation
    repository: Repository
    pull_request: PullRef
    comment: ReviewComment


class App(Model):
    id: GitHubId


class CheckSuite(Model):
    head_sha: Sha
    app: App | None = None
    pull_requests: list[PullRef] = Field(default_factory=list)


class CheckRun(CheckSuite):
    name: str


class CheckSuiteEvent(Model):
    installation: Installation
    repository: Repository
    check_suite: CheckSuite


class CheckRunEvent(Model):
    installation: Installation
    repository: Repository
    check_run: CheckRun


def reason(error: ValidationError) -> str:
    """Say which fields are wrong, never their values (a payload may quote anything).

    Shape: "comment.user: Input should be a valid dictionary or instance of User; …", cut to
    MAX_REASON characters.
    """
    parts = [
        f"{'.'.join(str(part) for part in item['loc']) or 'body'}: {item['msg']}"
        for item in error.errors(include_url=False, include_input=False)
    ]
    text = "; ".join(parts)
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"
