"""The product, top to bottom: fetch the diff, evaluate the rules, publish the check and review."""

from __future__ import annotations

import logging

from bot.diff.model import Change
from bot.diff.parse import from_files_api, parse
from bot.errors import PermanentError, TransientError
from bot.github.api import DiffTooLarge, GitHubContents, RepoAPI
from bot.github.auth import AppAuth
from bot.github.client import GitHubClient
from bot.jobs.model import CommandJob, Job, ReviewJob
from bot.logs import bind
from bot.report import checks
from bot.report.review import plan, posted
from bot.rules.engine import Evaluation, evaluate
from bot.rules.model import RuleContext
from bot.rules.registry import rule_table

log = logging.getLogger(__name__)

WRITE_ROLES = frozenset({"admin", "maintain", "write"})
HELP = (
    "**Readiness** reviews every push for production-readiness regressions.\n\n"
    "Commands (for users with write access):\n"
    "- `/readiness recheck` — run the review again on the current head\n"
    "- `/readiness help` — show this message\n\n"
    "Silence a finding with `readiness:allow` in a comment on its line.\n\n"
    "<details><summary>Rules</summary>\n\n{rules}\n</details>"
)
NOT_ALLOWED = (
    "Thanks @{user}! Only people with write access to this repository can ask Readiness to "
    "re-run. A maintainer can comment `/readiness recheck`, or push a new commit."
)
UNKNOWN = "Sorry @{user}, I don't know `/readiness {command}`. Try `/readiness help`."


class Pipeline:
    """Run one job against GitHub with the job's installation token."""

    def __init__(self, auth: AppAuth, client: GitHubClient) -> None:
        self._auth = auth
        self._client = client

    async def __call__(self, job: Job) -> None:
        token = await self._auth.installation_token(job.installation_id)
        api = RepoAPI(self._client.for_token(token), job.repo)
        if isinstance(job, ReviewJob):
            numbers = [job.number] if job.number is not None else []
            if job.number is None and job.head_sha:
                numbers = await api.find_pulls(job.head_sha)
                if not numbers:
                    log.info("no open pull request has head %s; nothing to review", job.head_sha)
            for number in numbers:
                await review(api, number)
        else:
            await command(api, job)


async def review(api: RepoAPI, number: int) -> Evaluation | None:
    """Review the PR's current head and publish the result; None if the PR is closed."""
    pull = await api.get_pull(number)
    if pull.get("state") != "open":
        log.info("pull request is %s; not reviewing", pull.get("state"))
        return None
    head, base = str(pull["head"]["sha"]), str(pull["base"]["sha"])
    bind(pr=number, head_sha=head)
    check_run = await api.create_check_run(checks.started(head))
    try:
        change = await fetch_change(api, number)
        evaluation = await evaluate(RuleContext(change, GitHubContents(api, base, head)))
        already = posted([c.get("body") async for c in api.list_review_comments(number)])
        already |= posted([r.get("body") async for r in api.list_reviews(number)])
        review_plan = plan(evaluation.findings, change, already)
        if review_plan is not None:
            await api.create_review(number, review_plan.request(head))
        for body in checks.completed(evaluation):
            await api.update_check_run(check_run, body)
    except Exception as exc:
        reason = "GitHub is unavailable or rate-limited; the review will be retried automatically."
        if not isinstance(exc, TransientError):
            reason = f"The review failed ({type(exc).__name__})."
        await api.update_check_run(check_run, checks.crashed(reason))
        raise
    log.info(
        "review published: %d findings, %d new comments",
        len(evaluation.findings),
        len(review_plan.comments) if review_plan else 0,
    )
    return evaluation


async def fetch_change(api: RepoAPI, number: int) -> Change:
    """Fetch the diff; when GitHub refuses it as too large, page through the files list."""
    try:
        return parse(await api.get_diff(number))
    except DiffTooLarge:
        log.info("diff too large for the diff media type; reading the files list instead")
        return from_files_api([entry async for entry in api.list_files(number)])


async def command(api: RepoAPI, job: CommandJob) -> None:
    """Answer a `/readiness` comment: 👀 at once, then 👍 when done or 😕 when it failed."""
    bind(pr=job.number)
    await api.react(job.comment_id, "eyes")
    if job.command == "help":
        await api.comment(job.number, HELP.format(rules=rule_table()))
        await api.react(job.comment_id, "+1")
        return
    if job.command != "recheck":
        await api.comment(job.number, UNKNOWN.format(user=job.user, command=job.command))
        await api.react(job.comment_id, "confused")
        return
    if await api.get_permission(job.user) not in WRITE_ROLES:
        log.info("recheck refused: %s has no write access", job.user)
        await api.comment(job.number, NOT_ALLOWED.format(user=job.user))
        return
    try:
        evaluation = await review(api, job.number)
    except PermanentError:
        await api.react(job.comment_id, "confused")
        raise
    await api.react(job.comment_id, "+1" if evaluation is not None else "confused")
