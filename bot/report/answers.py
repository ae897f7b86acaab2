"""What the bot answers to `/readiness` comments (pure): help, explain, config, ignore, refusals.

Everything about a rule comes from the registry (`bot.rules.registry`): a rule cannot be
explained differently from how it is declared, and no rule has hand-written help.
"""

from __future__ import annotations

import difflib

import yaml

from bot.config import CONFIG_PATH, Resolved
from bot.rules import docs, semgrep
from bot.rules.engine import SUPPRESSIONS
from bot.rules.ignores import Ignore
from bot.rules.model import Rule, Severity
from bot.rules.registry import ERROR_KINDS, PACKS, RULES, rule_table

COMMANDS = (
    ("recheck", "run the review again on the current head", True),
    ("ignore RULE-ID [PATH] [-- reason]", "stop reporting a rule on this pull request", True),
    ("explain RULE-ID", "what a rule catches, why it matters, how to fix and silence it", False),
    ("config", "the configuration that applies to this pull request", False),
    ("help", "this message", False),
)
HELP = (
    "**Readiness** reviews every push for production-readiness regressions.\n\n"
    "Commands (✏️: for people with write access):\n{commands}\n\n"
    "Silence a finding on an added line with `{allow}` in a comment on that line; anywhere, "
    "with `allow:` or `disable:` in `{config}` on the base branch; on this pull request only, "
    "with `/readiness ignore`.\n\n"
    "<details><summary>Rules</summary>\n\n{rules}\n</details>"
)
NOT_ALLOWED = (
    "Thanks @{user}! Only people with write access to this repository can ask Readiness to "
    "{what}. A maintainer can comment `/readiness {command}`{alternative}."
)
_CHANGES = {
    "recheck": ("re-run", ", or push a new commit"),
    "ignore": ("ignore findings", ""),
}
_WHY = {
    Severity.WARNING: "It is a **warning**: a pattern that is often a regression but that the "
    "change alone cannot prove, so it makes the check neutral and asks a person to look "
    "instead of failing the build.",
    Severity.NOTICE: "It is a **notice**: worth knowing when merging, it changes no verdict.",
}


def help_text() -> str:
    """List the commands and every rule."""
    commands = "\n".join(
        f"- `/readiness {usage}`{' ✏️' if writes else ''} — {what}"
        for usage, what, writes in COMMANDS
    )
    return HELP.format(
        commands=commands, allow=SUPPRESSIONS[0], config=CONFIG_PATH, rules=rule_table()
    )


def unknown(user: str, command: str) -> str:
    """Answer a command the bot does not know (or one missing its argument) with the help."""
    return f"Sorry @{user}, I don't know `/readiness {command}`.\n\n{help_text()}"


def needs_rule(user: str) -> str:
    """Answer `/readiness explain` given no rule id."""
    return f"Sorry @{user}, which rule? `/readiness explain RULE-ID` (`/readiness help` lists all)."


def not_allowed(user: str, command: str) -> str:
    """Refuse a command that changes something to someone who cannot push."""
    what, alternative = _CHANGES[command]
    return NOT_ALLOWED.format(user=user, what=what, command=command, alternative=alternative)


def explain(rule_id: str) -> str:
    """Say what a rule catches, why it matters, how to fix it and how to silence it."""
    rule = RULES.get(rule_id)
    if rule_id == semgrep.RULE_PACK or rule_id.startswith(f"{semgrep.RULE_PACK}/"):
        what = (
            f"`{rule_id}` names this repository's own semgrep rules "
            f"(`{semgrep.RULES_FOLDER}` on the base branch): each rule's message, severity and "
            "fix are written in its rule file."
        )
        return f"{what}\n\n{_silence(rule_id)}"
    pack = next((p for p in PACKS if p.id == rule_id), None)
    if pack is not None:
        rules = "\n".join(f"- `{r.id}`: {r.description}" for r in pack.rules)
        return f"`{pack.id}` is a pack of rules; explain one of them:\n\n{rules}"
    if rule is None:
        return f"There is no rule `{rule_id}`{suggestion(rule_id)}."
    return "\n\n".join(
        [
            f"### `{rule.id}` ({docs.severity(rule)})",
            f"**What it catches:** {rule.description.rstrip('.')}.{_languages(rule)}",
            f"**Why it matters:** {_why(rule)}",
            f"**How to fix:** {rule.fix}",
            _silence(rule.id),
        ]
    )


def suggestion(rule_id: str) -> str:
    """Name the closest rule or pack id, for a misspelt one."""
    known = sorted({*RULES, *(pack.id for pack in PACKS)})
    close = difflib.get_close_matches(rule_id, known, n=1)
    return f" (did you mean `{close[0]}`?)" if close else " (`/readiness help` lists them)"


def config_text(resolved: Resolved, source: str) -> str:
    """Show the effective config with every default filled in, each setting followed by the
    file that set it or `built-in default`, and which files applied (`source`)."""
    lines = [f"**Configuration for this pull request:** {source}.", ""]
    if resolved.problems:
        lines += ["**Problems** (the review reports them too):", ""]
        lines += [f"- {problem}" for problem in resolved.problems]
        lines += [""]
    lines += ["The effective configuration:", "", "```yaml", resolved.describe().rstrip(), "```"]
    return "\n".join(lines)


def ignoring(ignore: Ignore) -> str:
    """Acknowledge an ignore; the marker line records it for every later review of the PR."""
    where = f" on `{ignore.path}`" if ignore.path else ""
    why = f": {ignore.reason}" if ignore.reason else " (no reason given)"
    return (
        f"@{ignore.by} set `{ignore.rule}`{where} aside for this pull request{why}. "
        "Its findings are no longer reported here, and the check-run summary lists this ignore. "
        "Reviewing again.\n\n"
        f"{ignore.marker()}"
    )


def unusable(user: str, problem: str) -> str:
    """Answer a `/readiness ignore` the bot cannot act on, saying what to write instead."""
    return f"Sorry @{user}, I could not ignore that: {problem}."


def _languages(rule: Rule) -> str:
    if not rule.languages:
        return ""
    return f" It reads {', '.join(sorted(rule.languages))} files."


def _why(rule: Rule) -> str:
    if rule.rolling:
        return (
            f"It is a **{rule.highest('stop').value}**: it breaks only the old version while it "
            "still serves during a rolling deploy, which the change cannot show; with "
            f"`deploys: rolling` in `{CONFIG_PATH}` it is a **{rule.highest('rolling').value}**."
        )
    if rule.severity is not Severity.ERROR:
        return _WHY[rule.severity]
    kind = next((k for k, ids in ERROR_KINDS.items() if rule.id in ids), "one the policy lists")
    return (
        f"It is an **error**, which fails the check: it is kept for findings that are "
        f"near-certain and harmful, here {kind}."
    )


def _silence(rule_id: str) -> str:
    allow = yaml.safe_dump({"allow": {rule_id: ["/path/to/file"]}}, sort_keys=False)
    disable = yaml.safe_dump({"disable": [rule_id]}, default_flow_style=None).strip()
    return (
        "**How to silence it** (when the finding is wrong or accepted):\n"
        f"- on one added line: a comment with `{SUPPRESSIONS[0]}` on that line;\n"
        f"- on this pull request: `/readiness ignore {rule_id} [PATH] -- reason` "
        "(write access);\n"
        f"- on some paths, in `{CONFIG_PATH}` on the base branch:\n"
        f"  ```yaml\n  {allow.strip().replace(chr(10), chr(10) + '  ')}\n  ```\n"
        f"- everywhere: `{disable}` there."
    )
