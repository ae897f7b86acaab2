"""Run every pack over a change, then drop suppressed findings and number repeats."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from bot.config import load as load_config
from bot.rules import semgrep
from bot.rules.model import Check, Finding, Pack, RuleContext
from bot.rules.registry import PACKS

log = logging.getLogger(__name__)

# Checks awaiting file contents can be cut off; pure text checks are linear by design (benchmarks/).
CHECK_TIMEOUT_S = 120.0
SUPPRESSIONS = ("readiness:allow", "gitleaks:allow", "pragma: allowlist secret")


@dataclass(frozen=True)
class Evaluation:
    findings: tuple[Finding, ...]
    problems: tuple[str, ...]


async def evaluate(
    ctx: RuleContext,
    packs: Sequence[Pack] = PACKS,
    semgrep_rules: Path | None = semgrep.RULES_DIR,
) -> Evaluation:
    """Run all checks and semgrep concurrently; a failing check is reported, never fatal.

    The repository's config (read from the base branch) turns packs off and drops findings on
    paths it ignores or allows.
    """
    config, problem = await load_config(ctx.contents)
    problems: list[str] = list(ctx.change.problems) + ([problem] if problem else [])
    checks = [
        (pack.id, check) for pack in packs if pack.id not in config.disable for check in pack.checks
    ]
    outcomes = await asyncio.gather(
        *(_guarded(name, check, ctx, problems) for name, check in checks),
        _semgrep(ctx, semgrep_rules, problems),
    )
    findings = [finding for outcome in outcomes for finding in outcome if config.keeps(finding)]
    kept = _number_repeats(_unsuppressed(findings, ctx))
    kept.sort(key=lambda f: (f.path, f.line, f.severity.rank, f.rule))
    return Evaluation(tuple(kept), tuple(problems))


async def _guarded(
    pack: str, check: Check, ctx: RuleContext, problems: list[str], limit_s: float = CHECK_TIMEOUT_S
) -> Sequence[Finding]:
    try:
        return await asyncio.wait_for(check(ctx), limit_s)
    except TimeoutError:
        name = getattr(check, "__name__", repr(check))
        log.error("rule check %s/%s timed out after %.0f s", pack, name, limit_s)
        problems.append(f"rule check `{pack}/{name}` did not finish within {limit_s:.0f} s")
        return []
    except Exception as exc:  # one broken rule must not cost the whole review
        name = getattr(check, "__name__", repr(check))
        log.exception("rule check %s/%s failed", pack, name)
        problems.append(f"rule check `{pack}/{name}` failed: {type(exc).__name__}")
        return []


async def _semgrep(ctx: RuleContext, rules: Path | None, problems: list[str]) -> list[Finding]:
    if rules is None:
        return []
    try:
        return await semgrep.run(ctx, rules)
    except (semgrep.SemgrepError, OSError) as exc:
        log.warning("semgrep failed: %s", exc)
        problems.append(f"semgrep rules were not run: {exc}")
        return []


def _unsuppressed(findings: list[Finding], ctx: RuleContext) -> list[Finding]:
    """Drop findings whose line carries an inline allow marker."""
    texts: dict[tuple[str, str, int], str] = {}
    for changed in ctx.change.files:
        for line in changed.added:
            texts[(changed.path, "RIGHT", line.number)] = line.text
        for line in changed.removed:
            texts[(changed.path, "LEFT", line.number)] = line.text
    return [
        f
        for f in findings
        if not any(m in texts.get((f.path, f.side, f.line), "") for m in SUPPRESSIONS)
    ]


def _number_repeats(findings: list[Finding]) -> list[Finding]:
    """Keep fingerprints unique: the same content matched twice in a file is two findings."""
    seen: Counter[str] = Counter()
    numbered = []
    for finding in sorted(findings, key=lambda f: (f.path, f.side, f.line, f.rule)):
        seen[finding.fingerprint] += 1
        count = seen[finding.fingerprint]
        numbered.append(
            finding
            if count == 1
            else replace(finding, fingerprint=f"{finding.fingerprint}-{count}")
        )
    return numbered
