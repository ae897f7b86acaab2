"""The narrow port the pipeline uses to talk to GitHub about one repository."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from gidgethub import BadRequest

from bot.diff.model import Ref
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
BLOBS_PER_QUERY = 100  # files per GraphQL request: well inside GitHub's node and time limits
THREADS_PER_MUTATION = 50  # resolveReviewThread mutations per GraphQL request
WRITE_ATTEMPTS = 3  # a creating request whose answer was lost: look, then send again
WRITE_PERMISSIONS = frozenset({"admin", "write"})  # the base permissions that may push


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

    async def merge_base(self, base_sha: str, head_sha: str) -> str:
        """Return where head branched off base: the base side of the PR's diff.

        A PR's `base.sha` is the base branch's tip, which moves on; files read there would hold
        changes the diff does not show (a test added on main would look removed by the PR).
        """
        url = f"{self._base}/compare/{base_sha}...{head_sha}?per_page=1"
        return str(json_of(await self.gh.getitem(url))["merge_base_commit"]["sha"])

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
        variables: dict[str, str] = {"owner": owner, "name": name}
        fields = []
        for n, (sha, path) in enumerate(wanted):
            variables[f"e{n}"] = f"{sha}:{path}"
            fields.append(f"f{n}: object(expression: $e{n}) {{ ...blob }}")
        params = "".join(f", $e{n}: String!" for n in range(len(wanted)))
        query = (
            f"query($owner: String!, $name: String!{params}) {{ "
            f"repository(owner: $owner, name: $name) {{ {' '.join(fields)} }} }} "
            "fragment blob on Blob { byteSize isBinary isTruncated text }"
        )
        repository = (await self.gh.query(query, variables))["repository"] or {}
        blobs: list[Blob | None] = []
        for n in range(len(wanted)):
            found = repository.get(f"f{n}")
            if not isinstance(found, dict) or "byteSize" not in found:
                blobs.append(None)  # absent, or a tree or submodule at that path
                continue
            text = found.get("text")
            blobs.append(
                Blob(
                    text=text if isinstance(text, str) else None,
                    binary=bool(found.get("isBinary")),
                    truncated=bool(found.get("isTruncated")),
                    size=int(found["byteSize"]),
                )
            )
        return blobs

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
        return {
            path: None if blob is None or blob.binary or blob.truncated else blob.text
            for path, blob in zip(paths, blobs, strict=True)
        }

    async def list_tree(self, sha: str) -> list[str]:
        """Return the paths of every file in a commit (GitHub truncates past 100,000 entries)."""
        tree = json_of(await self.gh.getitem(f"{self._base}/git/trees/{sha}?recursive=1"))
        if tree.get("truncated"):
            log.warning("the file tree of %s is truncated; rules see part of it", sha)
        return [str(e["path"]) for e in tree.get("tree", []) if e.get("type") == "blob"]

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
    """File contents at a PR's base and head commits: BLOBS_PER_QUERY files per GraphQL
    request, and the contents API only for a text file GraphQL truncates."""

    def __init__(self, api: RepoAPI, base_sha: str, head_sha: str) -> None:
        self._api = api
        self._refs: dict[Ref, str] = {"base": base_sha, "head": head_sha}
        self._trees: dict[Ref, frozenset[str]] = {}
        self._limit = asyncio.Semaphore(MAX_CONCURRENT_READS)

    async def read_many(
        self, wanted: Sequence[tuple[str, Ref]]
    ) -> dict[tuple[str, Ref], str | None]:
        """Read each (path, side) once; None for a file that is absent, binary or too big."""
        keys = list(dict.fromkeys(wanted))
        batches = [keys[i : i + BLOBS_PER_QUERY] for i in range(0, len(keys), BLOBS_PER_QUERY)]
        read = await asyncio.gather(*(self._batch(batch) for batch in batches))
        return {key: text for part in read for key, text in part.items()}

    async def _batch(self, keys: list[tuple[str, Ref]]) -> dict[tuple[str, Ref], str | None]:
        async with self._limit:
            blobs = await self._api.read_blobs([(self._refs[at], path) for path, at in keys])
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
            self._trees[at] = frozenset(await self._api.list_tree(self._refs[at]))
        return self._trees[at]


async def _carrying(marker: str, listing: AsyncIterator[dict[str, Any]]) -> dict[str, Any] | None:
    """Return the first review or comment whose body carries `marker`."""
    async for made in listing:
        if marker in (made.get("body") or ""):
            return made
    return None
