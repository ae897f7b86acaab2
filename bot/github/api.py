"""The narrow port the pipeline uses to talk to GitHub about one repository."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from gidgethub import BadRequest

from bot.diff.model import Change, FileStatus, Ref
from bot.errors import OutcomeUnknown, TransientError
from bot.github import conversation
from bot.github.auth import AppAuth
from bot.github.client import GitHubClient, QueryRefused, json_of
from bot.github.conversation import Conversation

log = logging.getLogger(__name__)

DIFF_MEDIA = "application/vnd.github.v3.diff"
RAW_MEDIA = "application/vnd.github.raw"
MAX_CONTENT_BYTES = 1_000_000
MAX_CONCURRENT_READS = 8  # GitHub asks integrators not to fire many requests at once
COMPARE_FILES = 300  # files GitHub's compare lists at most ("for the entire comparison")
# Blobs per GraphQL request: at most BLOBS_PER_QUERY aliased `object`s (one node each, far
# inside GitHub's 500,000-node limit) and about QUERY_BYTES of their text, so a large change
# takes few requests and no answer grows past a few megabytes (GitHub cuts each blob's text at
# 512,000 bytes; a side of unknown size counts as UNKNOWN_BYTES).
BLOBS_PER_QUERY = 500
QUERY_BYTES = 2_000_000
UNKNOWN_BYTES = QUERY_BYTES // 100  # an unknown side: 100 of them per request
COMMITS_READ = 100  # a pull request's newest commits whose messages a review reads
THREADS_PER_MUTATION = 50  # resolveReviewThread mutations per GraphQL request
WRITE_ATTEMPTS = 3  # a creating request whose answer was lost: look, then send again
WRITE_PERMISSIONS = frozenset({"admin", "write"})  # the base permissions that may push


# REST's reaction names -> GraphQL's ReactionContent.
GRAPHQL_REACTIONS = {"eyes": "EYES", "+1": "THUMBS_UP", "confused": "CONFUSED"}
_RESOLVED = "thread { id isResolved }"  # what each resolveReviewThread answers
NOT_FOUND = "NOT_FOUND"  # GraphQL's error type for a repository that is absent or not visible


class DiffTooLarge(Exception):
    """GitHub refused the diff media type (406): above 300 files or 20,000 lines."""


class RepoAPI:
    """GitHub calls about one repository, made with one installation's token."""

    def __init__(self, gh: GitHubClient, repo: str) -> None:
        self.gh = gh
        self._writes = gh.writer()
        self.repo = repo
        self._base = f"/repos/{repo}"

    async def get_pull(self, number: int) -> dict[str, Any]:
        """Fetch the pull request: its state and current head."""
        return json_of(await self.gh.getitem(f"{self._base}/pulls/{number}"))

    async def find_pulls(self, head_sha: str) -> list[int]:
        """Return the open PRs whose head is this commit (check events from forks list none)."""
        return [
            int(pull["number"])
            async for pull in self.gh.getiter(f"{self._base}/pulls?state=open&per_page=100")
            if pull["head"]["sha"] == head_sha
        ]

    async def get_diff(self, number: int) -> bytes:
        """Fetch the PR's unified diff as bytes (it may hold non-UTF-8 text)."""
        try:
            return await self.gh.get_bytes(f"{self._base}/pulls/{number}", accept=DIFF_MEDIA)
        except BadRequest as exc:
            if int(exc.status_code) == 406:
                raise DiffTooLarge(str(exc)) from exc
            raise

    def list_files(self, number: int) -> AsyncIterator[dict[str, Any]]:
        """Iterate over every changed file of the PR, page by page (at most 3,000)."""
        return self.gh.getiter(f"{self._base}/pulls/{number}/files?per_page=100")

    async def compare(self, base_sha: str, head_sha: str) -> Comparison:
        """Compare the PR's base and head (`base...head`, as the PR's diff does): where head
        branched off base, and the changed files with their patches, in one request.

        A PR's `base.sha` is the base branch's tip, which moves on; files read there would hold
        changes the diff does not show (a test added on main would look removed by the PR), so
        the base side is read at the merge base. GitHub lists at most COMPARE_FILES files, on
        the first page only (`per_page` pages the commits, of which one is asked for).
        """
        url = f"{self._base}/compare/{base_sha}...{head_sha}?per_page=1"
        data = json_of(await self.gh.getitem(url))
        files = tuple(dict(entry) for entry in data.get("files") or ())
        return Comparison(str(data["merge_base_commit"]["sha"]), files)

    async def get_content(self, path: str, ref: str) -> bytes | None:
        """Return a file's raw bytes at a ref, or None when it does not exist there."""
        url = f"{self._base}/contents/{quote(path, safe='/')}"
        try:
            return await self.gh.get_bytes(url, accept=RAW_MEDIA, params={"ref": ref})
        except BadRequest as exc:
            if int(exc.status_code) == 404:
                return None
            raise

    async def read_blobs(
        self, wanted: Sequence[tuple[str, str]], repo: str | None = None
    ) -> list[Blob | None]:
        """Read files at revisions, `(sha or ref, path)` each, of this repository (or `repo`)
        in one GraphQL request; None for a path absent there (or not a file). Keep `wanted`
        within BLOBS_PER_QUERY. Raises QueryRefused (NOT_FOUND: no such repository visible)."""
        owner, name = (repo or self.repo).split("/", 1)
        variables: dict[str, Any] = {"owner": owner, "name": name}
        fields = _blob_fields("f", wanted, variables)
        query = (
            f"query({_params(variables)}) {{ "
            f"repository(owner: $owner, name: $name) {{ {fields} }} }} {BLOB_FRAGMENT}"
        )
        repository = (await self.gh.query(query, variables))["repository"] or {}
        return [_blob(repository.get(f"f{n}")) for n in range(len(wanted))]

    async def read_review(
        self,
        wanted: Sequence[tuple[str, str]],
        *,
        number: int,
        head_sha: str,
        app_id: int,
        check_name: str,
        org: tuple[str, Sequence[str]],
    ) -> ReviewRead:
        """Read what a review needs before it runs, in one GraphQL request: files of this
        repository at revisions (`(sha, path)` each, within BLOBS_PER_QUERY), the first page of
        pull request `number`'s conversation (`conversation.SELECTION`; `read_conversation`
        follows up when there is more), its state (`PullState`) and what it says of itself
        (title, body, its last 100 commits' messages), this app's latest check run
        named `check_name` on `head_sha`, and the default branch's `paths` of the
        organisation's repository `org` (`(repo, paths)`), which may not exist.

        Raises QueryRefused when any part but the organisation's fails.
        """
        owner, name = self.repo.split("/", 1)
        org_owner, org_name = org[0].split("/", 1)
        variables: dict[str, Any] = {
            "owner": owner,
            "name": name,
            "orgOwner": org_owner,
            "orgName": org_name,
            "number": number,
            "head": head_sha,
            "app": app_id,
            "check": check_name,
        }
        fields = _blob_fields("f", wanted, variables)
        org_fields = _blob_fields("o", [("HEAD", path) for path in org[1]], variables)
        query = (
            f"query({_params(variables)}) {{ "
            f"repository(owner: $owner, name: $name) {{ url {fields} {RUN_FIELD} "
            f"pullRequest(number: $number) {{ {PULL_FIELDS} {DESCRIPTION_FIELDS} "
            f"{conversation.SELECTION} }} }} "
            f"org: repository(owner: $orgOwner, name: $orgName) {{ {org_fields} }} }} "
            f"{BLOB_FRAGMENT}"
        )
        data, errors = await self.gh.query_partly(query, variables)
        own = [e for e in errors if (e.get("path") or [None])[0] != "org"]
        if own:
            raise QueryRefused(own)
        repository = data.get("repository") or {}
        organisation: dict[str, str | None] | None = None
        problem = None
        if errors and any(e.get("type") != NOT_FOUND for e in errors):
            problem = str(QueryRefused(errors))
        elif isinstance(data.get("org"), dict):
            found = data["org"]
            organisation = {
                path: _whole_text(_blob(found.get(f"o{n}"))) for n, path in enumerate(org[1])
            }
        pull = json_of(repository.get("pullRequest"))
        return ReviewRead(
            blobs=[_blob(repository.get(f"f{n}")) for n in range(len(wanted))],
            conversation=conversation.parse(pull),
            latest_run=_latest_run(repository.get("run")),
            organisation=organisation,
            pull=PullState(
                str(pull["state"]).lower(),
                bool(pull["isDraft"]),
                str(pull["headRefOid"]),
                str(repository["url"]),
            ),
            organisation_problem=problem,
            description=_description(pull),
        )

    async def read_default_branch(
        self, repo: str, paths: Sequence[str]
    ) -> dict[str, str | None] | None:
        """Read files at the head of another repository's default branch, in one request.

        Shape: path -> text (None when absent, binary or truncated); None when the repository
        does not exist or the installation cannot see it (GraphQL's NOT_FOUND). Failures are
        retried as every request is; a refused token raises BadRequest(401).
        """
        try:
            blobs = await self.read_blobs([("HEAD", path) for path in paths], repo)
        except QueryRefused as exc:
            if exc.types == {NOT_FOUND}:
                return None
            raise
        return {path: _whole_text(blob) for path, blob in zip(paths, blobs, strict=True)}

    async def list_tree(self, sha: str) -> dict[str, int]:
        """Return every file in a commit with its size in bytes (GitHub truncates past 100,000
        entries)."""
        tree = json_of(await self.gh.getitem(f"{self._base}/git/trees/{sha}?recursive=1"))
        if tree.get("truncated"):
            log.warning("the file tree of %s is truncated; rules see part of it", sha)
        return {
            str(e["path"]): int(e.get("size") or 0)
            for e in tree.get("tree", [])
            if e.get("type") == "blob"
        }

    async def latest_check_run(self, sha: str, name: str, app_id: int) -> dict[str, Any] | None:
        """Return this app's most recent check run of that name on a commit, if any."""
        url = f"{self._base}/commits/{sha}/check-runs?check_name={quote(name)}&app_id={app_id}"
        data = json_of(await self.gh.getitem(f"{url}&filter=latest&per_page=1"))
        runs = data.get("check_runs") or []
        return dict(runs[0]) if runs else None

    async def get_check_run(self, check_run_id: int) -> dict[str, Any]:
        """Fetch one check run: its status and `output.annotations_count`."""
        return json_of(await self.gh.getitem(f"{self._base}/check-runs/{check_run_id}"))

    async def create_check_run(self, body: dict[str, Any], app_id: int) -> int:
        """Create a check run and return its id.

        A run is only created when the head has no unfinished run of this app, so when GitHub's
        answer is lost, an unfinished run found on the head is the one that request created.
        Raises TransientError when every answer was lost and nothing was found.
        """

        async def unfinished() -> dict[str, Any] | None:
            found = await self.latest_check_run(body["head_sha"], body["name"], app_id)
            return found if found is not None and found["status"] != "completed" else None

        return int((await self._post_once(f"{self._base}/check-runs", body, unfinished))["id"])

    async def update_check_run(
        self, check_run_id: int, body: dict[str, Any], *, annotations_before: int = 0
    ) -> None:
        """Update a check run; annotations sent are appended to the run's.

        An update without annotations replaces fields and is simply sent again. One with
        annotations is not: when GitHub's answer is lost, the run's annotation count (compared
        with `annotations_before`, the count before this request) tells whether it was applied.
        """
        url = f"{self._base}/check-runs/{check_run_id}"
        sent = len((body.get("output") or {}).get("annotations") or ())
        if not sent:
            await self.gh.patch(url, data=body)
            return
        for _ in range(WRITE_ATTEMPTS):
            try:
                await self._writes.patch(url, data=body)
                return
            except OutcomeUnknown as exc:
                log.warning("%s; reading the run's annotation count", exc)
                run = await self.get_check_run(check_run_id)
                if int(run["output"]["annotations_count"]) >= annotations_before + sent:
                    return
        raise TransientError("the check run could not be updated: GitHub's answers were lost")

    def list_review_comments(self, number: int) -> AsyncIterator[dict[str, Any]]:
        """Iterate over every review comment of the PR, all pages."""
        return self.gh.getiter(f"{self._base}/pulls/{number}/comments?per_page=100")

    def list_reviews(self, number: int) -> AsyncIterator[dict[str, Any]]:
        """Iterate over every review of the PR, all pages."""
        return self.gh.getiter(f"{self._base}/pulls/{number}/reviews?per_page=100")

    async def read_conversation(
        self, number: int, read: Conversation | None = None
    ) -> Conversation:
        """Read the PR's review threads, reviews and comments in one GraphQL request, and one
        more per 100 further nodes of whichever of them has more (`conversation.follow_up`).

        `read`: what another query carrying `conversation.SELECTION` already read (`parse` of
        its `pullRequest`); then only the follow-ups it needs are requested, if any.
        """
        owner, name = self.repo.split("/", 1)
        head = "query($owner: String!, $name: String!, $number: Int!"
        variables: dict[str, Any] = {"owner": owner, "name": name, "number": number}
        while read is None or read.more:
            selection, cursors = (
                (conversation.SELECTION, {}) if read is None else conversation.follow_up(read.more)
            )
            params = "".join(f", ${cursor}: String!" for cursor in cursors)
            query = (
                f"{head}{params}) {{ repository(owner: $owner, name: $name) {{ "
                f"pullRequest(number: $number) {{ {selection} }} }} }}"
            )
            data = await self.gh.query(query, {**variables, **cursors})
            page = conversation.parse(json_of(json_of(data["repository"])["pullRequest"]))
            read = page if read is None else read.then(page)
        return read

    async def resolve_threads(self, thread_ids: Sequence[str]) -> set[str]:
        """Resolve review threads, THREADS_PER_MUTATION per GraphQL request; return the ids
        GitHub resolved. Best effort: a thread GitHub refuses (one deleted meanwhile is
        NOT_FOUND) is logged and left, as resolving is tidying, not the review's result; the
        rest of its batch still counts (GitHub runs each mutation of a request on its own)."""
        resolved: set[str] = set()
        for start in range(0, len(thread_ids), THREADS_PER_MUTATION):
            batch = thread_ids[start : start + THREADS_PER_MUTATION]
            params = ", ".join(f"$t{n}: ID!" for n in range(len(batch)))
            fields = " ".join(
                f"t{n}: resolveReviewThread(input: {{threadId: $t{n}}}) {{ {_RESOLVED} }}"
                for n in range(len(batch))
            )
            variables = {f"t{n}": thread_id for n, thread_id in enumerate(batch)}
            try:
                data = await self.gh.query(f"mutation({params}) {{ {fields} }}", variables)
            except QueryRefused as exc:
                log.warning("GitHub did not resolve every review thread: %s", exc)
                data = exc.data
            for n in range(len(batch)):
                thread = (data.get(f"t{n}") or {}).get("thread") or {}
                if thread.get("isResolved"):
                    resolved.add(str(thread["id"]))
        return resolved

    async def create_review(self, number: int, body: dict[str, Any], marker: str) -> None:
        """Post one review with its line comments.

        `marker` is a hidden line of the review's body: when GitHub's answer is lost, a review
        carrying it is the one that request created, and it is not posted again.
        """
        url = f"{self._base}/pulls/{number}/reviews"
        await self._post_once(url, body, lambda: _carrying(marker, self.list_reviews(number)))

    async def create_review_comment(self, number: int, body: dict[str, Any], marker: str) -> None:
        """Post one review comment on its own (GitHub wraps it in a review of its own).

        `marker` is the comment's hidden fingerprint line: when GitHub's answer is lost, a
        comment carrying it is the one that request created. A 422 (GitHub will not place it on
        that line) is raised to the caller.
        """
        url = f"{self._base}/pulls/{number}/comments"
        await self._post_once(
            url, body, lambda: _carrying(marker, self.list_review_comments(number))
        )

    async def _post_once(
        self,
        url: str,
        body: dict[str, Any],
        made: Callable[[], Awaitable[dict[str, Any] | None]],
    ) -> dict[str, Any]:
        """POST a creating request; when GitHub's answer is lost, ask `made` for what it may
        have created before sending again. Return what was created (or found).

        Raises TransientError when every answer is lost and nothing was found.
        """
        for _ in range(WRITE_ATTEMPTS):
            try:
                return json_of(await self._writes.post(url, data=body))
            except OutcomeUnknown as exc:
                log.warning("%s; looking for what it may have created", exc)
                found = await made()
                if found is not None:
                    return found
        raise TransientError(f"POST {url} did not go through: GitHub's answers were lost")

    async def has_write_access(self, username: str) -> bool:
        """Tell whether the user may push to the repository, however it was granted.

        Decided by the base permission GitHub computes over every grant (repository, team,
        organization): `permission` (admin or write; maintain maps to write) or the `push`
        flag. Not by `role_name`, which is a custom role's own name.
        """
        url = f"{self._base}/collaborators/{quote(username)}/permission"
        try:
            data = json_of(await self.gh.getitem(url))
        except BadRequest as exc:
            if int(exc.status_code) == 404:
                return False
            raise
        flags = (data.get("user") or {}).get("permissions") or {}
        return data.get("permission") in WRITE_PERMISSIONS or flags.get("push") is True

    async def react(self, comment_id: int, content: str) -> None:
        """Add a reaction (`eyes`, `+1`, `confused`) to an issue comment."""
        url = f"{self._base}/issues/comments/{comment_id}/reactions"
        await self.gh.post(url, data={"content": content})

    async def comment(self, number: int, body: str) -> None:
        """Post a comment on the PR's conversation."""
        await self.gh.post(f"{self._base}/issues/{number}/comments", data={"body": body})

    async def react_to_node(self, node_id: str, content: str) -> None:
        """Add a reaction (`eyes`, `+1`, `confused`) to a review comment, by its GraphQL id.

        GraphQL's addReaction takes any reactable subject; adding one already there is a no-op.
        """
        mutation = (
            "mutation($subject: ID!, $content: ReactionContent!) { "
            "addReaction(input: {subjectId: $subject, content: $content}) "
            "{ reaction { content } } }"
        )
        variables = {"subject": node_id, "content": GRAPHQL_REACTIONS[content]}
        await self.gh.query(mutation, variables)

    async def reply_to_review_comment(
        self, number: int, top: int, path: str, commit_id: str, body: str
    ) -> None:
        """Reply in the review thread that starts with comment `top` (its first comment).

        GitHub ignores `path` and `commit_id` on a reply, but its description requires them.
        """
        reply = {"body": body, "in_reply_to": top, "path": path, "commit_id": commit_id}
        await self.gh.post(f"{self._base}/pulls/{number}/comments", data=reply)


class AppAPI:
    """Calls made as the app itself (with its JWT), not as an installation."""

    def __init__(self, gh: GitHubClient, auth: AppAuth) -> None:
        self.gh = gh
        self._auth = auth
        self._described: dict[str, Any] | None = None
        self._describing = asyncio.Lock()

    async def get_app(self) -> dict[str, Any]:
        """Describe this app: its name, slug and `html_url` (the install page is under it).

        Read once per AppAPI (the home page and the pipeline share one per process): what
        GitHub says does not change while the app runs. A failure is not kept."""
        async with self._describing:
            if self._described is None:
                self._described = json_of(await self.gh.getitem("/app", jwt=self._auth.app_jwt()))
            return self._described

    def list_deliveries(self) -> AsyncIterator[dict[str, Any]]:
        """Iterate over the app's webhook deliveries, newest first."""
        return self.gh.getiter("/app/hook/deliveries?per_page=100", jwt=self._auth.app_jwt())

    async def redeliver(self, delivery_id: int) -> None:
        """Ask GitHub to send a delivery again (it keeps the same X-GitHub-Delivery id)."""
        url = f"/app/hook/deliveries/{delivery_id}/attempts"
        await self.gh.post(url, data=b"", jwt=self._auth.app_jwt())


@dataclass(frozen=True)
class ReviewRead:
    """What `RepoAPI.read_review` read: `blobs` in the order asked; the first page of the
    `conversation` (its `more` says what is left to read); `latest_run` in the REST
    shape the pipeline uses (`id`, `status` lower-case, `output.annotations_count`) or None;
    `organisation` path -> text (None: absent, binary or truncated), or None when the
    organisation has no such repository the installation can see; `organisation_problem` why
    it could not be read, when it could not; `description` what the pull request says."""

    blobs: list[Blob | None]
    conversation: Conversation
    latest_run: dict[str, Any] | None
    organisation: dict[str, str | None] | None
    pull: PullState
    organisation_problem: str | None = None
    description: tuple[str, ...] = ()
    """What the pull request says: its title, its body and its commits' messages, oldest first."""


@dataclass(frozen=True)
class PullState:
    """What a review checks of its pull request before publishing: `state` ("open", "closed" or
    "merged"), `draft`, the current `head_sha`, and `repo_url`, the base repository's web
    address (for links to lines). Read with the review's files (GraphQL) or, right before the
    review writes to the conversation, with REST `GET /pulls/{n}`."""

    state: str
    draft: bool
    head_sha: str
    repo_url: str

    @classmethod
    def from_rest(cls, pull: dict[str, Any]) -> PullState:
        """Read a REST pull request (`GET /pulls/{n}`)."""
        state = "merged" if pull.get("merged") else str(pull.get("state"))
        return cls(
            state,
            bool(pull.get("draft")),
            str(pull["head"]["sha"]),
            str(pull["base"]["repo"]["html_url"]),
        )


@dataclass(frozen=True)
class Comparison:
    """GitHub's compare of `base...head`: the merge base's sha and the changed files, each a
    diff entry (`filename`, `status`, `changes`, `patch` when GitHub sent one,
    `previous_filename` for a rename) as the PR's files list gives them."""

    merge_base: str
    files: tuple[dict[str, Any], ...]

    @property
    def complete(self) -> bool:
        """Tell whether the files say all the diff does: fewer than GitHub's cap, a patch for
        each text file (a binary has no changed lines), and none GitHub had to decode with
        U+FFFD replacements (a file not in UTF-8, which the raw diff shows as it is)."""
        if len(self.files) >= COMPARE_FILES:
            return False
        for entry in self.files:
            patch = entry.get("patch")
            if patch is None and entry.get("changes"):
                return False
            if isinstance(patch, str) and "\ufffd" in patch:
                return False
        return True


@dataclass(frozen=True)
class Blob:
    """A file as GitHub's GraphQL API gives it: `text` is None for a binary file and cut at
    512,000 bytes when `truncated` (GitHub's limit; the REST contents API reads up to 100 MB).
    `size` is in bytes."""

    text: str | None
    binary: bool
    truncated: bool
    size: int


async def create_app_from_manifest(gh: GitHubClient, code: str) -> dict[str, Any]:
    """Exchange the manifest flow's code for the new app: `id`, `slug`, `name`, `html_url`,
    `pem` (its private key) and `webhook_secret`. The code (one use, one hour) is the only
    credential.

    Raises gidgethub's BadRequest (404: unknown, used or expired code; 422: refused) and, when
    GitHub's answer is lost, OutcomeUnknown: the code may be spent, so it is never sent twice.
    """
    url = "/app-manifests/{code}/conversions"
    return json_of(await gh.writer().post(url, url_vars={"code": code}, data=b""))


class GitHubContents:
    """File contents at a PR's base and head commits: batches of blobs per GraphQL request
    (`batches`), and the contents API only for a text file GraphQL truncates.

    `change` (the PR's diff) sizes each head side from its base side and its patch, so batches
    fill up to QUERY_BYTES without reading the head's tree.
    """

    def __init__(
        self, api: RepoAPI, base_sha: str, head_sha: str, change: Change | None = None
    ) -> None:
        self._api = api
        self._refs: dict[Ref, str] = {"base": base_sha, "head": head_sha}
        self._trees: dict[Ref, dict[str, int]] = {}
        self._changed = {f.path: f for f in change.files} if change is not None else {}
        self._limit = asyncio.Semaphore(MAX_CONCURRENT_READS)

    async def read_many(
        self, wanted: Sequence[tuple[str, Ref]]
    ) -> dict[tuple[str, Ref], str | None]:
        """Read each (path, side) once; None for a file that is absent, binary or too big."""
        batches = self.batches(list(dict.fromkeys(wanted)))
        read = await asyncio.gather(*(self._batch(batch) for batch in batches))
        return {key: text for part in read for key, text in part.items()}

    def batches(self, keys: Sequence[tuple[str, Ref]]) -> list[list[tuple[str, Ref]]]:
        """Split (path, side) keys, in order, into GraphQL requests of at most BLOBS_PER_QUERY
        blobs and QUERY_BYTES of text (a blob larger than that goes alone)."""
        batches: list[list[tuple[str, Ref]]] = []
        room = 0
        for key in keys:
            size = min(self.size(*key), QUERY_BYTES)
            if not batches or len(batches[-1]) >= BLOBS_PER_QUERY or size > room:
                batches.append([])
                room = QUERY_BYTES
            batches[-1].append(key)
            room -= size
        return batches

    def size(self, path: str, at: Ref) -> int:
        """A side's size in bytes, as the trees read say; a head side the tree was not read for
        is its base side with its patch applied (UNKNOWN_BYTES when neither tells)."""
        known = self._trees.get(at, {}).get(path)
        if known is not None:
            return known
        changed = self._changed.get(path) if at == "head" else None
        if changed is None or (not changed.added and not changed.removed):
            return UNKNOWN_BYTES
        base = 0
        if changed.status is not FileStatus.ADDED:
            base = self._trees.get("base", {}).get(changed.old_path or path, UNKNOWN_BYTES)
        lines = sum(len(line.text.encode()) + 1 for line in changed.added)
        return max(base + lines - sum(len(line.text.encode()) + 1 for line in changed.removed), 0)

    async def _batch(self, keys: list[tuple[str, Ref]]) -> dict[tuple[str, Ref], str | None]:
        async with self._limit:
            blobs = await self._api.read_blobs(self.revisions(keys))
        return await self.texts(keys, blobs)

    def revisions(self, keys: Sequence[tuple[str, Ref]]) -> list[tuple[str, str]]:
        """Name each (path, side) as the `(sha, path)` GraphQL reads."""
        return [(self._refs[at], path) for path, at in keys]

    async def texts(
        self, keys: Sequence[tuple[str, Ref]], blobs: Sequence[Blob | None]
    ) -> dict[tuple[str, Ref], str | None]:
        """Turn the blobs read for `keys` into texts, reading through the contents API only
        the text files GraphQL truncated."""
        pairs = zip(keys, blobs, strict=True)
        texts = await asyncio.gather(*(self._text(key, blob) for key, blob in pairs))
        return dict(zip(keys, texts, strict=True))

    async def _text(self, key: tuple[str, Ref], blob: Blob | None) -> str | None:
        if blob is None or blob.binary or blob.size > MAX_CONTENT_BYTES:
            return None
        if not blob.truncated and blob.text is not None:
            return blob.text
        path, at = key
        async with self._limit:
            data = await self._api.get_content(path, self._refs[at])
        return None if data is None else data.decode(errors="replace")

    async def files(self, at: Ref = "head") -> frozenset[str] | None:
        if at not in self._trees:
            self._trees[at] = await self._api.list_tree(self._refs[at])
        return frozenset(self._trees[at])


BLOB_FRAGMENT = "fragment blob on Blob { byteSize isBinary isTruncated text }"
# This app's newest run of a name on a commit: one check suite per app and commit, normally;
# `LATEST` keeps the newest run of each name in a suite.
# A pull request's state as `PullState` holds it (GraphQL's state is OPEN, CLOSED or MERGED).
PULL_FIELDS = "state isDraft headRefOid"
# What a pull request says of itself, for rules that take an explanation (a test it removes).
DESCRIPTION_FIELDS = (
    f"title body commits(last: {COMMITS_READ}) {{ nodes {{ commit {{ message }} }} }}"
)
RUN_FIELD = (
    "run: object(expression: $head) { ... on Commit { "
    "checkSuites(first: 10, filterBy: {appId: $app}) { nodes { "
    "checkRuns(first: 1, filterBy: {checkName: $check, checkType: LATEST}) { nodes { "
    "databaseId status annotations(first: 1) { totalCount } } } } } } }"
)
_TYPES = {"app": "Int!", "number": "Int!"}


def _description(pull: dict[str, Any]) -> tuple[str, ...]:
    """Read a pull request's title, body (null when empty) and commits' messages."""
    commits = pull.get("commits")
    nodes = commits.get("nodes") if isinstance(commits, dict) else None
    messages = [
        str(node["commit"].get("message") or "")
        for node in nodes or []
        if isinstance(node, dict) and isinstance(node.get("commit"), dict)
    ]
    return (str(pull.get("title") or ""), str(pull.get("body") or ""), *messages)


def _params(variables: dict[str, Any]) -> str:
    """Declare each variable of a query: `Int!` for the app id and the PR number, `String!`
    for the rest."""
    return ", ".join(f"${key}: {_TYPES.get(key, 'String!')}" for key in variables)


def _blob_fields(prefix: str, wanted: Sequence[tuple[str, str]], variables: dict[str, Any]) -> str:
    """Alias one `object(expression: "REV:PATH")` per wanted file, `<prefix><n>`, adding the
    expressions to `variables` (never into the query text: paths are the PR's)."""
    fields = []
    for n, (rev, path) in enumerate(wanted):
        variables[f"{prefix}e{n}"] = f"{rev}:{path}"
        fields.append(f"{prefix}{n}: object(expression: ${prefix}e{n}) {{ ...blob }}")
    return " ".join(fields)


def _blob(found: Any) -> Blob | None:
    """A Blob from its GraphQL object; None for an absent path, a tree or a submodule."""
    if not isinstance(found, dict) or "byteSize" not in found:
        return None
    text = found.get("text")
    return Blob(
        text=text if isinstance(text, str) else None,
        binary=bool(found.get("isBinary")),
        truncated=bool(found.get("isTruncated")),
        size=int(found["byteSize"]),
    )


def _whole_text(blob: Blob | None) -> str | None:
    """A config file's text: None when it is absent, binary or cut by GitHub (a config read
    in part would be read wrong)."""
    return None if blob is None or blob.binary or blob.truncated else blob.text


def _latest_run(commit: Any) -> dict[str, Any] | None:
    """The newest run among the commit's suites' (highest id), in the REST shape."""
    if not isinstance(commit, dict):
        return None
    runs = [
        run
        for suite in (commit.get("checkSuites") or {}).get("nodes") or []
        for run in ((suite or {}).get("checkRuns") or {}).get("nodes") or []
        if run
    ]
    if not runs:
        return None
    run = max(runs, key=lambda r: int(r["databaseId"]))
    count = int((run.get("annotations") or {}).get("totalCount") or 0)
    return {
        "id": int(run["databaseId"]),
        "status": str(run["status"]).lower(),
        "output": {"annotations_count": count},
    }


async def _carrying(marker: str, listing: AsyncIterator[dict[str, Any]]) -> dict[str, Any] | None:
    """Return the first review or comment whose body carries `marker`."""
    async for made in listing:
        if marker in (made.get("body") or ""):
            return made
    return None
