"""Answer a `/readiness` comment: 👀 at once, then the answer, then 👍 (or 😕 when it failed).

`recheck` and `ignore` change something, so they need write access (however granted); `help`,
`explain` and `config` only read and answer anyone. Answers go where the command was written
(`command_comment.py`), except an ignore's record, which always goes in the conversation, where
every review reads ignores back from. Each comment is answered once: its answer
is recorded in the job store before the last reaction, so a job retried after it only reacts,
and an ignore's reply is looked for before it is posted, so a review that failed after it does
not post it twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.config import built_in_ids
from bot.errors import PermanentError
from bot.github.api import RepoAPI
from bot.github.conversation import Conversation
from bot.jobs.command_comment import CommandComment
from bot.jobs.model import CommandJob
from bot.jobs.repo_config import effective
from bot.logs import bind
from bot.report import answers as text
from bot.rules import ignores, semgrep
from bot.rules.engine import Evaluation
from bot.rules.registry import PACKS

log = logging.getLogger(__name__)

NO_REACTION = "none"  # a command answered by its reply alone (a refused recheck)
CHANGES = frozenset({"recheck", "ignore"})  # commands that need write access

Review = Callable[[tuple[ignores.Ignore, ...]], Awaitable[Evaluation | None]]
"""Review the PR's current head again and publish it, with these ignores besides those read
from the conversation; None when there was nothing to review."""


class Answers(Protocol):
    """Where a command's answer is recorded before its last reaction (the job store)."""

    async def answered(self, comment_id: int) -> str | None: ...

    async def answer(self, comment_id: int, outcome: str) -> None: ...


async def command(
    api: RepoAPI, job: CommandJob, answers: Answers, review: Review, bot_login: str
) -> None:
    """Answer one command comment; `bot_login` is the app's own user (`slug[bot]`)."""
    bind(pr=job.number)
    asked = CommandComment(api, job)
    reaction = await answers.answered(job.once)
    if reaction is None:
        await asked.react("eyes")
        reaction = await _answer(api, job, asked, review, bot_login)
        await answers.answer(job.once, reaction)
    else:
        log.info("command already answered; resuming at its reaction")
    if reaction != NO_REACTION:
        await asked.react(reaction)


def recorded_ignores(
    conversation: Conversation, bot_login: str, also: tuple[ignores.Ignore, ...] = ()
) -> list[ignores.Ignore]:
    """Read the PR's ignores back from the app's own answers in its conversation, plus `also`
    (one just recorded) when the conversation does not show it yet.

    Only comments by the app's user (`slug[bot]`) count: anyone can write a marker line in a
    comment.
    """
    found: list[ignores.Ignore] = []
    for comment in conversation.comments:
        if comment.author == bot_login:
            found += ignores.read(comment.body)
    seen = {i.comment_id for i in found}
    return found + [i for i in also if i.comment_id not in seen]


async def _answer(
    api: RepoAPI, job: CommandJob, asked: CommandComment, review: Review, bot_login: str
) -> str:
    """Reply to the command or do what it asks; return the reaction that ends it."""
    if job.command in CHANGES and not await api.has_write_access(job.user):
        log.info("%s refused: %s has no write access", job.command, job.user)
        await asked.reply(text.not_allowed(job.user, job.command))
        return NO_REACTION
    if job.command == "recheck":
        return await _review(asked, review)
    if job.command == "ignore":
        return await _ignore(api, job, asked, review, bot_login)
    if job.command == "explain":
        return await _explain(job, asked)
    if job.command == "config":
        return await _config(api, job, asked)
    if job.command == "help":
        await asked.reply(text.help_text())
        return "+1"
    await asked.reply(text.unknown(job.user, job.command))
    return "confused"


async def _review(
    asked: CommandComment, review: Review, ignoring: tuple[ignores.Ignore, ...] = ()
) -> str:
    try:
        evaluation = await review(ignoring)
    except PermanentError:
        await asked.react("confused")
        raise
    return "+1" if evaluation is not None else "confused"


async def _ignore(
    api: RepoAPI, job: CommandJob, asked: CommandComment, review: Review, bot_login: str
) -> str:
    """Record the ignore in a reply carrying its marker, then review again without its findings."""
    try:
        ignore = ignores.parse(job.args, job.user, job.once)
    except ignores.UsageError as exc:
        await asked.reply(text.unusable(job.user, str(exc)))
        return "confused"
    repo_rule = ignore.rule.startswith(f"{semgrep.RULE_PACK}/")  # on trust: on the base branch
    if ignore.rule not in built_in_ids(PACKS) and not repo_rule:
        problem = f"there is no rule `{ignore.rule}`{text.suggestion(ignore.rule)}"
        await asked.reply(text.unusable(job.user, problem))
        return "confused"
    recorded = recorded_ignores(await api.read_conversation(job.number), bot_login)
    if any(i.comment_id == job.once for i in recorded):
        log.info("this ignore was recorded by an earlier attempt")
    else:
        await api.comment(job.number, text.ignoring(ignore))
    # Given to the review too: a list read right after the reply may not hold it yet.
    return await _review(asked, review, (ignore,))


async def _explain(job: CommandJob, asked: CommandComment) -> str:
    rule = job.args.split()[0] if job.args.split() else ""
    if not rule:
        await asked.reply(text.needs_rule(job.user))
        return "confused"
    await asked.reply(text.explain(rule))
    known = rule in built_in_ids(PACKS) or rule.startswith(f"{semgrep.RULE_PACK}/")
    return "+1" if known else "confused"


async def _config(api: RepoAPI, job: CommandJob, asked: CommandComment) -> str:
    """Show the config the PR's review applies: the repository's file on the base side of its
    diff over the organisation's, over the defaults, and where each setting came from."""
    pull = await api.get_pull(job.number)
    fork = (await api.compare(str(pull["base"]["sha"]), str(pull["head"]["sha"]))).merge_base
    resolved = await effective(api, fork)
    files = ", then ".join(f"`{name}`" for name in resolved.files)
    source = f"{files}, then the built-in defaults" if files else "the built-in defaults"
    source += f" (the base branch at `{fork[:12]}`)"
    await asked.reply(text.config_text(resolved, source))
    return "+1"
