"""The product, top to bottom: fetch the diff, evaluate the rules, publish the check and review.

Effects are idempotent so that a job run twice (a redelivery, a crash and restart) shows once:
an unfinished `Readiness` run on the same head is taken over instead of a second one created,
a push review of a head that already has a finished run is skipped, and comments are deduped by
fingerprint. A review whose head was superseded by a newer push, or whose pull request was
closed, is not published: its run is completed as `cancelled`. The pull request is read again
right before a review reaches the conversation; a review that only completes its run judges by
what its reads found (the run belongs to its head commit). Commands are answered in
`commands.py`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass, replace
from typing import Any

from gidgethub import BadRequest, HTTPException

from bot.errors import PermanentError, TransientError
from bot.github.api import NOT_FOUND, AppAPI, PullState, RepoAPI
from bot.github.auth import AppAuth
from bot.github.client import GitHubClient, QueryRefused
from bot.jobs.commands import Answers, command, recorded_ignores
from bot.jobs.model import CommandJob, Job, ReviewJob
from bot.jobs.review_read import read_for_review
from bot.logs import bind
from bot.metrics import Metrics
from bot.report import checks, threads
from bot.report.links import Permalinks
from bot.report.review import ReviewPlan, plan, posted
from bot.rules.engine import Evaluation, evaluate
from bot.rules.ignores import Ignore, split

log = logging.getLogger(__name__)

UNAUTHORIZED = 401
UNPROCESSABLE = 422
GONE = frozenset({404, 410, 422})  # the PR, repo or commit is gone: retrying cannot help
# A draft marked ready for review is judged again on the same head (its run may have been held
# neutral), so `ready_for_review` is not one of these.
PUSH_TRIGGERS = frozenset(
    f"pull_request.{action}" for action in ("opened", "reopened", "synchronize")
)


class Pipeline:
    """Run one job against GitHub with the job's installation token."""

    def __init__(
        self,
        auth: AppAuth,
        client: GitHubClient,
        app_api: AppAPI,
        app_id: int,
        answers: Answers,
        metrics: Metrics,
    ) -> None:
        self._auth = auth
        self._client = client
        self._app_api = app_api
        self._app_id = app_id
        self._answers = answers
        self._metrics = metrics

    async def __call__(self, job: Job) -> None:
        try:
            try:
                await self._run(job)
            except BadRequest as exc:
                if int(exc.status_code) != UNAUTHORIZED:
                    raise
                # A revoked or rejected token is not fixed by waiting: fetch a new one, once.
                log.warning("GitHub refused the installation token (401); retrying with a new one")
                self._auth.forget(job.installation_id)
                await self._run(job)
        except BadRequest as exc:
            if int(exc.status_code) in GONE:
                log.warning("job ended: GitHub answered %s (%s)", int(exc.status_code), exc)
                return
            raise PermanentError(f"GitHub refused: {int(exc.status_code)} {exc}") from exc
        except QueryRefused as exc:
            if exc.types != {NOT_FOUND}:  # GraphQL's answer for a PR or repository gone
                raise
            log.warning("job ended: GitHub answered NOT_FOUND (%s)", exc)

    async def abandon(self, job: Job, reason: str) -> None:
        """Finish what a job given up for good left in progress (its check run), best effort."""
        try:
            await abandon(await self._api(job), job, self._app_id, reason)
        except (HTTPException, TransientError) as exc:
            log.warning("could not complete the run of an abandoned job: %s", exc)

    async def _api(self, job: Job) -> RepoAPI:
        """The job's repository, with its installation's token."""
        token = await self._auth.installation_token(job.installation_id)
        return RepoAPI(self._client.for_token(token, job.installation_id), job.repo)

    async def _bot_login(self) -> str:
        """The app's own user (`slug[bot]`), whose comments alone may record an ignore."""
        return f"{(await self._app_api.get_app())['slug']}[bot]"

    async def _run(self, job: Job) -> None:
        api = await self._api(job)
        login = await self._bot_login()
        if isinstance(job, CommandJob):
            number = job.number

            def rereview(ignoring: tuple[Ignore, ...]) -> Awaitable[Evaluation | None]:
                return review(
                    api,
                    number,
                    self._app_id,
                    again=True,
                    bot_login=login,
                    ignoring=ignoring,
                    metrics=self._metrics,
                )

            await command(api, job, self._answers, rereview, login)
            return
        numbers = [job.number] if job.number is not None else []
        if job.number is None and job.head_sha:
            numbers = await api.find_pulls(job.head_sha)
            if not numbers:
                log.info("no open pull request has head %s; nothing to review", job.head_sha)
        # Heads this job was queued for, or replaced, whose runs may still be in progress.
        earlier = tuple(h for h in (*job.superseded, job.head_sha) if h)
        # The webhook named the PR's head and base: the review need not read the PR first.
        known = None
        if job.number is not None and job.head_sha and job.base_sha:
            known = Heads(job.head_sha, job.base_sha)
        for number in numbers:
            again = job.trigger not in PUSH_TRIGGERS
            await review(
                api,
                number,
                self._app_id,
                again=again,
                earlier=earlier,
                bot_login=login,
                metrics=self._metrics,
                known=known,
            )


@dataclass(frozen=True)
class Heads:
    """A pull request's head and base commits as its webhook named them."""

    head_sha: str
    base_sha: str


async def review(
    api: RepoAPI,
    number: int,
    app_id: int,
    *,
    again: bool,
    bot_login: str,
    earlier: tuple[str, ...] = (),
    ignoring: tuple[Ignore, ...] = (),
    metrics: Metrics | None = None,
    known: Heads | None = None,
) -> Evaluation | None:
    """Review the PR's current head and publish the result; None when there was nothing to do.

    `again` is a user's explicit request (recheck, Re-run): it reviews a head even if a finished
    run already exists for it. `earlier` heads are ones this job was queued for or replaced:
    a run an attempt on one of them left in progress is closed as superseded, so no run stays
    in progress after a push (a process killed, the PR pushed before it restarted).
    Findings a `/readiness ignore` on the PR covers (recorded in `bot_login`'s comments, or
    `ignoring`, one just recorded) are left out of the review and counted in the summary. `metrics`
    counts the published findings and the semgrep run. `known` are the head and base the
    webhook named: the PR is then not read before the review. Its state, draft flag and current
    head come with the review's reads, and are read again right before the review writes to
    the conversation (a review or resolved threads).
    """
    if known is None:
        opened = await api.get_pull(number)
        if opened.get("state") != "open":
            log.info("pull request is %s; not reviewing", opened.get("state"))
            return None
        known = Heads(str(opened["head"]["sha"]), str(opened["base"]["sha"]))
    head, base = known.head_sha, known.base_sha
    bind(pr=number, head_sha=head)
    for old in dict.fromkeys(h for h in earlier if h != head):
        if await _close_unfinished(api, old, app_id, checks.superseded(head)):
            log.info("closed the run left in progress on superseded head %s", old)
    try:
        reading = await read_for_review(api, number, head, base, app_id)
    except Exception as exc:
        await _show_failure(api, head, app_id, again, exc)
        raise
    latest = reading.latest_run
    if latest is not None and latest["status"] == "completed" and not again:
        log.info("head already reviewed (check run %s); skipping", latest["id"])
        return None
    check_run = await _open_run(api, head, latest, app_id)
    change = reading.snap.change
    try:
        evaluation = await evaluate(
            reading.snap, organisation=reading.organisation, metrics=metrics
        )
        conversation = reading.conversation
        recorded = recorded_ignores(conversation, bot_login, ignoring)
        found = evaluation.findings  # ignored ones too: an ignore hides a finding, not fixes it
        kept, ignored = split(found, recorded)
        evaluation = replace(evaluation, findings=kept, ignored=ignored)
        config = evaluation.config
        review_plan, settled = None, threads.Settled({})
        if config.comments == "review":
            already = posted(conversation.bodies())
            review_plan = plan(evaluation.findings, change, already, config.max_comments)
            complete = not evaluation.problems
            settled = threads.settled(conversation, found, bot_login, complete=complete)
        pull = reading.pull
        if review_plan is not None or settled.open:
            # The last read, right before the first write to the conversation: a push during
            # the review means this head's review must not reach it. A review that only
            # completes its run needs no such read: the run belongs to this head whatever
            # happened to the pull request since.
            pull = PullState.from_rest(await api.get_pull(number))
        if pull.head_sha != head:
            log.info("head superseded by %s while reviewing; not publishing", pull.head_sha)
            await api.update_check_run(check_run, checks.superseded(pull.head_sha))
            return None
        if pull.state != "open":
            log.info("pull request %s while reviewing; not publishing", pull.state)
            await api.update_check_run(check_run, checks.closed(pull.state))
            return None
        evaluation = replace(evaluation, draft=pull.draft)
        if review_plan is not None:
            await _post_review(api, number, review_plan, head)
        fixed = settled.fixed(await api.resolve_threads(list(settled.open)))
        sent = 0
        links = Permalinks.of(pull.repo_url, head, reading.merge_base, change)
        for body in checks.completed(evaluation, links, fixed=fixed):
            await api.update_check_run(check_run, body, annotations_before=sent)
            sent += len(body["output"]["annotations"])
    except Exception as exc:
        await _leave(api, check_run, exc)
        raise
    if metrics is not None:
        metrics.published(evaluation.findings)
    log.info(
        "review published: %d findings, %d new comments",
        len(evaluation.findings),
        len(review_plan.comments) if review_plan else 0,
    )
    return evaluation


async def _post_review(api: RepoAPI, number: int, review_plan: ReviewPlan, head: str) -> None:
    """Post the review; if GitHub refuses it (a 422: one comment it will not place, and it does
    not say which), post its comments one at a time and then the review's body, which lists the
    ones refused, rather than nothing."""
    try:
        await api.create_review(number, review_plan.request(head), review_plan.marker(head))
        return
    except BadRequest as exc:
        if int(exc.status_code) != UNPROCESSABLE or not review_plan.comments:
            raise
        log.warning("GitHub refused the review (%s); posting its comments one at a time", exc)
    refused = []
    for comment in review_plan.comments:
        try:
            await api.create_review_comment(
                number, review_plan.single(comment, head), comment.marker()
            )
        except BadRequest as exc:
            if int(exc.status_code) != UNPROCESSABLE:
                raise
            first = comment.findings[0]
            log.warning("GitHub refused the comment on %s:%d", first.path, first.line)
            refused.append(comment)
    rest = replace(review_plan, alone=True, refused=tuple(refused))
    await api.create_review(number, rest.request(head), rest.marker(head))


async def _open_run(api: RepoAPI, head: str, latest: dict[str, Any] | None, app_id: int) -> int:
    """Take over this head's unfinished run, or create one.

    GitHub appends annotations and cannot remove them, so a run an interrupted attempt already
    sent annotations to is not reused (its repeats would double them): it is closed as cancelled
    and a new run gets each annotation once.
    """
    if latest is not None and latest["status"] != "completed":
        if not int((latest.get("output") or {}).get("annotations_count") or 0):
            await api.update_check_run(int(latest["id"]), checks.restarted())
            return int(latest["id"])
        await api.update_check_run(int(latest["id"]), checks.interrupted())
    return await api.create_check_run(checks.started(head), app_id)


def _retried(exc: Exception) -> bool:
    """Tell a failure the job is retried for (GitHub unavailable, a refused token) from a bug."""
    unauthorized = isinstance(exc, BadRequest) and int(exc.status_code) == UNAUTHORIZED
    return isinstance(exc, TransientError) or unauthorized


async def _leave(api: RepoAPI, check_run: int, exc: Exception) -> None:
    """Say on the run why this attempt stops, best effort (the original error is what gets
    reported): a failure the job is retried for keeps it in progress, "waiting for GitHub", for
    the retry to take over; any other completes it `neutral` with the reason."""
    if _retried(exc):
        body = checks.waiting()
    else:
        body = checks.crashed(f"The review failed ({type(exc).__name__}).")
    try:
        await api.update_check_run(check_run, body)
    except (HTTPException, TransientError) as update_error:
        log.warning("could not update check run %s: %s", check_run, update_error)


async def _show_failure(api: RepoAPI, head: str, app_id: int, again: bool, exc: Exception) -> None:
    """A read failed before the review opened its run (the run is opened once the reads say
    it is needed): say so on a run all the same, the unfinished one or a new one, as `_leave`
    does after; unless the head was reviewed already. Best effort: GitHub may be down."""
    try:
        latest = await api.latest_check_run(head, checks.CHECK_NAME, app_id)
        if latest is not None and latest["status"] == "completed" and not again:
            return
        check_run = await _open_run(api, head, latest, app_id)
    except (HTTPException, TransientError) as error:
        log.warning("could not open a run to show the review's failure: %s", error)
        return
    await _leave(api, check_run, exc)


async def abandon(api: RepoAPI, job: Job, app_id: int, reason: str) -> None:
    """Complete the unfinished run of a review job given up for good, so none stays in
    progress: `neutral`, with the reason and how to run the review again."""
    if isinstance(job, ReviewJob) and job.head_sha:
        await _close_unfinished(api, job.head_sha, app_id, checks.crashed(reason))


async def _close_unfinished(api: RepoAPI, head: str, app_id: int, body: dict[str, Any]) -> bool:
    """Complete this app's run on `head` with `body` if one is still in progress; tell if so."""
    latest = await api.latest_check_run(head, checks.CHECK_NAME, app_id)
    if latest is None or latest["status"] == "completed":
        return False
    await api.update_check_run(int(latest["id"]), body)
    return True
