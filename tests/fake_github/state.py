"""In-memory GitHub: the setup API tests call and the views they assert on."""

from __future__ import annotations

import copy
import itertools
import logging
from dataclasses import dataclass, field
from typing import Any

from . import payloads
from .auth import TOKEN_LIFETIME, Token
from .diff import FileDiff, parse_files
from .hooks_log import HookLog
from .registrations import ManifestFlow

PERMISSIONS = {
    "checks": "write",
    "contents": "read",
    "issues": "write",
    "metadata": "read",
    "pull_requests": "write",
}
BASE_ROLES = ("read", "triage", "write", "maintain", "admin")  # lowest to highest
ROLES = (*BASE_ROLES, "none")


@dataclass
class Pull:
    """A pull request and every head it has had, so comments on older commits still resolve."""

    repo: str
    number: int
    head_sha: str
    base_sha: str
    head_ref: str
    base_ref: str
    state: str
    user: str
    title: str
    head_repo: str
    diff_too_large: bool
    draft: bool = False  # a draft pull request; tests mark it ready by setting this False
    body: str = ""  # the description; GitHub serves an empty one as null over REST
    messages: list[str] = field(default_factory=list)  # its commits' messages, oldest first
    diffs: dict[str, bytes] = field(default_factory=dict)
    files: dict[str, list[FileDiff]] = field(default_factory=dict)
    merge_base: str = ""  # where head branched off base; the base's tip until the base moves
    created_at: str = field(default_factory=payloads.now)
    updated_at: str = field(default_factory=payloads.now)

    def push(self, head_sha: str, diff: bytes) -> None:
        """Record a new head commit and its diff against the base."""
        self.head_sha = head_sha
        self.diffs[head_sha] = diff
        self.files[head_sha] = parse_files(diff)
        self.updated_at = payloads.now()

    def too_large(self) -> bool:
        """Tell whether GitHub would refuse the diff media type (it stops at 300 files)."""
        return self.diff_too_large or len(self.files[self.head_sha]) > 300


@dataclass
class Repo:
    """A repository: refs, file trees by commit, pull requests and collaborator roles."""

    full_name: str
    default_branch: str = "main"
    refs: dict[str, str] = field(default_factory=dict)
    trees: dict[str, dict[str, bytes]] = field(default_factory=dict)
    pulls: dict[int, Pull] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)  # user -> base or custom role given here
    teams: dict[str, tuple[str, set[str]]] = field(default_factory=dict)  # slug -> role, members


class GitHubState:
    """Hold the double's data; sync methods so tests set up and assert without awaiting."""

    def __init__(self, app_id: int, public_key: str, *, slug: str = "readiness") -> None:
        self.app_id = app_id
        self.public_key = public_key
        self.slug = slug
        self.bot_login = f"{slug}[bot]"
        self.url = "http://127.0.0.1"
        self.tokens_issued = 0
        self.token_lifetime = TOKEN_LIFETIME  # seconds; lower it to test early refresh
        self.log = logging.getLogger("fake_github")
        self.reaction_ids: dict[tuple[int, str], int] = {}
        self.reactions: list[tuple[int, str]] = []
        self.node_reaction_ids: dict[tuple[str, str], int] = {}
        self.node_reactions: list[tuple[str, str]] = []
        """Reactions added through GraphQL: (subject node id, ReactionContent), oldest first."""
        self._ids = itertools.count(1)
        self.installations: dict[int, set[str]] = {}
        self.custom_roles: dict[str, dict[str, str]] = {}  # org -> role name -> its base role
        self.org_owners: dict[str, set[str]] = {}  # org -> owners, admins of every repository
        self._repos: dict[str, Repo] = {}
        self.tokens: dict[str, Token] = {}
        self.runs: dict[int, tuple[str, dict[str, Any]]] = {}
        self._reviews: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self._review_comments: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self._issue_comments: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self._resolved_by: dict[int, str] = {}  # a thread's first comment id -> who resolved it
        self.lagging_comment_lists = 0
        """How many coming conversation listings leave out the newest comment, as a list read
        from a replica that lags a write just answered does."""
        self.hooks = HookLog()
        self.manifests = ManifestFlow()  # apps registered from a manifest on the web pages

    # -- setup ------------------------------------------------------------------------------

    def add_installation(self, installation_id: int, repos: list[str]) -> None:
        """Install the app on `repos` ("owner/name")."""
        self.installations.setdefault(installation_id, set()).update(r.lower() for r in repos)
        for name in repos:
            self.repo(name, create=True)

    def add_pull(
        self,
        repo: str,
        number: int,
        head_sha: str,
        base_sha: str,
        diff: bytes,
        files_at_head: dict[str, bytes] | None = None,
        files_at_base: dict[str, bytes] | None = None,
        head_ref: str = "feature",
        base_ref: str = "main",
        state: str = "open",
        user: str = "octocat",
        diff_too_large: bool = False,
        title: str = "Update the feature",
        head_repo: str | None = None,
        body: str = "",
        messages: list[str] | None = None,
    ) -> None:
        """Open a pull request; its files list is derived from `diff`; `messages` are its
        commits' (one commit titled as the pull request unless given)."""
        r = self.repo(repo, create=True)
        if not r.pulls and not r.refs:
            r.default_branch = base_ref
        pull = Pull(
            repo=r.full_name,
            number=number,
            head_sha=head_sha,
            base_sha=base_sha,
            head_ref=head_ref,
            base_ref=base_ref,
            state=state,
            user=user,
            title=title,
            head_repo=head_repo or r.full_name,
            diff_too_large=diff_too_large,
            body=body,
            messages=[title] if messages is None else list(messages),
        )
        pull.push(head_sha, diff)
        r.pulls[number] = pull
        r.refs[base_ref] = base_sha
        r.trees.setdefault(base_sha, {}).update(files_at_base or {})
        self._set_head(r, pull, files_at_head or {})

    def update_pull(
        self,
        repo: str,
        number: int,
        *,
        head_sha: str,
        diff: bytes,
        files_at_head: dict[str, bytes] | None = None,
        state: str | None = None,
        diff_too_large: bool | None = None,
        messages: list[str] | None = None,
    ) -> None:
        """Push a new head; files not given are carried over from the previous head; the
        commits pushed have `messages` (one "Update" unless given)."""
        r = self.repo(repo)
        pull = r.pulls[number]
        pull.messages.extend(["Update"] if messages is None else messages)
        previous = dict(r.trees.get(pull.head_sha, {}))
        pull.push(head_sha, diff)
        pull.state = state or pull.state
        if diff_too_large is not None:
            pull.diff_too_large = diff_too_large
        self._set_head(r, pull, previous if files_at_head is None else files_at_head)

    def move_base(self, repo: str, number: int, base_sha: str, files: dict[str, bytes]) -> None:
        """The base branch moves on after the PR branched off: `base.sha` is the new tip, the
        merge base (and so the PR's diff) stays where the head branched off."""
        r = self.repo(repo)
        pull = r.pulls[number]
        pull.merge_base = pull.merge_base or pull.base_sha
        pull.base_sha = base_sha
        r.refs[pull.base_ref] = base_sha
        r.trees[base_sha] = files

    def commit(self, repo: str, sha: str, files: dict[str, bytes], branch: str = "main") -> None:
        """Make `files` the tree of `sha`, the tip of `branch` (the default branch of a new
        repository), as a push to a repository without pull requests (an org's `.github`)."""
        r = self.repo(repo, create=True)
        if not r.refs:
            r.default_branch = branch
        r.refs[branch] = sha
        r.trees[sha] = dict(files)

    def set_permission(self, repo: str, username: str, role: str) -> None:
        """Give `username` a role on the repository: a base role, "none", or a custom role of
        the repository's organization (`add_custom_role`)."""
        if role not in ROLES and role not in self._custom_roles_of(repo):
            raise ValueError(f"role must be one of {ROLES} or a custom role of the organization")
        self.repo(repo).roles[username.lower()] = role

    def add_custom_role(self, org: str, name: str, base: str) -> None:
        """Define an organization's custom repository role; GitHub bases it on read, triage,
        write or maintain."""
        if base not in BASE_ROLES[:-1]:
            raise ValueError(f"a custom role is based on one of {BASE_ROLES[:-1]}")
        self.custom_roles.setdefault(org.lower(), {})[name] = base

    def add_team(self, repo: str, slug: str, role: str, members: list[str]) -> None:
        """Grant a team of the organization a base role on the repository."""
        if role not in BASE_ROLES:
            raise ValueError(f"a team's role is one of {BASE_ROLES}")
        self.repo(repo).teams[slug] = (role, {m.lower() for m in members})

    def add_org_owner(self, org: str, username: str) -> None:
        """Make `username` an owner of the organization: admin of each of its repositories."""
        self.org_owners.setdefault(org.lower(), set()).add(username.lower())

    def permission_of(self, repo: str, username: str) -> tuple[str, str]:
        """Return (base role, role name) as GitHub computes it: the highest of every grant (the
        repository, its teams, the organization); people with none read a public repository."""
        r, user = self.repo(repo), username.lower()
        org = r.full_name.split("/", 1)[0].lower()
        custom = self._custom_roles_of(repo)
        grants = []  # (base, name), the repository's own grant first: it wins a tie
        if user in r.roles:
            name = r.roles[user]
            grants.append((custom.get(name, name), name))
        grants += [(role, role) for role, members in r.teams.values() if user in members]
        if user in self.org_owners.get(org, set()):
            grants.append(("admin", "admin"))
        if not grants:
            return "read", "read"
        rank = {role: n for n, role in enumerate(("none", *BASE_ROLES))}
        return max(grants, key=lambda grant: rank[grant[0]])

    def add_review_comment(
        self,
        repo: str,
        number: int,
        path: str,
        line: int,
        body: str,
        user: str = "someone",
        side: str = "RIGHT",
        in_reply_to: int | None = None,
    ) -> dict[str, Any]:
        """Seed a comment left earlier by a person or an earlier run (a reply in the thread of
        comment `in_reply_to` when given); its line is not checked."""
        pull = self.repo(repo).pulls[number]
        review = self.new_review(
            pull, body="", event="COMMENT", commit_id=pull.head_sha, login=user
        )
        f = next((f for f in pull.files[pull.head_sha] if f.filename == path), None)
        spec: dict[str, Any] = {"path": path, "line": line, "side": side, "body": body}
        if in_reply_to is not None:
            spec["in_reply_to"] = in_reply_to
        return self.new_review_comment(pull, review, spec, f)

    def reply(self, repo: str, number: int, to: int, body: str, user: str) -> dict[str, Any]:
        """Seed a person's reply in the review thread of comment `to`."""
        pull = self.repo(repo).pulls[number]
        first = next(c for c in self.review_comments(repo, number) if c["id"] == to)
        review = self.new_review(
            pull, body="", event="COMMENT", commit_id=first["commit_id"], login=user
        )
        f = next((f for f in pull.files[first["commit_id"]] if f.filename == first["path"]), None)
        spec = {**{k: first[k] for k in ("path", "line", "side")}, "body": body, "in_reply_to": to}
        return self.new_review_comment(pull, review, spec, f)

    def resolve_thread(self, thread_id: str, user: str) -> bool:
        """Mark a review thread resolved by `user`, as the `resolveReviewThread` mutation (or a
        person's button) does; False when there is no such thread."""
        for repo, number in list(self._review_comments):
            for thread in self.threads(repo, number):
                if thread["id"] == thread_id:
                    self._resolved_by.setdefault(thread["comments"][0]["id"], user)
                    return True
        return False

    def add_issue_comment(self, repo: str, number: int, body: str, user: str) -> dict[str, Any]:
        """Seed a conversation comment left by a person (or another app, `name[bot]`)."""
        return self.new_issue_comment(self.repo(repo).pulls[number], body, login=user)

    # -- views --------------------------------------------------------------------------------

    @property
    def check_runs(self) -> list[dict[str, Any]]:
        """Return check runs in creation order, `output.annotations` holding every batch."""
        return [copy.deepcopy(run) for _, run in self.runs.values()]

    @property
    def reviews(self) -> list[dict[str, Any]]:
        """Return every submitted review, oldest first."""
        found = [r for reviews in self._reviews.values() for r in reviews]
        return copy.deepcopy(sorted(found, key=lambda r: r["id"]))

    def reviews_of(self, repo: str, number: int) -> list[dict[str, Any]]:
        """Return one pull request's reviews, oldest first."""
        return copy.deepcopy(self._reviews.get((repo.lower(), number), []))

    def review_comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        """Return the pull request's review comments, oldest first."""
        return copy.deepcopy(self._review_comments.get((repo.lower(), number), []))

    def issue_comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        """Return the pull request's conversation comments, oldest first."""
        return copy.deepcopy(self._issue_comments.get((repo.lower(), number), []))

    def listed_issue_comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        """Return the conversation comments as a listing (REST or GraphQL) reads them: without
        the newest while `lagging_comment_lists` says a replica lags."""
        comments = self.issue_comments(repo, number)
        if self.lagging_comment_lists and comments:
            self.lagging_comment_lists -= 1
            comments = comments[:-1]
        return comments

    def threads(self, repo: str, number: int) -> list[dict[str, Any]]:
        """Return the pull request's review threads, oldest first: `id` (`PRRT_` and the id
        of the comment that opened it), `resolved_by` (a login, or None while unresolved) and
        its `comments`, the first then the replies (GitHub points every reply at the first)."""
        comments = self.review_comments(repo, number)
        replies: dict[int, list[dict[str, Any]]] = {}
        for comment in comments:
            if "in_reply_to_id" in comment:
                replies.setdefault(comment["in_reply_to_id"], []).append(comment)
        return [
            {
                "id": f"PRRT_{c['id']}",
                "resolved_by": self._resolved_by.get(c["id"]),
                "comments": [c, *replies.get(c["id"], [])],
            }
            for c in comments
            if "in_reply_to_id" not in c
        ]

    # -- used by the routes -------------------------------------------------------------------

    def comment_by_node(self, node_id: str) -> tuple[str, str] | None:
        """Find a review or conversation comment by its GraphQL id: (its repository, its
        GraphQL type), or None."""
        kinds = (
            (self._review_comments, "PullRequestReviewComment"),
            (self._issue_comments, "IssueComment"),
        )
        for comments, typename in kinds:
            for (repo, _), listed in comments.items():
                if any(c["node_id"] == node_id for c in listed):
                    return self.repo(repo).full_name, typename
        return None

    def next_id(self) -> int:
        """Return a fresh id; one sequence for all objects, so mixed-up ids do not resolve."""
        return next(self._ids)

    def new_review(
        self, pull: Pull, *, body: str, event: str | None, commit_id: str, login: str
    ) -> dict[str, Any]:
        """Store a review in GitHub's shape."""
        states = {
            "COMMENT": "COMMENTED",
            "APPROVE": "APPROVED",
            "REQUEST_CHANGES": "CHANGES_REQUESTED",
        }
        review_id = self.next_id()
        pull_url = f"{self.url}/repos/{pull.repo}/pulls/{pull.number}"
        review = {
            "id": review_id,
            "node_id": f"PRR_{review_id}",
            "user": payloads.user(login, self.url),
            "body": body,
            "state": states.get(event or "", "PENDING"),
            "commit_id": commit_id,
            "html_url": f"{payloads.WEB}/{pull.repo}/pull/{pull.number}",
            "pull_request_url": pull_url,
            "author_association": "NONE",
            "submitted_at": payloads.now(),
        }
        self._reviews.setdefault((pull.repo.lower(), pull.number), []).append(review)
        return review

    def new_review_comment(
        self, pull: Pull, review: dict[str, Any], spec: dict[str, Any], f: FileDiff | None
    ) -> dict[str, Any]:
        """Store a review comment; `spec` holds path, body and a resolved line and side."""
        comment_id = self.next_id()
        side = spec.get("side") or "RIGHT"
        position = f.find(spec["line"], side) if f and "line" in spec else None
        stamp = payloads.now()
        comment = {
            "id": comment_id,
            "node_id": f"PRRC_{comment_id}",
            "pull_request_review_id": review["id"],
            "path": spec["path"],
            "body": spec["body"],
            "commit_id": review["commit_id"],
            "original_commit_id": review["commit_id"],
            "diff_hunk": f.hunk_until(position) if f and position else "",
            "position": position,
            "original_position": position,
            "line": spec.get("line"),
            "original_line": spec.get("line"),
            "side": side,
            "start_line": spec.get("start_line"),
            "original_start_line": spec.get("start_line"),
            "start_side": spec.get("start_side") if spec.get("start_line") else None,
            "subject_type": spec.get("subject_type", "line"),
            "user": payloads.user(review["user"]["login"], self.url),
            "author_association": "NONE",
            "created_at": stamp,
            "updated_at": stamp,
            "url": f"{self.url}/repos/{pull.repo}/pulls/comments/{comment_id}",
            "html_url": f"{payloads.WEB}/{pull.repo}/pull/{pull.number}#discussion_r{comment_id}",
            "pull_request_url": f"{self.url}/repos/{pull.repo}/pulls/{pull.number}",
        }
        if "in_reply_to" in spec:
            comment["in_reply_to_id"] = spec["in_reply_to"]
        self._review_comments.setdefault((pull.repo.lower(), pull.number), []).append(comment)
        return comment

    def new_issue_comment(self, pull: Pull, body: str, *, login: str) -> dict[str, Any]:
        """Store a conversation comment in GitHub's shape."""
        comment_id = self.next_id()
        stamp = payloads.now()
        comment = {
            "id": comment_id,
            "node_id": f"IC_{comment_id}",
            "body": body,
            "user": payloads.user(login, self.url),
            "author_association": "NONE",
            "created_at": stamp,
            "updated_at": stamp,
            "url": f"{self.url}/repos/{pull.repo}/issues/comments/{comment_id}",
            "html_url": f"{payloads.WEB}/{pull.repo}/pull/{pull.number}#issuecomment-{comment_id}",
            "issue_url": f"{self.url}/repos/{pull.repo}/issues/{pull.number}",
        }
        self._issue_comments.setdefault((pull.repo.lower(), pull.number), []).append(comment)
        return comment

    def repo(self, name: str, *, create: bool = False) -> Repo:
        """Find a repository by case-insensitive name, as GitHub does."""
        key = name.lower()
        if key not in self._repos:
            if not create:
                raise KeyError(f"unknown repository {name}: add_installation or add_pull first")
            self._repos[key] = Repo(full_name=name)
        return self._repos[key]

    def app_json(self) -> dict[str, Any]:
        """Return the app object, also embedded in check runs."""
        owner = payloads.user("readiness-dev", self.url)
        return {
            "id": self.app_id,
            "slug": self.slug,
            "node_id": f"A_{self.app_id}",
            "name": self.slug.title(),
            "owner": owner,
            "description": "",
            "external_url": "https://example.com",
            "html_url": f"{payloads.WEB}/apps/{self.slug}",
            "created_at": "2024-01-01T00:00:00Z",
            "updated_at": "2024-01-01T00:00:00Z",
            "permissions": dict(PERMISSIONS),
            "events": ["pull_request", "issue_comment"],
        }

    def _custom_roles_of(self, repo: str) -> dict[str, str]:
        """Return the custom roles of the organization owning `repo`."""
        return self.custom_roles.get(repo.split("/", 1)[0].lower(), {})

    def _set_head(self, r: Repo, pull: Pull, files: dict[str, bytes]) -> None:
        """Make the head commit's files readable by sha, and by branch for same-repo heads."""
        r.trees[pull.head_sha] = dict(files)
        if pull.head_repo.lower() == r.full_name.lower():
            r.refs[pull.head_ref] = pull.head_sha
